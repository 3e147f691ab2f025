# mkinitrd-guest: the production system builds its own capture initramfs,
# as an installed lkcd does: MKINITRD=1, so `lkcd config` runs lkcd mkinitrd
# over the guest's own module tree, finds the target's drivers in sysfs
# (DUMPDIR_DEVICE=/dev/vda: virtio_blk, virtio_pci), keeps it while nothing
# changed and rebuilds it when the config changes.  The capture kernel
# boots it, its /init mounts /dev/vda on DUMPDIR and saves, then reboots
# (DUMP_ACTION=reboot); the second QEMU run finds the dump.
# libarchive (which lkcd mkinitrd loads) comes into the guest with cmake,
# the one program here that links it.
DESCRIPTION="MKINITRD=1 in the guest: lkcd config builds the capture initramfs (sysfs targets, stamp)"
NEEDS="lkcd module"
VM_BOOTS=2
VM_TIMEOUT=200
BINARIES="/usr/bin/cmake $VM_TOP/lkcd-utils/capture-init"

check() {
	local bad=0
	check_file 0/dump.0 || return 1
	lkcd_show_check "$OUT/0/dump.0" || bad=1
	check_log 'lkcd-capture: mounted /dev/vda \(/dev/vda\) on /out' "the guest-built /init mounting DUMPDIR" || bad=1
	check_log 'lkcd-capture: action: reboot' "the capture rebooting (DUMP_ACTION=reboot)" || bad=1
	check_file notes/initrd-list || return 1
	grep -q 'virtio_blk.ko' "$OUT/notes/initrd-list" && grep -q 'virtio_pci.ko' "$OUT/notes/initrd-list" ||
		check_fail "the guest-built initramfs lacks virtio_blk/virtio_pci (sysfs detection)" || bad=1
	echo "  guest-built capture initramfs: $(cat "$OUT/notes/initrd-size") bytes"
	return $bad
}
