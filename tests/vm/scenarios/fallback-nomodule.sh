# Host part of fallback-nomodule (see fallback-nomodule.guest).
DESCRIPTION="no lkcd.ko, plain kdump: lkcd save falls back to /proc/vmcore, filtered at level KERN, labelled"
NEEDS="lkcd"
BINARIES=/usr/bin/makedumpfile
VM_TIMEOUT=240
VM_MEM=512M
VM_CRASHKERNEL=128M

# pages of a dump that libkdumpfile reads, from comparepages' summary
dump_pages() { sed -n 's/^compared \([0-9]*\),.*/\1/p' <<<"$1"; }

check() {
	local bad=0 n dump id out ours ref
	check_file save.out || return 1
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	check_file "dump/$n/analysis.$n" || return 1
	id=$(cat "$OUT/notes/boot-id")

	# told: no lkcd dump, why, and what it does instead
	grep -q 'no usable lkcd dump: no crashdump= on the kernel command line' "$OUT/save.out" ||
		check_fail "lkcd save does not say there was no lkcd dump and why: $(head -c 300 "$OUT/save.out")" || bad=1
	grep -q 'falling back to saving /proc/vmcore itself, filtered (exclude 0x1f)' "$OUT/save.out" ||
		check_fail "lkcd save does not say it falls back to /proc/vmcore at exclude 0x1f" || bad=1
	# labelled: analysis.N, the header lkcd show reads from the dump
	grep -q '^source: *\/proc/vmcore fallback (no lkcd dump: no crashdump=' "$OUT/dump/$n/analysis.$n" ||
		check_fail "analysis.$n has no 'source: /proc/vmcore fallback (no lkcd dump: ...)'" || bad=1
	grep -qE '^  cache +[0-9]+ pages, +[1-9][0-9]* left out' "$OUT/dump/$n/analysis.$n" ||
		check_fail "analysis.$n does not show page cache left out by class" || bad=1
	grep -qE '^  free +[0-9]+ pages, +[1-9][0-9]* left out' "$OUT/dump/$n/analysis.$n" ||
		check_fail "analysis.$n does not show free pages left out by class" || bad=1
	out=$("$VM_TOP/build/bin/lkcd" show "$dump" 2>&1) ||
		check_fail "lkcd show dump.$n failed: $(head -n2 <<<"$out")" || bad=1
	grep -q 'saved from /proc/vmcore (no lkcd dump)' <<<"$out" ||
		check_fail "lkcd show does not label dump.$n as saved from /proc/vmcore" || bad=1

	"$VM_TOP/tests/vm/dumpinfo" "$dump" >"$WORK/dumpinfo.txt" ||
		check_fail "dump.$n is not a dump file" || bad=1
	grep -qx "release=$KABI" "$WORK/dumpinfo.txt" ||
		check_fail "dump.$n's header does not name $KABI" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "fallback marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "dump.$n's kernel log lacks the panic line"; } || bad=1
	# a copy of /proc/vmcore: not one page it holds may differ
	check_pages_match "$dump" "$OUT/vmcore" 0 || bad=1
	ours=$(dump_pages "$("$VM_TOP/tests/vm/comparepages" "$dump" "$OUT/vmcore" /dev/null 2>&1)")
	ref=$(dump_pages "$("$VM_TOP/tests/vm/comparepages" "$OUT/ref.kdump" "$OUT/vmcore" /dev/null 2>&1)")
	# filtered like makedumpfile -d 31, from the same struct pages: the same
	# pages within 2% (measured: the same 16881 of 98171)
	if [[ -z $ours || -z $ref ]] || (( ref == 0 )); then
		check_fail "cannot count the pages of dump.$n ($ours) or ref.kdump ($ref)" || bad=1
	elif (( ours * 50 > ref * 51 + 12800 || ours * 50 < ref * 49 - 12800 )); then
		check_fail "dump.$n holds $ours pages, makedumpfile -d 31 $ref: not filtered alike" || bad=1
	fi
	check_crash "$dump" "fallback marker $id" || bad=1
	echo "  fallback: lkcd save $(cat "$OUT/notes/save-seconds")s, dump.$n $(stat -c %s "$dump") bytes, $ours pages;" \
	     "makedumpfile -c -d 31 $(cat "$OUT/notes/makedumpfile-seconds")s, $(stat -c %s "$OUT/ref.kdump") bytes, $ref pages"
	return $bad
}
