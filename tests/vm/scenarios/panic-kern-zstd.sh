# Host part of panic-kern-zstd (see panic-kern-zstd.guest).
DESCRIPTION="panic -> lkcd save at level KERN, records zstd; judged like panic-kern"
NEEDS="lkcd module"
MODULES="zstd"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

check() {
	check_cycle 64 || return 1
	grep -q '^compress: *zstd (3)' "$WORK/lkcd-show.txt" ||
		check_fail "the dump's header does not say zstd: $(grep '^compress' "$WORK/lkcd-show.txt")"
}
