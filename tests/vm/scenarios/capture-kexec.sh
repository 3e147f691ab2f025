# capture-kexec: DUMP_ACTION=kexec.  The guest builds its capture initramfs
# with lkcd config (MKINITRD=1) holding the production kernel and initrd
# (KEXEC_KERNEL, PRODUCTION_INITRD); after saving, the capture /init kexecs
# straight back into production, in the same QEMU run (no firmware reboot),
# where the dump is found.  libarchive comes with cmake (see mkinitrd-guest).
DESCRIPTION="DUMP_ACTION=kexec: the capture kexecs back into the production kernel"
NEEDS="lkcd module"
VM_TIMEOUT=240
BINARIES="/usr/bin/cmake $VM_TOP/lkcd-utils/capture-init"

check() {
	check_file 0/dump.0 || return 1
	lkcd_show_check "$OUT/0/dump.0" || return 1
	check_log 'lkcd-capture: action: kexec' "the capture /init choosing DUMP_ACTION=kexec" || return 1
	check_file notes/back-in-production || return 1
	echo "  capture initramfs with the production kernel and initrd: $(cat "$OUT/notes/initrd-size") bytes"
}
