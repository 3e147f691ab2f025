// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Random access to a preserved dump's memory (see dump_mem.h).
 *
 * No copy of the dump is kept: a read that misses the windows walks the
 * dump again from its header (a second reader of the same source, so the
 * caller's own walk is not disturbed) and expands the pages of one aligned
 * window of WIN_PAGES pfns; records come in ascending pfn order (the reader
 * checks it), so the walk stops past the window.  Memory is NR_WIN windows
 * and one reader, whatever the dump's size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump_mem.h"
#include "internal.h"

#define WIN_PAGES	64u	/* pfns per window, aligned */
#define NR_WIN		16u	/* windows kept, least recently used replaced */

struct mem_win {
	uint64_t base;		/* first pfn; UINT64_MAX: empty */
	uint64_t used;		/* m->clock at the last hit */
	uint8_t have[WIN_PAGES];	/* 1: the page is in data */
	uint8_t *data;		/* WIN_PAGES pages, allocated at first use */
};

struct lkcd_dump_mem {
	struct lkcd_dump *walk;	/* our own reader of the dump */
	uint32_t page_size;
	uint64_t clock;
	uint64_t passes;	/* walks made (lkcd_dump_mem_passes) */
	struct mem_win win[NR_WIN];
};

void lkcd_dump_mem_free(struct lkcd_dump_mem *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < NR_WIN; i++)
		free(m->win[i].data);
	lkcd_dump_close(m->walk);
	free(m);
}

int lkcd_dump_mem_load(struct lkcd_dump *dump, struct lkcd_dump_mem **out,
		       struct lkcd_error *err)
{
	const struct lkcd_dump_header *h = lkcd_dump_header(dump);
	struct lkcd_dump_mem *m;
	int ret;

	*out = NULL;
	if (h->page_size == 0 || h->page_size > 65536)
		return lkcd_error_set(err, -EINVAL, "dump memory: page size %u", h->page_size);
	m = calloc(1, sizeof(*m));
	if (!m)
		return lkcd_error_set(err, -ENOMEM, "dump memory: out of memory");
	m->page_size = h->page_size;
	for (unsigned i = 0; i < NR_WIN; i++)
		m->win[i].base = UINT64_MAX;
	ret = lkcd_dump_reopen(dump, &m->walk, err);
	if (ret < 0) {
		free(m);
		return ret;
	}
	*out = m;
	return 0;
}

uint64_t lkcd_dump_mem_passes(const struct lkcd_dump_mem *m)
{
	return m->passes;
}

/* One walk of the dump filling w with the pages of [base, base + WIN_PAGES). */
static int fill(struct lkcd_dump_mem *m, struct mem_win *w, uint64_t base)
{
	uint64_t end = base + WIN_PAGES;
	struct lkcd_page pg;
	int ret;

	if (!w->data) {
		w->data = malloc((size_t)WIN_PAGES * m->page_size);
		if (!w->data)
			return -ENOMEM;
	}
	w->base = UINT64_MAX;
	memset(w->have, 0, sizeof(w->have));
	m->passes++;
	lkcd_dump_rewind(m->walk, NULL);
	while ((ret = lkcd_dump_next(m->walk, &pg, NULL)) > 0) {
		uint64_t from, to;

		if (pg.pfn >= end)
			break;
		if (pg.pfn + pg.count <= base || (pg.flags & LKCD_REC_UNREADABLE))
			continue;
		from = pg.pfn > base ? pg.pfn : base;
		to = pg.pfn + pg.count < end ? pg.pfn + pg.count : end;
		for (uint64_t p = from; p < to; p++)
			if (lkcd_page_expand(&pg, (uint32_t)(p - pg.pfn),
					     w->data + (p - base) * m->page_size,
					     m->page_size, NULL) == 0)
				w->have[p - base] = 1;
	}
	if (ret < 0)
		return ret;
	w->base = base;
	return 0;
}

/* The page pfn, or NULL with *ret: -EFAULT when the dump has none. */
static const uint8_t *get_page(struct lkcd_dump_mem *m, uint64_t pfn, int *ret)
{
	uint64_t base = pfn - pfn % WIN_PAGES;
	struct mem_win *w = NULL, *lru = &m->win[0];

	for (unsigned i = 0; i < NR_WIN; i++) {
		if (m->win[i].base == base) {
			w = &m->win[i];
			break;
		}
		if (m->win[i].base == UINT64_MAX ||
		    (lru->base != UINT64_MAX && m->win[i].used < lru->used))
			lru = &m->win[i];
	}
	if (!w) {
		w = lru;
		*ret = fill(m, w, base);
		if (*ret < 0)
			return NULL;
	}
	w->used = ++m->clock;
	if (!w->have[pfn - base]) {
		*ret = -EFAULT;
		return NULL;
	}
	return w->data + (pfn - base) * m->page_size;
}

int lkcd_dump_mem_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct lkcd_dump_mem *m = ctx;
	uint8_t *out = buf;

	while (len) {
		uint64_t pfn = paddr / m->page_size;
		uint32_t off = (uint32_t)(paddr % m->page_size);
		size_t n = m->page_size - off;
		const uint8_t *page;
		int ret;

		if (n > len)
			n = len;
		page = get_page(m, pfn, &ret);
		if (!page)
			return ret;
		memcpy(out, page + off, n);
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}
