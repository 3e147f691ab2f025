# three-boot: production -> panic -> the capture kernel (lkcd mkinitrd's
# initramfs) writes DUMPDEV, a raw virtio disk, and reboots -> the next
# boot's lkcd save copies it to DUMPDIR/<N>/ on the ext4 disk.  Needs the
# harness to attach a second, raw disk (VM_DUMPDEV_SIZE) and to boot again
# after the guest reboots (VM_BOOTS=2); see tests/vm/README.
DESCRIPTION="production -> panic -> capture writes DUMPDEV -> reboot -> lkcd save to DUMPDIR"
NEEDS="lkcd module"
VM_DUMPDEV_SIZE=256M
VM_BOOTS=2
VM_TIMEOUT=200

# shellcheck source=tests/vm/scenarios/mkinitrd-common.inc
. "$VM_SCENARIOS/mkinitrd-common.inc"
# no test hook: the capture must do its DUMP_ACTION (reboot) itself
MKI_NO_HOOK=1 mkinitrd_for_scenario three-boot \
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

# ---- interim harness support ----
# Until tests/vm/lib.sh's vm_boot attaches VM_DUMPDEV_SIZE as a second
# (raw) virtio disk and boots VM_BOOTS times, this scenario boots itself:
# vm_boot is wrapped for this scenario only (others get the harness's own).
if ! grep -q 'VM_BOOTS' "$VM_TOP/tests/vm/lib.sh"; then
	declare -F vm_boot_single >/dev/null ||
		eval "vm_boot_single$(declare -f vm_boot | sed '1s/^vm_boot//')"
	vm_boot() {
		if [[ $1 == three-boot ]]; then three_boot_vm "$@"; else vm_boot_single "$@"; fi
	}
	three_boot_vm() { # name workdir
		local work=$2 log=$2/console.log boot start end
		rm -f "$work/disk.img" "$work/dumpdev.img" "$log"
		truncate -s "${VM_DISK_SIZE:-$VM_DISK_SIZE_DEFAULT}" "$work/disk.img"
		mkfs.ext4 -q -F -L lkcdout -E lazy_itable_init=1,lazy_journal_init=1 "$work/disk.img" ||
			vm_die "mkfs.ext4 failed"
		truncate -s "$VM_DUMPDEV_SIZE" "$work/dumpdev.img"
		start=$(date +%s.%N)
		for ((boot = 1; boot <= VM_BOOTS; boot++)); do
			set +e
			timeout -k 5 "${VM_TIMEOUT:-$VM_TIMEOUT_DEFAULT}" \
				qemu-system-x86_64 -accel tcg -m "${VM_MEM:-$VM_MEM_DEFAULT}" -smp "${VM_SMP:-2}" \
				-no-user-config -nodefaults -display none -no-reboot \
				-serial "file:$log.$boot" \
				-kernel "$VMLINUZ" -initrd "$work/production.img" \
				-append "console=ttyS0 crashkernel=${VM_CRASHKERNEL:-$VM_CRASHKERNEL_DEFAULT} panic=1 oops=panic ${VM_APPEND:-}" \
				-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
				-drive "file=$work/disk.img,format=raw,if=virtio,cache=unsafe" \
				-drive "file=$work/dumpdev.img,format=raw,if=virtio,cache=unsafe" \
				</dev/null >"$work/qemu.out.$boot" 2>&1
			VM_QEMU_STATUS=$?
			set -e
			{ echo "==== lkcd-vm: QEMU run $boot (status $VM_QEMU_STATUS) ===="; cat "$log.$boot"; } >>"$log"
			# a guest reboot ends QEMU (-no-reboot) with status 0 and no verdict
			(( VM_QEMU_STATUS == 0 )) && [[ -z $(vm_marker "$log.$boot") ]] || break
		done
		end=$(date +%s.%N)
		VM_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	}
fi
