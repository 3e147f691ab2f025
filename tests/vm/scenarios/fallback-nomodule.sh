# Host part of fallback-nomodule (see fallback-nomodule.guest).
DESCRIPTION="no lkcd.ko, plain kdump: lkcd save falls back to /proc/vmcore, filtered at level KERN, labelled"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd"
# the release's own makedumpfile: the peer must know the guest's kernel
RELEASE_BINARIES=/usr/bin/makedumpfile
VM_TIMEOUT=240
VM_MEM=512M
VM_CRASHKERNEL=128M

# shellcheck source=tests/vm/scenarios/fallback-common.inc
. "$VM_SCENARIOS/fallback-common.inc"

# pages of a dump that libkdumpfile reads, from comparepages' summary
dump_pages() { sed -n 's/^compared \([0-9]*\),.*/\1/p' <<<"$1"; }

check() {
	local bad=0 n dump ours ref
	check_file save.out || return 1
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	fallback_check_labels "$n" "no crashdump= on the kernel command line" \
		"fallback marker $(cat "$OUT/notes/boot-id")" || bad=1
	grep -qE '^  cache +[0-9]+ pages, +[1-9][0-9]* left out' "$OUT/dump/$n/analysis.$n" ||
		check_fail "analysis.$n does not show page cache (the 32 MiB in tmpfs) left out" || bad=1
	# a copy of /proc/vmcore: not one page it holds may differ
	check_pages_match "$dump" "$OUT/vmcore" 0 || bad=1
	ours=$(dump_pages "$(vm_judge "$VM_TOP/tests/vm/comparepages" "$dump" "$OUT/vmcore" /dev/null 2>&1)")
	ref=$(dump_pages "$(vm_judge "$VM_TOP/tests/vm/comparepages" "$OUT/ref.kdump" "$OUT/vmcore" /dev/null 2>&1)")
	# filtered like makedumpfile -d 31, from the same struct pages: the same
	# pages within 2% (measured: the same 16893 of 98171, 16143718 bytes
	# against makedumpfile's 16143653)
	local free_seen free_out
	read -r free_seen free_out < <(sed -n 's/^  free \{1,\}\([0-9]*\) pages, \{1,\}\([0-9]*\) left out$/\1 \2/p' "$OUT/dump/$n/analysis.$n")
	if [[ -z $ours || -z $ref ]] || (( ref == 0 )); then
		check_fail "cannot count the pages of dump.$n ($ours) or ref.kdump ($ref)" || bad=1
	elif [[ $VM_RELEASE == trixie ]]; then
		# trixie's makedumpfile 1.7.6 predates 6.12 ("kernel version is
		# not supported") and keeps the free pages, so it is no reference
		# for the count here: every free page must be left out, and the
		# dump must hold fewer pages than the peer's.
		if [[ -z $free_seen ]] || (( free_seen == 0 || free_out != free_seen )); then
			check_fail "analysis.$n: free pages ${free_seen:-none} seen, ${free_out:-none} left out: the 6.12 classifier did not drop every free page" || bad=1
		elif (( ours >= ref )); then
			check_fail "dump.$n holds $ours pages, no fewer than makedumpfile's unfiltered $ref" || bad=1
		fi
	elif (( ours * 50 > ref * 51 + 12800 || ours * 50 < ref * 49 - 12800 )); then
		check_fail "dump.$n holds $ours pages, makedumpfile -d 31 $ref: not filtered alike" || bad=1
	fi
	echo "  fallback: lkcd save $(cat "$OUT/notes/save-seconds")s, dump.$n $(stat -c %s "$dump") bytes, $ours pages;" \
	     "makedumpfile -c -d 31 $(cat "$OUT/notes/makedumpfile-seconds")s, $(stat -c %s "$OUT/ref.kdump") bytes, $ref pages"
	return $bad
}
