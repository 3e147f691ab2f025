# Host part of save-diskfull (see save-diskfull.guest).
DESCRIPTION="capture kernel, DUMPDIR's disk full: lkcd save exits 3 naming ENOSPC, leaves nothing; saves after space is freed"
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240
# small: quick to fill (a level KERN dump of 512M is ~16 MiB); no room for
# a /proc/vmcore copy, so the dump is judged without the page comparison
VM_DISK_SIZE=64M

check() {
	local bad=0 dump=$OUT/dump/0/dump.0 id
	check_file notes/save1.out || return 1
	check_eq "exit status of lkcd save on a full disk" 3 "$(cat "$OUT/notes/save1-status")" || bad=1
	# the message names the file being written and the reason
	grep -qE '/out/dump/\.tmp-0-[A-Za-z0-9]+/dump\.0.*No space left on device' "$OUT/notes/save1.out" ||
		check_fail "the failed save's message does not name .tmp-0-*/dump.0 and ENOSPC: $(head -c 400 "$OUT/notes/save1.out")" || bad=1
	# nothing but the second save's 0/ and bounds in DUMPDIR
	check_eq "DUMPDIR entries" "0 bounds" "$(ls -A "$OUT/dump" | LC_ALL=C sort | paste -sd' ')" || bad=1
	check_file dump/0/dump.0 || return 1
	id=$(cat "$OUT/notes/boot-id")
	lkcd_show_check "$dump" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "cycle marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "dump.0's kernel log (makedumpfile) lacks the panic line"; } || bad=1
	check_log 'lkcd: dumping: [0-9]+% \([0-9]+ of [0-9]+ pages\)' "the dumper's progress lines" || bad=1
	echo "  first save: $(tail -n1 "$OUT/notes/save1.out"); dump.0 $(stat -c %s "$dump") bytes"
	return $bad
}
