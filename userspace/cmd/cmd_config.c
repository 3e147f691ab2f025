// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd config: arm the dumper from the configuration file.
 *
 * In the production kernel: load lkcd.ko when /proc/sys/kernel/dump is
 * missing (modprobe lkcd, or insmod LKCD_MODULE), write the tunables, set
 * crash_kexec_post_notifiers (so the panic notifier runs before kexec) and
 * the panic timeout, then load the capture kernel with kexec -p, passing it
 * crashdump=<header address>.
 *
 * In the capture kernel (crashdump= on /proc/cmdline) it does what LKCD's
 * `lkcd config` did at boot: it saves the dump.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "initrd.h"
#include "save.h"
#include "lkcd/params.h"

#define DUMP_SYSCTL	"/proc/sys/kernel/dump"
#define POST_NOTIFIERS	"/sys/module/kernel/parameters/crash_kexec_post_notifiers"

static bool dry_run;

/* Is the kernel locked down at all (integrity or confidentiality)? */
static bool locked_down(const char *level)
{
	return level && strcmp(level, "none");
}

/*
 * A dump sysctl refused with EPERM: lkcd.ko refuses to arm under lockdown
 * (confidentiality).  Say why and what would help.
 */
static void explain_sysctl_eperm(const char *path)
{
	const char *level = lockdown_level();

	if (level && !strcmp(level, "confidentiality"))
		errmsg("cannot arm: %s refused (EPERM): the kernel is locked down (confidentiality), "
		       "which forbids dumping kernel memory, so lkcd.ko stays disarmed. "
		       "Lockdown cannot be lowered at run time: boot without lockdown=confidentiality "
		       "(integrity, the Secure Boot default, allows dumps) to take crash dumps",
		       path);
	else
		errmsg("cannot set %s: %s (root only; the kernel log says more)", path, strerror(EPERM));
}

static int set_value(const char *file, const char *value, const char *why)
{
	const char *path = sys_path(file);
	int ret;

	if (dry_run) {
		printf("would write %s to %s\n", value, path);
		return 0;
	}
	ret = write_text(path, value);
	if (ret == -EPERM && !strncmp(file, DUMP_SYSCTL "/", strlen(DUMP_SYSCTL "/"))) {
		explain_sysctl_eperm(path);
		return -1;
	}
	if (ret < 0) {
		errmsg("cannot set %s to %s: %s%s", path, value, strerror(-ret),
		       ret == -ENOPKG ? " (this kernel cannot run that compressor)" : why);
		return -1;
	}
	return 0;
}

static int set_sysctl(const char *name, uint32_t v)
{
	char file[128], value[32];

	snprintf(file, sizeof(file), DUMP_SYSCTL "/%s", name);
	snprintf(value, sizeof(value), "%u", v);
	return set_value(file, value, "");
}

/* kernel.dump.compress_level, a signed number */
static int set_level_sysctl(int32_t level)
{
	char value[16];

	snprintf(value, sizeof(value), "%d", level);
	return set_value(DUMP_SYSCTL "/compress_level", value, "");
}

