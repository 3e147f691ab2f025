# Host part of fault-bitflip (see fault-bitflip.guest).
DESCRIPTION="bits flipped in 4 preserved records (user/cache pages) after the panic: save names each, keeps the rest"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=300

check() {
	local bad=0 n dump an flipped pfn lo hi in nblocks lost_r lost_p dumped written
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	an=$OUT/dump/$n/analysis.$n
	check_file "dump/$n/dump.$n" || return 1
	check_file "dump/$n/analysis.$n" || return 1
	check_eq "lkcd save's exit status" 0 "$(cat "$OUT/notes/save-status")" || bad=1

	# what the knob damaged, from the crashed kernel's console
	check_log 'lkcd: test: 4 of 4 records damaged after the seal' "the knob's '4 of 4 records damaged'" || return 1
	flipped=$(grep -a -o 'test: damaged the record of pfn 0x[0-9a-f]*' "$LOG" | sed 's/.*pfn //' | sort -u)
	check_eq "records the knob damaged" 4 "$(wc -l <<<"$flipped")" || bad=1

	# every one named by analysis.N: inside the pfns a damaged block lost
	nblocks=$(grep -c 'payload crc .*: its records are skipped' "$an")
	check_eq "damaged blocks in analysis.$n" 4 "$nblocks" || bad=1
	for pfn in $flipped; do
		in=0
		while read -r lo hi; do
			(( lo <= pfn && pfn <= hi )) && in=1
		done < <(grep 'payload crc' "$an" | sed -n 's/.*pfns \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) lost.*/\1 \2/p')
		(( in )) || check_fail "damaged record pfn $pfn is in no range analysis.$n reports lost" || bad=1
	done

	# the summary's figures: written = dumped - lost
	lost_r=$(sed -n 's/^damaged parts: *[0-9]*: \([0-9]*\) records, \([0-9]*\) pages lost$/\1/p' "$an")
	lost_p=$(sed -n 's/^damaged parts: *[0-9]*: \([0-9]*\) records, \([0-9]*\) pages lost$/\2/p' "$an")
	dumped=$(sed -n 's/^pages dumped: *\([0-9]*\) .*/\1/p' "$an")
	written=$(sed -n 's/^pages written: *\([0-9]*\) .*/\1/p' "$an")
	[[ -n $lost_r && -n $lost_p ]] ||
		check_fail "analysis.$n does not say how many records and pages were lost" || return 1
	(( lost_r >= 4 && lost_p >= 4 )) ||
		check_fail "analysis.$n: $lost_r records, $lost_p pages lost, for 4 damaged records" || bad=1
	check_eq "pages written (dumped $dumped - lost $lost_p)" "$((dumped - lost_p))" "$written" || bad=1
	grep -qE "damaged part\(s\) of the dump skipped: $lost_r records, $lost_p pages lost" "$OUT/notes/save-stderr" ||
		check_fail "lkcd save's stderr does not warn of the damaged parts with the figures" || bad=1

	# the rest is a good dump for the tools
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" 'Kernel panic - not syncing: sysrq triggered crash' || bad=1
	check_crash "$dump" "cycle marker $(cat "$OUT/notes/boot-id")" || bad=1
	echo "  damaged records (knob): $(paste -sd' ' <<<"$flipped"); analysis.$n: $nblocks damaged blocks, $lost_r records and $lost_p pages lost; written $written of $dumped pages"
	return $bad
}
