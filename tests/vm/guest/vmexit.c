// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmexit: end the test VM with a status the host can read.
 *
 *   vmexit CODE     write CODE (0..255) to QEMU's isa-debug-exit port 0xf4;
 *                   QEMU exits at once with status (CODE << 1) | 1.
 *
 * The Debian cloud kernel has no /dev/port (CONFIG_DEVPORT is off), and
 * busybox has no outb, so this is the guest's only way to hand the host a
 * status that cannot be confused with a reboot, a panic or a timeout.
 * Linked statically: it must run in the capture kernel's initramfs without
 * depending on which libraries were copied in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	unsigned long code;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: vmexit CODE (0..255)\n");
		return 2;
	}
	errno = 0;
	code = strtoul(argv[1], &end, 0);
	if (errno || end == argv[1] || *end || code > 255) {
		fprintf(stderr, "vmexit: bad code '%s'\n", argv[1]);
		return 2;
	}
	sync();
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		fprintf(stderr, "vmexit: ioperm(0x%x): %s\n", DEBUG_EXIT_PORT,
			strerror(errno));
		return 1;
	}
	outb((unsigned char)code, DEBUG_EXIT_PORT);
	/* Only reached when the VM has no isa-debug-exit device. */
	fprintf(stderr, "vmexit: no isa-debug-exit device at 0x%x\n", DEBUG_EXIT_PORT);
	return 1;
}
