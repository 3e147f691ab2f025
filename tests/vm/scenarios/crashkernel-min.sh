# crashkernel-min: capture-dumpdir (lkcd mkinitrd's initramfs, DUMPDIR
# mounted by its /init) in the smallest crashkernel= reservation it was
# found to work in (found by hand with LKCD_VM_CRASHKERNEL=<size>
# tests/vm/run crashkernel-min; see Documentation/admin-guide.rst).
# Measured with 4 MiB steps on the Debian 6.1 cloud kernel, 1 GiB guest:
# 76M fails (OOM while the capture kernel boots), 80M works.  A failure
# here means the capture environment grew.
DESCRIPTION="capture-dumpdir in the smallest crashkernel= that works"
NEEDS="lkcd module"
VM_CRASHKERNEL=${LKCD_VM_CRASHKERNEL:-80M}
VM_TIMEOUT=150

# shellcheck source=tests/vm/scenarios/mkinitrd-common.inc
. "$VM_SCENARIOS/mkinitrd-common.inc"
mkinitrd_for_scenario crashkernel-min \
	"DUMPDIR=/out DUMPDIR_DEVICE=LABEL=lkcdout DUMPDIR_FSTYPE=ext4 DUMP_LEVEL=kern PANIC_TIMEOUT=5"

check() {
	local n
	n=$(ls "$OUT" 2>/dev/null | grep -E '^[0-9]+$' | head -n1)
	[[ -n $n ]] || check_fail "no DUMPDIR/<N> on the output disk" || return 1
	check_file "$n/dump.$n" || return 1
	lkcd_show_check "$OUT/$n/dump.$n" || return 1
	echo "  crashkernel=$VM_CRASHKERNEL: capture saved dump.$n ($(stat -c %s "$OUT/$n/dump.$n") bytes); capture $(grep -a -m1 -o 'MemTotal: *[0-9]* kB' "$LOG")"
}
