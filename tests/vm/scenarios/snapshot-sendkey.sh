# Host part of snapshot-sendkey (see snapshot-sendkey.guest).
DESCRIPTION="Alt+SysRq+d pressed through QEMU's monitor (sendkey): needs the harness's monitor socket"
NEEDS="lkcd module"
VM_TIMEOUT=300

# What this scenario needs from the harness (tests/vm/lib.sh, vm_boot):
#   1. QEMU started with  -monitor unix:$work/monitor.sock,server=on,wait=off
#   2. the scenario's during() run in the background while QEMU runs, with
#      WORK=$work and LOG=$work/console.log, and waited for (or killed) when
#      QEMU exits.
# Until lib.sh does both, the guest is told so and skips.  Checked by hand:
# the same guest under that QEMU command line, `sendkey alt-sysrq-d` on the
# monitor, takes the snapshot.
if grep -q -- '-monitor unix:' "$VM_TOP/tests/vm/lib.sh" && grep -q 'during' "$VM_TOP/tests/vm/lib.sh"; then
	VM_APPEND="lkcd_sendkey=1"
fi

# Wait for the guest to be ready, then press the keys on the monitor.
during() {
	vm_wait_log 'lkcd-vm: ready for Alt\+SysRq\+d' || return
	vm_monitor "sendkey alt-sysrq-d"
}

eval "$(sed -n '/^SNAP_CRASH_CMDS=/,/^check() {/p' "$VM_SCENARIOS/snapshot-sysrq.sh" | sed '$d')"

check() {
	local bad=0 n id dump rc
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	id=$(cat "$OUT/notes/boot-id")
	dump=$OUT/dump/$n/dump.$n
	check_log "sysrq: lkcd: memory snapshot" "the SysRq action line of the key press" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "sendkey marker $id" || bad=1
	run_crash_snapshot "$dump" "$SNAP_CRASH_CMDS" "$WORK/crash.txt"
	rc=$?
	if (( rc == 0 )); then
		snap_check_crash_out "$WORK/crash.txt" "sendkey marker $id" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash failed (status $rc)" || bad=1
	fi
	return $bad
}
