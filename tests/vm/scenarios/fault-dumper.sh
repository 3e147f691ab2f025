# Host part of fault-dumper (guest: fault-dumper.guest, case "image").
DESCRIPTION="panic inside the dumper mid-memory: the prefix is kept, saved INCOMPLETE (re-entered)"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240
VM_APPEND="lkcd_fault=image"

# shellcheck source=tests/vm/scenarios/fault-common.inc
. "$VM_SCENARIOS/fault-common.inc"
check() { fault_dumper_check image; }
