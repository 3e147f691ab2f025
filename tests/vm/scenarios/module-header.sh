# Host part of module-header (see module-header.guest).
DESCRIPTION="lkcd.ko alone: the preserved header after a panic at level HEADER"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="module"

check() {
	local bad=0 info t time0
	check_file header.page || return 1
	if ! info=$("$VM_TOP/tests/vm/lkcdheader" "$OUT/header.page" 2>&1); then
		check_fail "header page at $(cat "$OUT/notes/dump-addr"): $info"
		return 1
	fi
	echo "$info" >"$WORK/header.txt"
	field() { sed -n "s/^$1=//p" <<<"$info"; }
	check_eq "header live flag" 0 "$(field live)" || bad=1
	check_eq "header state (2 = complete)" 2 "$(field state)" || bad=1
	check_eq "header level" 1 "$(field level)" || bad=1
	check_eq "header page_size" 4096 "$(field page_size)" || bad=1
	check_eq "header kernel release" "$KABI" "$(field release)" || bad=1
	check_eq "header machine" x86_64 "$(field machine)" || bad=1
	check_eq "header panic string" "sysrq triggered crash" "$(field panic)" || bad=1
	check_eq "header nr_cpus" 2 "$(field nr_cpus)" || bad=1
	t=$(field time)
	time0=$(cat "$OUT/notes/production-time")
	(( t >= time0 && t <= time0 + 120 )) ||
		check_fail "header panic time $t is not within 2 minutes after the guest's $time0" || bad=1
	# a 1 GiB guest: most of it is System RAM
	(( $(field memory_size) > 900 * 1024 * 1024 && $(field memory_size) <= 1024 * 1024 * 1024 )) ||
		check_fail "header memory_size $(field memory_size) is not about 1 GiB" || bad=1
	(( $(field nr_ranges) >= 1 )) || check_fail "header has no RAM ranges" || bad=1
	return $bad
}
