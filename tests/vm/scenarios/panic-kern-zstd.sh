# Host part of panic-kern-zstd (see panic-kern-zstd.guest).
DESCRIPTION="panic -> lkcd save at level KERN, records zstd (level -3) kept in the kdump file (crash, libkdumpfile, drgn) and re-encoded with --zstd zlib (makedumpfile)"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
MODULES="zstd"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

check() {
	local n dump bad=0
	# the re-encoded copy is makedumpfile's to read; crash, libkdumpfile
	# (page by page) and lkcd judge the kept one
	# up to 40 pages may differ, as in panic-kern: zstd's workspace (about
	# 22 pages) is no longer dumped since every workspace is set up and left
	# out at load: 37 differed with it, 16 without (6.12)
	CYCLE_MDF_DUMP=$OUT/dump-zlib.kdump check_cycle 40 || bad=1
	check_lkcd_left_out || bad=1
	check_header_compress zstd 3 || bad=1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	kdump_pages_noted "$dump" "dump.$n (kept)" || return 1
	[[ $KDUMP_PAGES == *" zstd=0 "* ]] && { check_fail "dump.$n has no zstd pages: SAVE_ZSTD=keep did not keep them"; bad=1; }
	kdump_pages_noted "$OUT/dump-zlib.kdump" "dump-zlib.kdump (--zstd zlib)" || return 1
	[[ $KDUMP_PAGES == *" zstd=0 "* ]] || { check_fail "dump-zlib.kdump still has zstd pages"; bad=1; }
	# drgn (through libkdumpfile) on the kept file: the release and PID 1
	local out
	if ! out=$(vm_judge timeout 300 /usr/bin/python3 - "$dump" "$VMLINUX" 2>&1 <<'PY'
import sys, drgn
from drgn.helpers.linux.pid import find_task
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
print("release", prog["init_uts_ns"].name.release.string_().decode())
print("pid1", find_task(prog, 1).comm.string_().decode())
PY
	); then
		check_fail "drgn cannot read dump.$n: $(tail -n2 <<<"$out" | paste -sd' ')"
		bad=1
	else
		grep -qx "release $KABI" <<<"$out" || { check_fail "drgn: release is not $KABI: $out"; bad=1; }
		grep -qx "pid1 init" <<<"$out" || { check_fail "drgn: PID 1 is not init: $out"; bad=1; }
	fi
	return $bad
}
