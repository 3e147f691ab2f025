# Host part of fallback-badheader (see fallback-badheader.guest).
DESCRIPTION="lkcd.ko armed but its header holds no dump: lkcd save falls back to /proc/vmcore, says why"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_TIMEOUT=240
VM_MEM=512M
VM_CRASHKERNEL=128M

# shellcheck source=tests/vm/scenarios/fallback-common.inc
. "$VM_SCENARIOS/fallback-common.inc"

check() {
	local n addr
	check_file save.out || return 1
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	addr=$(cat "$OUT/notes/dump-addr")
	fallback_check_labels "$n" \
		"no dump at $addr: the header is armed but empty \\(the dumper did not run\\)" \
		"badheader marker $(cat "$OUT/notes/boot-id")" || return 1
	echo "  fallback after an empty header: dump.$n $(stat -c %s "$OUT/dump/$n/dump.$n") bytes"
}
