// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The live snapshot's source (SysRq d, lkcd snapshot; cmd_snapshot.c takes
 * and releases it): the held snapshot read through /dev/lkcd like physical
 * memory holding only its header and blocks.  What a capture kernel's
 * /proc/vmcore has besides -- the VMCOREINFO note, the memory the kernel
 * log is in -- comes from the snapshot's own pages (dump_mem.c); the
 * CPUs' NT_PRSTATUS notes come from the module (LKCD_IOC_NOTES), which
 * recorded them at the snapshot.  Once saved, after_saved releases it
 * unless lkcd save --keep.  Memory does not grow with the snapshot: the
 * pages stream from /dev/lkcd (read again from its start for a second
 * pass), and dump_mem.c reads VMCOREINFO and the log by walking it again.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dump_mem.h"
#include "save.h"
#include "lkcd/snapshot.h"
#include "vmcoreinfo.h"

struct snapshot_src {
	char path[PATH_MAX];		/* what si->from points at */
	int fd;
	struct lkcd_snapshot_status st;
	struct lkcd_source *src;
	struct lkcd_dump *dump;
	struct lkcd_dump_mem *mem;
	uint8_t page[LKCD_PAGE_SIZE];
	void *notes;
	size_t notes_len;
};

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
 * half-updated runqueue and stop crash at startup.  But a live dump is one
 * whose CPUs crash cannot know: it refuses `bt -a` on it, and on an ELF
 * file it takes the note for its snap extension's and finds no KASLR
 * offset.  So the note is written only when the module recorded no CPU
 * registers (a module older than LKCD_IOC_NOTES); with them the file is
 * an ordinary dump whose NT_PRSTATUS notes say what every CPU ran.
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

/*
 * A CPU that did not answer the snapshot's IPI (interrupts off) has a note
 * whose registers are zeros and whose pr_pid is still its number + 1: say
 * which, since crash and drgn then show no stack for it.
 */
#define PRSTATUS_PID_OFF	32
#define PRSTATUS_REG_OFF	112
#define PRSTATUS_RIP		16
#define PRSTATUS_RSP		19

static void say_cpus_without_regs(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t nh[3];
		size_t desc, next;

		memcpy(nh, p + off, sizeof(nh));
		desc = off + 12 + ((nh[0] + 3u) & ~3u);
		next = desc + ((nh[1] + 3u) & ~3u);
		if (next > len || next <= off)
			return;
		if (nh[2] == 1 && nh[1] >= PRSTATUS_REG_OFF + (PRSTATUS_RSP + 1) * 8) {
			uint64_t ip, sp;
			int32_t pid;

			memcpy(&pid, p + desc + PRSTATUS_PID_OFF, sizeof(pid));
			memcpy(&ip, p + desc + PRSTATUS_REG_OFF + PRSTATUS_RIP * 8, sizeof(ip));
			memcpy(&sp, p + desc + PRSTATUS_REG_OFF + PRSTATUS_RSP * 8, sizeof(sp));
			if (!ip && !sp)
				warnmsg("CPU %d has no registers in this snapshot (it did not answer the snapshot's IPI: interrupts off?): crash and drgn show no stack for it",
					pid - 1);
		}
		off = next;
	}
}

/*
 * The CPUs' NT_PRSTATUS notes the module recorded at the snapshot; NULL
 * (said) when it has none or predates them: the dump is still useful,
 * without the running tasks' stacks.
 */
