# Host part of fault-dumper-early (guest: fault-dumper.guest, case "early").
DESCRIPTION="panic inside the dumper before its first page: save falls back to /proc/vmcore, says why"
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240
VM_APPEND="lkcd_fault=early"

# shellcheck source=tests/vm/scenarios/fault-common.inc
. "$VM_SCENARIOS/fault-common.inc"
check() { fault_dumper_early_check; }
