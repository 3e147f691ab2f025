# Host part of snapshot-sysrq (see snapshot-sysrq.guest).
DESCRIPTION="SysRq d live snapshot saved from /dev/lkcd (kdump, lkcd, elf); refusals; MemFree back after release"
NEEDS="lkcd module"
VM_TIMEOUT=600

check() {
	local bad=0 n id dump rc d1 d2 dirs
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	id=$(cat "$OUT/notes/boot-id")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	echo "  held: $(cat "$OUT/notes/state-held")"
	echo "  MemFree before $(cat "$OUT/notes/memfree-before") KiB, after release $(cat "$OUT/notes/memfree-after") KiB"
	echo "  consistent: $(cat "$OUT/notes/consistent")"

	"$VM_TOP/build/bin/lkcd" show "$dump" >"$WORK/lkcd-show.txt" 2>&1 ||
		check_fail "lkcd show dump.$n failed: $(head -n3 "$WORK/lkcd-show.txt")" || bad=1
	grep -q "live snapshot (SysRq d), no panic" "$WORK/lkcd-show.txt" ||
		check_fail "lkcd show does not name the live snapshot" || bad=1
	grep -qF "$KABI" "$WORK/lkcd-show.txt" ||
		check_fail "lkcd show does not name $KABI" || bad=1
	grep -q "snapshot marker $id" "$OUT/dump/$n/dmesg.$n" ||
		check_fail "lkcd save's own dmesg.$n lacks the marker" || bad=1

	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "snapshot marker $id" || bad=1
	run_crash "$dump" $'sys\nps\nlog' "$WORK/crash.txt"
	rc=$?
	if (( rc == 0 )); then
		grep -qE "RELEASE: $KABI" "$WORK/crash.txt" ||
			check_fail "crash sys does not show RELEASE: $KABI (see $WORK/crash.txt)" || bad=1
		grep -qE '^>? +1 +0 +[0-9]+ +[0-9a-f]+ +[A-Z]+ .* init$' "$WORK/crash.txt" ||
			check_fail "crash ps does not list PID 1 init" || bad=1
		grep -q "snapshot marker $id" "$WORK/crash.txt" ||
			check_fail "crash log lacks the marker" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash failed (status $rc): $(tail -n3 "$WORK/crash.txt" | paste -sd' ')" || bad=1
	fi

	# the consistent snapshot, in the lkcd and ELF formats
	dirs=$(cat "$OUT/notes/dirs")
	d1=$(awk '{print $2}' <<<"$dirs")
	d2=$(awk '{print $3}' <<<"$dirs")
	[[ -n $d1 && -n $d2 ]] || { check_fail "expected three saved dumps, got '$dirs'"; return 1; }
	run_crash "$OUT/dump/$d1/dump.$d1" $'sys\nlog' "$WORK/crash-lkcd.txt"
	rc=$?
	if (( rc == 0 )); then
		grep -qE "RELEASE: $KABI" "$WORK/crash-lkcd.txt" ||
			check_fail "crash on the LKCD-format snapshot: no RELEASE (see $WORK/crash-lkcd.txt)" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash on the LKCD-format snapshot failed (status $rc)" || bad=1
	fi
	check_makedumpfile_dmesg "$OUT/dump/$d2/dump.$d2" "$WORK/dmesg-elf.txt" "snapshot marker $id" || bad=1
	"$VM_TOP/build/bin/lkcd" show "$OUT/dump/$d2/dump.$d2" 2>&1 | grep -q "consistent snapshot (lkcd snapshot), no panic" ||
		check_fail "lkcd show of the ELF dump does not name the consistent snapshot" || bad=1
	return $bad
}
