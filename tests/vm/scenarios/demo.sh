# make demo: the panic-kern scenario (a real level-KERN dump, judged by
# makedumpfile, crash and libkdumpfile), with its results published under
# build/demo/ and described on the terminal: where the dump is, what it
# says, and what crash makes of it.  Not part of the default suite
# (panic-kern is).
DESCRIPTION="make demo: panic-kern, results kept in build/demo/"
IN_SUITE=0
# shellcheck source=tests/vm/scenarios/panic-kern.sh
. "$VM_SCENARIOS/panic-kern.sh"

eval "panic_kern_$(declare -f check)"

check() {
	panic_kern_check || return 1
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
	if [[ -s $WORK/crash.txt ]] && grep -q '^PID:' "$WORK/crash.txt"; then
		echo "  crash $(basename "$VMLINUX") dump.$n, bt of the panicking task:"
		sed -n '/^PID:/,/^ *$/p' "$WORK/crash.txt" | head -n 12 | sed 's/^/    /'
	else
		echo "  (no debug vmlinux for crash) the end of dmesg.$n:"
		tail -n 8 "$dir/dmesg.$n" | sed 's/^/    /'
	fi
}
