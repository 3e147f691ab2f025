# capture-ssh-fallback: two captures whose server fails them, each saved
# into DUMPDIR instead (DUMP_NET_FALLBACK=1, issue 16).  The guest arms the
# same way both times (DUMP_SSH, the test's sshd up: lkcd config logs in);
# the host makes the fault.
#  1. The server disappears mid-transfer: once the capture's
#     .NAME.part/dump.flat on the server has CUT_AT bytes, the host kills
#     the sshd with every session it started.  The server must keep only
#     the .part directory (no final name, dump.flat without the flattened
#     end marker); the capture says the transfer failed, reads the dump
#     again and saves DUMPDIR/0, judged by makedumpfile, crash and
#     libkdumpfile.
#  2. The server's host key is not the one the capture knows: when boot 2
#     asks for the fault, the host puts an sshd with another host key in
#     the first one's place (no moment without a server), and boot 2
#     crashes once the host has said so (the fault handshake).  The capture must refuse
#     it at once (no retry), say so naming the server, and save DUMPDIR/1.
#     Boot 2 arms with DUMP_NET_ADDRESS=static: its capture must set the
#     production interface's address (10.0.2.15/24, the lease lkcd config
#     found on eth0) and route itself, never ask DHCP, and reach the server
#     over them: the refusal needs the server's host key, so TCP and the
#     SSH key exchange went through.
DESCRIPTION="DUMP_SSH: the server killed mid-transfer, then a wrong host key: no final name on the server, DUMPDIR both times"
NEEDS="lkcd module"
VM_BOOTS=3
VM_TIMEOUT=300
# bytes of dump.flat the server takes before it is killed: its dump
# stream stops at exactly this many (sshd_config.cut below), so the kill
# comes before the end marker whatever the speed of guest and host; the
# dump at level kern is about 19 MB
CUT_AT=$((1024 * 1024))

# shellcheck source=tests/vm/scenarios/ssh-server.inc
. "$VM_SCENARIOS/ssh-server.inc"

# The server of capture 1: every command runs as asked, except the dump's
# stream (`cat > '.../dump.flat'`), which takes CUT_AT bytes and then no
# more (the session held open, unread) until the host kills the server
printf '%s\n' '#!/bin/sh' \
	'case "$SSH_ORIGINAL_COMMAND" in' \
	"*\"/dump.flat'\") f=\${SSH_ORIGINAL_COMMAND#*cat > \\'}; f=\${f%\\'}; umask 077; head -c $CUT_AT >\"\$f\"; exec sleep 3600 ;;" \
	'*) exec sh -c "$SSH_ORIGINAL_COMMAND" ;;' 'esac' >"$SSHT/bin/cut-at"
chmod 755 "$SSHT/bin/cut-at"
{ cat "$SSHT/sshd_config"; echo "ForceCommand $SSHT/bin/cut-at"; } >"$SSHT/sshd_config.cut"

during() {
	local i size=0
	trap 'ssh_server_stop' EXIT TERM
	ssh_server_start "$SSHT/sshd_config.cut" || return 1
	# 1. killed once the dump on the server has its CUT_AT bytes
	vm_wait_log 'lkcd-vm: crashing via sysrq c' 240 || return 1
	for i in $(seq 1 4000); do
		size=$(ssh_part_size)
		(( size >= CUT_AT )) && break
		sleep 0.05
	done
	(( size >= CUT_AT )) || { echo "the server's dump.flat never reached $CUT_AT bytes ($size)"; return 1; }
	ssh_server_kill
	echo "killed at $size bytes of dump.flat; $(ssh_part_size) bytes when the sessions were gone"
	# the server back once capture 1 is past lkcd save, for boot 2's arming
	vm_wait_log 'lkcd-capture: lkcd save finished' 240 || return 1
	ssh_server_start || return 1
	# 2. another host key from boot 2's crash on
	vm_fault_asked ssh-hostkey-2 280 || return 1
	ssh_server_replace "$SSHT/sshd_config.wrong" || return 1
	vm_fault_in_place ssh-hostkey-2
	wait "$SSHD_PID"
}

