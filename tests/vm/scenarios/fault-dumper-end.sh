# Host part of fault-dumper-end (guest: fault-dumper.guest, case "end").
DESCRIPTION="panic inside the dumper at its last step: the sealed prefix is a whole dump crash reads"
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240
VM_APPEND="lkcd_fault=end"

# shellcheck source=tests/vm/scenarios/fault-common.inc
. "$VM_SCENARIOS/fault-common.inc"
check() { fault_dumper_check end; }
