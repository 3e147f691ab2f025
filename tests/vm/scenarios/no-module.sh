# Host part of no-module (see no-module.guest).
DESCRIPTION="capture kernel without an lkcd header, fallback refused: lkcd save refuses cleanly"
NEEDS="lkcd"

check() {
	local bad=0
	check_file save.out || return 1
	# the message must be about the missing/invalid header at that address
	grep -qiE 'header|magic|no (lkcd )?dump' "$OUT/save.out" ||
		check_fail "lkcd save's message does not mention the missing header: $(head -c 300 "$OUT/save.out")" || bad=1
	grep -qiE '0x0*1000000|16777216' "$OUT/save.out" ||
		check_fail "lkcd save's message does not name the address 0x1000000" || bad=1
	grep -q 'fallback is off (--no-fallback)' "$OUT/save.out" ||
		check_fail "lkcd save --no-fallback does not say the fallback is off" || bad=1
	grep -q 'fallback is off (SAVE_FALLBACK=0)' "$OUT/save2.out" ||
		check_fail "lkcd save with SAVE_FALLBACK=0 does not say the fallback is off" || bad=1
	[[ ! -d $OUT/dump ]] || [[ -z $(ls -A "$OUT/dump") ]] ||
		check_fail "DUMPDIR is not empty: $(ls -A "$OUT/dump")" || bad=1
	return $bad
}
