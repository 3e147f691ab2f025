# Host part of fault-nospare (see fault-nospare.guest).
DESCRIPTION="ALL_RAM, small guest full of random data: spare pages run out, a valid prefix saved"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM=384M
VM_CRASHKERNEL=96M
VM_TIMEOUT=300

# shellcheck source=tests/vm/scenarios/fault-common.inc
. "$VM_SCENARIOS/fault-common.inc"

check() {
	local bad=0 n dump an dumped written next
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	an=$OUT/dump/$n/analysis.$n
	check_file "dump/$n/dump.$n" || return 1
	check_eq "lkcd save's exit status" 0 "$(cat "$OUT/notes/save-status")" || bad=1

	check_log 'lkcd: dump INCOMPLETE \(out of spare pages\)' "the dumper's 'dump INCOMPLETE (out of spare pages)'" || return 1
	grep -q '^state: *incomplete' "$an" || check_fail "analysis.$n does not say incomplete" || bad=1
	grep -q '^incomplete: *ran out of spare pages (stopped at pfn' "$an" ||
		check_fail "analysis.$n does not give the reason 'ran out of spare pages'" || bad=1
	grep -q '(the dump itself is incomplete: ran out of spare pages)' "$OUT/notes/save-stderr" ||
		check_fail "lkcd save's message does not say incomplete: ran out of spare pages" || bad=1
	grep -q '^damaged parts: *0$' "$an" || check_fail "analysis.$n reports damaged parts in the prefix" || bad=1
	dumped=$(sed -n 's/^pages dumped: *\([0-9]*\) .*/\1/p' "$an")
	written=$(sed -n 's/^pages written: *\([0-9]*\) .*/\1/p' "$an")
	(( dumped > 1000 )) || check_fail "the prefix holds only $dumped pages" || bad=1
	next=$(sed -n 's/^incomplete: .*stopped at pfn \(0x[0-9a-f]*\) of \(0x[0-9a-f]*\).*/\1 of \2/p' "$an")

	# lkcd's own reader, and its log read in the capture kernel
	lkcd_show_check "$dump" || bad=1
	grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$OUT/dump/$n/dmesg.$n" ||
		check_fail "dmesg.$n lacks the panic" || bad=1
	check_completed "$dump" "$an" "$dumped" "$written" "${next%% of *}" "${next##* of }" || bad=1
	echo "  filled $(cat "$OUT/notes/fill-mib") MiB of random tmpfs; stopped at pfn $next; prefix $dumped pages ($(sed -n 's/^records: *//p' "$an")); written $written"
	return $bad
}
