// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Live snapshots, the userspace side (the kernel side is kernel/snapshot.c,
 * the interface include/lkcd/snapshot.h):
 *
 *   lkcd snapshot   take one (LKCD_IOC_SNAPSHOT on /dev/lkcd), wait until
 *                   it is held and say what it holds
 *   lkcd release    give its memory back
 *   lkcd save       (save_source_snapshot.c) write the held one to DUMPDIR/N
 *                   through /dev/lkcd, then release it unless --keep
 *   lkcd status     (snapshot_state_line) one line on it
 *
 * /dev/lkcd reads like physical memory holding only the snapshot's header
 * and blocks, so the library's raw source and dump reader read it as they
 * read /proc/vmcore.  What a capture kernel's /proc/vmcore has besides --
 * the VMCOREINFO note, the memory the kernel log is in -- comes from the
 * snapshot's own pages (dump_mem.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "dump_mem.h"
#include "lkcd.h"
#include "lkcd/params.h"
#include "lkcd/snapshot.h"
#include "vmcoreinfo.h"

/* Is the kernel locked down at confidentiality (no reading kernel memory)? */
static bool locked_down(void)
{
	const char *level = lockdown_level();

	return level && !strcmp(level, "confidentiality");
}

/* Open /dev/lkcd; message printed on failure (unless quiet).  fd or -1. */
static int dev_open_q(bool quiet)
{
	const char *path = sys_path(LKCD_DEV_PATH);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e = errno;

	if (fd >= 0 || quiet) {
		errno = e;
		return fd;
	}
	if (e == ENOENT)
		errmsg("%s: no such device (is lkcd.ko loaded?)", path);
	else if (e == EPERM && geteuid() == 0 && locked_down())
		errmsg("refused: the kernel is locked down (lockdown forbids reading kernel memory): %s",
		       path);
	else
		errmsg("%s: %s%s", path, strerror(e),
		       e == EPERM || e == EACCES ? " (root only: CAP_SYS_ADMIN)" : "");
	errno = e;
	return -1;
}

int snapshot_dev_open(void)
{
	return dev_open_q(false);
}

