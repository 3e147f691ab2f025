# Host part of fault-alloc-after (see fault-alloc-after.guest).
DESCRIPTION="pages allocated and overwritten after the dump, before kexec, hold none of its blocks; the dump is saved whole"
NEEDS="lkcd module"
CORE=1
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

check() {
	local bad=0 n an line got held
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	an=$OUT/dump/$n/analysis.$n
	check_eq "lkcd save's exit status" 0 "$(cat "$OUT/notes/save-status")" || bad=1
	line=$(grep -a -m1 -o 'test: [0-9]* pages allocated and overwritten after the dump, [0-9]* of them held dump blocks' "$LOG")
	[[ -n $line ]] || check_fail "console log lacks the test's allocation after the dump" || return 1
	got=$(sed 's/test: \([0-9]*\) pages .*/\1/' <<<"$line")
	held=$(sed 's/.*dump, \([0-9]*\) of them .*/\1/' <<<"$line")
	check_eq "pages allocated after the dump" "$(cat "$OUT/notes/alloc-n")" "$got" || bad=1
	check_eq "allocated pages that held dump blocks" 0 "$held" || bad=1
	grep -q '^state: *complete' "$an" || check_fail "analysis.$n does not say complete" || bad=1
	grep -q '^damaged parts: *0$' "$an" || check_fail "analysis.$n reports damaged parts" || bad=1
	check_makedumpfile_dmesg "$OUT/dump/$n/dump.$n" "$WORK/dmesg.txt" 'Kernel panic - not syncing: sysrq triggered crash' || bad=1
	echo "  $got pages allocated and overwritten after the dump, $held held blocks"
	return $bad
}
