# Host part of panic-kern (see panic-kern.guest).
DESCRIPTION="panic -> lkcd save at level KERN; makedumpfile, crash, libkdumpfile judge the dump"
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

check() {
	local bad=0 n dump id rc
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	id=$(cat "$OUT/notes/boot-id")

	"$VM_TOP/tests/vm/dumpinfo" "$dump" >"$WORK/dumpinfo.txt" ||
		check_fail "dump.$n is not a dump file" || bad=1
	grep -qx "release=$KABI" "$WORK/dumpinfo.txt" ||
		check_fail "dump.$n's header does not name $KABI" || bad=1
	lkcd_show_check "$dump" || bad=1

	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "kern marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "dump.$n's kernel log (makedumpfile) lacks the panic line"; } || bad=1

	# pages written after they were dumped (crash notes, the dumper's
	# stack and state) may legitimately differ; listed in differ.txt
	check_pages_match "$dump" "$OUT/vmcore" 64 || bad=1

	run_crash "$dump" $'sys\nbt\nps\nlog' "$WORK/crash.txt"
	rc=$?
	if (( rc == 0 )); then
		grep -qE 'PANIC: ".*sysrq triggered crash"' "$WORK/crash.txt" ||
			check_fail "crash sys does not show the panic (see $WORK/crash.txt)" || bad=1
		grep -qE "RELEASE: $KABI" "$WORK/crash.txt" ||
			check_fail "crash sys does not show RELEASE: $KABI" || bad=1
		grep -q 'sysrq_handle_crash' "$WORK/crash.txt" ||
			check_fail "crash bt does not show sysrq_handle_crash" || bad=1
		grep -qE '^>? +1 +0 +[0-9]+ +[0-9a-f]+ +[A-Z]+ .* init$' "$WORK/crash.txt" ||
			check_fail "crash ps does not list PID 1 init" || bad=1
		grep -q "kern marker $id" "$WORK/crash.txt" ||
			check_fail "crash log lacks the marker" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash failed (status $rc): $(tail -n3 "$WORK/crash.txt" | paste -sd' ')" || bad=1
	fi
	echo "  lkcd save in the guest: $(cat "$OUT/notes/save-seconds")s, dump.$n $(stat -c %s "$dump") bytes"
	return $bad
}
