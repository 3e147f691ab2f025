// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd save without a usable lkcd dump (lkcd.ko never loaded, header
 * destroyed, never sealed): save /proc/vmcore itself, so that a dump is
 * still written.  The crashed kernel's pages are classified from its own
 * struct pages through VMCOREINFO (page_class.c) and filtered like
 * makedumpfile -d with DUMP_LEVEL/DUMP_EXCLUDE (or --level/--exclude);
 * without usable VMCOREINFO every page is written.  Zero pages are always
 * written, as zero records (one shared descriptor: a debugger cannot start
 * when a zero-filled kernel page is missing), as lkcd.ko does.
 *
 * What save_source_vmcore opens in the dump's place: it hands on a header
 * made up here (state complete, flag LKCD_FLAG_VMCORE_FALLBACK, the reason
 * in panic_string), so the saved file, analysis.N and lkcd show all say
 * where the dump came from, and pages already filtered by class, so the
 * stages do not filter again.  Exit status: that of the save (0 when
 * written), with warnings on stderr saying there was no lkcd dump and why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dmesg.h"
#include "kmem.h"
#include "save.h"
#include "lkcd/params.h"
#include "page_class.h"
#include "page_filter.h"
#include "vmcoreinfo.h"

struct save_fallback {
	struct lkcd_source *own;	/* vmcore, when opened here */
	struct lkcd_vmcoreinfo *vi;
	struct lkcd_page_iter filter, zlib;
	struct lkcd_dump_header hdr;	/* the made-up header, as the reader sees it */
	uint8_t page[LKCD_PAGE_SIZE];	/* ... and as the note holds it */
	uint32_t exclude;		/* the mask applied (with classes) */
	uint32_t level;
	bool have_classes;
	char no_classes[512];		/* why not, when !have_classes */
	struct lkcd_page_classifier *pc;
	struct lkcd_filter_stats st;
	double t0, seconds;		/* start; seconds to the end of the save */
};

/* utsname from init_uts_ns, else what VMCOREINFO says. */
static void fill_uts(struct lkcd_uts *uts, const struct lkcd_vmcoreinfo *vi,
		     struct lkcd_source *src)
{
	uint64_t sym, off;
	struct lkcd_kmem km;
	const char *rel;

	memset(uts, 0, sizeof(*uts));
	if (vi && !lkcd_vmcoreinfo_symbol(vi, "init_uts_ns", &sym) &&
	    !lkcd_vmcoreinfo_offset(vi, "uts_namespace", "name", &off)) {
		lkcd_kmem_init(&km, vi, lkcd_dmesg_read_source, src);
		if (!lkcd_kmem_read(&km, sym + off, uts, sizeof(*uts), NULL)) {
			/* untrusted: every string must end in its array */
			uts->sysname[LKCD_UTS_LEN - 1] = uts->nodename[LKCD_UTS_LEN - 1] = '\0';
			uts->release[LKCD_UTS_LEN - 1] = uts->version[LKCD_UTS_LEN - 1] = '\0';
			uts->machine[LKCD_UTS_LEN - 1] = uts->domainname[LKCD_UTS_LEN - 1] = '\0';
			if (uts->machine[0])
				return;
			memset(uts, 0, sizeof(*uts));
		}
	}
	snprintf(uts->sysname, LKCD_UTS_LEN, "Linux");
	rel = vi ? lkcd_vmcoreinfo_osrelease(vi) : NULL;
	snprintf(uts->release, LKCD_UTS_LEN, "%s", rel ? rel : "");
	snprintf(uts->machine, LKCD_UTS_LEN, "x86_64");	/* lkcd's only architecture */
}

/*
 * The header the output states: complete, labelled, the RAM ranges of
 * vmcore; pages_dumped is their page count until the caller narrows it
 * (lkcd_filter_count: an upper bound of what the filter passes, which lets
 * the kdump writer work in one pass).
 */
