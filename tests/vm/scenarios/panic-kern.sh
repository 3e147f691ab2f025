# Host part of panic-kern (see panic-kern.guest).
DESCRIPTION="panic -> lkcd save at level KERN; makedumpfile, crash, libkdumpfile judge the dump"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

# up to 40 pages may differ: written after the dumper saved them (crash
# notes in the per-cpu areas, the printk buffer, the dumper's stack and
# lkcd.ko's own counters).  zlib's workspace, which changed with every page
# compressed, is no longer dumped: 26 differed with it, 16 without (6.1).
check() {
	local bad=0
	check_cycle 40 || bad=1
	check_lkcd_left_out || bad=1
	return $bad
}
