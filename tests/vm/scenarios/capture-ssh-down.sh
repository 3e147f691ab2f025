# capture-ssh-down: the dump server goes down between arming and the crash,
# twice.  The production system arms with DUMP_SSH while the test's sshd is
# up (lkcd config logs in first); the guest then asks for the fault and
# crashes only once the host has stopped the sshd and said so (the fault
# handshake, vm_host_fault).
#  1. DUMP_NET_FALLBACK=1: the capture kernel's lkcd save tries the server
#     for DUMP_NET_WAIT (5 s), says which server and why it cannot, and
#     saves into DUMPDIR on the disk; nothing reaches the server.
#  2. (boot 2, the sshd up again for its arming) DUMP_NET_FALLBACK=0,
#     DUMP_FAIL_ACTION=poweroff: the same tries and words, then "not
#     saved", status 3, and the capture does DUMP_FAIL_ACTION: it powers
#     the machine off (the kernel's "reboot: Power down"; DUMP_ACTION is
#     reboot, "Restarting system").  Nothing more in DUMPDIR.  Its capture
#     kernel boots quiet (as lkcd.conf ships it), so the failed capture
#     prints the kernel's log; capture 1 (verbose) does not.
DESCRIPTION="DUMP_SSH: the server down at capture time: said, saved into DUMPDIR; without the fallback, DUMP_FAIL_ACTION"
NEEDS="lkcd module"
VM_BOOTS=3
VM_TIMEOUT=300

# shellcheck source=tests/vm/scenarios/ssh-server.inc
. "$VM_SCENARIOS/ssh-server.inc"

during() {
	trap 'ssh_server_stop' EXIT TERM
	ssh_server_start || return 1
	vm_fault_asked ssh-down-1 240 || return 1
	ssh_server_stop
	vm_fault_in_place ssh-down-1
	# up again once capture 1 is past lkcd save, for boot 2's arming
	vm_wait_log 'lkcd-capture: lkcd save finished' 240 || return 1
	ssh_server_start || return 1
	vm_fault_asked ssh-down-2 280 || return 1
	ssh_server_stop
	vm_fault_in_place ssh-down-2
}

check() {
	local bad=0
	check_file 0/dump.0 || return 1
	# 1. dbclient's words for the connection QEMU drops when nothing listens
	check_log_boot 1 'lkcd-capture: saving the dump to root@10\.0\.2\.100:' "the capture's try of the server" || bad=1
	check_log_boot 1 'lkcd: cannot save to the dump server root@10\.0\.2\.100 port 22 \(.*\): dbclient: .*(Remote closed the connection|Connection reset|Connection refused).* \(gave up after DUMP_NET_WAIT\)' \
		"the capture saying which server and why" || bad=1
	check_log_boot 1 'lkcd: saving into DUMPDIR /out instead \(DUMP_NET_FALLBACK=1\)' "the fallback said" || bad=1
	check_log_boot 1 'lkcd-capture: lkcd save finished with status 0' "the capture's status" || bad=1
	# 2. no fallback: said, status 3, DUMP_FAIL_ACTION (poweroff)
	check_log_boot 2 'lkcd: cannot save to the dump server root@10\.0\.2\.100 port 22 \(.*\): dbclient: .*(Remote closed the connection|Connection reset|Connection refused).* \(gave up after DUMP_NET_WAIT\)' \
		"capture 2 saying which server and why" || bad=1
	check_capture_fail_action 2 || bad=1
	# capture 2 booted quiet: its failed save printed the kernel's log
	# (with the capture kernel's own command line in it); capture 1,
	# verbose and saved, did not
	check_log_boot 2 "lkcd-capture: the capture kernel's log \\(its console was quiet\\):" "capture 2 printing its kernel log" || bad=1
	sed -n "/the capture kernel's log (its console was quiet)/,/end of the capture kernel's log/p" "$WORK/console.2.log" |
		grep -a 'Command line: .* quiet .*crashdump=' >/dev/null ||
		check_fail "capture 2's printed log lacks its kernel's command line" || bad=1
	! sed '/^lkcd-vm-host: the guest rebooted/q' "$LOG" | grep -a "the capture kernel's log" >/dev/null ||
		check_fail "capture 1 (verbose, saved) printed its kernel log" || bad=1
	[[ -z $(ls -A "$SSHT/srv/crash" 2>/dev/null) ]] ||
		check_fail "the server holds $(ls -A "$SSHT/srv/crash" | paste -sd' ')" || bad=1
	lkcd_show_check "$OUT/0/dump.0" || bad=1
	check_makedumpfile_dmesg "$OUT/0/dump.0" "$WORK/dmesg.txt" 'sysrq triggered crash' || bad=1
	grep -q 'sshd stopped' "$WORK/during.out" || check_fail "the test's sshd was not stopped" || bad=1
	return $bad
}
