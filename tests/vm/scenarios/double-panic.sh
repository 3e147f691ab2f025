# double-panic: a second panic before the first dump was saved from
# DUMPDEV must not destroy it (see double-panic.guest).  Three QEMU runs on
# the same disks; the capture kernels boot lkcd mkinitrd's initramfs and
# reboot by themselves (DUMP_ACTION=reboot).
DESCRIPTION="two panics before a save: DUMPDEV keeps the first dump, the second goes to DUMPDIR, both read by crash"
NEEDS="lkcd module"
VM_DUMPDEV_SIZE=256M
VM_BOOTS=3
VM_TIMEOUT=200

# shellcheck source=tests/vm/scenarios/mkinitrd-common.inc
. "$VM_SCENARIOS/mkinitrd-common.inc"
MKI_NO_HOOK=1 mkinitrd_for_scenario "$name" \
	"DUMPDEV=/dev/vdb DUMPDIR=/out DUMPDIR_DEVICE=LABEL=lkcdout DUMPDIR_FSTYPE=ext4 DUMP_LEVEL=kern PANIC_TIMEOUT=5 DUMP_ACTION=reboot DUMP_FAIL_ACTION=reboot"

check() {
	local bad=0 n m first second
	check_file notes/first-n || return 1
	check_file notes/second-n || return 1
	n=$(cat "$OUT/notes/first-n")
	m=$(cat "$OUT/notes/second-n")
	first=$(cat "$OUT/notes/marker-first")
	second=$(cat "$OUT/notes/marker-second")
	check_file "dump/$n/dump.$n" || return 1
	check_file "$m/dump.$m" || return 1
	grep -q "complete, not saved" "$OUT/notes/dumpdev-2" ||
		check_fail "after the first panic DUMPDEV did not hold a complete unsaved dump" || bad=1
	grep -q "not yet saved" "$OUT/notes/config-second" ||
		check_fail "lkcd config did not warn that DUMPDEV holds an unsaved dump" || bad=1
	check_log 'lkcd: warning: DUMPDEV /dev/vdb holds a dump not yet saved \(written .*, panic "sysrq triggered crash"\): kept, not overwritten' \
		"the second capture keeping the first dump" || bad=1
	check_log "lkcd-capture: mounted LABEL=lkcdout" "the capture mounting DUMPDIR_DEVICE next to DUMPDEV" || bad=1

	# the first dump, saved from DUMPDEV at run 3: the first panic's log only
	check_makedumpfile_dmesg "$OUT/dump/$n/dump.$n" "$WORK/dmesg-first.txt" "$first" || bad=1
	if grep -aq "double-panic marker second" "$WORK/dmesg-first.txt" 2>/dev/null; then
		check_fail "the dump saved from DUMPDEV is the second panic's"; bad=1
	fi
	grep -q "from /dev/vdb" "$OUT/dump/$n/analysis.$n" ||
		check_fail "analysis.$n does not say the dump came from /dev/vdb" || bad=1
	check_crash "$OUT/dump/$n/dump.$n" "$first" || bad=1
	# the second dump, written to DUMPDIR by the second capture
	check_makedumpfile_dmesg "$OUT/$m/dump.$m" "$WORK/dmesg-second.txt" "$second" || bad=1
	echo "  first dump (DUMPDEV -> dump/$n): $(stat -c %s "$OUT/dump/$n/dump.$n") bytes; second (capture -> /$m): $(stat -c %s "$OUT/$m/dump.$m") bytes"
	return $bad
}
