# Host part of reference-kdump (see reference-kdump.guest).
DESCRIPTION="baseline: makedumpfile -c -d 31 in the capture kernel, read by makedumpfile and crash"
BINARIES=/usr/bin/makedumpfile
VM_TIMEOUT=240
VM_MEM=512M
VM_CRASHKERNEL=128M

check() {
	local bad=0 id rc
	check_file ref.kdump || return 1
	id=$(cat "$OUT/notes/boot-id")
	"$VM_TOP/tests/vm/dumpinfo" "$OUT/ref.kdump" >"$WORK/dumpinfo.txt" ||
		check_fail "ref.kdump: not a kdump-compressed file" || bad=1
	grep -qx "release=$KABI" "$WORK/dumpinfo.txt" ||
		check_fail "ref.kdump's header does not name $KABI" || bad=1
	check_makedumpfile_dmesg "$OUT/ref.kdump" "$WORK/dmesg.txt" "reference marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "ref.kdump's kernel log lacks the panic line"; } || bad=1
	# makedumpfile copies /proc/vmcore as is: not one page may differ
	check_pages_match "$OUT/ref.kdump" "$OUT/vmcore" 0 || bad=1
	run_crash "$OUT/ref.kdump" $'sys\nbt\nps\nlog' "$WORK/crash.txt"
	rc=$?
	if (( rc == 0 )); then
		grep -qE 'PANIC: ".*sysrq triggered crash"' "$WORK/crash.txt" ||
			check_fail "crash sys does not show the panic ($WORK/crash.txt)" || bad=1
		grep -qE "RELEASE: $KABI" "$WORK/crash.txt" ||
			check_fail "crash sys does not show RELEASE: $KABI" || bad=1
		grep -q 'sysrq_handle_crash' "$WORK/crash.txt" ||
			check_fail "crash bt does not show sysrq_handle_crash" || bad=1
		grep -qE '^>? +1 +0 +[0-9]+ +[0-9a-f]+ +[A-Z]+ .* init$' "$WORK/crash.txt" ||
			check_fail "crash ps does not list PID 1 init" || bad=1
		grep -q "reference marker $id" "$WORK/crash.txt" ||
			check_fail "crash log lacks the marker" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash failed (status $rc): $(tail -n3 "$WORK/crash.txt" | paste -sd' ')" || bad=1
	fi
	echo "  makedumpfile -c -d 31 in the guest: $(cat "$OUT/notes/makedumpfile-seconds")s, $(stat -c %s "$OUT/ref.kdump") bytes"
	return $bad
}