check() {
	local bad=0 part end
	grep -q '^killed at ' "$WORK/during.out" ||
		check_fail "the host never killed the server ($(paste -sd' ' "$WORK/during.out"))" || return 1
	grep -q '^sshd replaced by one with sshd_config.wrong' "$WORK/during.out" ||
		check_fail "the host never changed the server's host key ($(paste -sd' ' "$WORK/during.out"))" || return 1
	# the server: capture 1's .part directory and nothing else
	[[ $(ls -A "$SSHT/srv/crash" | grep -c .) == 1 ]] &&
		part=$(ls -d "$SSHT"/srv/crash/.*.part 2>/dev/null) && [[ -n $part ]] ||
		check_fail "the server holds $(ls -A "$SSHT/srv/crash" | paste -sd' '), not one .part directory" || return 1
	end=$(tail -c 16 "$part/dump.flat" | od -An -tx1 | tr -d ' \n')
	[[ $end != ffffffffffffffffffffffffffffffff ]] ||
		check_fail "the server's dump.flat ends with the end marker: the transfer ended before the kill" || bad=1
	(( $(stat -c %s "$part/dump.flat") == CUT_AT )) ||
		check_fail "the server's dump.flat has $(stat -c %s "$part/dump.flat") bytes, not the $CUT_AT its stream took" || bad=1
	echo "  server: $(basename "$part")/dump.flat cut at $(stat -c %s "$part/dump.flat") bytes"
	# 1. cut: said, read again, DUMPDIR/0
	check_log_boot 1 'lkcd: sending the dump to root@10\.0\.2\.100:.* failed' "the cut transfer said" || bad=1
	check_log_boot 1 'lkcd: saving into DUMPDIR /out instead \(DUMP_NET_FALLBACK=1\), reading the dump again' \
		"the fallback after the cut" || bad=1
	check_log_boot 1 'lkcd: saved /out/0: ' "DUMPDIR/0 saved" || bad=1
	check_log_boot 1 'lkcd-capture: lkcd save finished with status 0' "capture 1's status 0" || bad=1
	check_dumpdir_dump 0/dump.0 || bad=1
	# 2. the static address: set from the initramfs, no DHCP
	check_log_boot 2 'lkcd-capture: eth0 \(52:54:00:12:34:56\) has 10\.0\.2\.15/24 \(static\)' \
		"capture 2's static address (DUMP_NET_ADDRESS=static)" || bad=1
	sed -n '/lkcd-vm: crashing via sysrq c/,$p' "$WORK/console.2.log" | grep -a 'asking for an address by DHCP' >/dev/null &&
		{ check_fail "capture 2 asked DHCP with DUMP_NET_ADDRESS=static"; bad=1; }
	# 2. host key: refused at once, said with the server's name, DUMPDIR/1
	check_log_boot 2 'lkcd: cannot save to the dump server root@10\.0\.2\.100 port 22 \(.*\): .*[Hh]ost key' \
		"the wrong host key refused, naming the server" || bad=1
	grep -aq 'not reached yet' "$WORK/console.2.log" &&
		{ check_fail "run 2's capture tried the server with the wrong host key again"; bad=1; }
	check_log_boot 2 'lkcd: saving into DUMPDIR /out instead \(DUMP_NET_FALLBACK=1\)' "the fallback after the refusal" || bad=1
	check_log_boot 2 'lkcd-capture: lkcd save finished with status 0' "capture 2's status 0" || bad=1
	check_file 1/dump.1 && lkcd_show_check "$OUT/1/dump.1" || bad=1
	grep -q 'sshd stopped' "$WORK/during.out" || check_fail "the test's sshd was not stopped by its trap" || bad=1
	return $bad
}
