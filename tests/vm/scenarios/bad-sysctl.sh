# Host part of bad-sysctl (see bad-sysctl.guest).
DESCRIPTION="bad kernel.dump.level writes get EINVAL; lkcd config refuses a bad DUMP_LEVEL"
NEEDS="lkcd module"

check() {
	local bad=0 line
	check_file config.out || return 1
	line=$(cat "$OUT/notes/conf-line")
	grep -q 'DUMP_LEVEL' "$OUT/config.out" ||
		check_fail "lkcd config's message does not name DUMP_LEVEL: $(head -c 300 "$OUT/config.out")" || bad=1
	grep -qE "(line |:)$line\b" "$OUT/config.out" ||
		check_fail "lkcd config's message does not name line $line: $(head -c 300 "$OUT/config.out")" || bad=1
	grep -qw 7 "$OUT/config.out" ||
		check_fail "lkcd config's message does not quote the bad value 7" || bad=1
	return $bad
}