static int load_module(const struct lkcd_conf *conf)
{
	char *insmod[] = { "insmod", (char *)conf->lkcd_module, NULL };
	char *modprobe[] = { "modprobe", "lkcd", NULL };
	char **argv = conf->lkcd_module[0] ? insmod : modprobe;
	int st;

	if (access(sys_path(DUMP_SYSCTL), F_OK) == 0)
		return 0;
	if (dry_run) {
		printf("would run %s %s\n", argv[0], argv[1]);
		return 0;
	}
	if (conf->lkcd_module[0] && access(conf->lkcd_module, R_OK) < 0) {
		errmsg("LKCD_MODULE %s: %s", conf->lkcd_module, strerror(errno));
		return -1;
	}
	st = run_command(argv);
	if (st) {
		const char *level = lockdown_level();

		const char *why = "";

		if (level && !strcmp(level, "confidentiality"))
			why = " (the kernel is locked down (confidentiality): it loads only signed "
			      "modules, and even a signed lkcd.ko stays disarmed at this level, which "
			      "forbids dumping kernel memory; boot without lockdown=confidentiality "
			      "to take crash dumps)";
		else if (locked_down(level))
			why = " (the kernel is locked down (integrity): it loads only modules signed "
			      "with a key it trusts; sign lkcd.ko, e.g. DKMS with an enrolled MOK key)";
		errmsg("cannot load the lkcd module: %s %s exited with status %d%s", argv[0],
		       argv[1], st, why);
		return -1;
	}
	if (access(sys_path(DUMP_SYSCTL), F_OK) < 0) {
		errmsg("%s %s succeeded but %s is missing: %s", argv[0], argv[1],
		       sys_path(DUMP_SYSCTL), strerror(errno));
		return -1;
	}
	return 0;
}

/* KEXEC_KERNEL / KEXEC_INITRD, or the running release's files in /boot. */
static int pick_images(const struct lkcd_conf *conf, char *kernel, char *initrd)
{
	struct utsname u;

	if (uname(&u) < 0)
		u.release[0] = '\0';
	if (conf->kexec_kernel[0])
		snprintf(kernel, PATH_MAX, "%s", conf->kexec_kernel);
	else
		snprintf(kernel, PATH_MAX, "/boot/vmlinuz-%s", u.release);
	if (access(kernel, R_OK) < 0) {
		errmsg("capture kernel %s: %s%s", kernel, strerror(errno),
		       conf->kexec_kernel[0] ? "" : " (set KEXEC_KERNEL in the config file)");
		return -1;
	}
	if (conf->kexec_initrd[0]) {
		snprintf(initrd, PATH_MAX, "%s", conf->kexec_initrd);
		if (access(initrd, R_OK) < 0) {
			errmsg("KEXEC_INITRD %s: %s", initrd, strerror(errno));
			return -1;
		}
	} else {
		snprintf(initrd, PATH_MAX, "/boot/initrd.img-%s", u.release);
		if (access(initrd, R_OK) < 0)
			initrd[0] = '\0';	/* none: the kernel boots without one */
	}
	return 0;
}

/*
 * MKINITRD=0: the initramfs is used as it is, so it must be one that saves:
 * built by lkcd mkinitrd (its stamp beside it) or holding the lkcd program.
 * A distribution's initramfs boots the system again and saves nothing.
 */
static int check_capture_initrd(const char *initrd)
{
	char stamp[PATH_MAX + 8], why[256];
	int ret;

	if (!initrd[0]) {
		errmsg("KEXEC_INITRD: none (MKINITRD=0 and no /boot/initrd.img-<release>): the "
		       "capture kernel would boot without lkcd's initramfs and save nothing; set "
		       "MKINITRD=1 (lkcd builds its own) or name one built by lkcd mkinitrd");
		return -1;
	}
	snprintf(stamp, sizeof(stamp), "%s.stamp", initrd);
	if (access(stamp, F_OK) == 0)
		return 0;
	ret = initrd_runs_lkcd(initrd, why, sizeof(why));
	if (ret == 1)
		return 0;
	errmsg("KEXEC_INITRD %s is not a capture initramfs: %s, so a capture kernel booting it "
	       "would not save the dump; set MKINITRD=1 (lkcd builds its own) or name one built "
	       "by lkcd mkinitrd", initrd, why);
	return -1;
}

/*
 * The capture kernel's command line: the running one without crashkernel=,
 * crashdump= and KEXEC_CMDLINE_REMOVE's names, then KEXEC_CMDLINE_APPEND
 * and crashdump=<addr>.  0, or -1 (said).
 */
