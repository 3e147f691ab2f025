# hotplug: memory hotplug while lkcd is armed.  QEMU gets a free DIMM slot;
# once the guest has armed, during() plugs a 256 MiB pc-dimm on QEMU's
# monitor (object_add + device_add); the guest onlines the new memory
# blocks, re-arms once (lkcd config, what lkcd-rearm.service runs after a
# burst of udev events; udev and systemd do not run in the test guest),
# puts kernel objects in the new memory and panics.  Checked: the capture
# kernel's /proc/vmcore covers the DIMM (the reload gave kexec the new
# memory map), lkcd.ko's range table has it, and the saved dump holds pages
# from it (read back by libkdumpfile).
DESCRIPTION="memory hotplug (pc-dimm), re-arm once, the panic dump holds the new DIMM"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM="1G,slots=2,maxmem=2G"
VM_TIMEOUT=200
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
}
