# capture-nfs: DUMP_NFS end to end (issue 16).  The host runs nfs-ganesha
# (Debian's userspace NFS server) in namespaces of its own, exporting a
# test directory over NFSv3/TCP (nfs-server.inc); the guest's NIC is QEMU
# user networking with restrict=on, whose only way out is guestfwd to that
# server's nfsd and mountd ports (10.0.2.100) and to ports where nothing
# listens (10.0.2.101: a server that is down).  The production system arms
# with MKINITRD=1 (lkcd config mounts the export and writes a probe first);
# before the panic, live snapshots prove the server-down fault through the
# same sink (tried, said, DUMPDIR; with DUMP_NET_FALLBACK=0 exit 3).  Then
# the capture's network comes up late, as capture-ssh-late's: the host takes
# the link down (QEMU's set_link) before the panic and up again 10 s after
# the capture's lkcd save said its first try of the server failed (so not
# before it).  The capture kernel boots the guest-built initramfs, gets no
# DHCP lease at first (said), tries the mount again with backoff
# (DUMP_NET_WAIT=60), gets its lease once the link is up, mounts the export
# with mount(2) (no mount.nfs, no rpcbind) and writes <export>/<host>-<time>/;
# makedumpfile, crash and libkdumpfile read the dump there.  The server (in
# during()) is stopped when QEMU ends, by its trap.
# LKCD_VM_CRASHKERNEL=<size> boots with that crashkernel= (the network
# target's floor was measured so: Documentation/admin-guide.rst).
DESCRIPTION="DUMP_NFS: capture initramfs mounts an NFS export on the host's loopback and saves there (faults: down, link up 10 s late)"
NEEDS="lkcd module"
VM_BOOTS=2
VM_TIMEOUT=420
VM_CRASHKERNEL=${LKCD_VM_CRASHKERNEL:-}

# shellcheck source=tests/vm/scenarios/nfs-server.inc
. "$VM_SCENARIOS/nfs-server.inc"

during() {
	trap 'nfs_server_stop' EXIT TERM
	nfs_server_start || return 1
	vm_wait_log 'lkcd-vm: link down, please' 360 || return 1
	vm_set_link n0 off || return 1
	vm_wait_log 'lkcd: NFS server 10\.0\.2\.100 not reached yet' 240 || return 1
	sleep 10
	vm_set_link n0 on || return 1
	echo "the link up 10 s after the capture's first try of the server"
	wait "$NFS_PID"
}

check() {
	local bad=0 dir dump entries
	check_log 'lkcd-vm: faults checked' "the production system's fault checks" || return 1
	entries=$(ls -A "$NFST/export" | paste -sd' ')
	# the capture's dump only: the probe removed, no temporary directory
	[[ $entries =~ ^[A-Za-z0-9._-]+-[0-9]{8}-[0-9]{6}$ ]] ||
		check_fail "the export holds '$entries', not one <host>-<time> directory" || return 1
	dir=$NFST/export/$entries
	check_log 'lkcd-capture: eth0 \(52:54:00:12:34:56\): asking for an address by DHCP' "the capture's DHCP" || bad=1
	# the late link: no lease at first, retried, then saved (no fallback)
	grep -q '^the link up 10 s after the capture' "$WORK/during.out" ||
		check_fail "the host never put the link up again ($(paste -sd' ' "$WORK/during.out"))" || bad=1
	check_log 'lkcd-vm: eth0 has no carrier' "the production system seeing the link down" || bad=1
	check_log 'lkcd-capture: eth0: no DHCP lease yet \(no carrier: the link is down\); asking on in the background' \
		"the capture saying its link is down" || bad=1
	check_log 'lkcd: NFS server 10\.0\.2\.100 not reached yet \(.*\); trying again in [0-9]+ s' \
		"the capture's retry while the link was down" || bad=1
	check_log 'lkcd-capture: eth0 has [0-9.]+/[0-9]+ \(DHCP\)' "the capture's late lease" || bad=1
	grep -aq 'saving into DUMPDIR' <(sed -n '/lkcd-vm: crashing via sysrq c/,$p' "$LOG") &&
		{ check_fail "the capture fell back to DUMPDIR"; bad=1; }
	check_log "lkcd: saved 10\.0\.2\.100:$NFST/export/$entries: " "the capture's save to the server" || bad=1
	check_log 'lkcd-capture: lkcd save finished with status 0' "the capture's save status" || bad=1
	[[ -f $dir/dump && -f $dir/analysis && -f $dir/dmesg ]] ||
		check_fail "$dir lacks dump, analysis or dmesg" || return 1
	[[ $(stat -c %a "$dir/dump") == 600 && $(stat -c %a "$dir") == 700 ]] ||
		check_fail "modes: dump $(stat -c %a "$dir/dump"), directory $(stat -c %a "$dir")" || bad=1
	grep -q 'sysrq triggered crash' "$dir/dmesg" || check_fail "dmesg on the server lacks the panic" || bad=1
	dump=$dir/dump
	lkcd_show_check "$dump" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" 'sysrq triggered crash' || bad=1
	check_crash "$dump" 'sysrq triggered crash' || bad=1
	local pages size
	pages=$(dump_pages_in "$dump" 0x1000000 0x200000)
	(( ${pages:-0} > 0 )) || check_fail "libkdumpfile reads no page of the kernel's first 2 MiB at 16 MiB" || bad=1
	size=$(cat "$OUT/notes/initrd-size" 2>/dev/null)
	(( ${size:-0} > 0 && size < 5 * 1024 * 1024 )) ||
		check_fail "the guest-built capture initramfs is ${size:-?} bytes, not under 5 MiB" || bad=1
	echo "  $(grep -ac 'NFS server 10\.0\.2\.100 not reached yet' "$LOG") tries while the link was down: $(grep -ao 'NFS server 10\.0\.2\.100 not reached yet ([^)]*)' "$LOG" | head -n1); $(grep -a 'lkcd-capture: eth0 has' "$LOG" | tr -d '\r' | head -n1)"
	echo "  server: $entries, dump $(stat -c %s "$dump") bytes; libkdumpfile read $pages pages at 16 MiB; guest-built initramfs $size bytes; modules: $(cat "$OUT/notes/initrd-modules" 2>/dev/null)"
	grep -q 'nfs server stopped' "$WORK/during.out" || check_fail "the test's nfs server was not stopped by its trap" || bad=1
	return $bad
}
