// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The capture kernel's source: the dump lkcd.ko preserved, read through
 * /proc/vmcore (or lkcd save -f FILE) at the address crashdump= (or -a)
 * names.  Where there is no usable dump (no crashdump=, no header, an empty,
 * unfinished or pageless one) the /proc/vmcore fallback
 * (save_source_fallback.c) opens in its place, unless refused.  What it
 * hands on is marked capture: DUMPDEV may take it, the tail stage may
 * complete it from the rest of memory.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dmesg.h"
#include "save.h"
#include "lkcd/params.h"

struct vmcore {
	char path[PATH_MAX];		/* what si->from points at */
	struct lkcd_source *src;
	struct lkcd_dump *dump;
	uint8_t page[LKCD_PAGE_SIZE];	/* the header page as preserved */
	struct save_fallback *fb;	/* opened in the dump's place, or NULL */
};

static size_t reader_problems(void *ctx, const struct lkcd_problem **out)
{
	return lkcd_dump_problems(ctx, out);
}

/* Why the dump at addr cannot be saved as such (why filled), or 0. */
static int unusable(const struct lkcd_dump_header *h, uint64_t addr, char *why, size_t len)
{
	if (h->state == LKCD_STATE_EMPTY) {
		snprintf(why, len,
			 "no dump at 0x%llx: the header is armed but empty (the dumper did not run)",
			 (unsigned long long)addr);
		return -1;
	}
	if (h->state == LKCD_STATE_IN_PROGRESS) {
		snprintf(why, len, "dump at 0x%llx was never finished (state in progress)",
			 (unsigned long long)addr);
		return -1;
	}
	/*
	 * Stopped by a fault before its first page (level header keeps none
	 * anyway).  Never for LOCKDOWN: that empty dump is a refusal, and
	 * /proc/vmcore is exactly what it refuses to give.
	 */
	if (h->state == LKCD_STATE_INCOMPLETE && !h->nr_records && h->level != LKCD_LEVEL_HEADER &&
	    (h->incomplete_reason == LKCD_INCOMPLETE_REENTERED ||
	     h->incomplete_reason == LKCD_INCOMPLETE_ERROR ||
	     h->incomplete_reason == LKCD_INCOMPLETE_NO_SPARE ||
	     h->incomplete_reason == LKCD_INCOMPLETE_DEADLINE)) {
		snprintf(why, len, "the dump at 0x%llx holds no pages: %s before anything was written",
			 (unsigned long long)addr, lkcd_incomplete_reason(h->incomplete_reason)->text);
		return -1;
	}
	return 0;
}

static int vmcore_open(const struct save_request *req, struct save_input *si, void **state)
{
	const char *address = req->address;
	struct lkcd_error err = { 0 };
	struct lkcd_dump_header h;
	struct vmcore *v;
	char cmdline[4096], addrbuf[64], why[PATH_MAX + 1024];
	uint64_t addr;
	int ret;

	v = calloc(1, sizeof(*v));
	*state = v;
	if (!v) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	snprintf(v->path, sizeof(v->path), "%s",
		 req->vmcore ? req->vmcore : sys_path("/proc/vmcore"));
	/* where is the header? */
	if (!address) {
		ret = read_text(sys_path("/proc/cmdline"), cmdline, sizeof(cmdline));
		if (ret < 0) {
			errmsg("%s: %s", sys_path("/proc/cmdline"), strerror(-ret));
			return EXIT_NODUMP;
		}
		if (cmdline_get(cmdline, "crashdump", addrbuf, sizeof(addrbuf)) < 0)
			return save_fallback_open(req, NULL, v->path,
						  "no crashdump= on the kernel command line (not a capture kernel "
						  "for lkcd, or lkcd.ko was never armed); give --address",
						  si, &v->fb);
		address = addrbuf;
	}
	if (parse_u64(address, &addr) < 0 || addr % LKCD_PAGE_SIZE) {
		snprintf(why, sizeof(why),
			 "bad dump header address '%s' (a page-aligned number, e.g. 0x7f000000)",
			 address);
		if (req->address) {	/* a typo on our own command line: no guessing */
			errmsg("%s", why);
			return EXIT_NODUMP;
		}
		return save_fallback_open(req, NULL, v->path, why, si, &v->fb);
	}

	/* the memory of the crashed kernel, and the header in it */
	ret = lkcd_source_open(v->path, LKCD_SOURCE_AUTO, &v->src, &err);
	if (ret < 0) {
		errmsg("cannot open the crashed kernel's memory: %s", err.msg);
		return EXIT_NODUMP;
	}
	if (lkcd_source_warning(v->src))
		warnmsg("%s: %s", v->path, lkcd_source_warning(v->src));
	ret = lkcd_source_read(v->src, addr, v->page, sizeof(v->page), &err);
	if (ret < 0) {
		snprintf(why, sizeof(why), "no lkcd dump header at 0x%llx: %s",
			 (unsigned long long)addr, err.msg);
		goto no_dump;
	}
	ret = lkcd_header_decode(v->page, sizeof(v->page), &h, NULL, 0, &err);
	if (ret < 0) {
		snprintf(why, sizeof(why), "no lkcd dump header at 0x%llx in %s: %s",
			 (unsigned long long)addr, v->path, err.msg);
		goto no_dump;
	}
	if (h.state == LKCD_STATE_EMPTY || h.state == LKCD_STATE_IN_PROGRESS)
		goto check;
	ret = lkcd_dump_open(v->src, addr, &v->dump, &err);
	if (ret < 0) {
		snprintf(why, sizeof(why), "cannot read the dump at 0x%llx: %s",
			 (unsigned long long)addr, err.msg);
		goto no_dump;
	}
check:
	if (unusable(&h, addr, why, sizeof(why)) < 0)
		goto no_dump;

	memset(si, 0, sizeof(*si));
	si->from = v->path;
	si->src = v->src;
	si->header_page = v->page;
	si->header_paddr = addr;
	si->hdr = lkcd_dump_header(v->dump);
	si->nr_ranges = lkcd_dump_ranges(v->dump, &si->ranges);
	lkcd_source_notes(v->src, &si->notes, &si->notes_len);
	lkcd_dump_page_iter(v->dump, &si->pages);
	si->read_phys = lkcd_dmesg_read_source;
	si->read_ctx = v->src;
	si->problems = reader_problems;
	si->problems_ctx = v->dump;
	si->capture = true;
	return EXIT_OK;
no_dump:
	/* no usable lkcd dump: /proc/vmcore itself, unless refused */
	return save_fallback_open(req, v->src, v->path, why, si, &v->fb);
}

static int vmcore_after_saved(void *state, const struct save_request *req,
			      enum save_sink sink, unsigned long index)
{
	struct vmcore *v = state;

	(void)req;
	(void)sink;
	(void)index;
	if (v->fb)
		save_fallback_after_saved(v->fb);
	return EXIT_OK;
}

static void vmcore_close(void *state)
{
	struct vmcore *v = state;

	if (!v)
		return;
	save_fallback_close(v->fb);	/* it borrows v->src */
	lkcd_dump_close(v->dump);
	lkcd_source_close(v->src);
	free(v);
}

const struct save_source save_source_vmcore = {
	.name = "vmcore",
	.open = vmcore_open,
	.after_saved = vmcore_after_saved,
	.close = vmcore_close,
};
