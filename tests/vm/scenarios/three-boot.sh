# three-boot: production -> panic -> the capture kernel (lkcd mkinitrd's
# initramfs) writes DUMPDEV, a raw virtio disk, and reboots -> the next
# boot's lkcd save copies it to DUMPDIR/<N>/ on the ext4 disk.  The harness
# attaches the raw disk (VM_DUMPDEV_SIZE, $WORK/dumpdev.img on the host) and
# boots again after the guest reboots (VM_BOOTS=2).
DESCRIPTION="production -> panic -> capture writes DUMPDEV -> reboot -> lkcd save to DUMPDIR"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_DUMPDEV_SIZE=256M
VM_BOOTS=2
VM_TIMEOUT=200

# shellcheck source=tests/vm/scenarios/mkinitrd-common.inc
. "$VM_SCENARIOS/mkinitrd-common.inc"
# no test hook: the capture must do its DUMP_ACTION (reboot) itself
# $name: the scenario being run (make demo runs this file as "demo")
MKI_NO_HOOK=1 mkinitrd_for_scenario "$name" \
	"DUMPDEV=/dev/vdb DUMPDIR=/out/dump DUMP_LEVEL=kern PANIC_TIMEOUT=5 DUMP_ACTION=reboot DUMP_FAIL_ACTION=reboot"

check() {
	local bad=0 n dump out rc
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	check_log 'lkcd-capture: writing the dump to DUMPDEV /dev/vdb' "the capture writing DUMPDEV" || bad=1
	check_log 'DUMPDEV /dev/vdb: [0-9]+ records' "lkcd save's DUMPDEV summary in the capture kernel" || bad=1
	check_log 'lkcd-capture: action: reboot' "the capture /init rebooting (DUMP_ACTION=reboot)" || bad=1
	grep -q "from /dev/vdb" "$OUT/dump/$n/analysis.$n" ||
		check_fail "analysis.$n does not say the dump came from /dev/vdb" || bad=1
	lkcd_show_check "$dump" || bad=1
	# dmesg.N: the kernel log read from the device's records through the
	# VMCOREINFO note stored on it
	grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$OUT/dump/$n/dmesg.$n" 2>/dev/null ||
		check_fail "dmesg.$n (read from DUMPDEV) lacks the panic line" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" 'sysrq triggered crash' || bad=1
	# the device itself, read on the host: saved, data kept
	if [[ -f $WORK/dumpdev.img ]]; then
		out=$("$VM_TOP/build/bin/lkcd" dumpdev "$WORK/dumpdev.img" 2>&1)
		rc=$?
		(( rc == 2 )) && grep -q "saved as:" <<<"$out" ||
			check_fail "host lkcd dumpdev of the raw disk: status $rc, $(head -n2 <<<"$out" | paste -sd' ')" || bad=1
	fi
	echo "  capture initramfs: $(cat "$OUT/notes/capture-initrd") bytes; dump.$n $(stat -c %s "$dump") bytes"
	return $bad
}

