# Host part of the mechanics scenario (see mechanics.guest).
DESCRIPTION="harness: boot, kexec -p, panic, capture kernel sees /proc/vmcore"
NEEDS=

check() {
	local bad=0 size
	check_log 'sysrq: Trigger a crash' 'the sysrq crash' || bad=1
	check_log 'Kernel panic - not syncing: sysrq triggered crash' 'the panic line' || bad=1
	check_file notes/production-kernel || return 1
	check_file notes/capture-cmdline || return 1
	check_eq "production kernel" "$KABI" "$(cat "$OUT/notes/production-kernel")" || bad=1
	check_eq "capture kernel" "$KABI" "$(cat "$OUT/notes/capture-kernel")" || bad=1
	grep -q 'crashdump=0x1234' "$OUT/notes/capture-cmdline" ||
		check_fail "capture kernel command line lacks crashdump=0x1234" || bad=1
	size=$(cat "$OUT/notes/vmcore-size")
	# a 1G guest: /proc/vmcore holds (nearly) all of its RAM minus crashkernel
	(( size > 512 * 1024 * 1024 )) || check_fail "/proc/vmcore is only $size bytes" || bad=1
	return $bad
}
