# Host part of snapshot-irqsoff (see snapshot-irqsoff.guest).
DESCRIPTION="a CPU with interrupts off: a live snapshot goes on without its registers after 2 s and says so; a consistent one is refused"
NEEDS="lkcd module"
VM_TIMEOUT=300

check() {
	local bad=0 n dump rc
	check_file notes/dump-live || return 1
	n=$(cat "$OUT/notes/dump-live")
	dump=$OUT/dump/$n/dump.$n
	echo "  live: $(cat "$OUT/notes/state-live")"
	echo "  late: $(cat "$OUT/notes/late-live")"
	echo "  consistent: $(cat "$OUT/notes/state-consistent")"
	# crash opens it; CPU 0 (the snapshot's own) shows its worker, CPU 1
	# has a note of zeros (printed, not judged: what crash makes of it)
	run_crash_snapshot "$dump" $'bt -a' "$WORK/crash-live.txt"
	rc=$?
	if (( rc == 0 )); then
		sed -n '/CPU: 1 /,/^$/p' "$WORK/crash-live.txt" | head -n4 | sed 's/^/  crash, CPU 1: /'
		if crash_no_tasks "$WORK/crash-live.txt"; then
			echo "  note: this crash builds no task table on $KABI: bt not checked"
		else
			grep -q 'lkcd_snap_work' "$WORK/crash-live.txt" ||
				check_fail "crash bt -a does not show CPU 0 in lkcd_snap_work (see $WORK/crash-live.txt)" || bad=1
		fi
	elif (( rc != 2 )); then
		check_fail "crash on the live snapshot failed (status $rc): $(tail -n3 "$WORK/crash-live.txt" | paste -sd' ')" || bad=1
	fi
	return $bad
}