static void make_header(struct lkcd_dump_header *h, const struct save_fallback *fb,
			const struct lkcd_vmcoreinfo *vi, struct lkcd_source *src,
			const char *vmcore, const char *reason)
{
	const struct lkcd_mem_range *r;
	size_t n = lkcd_source_ranges(src, &r);
	int64_t t;

	memset(h, 0, sizeof(*h));
	h->magic = LKCD_DUMP_MAGIC;
	h->version = LKCD_FORMAT_VERSION;
	h->state = LKCD_STATE_COMPLETE;
	h->page_size = LKCD_PAGE_SIZE;
	h->level = fb->level;
	h->exclude = fb->exclude & ~LKCD_EXCLUDE_ZERO;	/* as applied */
	h->compress = LKCD_COMPRESS_ZLIB;
	h->flags = LKCD_FLAG_VMCORE_FALLBACK;
	if (vi && !lkcd_vmcoreinfo_crash_time(vi, &t) && t > 0)
		h->panic_time_sec = (uint64_t)t;
	else
		h->panic_time_sec = (uint64_t)time(NULL);
	for (size_t i = 0; i < n; i++) {
		uint64_t first = r[i].start / LKCD_PAGE_SIZE;
		uint64_t end = (r[i].start + r[i].size + LKCD_PAGE_SIZE - 1) / LKCD_PAGE_SIZE;

		h->memory_size += r[i].size;
		h->pages_dumped += end - first;
		h->max_pfn = end;
	}
	h->next_pfn = h->max_pfn;
	fill_uts(&h->uts, vi, src);
	/* the source as it was: /proc/vmcore in a capture kernel, FILE for -f FILE */
	snprintf(h->panic_string, LKCD_PANIC_LEN, "%s" LKCD_FALLBACK_MARK "%s)", vmcore, reason);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* analysis.N, after the page counts: the filter applied, per class. */
static void report(void *ctx, FILE *out)
{
	const struct save_fallback *fb = ctx;
	const struct lkcd_filter_stats *st = &fb->st;
	const char *why;
	uint64_t bad;

	if (!fb->have_classes) {
		fprintf(out, "filter:           none, every page written: %s\n", fb->no_classes);
	} else {
		fprintf(out, "filter:           exclude 0x%x (level %s) from the crashed kernel's struct pages\n",
			fb->exclude, lkcd_level_name(fb->level));
		for (int c = 0; c < LKCD_PAGE_NR; c++) {
			if (!st->seen[c])
				continue;
			fprintf(out, "  %-14s  %10llu pages, %10llu left out\n",
				lkcd_page_class_name((enum lkcd_page_class)c),
				(unsigned long long)st->seen[c], (unsigned long long)st->dropped[c]);
		}
		why = lkcd_page_classifier_limits(fb->pc);
		if (why)
			fprintf(out, "  not classified (kept): %s\n", why);
		bad = lkcd_page_classifier_unreadable(fb->pc, &why);
		if (bad)
			fprintf(out, "  struct page unreadable for %llu pages (kept as unknown); first: %s\n",
				(unsigned long long)bad, why);
	}
	fprintf(out, "  written: %llu with data, %llu zero (shared zero page), %llu unreadable in vmcore (%.1f s)\n",
		(unsigned long long)st->data, (unsigned long long)st->zero,
		(unsigned long long)st->unreadable, now_s() - fb->t0);
}

/* The mask to apply: --exclude, --level, DUMP_EXCLUDE, DUMP_LEVEL. EXIT_OK or FAIL. */
static int choose_filter(const struct save_request *req, struct save_fallback *fb)
{
	const struct lkcd_conf *conf = req->conf;
	struct lkcd_dump_header none = { 0 };
	struct save_filter f;
	char msg[256] = "";

	fb->level = req->have_level ? req->level : conf->level;
	if (req->have_level || req->have_exclude) {
		if (save_filter_resolve(&none, req, &f, msg, sizeof(msg)) < 0) {
			errmsg("%s", msg);
			return EXIT_FAIL;
		}
		fb->exclude = f.exclude;
	} else {
		fb->exclude = conf->exclude ? conf->exclude : lkcd_level_default_exclude(conf->level);
	}
	return EXIT_OK;
}

static int summary_line(const struct save_fallback *fb)
{
	uint64_t kept = fb->st.data + fb->st.zero + fb->st.unreadable, out = 0;

	for (int c = 0; c < LKCD_PAGE_NR; c++)
		out += fb->st.dropped[c];
	fprintf(stderr, "%s: fallback: %llu pages written (%llu zero), %llu left out by class (%.1f s)\n",
		prog, (unsigned long long)kept, (unsigned long long)fb->st.zero,
		(unsigned long long)out, fb->seconds);
	return 0;
}

int save_fallback_open(const struct save_request *req, struct lkcd_source *src,
		       const char *vmcore, const char *reason, struct save_input *si,
		       struct save_fallback **state)
{
	const struct lkcd_conf *conf = req->conf;
	struct lkcd_error err = { 0 };
	struct lkcd_dump_header h;
	struct save_fallback *fb;
	const struct lkcd_mem_range *ranges;
	const void *notes;
	size_t nlen;
	int ret, rc;

	*state = NULL;
	if (!src && access(vmcore, F_OK) < 0) {	/* not a capture kernel: nothing to fall back on */
		errmsg("%s", reason);
		return EXIT_NODUMP;
	}
	if (!conf->save_fallback || req->no_fallback) {
		errmsg("%s", reason);
		errmsg("no dump saved: the %s fallback is off (%s)", vmcore,
		       req->no_fallback ? "--no-fallback" : "SAVE_FALLBACK=0");
		return EXIT_NODUMP;
	}
	fb = calloc(1, sizeof(*fb));
	if (!fb) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	*state = fb;
	if (!src) {
		ret = lkcd_source_open(vmcore, LKCD_SOURCE_AUTO, &fb->own, &err);
		if (ret < 0) {
			errmsg("%s", reason);
			errmsg("no fallback either: cannot open %s: %s", vmcore, err.msg);
			return EXIT_NODUMP;
		}
		src = fb->own;
	}
	warnmsg("no usable lkcd dump: %s", reason);
	fb->t0 = now_s();
	rc = choose_filter(req, fb);
	if (rc != EXIT_OK)
		return rc;
	if (!lkcd_source_ranges(src, &ranges)) {
		errmsg("no fallback either: %s holds no memory", vmcore);
		return EXIT_NODUMP;
	}
	lkcd_source_notes(src, &notes, &nlen);
	ret = lkcd_vmcoreinfo_from_notes(notes, nlen, &fb->vi, &err);
	if (!ret)
		ret = lkcd_page_classifier_open(fb->vi, lkcd_dmesg_read_source, src, &fb->pc, &err);
	fb->have_classes = ret == 0;
	if (fb->have_classes && lkcd_page_classifier_limits(fb->pc))
		warnmsg("not classified, kept: %s", lkcd_page_classifier_limits(fb->pc));
	if (!fb->have_classes) {
		snprintf(fb->no_classes, sizeof(fb->no_classes), "%s", err.msg);
		warnmsg("cannot classify pages (%s): every page is written", err.msg);
		fb->exclude = 0;
	}
	warnmsg("falling back to saving %s itself, filtered (exclude 0x%x)", vmcore, fb->exclude);
	make_header(&h, fb, fb->vi, src, vmcore, reason);
	/* the bound the kdump writer reserves descriptors for: what the filter keeps */
	h.pages_dumped = lkcd_filter_count(src, LKCD_PAGE_SIZE, fb->pc, fb->exclude);
	/* through the encoder and the decoder: the note holds exactly what the reader sees */
	lkcd_header_encode(&h, ranges, (uint32_t)lkcd_source_ranges(src, &ranges), fb->page);
	ret = lkcd_header_decode(fb->page, sizeof(fb->page), &fb->hdr, NULL, 0, &err);
	if (ret < 0) {
		errmsg("fallback header: %s", err.msg);
		return EXIT_NODUMP;
	}
	ret = lkcd_filter_iter_open(src, LKCD_PAGE_SIZE, fb->pc, fb->exclude, &fb->st,
				    &fb->filter, &err);
	if (!ret)
		ret = lkcd_zlib_iter_open(&fb->filter, LKCD_PAGE_SIZE, &fb->zlib, &err);
	if (ret < 0) {
		errmsg("fallback: %s", err.msg);
		return EXIT_WRITE;
	}

	memset(si, 0, sizeof(*si));
	si->from = vmcore;
	si->src = src;
	si->header_page = fb->page;
	si->header_paddr = 0;
	si->hdr = &fb->hdr;
	si->nr_ranges = lkcd_source_ranges(src, &si->ranges);
	si->notes = notes;
	si->notes_len = nlen;
	si->pages = fb->zlib;
	si->read_phys = lkcd_dmesg_read_source;
	si->read_ctx = src;
	si->report = report;
	si->report_ctx = fb;
	si->capture = true;
	si->filtered = true;	/* applied here, by class: the stages must not filter again */
	return EXIT_OK;
}

void save_fallback_after_saved(struct save_fallback *fb)
{
	fb->seconds = now_s() - fb->t0;
	summary_line(fb);
}

void save_fallback_close(struct save_fallback *fb)
{
	if (!fb)
		return;
	lkcd_zlib_iter_close(&fb->zlib);
	lkcd_filter_iter_close(&fb->filter);
	lkcd_page_classifier_close(fb->pc);
	lkcd_vmcoreinfo_free(fb->vi);
	lkcd_source_close(fb->own);
	free(fb);
}
