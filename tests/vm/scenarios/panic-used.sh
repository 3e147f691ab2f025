# Host part of panic-used (see panic-used.guest).
DESCRIPTION="panic -> lkcd save at level USED; makedumpfile, crash, libkdumpfile judge the dump"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=300

check() { check_cycle 64; }
