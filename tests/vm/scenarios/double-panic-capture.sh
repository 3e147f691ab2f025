# double-panic-capture: the capture kernel panics while it writes DUMPDEV
# (see double-panic-capture.guest).  during() slows DUMPDEV's writes to
# 1 MB/s on QEMU's monitor once run 2 is about to panic, and presses
# Alt+SysRq+c (sysrq_always_enabled) 2 s after the capture starts writing.
DESCRIPTION="a panic in the capture kernel mid-way through the DUMPDEV write: reported half-written, never saved as a dump"
NEEDS="lkcd module"
VM_DUMPDEV_SIZE=256M
VM_BOOTS=3
VM_TIMEOUT=200
VM_APPEND="sysrq_always_enabled"

# shellcheck source=tests/vm/scenarios/mkinitrd-common.inc
. "$VM_SCENARIOS/mkinitrd-common.inc"
MKI_NO_HOOK=1 mkinitrd_for_scenario "$name" \
	"DUMPDEV=/dev/vdb DUMPDIR=/out DUMP_LEVEL=kern PANIC_TIMEOUT=5 DUMP_ACTION=reboot DUMP_FAIL_ACTION=reboot"

during() {
	local dev
	# run 2's console
	LOG=$WORK/console.2.log
	vm_wait_log 'lkcd-vm: ready for the throttled capture' 400 || return
	# the drive backed by dumpdev.img, as QEMU names it
	dev=$(vm_monitor "info block" | tr -d '\r' | sed -n 's/^\([a-z0-9_-]*\) ([^)]*): .*dumpdev\.img.*/\1/p' | head -n1)
	echo "DUMPDEV drive: ${dev:-not found}"
	[[ -n $dev ]] || return
	vm_monitor "block_set_io_throttle $dev 0 0 1048576 0 0 0"
	vm_wait_log 'lkcd: writing the dump at .* to DUMPDEV' 120 || return
	sleep 2
	vm_monitor "sendkey alt-sysrq-c"
	echo "sent Alt+SysRq+c"
}

check() {
	local bad=0 out rc
	grep -aq "sent Alt+SysRq+c" "$WORK/during.out" ||
		check_fail "the host never pressed Alt+SysRq+c: $(tail -n3 "$WORK/during.out" | paste -sd' ')" || bad=1
	# the capture kernel panicked while writing, before it finished
	awk '/lkcd: writing the dump at .* to DUMPDEV/ { w = 1 } w && /sysrq triggered crash/ { p = 1 } END { exit !p }' "$LOG" ||
		check_fail "no capture-kernel panic after it began writing DUMPDEV" || bad=1
	if grep -aq 'lkcd: DUMPDEV /dev/vdb: [0-9]* records' <(awk '/ready for the throttled capture/ { s = 1 } s' "$LOG"); then
		check_fail "the second capture finished writing DUMPDEV: the panic came too late"; bad=1
	fi
	# the device itself, read on the host
	out=$("$VM_TOP/build/bin/lkcd" dumpdev "$WORK/dumpdev.img" 2>&1)
	rc=$?
	(( rc == 2 )) && grep -q "half-written" <<<"$out" ||
		check_fail "host lkcd dumpdev of the raw disk: status $rc, $(head -n2 <<<"$out" | paste -sd' ')" || bad=1
	return $bad
}
