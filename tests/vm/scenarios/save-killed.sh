# Host part of save-killed (see save-killed.guest).
DESCRIPTION="capture kernel: lkcd save killed -9 mid-write leaves no N/; the next save removes the .tmp-* and saves"
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

check() {
	local bad=0 dump=$OUT/dump/0/dump.0 id tmp
	check_file notes/stale-tmp || return 1
	check_file notes/save2.out || return 1
	tmp=$(cat "$OUT/notes/stale-tmp")
	[[ $tmp == .tmp-0-* ]] || check_fail "the killed save's directory is '$tmp', not .tmp-0-*" || bad=1
	# the second save says it removed the leftover, by name
	grep -qF "removed /out/dump/$tmp, left by an interrupted save" "$OUT/notes/save2.out" ||
		check_fail "the second save does not report removing /out/dump/$tmp: $(head -c 400 "$OUT/notes/save2.out")" || bad=1
	check_eq "DUMPDIR entries" "0 bounds" "$(ls -A "$OUT/dump" | LC_ALL=C sort | paste -sd' ')" || bad=1
	check_file dump/0/dump.0 || return 1
	id=$(cat "$OUT/notes/boot-id")
	lkcd_show_check "$dump" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "cycle marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "dump.0's kernel log (makedumpfile) lacks the panic line"; } || bad=1
	echo "  killed at $(cat "$OUT/notes/killed-at") bytes of $tmp/dump.0; dump.0 (elf) $(stat -c %s "$dump") bytes"
	return $bad
}
