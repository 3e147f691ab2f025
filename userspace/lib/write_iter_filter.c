// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The source page iterator with makedumpfile -d style filtering: the class
 * of each pfn is asked before its page is read (excluded pages are never
 * read).  Zero pages are kept, as ZERO records, whatever the mask: they
 * cost one shared descriptor in the output, and a debugger that finds a
 * zero-filled kernel page (.bss, a fresh table) missing cannot start
 * ("page excluded") -- lkcd.ko keeps them for the same reason.  Counts per
 * class go to the caller's stats for analysis.N.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "page_filter.h"

struct filter_iter {
	struct lkcd_page_iter inner;	/* the source iterator */
	struct lkcd_page_classifier *pc;
	uint32_t exclude;
	struct lkcd_filter_stats *st;
};

/* Asked by the source iterator before it reads pfn. */
static bool filter_drop(void *ctx, uint64_t pfn)
{
	struct filter_iter *f = ctx;
	enum lkcd_page_class cls = lkcd_page_classify(f->pc, pfn);
	bool drop = lkcd_page_class_excluded(cls, f->exclude);

	f->st->seen[cls]++;
	if (drop)
		f->st->dropped[cls]++;
	return drop;
}

static int filter_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct filter_iter *f = ctx;
	int ret;

	ret = f->inner.next(f->inner.ctx, pg, err);
	if (ret <= 0)
		return ret;
	if (!f->pc)	/* no classes: every page read counts as unknown */
		f->st->seen[LKCD_PAGE_UNKNOWN] += pg->count;
	if (pg->flags == LKCD_REC_ZERO)
		f->st->zero += pg->count;
	else if (pg->flags == LKCD_REC_UNREADABLE)
		f->st->unreadable += pg->count;
	else
		f->st->data += pg->count;
	return 1;
}

static int filter_rewind(void *ctx, struct lkcd_error *err)
{
	struct filter_iter *f = ctx;

	memset(f->st, 0, sizeof(*f->st));
	return f->inner.rewind(f->inner.ctx, err);
}

uint64_t lkcd_filter_count(struct lkcd_source *src, uint32_t page_size,
			   struct lkcd_page_classifier *pc, uint32_t exclude)
{
	const struct lkcd_mem_range *r;
	size_t n = lkcd_source_ranges(src, &r);
	uint64_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t first = r[i].start / page_size;
		uint64_t end = (r[i].start + r[i].size + page_size - 1) / page_size;

		for (uint64_t pfn = first; pfn < end; pfn++)
			kept += !pc || !lkcd_page_class_excluded(lkcd_page_classify(pc, pfn),
								 exclude);
	}
	return kept;
}

int lkcd_filter_iter_open(struct lkcd_source *src, uint32_t page_size,
			  struct lkcd_page_classifier *pc, uint32_t exclude,
			  struct lkcd_filter_stats *stats, struct lkcd_page_iter *it,
			  struct lkcd_error *err)
{
	struct filter_iter *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return lkcd_error_set(err, -ENOMEM, "page filter: out of memory");
	f->pc = pc;
	f->exclude = exclude;
	f->st = stats;
	memset(stats, 0, sizeof(*stats));
	ret = lkcd_source_page_iter_open_filtered(src, page_size, pc ? filter_drop : NULL, f,
						  &f->inner, err);
	if (ret) {
		free(f);
		return ret;
	}
	it->ctx = f;
	it->next = filter_next;
	it->rewind = filter_rewind;
	return 0;
}

void lkcd_filter_iter_close(struct lkcd_page_iter *it)
{
	struct filter_iter *f = it ? it->ctx : NULL;

	if (!f)
		return;
	lkcd_source_page_iter_close(&f->inner);
	free(f);
	it->ctx = NULL;
}
