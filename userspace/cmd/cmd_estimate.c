// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd estimate: the crashkernel= this machine needs, from what lkcd was
 * measured to need, with each part and its reason.
 *
 * The measured part (Documentation/performance.rst, "Smallest
 * crashkernel="): Debian's 6.1 kernel with lkcd's own capture initramfs
 * (3195 KiB) saves at 80M and not at 72M, in 1 and 4 GiB guests; at 72M it
 * runs out of memory unpacking the initramfs, before /init.  lkcd save
 * itself streams: its memory does not grow with the dump.  What was not
 * measured is said to be an allowance: a larger initramfs (kept packed and
 * unpacked while the kernel unpacks it) and memory past 4 GiB.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "lkcd.h"

#define FLOOR_MIB		80	/* measured: saves at 80M, not at 72M */
#define MEASURED_INITRD_KIB	3195	/* the initramfs of that measurement */
#define MEASURED_RAM_GIB	4	/* the largest guest measured */
#define HEADROOM_MIB		16	/* two of the bisection's 8 MiB steps */
#define PER_DOUBLING_MIB	8	/* allowance per doubling of memory past 4 GiB */

/* MemTotal in KiB, or 0 */
static unsigned long long mem_total_kib(void)
{
	char line[256];
	unsigned long long kib = 0;
	FILE *f = fopen(sys_path("/proc/meminfo"), "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* The capture initramfs lkcd config loads: KEXEC_INITRD, else mkinitrd's default. */
static void capture_initrd(const struct lkcd_conf *conf, char *path, size_t len)
{
	struct utsname u;

	if (conf->kexec_initrd[0]) {
		snprintf(path, len, "%s", conf->kexec_initrd);
		return;
	}
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	snprintf(path, len, conf->mkinitrd ? "/var/lib/lkcd/capture-initrd-%s.img" :
		 "/boot/initrd.img-%s", u.release);
}

static void estimate_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options]\n\n"
		"Print the crashkernel= this machine needs for lkcd, then each part of it\n"
		"and why: the measured floor, this machine's capture initramfs and memory,\n"
		"headroom, and whether this boot's reservation is enough.\n\n"
		"  -q, --quiet          print only the crashkernel=SIZE line\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -h, --help           show this help\n"
		"\nExit: 0, 1 when memory or the configuration cannot be read.\n",
		prog, cmd, LKCD_CONF_PATH);
}

int cmd_estimate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long kib, initrd_kib = MEASURED_INITRD_KIB, extra_initrd = 0, extra_ram = 0;
	unsigned long long total, reserved = 0;
	struct lkcd_conf conf;
	char initrd[4096], buf[64];
	bool quiet = false, have_initrd;
	struct stat st;
	int c, rc;

	while ((c = getopt_long(argc, argv, "qc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		default:
			if ((rc = cmd_option(c, estimate_usage, argv[0])) >= 0)
				return rc;
		}
	}
	if (cmd_operands(argc, argv, 0) != EXIT_OK)
		return EXIT_FAIL;
	if (load_config(&conf) < 0)
		return EXIT_FAIL;
	kib = mem_total_kib();
	if (!kib) {
		errmsg("estimate: no MemTotal in %s", sys_path("/proc/meminfo"));
		return EXIT_FAIL;
	}
	capture_initrd(&conf, initrd, sizeof(initrd));
	have_initrd = stat(initrd, &st) == 0;
	if (have_initrd)
		initrd_kib = ((unsigned long long)st.st_size + 1023) / 1024;
	/* packed and unpacked side by side while the kernel unpacks: 4x the image */
	if (initrd_kib > MEASURED_INITRD_KIB)
		extra_initrd = ((initrd_kib - MEASURED_INITRD_KIB) * 4 + 1023) / 1024;
	for (unsigned long long g = MEASURED_RAM_GIB; kib > g << 20; g *= 2)
		extra_ram += PER_DOUBLING_MIB;
	total = FLOOR_MIB + extra_initrd + extra_ram + HEADROOM_MIB;
	total = (total + 15) / 16 * 16;
	printf("crashkernel=%lluM\n", total);
	if (quiet)
		return EXIT_OK;
	printf("  %3d MiB  measured floor: Debian's 6.1 capture kernel with lkcd's %d KiB initramfs\n"
	       "           saves at 80M and not at 72M, with 1 and 4 GiB of memory\n"
	       "           (Documentation/performance.rst, \"Smallest crashkernel=\")\n",
	       FLOOR_MIB, MEASURED_INITRD_KIB);
	printf("  %+3lld MiB  capture initramfs %s: %s%llu KiB%s\n", extra_initrd, initrd,
	       have_initrd ? "" : "not built yet, taken as ", initrd_kib,
	       extra_initrd ? " (the part past the measured one, 4x: packed and unpacked)" :
	       " (no larger than the measured one)");
	printf("  %+3lld MiB  memory %.1f GiB%s\n", extra_ram, kib / 1048576.0,
	       extra_ram ? ": past the 4 GiB measured, an allowance of 8 MiB per doubling "
			   "(not measured)" : ": within what was measured");
	printf("  %+3d MiB  headroom: two of the measurement's 8 MiB steps\n", HEADROOM_MIB);
	printf("           rounded up to a multiple of 16 MiB\n");
	if (read_text(sys_path("/sys/kernel/kexec_crash_size"), buf, sizeof(buf)) == 0)
		reserved = strtoull(buf, NULL, 0) >> 20;
	if (!reserved)
		printf("this boot reserves nothing: add crashkernel=%lluM to the kernel command line\n",
		       total);
	else
		printf("this boot reserves %llu MiB (%s): %s\n", reserved,
		       sys_path("/sys/kernel/kexec_crash_size"),
		       reserved >= total ? "enough" : "less than the estimate");
	return EXIT_OK;
}
