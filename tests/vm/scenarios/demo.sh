# make demo: the panic-header scenario, with its results published under
# build/demo/ and described on the terminal.  Not part of the default suite
# (panic-header is).
DESCRIPTION="make demo: panic-header, results kept in build/demo/"
IN_SUITE=0
# shellcheck source=tests/vm/scenarios/panic-header.sh
. "$VM_SCENARIOS/panic-header.sh"

eval "panic_header_$(declare -f check)"

check() {
	panic_header_check || return 1
	local demo=$VM_TOP/build/demo n dir info
	n=$(cat "$OUT/notes/dump-n")
	rm -rf "$demo"
	mkdir -p "$demo/dump"
	cp -a "$(dump_dir)" "$demo/dump/$n"
	cp "$LOG" "$demo/console.log"
	dir=$demo/dump/$n
	info=$("$VM_TOP/tests/vm/dumpinfo" "$dir/dump.$n")
	echo "  dump directory: ${dir#"$VM_TOP"/}/ ($(ls "$dir" | tr '\n' ' '))"
	echo "  panic string:   $(demo_field panic "$dir/dump.$n")"
	echo "  time:           $(date -u -d "@$(sed -n 's/^time=//p' <<<"$info")" '+%F %T UTC')"
	echo "  kernel release: $(sed -n 's/^release=//p' <<<"$info")"
	echo "  dump level:     $(demo_field level "$dir/dump.$n")"
	echo "  console log:    build/demo/console.log"
}
