// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Live snapshots, the userspace side (the kernel side is kernel/snapshot.c,
 * the interface include/lkcd/snapshot.h):
 *
 *   lkcd snapshot   take one (LKCD_IOC_SNAPSHOT on /dev/lkcd), wait until
 *                   it is held and say what it holds
 *   lkcd release    give its memory back
 *   lkcd save       (snapshot_save) write the held one to DUMPDIR/N through
 *                   /dev/lkcd, then release it unless --keep
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
#include "internal.h"
#include "lkcd.h"
#include "lkcd/params.h"
#include "lkcd/snapshot.h"
#include "vmcoreinfo.h"

static const char *state_name(uint32_t state)
{
	switch (state) {
	case LKCD_SNAP_NONE:		return "none";
	case LKCD_SNAP_IN_PROGRESS:	return "in progress";
	case LKCD_SNAP_HELD:		return "held";
	case LKCD_SNAP_RELEASED:	return "released";
	case LKCD_SNAP_FAILED:		return "failed";
	default:			return "unknown";
	}
}

static const char *mode_name(uint32_t mode)
{
	return mode == LKCD_SNAP_CONSISTENT ? "consistent" : "live";
}

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

static int dev_open(void)
{
	return dev_open_q(false);
}

static int dev_status(int fd, struct lkcd_snapshot_status *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(fd, LKCD_IOC_STATUS, st) < 0) {
		errmsg("%s: cannot read the snapshot status: %s", sys_path(LKCD_DEV_PATH),
		       strerror(errno));
		return -1;
	}
	return 0;
}