int snapshot_dev_status(int fd, struct lkcd_snapshot_status *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(fd, LKCD_IOC_STATUS, st) < 0) {
		errmsg("%s: cannot read the snapshot status: %s", sys_path(LKCD_DEV_PATH),
		       strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The CPUs that did not answer the snapshot's register IPI (snapshot_state's
 * "noregs LIST", from a module that bounds that wait): a held live
 * snapshot has no registers for them, a consistent one was refused.
 */
static void describe_noregs(FILE *out, const struct lkcd_snapshot_status *st)
{
	char text[256], *p;

	if (read_text(sys_path("/proc/sys/kernel/dump/snapshot_state"), text, sizeof(text)) < 0 ||
	    !(p = strstr(text, " noregs ")))
		return;
	p += strlen(" noregs ");
	p[strcspn(p, " \n")] = '\0';
	if (st->state == LKCD_SNAP_FAILED)
		fprintf(out, "  CPUs not answering: %s (interrupts off?): a consistent snapshot would stop the machine until they do; a live one goes on without their registers\n", p);
	else
		fprintf(out, "  no registers:       CPU %s (did not answer the snapshot's IPI: interrupts off?)\n", p);
}

/* "held, live, 16.4 MiB, taken 2026-..., complete" and so on. */
static void describe(FILE *out, const struct lkcd_snapshot_status *st)
{
	char when[64];

	fprintf(out, "snapshot:             %s", lkcd_snap_state_name(st->state));
	switch (st->state) {
	case LKCD_SNAP_IN_PROGRESS:
		fprintf(out, " (%u%%, %s)\n", st->percent, lkcd_snap_mode_name(st->mode));
		return;
	case LKCD_SNAP_FAILED:
		fprintf(out, " (%s)\n", strerror((int)st->error));
		describe_noregs(out, st);
		return;
	case LKCD_SNAP_HELD:
	case LKCD_SNAP_RELEASED:
		break;
	default:
		fputc('\n', out);
		return;
	}
	format_utc(st->taken_sec, when, sizeof(when));
	fprintf(out, ", %s, taken %s\n", lkcd_snap_mode_name(st->mode), when);
	if (st->state == LKCD_SNAP_HELD)
		fprintf(out, "  held:               %llu KiB at header 0x%llx (cap %llu MiB)\n",
			(unsigned long long)(st->held_bytes >> 10),
			(unsigned long long)st->header_paddr,
			(unsigned long long)(st->cap_bytes >> 20));
	fprintf(out, "  dump:               %s%s, level %s, %llu pages, %llu bytes stored\n",
		st->dump_state == LKCD_STATE_COMPLETE ? "complete" : "INCOMPLETE",
		st->dump_state == LKCD_STATE_COMPLETE ? "" :
		st->incomplete_reason == LKCD_INCOMPLETE_CAP ? " (the memory cap was reached)" :
		st->incomplete_reason == LKCD_INCOMPLETE_DEADLINE ? " (deadline)" : " (error)",
		lkcd_level_name(st->level), (unsigned long long)st->pages_dumped,
		(unsigned long long)st->stored_bytes);
	if (st->mode == LKCD_SNAP_CONSISTENT)
		fprintf(out, "  machine stopped:    %llu.%03llu ms (packer %llu.%03llu ms)\n",
			(unsigned long long)(st->stopped_ns / 1000000),
			(unsigned long long)(st->stopped_ns / 1000 % 1000),
			(unsigned long long)(st->run_ns / 1000000),
			(unsigned long long)(st->run_ns / 1000 % 1000));
	else
		fprintf(out, "  machine stopped:    never (packer ran %llu ms)\n",
			(unsigned long long)(st->run_ns / 1000000));
	if (st->state == LKCD_SNAP_HELD)
		describe_noregs(out, st);
}

void snapshot_state_line(FILE *out)
{
	char text[256];

	if (read_text(sys_path("/proc/sys/kernel/dump/snapshot_state"), text, sizeof(text)) < 0)
		return;		/* an older module, or none */
	fprintf(out, "snapshot state:       %s\n", text);
}

const char *snapshot_state_text(char *buf, size_t len)
{
	return read_text(sys_path("/proc/sys/kernel/dump/snapshot_state"), buf, len) < 0 ? NULL : buf;
}

static void snapshot_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options]\n"
		"\n"
		"Take a snapshot of memory while the system keeps running (as SysRq d),\n"
		"held in memory until `lkcd save` writes it to DUMPDIR/N/ or `lkcd release`\n"
		"frees it.  One at a time.\n"
		"\n"
		"  -l, --live           never stop the machine: a fuzzy copy, like /proc/kcore\n"
		"                       (default: kernel.dump.snapshot_mode, 0 = live)\n"
		"  -C, --consistent     stop the machine (stop_machine) while the packer runs\n"
		"  -n, --no-wait        return once it is started\n"
		"  -s, --status         only say what is held\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit: 0 taken (or started), 1 refused (one is held: EBUSY; lockdown) or\n"
		"failed, 2 --status with nothing held.\n", prog, cmd);
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "live", no_argument, NULL, 'l' },
		{ "consistent", no_argument, NULL, 'C' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "status", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t mode = LKCD_SNAP_DEFAULT;
	struct lkcd_snapshot_status st;
	bool wait = true, status = false;
	int c, fd, rc = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "lCnsh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			mode = LKCD_SNAP_LIVE;
			break;
		case 'C':
			mode = LKCD_SNAP_CONSISTENT;
			break;
		case 'n':
			wait = false;
			break;
		case 's':
			status = true;
			break;
		default:
			if ((rc = cmd_option(c, snapshot_usage, argv[0])) >= 0)
				return rc;
		}
	}
	if (cmd_operands(argc, argv, 0) != EXIT_OK)
		return EXIT_FAIL;
	fd = snapshot_dev_open();
	if (fd < 0)
		return EXIT_FAIL;
	if (status) {
		if (snapshot_dev_status(fd, &st) == 0) {
			describe(stdout, &st);
			rc = st.state == LKCD_SNAP_HELD ? EXIT_OK : EXIT_NODUMP;
		}
		close(fd);
		return rc;
	}
	if (ioctl(fd, LKCD_IOC_SNAPSHOT, &mode) < 0) {
		int e = errno;

		if (e == EBUSY && snapshot_dev_status(fd, &st) == 0) {
			errmsg("refused: a snapshot is already %s; save it with `%s save` or free it with `%s release`",
			       lkcd_snap_state_name(st.state), prog, prog);
			describe(stderr, &st);
		} else if (e == EPERM) {
			errmsg("refused: the kernel is locked down (lockdown forbids reading kernel memory)");
		} else if (e == EINVAL) {
			errmsg("refused: bad mode, or kernel.dump.level is 0 (none)");
		} else {
			errmsg("snapshot: %s", strerror(e));
		}
		close(fd);
		return EXIT_FAIL;
	}
	if (!wait) {
		printf("snapshot started\n");
		close(fd);
		return EXIT_OK;
	}
	for (;;) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (snapshot_dev_status(fd, &st) < 0)
			break;
		if (st.state != LKCD_SNAP_IN_PROGRESS) {
			describe(stdout, &st);
			if (st.state == LKCD_SNAP_HELD)
				rc = EXIT_OK;
			else
				errmsg("the snapshot was not taken (%s)", lkcd_snap_state_name(st.state));
			break;
		}
		nanosleep(&ts, NULL);
	}
	close(fd);
	return rc;
}

