# capture-dumpdir: the capture kernel boots the initramfs `lkcd mkinitrd`
# builds (the product, not the harness's), whose /init mounts DUMPDIR's
# disk by LABEL= and runs lkcd save.  The initramfs is built here on the
# host for the guest's kernel (--kver/--moddir, as for a cloud image) and
# handed to the guest as a file (BINARIES); a test hook in it reports the
# verdict, since its DUMP_ACTION (reboot) would end QEMU without one.
DESCRIPTION="lkcd mkinitrd initramfs as capture initramfs: DUMPDIR mounted by LABEL="
NEEDS="lkcd module"
VM_TIMEOUT=150

# shellcheck source=tests/vm/scenarios/mkinitrd-common.inc
. "$VM_SCENARIOS/mkinitrd-common.inc"
mkinitrd_for_scenario capture-dumpdir \
	"DUMPDIR=/out DUMPDIR_DEVICE=LABEL=lkcdout DUMPDIR_FSTYPE=ext4 DUMP_LEVEL=kern PANIC_TIMEOUT=5"

check() {
	local bad=0 n dump size
	check_file notes/capture-initrd || return 1
	# DUMPDIR_DEVICE is mounted on DUMPDIR (/out): dumps at the disk's root
	n=$(ls "$OUT" 2>/dev/null | grep -E '^[0-9]+$' | head -n1)
	[[ -n $n ]] || check_fail "no DUMPDIR/<N> on the output disk" || return 1
	dump=$OUT/$n/dump.$n
	check_file "$n/dump.$n" || return 1
	check_log 'lkcd-capture: mounted LABEL=lkcdout' "the capture /init mounting DUMPDIR by label" || bad=1
	lkcd_show_check "$dump" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" 'sysrq triggered crash' || bad=1
	size=$(stat -c %s "$MKI_IMG")
	(( size < 5 * 1024 * 1024 )) || check_fail "capture initramfs is $size bytes, over 5 MiB" || bad=1
	echo "  capture initramfs (lkcd mkinitrd, gzip): $size bytes; dump.$n $(stat -c %s "$dump") bytes"
	return $bad
}
