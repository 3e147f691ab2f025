// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd: configure the crash dumper, save and inspect dumps.
 *
 *   lkcd [-c FILE] COMMAND [options]
 *
 * LKCD's command names (config, save, query) plus show, list and status.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "lkcd.h"

const char *prog = "lkcd";
const char *conf_path = LKCD_CONF_PATH;
bool conf_path_given;

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "config", cmd_config, "arm the dumper: load lkcd.ko, set tunables, load the capture kernel\n"
				"                       (in the capture kernel: save the dump instead)" },
	{ "save", cmd_save, "save the preserved dump to DUMPDIR/N/" },
	{ "show", cmd_show, "print the summary of a saved dump (N or a path)" },
	{ "list", cmd_list, "list the dumps saved in DUMPDIR" },
	{ "query", cmd_query, "show whether the dumper is armed, and its settings" },
	{ "status", cmd_query, "same as query" },
	{ "snapshot", cmd_snapshot, "take a live snapshot of memory (as SysRq d) for lkcd save" },
	{ "release", cmd_release, "free the memory of the held live snapshot" },
	{ "test", cmd_test, "crash the kernel now to prove a dump is taken (asks first)" },
	{ "mkinitrd", cmd_mkinitrd, "build the capture kernel's minimal initramfs" },
	{ "dumpdev", cmd_dumpdev, "say what the raw dump device (DUMPDEV) holds" },
	{ "unload", cmd_unload, "disarm: unload the capture kernel, set the dump level to none" },
	{ "estimate", cmd_estimate, "the crashkernel= this machine needs, and why" },
	{ "propagate", cmd_propagate, "install DUMP_SSH_KEY on DUMP_SSH's server, check the login" },
};

static void usage(FILE *out)
{
	struct utsname u;

	fprintf(out,
		"Usage: %s [-c FILE] COMMAND [options]\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"
		"\n"
		"Commands:\n", prog, LKCD_CONF_PATH);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-20s %s\n", commands[i].name, commands[i].help);
	fprintf(out,
		"\n"
		"'%s COMMAND --help' shows the options of a command.  Exit codes: 0 success,\n"
		"1 failure (usage, config, setup), 2 no or bad dump, 3 the dump could not be\n"
		"written, 4 not armed (query, status), 5 nothing to save (save).\n"
		"\n"
		"Files:\n"
		"  %-20s the configuration (lkcd.conf(5))\n"
		"  %-20s DUMPDIR, where dumps are saved (the default)\n"
		"  %-20s the capture initramfs lkcd config builds (MKINITRD=1)\n"
		"  /lib/modules/%s/updates/dkms/lkcd.ko\n"
		"                       the module (DKMS), loaded with modprobe lkcd\n"
		"See lkcd(8) and lkcd.conf(5).\n", prog, LKCD_CONF_PATH, LKCD_CONF_DUMPDIR,
		"/var/lib/lkcd/", uname(&u) == 0 ? u.release : "RELEASE");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* "+": stop at the command; its options are its own */
	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			conf_path_given = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("lkcd %d (preserved-dump format %d)\n", 1, LKCD_FORMAT_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_FAIL;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		argv += optind;
		argc -= optind;
		optind = 0;	/* a fresh getopt for the command */
		return commands[i].run(argc, argv);
	}
	errmsg("unknown command '%s' (try '%s --help')", argv[optind], prog);
	return EXIT_FAIL;
}
