# Host part of lockdown-raised (see lockdown-raised.guest).
DESCRIPTION="lockdown raised to confidentiality after arming: re-arming refused, the panic dumps no memory"
NEEDS="lkcd module"

check() {
	local bad=0 n info
	check_log "lkcd: no dump: the kernel is locked down \(confidentiality\)" "the panic-time refusal" || bad=1
	check_log "lkcd: level: not changed: the kernel is locked down" "the sysctl refusal" || bad=1
	# the panic notifier must not have dumped anything
	if grep -aq "lkcd: dumping at level" "$LOG"; then
		check_fail "the dumper ran under lockdown"; bad=1
	fi
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	# the record of the panic holds no page of memory
	info=$("$VM_TOP/tests/vm/dumpinfo" "$OUT/dump/$n/dump.$n") ||
		check_fail "dump.$n is not a dump file" || bad=1
	check_eq "dump.$n kernel release" "$KABI" "$(sed -n 's/^release=//p' <<<"$info")" || bad=1
	grep -q 'sysrq triggered crash' "$OUT/dump/$n/analysis.$n" ||
		check_fail "analysis.$n does not name the panic" || bad=1
	return $bad
}
