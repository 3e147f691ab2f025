// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Scrubbing: zero chosen physical ranges of the crashed kernel's memory on
 * the way to the saved file, so that a dump can leave the machine without,
 * say, a key store or a tenant's buffer.  Pages wholly inside a range
 * become ZERO records (every reader still finds the page, as zeros); pages
 * partly inside are expanded, zeroed byte for byte and passed on RAW, so
 * nothing outside the ranges is lost.  The same ranges zero the bytes the
 * kernel-log reader fetches (lkcd_scrub_bytes), so no copy of scrubbed
 * memory reaches DUMPDIR by another door.
 *
 * The syntax, as lkcd save --scrub and SCRUB= take it: ranges separated by
 * commas or spaces, each START-END (END inclusive, as /proc/iomem prints
 * them) or START+SIZE, numbers in C syntax with an optional K, M or G on a
 * SIZE.  Parsed ranges are sorted and merged.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "liblkcd.h"

static int parse_number(const char *s, const char **end, bool allow_suffix, uint64_t *out)
{
	unsigned long long v;
	char *e;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, 0);
	if (errno)
		return -ERANGE;
	if (allow_suffix && strchr("KkMmGg", *e) && *e) {
		unsigned int shift = (*e == 'K' || *e == 'k') ? 10 :
				     (*e == 'M' || *e == 'm') ? 20 : 30;

		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
		e++;
	}
	*out = v;
	*end = e;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct lkcd_scrub_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* One "START-END" or "START+SIZE" of len bytes at s. */
static int parse_one(const char *s, size_t len, struct lkcd_scrub_range *r,
		     struct lkcd_error *err)
{
	char item[128];
	const char *p;
	uint64_t a, b;
	char sep;
	int ret;

	if (len >= sizeof(item))
		return lkcd_error_set(err, -EINVAL, "scrub range '%.40s...': too long", s);
	memcpy(item, s, len);
	item[len] = '\0';
	ret = parse_number(item, &p, false, &a);
	if (ret < 0 || (*p != '-' && *p != '+'))
		return lkcd_error_set(err, -EINVAL,
				      "scrub range '%s': expected START-END or START+SIZE", item);
	sep = *p;
	ret = parse_number(p + 1, &p, sep == '+', &b);
	if (ret < 0 || *p)
		return lkcd_error_set(err, -EINVAL,
				      "scrub range '%s': expected START-END or START+SIZE", item);
	if (sep == '+') {
		if (!b)
			return lkcd_error_set(err, -EINVAL, "scrub range '%s': size 0", item);
		if (b > UINT64_MAX - a)
			return lkcd_error_set(err, -ERANGE, "scrub range '%s': past 2^64", item);
		r->start = a;
		r->end = a + b;
	} else {
		if (b < a)
			return lkcd_error_set(err, -EINVAL, "scrub range '%s': END below START", item);
		if (b == UINT64_MAX)
			return lkcd_error_set(err, -ERANGE, "scrub range '%s': past 2^64", item);
		r->start = a;
		r->end = b + 1;
	}
	return 0;
}

int lkcd_scrub_parse(const char *spec, struct lkcd_scrub_range **out, size_t *nr,
		     struct lkcd_error *err)
{
	struct lkcd_scrub_range *r = NULL, *grown;
	size_t n = 0, cap = 0, merged;
	const char *p = spec;
	int ret;

	*out = NULL;
	*nr = 0;
	for (;;) {
		size_t len;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		len = strcspn(p, ", \t");
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(r, cap * sizeof(*r));
			if (!grown) {
				free(r);
				return lkcd_error_set(err, -ENOMEM, "out of memory");
			}
			r = grown;
		}
		ret = parse_one(p, len, &r[n], err);
		if (ret < 0) {
			free(r);
			return ret;
		}
		n++;
		p += len;
	}
	if (!n) {
		free(r);
		return 0;
	}
	qsort(r, n, sizeof(*r), cmp_range);
	merged = 0;
	for (size_t i = 1; i < n; i++) {
		if (r[i].start <= r[merged].end) {
			if (r[i].end > r[merged].end)
				r[merged].end = r[i].end;
		} else {
			r[++merged] = r[i];
		}
	}
	*out = r;
	*nr = merged + 1;
	return 0;
}

