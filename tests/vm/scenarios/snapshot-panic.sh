# Host part of snapshot-panic (see snapshot-panic.guest).
DESCRIPTION="panic while a live snapshot is held: the panic dump is complete and judged by makedumpfile and crash"
NEEDS="lkcd module"
VM_TIMEOUT=400

eval "$(sed -n '/^SNAP_CRASH_CMDS=/,/^check() {/p' "$VM_SCENARIOS/snapshot-sysrq.sh" | sed '$d')"

check() {
	local bad=0 n id dump rc snap_hdr
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	id=$(cat "$OUT/notes/boot-id")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	echo "  held at the panic: $(cat "$OUT/notes/snap-state")"
	lkcd_show_check "$dump" || bad=1
	grep -qE '^state: +complete' "$WORK/lkcd-show.txt" ||
		check_fail "the panic dump is not complete: $(grep -E '^state' "$WORK/lkcd-show.txt")" || bad=1
	grep -qE "^header address: +$(cat "$OUT/notes/panic-addr")\$" "$WORK/lkcd-show.txt" ||
		check_fail "the dump is not the panic header's ($(cat "$OUT/notes/panic-addr"))" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "snapshot-panic marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "the panic dump's log lacks the panic line"; } &&
		{ grep -aq 'lkcd: live snapshot held at' "$WORK/dmesg.txt" ||
		check_fail "the panic dump's log does not show the held snapshot"; } || bad=1
	# the held snapshot's pages are not in the panic dump: its header page
	snap_hdr=$(grep -o 'header 0x[0-9a-f]*' "$OUT/notes/snap-state" | cut -d' ' -f2)
	run_crash "$dump" "$SNAP_CRASH_CMDS"$'\nbt\nrd -p '"$snap_hdr 2" "$WORK/crash.txt"
	rc=$?
	if (( rc == 0 )); then
		snap_check_crash_out "$WORK/crash.txt" "snapshot-panic marker $id" || bad=1
		grep -q "page excluded: physical address: ${snap_hdr#0x}" "$WORK/crash.txt" ||
			check_fail "the held snapshot's header page $snap_hdr is in the panic dump (crash rd -p did not say excluded)" || bad=1
		grep -q 'sysrq_handle_crash' "$WORK/crash.txt" ||
			check_fail "crash bt does not show sysrq_handle_crash" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash failed (status $rc): $(tail -n3 "$WORK/crash.txt" | paste -sd' ')" || bad=1
	fi
	return $bad
}
