# offline-memory: a memory block taken offline before the panic.  QEMU gets
# a free DIMM slot; once the guest has armed, during() plugs a 256 MiB
# pc-dimm (two 128 MiB blocks).  The guest onlines it movable, re-arms,
# fills it with marked page cache, offlines its last block and panics at
# level USED.  Checked: the offline block's physical memory still holds the
# marker (the capture kernel reads it through /proc/vmcore), yet the dump
# has no page of it (the dumper never reads offline sections) and counts it
# as excluded; the online block's pages are there; the dump is COMPLETE and
# makedumpfile and crash read it.
DESCRIPTION="memory block offlined before the panic: never read, never dumped, the dump complete"
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
		"device_add pc-dimm,id=dimm1,memdev=mem1"
}

check() {
	local bad=0 n dump start size got id
	check_file notes/dump-n || return 1
	check_file notes/offline || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	id=$(cat "$OUT/notes/boot-id")

	grep -q yes "$OUT/notes/offline-has-marker" ||
		check_fail "the offline block holds no marker: the test proves nothing" || bad=1
	read -r start size <"$OUT/notes/offline"
	got=$(dump_pages_in "$dump" "$start" "$size") || check_fail "libkdumpfile could not read dump.$n: $got" || return 1
	(( got == 0 )) || check_fail "dump.$n holds $got pages of the offline block at $start" || bad=1
	echo "  offline block at $start: $got pages in dump.$n"
	read -r start size <"$OUT/notes/online"
	got=$(dump_pages_in "$dump" "$start" "$size") || return 1
	(( got > 0 )) || check_fail "dump.$n holds no page of the DIMM's online block at $start" || bad=1
	echo "  online DIMM block at $start: $got pages in dump.$n"

	check_log "lkcd: dump complete" "a complete dump" || bad=1
	lkcd_show_check "$dump" || bad=1
	local excluded
	excluded=$(sed -n 's/^pages excluded: *\([0-9]*\).*/\1/p' "$WORK/lkcd-show.txt")
	read -r start size <"$OUT/notes/offline"
	[[ -n $excluded ]] && (( excluded >= size / 4096 )) ||
		check_fail "lkcd show counts ${excluded:-no} excluded pages, fewer than the offline block's $((size / 4096))" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "cycle marker $id" || bad=1
	check_crash "$dump" "cycle marker $id" || bad=1
	return $bad
}
