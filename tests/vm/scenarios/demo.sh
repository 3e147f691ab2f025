# make demo: the three-boot flow as an admin would set it up -- production
# kernel armed by lkcd config, a panic, the capture kernel booting the
# initramfs `lkcd mkinitrd` built, writing the dump to the raw dump device
# (DUMPDEV) and rebooting, and the next boot's lkcd save filing it in
# DUMPDIR/<N>/ -- judged as the three-boot scenario judges it, then shown on
# the terminal: where the dump is, what it says, and what crash makes of it.
# Not part of the default suite (three-boot is).
# shellcheck source=tests/vm/scenarios/three-boot.sh
. "$VM_SCENARIOS/three-boot.sh"
DESCRIPTION="make demo: three-boot, results kept in build/demo/"
IN_SUITE=0

eval "three_boot_$(declare -f check)"

check() {
	three_boot_check || return 1
	local demo=$VM_TOP/build/demo n dir info
	n=$(cat "$OUT/notes/dump-n")
	rm -rf "$demo"
	mkdir -p "$demo/dump"
	cp -a "$OUT/dump/$n" "$demo/dump/$n"
	cp "$LOG" "$demo/console.log"
	dir=$demo/dump/$n
	info=$("$VM_TOP/tests/vm/dumpinfo" "$dir/dump.$n")
	echo "  dump directory: ${dir#"$VM_TOP"/}/ ($(ls "$dir" | tr '\n' ' '))"
	echo "  panic string:   $(demo_field panic "$dir/dump.$n")"
	echo "  time:           $(date -u -d "@$(sed -n 's/^time=//p' <<<"$info")" '+%F %T UTC')"
	echo "  kernel release: $(sed -n 's/^release=//p' <<<"$info")"
	echo "  dump level:     $(demo_field level "$dir/dump.$n")"
	echo "  dump file:      $(stat -c %s "$dir/dump.$n") bytes ($(sed -n 's/^format=//p' <<<"$info"))"
	echo "  console log:    build/demo/console.log"
	if run_crash "$dir/dump.$n" bt "$WORK/crash-bt.txt" && grep -q '^PID:' "$WORK/crash-bt.txt"; then
		echo "  crash $(basename "$VMLINUX") dump.$n, bt of the panicking task:"
		sed -n '/^PID:/,/^ *$/p' "$WORK/crash-bt.txt" | head -n 12 | sed 's/^/    /'
	else
		echo "  (crash could not run) the end of dmesg.$n:"
		tail -n 8 "$dir/dmesg.$n" | sed 's/^/    /'
	fi
}
