// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd test: crash the kernel on purpose, to prove that the set-up really
 * takes a dump (kdump's "echo c > /proc/sysrq-trigger", with guard rails).
 *
 * It refuses unless the dumper is armed (a crash that saves nothing proves
 * nothing and loses the machine for nothing), and unless the admin types
 * the word "crash" at a terminal or passes --yes.  Filesystems are synced
 * first.  /proc/sysrq-trigger works whatever kernel.sysrq says.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lkcd.h"

/* How long a crash may take to stop us before we say it did not happen. */
#define CRASH_WAIT_SECONDS	10

static bool confirmed_at_terminal(void)
{
	char answer[32];

	if (!isatty(STDIN_FILENO)) {
		errmsg("test: refusing to crash the kernel without confirmation: standard input "
		       "is not a terminal (use --yes)");
		return false;
	}
	printf("This crashes the running kernel NOW: every process dies, unsaved data is lost,\n"
	       "and the machine reboots through the capture kernel, which saves the dump.\n"
	       "Type 'crash' to go on: ");
	fflush(stdout);
	if (!fgets(answer, sizeof(answer), stdin) || strcmp(answer, "crash\n")) {
		errmsg("test: not confirmed; nothing done");
		return false;
	}
	return true;
}

static void test_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options]\n\n"
		"Crash the kernel now (sysrq c) to prove that a dump is taken and saved.\n"
		"Refused unless lkcd is armed (see lkcd status).\n\n"
		"  -y, --yes            do not ask for confirmation\n"
		"  -h, --help           show this help\n"
		"\nExit: does not return when the crash happens; 1 refused or failed,\n"
		"4 not armed.\n", prog, cmd);
}

int cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char trigger[4096];
	const char *why;
	bool yes = false;
	int c, err, rc;

	while ((c = getopt_long(argc, argv, "yh", opts, NULL)) != -1) {
		switch (c) {
		case 'y':
			yes = true;
			break;
		default:
			if ((rc = cmd_option(c, test_usage, argv[0])) >= 0)
				return rc;
		}
	}
	if (cmd_operands(argc, argv, 0) != EXIT_OK)
		return EXIT_FAIL;
	if (!dumper_armed(&why)) {
		errmsg("test: refusing to crash the kernel: no dump would be taken: %s", why);
		return EXIT_NOTARMED;
	}
	if (!yes && !confirmed_at_terminal())
		return EXIT_FAIL;

	/* sys_path() reuses its buffers: take a copy after dumper_armed() */
	snprintf(trigger, sizeof(trigger), "%s", sys_path("/proc/sysrq-trigger"));
	sync();
	printf("crashing the kernel through %s\n", trigger);
	fflush(stdout);
	err = write_text(trigger, "c");
	if (err) {
		errmsg("test: %s: %s", trigger, strerror(-err));
		return EXIT_FAIL;
	}
	if (getenv("LKCD_SYSROOT"))	/* a fake tree in the tests: nothing crashes */
		return EXIT_OK;
	sleep(CRASH_WAIT_SECONDS);
	errmsg("test: the kernel is still running %d s after the crash request", CRASH_WAIT_SECONDS);
	return EXIT_FAIL;
}
