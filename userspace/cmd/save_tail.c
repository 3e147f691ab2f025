// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd save of a dump the dumper had to stop (a fault inside it, out of
 * spare pages, the deadline): the records hold memory below the header's
 * next_pfn only, and what lies above -- often the kernel image, mem_section
 * and the per-cpu areas at the top of RAM -- is missing, so crash and
 * makedumpfile cannot open the file.  Yet that memory is still in
 * /proc/vmcore, untouched since the panic except for the pages the dumper
 * wrote its storage blocks into.
 *
 * So the save completes the dump: the preserved records first, then every
 * page from next_pfn on read from /proc/vmcore, filtered by class with the
 * dump's own exclude mask (the crashed kernel's struct pages, as the
 * /proc/vmcore fallback does) and never a storage block or the header
 * page.  analysis.N and stderr say which pages came from where; the
 * preserved header (the LKCD note) still says INCOMPLETE and why.  Without
 * usable VMCOREINFO the tail is added only at level all_ram (no class to
 * leave out); otherwise the dump is saved as it stands, said.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmesg.h"
#include "lkcd/params.h"
#include "save.h"
#include "page_class.h"
#include "page_filter.h"
#include "vmcoreinfo.h"

struct save_tail {
	struct save_input *si;		/* rewritten to read through the splice */
	struct lkcd_page_iter dump;	/* the preserved records */
	struct lkcd_page_iter src_it, zlib;	/* the tail, from /proc/vmcore */
	bool src_open, zlib_open, in_tail;
	uint64_t from_pfn;		/* the header's next_pfn */
	uint32_t exclude;
	struct lkcd_vmcoreinfo *vi;
	struct lkcd_page_classifier *pc;
	uint64_t *blocks;		/* storage block and header pfns, sorted */
	size_t nr_blocks;
	/* this pass */
	uint64_t data, zero, unreadable, by_class, block_pages;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool in_ranges(const struct save_input *si, uint64_t pfn)
{
	uint64_t addr = pfn * LKCD_PAGE_SIZE;

	for (size_t i = 0; i < si->nr_ranges; i++)
		if (addr >= si->ranges[i].start && addr - si->ranges[i].start < si->ranges[i].size)
			return true;
	return false;
}

/* Asked by the source iterator before it reads pfn: true leaves it out. */
static bool tail_drop(void *ctx, uint64_t pfn)
{
	struct save_tail *t = ctx;

	if (pfn < t->from_pfn || !in_ranges(t->si, pfn))
		return true;
	if (bsearch(&pfn, t->blocks, t->nr_blocks, sizeof(*t->blocks), cmp_u64)) {
		t->block_pages++;	/* the dumper's own writing, not the kernel's memory */
		return true;
	}
	if (t->pc && lkcd_page_class_excluded(lkcd_page_classify(t->pc, pfn), t->exclude)) {
		t->by_class++;
		return true;
	}
	return false;
}

static int splice_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct save_tail *t = ctx;
	int ret;

	if (!t->in_tail) {
		ret = t->dump.next(t->dump.ctx, pg, err);
		if (ret)
			return ret;
		t->in_tail = true;
	}
	ret = t->zlib.next(t->zlib.ctx, pg, err);
	if (ret <= 0)
		return ret;
	if (pg->flags == LKCD_REC_ZERO)
		t->zero += pg->count;
	else if (pg->flags == LKCD_REC_UNREADABLE)
		t->unreadable += pg->count;
	else
		t->data += pg->count;
	return 1;
}

static int splice_rewind(void *ctx, struct lkcd_error *err)
{
	struct save_tail *t = ctx;
	int ret;

	t->in_tail = false;
	t->data = t->zero = t->unreadable = t->by_class = t->block_pages = 0;
	ret = t->dump.rewind(t->dump.ctx, err);
	return ret ? ret : t->zlib.rewind(t->zlib.ctx, err);
}

/* Pages of memory src holds: what any count of pages in it is bounded by. */
static uint64_t source_pages(const struct lkcd_source *src)
{
	const struct lkcd_mem_range *r;
	size_t n = lkcd_source_ranges(src, &r);
	uint64_t pages = 0;

	for (size_t i = 0; i < n; i++)
		pages += r[i].size / LKCD_PAGE_SIZE;
	return pages;
}

/*
 * The storage blocks' pfns, walked from the header in src; 0 or -errno.
 * nr_blocks comes from the crashed kernel's header: a block is a page of
 * src, so src's page count bounds it before anything is allocated (a
 * crafted count near 2^64 once wrapped the array size to nothing).
 */
static int collect_blocks(struct save_tail *t, const struct lkcd_dump_header *h,
			  struct lkcd_source *src)
{
	uint64_t paddr = h->first_block_paddr, pages = source_pages(src);
	uint64_t max = (h->nr_blocks < pages ? h->nr_blocks : pages) + 1;	/* + the header */

	t->blocks = calloc(max, sizeof(*t->blocks));
	if (!t->blocks)
		return -ENOMEM;
	t->blocks[t->nr_blocks++] = t->si->header_paddr / LKCD_PAGE_SIZE;
	/* at most max - 1 steps: a damaged chain cannot loop us */
	while (paddr && t->nr_blocks < max) {
		struct lkcd_block_header b;

		if (lkcd_source_read(src, paddr, &b, sizeof(b), NULL) < 0 ||
		    le32toh(b.magic) != LKCD_BLOCK_MAGIC)
			break;
		t->blocks[t->nr_blocks++] = paddr / LKCD_PAGE_SIZE;
		paddr = le64toh(b.next_paddr);
	}
	qsort(t->blocks, t->nr_blocks, sizeof(*t->blocks), cmp_u64);
	return 0;
}