static int capture_cmdline(const struct lkcd_conf *conf, uint64_t addr, char *out, size_t size)
{
	const char *drop[LKCD_CONF_STR / 2 + 3] = { "crashkernel", "crashdump" };
	char cmdline[4096], kept[4096], names[LKCD_CONF_STR], *tok, *save = NULL;
	size_t n = 2;
	int ret;

	snprintf(names, sizeof(names), "%s", conf->kexec_cmdline_remove);
	for (tok = strtok_r(names, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		drop[n++] = tok;
	drop[n] = NULL;
	ret = read_text(sys_path("/proc/cmdline"), cmdline, sizeof(cmdline));
	if (ret < 0) {
		errmsg("%s: %s", sys_path("/proc/cmdline"), strerror(-ret));
		return -1;
	}
	if (cmdline_filter(cmdline, drop, kept, sizeof(kept)) < 0) {
		errmsg("kernel command line too long");
		return -1;
	}
	if ((size_t)snprintf(out, size, "%s%s%s crashdump=0x%llx", kept,
			     kept[0] && conf->kexec_cmdline_append[0] ? " " : "",
			     conf->kexec_cmdline_append, (unsigned long long)addr) >= size) {
		errmsg("the capture kernel's command line is longer than %zu bytes", size - 1);
		return -1;
	}
	return 0;
}

static int arm(const struct lkcd_conf *conf)
{
	char append[8192], buf[64];
	char kernel[PATH_MAX], initrd[PATH_MAX], initrd_arg[PATH_MAX + 16];
	char *argv[10];
	const char *lockdown = lockdown_level();
	struct kexec_mode mode;
	uint64_t addr = 0, crash_size = 0;
	int ret, st, argc = 0;

	/* the reservation first: without it nothing else matters */
	ret = read_text(sys_path(kexec_sysfs("crash_size")), buf, sizeof(buf));
	if (ret < 0 || parse_u64(buf, &crash_size) < 0 || crash_size == 0) {
		errmsg("no crashkernel reservation (%s is %s): boot with crashkernel=<size> "
		       "(e.g. crashkernel=256M)", sys_path(kexec_sysfs("crash_size")),
		       ret < 0 ? strerror(-ret) : buf);
		return EXIT_FAIL;
	}
	if (conf->dumpdev[0] && dumpdev_check_config(conf) < 0)
		return EXIT_FAIL;
	/* a server a crash could not reach is said now, not after the crash */
	if (conf->ssh[0] && !dry_run) {
		if (save_net_check(conf) < 0) {
			errmsg("DUMP_SSH: the dump server cannot be reached: not armed "
			       "(lkcd propagate installs the key and the host key)");
			return EXIT_FAIL;
		}
		printf("DUMP_SSH %s: reached, %s writable\n", conf->ssh_host, conf->ssh_path);
	}
	if (conf->nfs[0] && !dry_run) {
		if (save_nfs_check(conf) < 0) {
			errmsg("DUMP_NFS: the export cannot be mounted and written: not armed");
			return EXIT_FAIL;
		}
		printf("DUMP_NFS %s: mounted, a file written and removed\n", conf->nfs);
	}
	if (conf->mkinitrd) {
		/*
		 * MKINITRD=1: lkcd's own minimal initramfs (KEXEC_INITRD names
		 * where it goes), rebuilt when the kernel, config, target or
		 * lkcd changed.  The kernel is picked as without it.
		 */
		struct lkcd_conf nodistro = *conf;

		nodistro.kexec_initrd[0] = '\0';
		if (pick_images(&nodistro, kernel, initrd) < 0)
			return EXIT_FAIL;
		struct dumpdir_target target;

		if (dry_run) {
			/* what mkinitrd would refuse, refused here too */
			if (dumpdir_target_find(conf, &target) < 0)
				return EXIT_FAIL;
			printf("would run lkcd mkinitrd --if-stale%s%s\n",
			       target.automatic ? ": the capture mounts DUMPDIR's filesystem " : "",
			       target.automatic ? target.device : "");
		} else if (mkinitrd_for_config(conf, initrd, PATH_MAX) != EXIT_OK) {
			errmsg("cannot build the capture initramfs (MKINITRD=1): not armed");
			return EXIT_FAIL;
		}
	} else if (pick_images(conf, kernel, initrd) < 0 || check_capture_initrd(initrd) < 0) {
		return EXIT_FAIL;
	}
	if (load_module(conf) < 0)
		return EXIT_FAIL;
	if (set_sysctl("level", conf->level) || set_sysctl("compress", conf->compress) ||
	    set_sysctl("flags", conf->flags) || set_sysctl("exclude", conf->exclude))
		return EXIT_FAIL;
	/* an lkcd.ko without compress_level (older than DUMP_COMPRESS_LEVEL)
	 * is still armed, with its fixed zstd level 3 */
	if ((dry_run || access(sys_path(DUMP_SYSCTL "/compress_level"), F_OK) == 0) &&
	    set_level_sysctl(conf->compress_level))
		return EXIT_FAIL;
	if (set_value(POST_NOTIFIERS, "Y",
		      " (the dumper must run before kexec: needs a kernel with crash_kexec_post_notifiers)"))
		return EXIT_FAIL;
	if (conf->panic_timeout_set) {
		char v[16];

		snprintf(v, sizeof(v), "%d", conf->panic_timeout);
		if (set_value("/proc/sys/kernel/panic", v, ""))
			return EXIT_FAIL;
	}
	if (!dry_run || access(sys_path(DUMP_SYSCTL "/addr"), F_OK) == 0) {
		ret = read_text(sys_path(DUMP_SYSCTL "/addr"), buf, sizeof(buf));
		if (ret < 0 || parse_u64(buf, &addr) < 0 || !addr) {
			errmsg("cannot read the dump header address from %s: %s",
			       sys_path(DUMP_SYSCTL "/addr"),
			       ret < 0 ? strerror(-ret) : "not a nonzero number");
			return EXIT_FAIL;
		}
	}

	if (capture_cmdline(conf, addr, append, sizeof(append)) < 0)
		return EXIT_FAIL;
	/*
	 * kexec_file_load (-s) under lockdown, which refuses kexec_load (it
	 * needs an image signed with a key the kernel trusts), and with
	 * crashkernel=...,cma; --hotplug where kexec and the kernel can keep
	 * the loaded image current on hotplug (kexec_mode.c).
	 */
	kexec_mode_pick(lockdown, &mode);
	argv[argc++] = "kexec";
	argv[argc++] = "-p";
	if (mode.file)
		argv[argc++] = "-s";
	if (mode.hotplug)
		argv[argc++] = "--hotplug";
	argv[argc++] = kernel;
	if (initrd[0]) {
		snprintf(initrd_arg, sizeof(initrd_arg), "--initrd=%s", initrd);
		argv[argc++] = initrd_arg;
	}
	argv[argc++] = "--append";
	argv[argc++] = append;
	argv[argc] = NULL;

	if (mode.file && !locked_down(lockdown))
		printf("kexec_file_load (kexec -s): %s\n", mode.why);
	printf("%s kexec -p%s%s %s%s%s --append \"%s\"\n", dry_run ? "would run:" : "running:",
	       mode.file ? " -s" : "", mode.hotplug ? " --hotplug" : "", kernel,
	       initrd[0] ? " " : "", initrd[0] ? initrd_arg : "", append);
	if (dry_run)
		return EXIT_OK;
	st = run_command(argv);
	if (st && mode.file && !locked_down(lockdown)) {
		/*
		 * kexec_file_load refused (a kernel without CONFIG_KEXEC_FILE,
		 * an image it will not verify): kexec_load still arms, with
		 * the capture kernel in the crashkernel= range alone.
		 */
		errmsg("kexec -p -s %s exited with status %d: loading with kexec_load instead (the "
		       "capture kernel gets the crashkernel= range only, not the CMA ranges)",
		       kernel, st);
		memmove(&argv[2], &argv[3], (size_t)(argc - 2) * sizeof(argv[0]));
		st = run_command(argv);
	}
	if (st) {
		if (locked_down(lockdown))
			errmsg("kexec -p -s %s exited with status %d: capture kernel not loaded (the kernel "
			       "is locked down (%s): kexec_load is refused, and kexec_file_load needs a "
			       "kernel image signed with a key this kernel trusts)", kernel, st, lockdown);
		else
			errmsg("kexec -p %s exited with status %d: capture kernel not loaded", kernel, st);
		return EXIT_FAIL;
	}
	if (read_text(sys_path(kexec_sysfs("crash_loaded")), buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "1")) {
		errmsg("kexec -p succeeded but %s is %s", sys_path(kexec_sysfs("crash_loaded")), buf);
		return EXIT_FAIL;
	}
	printf("armed: level %s, compress %s, header at 0x%llx, crashkernel %llu MiB\n",
	       lkcd_level_name(conf->level), lkcd_compress_name(conf->compress),
	       (unsigned long long)addr, (unsigned long long)(crash_size >> 20));
	/* who keeps the capture kernel's view of memory current on hotplug */
	if (kernel_updates_capture_image() == 1)
		printf("hotplug: the kernel updates the loaded capture kernel itself "
		       "(crash_hotplug is 1): no re-arm on hotplug\n");
	else if (kernel_updates_capture_image() == 0)
		printf("hotplug: the kernel does not update this capture kernel (crash_hotplug is 0): "
		       "lkcd-rearm reloads it after hotplug\n");
	return EXIT_OK;
}

static void config_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options]\n"
		"\n"
		"Arm the crash dumper as the configuration file says: load lkcd.ko, set\n"
		"/proc/sys/kernel/dump/*, crash_kexec_post_notifiers and the panic timeout,\n"
		"then load the capture kernel with kexec -p ... crashdump=<addr>.\n"
		"Booted as the capture kernel (crashdump= on the command line), save the\n"
		"dump instead, as lkcd save does.\n"
		"\n"
		"  -n, --dry-run        print what would be done, change nothing\n"
		"  -p, --print          check the file and print the values lkcd reads from it,\n"
		"                       in the canonical form the capture initramfs carries\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit: 0 armed (or saved), 1 failure; in the capture kernel as lkcd save.\n",
		prog, cmd, LKCD_CONF_PATH);
}

int cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "print", no_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lkcd_conf conf;
	struct save_request req = { 0 };
	char cmdline[4096], val[64];
	bool print = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "npc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'p':
			print = true;
			break;
		default:
			if ((ret = cmd_option(c, config_usage, argv[0])) >= 0)
				return ret;
		}
	}
	if (cmd_operands(argc, argv, 0) != EXIT_OK)
		return EXIT_FAIL;
	if (load_config(&conf) < 0)
		return EXIT_FAIL;
	if (print) {
		char *text = lkcd_conf_format(&conf);

		if (!text) {
			errmsg("config: out of memory");
			return EXIT_FAIL;
		}
		fputs(text, stdout);
		free(text);
		return EXIT_OK;
	}
	ret = read_text(sys_path("/proc/cmdline"), cmdline, sizeof(cmdline));
	if (ret < 0) {
		errmsg("%s: %s", sys_path("/proc/cmdline"), strerror(-ret));
		return EXIT_FAIL;
	}
	if (cmdline_get(cmdline, "crashdump", val, sizeof(val)) == 0) {
		if (!conf.dump_save) {
			printf("capture kernel, DUMP_SAVE=0: dump at %s left unsaved\n", val);
			return EXIT_OK;
		}
		if (dry_run) {
			printf("capture kernel: would save the dump at %s to %s\n", val, conf.dumpdir);
			return EXIT_OK;
		}
		save_request_init(&req, &conf);
		return save_from(&save_source_vmcore, &req);
	}
	if (!conf.dump_active) {
		printf("DUMP_ACTIVE=0: disarming\n");
		return disarm(dry_run);
	}
	return arm(&conf);
}
