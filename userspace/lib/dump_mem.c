// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Random access to a preserved dump's memory (see dump_mem.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump_mem.h"
#include "internal.h"

struct mem_rec {
	uint64_t pfn;
	uint32_t count;
	uint32_t flags;
	uint32_t compress;
	uint32_t stored_size;
	uint64_t off;		/* into arena */
};

struct lkcd_dump_mem {
	struct mem_rec *recs;	/* ascending pfn, as the reader hands them out */
	size_t nr;
	uint8_t *arena;
	uint64_t arena_len;
	uint32_t page_size;
	uint8_t *page;		/* the last page expanded */
	uint64_t page_pfn;	/* UINT64_MAX: none */
};

void lkcd_dump_mem_free(struct lkcd_dump_mem *m)
{
	if (!m)
		return;
	free(m->recs);
	free(m->arena);
	free(m->page);
	free(m);
}

int lkcd_dump_mem_load(struct lkcd_dump *dump, struct lkcd_dump_mem **out,
		       struct lkcd_error *err)
{
	const struct lkcd_dump_header *h = lkcd_dump_header(dump);
	struct lkcd_dump_mem *m;
	struct lkcd_page pg;
	size_t cap = 0;
	uint64_t arena_cap;
	int ret;

	if (h->stored_bytes > LKCD_DUMP_MEM_MAX)
		return lkcd_error_set(err, -E2BIG,
				      "dump memory: %llu stored bytes is more than the %llu loaded for random access",
				      (unsigned long long)h->stored_bytes,
				      (unsigned long long)LKCD_DUMP_MEM_MAX);
	if (h->page_size == 0 || h->page_size > 65536)
		return lkcd_error_set(err, -EINVAL, "dump memory: page size %u", h->page_size);
	m = calloc(1, sizeof(*m));
	if (!m)
		return lkcd_error_set(err, -ENOMEM, "dump memory: out of memory");
	m->page_size = h->page_size;
	m->page_pfn = UINT64_MAX;
	m->page = malloc(m->page_size);
	/* the header's count is a hint only: the arena grows when it lies */
	arena_cap = h->stored_bytes ? h->stored_bytes : 65536;
	m->arena = malloc(arena_cap);
	if (!m->page || !m->arena) {
		ret = lkcd_error_set(err, -ENOMEM, "dump memory: out of memory");
		goto fail;
	}
	ret = lkcd_dump_rewind(dump, err);
	if (ret < 0)
		goto fail;
	while ((ret = lkcd_dump_next(dump, &pg, err)) > 0) {
		struct mem_rec *r;

		if (m->nr == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct mem_rec *g = realloc(m->recs, ncap * sizeof(*g));

			if (!g) {
				ret = lkcd_error_set(err, -ENOMEM, "dump memory: out of memory");
				goto fail;
			}
			m->recs = g;
			cap = ncap;
		}
		if (m->arena_len + pg.stored_size > arena_cap) {
			uint64_t ncap = arena_cap * 2 + pg.stored_size;
			uint8_t *g;

			if (ncap > LKCD_DUMP_MEM_MAX + 65536) {
				ret = lkcd_error_set(err, -E2BIG, "dump memory: records hold more than the header says");
				goto fail;
			}
			g = realloc(m->arena, ncap);
			if (!g) {
				ret = lkcd_error_set(err, -ENOMEM, "dump memory: out of memory");
				goto fail;
			}
			m->arena = g;
			arena_cap = ncap;
		}
		r = &m->recs[m->nr++];
		r->pfn = pg.pfn;
		r->count = pg.count;
		r->flags = pg.flags;
		r->compress = pg.compress;
		r->stored_size = pg.stored_size;
		r->off = m->arena_len;
		if (pg.stored_size)
			memcpy(m->arena + m->arena_len, pg.stored, pg.stored_size);
		m->arena_len += pg.stored_size;
	}
	if (ret < 0)
		goto fail;
	ret = lkcd_dump_rewind(dump, err);
	if (ret < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	lkcd_dump_mem_free(m);
	return ret;
}

/* The record holding pfn, or NULL. */
static const struct mem_rec *find_rec(const struct lkcd_dump_mem *m, uint64_t pfn)
{
	size_t lo = 0, hi = m->nr;

	/* the last record starting at or below pfn */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->recs[mid].pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	if (pfn - m->recs[lo - 1].pfn >= m->recs[lo - 1].count)
		return NULL;
	return &m->recs[lo - 1];
}

/* Expand page pfn into m->page.  0 or -EFAULT. */
static int load_page(struct lkcd_dump_mem *m, uint64_t pfn)
{
	const struct mem_rec *r;
	struct lkcd_page pg;

	if (m->page_pfn == pfn)
		return 0;
	r = find_rec(m, pfn);
	if (!r || (r->flags & LKCD_REC_UNREADABLE))
		return -EFAULT;
	pg.pfn = r->pfn;
	pg.count = r->count;
	pg.flags = r->flags;
	pg.compress = r->compress;
	pg.stored_size = r->stored_size;
	pg.stored = m->arena + r->off;
	m->page_pfn = UINT64_MAX;
	if (lkcd_page_expand(&pg, (uint32_t)(pfn - r->pfn), m->page, m->page_size, NULL) < 0)
		return -EFAULT;
	m->page_pfn = pfn;
	return 0;
}

int lkcd_dump_mem_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct lkcd_dump_mem *m = ctx;
	uint8_t *out = buf;

	while (len) {
		uint64_t pfn = paddr / m->page_size;
		uint32_t off = (uint32_t)(paddr % m->page_size);
		size_t n = m->page_size - off;
		int ret;

		if (n > len)
			n = len;
		ret = load_page(m, pfn);
		if (ret < 0)
			return ret;
		memcpy(out, m->page + off, n);
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}