/*
 * Pages of the tail the drop test keeps: the kdump writer's one-pass bound.
 * Walked over the pages src holds, never up to the header's max_pfn, which
 * a crafted header may put near 2^52: the work is that of the save itself.
 */
static uint64_t tail_bound(struct save_tail *t)
{
	const struct lkcd_mem_range *r;
	size_t n = lkcd_source_ranges(t->si->src, &r);
	uint64_t kept = 0, end = t->si->hdr->max_pfn;

	for (size_t i = 0; i < n; i++) {
		/* rounded outwards, as the source iterator hands pages out */
		uint64_t first = r[i].start / LKCD_PAGE_SIZE;
		uint64_t last = (r[i].start + r[i].size + LKCD_PAGE_SIZE - 1) / LKCD_PAGE_SIZE;

		if (first < t->from_pfn)
			first = t->from_pfn;
		if (last > end)
			last = end;
		for (uint64_t pfn = first; pfn < last; pfn++)
			kept += !tail_drop(t, pfn);
	}
	t->by_class = t->block_pages = 0;
	return kept;
}

/* Why a stopped dump gets no tail, or NULL when it does. */
static const char *no_tail_reason(const struct save_request *req, const struct lkcd_dump_header *h,
				  const struct save_input *si)
{
	if (h->state != LKCD_STATE_INCOMPLETE || h->next_pfn >= h->max_pfn)
		return "";	/* nothing missing: not worth a word */
	if (h->incomplete_reason != LKCD_INCOMPLETE_REENTERED &&
	    h->incomplete_reason != LKCD_INCOMPLETE_NO_SPARE &&
	    h->incomplete_reason != LKCD_INCOMPLETE_DEADLINE &&
	    h->incomplete_reason != LKCD_INCOMPLETE_ERROR)
		return "the dump was stopped on purpose";
	if (!si->src)
		return "no /proc/vmcore to read the rest from";
	if (req->no_fallback)
		return "--no-fallback";
	return NULL;
}

void save_tail_end(struct save_tail *t)
{
	if (!t)
		return;
	if (t->zlib_open)
		lkcd_zlib_iter_close(&t->zlib);
	if (t->src_open)
		lkcd_source_page_iter_close(&t->src_it);
	lkcd_page_classifier_close(t->pc);
	lkcd_vmcoreinfo_free(t->vi);
	free(t->blocks);
	free(t);
}

static void tail_report(void *ctx, FILE *out)
{
	const struct save_tail *t = ctx;

	fprintf(out, "completed from:   %s, pfn 0x%llx on (the dumper stopped there): "
		"%llu pages with data, %llu zero, %llu unreadable; left out %llu by class "
		"(exclude 0x%x), %llu of the dumper's own storage\n",
		t->si->from, (unsigned long long)t->from_pfn, (unsigned long long)t->data,
		(unsigned long long)t->zero, (unsigned long long)t->unreadable,
		(unsigned long long)t->by_class, t->exclude, (unsigned long long)t->block_pages);
}

struct save_tail *save_tail_begin(const struct save_request *req, struct save_input *si)
{
	const struct lkcd_dump_header *h = si->hdr;
	struct lkcd_error err = { 0 };
	const char *why = no_tail_reason(req, h, si);
	struct save_tail *t;
	const void *notes;
	size_t nlen;
	int ret;

	if (why) {
		if (*why)
			warnmsg("the dump stopped at pfn 0x%llx; not completed from memory: %s",
				(unsigned long long)h->next_pfn, why);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		warnmsg("out of memory: the dump is saved as it stands");
		return NULL;
	}
	t->si = si;
	t->dump = si->pages;
	t->from_pfn = h->next_pfn;
	t->exclude = h->exclude & ~LKCD_EXCLUDE_ZERO;
	lkcd_source_notes(si->src, &notes, &nlen);
	ret = lkcd_vmcoreinfo_from_notes(notes, nlen, &t->vi, &err);
	if (!ret)
		ret = lkcd_page_classifier_open(t->vi, lkcd_dmesg_read_source, si->src, &t->pc, &err);
	if (ret < 0 && t->exclude) {
		warnmsg("the dump stopped at pfn 0x%llx; not completed from memory: cannot classify "
			"pages (%s)", (unsigned long long)h->next_pfn, err.msg);
		save_tail_end(t);
		return NULL;
	}
	ret = collect_blocks(t, h, si->src);
	if (!ret)
		ret = lkcd_source_page_iter_open_filtered(si->src, LKCD_PAGE_SIZE, tail_drop, t,
							  &t->src_it, &err);
	t->src_open = ret == 0;
	if (!ret)
		ret = lkcd_zlib_iter_open(&t->src_it, LKCD_PAGE_SIZE, &t->zlib, &err);
	t->zlib_open = t->src_open && ret == 0;
	if (ret < 0) {
		warnmsg("the dump stopped at pfn 0x%llx; not completed from memory: %s",
			(unsigned long long)h->next_pfn, ret == -ENOMEM ? "out of memory" : err.msg);
		save_tail_end(t);
		return NULL;
	}
	si->extra_pages = tail_bound(t);
	si->pages = (struct lkcd_page_iter){ t, splice_next, splice_rewind };
	si->report = tail_report;
	si->report_ctx = t;
	warnmsg("the dump stopped at pfn 0x%llx (%s): the rest is read from %s, filtered "
		"(exclude 0x%x)", (unsigned long long)h->next_pfn,
		lkcd_incomplete_reason(h->incomplete_reason)->text, si->from, t->exclude);
	return t;
}
