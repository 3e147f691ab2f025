# Host part of reference-kdump (see reference-kdump.guest).
DESCRIPTION="baseline: makedumpfile -c -d 31 in the capture kernel, read by makedumpfile and crash"
# the release's own makedumpfile: the peer must know the guest's kernel
RELEASE_BINARIES=/usr/bin/makedumpfile
VM_TIMEOUT=240
VM_MEM=512M
VM_CRASHKERNEL=128M

check() {
	local bad=0 id
	check_file ref.kdump || return 1
	id=$(cat "$OUT/notes/boot-id")
	"$VM_TOP/tests/vm/dumpinfo" "$OUT/ref.kdump" >"$WORK/dumpinfo.txt" ||
		check_fail "ref.kdump: not a kdump-compressed file" || bad=1
	grep -qx "release=$KABI" "$WORK/dumpinfo.txt" ||
		check_fail "ref.kdump's header does not name $KABI" || bad=1
	check_makedumpfile_dmesg "$OUT/ref.kdump" "$WORK/dmesg.txt" "reference marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "ref.kdump's kernel log lacks the panic line"; } || bad=1
	# makedumpfile copies /proc/vmcore as is: not one page may differ
	check_pages_match "$OUT/ref.kdump" "$OUT/vmcore" 0 || bad=1
	check_crash "$OUT/ref.kdump" "reference marker $id" || bad=1
	echo "  makedumpfile -c -d 31 in the guest: $(cat "$OUT/notes/makedumpfile-seconds")s, $(stat -c %s "$OUT/ref.kdump") bytes"
	return $bad
}
