# Host part of panic-header (see panic-header.guest).
DESCRIPTION="panic -> kexec -> lkcd save at dump level HEADER"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"

# The saved dump directory (DUMPDIR/<N>) on the extracted disk.
dump_dir() { echo "$OUT/dump/$(cat "$OUT/notes/dump-n")"; }

check() {
	local bad=0 n dir info release time0 t level extra
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dir=$(dump_dir)
	check_file "dump/$n/dump.$n" || return 1
	check_file "dump/$n/analysis.$n" || bad=1
	# written to a temporary name and renamed: nothing else may be left
	extra=$(cd "$dir" && ls -A | grep -vxE "(dump|analysis|dmesg)\.$n" || true)
	[[ -z $extra ]] || check_fail "unexpected files in DUMPDIR/$n: $extra" || bad=1
	# modes, as the guest saw them: folder 0700, files 0600
	while read -r mode path; do
		case $path in
		*/"$n") [[ $mode == 700 ]] || check_fail "$path has mode $mode, not 700" || bad=1 ;;
		*) [[ $mode == 600 ]] || check_fail "$path has mode $mode, not 600" || bad=1 ;;
		esac
	done <"$OUT/notes/modes"

	# the summary names the panic and the kernel
	grep -q 'sysrq triggered crash' "$dir/analysis.$n" ||
		check_fail "analysis.$n lacks the panic string 'sysrq triggered crash'" || bad=1
	grep -qF "$KABI" "$dir/analysis.$n" ||
		check_fail "analysis.$n lacks the kernel release $KABI" || bad=1

	# the dump file read by an independent reader
	if ! info=$("$VM_TOP/tests/vm/dumpinfo" "$dir/dump.$n"); then
		check_fail "dump.$n is not a dump file" || bad=1
	else
		release=$(sed -n 's/^release=//p' <<<"$info")
		check_eq "dump.$n kernel release" "$KABI" "$release" || bad=1
		t=$(sed -n 's/^time=//p' <<<"$info")
		time0=$(cat "$OUT/notes/production-time")
		(( t >= time0 && t <= time0 + 120 )) ||
			check_fail "dump.$n panic time $t is not within 2 minutes after the guest's $time0" || bad=1
		if grep -q '^panic=' <<<"$info"; then
			grep -q '^panic=sysrq triggered crash' <<<"$info" ||
				check_fail "dump.$n panic string: $(grep '^panic=' <<<"$info")" || bad=1
		fi
	fi

	# and by the project's own reader
	lkcd_show_check "$dir/dump.$n" || bad=1
	# the dump level, from lkcd show, the dump header or the summary
	level=$(demo_field level "$dir/dump.$n")
	grep -qiE '^(1|0x0*1|header)\b' <<<"$level" ||
		check_fail "dump level reads '$level', not 1 (header)" || bad=1
	return $bad
}
