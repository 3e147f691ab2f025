# Host part of fault-oops (see fault-oops.guest).
DESCRIPTION="an oops (NULL write, not panic()) inside the dumper with panic_on_oops=0: the prefix is sealed and the capture kernel saves it"
NEEDS="lkcd module"
CORE=1
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

check() {
	local bad=0 n an line pages dumped
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	an=$OUT/dump/$n/analysis.$n
	check_file "dump/$n/dump.$n" || return 1
	check_eq "lkcd save's exit status" 0 "$(cat "$OUT/notes/save-status")" || bad=1
	check_eq "panic_on_oops in the crashed kernel" 0 "$(cat "$OUT/notes/panic-on-oops")" || bad=1
	check_eq "crash_kexec_post_notifiers" Y "$(cat "$OUT/notes/post-notifiers")" || bad=1
	# the crashed kernel: the oops, turned into a panic, the prefix sealed
	check_log 'test: NULL pointer write inside the dumper' "the injected NULL write" || bad=1
	check_log 'BUG: kernel NULL pointer dereference' "the oops" || bad=1
	check_log 'Kernel panic - not syncing: lkcd: oops inside the dumper' "the oops turned into a panic" || bad=1
	line=$(grep -a -m1 -o 'dump sealed INCOMPLETE (re-entered) with what was written: [0-9]* pages in [0-9]* records' "$LOG")
	[[ -n $line ]] || check_fail "console log lacks the re-entry sealing the prefix" || return 1
	pages=$(sed 's/.*: \([0-9]*\) pages in .*/\1/' <<<"$line")
	grep -q '^state: *incomplete' "$an" || check_fail "analysis.$n does not say incomplete" || bad=1
	grep -q '^incomplete: *panic inside the dumper (stopped at pfn' "$an" ||
		check_fail "analysis.$n does not give the reason 'panic inside the dumper'" || bad=1
	grep -q '^damaged parts: *0$' "$an" || check_fail "analysis.$n reports damaged parts in the prefix" || bad=1
	dumped=$(sed -n 's/^pages dumped: *\([0-9]*\) .*/\1/p' "$an")
	check_eq "pages dumped (header) vs the console's prefix" "$pages" "$dumped" || bad=1
	(( pages > 0 )) || check_fail "the prefix is empty" || bad=1
	grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$OUT/dump/$n/dmesg.$n" ||
		check_fail "dmesg.$n lacks the panic" || bad=1
	echo "  oops at page $(cat "$OUT/notes/inject-at"): prefix of $dumped pages sealed and saved"
	return $bad
}
