# Host part of snapshot-key (see snapshot-key.guest).
DESCRIPTION="Alt+SysRq+d as keyboard scancodes through the i8042: a live snapshot, saved, judged by makedumpfile and crash"
NEEDS="lkcd module"
VM_TIMEOUT=600

# The key press: the guest cannot reach QEMU's monitor (the harness gives it
# none, so `sendkey alt-sysrq-d` is not possible), so it puts the scancodes
# (set 1, as the controller hands them over in translated mode: Alt 0x38,
# SysRq-with-Alt 0x54, d 0x20, then the releases) into the emulated i8042's
# output buffer with the controller command 0xD2 ("write keyboard output
# buffer").  From the keyboard interrupt on, the kernel path is the real
# one: i8042 -> atkbd -> input core -> the SysRq input filter, which checks
# kernel.sysrq's enable mask as it does for a physical keyboard.
SNAP_KEY_BIN=$VM_BUILD/snapshot-key/i8042-key
BINARIES=$SNAP_KEY_BIN
VM_APPEND="lkcd_key_bin=$SNAP_KEY_BIN"
mkdir -p "$(dirname "$SNAP_KEY_BIN")"
if [[ ! -x $SNAP_KEY_BIN || $VM_SCENARIOS/snapshot-key.sh -nt $SNAP_KEY_BIN ]]; then
	gcc -static -O2 -Wall -Werror -x c -o "$SNAP_KEY_BIN" - <<'CEOF' || vm_die "snapshot-key: cannot build i8042-key"
/* i8042-key BYTE...: feed set-1 scancodes to the i8042 as keyboard input. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <unistd.h>

static int wait_input_empty(void)
{
	for (int i = 0; i < 100000; i++) {
		if (!(inb(0x64) & 0x02))
			return 0;
		usleep(10);
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (ioperm(0x60, 5, 1) < 0) {
		perror("ioperm 0x60-0x64");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		unsigned long b = strtoul(argv[i], NULL, 0);

		if (wait_input_empty() < 0)
			return fprintf(stderr, "i8042 input buffer stays full\n"), 1;
		outb(0xd2, 0x64);	/* write keyboard output buffer */
		if (wait_input_empty() < 0)
			return fprintf(stderr, "i8042 input buffer stays full\n"), 1;
		outb((unsigned char)b, 0x60);
		usleep(50000);		/* the interrupt handler takes it */
	}
	return 0;
}
CEOF
fi

# the crash helpers (SNAP_CRASH_CMDS, snap_check_crash_out) are the
# sibling scenario's; take them without its settings
eval "$(sed -n '/^SNAP_CRASH_CMDS=/,/^check() {/p' "$VM_SCENARIOS/snapshot-sysrq.sh" | sed '$d')"

check() {
	local bad=0 n id dump rc
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	id=$(cat "$OUT/notes/boot-id")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	echo "  held: $(cat "$OUT/notes/state-held")"
	"$VM_TOP/build/bin/lkcd" show "$dump" >"$WORK/lkcd-show.txt" 2>&1 ||
		check_fail "lkcd show dump.$n failed" || bad=1
	grep -q "live snapshot (SysRq d), no panic" "$WORK/lkcd-show.txt" ||
		check_fail "lkcd show does not name the SysRq d live snapshot" || bad=1
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg.txt" "key marker $id" || bad=1
	grep -aq "sysrq: lkcd: memory snapshot" "$WORK/dmesg.txt" ||
		check_fail "the snapshot's log lacks the SysRq action line" || bad=1
	run_crash_snapshot "$dump" "$SNAP_CRASH_CMDS" "$WORK/crash.txt"
	rc=$?
	if (( rc == 0 )); then
		snap_check_crash_out "$WORK/crash.txt" "key marker $id" || bad=1
		# with the CPUs' NT_PRSTATUS notes it is an ordinary dump, no
		# "LIVE DUMP" (the SNAP note is only for a module without them)
		! grep -q "LIVE DUMP" "$WORK/crash.txt" ||
			check_fail "crash opens the snapshot as a LIVE DUMP: lkcd save wrote the SNAP note, so no CPU notes" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash failed (status $rc): $(tail -n3 "$WORK/crash.txt" | paste -sd' ')" || bad=1
	fi
	return $bad
}
