# hotplug: memory hotplug while lkcd is armed.  QEMU gets a free DIMM slot;
# once the guest has armed, during() plugs a 256 MiB pc-dimm on QEMU's
# monitor (object_add + device_add); the guest onlines the new memory
# blocks, re-arms once where 99-lkcd.rules would (lkcd config, what
# lkcd-rearm.service runs after a burst of udev events; udev and systemd do
# not run in the test guest), puts kernel objects in the new memory and
# panics.  Checked: the capture kernel's /proc/vmcore covers the DIMM (the
# reload, or the kernel's own update of the loaded image, gave it the new
# memory map), lkcd.ko's range table has it, and the saved dump holds pages
# from it (read back by libkdumpfile).
#
# CRASH_HOTPLUG cooperation (6.6+): the guest gets the release's own kexec
# (RELEASE_BINARIES: trixie's and sid's take --hotplug, bookworm's 2.0.25
# does not).  Where the kernel has crash_hotplug and kexec takes --hotplug,
# lkcd config must load with --hotplug, crash_hotplug must read 1, the guest
# does not re-arm (the udev rule skips it) and /proc/vmcore must still cover
# the DIMM: the kernel's update, not a reload, put it there.  Elsewhere
# (6.1, or a kexec without --hotplug) the re-arm must run.
DESCRIPTION="memory hotplug (pc-dimm), re-arm once, the panic dump holds the new DIMM"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM="1G,slots=2,maxmem=2G"
VM_TIMEOUT=200
RELEASE_BINARIES="/sbin/kexec"
# memhp_default_state=offline: the guest onlines the new blocks itself (and
# must, to tell which they are); 6.12's Debian config onlines hot-added
# memory by itself (MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO), 6.1's does not.
VM_APPEND="memhp_default_state=offline"
# LKCD_HOTPLUG_NO_REARM=1 tests/vm/run hotplug: the control, without the
# re-arm; then the capture kernel does not see the DIMM and check() fails
[[ ${LKCD_HOTPLUG_NO_REARM:-0} == 1 ]] && VM_APPEND="$VM_APPEND lkcd_no_rearm=1"

during() {
	vm_wait_log 'lkcd-vm: ready for memory hotplug' || return
	vm_monitor "object_add memory-backend-ram,id=mem1,size=256M" \
		"device_add pc-dimm,id=dimm1,memdev=mem1"
}

check() {
	local n dump start size out
	check_file notes/dimm || return 1
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	read -r start size <"$OUT/notes/dimm"
	grep -q yes "$OUT/notes/vmcore-has-dimm" ||
		check_fail "the capture kernel's /proc/vmcore does not cover the DIMM at $start" || return 1
	out=$(dump_pages_in "$dump" "$start" "$size") || check_fail "libkdumpfile could not read dump.$n: $out" || return 1
	(( out > 0 )) || check_fail "dump.$n holds no page of the hotplugged DIMM ($start, $size bytes)" || return 1
	echo "  DIMM at $start ($((size >> 20)) MiB): $out of its pages in dump.$n (level kern)"
	check_hotplug_cooperation
}

# Who kept the capture kernel's view of memory current: the kernel
# (crash_hotplug 1, no re-arm) where it and kexec can, lkcd's re-arm
# elsewhere; never both, never neither.
check_hotplug_cooperation() {
	local ch kx=no line rearmed
	check_file notes/crash-hotplug || return 1
	ch=$(cat "$OUT/notes/crash-hotplug")
	[[ -f $OUT/notes/kexec-has-hotplug ]] && kx=yes
	line=$(cat "$OUT/notes/kexec-line" 2>/dev/null)
	rearmed=$(cat "$OUT/notes/rearmed" 2>/dev/null)
	[[ ${LKCD_HOTPLUG_NO_REARM:-0} == 1 ]] && return 0
	if [[ $ch != absent ]] && [[ $kx == yes ]]; then
		[[ $line == *' --hotplug '* || $line == *' -s '* ]] ||
			check_fail "the kernel has crash_hotplug and kexec takes --hotplug, but lkcd config ran: $line" || return 1
		[[ $ch == 1 ]] ||
			check_fail "crash_hotplug is $ch after lkcd config loaded with --hotplug: the kernel will not update the capture image" || return 1
		grep -q 'the kernel updates the loaded capture kernel itself' "$OUT/notes/config-hotplug" 2>/dev/null ||
			check_fail "lkcd config did not say the kernel keeps the capture kernel current: $(cat "$OUT/notes/config-hotplug" 2>/dev/null)" || return 1
		[[ $rearmed == no ]] ||
			check_fail "re-armed although crash_hotplug is 1" || return 1
		echo "  cooperation: loaded with --hotplug, crash_hotplug 1, no re-arm; the kernel's own update put the DIMM in /proc/vmcore"
	else
		[[ $rearmed == yes ]] ||
			check_fail "crash_hotplug is $ch, kexec --hotplug: $kx, yet no re-arm" || return 1
		vm_kernel_at_least 6.6 && [[ $ch == absent ]] &&
			echo "  note: $KABI has no /sys/devices/system/memory/crash_hotplug"
		echo "  cooperation: crash_hotplug $ch, kexec --hotplug $kx: lkcd re-armed after the hotplug"
	fi
	return 0
}
