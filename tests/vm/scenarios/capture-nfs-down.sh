# capture-nfs-down: the NFS server goes down between arming and the crash,
# twice.  The production system arms with DUMP_NFS while the test's server
# is up (lkcd config mounts the export and writes a probe first); when the
# guest says it crashes, the host stops the server.
#  1. DUMP_NET_FALLBACK=1: the capture kernel's lkcd save tries the mount
#     for DUMP_NET_WAIT (5 s), says which server, the mount options and why
#     it cannot, and saves into DUMPDIR on the disk; nothing reaches the
#     export.
#  2. (boot 2, the server up again for its arming) DUMP_NET_FALLBACK=0,
#     DUMP_FAIL_ACTION=poweroff: the same words, then "not saved", status
#     3, and the capture powers the machine off (DUMP_ACTION is reboot).
DESCRIPTION="DUMP_NFS: the server down at capture time: said, saved into DUMPDIR; without the fallback, DUMP_FAIL_ACTION"
NEEDS="lkcd module"
VM_BOOTS=3
VM_TIMEOUT=300

# shellcheck source=tests/vm/scenarios/nfs-server.inc
. "$VM_SCENARIOS/nfs-server.inc"

during() {
	trap 'nfs_server_stop' EXIT TERM
	nfs_server_start || return 1
	vm_wait_log 'lkcd-vm: crashing via sysrq c' 240 || return 1
	nfs_server_stop
	# up again once capture 1 is past lkcd save, for boot 2's arming
	vm_wait_log 'lkcd-capture: lkcd save finished' 240 || return 1
	nfs_server_start || return 1
	LOG=$WORK/console.2.log
	vm_wait_log 'lkcd-vm: crashing via sysrq c' 280 || return 1
	nfs_server_stop
}

check() {
	local bad=0 said
	said='lkcd: cannot save to the NFS server 10\.0\.2\.100 \(DUMP_NFS 10\.0\.2\.100:[^,]*, mount options [^)]*\): no answer to the mount .* \(gave up after DUMP_NET_WAIT\)'
	check_file 0/dump.0 || return 1
	# 1. said, DUMPDIR
	check_log_boot 1 'lkcd-capture: saving the dump to NFS 10\.0\.2\.100:' "the capture's try of the server" || bad=1
	check_log_boot 1 "$said" "the capture saying which server and why" || bad=1
	check_log_boot 1 'lkcd: saving into DUMPDIR /out instead \(DUMP_NET_FALLBACK=1\)' "the fallback said" || bad=1
	check_log_boot 1 'lkcd-capture: lkcd save finished with status 0' "the capture's status" || bad=1
	# 2. no fallback: said, status 3, DUMP_FAIL_ACTION (poweroff)
	check_log_boot 2 "$said" "capture 2 saying which server and why" || bad=1
	check_capture_fail_action 2 || bad=1
	[[ -z $(ls -A "$NFST/export" 2>/dev/null) ]] ||
		check_fail "the export holds $(ls -A "$NFST/export" | paste -sd' ')" || bad=1
	lkcd_show_check "$OUT/0/dump.0" || bad=1
	check_makedumpfile_dmesg "$OUT/0/dump.0" "$WORK/dmesg.txt" 'sysrq triggered crash' || bad=1
	[[ $(grep -c 'nfs server stopped' "$WORK/during.out") == 2 ]] ||
		check_fail "the test's nfs server was not stopped twice" || bad=1
	echo "  console: $(grep -ao 'lkcd: cannot save to the NFS server.*' "$LOG" | head -n1 | cut -c1-300)"
	return $bad
}
