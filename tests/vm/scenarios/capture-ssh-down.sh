# capture-ssh-down: the dump server goes down between arming and the crash.
# The production system arms with DUMP_SSH while the test's sshd is up
# (lkcd config logs in first); when the guest says it crashes, the host
# stops the sshd.  The capture kernel's lkcd save tries the server for
# DUMP_NET_WAIT (5 s), says which server and why it cannot, and saves into
# DUMPDIR on the disk (DUMP_NET_FALLBACK=1); nothing reaches the server.
DESCRIPTION="DUMP_SSH: the server down at capture time: said, saved into DUMPDIR instead"
NEEDS="lkcd module"
VM_BOOTS=2
VM_TIMEOUT=300

# shellcheck source=tests/vm/scenarios/ssh-server.inc
. "$VM_SCENARIOS/ssh-server.inc"

during() {
	trap 'ssh_server_stop' EXIT TERM
	ssh_server_start || return 1
	vm_wait_log 'lkcd-vm: crashing via sysrq c' 240 || return 1
	ssh_server_stop
}

check() {
	local bad=0
	check_file 0/dump.0 || return 1
	check_log 'lkcd-capture: saving the dump to root@10\.0\.2\.100:' "the capture's try of the server" || bad=1
	# dbclient's words for the connection QEMU drops when nothing listens
	check_log 'lkcd: cannot save to the dump server root@10\.0\.2\.100 port 22 \(.*\): dbclient: .*(Remote closed the connection|Connection reset|Connection refused).* \(gave up after DUMP_NET_WAIT\)' \
		"the capture saying which server and why" || bad=1
	check_log 'lkcd: saving into DUMPDIR /out instead \(DUMP_NET_FALLBACK=1\)' "the fallback said" || bad=1
	check_log 'lkcd-capture: lkcd save finished with status 0' "the capture's status" || bad=1
	[[ -z $(ls -A "$SSHT/srv/crash" 2>/dev/null) ]] ||
		check_fail "the server holds $(ls -A "$SSHT/srv/crash" | paste -sd' ')" || bad=1
	lkcd_show_check "$OUT/0/dump.0" || bad=1
	check_makedumpfile_dmesg "$OUT/0/dump.0" "$WORK/dmesg.txt" 'sysrq triggered crash' || bad=1
	grep -q 'sshd stopped' "$WORK/during.out" || check_fail "the test's sshd was not stopped" || bad=1
	return $bad
}
