// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd unload: disarm, what kdumpctl stop and kdump-config unload do, and
 * what the arming unit's stop runs.  The capture kernel is unloaded
 * (kexec -p -u) and lkcd.ko's dump level set to none, so a panic neither
 * dumps nor boots a capture kernel.  The module stays loaded: a held
 * snapshot and /dev/lkcd keep working, and lkcd config arms again.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "lkcd.h"
#include "lkcd/params.h"

int disarm(bool dry_run)
{
	char *argv[] = { "kexec", "-p", "-u", NULL };
	const char *level = sys_path("/proc/sys/kernel/dump/level");
	char buf[16];
	int st, ret;

	if (dry_run) {
		printf("would run kexec -p -u and set %s to 0 (none)\n", level);
		return EXIT_OK;
	}
	if (read_text(sys_path("/sys/kernel/kexec_crash_loaded"), buf, sizeof(buf)) < 0 ||
	    strcmp(buf, "0")) {
		st = run_command(argv);
		if (st) {
			errmsg("kexec -p -u exited with status %d: the capture kernel may still be loaded",
			       st);
			return EXIT_FAIL;
		}
	}
	if (access(level, F_OK) == 0) {
		snprintf(buf, sizeof(buf), "%u", LKCD_LEVEL_NONE);
		ret = write_text(level, buf);
		if (ret < 0) {
			errmsg("cannot set %s to none: %s", level, strerror(-ret));
			return EXIT_FAIL;
		}
	}
	printf("disarmed: capture kernel unloaded%s\n",
	       access(level, F_OK) == 0 ? ", dump level none" : " (lkcd.ko not loaded)");
	return EXIT_OK;
}

static void unload_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options]\n\n"
		"Disarm the crash dumper: unload the capture kernel (kexec -p -u) and set\n"
		"lkcd.ko's dump level to none.  lkcd config arms it again.\n\n"
		"  -n, --dry-run        print what would be done, change nothing\n"
		"  -h, --help           show this help\n"
		"\nExit: 0 disarmed, 1 failure.\n", prog, cmd);
}

int cmd_unload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool dry_run = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		default:
			if ((rc = cmd_option(c, unload_usage, argv[0])) >= 0)
				return rc;
		}
	}
	if (cmd_operands(argc, argv, 0) != EXIT_OK)
		return EXIT_FAIL;
	return disarm(dry_run);
}
