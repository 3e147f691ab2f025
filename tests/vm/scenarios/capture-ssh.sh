# capture-ssh: DUMP_SSH end to end (issue 16).  The host runs an sshd of its
# own (a host key, a config and an authorized key made here, an unprivileged
# port on 127.0.0.1, in a mount namespace that gives it the privilege
# separation user and /run/sshd without touching the host); the guest's NIC
# is QEMU user networking with restrict=on, whose only way out is guestfwd:
# 10.0.2.100:22 to that sshd, 10.0.2.101:22 to a port where nothing listens
# (a server that is down).  The production system arms with MKINITRD=1:
# lkcd mkinitrd finds the interface on the route to the server, its driver,
# dbclient and the key; before the panic, live snapshots prove the faults
# through the same sink (wrong host key: refused and said, saved into
# DUMPDIR; server down: tried, said, DUMPDIR, or with DUMP_NET_FALLBACK=0
# exit 3; network 10 s late: saved to the server).  The capture kernel boots
# the guest-built initramfs, gets an address by DHCP and sends the dump;
# the dump on the server is read by makedumpfile, crash and libkdumpfile.
# sshd (in during()) is stopped when QEMU ends, by its trap.
# LKCD_VM_CRASHKERNEL=<size> boots with that crashkernel= (the network
# target's floor was measured so: Documentation/admin-guide.rst).
DESCRIPTION="DUMP_SSH: capture initramfs sends the dump to an sshd on the host's loopback (faults: host key, down, late)"
NEEDS="lkcd module"
VM_BOOTS=2
VM_TIMEOUT=420
VM_CRASHKERNEL=${LKCD_VM_CRASHKERNEL:-}

# shellcheck source=tests/vm/scenarios/ssh-server.inc
. "$VM_SCENARIOS/ssh-server.inc"

# The server, for as long as QEMU runs: stopped by the trap when during()
# is stopped, and bounded by timeout should that never come.
during() {
	trap 'ssh_server_stop' EXIT TERM
	ssh_server_start || return 1
	wait "$SSHD_PID"
}

check() {
	local bad=0 dir
	check_log 'lkcd-vm: faults checked' "the production system's fault checks" || return 1
	dir=$(ls -d "$SSHT"/srv/crash/*-* 2>/dev/null | grep -v '\.part$' | tail -n1)
	[[ -n $dir ]] || check_fail "no <host>-<time> directory on the server ($(ls -A "$SSHT/srv/crash" 2>/dev/null | paste -sd' '))" || return 1
	# the late-network snapshot and the capture's dump: two directories, no .part
	[[ $(ls -A "$SSHT/srv/crash" | grep -c .) == 2 ]] ||
		check_fail "the server holds $(ls -A "$SSHT/srv/crash" | paste -sd' '), not two dumps" || bad=1
	ls -A "$SSHT/srv/crash" | grep -q '\.part$' && { check_fail "a .part directory was left on the server"; bad=1; }
	check_log 'lkcd-capture: eth0 \(52:54:00:12:34:56\): asking for an address by DHCP' "the capture's DHCP" || bad=1
	check_log 'lkcd: saved root@10\.0\.2\.100:' "the capture's save to the server" || bad=1
	check_log 'lkcd-capture: lkcd save finished with status 0' "the capture's save status" || bad=1
	check_server_dump || bad=1
	local size
	size=$(cat "$OUT/notes/initrd-size" 2>/dev/null)
	(( ${size:-0} > 0 && size < 5 * 1024 * 1024 )) ||
		check_fail "the guest-built capture initramfs is ${size:-?} bytes, not under 5 MiB" || bad=1
	echo "  guest-built initramfs $(cat "$OUT/notes/initrd-size" 2>/dev/null) bytes"
	grep -q 'sshd stopped' "$WORK/during.out" || check_fail "the test's sshd was not stopped by its trap" || bad=1
	return $bad
}