/* "held, live, 16.4 MiB, taken 2026-..., complete" and so on. */
static void describe(FILE *out, const struct lkcd_snapshot_status *st)
{
	char when[64];

	fprintf(out, "snapshot:             %s", state_name(st->state));
	switch (st->state) {
	case LKCD_SNAP_IN_PROGRESS:
		fprintf(out, " (%u%%, %s)\n", st->percent, mode_name(st->mode));
		return;
	case LKCD_SNAP_FAILED:
		fprintf(out, " (%s)\n", strerror((int)st->error));
		return;
	case LKCD_SNAP_HELD:
	case LKCD_SNAP_RELEASED:
		break;
	default:
		fputc('\n', out);
		return;
	}
	format_utc(st->taken_sec, when, sizeof(when));
	fprintf(out, ", %s, taken %s\n", mode_name(st->mode), when);
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

static void snapshot_usage(FILE *out)
{
	fprintf(out,
		"Usage: %s snapshot [options]\n"
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
		"failed, 2 --status with nothing held.\n", prog);
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
		case 'h':
			snapshot_usage(stdout);
			return EXIT_OK;
		default:
			snapshot_usage(stderr);
			return EXIT_FAIL;
		}
	}
	if (optind != argc) {
		errmsg("snapshot: unexpected argument '%s'", argv[optind]);
		return EXIT_FAIL;
	}
	fd = dev_open();
	if (fd < 0)
		return EXIT_FAIL;
	if (status) {
		if (dev_status(fd, &st) == 0) {
			describe(stdout, &st);
			rc = st.state == LKCD_SNAP_HELD ? EXIT_OK : EXIT_NODUMP;
		}
		close(fd);
		return rc;
	}
	if (ioctl(fd, LKCD_IOC_SNAPSHOT, &mode) < 0) {
		int e = errno;

		if (e == EBUSY && dev_status(fd, &st) == 0) {
			errmsg("refused: a snapshot is already %s; save it with `%s save` or free it with `%s release`",
			       state_name(st.state), prog, prog);
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

		if (dev_status(fd, &st) < 0)
			break;
		if (st.state != LKCD_SNAP_IN_PROGRESS) {
			describe(stdout, &st);
			if (st.state == LKCD_SNAP_HELD)
				rc = EXIT_OK;
			else
				errmsg("the snapshot was not taken (%s)", state_name(st.state));
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
		fd = dev_open();
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

/* The VMCOREINFO note as the kernel keeps it, from the snapshot's own pages. */
static void *vmcoreinfo_note(struct lkcd_dump_mem *m, const struct lkcd_dump_header *h,
			     size_t *len)
{
	struct lkcd_error err = { 0 };
	const void *desc;
	size_t dlen, size = h->vmcoreinfo_size;
	void *note;

	if (!h->vmcoreinfo_paddr || !size || size > (1u << 20))
		return NULL;
	note = malloc(size);
	if (!note)
		return NULL;
	if (lkcd_dump_mem_read(m, h->vmcoreinfo_paddr, note, size) < 0 ||
	    lkcd_vmcoreinfo_find_note(note, size, &desc, &dlen, &err) < 0) {
		warnmsg("no VMCOREINFO in the snapshot at 0x%llx%s%s",
			(unsigned long long)h->vmcoreinfo_paddr, err.msg[0] ? ": " : "", err.msg);
		free(note);
		return NULL;
	}
	*len = size;
	return note;
}

/*
 * crash's convention for dumps of a running system (its snap extension
 * writes the same): an NT_TASKSTRUCT note named "SNAP" whose descriptor
 * is the task that took it.  crash then treats the file as a live dump: it
 * takes that task as the current context and does not hunt for a panic
 * task through every task's stack -- which, on a fuzzy copy, can read a
 * half-updated runqueue and stop crash at startup.
 */
#define NT_TASKSTRUCT_TYPE	4

static void *snap_note(uint64_t task, size_t *len)
{
	struct { uint32_t namesz, descsz, type; char name[4]; uint64_t task; } n = {
		.namesz = 4, .descsz = 8, .type = NT_TASKSTRUCT_TYPE,
		.name = { 'S', 'N', 'A', 'P' }, .task = task,
	};
	void *p = malloc(sizeof(n));

	_Static_assert(sizeof(n) == 24, "SNAP note layout");
	if (p) {
		memcpy(p, &n, sizeof(n));
		*len = sizeof(n);
	}
	return p;
}

/* a + b into a new buffer (either may be empty); NULL on ENOMEM */
static void *concat(const void *a, size_t alen, const void *b, size_t blen, size_t *len)
{
	uint8_t *p = malloc(alen + blen ? alen + blen : 1);

	if (!p)
		return NULL;
	if (alen)
		memcpy(p, a, alen);
	if (blen)
		memcpy(p + alen, b, blen);
	*len = alen + blen;
	return p;
}

static size_t snap_problems(void *ctx, const struct lkcd_problem **out)
{
	return lkcd_dump_problems(ctx, out);
}

int snapshot_save(const struct save_request *req)
{
	const char *path = sys_path(LKCD_DEV_PATH);
	struct lkcd_snapshot_status st;
	struct lkcd_error err = { 0 };
	struct lkcd_source *src = NULL;
	struct lkcd_dump *dump = NULL;
	struct lkcd_dump_mem *mem = NULL;
	struct lkcd_dump_header h;
	struct save_input si;
	uint8_t page[LKCD_PAGE_SIZE];
	unsigned long n = 0;
	void *notes = NULL;
	size_t notes_len = 0;
	int fd, ret, rc = EXIT_NODUMP;

	fd = dev_open();
	if (fd < 0)
		return EXIT_NODUMP;
	if (dev_status(fd, &st) < 0)
		goto out;
	if (st.state != LKCD_SNAP_HELD) {
		errmsg("no live snapshot is held (state: %s); take one with `%s snapshot` or SysRq d",
		       state_name(st.state), prog);
		goto out;
	}
	ret = lkcd_source_open(path, LKCD_SOURCE_RAW, &src, &err);
	if (ret < 0) {
		errmsg("cannot open the snapshot: %s", err.msg);
		goto out;
	}
	ret = lkcd_source_read(src, st.header_paddr, page, sizeof(page), &err);
	if (ret >= 0)
		ret = lkcd_header_decode(page, sizeof(page), &h, NULL, 0, &err);
	if (ret < 0) {
		errmsg("no snapshot header at 0x%llx in %s: %s",
		       (unsigned long long)st.header_paddr, path, err.msg);
		goto out;
	}
	ret = lkcd_dump_open(src, st.header_paddr, &dump, &err);
	if (ret < 0) {
		errmsg("cannot read the snapshot at 0x%llx: %s",
		       (unsigned long long)st.header_paddr, err.msg);
		goto out;
	}
	ret = lkcd_dump_mem_load(dump, &mem, &err);
	if (ret < 0)
		warnmsg("the snapshot's memory cannot be indexed (%s): no VMCOREINFO, no kernel log",
			err.msg);
	else
		notes = vmcoreinfo_note(mem, lkcd_dump_header(dump), &notes_len);
	{
		size_t slen = 0, all_len;
		void *snap = snap_note(lkcd_dump_header(dump)->current_task, &slen);
		void *all = snap ? concat(snap, slen, notes, notes_len, &all_len) : NULL;

		free(snap);
		if (!all) {
			errmsg("out of memory");
			goto out;
		}
		free(notes);
		notes = all;
		notes_len = all_len;
	}

	memset(&si, 0, sizeof(si));
	si.from = path;
	si.header_page = page;
	si.header_paddr = st.header_paddr;
	si.hdr = lkcd_dump_header(dump);
	si.nr_ranges = lkcd_dump_ranges(dump, &si.ranges);
	si.notes = notes;
	si.notes_len = notes_len;
	lkcd_dump_page_iter(dump, &si.pages);
	if (mem) {
		si.read_phys = lkcd_dump_mem_read;
		si.read_ctx = mem;
	}
	si.problems = snap_problems;
	si.problems_ctx = dump;
	rc = save_write(req, &si, &n);
	if (rc == EXIT_OK && !req->keep) {
		if (ioctl(fd, LKCD_IOC_RELEASE) < 0)
			warnmsg("the snapshot is saved but could not be released: %s",
				strerror(errno));
		else
			fprintf(stderr, "%s: snapshot released (%llu KiB given back)\n", prog,
				(unsigned long long)(st.held_bytes >> 10));
	}
out:
	free(notes);
	lkcd_dump_mem_free(mem);
	lkcd_dump_close(dump);
	lkcd_source_close(src);
	close(fd);
	return rc;
}