static void *cpu_notes(int fd, const struct lkcd_snapshot_status *st, size_t *len)
{
	struct lkcd_snapshot_notes req = {
		.version = LKCD_SNAP_NOTES_VERSION,
		.size = sizeof(req),
	};
	void *buf;

	*len = 0;
	if (!st->notes_len) {
		warnmsg("the snapshot has no CPU registers (a module without LKCD_IOC_NOTES?): crash and drgn will not show what the CPUs were running");
		return NULL;
	}
	buf = malloc(st->notes_len);
	if (!buf)
		return NULL;
	req.buf = (uint64_t)(uintptr_t)buf;
	req.buf_len = st->notes_len;
	if (ioctl(fd, LKCD_IOC_NOTES, &req) < 0) {
		if (errno == EPROTONOSUPPORT)
			warnmsg("the module's CPU notes are version %u, this lkcd reads version %u: no CPU registers in the dump",
				req.version, LKCD_SNAP_NOTES_VERSION);
		else
			warnmsg("cannot read the snapshot's CPU notes: %s: no CPU registers in the dump",
				strerror(errno));
		free(buf);
		return NULL;
	}
	if (req.notes_len > st->notes_len) {
		free(buf);
		return NULL;
	}
	*len = req.notes_len;
	say_cpus_without_regs(buf, req.notes_len);
	return buf;
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

static int snapshot_src_open(const struct save_request *req, struct save_input *si, void **state)
{
	struct lkcd_error err = { 0 };
	struct lkcd_dump_header h;
	struct snapshot_src *s;
	const char *path;
	int ret;

	(void)req;
	s = calloc(1, sizeof(*s));
	*state = s;
	if (!s) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	snprintf(s->path, sizeof(s->path), "%s", sys_path(LKCD_DEV_PATH));
	path = s->path;
	s->fd = snapshot_dev_open();
	if (s->fd < 0 || snapshot_dev_status(s->fd, &s->st) < 0)
		return EXIT_NODUMP;
	if (s->st.state != LKCD_SNAP_HELD) {
		errmsg("no live snapshot is held (state: %s); take one with `%s snapshot` or SysRq d",
		       lkcd_snap_state_name(s->st.state), prog);
		return EXIT_NODUMP;
	}
	ret = lkcd_source_open(path, LKCD_SOURCE_RAW, &s->src, &err);
	if (ret < 0) {
		errmsg("cannot open the snapshot: %s", err.msg);
		return EXIT_NODUMP;
	}
	ret = lkcd_source_read(s->src, s->st.header_paddr, s->page, sizeof(s->page), &err);
	if (ret >= 0)
		ret = lkcd_header_decode(s->page, sizeof(s->page), &h, NULL, 0, &err);
	if (ret < 0) {
		errmsg("no snapshot header at 0x%llx in %s: %s",
		       (unsigned long long)s->st.header_paddr, path, err.msg);
		return EXIT_NODUMP;
	}
	ret = lkcd_dump_open(s->src, s->st.header_paddr, &s->dump, &err);
	if (ret < 0) {
		errmsg("cannot read the snapshot at 0x%llx: %s",
		       (unsigned long long)s->st.header_paddr, err.msg);
		return EXIT_NODUMP;
	}
	ret = lkcd_dump_mem_load(s->dump, &s->mem, &err);
	if (ret < 0)
		warnmsg("the snapshot's memory cannot be indexed (%s): no VMCOREINFO, no kernel log",
			err.msg);
	else
		s->notes = vmcoreinfo_note(s->mem, lkcd_dump_header(s->dump), &s->notes_len);
	{
		/* as /proc/vmcore orders them: the CPUs first, VMCOREINFO last */
		size_t slen = 0, clen = 0, head_len = 0, all_len;
		void *cpus = cpu_notes(s->fd, &s->st, &clen);
		void *snap = cpus ? malloc(1) :
			     snap_note(lkcd_dump_header(s->dump)->current_task, &slen);
		void *head = snap ? concat(cpus, clen, snap, slen, &head_len) : NULL;
		void *all = head ? concat(head, head_len, s->notes, s->notes_len, &all_len) : NULL;

		free(snap);
		free(cpus);
		free(head);
		if (!all) {
			errmsg("out of memory");
			return EXIT_NODUMP;
		}
		free(s->notes);
		s->notes = all;
		s->notes_len = all_len;
	}

	memset(si, 0, sizeof(*si));
	si->from = path;
	si->header_page = s->page;
	si->header_paddr = s->st.header_paddr;
	si->hdr = lkcd_dump_header(s->dump);
	si->nr_ranges = lkcd_dump_ranges(s->dump, &si->ranges);
	si->notes = s->notes;
	si->notes_len = s->notes_len;
	lkcd_dump_page_iter(s->dump, &si->pages);
	if (s->mem) {
		si->read_phys = lkcd_dump_mem_read;
		si->read_ctx = s->mem;
	}
	si->problems = snap_problems;
	si->problems_ctx = s->dump;
	return EXIT_OK;
}

static int snapshot_src_after_saved(void *state, const struct save_request *req,
				    enum save_sink sink, unsigned long index)
{
	struct snapshot_src *s = state;

	(void)sink;
	(void)index;
	if (req->keep)
		return EXIT_OK;
	if (ioctl(s->fd, LKCD_IOC_RELEASE) < 0)
		warnmsg("the snapshot is saved but could not be released: %s", strerror(errno));
	else
		fprintf(stderr, "%s: snapshot released (%llu KiB given back)\n", prog,
			(unsigned long long)(s->st.held_bytes >> 10));
	return EXIT_OK;
}

/*
 * LKCD_SAVE_HWM=1 (tests): the save's peak resident memory, which does not
 * grow with the snapshot (dump_mem.c keeps no copy of it); tests/vm
 * snapshot-sysrq compares it with the snapshot's held bytes.
 */
static void report_hwm(void)
{
	char line[128];
	FILE *f;

	if (!getenv("LKCD_SAVE_HWM"))
		return;
	f = fopen("/proc/self/status", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			fprintf(stderr, "%s: peak memory %s", prog, line);
	fclose(f);
}

static void snapshot_src_close(void *state)
{
	struct snapshot_src *s = state;

	if (!s)
		return;
	report_hwm();
	free(s->notes);
	lkcd_dump_mem_free(s->mem);
	lkcd_dump_close(s->dump);
	lkcd_source_close(s->src);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

const struct save_source save_source_snapshot = {
	.name = "snapshot",
	.open = snapshot_src_open,
	.after_saved = snapshot_src_after_saved,
	.close = snapshot_src_close,
};
