# Host part of panic-kern (see panic-kern.guest).
DESCRIPTION="panic -> lkcd save at level KERN; makedumpfile, crash, libkdumpfile judge the dump"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

# up to 64 pages may differ: written after the dumper saved them (crash
# notes in the per-cpu areas, the printk buffer, the dumper's own state)
check() { check_cycle 64; }