int cmd_release(int argc, char **argv)
{
	int fd;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: %s release\n\nFree the memory of the held live snapshot "
		       "(without saving it).\n\nExit: 0 released, 2 none was held, 1 failure.\n",
		       prog);
		return EXIT_OK;
	}
	if (argc > 1) {
		errmsg("release: unexpected argument '%s'", argv[1]);
		return EXIT_FAIL;
	}
	fd = dev_open_q(true);
	if (fd < 0 && errno == EPERM) {
		/* locked down since it was taken: the sysctl still frees it */
		int ret = write_text(sys_path("/proc/sys/kernel/dump/snapshot"), "0");

		if (ret == -ENODATA) {
			errmsg("no snapshot is held: nothing to release");
			return EXIT_NODUMP;
		}
		if (ret < 0) {
			errmsg("release through %s: %s", sys_path("/proc/sys/kernel/dump/snapshot"),
			       strerror(-ret));
			return EXIT_FAIL;
		}
		printf("snapshot released\n");
		return EXIT_OK;
	}
	if (fd < 0)
		fd = snapshot_dev_open();
	if (fd < 0)
		return EXIT_FAIL;
	if (ioctl(fd, LKCD_IOC_RELEASE) < 0) {
		int e = errno;

		close(fd);
		if (e == ENODATA) {
			errmsg("no snapshot is held: nothing to release");
			return EXIT_NODUMP;
		}
		errmsg("release: %s%s", strerror(e),
		       e == EBUSY ? " (a snapshot is being taken; try again when it is held)" : "");
		return EXIT_FAIL;
	}
	close(fd);
	printf("snapshot released\n");
	return EXIT_OK;
}

/* Is a snapshot held?  (lkcd save picks it when there is no capture kernel dump.) */
bool snapshot_held(void)
{
	struct lkcd_snapshot_status st;
	int fd = open(sys_path(LKCD_DEV_PATH), O_RDONLY | O_CLOEXEC);
	bool held;

	if (fd < 0) {
		/* refused (lockdown): say so rather than look elsewhere */
		char text[256];

		return errno == EPERM &&
		       read_text(sys_path("/proc/sys/kernel/dump/snapshot_state"), text,
				 sizeof(text)) == 0 && !strncmp(text, "held", 4);
	}
	held = ioctl(fd, LKCD_IOC_STATUS, &st) == 0 && st.state == LKCD_SNAP_HELD;
	close(fd);
	return held;
}
