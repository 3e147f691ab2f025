# Host part of snapshot-stop (see snapshot-stop.guest).
DESCRIPTION="consistent vs live snapshot at KERN and USED: time stopped (1 GiB); a small cap stops INCOMPLETE/CAP"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_TIMEOUT=900

check() {
	local bad=0 f n
	for f in snap-2-consistent snap-2-live snap-4-consistent snap-4-live cap dump-n; do
		check_file "notes/$f" || bad=1
	done
	(( bad )) && return 1
	echo "  level kern, consistent: $(cat "$OUT/notes/snap-2-consistent")"
	echo "  level kern, live:       $(cat "$OUT/notes/snap-2-live")"
	echo "  level used, consistent: $(cat "$OUT/notes/snap-4-consistent")"
	echo "  level used, live:       $(cat "$OUT/notes/snap-4-live")"
	echo "  4 MiB cap:              $(cat "$OUT/notes/cap")"
	echo "  MemFree after each release (KiB): $(cat "$OUT/notes/memfree-after-each")"
	grep -q "incomplete-cap" "$OUT/notes/cap" || check_fail "the capped snapshot is not incomplete-cap" || bad=1
	n=$(cat "$OUT/notes/dump-n")
	"$VM_TOP/build/bin/lkcd" show "$OUT/dump/$n/dump.$n" >"$WORK/lkcd-show.txt" 2>&1 ||
		check_fail "lkcd show of the capped snapshot failed" || bad=1
	grep -qiE "incomplete.*cap|cap" "$WORK/lkcd-show.txt" ||
		check_fail "lkcd show does not say the capped snapshot stopped at its cap" || bad=1
	return $bad
}
