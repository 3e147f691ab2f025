# Host part of capture-config (see capture-config.guest).
DESCRIPTION="capture kernel: lkcd config sees crashdump= and saves instead of arming"
NEEDS="lkcd module"

check() {
	local bad=0 n
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	check_file "dump/$n/dump.$n" || return 1
	lkcd_show_check "$OUT/dump/$n/dump.$n" || bad=1
	grep -q "header address: *$(cat "$OUT/notes/dump-addr")" "$WORK/lkcd-show.txt" ||
		check_fail "lkcd show does not name the header address $(cat "$OUT/notes/dump-addr")" || bad=1
	return $bad
}
