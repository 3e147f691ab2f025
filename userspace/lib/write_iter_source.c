// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A page iterator over a memory source (an ELF vmcore such as /proc/vmcore
 * or QEMU's dump-guest-memory, a raw image): every page of the source's
 * ranges, as RAW records, runs of all-zero pages as ZERO records and pages
 * that cannot be read as UNREADABLE.  With it the writers turn a plain
 * vmcore into any output format (and tests feed them a real kernel's
 * memory).  Pages partly outside a range read as zeros there.
 *
 * An optional drop callback (lkcd_source_page_iter_open_filtered, for the
 * /proc/vmcore fallback's page classes) is asked about each pfn before it
 * is read: pages it drops are never read and never handed out.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct source_iter {
	struct lkcd_source *src;
	uint32_t page_size;
	const struct lkcd_mem_range *ranges;
	size_t nr_ranges;
	size_t range;		/* current range */
	uint64_t pfn;		/* next pfn to look at */
	uint8_t *page;		/* the page handed out */
	uint8_t *ahead;		/* a page read while scanning a zero run */
	int ahead_state;	/* 0 none, 1 data in ahead, 2 unreadable */
	uint64_t ahead_pfn;
	bool (*drop)(void *ctx, uint64_t pfn);
	void *drop_ctx;
};

static void range_pfns(const struct source_iter *s, size_t i, uint64_t *first,
		       uint64_t *end)
{
	const struct lkcd_mem_range *r = &s->ranges[i];

	*first = r->start / s->page_size;
	*end = (r->start + r->size + s->page_size - 1) / s->page_size;
}

/* Read page pfn of range i into buf: 0, or -EFAULT when unreadable. */
static int read_page(struct source_iter *s, size_t i, uint64_t pfn, uint8_t *buf)
{
	const struct lkcd_mem_range *r = &s->ranges[i];
	uint64_t addr = pfn * s->page_size, from = addr, to = addr + s->page_size;

	if (from < r->start)
		from = r->start;
	if (to > r->start + r->size)
		to = r->start + r->size;
	memset(buf, 0, s->page_size);
	return lkcd_source_read(s->src, from, buf + (from - addr), to - from, NULL);
}

static int is_zero(const uint8_t *p, size_t n)
{
	return !p[0] && !memcmp(p, p + 1, n - 1);
}

/* The next page in pfn order; 0 at the end.  *state 1 data, 2 unreadable. */
static int advance(struct source_iter *s, uint64_t *pfn, int *state, uint8_t *buf)
{
	uint64_t first, end;

	while (s->range < s->nr_ranges) {
		range_pfns(s, s->range, &first, &end);
		if (s->pfn < first)
			s->pfn = first;
		while (s->pfn < end && s->drop && s->drop(s->drop_ctx, s->pfn))
			s->pfn++;
		if (s->pfn < end) {
			*pfn = s->pfn++;
			*state = read_page(s, s->range, *pfn, buf) ? 2 : 1;
			return 1;
		}
		s->range++;
	}
	return 0;
}

static int src_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct source_iter *s = ctx;
	uint64_t pfn;
	int state;

	(void)err;
	if (s->ahead_state) {
		pfn = s->ahead_pfn;
		state = s->ahead_state;
		memcpy(s->page, s->ahead, s->page_size);
		s->ahead_state = 0;
	} else if (!advance(s, &pfn, &state, s->page)) {
		return 0;
	}
	memset(pg, 0, sizeof(*pg));
	pg->pfn = pfn;
	pg->count = 1;
	if (state == 2 || is_zero(s->page, s->page_size)) {
		uint32_t kind = state == 2 ? 2 : 0;

		pg->flags = state == 2 ? LKCD_REC_UNREADABLE : LKCD_REC_ZERO;
		/* extend the run over following pages of the same kind */
		while (pg->count < UINT32_MAX &&
		       advance(s, &s->ahead_pfn, &s->ahead_state, s->ahead)) {
			uint32_t k = s->ahead_state == 2 ? 2 :
				     is_zero(s->ahead, s->page_size) ? 0 : 1;

			if (k != kind || s->ahead_pfn != pfn + pg->count)
				break;
			pg->count++;
			s->ahead_state = 0;
		}
		return 1;
	}
	pg->flags = LKCD_REC_RAW;
	pg->stored = s->page;
	pg->stored_size = s->page_size;
	return 1;
}

static int src_rewind(void *ctx, struct lkcd_error *err)
{
	struct source_iter *s = ctx;

	(void)err;
	s->range = 0;
	s->pfn = 0;
	s->ahead_state = 0;
	return 0;
}

int lkcd_source_page_iter_open(struct lkcd_source *src, uint32_t page_size,
			       struct lkcd_page_iter *it, struct lkcd_error *err)
{
	return lkcd_source_page_iter_open_filtered(src, page_size, NULL, NULL, it, err);
}

int lkcd_source_page_iter_open_filtered(struct lkcd_source *src, uint32_t page_size,
					bool (*drop)(void *ctx, uint64_t pfn), void *drop_ctx,
					struct lkcd_page_iter *it, struct lkcd_error *err)
{
	struct source_iter *s;

	if (page_size < 1024 || (page_size & (page_size - 1)))
		return lkcd_error_set(err, -EINVAL,
				      "source pages: page size %u is not a power of two >= 1024",
				      page_size);
	s = calloc(1, sizeof(*s));
	if (s) {
		s->page = malloc(page_size);
		s->ahead = malloc(page_size);
	}
	if (!s || !s->page || !s->ahead) {
		if (s) {
			free(s->page);
			free(s->ahead);
		}
		free(s);
		return lkcd_error_set(err, -ENOMEM, "source pages: out of memory");
	}
	s->src = src;
	s->page_size = page_size;
	s->drop = drop;
	s->drop_ctx = drop_ctx;
	s->nr_ranges = lkcd_source_ranges(src, &s->ranges);
	it->ctx = s;
	it->next = src_next;
	it->rewind = src_rewind;
	return 0;
}

void lkcd_source_page_iter_close(struct lkcd_page_iter *it)
{
	struct source_iter *s = it ? it->ctx : NULL;

	if (!s)
		return;
	free(s->page);
	free(s->ahead);
	free(s);
	it->ctx = NULL;
}
