# capture-nfs-down: the NFS server fails the capture, three times.  The
# production system arms with DUMP_NFS while the test's server is up (lkcd
# config mounts the export and writes a probe first); the guest then asks
# for the fault and crashes only once the host has made it and said so (the
# fault handshake, vm_host_fault).
#  1. The server disappears mid-transfer: nfsd's forwarder passes the
#     capture's connection exactly CUT_AT bytes, then holds it unread
#     (nfs_cut_arm); once it has, the host kills the server.  The soft mount
#     (timeo=100, retrans=2) fails the writes; the capture says so, naming
#     the server, leaves its temporary directory there, reads the dump again
#     and saves DUMPDIR/0.  The export keeps only that temporary directory,
#     its dump at most CUT_AT bytes: never a final <host>-<time>.
#  2. DUMP_NET_FALLBACK=1, the server stopped: the capture kernel's lkcd
#     save tries the mount for DUMP_NET_WAIT (5 s), says which server, the
#     mount options and why it cannot, and saves DUMPDIR/1.
#  3. DUMP_NET_FALLBACK=0, DUMP_FAIL_ACTION=poweroff: the same words, then
#     "not saved", status 3, and the capture powers the machine off
#     (DUMP_ACTION is reboot).
# The server comes up again for each arming once the capture before is past
# lkcd save.
DESCRIPTION="DUMP_NFS: the server killed mid-transfer, then down at capture time: said, saved into DUMPDIR; without the fallback, DUMP_FAIL_ACTION"
NEEDS="lkcd module"
VM_BOOTS=4
VM_TIMEOUT=300
# bytes of the capture's nfsd connection the server gets before it is
# killed (the dump at level kern is about 19 MB)
CUT_AT=$((1024 * 1024))

# shellcheck source=tests/vm/scenarios/nfs-server.inc
. "$VM_SCENARIOS/nfs-server.inc"

during() {
	local t0
	trap 'nfs_cut_end; nfs_server_stop' EXIT TERM
	nfs_server_start || return 1
	# 1. cut: killed once the server has had CUT_AT bytes
	vm_fault_asked nfs-cut-1 240 || return 1
	nfs_cut_arm "$CUT_AT"
	vm_fault_in_place nfs-cut-1
	nfs_cut_wait 240 || return 1
	nfs_server_stop
	echo "killed after $CUT_AT bytes of the capture's nfsd connection"
	t0=$(date +%s)
	vm_wait_log 'lkcd: saving into DUMPDIR /out instead' 400 || return 1
	echo "the fallback began $(($(date +%s) - t0)) s after the kill"
	vm_wait_log 'lkcd-capture: lkcd save finished' 400 || return 1
	nfs_cut_end
	nfs_server_start || return 1
	# 2. and 3. down; up again for the next arming
	LOG=$WORK/console.2.log
	vm_fault_asked nfs-down-2 280 || return 1
	nfs_server_stop
	vm_fault_in_place nfs-down-2
	vm_wait_log 'lkcd-capture: lkcd save finished' 240 || return 1
	nfs_server_start || return 1
	vm_fault_asked nfs-down-3 280 || return 1
	nfs_server_stop
	vm_fault_in_place nfs-down-3
}

check() {
	local bad=0 said tmp
	said='lkcd: cannot save to the NFS server 10\.0\.2\.100 \(DUMP_NFS 10\.0\.2\.100:[^,]*, mount options [^)]*\): no answer to the mount .* \(gave up after DUMP_NET_WAIT\)'
	grep -q '^killed after ' "$WORK/during.out" ||
		check_fail "the host never killed the server mid-transfer ($(paste -sd' ' "$WORK/during.out"))" || return 1
	check_file 0/dump.0 && check_file 1/dump.1 || return 1
	# 1. cut: the export keeps the temporary directory alone, its dump no
	# more than the bytes the server got; said, read again, DUMPDIR/0
	[[ $(ls -A "$NFST/export" | grep -c .) == 1 ]] &&
		tmp=$(ls -d "$NFST"/export/.tmp-*-[0-9]*-[0-9]*-* 2>/dev/null) && [[ -n $tmp ]] ||
		check_fail "the export holds '$(ls -A "$NFST/export" | paste -sd' ')', not one temporary directory" || return 1
	(( $(stat -c %s "$tmp/dump" 2>/dev/null || echo 0) <= CUT_AT )) ||
		check_fail "the export's $(basename "$tmp")/dump has $(stat -c %s "$tmp/dump") bytes, more than the $CUT_AT the server got" || bad=1
	echo "  export: $(basename "$tmp")/dump $(stat -c %s "$tmp/dump" 2>/dev/null || echo none) bytes; $(grep -o 'the fallback began .*' "$WORK/during.out")"
	check_log_boot 1 'lkcd: saving the dump at .* as 10\.0\.2\.100:.*/dump' "capture 1 writing to the export" || bad=1
	check_log_boot 1 "lkcd: writing 10\\.0\\.2\\.100:$NFST/export/\\.tmp-[^ ]*/dump: .*\\(the server stopped answering" \
		"capture 1 saying the write to the server failed, and why" || bad=1
	check_log_boot 1 "lkcd: warning: the unfinished dump is left on the server as 10\\.0\\.2\\.100:$NFST/export/\\.tmp-" \
		"capture 1 naming what it left on the server" || bad=1
	check_log_boot 1 'lkcd: saving into DUMPDIR /out instead \(DUMP_NET_FALLBACK=1\), reading the dump again' \
		"the fallback after the cut" || bad=1
	check_log_boot 1 'lkcd: saved /out/0: ' "DUMPDIR/0 saved" || bad=1
	check_log_boot 1 'lkcd-capture: lkcd save finished with status 0' "capture 1's status 0" || bad=1
	check_dumpdir_dump 0/dump.0 || bad=1
	# 2. down: said, DUMPDIR/1
	check_log_boot 2 'lkcd-capture: saving the dump to NFS 10\.0\.2\.100:' "capture 2's try of the server" || bad=1
	check_log_boot 2 "$said" "capture 2 saying which server and why" || bad=1
	check_log_boot 2 'lkcd: saving into DUMPDIR /out instead \(DUMP_NET_FALLBACK=1\)' "capture 2's fallback" || bad=1
	check_log_boot 2 'lkcd-capture: lkcd save finished with status 0' "capture 2's status" || bad=1
	lkcd_show_check "$OUT/1/dump.1" || bad=1
	# 3. no fallback: said, status 3, DUMP_FAIL_ACTION (poweroff)
	check_log_boot 3 "$said" "capture 3 saying which server and why" || bad=1
	check_capture_fail_action 3 2 || bad=1
	[[ $(grep -c 'nfs server stopped' "$WORK/during.out") == 3 ]] ||
		check_fail "the test's nfs server was not stopped three times" || bad=1
	echo "  console: $(grep -ao 'lkcd: .*10\.0\.2\.100:.*/\.tmp-.*' "$LOG" | head -n2 | cut -c1-300 | paste -sd'|')"
	return $bad
}
