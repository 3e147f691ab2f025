# Host part of snapshot-lockdown (see snapshot-lockdown.guest).
DESCRIPTION="kernel lockdown (confidentiality): SysRq d, the sysctl and lkcd snapshot are refused"
NEEDS="lkcd module"

# Lockdown at confidentiality also forbids raw I/O ports, and the guest
# hands its verdict to QEMU through isa-debug-exit with ioperm() (vmexit).
# An I/O permission taken before lockdown stays with its process, so the
# guest starts this keeper first and points /sbin/vmexit at it.
SNAP_KEEPER=$VM_BUILD/snapshot-lockdown/portkeeper
BINARIES=$SNAP_KEEPER
VM_APPEND="lkcd_portkeeper=$SNAP_KEEPER"
mkdir -p "$(dirname "$SNAP_KEEPER")"
if [[ ! -x $SNAP_KEEPER || $VM_SCENARIOS/snapshot-lockdown.sh -nt $SNAP_KEEPER ]]; then
	gcc -static -O2 -Wall -Werror -x c -o "$SNAP_KEEPER" - <<'CEOF' || vm_die "snapshot-lockdown: cannot build portkeeper"
/* portkeeper FIFO: take the debug-exit port now, write the code read from FIFO later. */
#include <stdio.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	FILE *f;
	int code;

	if (argc != 2 || ioperm(0xf4, 1, 1)) {
		perror("portkeeper: ioperm(0xf4)");
		return 1;
	}
	f = fopen(argv[1], "r");
	if (!f || fscanf(f, "%d", &code) != 1)
		return 1;
	outb((unsigned char)code, 0xf4);
	return 0;
}
CEOF
fi

check() {
	check_log "lkcd: SysRq d: snapshot refused: the kernel is locked down" "the SysRq refusal"
}
