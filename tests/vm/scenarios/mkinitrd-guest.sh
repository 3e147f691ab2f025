# mkinitrd-guest: the production system builds its own capture initramfs,
# as an installed lkcd does, with the shipped configuration's choice of
# target: MKINITRD=1 and no DUMPDEV, no DUMPDIR_DEVICE, so `lkcd config`
# runs lkcd mkinitrd, which finds the ext4 filesystem holding DUMPDIR
# (/out/var/log/dump, /dev/vda mounted on /out) by UUID (the guest has no
# udev: it makes the /dev/disk/by-uuid link as udev would), finds its
# drivers in sysfs (virtio_blk, virtio_pci), keeps the image while nothing
# changed and rebuilds it when the config changes.  The capture kernel boots
# it, its /init mounts that filesystem by UUID, binds var/log/dump on DUMPDIR
# and saves, then reboots (DUMP_ACTION=reboot); the second QEMU run finds the
# dump in var/log/dump on the disk.
# libarchive (which lkcd mkinitrd loads) comes into the guest with cmake,
# the one program here that links it.
DESCRIPTION="MKINITRD=1 in the guest: DUMPDIR's ext4 found by UUID, capture initramfs built (sysfs targets, stamp)"
NEEDS="lkcd module"
VM_BOOTS=2
VM_TIMEOUT=200
BINARIES="/usr/bin/cmake $VM_TOP/lkcd-utils/capture-init"

check() {
	local bad=0
	check_file var/log/dump/0/dump.0 || return 1
	lkcd_show_check "$OUT/var/log/dump/0/dump.0" || bad=1
	check_log "lkcd-capture: mounted UUID=$(cat "$OUT/notes/uuid") \\(/dev/vda, ext4\\), saving into its /var/log/dump as /out/var/log/dump" \
		"the guest-built /init mounting DUMPDIR's filesystem by UUID" || bad=1
	grep -qx "DUMPDIR_DEVICE='UUID=$(cat "$OUT/notes/uuid")'" "$OUT/notes/initrd-conf" ||
		check_fail "the initramfs's lkcd.conf does not name the filesystem by UUID" || bad=1
	check_log 'lkcd-capture: action: reboot' "the capture rebooting (DUMP_ACTION=reboot)" || bad=1
	check_file notes/initrd-list || return 1
	# each driver under the disk in sysfs, as a module unless the guest's
	# kernel has it built in (6.12 builds virtio_pci in, 6.1 does not)
	local drv
	for drv in virtio_blk virtio_pci; do
		grep -q "/$drv\.ko\b" "$KMODDIR/modules.builtin" && continue
		grep -q "/$drv\.ko" "$OUT/notes/initrd-list" ||
			check_fail "the guest-built initramfs lacks the module $drv (sysfs detection)" || bad=1
	done
	echo "  guest-built capture initramfs: $(cat "$OUT/notes/initrd-size") bytes"
	return $bad
}
