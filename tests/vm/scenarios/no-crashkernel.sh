# Host part of no-crashkernel (see no-crashkernel.guest).
DESCRIPTION="booted without crashkernel=: lkcd config refuses and says why"
NEEDS="lkcd module"
VM_CRASHKERNEL=none

check() {
	local bad=0
	check_file config.out || return 1
	grep -qi 'crashkernel' "$OUT/config.out" ||
		check_fail "lkcd config's refusal does not mention crashkernel: $(head -c 300 "$OUT/config.out")" || bad=1
	return $bad
}
