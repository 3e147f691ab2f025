# Host part of snapshot-panic-during (see snapshot-panic-during.guest).
DESCRIPTION="panic while a live snapshot is being taken: the panic dump is complete"
NEEDS="lkcd module"
VM_TIMEOUT=400

check() {
	local bad=0 n id dump
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	id=$(cat "$OUT/notes/boot-id")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	echo "  snapshot at the panic: $(cat "$OUT/notes/snap-state")"
	grep -q "^in progress" "$OUT/notes/snap-state" ||
		check_fail "the panic did not come while the snapshot was in progress" || bad=1
	lkcd_show_check "$dump" || bad=1
	grep -qE '^state: +complete' "$WORK/lkcd-show.txt" ||
		check_fail "the panic dump is not complete: $(grep -E '^state' "$WORK/lkcd-show.txt")" || bad=1
	grep -qE "^header address: +$(cat "$OUT/notes/panic-addr")\$" "$WORK/lkcd-show.txt" ||
		check_fail "the dump is not the panic header's" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "panic-during marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "the panic dump's log lacks the panic line"; } || bad=1
	return $bad
}
