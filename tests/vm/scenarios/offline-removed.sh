# offline-removed: memory hot-removed while armed, and no re-arm after it.
# Two 256 MiB pc-dimms are plugged once the guest has armed; the guest
# onlines them movable, re-arms, fills them with page cache; then the host
# unplugs the second one (device_del: the guest kernel offlines and removes
# it) and the guest panics at level USED.  lkcd.ko rebuilt its range table
# while the blocks went offline, when the memory was still in iomem, so the
# table still lists it.  Checked: the dump has no page of the removed DIMM
# (pfn_valid() fails there: never read), is COMPLETE, lists the removed
# memory in its header, and makedumpfile and crash read it.
DESCRIPTION="a DIMM hot-removed while armed (no re-arm): never read, the dump complete"
NEEDS="lkcd module"
VM_MEM="768M,slots=2,maxmem=2G"
VM_CRASHKERNEL=160M
VM_TIMEOUT=240
# memhp_default_state=offline: the guest onlines the new blocks itself (and
# must, to tell which they are); 6.12's Debian config onlines hot-added
# memory by itself (MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO), 6.1's does not.
VM_APPEND="memhp_default_state=offline"

during() {
	vm_wait_log 'lkcd-vm: ready for memory hotplug' || return
	vm_monitor "object_add memory-backend-ram,id=mem1,size=256M" \
		"device_add pc-dimm,id=dimm1,memdev=mem1" \
		"object_add memory-backend-ram,id=mem2,size=256M" \
		"device_add pc-dimm,id=dimm2,memdev=mem2"
	vm_wait_log 'lkcd-vm: ready for unplug' || return
	vm_monitor "device_del dimm2"
}

check() {
	local bad=0 n dump start size got id mib
	check_file notes/dump-n || return 1
	check_file notes/removed || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	id=$(cat "$OUT/notes/boot-id")
	read -r start size <"$OUT/notes/removed"
	got=$(dump_pages_in "$dump" "$start" "$size") || check_fail "libkdumpfile could not read dump.$n: $got" || return 1
	(( got == 0 )) || check_fail "dump.$n holds $got pages of the removed DIMM at $start" || bad=1
	echo "  removed DIMM at $start: $got pages in dump.$n"
	check_log "lkcd: dump complete" "a complete dump" || bad=1
	lkcd_show_check "$dump" || bad=1
	# the stale range table was what the dumper walked
	mib=$(sed -n 's/^memory: *\([0-9]*\) MiB.*/\1/p' "$WORK/lkcd-show.txt")
	(( ${mib:-0} * 1024 >= $(cat "$OUT/notes/memory-armed") )) ||
		check_fail "the dump's range table ($mib MiB) no longer lists the removed DIMM: the stale case was not exercised" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "cycle marker $id" || bad=1
	check_crash "$dump" "cycle marker $id" || bad=1
	return $bad
}
