# capture-ssh-late: the capture kernel's network comes up 10 s late (issue
# 16).  The production system arms with DUMP_SSH (DUMP_NET_WAIT at its
# default, 60 s) while the link is up; then it asks the host to take the
# link down (QEMU's set_link on the NIC's netdev: the guest sees its
# carrier go) and crashes once eth0 has lost its carrier.  The capture
# kernel boots with no carrier: its DHCP gets no lease in 8 s (said), its
# lkcd save's first try finds no network (said); 10 s after that line the
# host puts the link up again (18 s after the capture began to ask for an
# address; started by the capture's own line, so it cannot come before the
# capture found the network missing).  udhcpc's lease must come, lkcd save
# must try again and save to the server; the dump there is judged as
# capture-ssh's.  The link rather than the sshd comes up late:
# a late network is what the issue names (a NIC without carrier, no DHCP
# lease, no route), and the capture's own DHCP is part of what is proven;
# a late sshd with the network up is capture-ssh-down's kind of fault.
DESCRIPTION="DUMP_SSH: the capture's link comes up 10 s after its first try: DHCP and lkcd save retry, saved to the server"
NEEDS="lkcd module"
VM_BOOTS=2
VM_TIMEOUT=300

# shellcheck source=tests/vm/scenarios/ssh-server.inc
. "$VM_SCENARIOS/ssh-server.inc"

during() {
	trap 'ssh_server_stop' EXIT TERM
	ssh_server_start || return 1
	vm_wait_log 'lkcd-vm: link down, please' 240 || return 1
	vm_set_link n0 off || return 1
	vm_wait_log 'lkcd: dump server root@10\.0\.2\.100 port 22 not reached yet' 240 || return 1
	sleep 10
	vm_set_link n0 on || return 1
	echo "the link up 10 s after the capture's first try of the server"
	wait "$SSHD_PID"
}

check() {
	local bad=0
	grep -q '^the link up 10 s after the capture' "$WORK/during.out" ||
		check_fail "the host never put the link up again ($(paste -sd' ' "$WORK/during.out"))" || return 1
	check_log 'lkcd-vm: eth0 has no carrier' "the production system seeing the link down" || bad=1
	check_log 'lkcd-capture: eth0: no DHCP lease yet \(no carrier: the link is down\); asking on in the background' \
		"the capture saying its link is down" || bad=1
	check_log 'lkcd-capture: eth0 has [0-9.]+/[0-9]+ \(DHCP\)' "the capture's late lease" || bad=1
	check_log 'lkcd: dump server root@10\.0\.2\.100 port 22 not reached yet \(.*\); trying again in [0-9]+ s' \
		"the capture's retry while the link was down" || bad=1
	check_log 'lkcd: saved root@10\.0\.2\.100:' "the capture's save to the server" || bad=1
	check_log 'lkcd-capture: lkcd save finished with status 0' "the capture's save status" || bad=1
	grep -aq 'saving into DUMPDIR' "$LOG" && { check_fail "the capture fell back to DUMPDIR"; bad=1; }
	[[ $(ls -A "$SSHT/srv/crash" | grep -c .) == 1 ]] && ! ls -A "$SSHT/srv/crash" | grep -q '\.part$' ||
		check_fail "the server holds $(ls -A "$SSHT/srv/crash" | paste -sd' '), not one dump" || bad=1
	echo "  $(grep -ac 'not reached yet' "$LOG") tries while the link was down; $(grep -a 'lkcd-capture: eth0 has' "$LOG" | tr -d '\r' | head -n1)"
	check_server_dump || bad=1
	grep -q 'sshd stopped' "$WORK/during.out" || check_fail "the test's sshd was not stopped by its trap" || bad=1
	return $bad
}
