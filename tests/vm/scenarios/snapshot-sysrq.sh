# Host part of snapshot-sysrq (see snapshot-sysrq.guest).
DESCRIPTION="SysRq d live snapshot saved from /dev/lkcd (kdump, lkcd, elf); refusals; every page back after release"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_TIMEOUT=600

# crash 8.0.2 (Debian 12) cannot build its task table on this kernel:
# Debian's 6.1.192 has the 6.5 change of struct pid's numbers[1] to a
# flexible array, and crash reads sizeof(struct pid) bytes, then the upid
# past them (fixed upstream in "Fix failure of gathering task table on
# Linux 6.5-rc1 and later").  `ps` then lists only the CPUs' current tasks,
# so the task list is checked by walking init_task.tasks instead.
SNAP_CRASH_CMDS=$'sys\nlist task_struct.tasks -s task_struct.pid,comm -h init_task\nlog'
snap_check_crash_out() { # file marker
	grep -qF "RELEASE: $KABI" "$1" ||
		check_fail "crash sys does not show RELEASE: $KABI (see $1)" || return 1
	grep -B1 -A0 'comm = "init' "$1" | grep -q 'pid = 1,' ||
		check_fail "crash's walk of the task list does not find PID 1 init (see $1)" || return 1
	grep -q "$2" "$1" || check_fail "crash log lacks '$2' (see $1)"
}

# lkcd save's memory does not grow with the snapshot (dump_mem.c keeps no
# copy; the pages stream from /dev/lkcd): its peak RSS stays under a fixed
# bound -- its own ~2 MiB, dump_mem's 4 MiB of windows at most, a VMCOREINFO
# note of 1 MiB at most -- and the snapshot holds more than that bound, so a
# save that kept the stored bytes (as before) could not pass.  Measured on
# trixie: 3100 KiB peak, 25068 KiB held.
SNAP_HWM_MAX_KIB=$((10 * 1024))
snap_check_hwm() {
	local hwm held
	hwm=$(cat "$OUT/notes/save-hwm-kib" 2>/dev/null)
	held=$(cat "$OUT/notes/held-kib" 2>/dev/null)
	[[ $hwm =~ ^[0-9]+$ && $held =~ ^[0-9]+$ ]] ||
		{ check_fail "no peak memory ('$hwm') or held size ('$held') from lkcd save"; return 1; }
	echo "  lkcd save: peak RSS $hwm KiB, snapshot held $held KiB (bound $SNAP_HWM_MAX_KIB KiB)"
	(( hwm < SNAP_HWM_MAX_KIB )) ||
		check_fail "lkcd save's peak RSS $hwm KiB is not under $SNAP_HWM_MAX_KIB KiB" || return 1
	(( held > SNAP_HWM_MAX_KIB )) ||
		check_fail "the snapshot holds $held KiB, not more than the bound: the check proves nothing" || return 1
}

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
	snap_check_hwm || bad=1

	"$VM_TOP/build/bin/lkcd" show "$dump" >"$WORK/lkcd-show.txt" 2>&1 ||
		check_fail "lkcd show dump.$n failed: $(head -n3 "$WORK/lkcd-show.txt")" || bad=1
	grep -q "live snapshot (SysRq d), no panic" "$WORK/lkcd-show.txt" ||
		check_fail "lkcd show does not name the live snapshot" || bad=1
	grep -qF "$KABI" "$WORK/lkcd-show.txt" ||
		check_fail "lkcd show does not name $KABI" || bad=1
	grep -q "snapshot marker $id" "$OUT/dump/$n/dmesg.$n" ||
		check_fail "lkcd save's own dmesg.$n lacks the marker" || bad=1

	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "snapshot marker $id" || bad=1
	run_crash_snapshot "$dump" "$SNAP_CRASH_CMDS" "$WORK/crash.txt"
	rc=$?
	if (( rc == 0 )); then
		snap_check_crash_out "$WORK/crash.txt" "snapshot marker $id" || bad=1
		# with the CPUs' NT_PRSTATUS notes it is an ordinary dump, no
		# "LIVE DUMP" (the SNAP note is only for a module without them)
		! grep -q "LIVE DUMP" "$WORK/crash.txt" ||
			check_fail "crash opens the snapshot as a LIVE DUMP: lkcd save wrote the SNAP note, so no CPU notes" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash failed (status $rc): $(tail -n3 "$WORK/crash.txt" | paste -sd' ')" || bad=1
	fi

	# the consistent snapshot, in the lkcd and ELF formats
	dirs=$(cat "$OUT/notes/dirs")
	d1=$(awk '{print $2}' <<<"$dirs")
	d2=$(awk '{print $3}' <<<"$dirs")
	[[ -n $d1 && -n $d2 ]] || { check_fail "expected three saved dumps, got '$dirs'"; return 1; }
	run_crash_snapshot_lkcd "$OUT/dump/$d1/dump.$d1" "$dump" "$SNAP_CRASH_CMDS" "$WORK/crash-lkcd.txt"
	rc=$?
	if (( rc == 0 )); then
		snap_check_crash_out "$WORK/crash-lkcd.txt" "snapshot marker $id" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash on the LKCD-format snapshot failed (status $rc): $(tail -n2 "$WORK/crash-lkcd.txt" | paste -sd' ')" || bad=1
	fi
	check_makedumpfile_dmesg "$OUT/dump/$d2/dump.$d2" "$WORK/dmesg-elf.txt" "snapshot marker $id" || bad=1
	"$VM_TOP/build/bin/lkcd" show "$OUT/dump/$d2/dump.$d2" 2>&1 | grep -q "consistent snapshot (lkcd snapshot), no panic" ||
		check_fail "lkcd show of the ELF dump does not name the consistent snapshot" || bad=1
	return $bad
}
