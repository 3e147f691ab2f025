# Host part of snapshot-copy-fault (see snapshot-copy-fault.guest).
DESCRIPTION="a live snapshot's copy faults on one chosen page (the test build's snapshot_fault_pfn; copy_mc_to_kernel with ERMS): that page is unreadable in the saved snapshot, its neighbours and the rest are saved"
NEEDS="lkcd module"
CORE=1
VM_TIMEOUT=600
# ERMS, so that the live copy is copy_mc_to_kernel(); no 5-level paging
VM_QEMU_ARGS="-cpu max,la57=off"

# Exact whatever KASLR does: the page the guest chose (by /proc/iomem) is
# the one the console names, it is not in the saved dump while the pages on
# both sides of it are, the snapshot is complete, and the guest lived on.
check() {
	local bad=0 n dump pfn named unreadable
	check_file notes/dump-n || return 1
	check_file notes/fault-pfn || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	pfn=$(cat "$OUT/notes/fault-pfn")
	named=$(sed -n 's/.*test: the live copy of pfn \(0x[0-9a-f]*\) reads the unmapped .*/\1/p' "$LOG" | head -n1)
	[[ -n $named ]] || check_fail "console log lacks the test's faulting copy" || return 1
	check_eq "the pfn whose copy faulted" "$pfn" "$((named))" || bad=1
	check_log 'lkcd-vm: still alive after the faulting copy' "the guest's message after the snapshot" || bad=1
	grep -q 'complete' "$OUT/notes/held" || check_fail "the snapshot is not complete: $(cat "$OUT/notes/held")" || bad=1
	unreadable=$(sed -n 's/^pages unreadable: *\([0-9]*\)$/\1/p' "$OUT/notes/show")
	(( ${unreadable:-0} >= 1 )) || check_fail "lkcd show reports no unreadable page: $(grep unreadable "$OUT/notes/show")" || bad=1
	check_eq "pages of pfn $pfn in the saved snapshot" 0 "$(dump_pages_in "$dump" $((pfn * 4096)) 4096)" || bad=1
	check_eq "pages of pfn $((pfn - 1)) and $((pfn + 1)) in the saved snapshot" 2 \
		$(( $(dump_pages_in "$dump" $(((pfn - 1) * 4096)) 4096) + $(dump_pages_in "$dump" $(((pfn + 1) * 4096)) 4096) )) || bad=1
	echo "  pfn $pfn: its copy faulted, left out of the saved snapshot ($unreadable unreadable in all); its neighbours saved"
	return $bad
}