/* The first range that ends after addr (ranges sorted, merged); n if none. */
static size_t first_after(const struct lkcd_scrub_range *r, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t lkcd_scrub_bytes(const struct lkcd_scrub_range *r, size_t n, uint64_t paddr,
			  void *buf, size_t len)
{
	uint64_t end = paddr + len, zeroed = 0;

	if (end < paddr)
		end = UINT64_MAX;
	for (size_t i = first_after(r, n, paddr); i < n && r[i].start < end; i++) {
		uint64_t from = r[i].start > paddr ? r[i].start : paddr;
		uint64_t to = r[i].end < end ? r[i].end : end;

		memset((uint8_t *)buf + (from - paddr), 0, to - from);
		zeroed += to - from;
	}
	return zeroed;
}

/* ---- the page iterator ---- */

struct scrub_iter {
	struct lkcd_page_iter inner;
	const struct lkcd_scrub_range *ranges;
	size_t nr;
	uint32_t page_size;
	uint8_t *page;			/* a partly scrubbed page handed out RAW */
	struct lkcd_scrub_stats *stats;
};

/* 0 untouched, 1 partly inside a range, 2 wholly inside one. */
static int overlap(const struct scrub_iter *s, uint64_t from, uint64_t to)
{
	size_t i = first_after(s->ranges, s->nr, from);

	if (i == s->nr || s->ranges[i].start >= to)
		return 0;
	return s->ranges[i].start <= from && s->ranges[i].end >= to ? 2 : 1;
}

/* Turn a one-page record into a ZERO or UNREADABLE one, no bytes stored. */
static void set_dataless(struct lkcd_page *pg, uint32_t flags)
{
	pg->flags = flags;
	pg->compress = LKCD_COMPRESS_NONE;
	pg->stored_size = 0;
	pg->stored = NULL;
}

static int scrub_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct scrub_iter *s = ctx;
	uint64_t addr;
	int ret, how;

	ret = s->inner.next(s->inner.ctx, pg, err);
	if (ret <= 0)
		return ret;
	/* zero and unreadable runs hold no bytes to scrub */
	if (pg->flags != LKCD_REC_RAW && pg->flags != LKCD_REC_COMPRESSED)
		return 1;
	addr = pg->pfn * s->page_size;
	how = overlap(s, addr, addr + s->page_size);
	if (!how)
		return 1;
	if (how == 2) {
		set_dataless(pg, LKCD_REC_ZERO);
		s->stats->pages_whole++;
		return 1;
	}
	if (lkcd_page_expand(pg, 0, s->page, s->page_size, NULL) < 0) {
		/*
		 * Bytes that cannot be decoded cannot be scrubbed either: the
		 * page goes out unreadable rather than as it was stored.
		 */
		set_dataless(pg, LKCD_REC_UNREADABLE);
		s->stats->pages_undecodable++;
		return 1;
	}
	s->stats->bytes_partial += lkcd_scrub_bytes(s->ranges, s->nr, addr, s->page,
						    s->page_size);
	s->stats->pages_partial++;
	pg->flags = LKCD_REC_RAW;
	pg->compress = LKCD_COMPRESS_NONE;
	pg->stored_size = s->page_size;
	pg->stored = s->page;
	return 1;
}

static int scrub_rewind(void *ctx, struct lkcd_error *err)
{
	struct scrub_iter *s = ctx;

	/* counts are per pass: a writer's second pass sees the same pages */
	memset(s->stats, 0, sizeof(*s->stats));
	return s->inner.rewind(s->inner.ctx, err);
}

int lkcd_scrub_iter_open(const struct lkcd_scrub_range *ranges, size_t nr,
			 uint32_t page_size, const struct lkcd_page_iter *inner,
			 struct lkcd_scrub_stats *stats, struct lkcd_page_iter *out,
			 struct lkcd_error *err)
{
	struct scrub_iter *s;

	if (!page_size || page_size > 1u << 20)
		return lkcd_error_set(err, -EINVAL, "scrub: bad page size %u", page_size);
	s = calloc(1, sizeof(*s));
	if (s)
		s->page = malloc(page_size);
	if (!s || !s->page) {
		free(s);
		return lkcd_error_set(err, -ENOMEM, "out of memory");
	}
	s->inner = *inner;
	s->ranges = ranges;
	s->nr = nr;
	s->page_size = page_size;
	s->stats = stats;
	memset(stats, 0, sizeof(*stats));
	out->ctx = s;
	out->next = scrub_next;
	out->rewind = scrub_rewind;
	return 0;
}

void lkcd_scrub_iter_close(struct lkcd_page_iter *it)
{
	struct scrub_iter *s = it->ctx;

	if (s)
		free(s->page);
	free(s);
	it->ctx = NULL;
}
