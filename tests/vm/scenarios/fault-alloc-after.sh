# Host part of fault-alloc-after (see fault-alloc-after.guest).
DESCRIPTION="every page the panicking CPU can allocate after the dump, taken and overwritten before kexec: every block survives, the dump is saved whole"
NEEDS="lkcd module"
CORE=1
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=300

# What is exact here, wherever KASLR and the allocator put things:
# - the walk of the chain saw every block the seal counted;
# - none of them is on a page that classifies free, and after every page
#   this CPU could get was allocated and overwritten the chain still walks
#   to its last block (a count of blocks found in the allocated pages
#   would not do: init_on_alloc, Debian's default, zeroes each page before
#   the test sees it);
# - the lowest of those pages lies below the highest block: a search that
#   took spare pages in pfn order whatever their class (the old one) would
#   have put a block there, so the test would have seen the loss;
# - the saved dump is complete and every record passes its checks.
check() {
	local bad=0 n an blocks sealed on_free top got lowest intact
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	an=$OUT/dump/$n/analysis.$n
	check_eq "lkcd save's exit status" 0 "$(cat "$OUT/notes/save-status")" || bad=1
	read -r blocks on_free top < <(sed -n "s/.*test: the dump's \([0-9]*\) blocks: \([0-9]*\) on free pages, the highest at pfn \(0x[0-9a-f]*\).*/\1 \2 \3/p" "$LOG" | head -n1)
	[[ -n $top ]] || check_fail "console log lacks the test's report of where the blocks are" || return 1
	sealed=$(sed -n 's/.*lkcd: dump complete: [0-9]* pages in [0-9]* records, \([0-9]*\) blocks.*/\1/p' "$LOG" | head -n1)
	check_eq "blocks walked after the seal vs blocks the seal reported" "$sealed" "$blocks" || bad=1
	check_eq "blocks on free pages" 0 "$on_free" || bad=1
	read -r got lowest intact < <(sed -n 's/.*test: \([0-9]*\) pages allocated and overwritten after the dump (lowest pfn \(0x[0-9a-f]*\)); then \([0-9]*\) of its [0-9]* blocks intact.*/\1 \2 \3/p' "$LOG" | head -n1)
	[[ -n $intact ]] || check_fail "console log lacks the test's allocation after the dump" || return 1
	(( got > 0 )) || check_fail "nothing could be allocated after the dump" || bad=1
	check_eq "blocks intact after the allocation" "$blocks" "$intact" || bad=1
	(( lowest < top )) ||
		check_fail "the lowest page allocated after the dump ($lowest) is above the highest block ($top): this run could not tell a search in pfn order from the fixed one" || bad=1
	grep -q '^state: *complete' "$an" || check_fail "analysis.$n does not say complete" || bad=1
	grep -q '^damaged parts: *0$' "$an" || check_fail "analysis.$n reports damaged parts" || bad=1
	check_makedumpfile_dmesg "$OUT/dump/$n/dump.$n" "$WORK/dmesg.txt" 'Kernel panic - not syncing: sysrq triggered crash' || bad=1
	echo "  $blocks blocks ($on_free on free pages, highest pfn $top); $got pages allocated and overwritten after the dump (lowest pfn $lowest), then $intact blocks intact"
	return $bad
}
