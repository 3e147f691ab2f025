// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Scrubbing (userspace/lib/scrub.c): the range syntax, byte zeroing across
 * range and page edges, and the page iterator over a synthetic stream of
 * every record kind: pages wholly inside a range become zero pages, pages
 * partly inside keep every byte outside it, nothing else changes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "liblkcd.h"
#include "unit.h"

#define PS	4096u

/* ---- parsing ---- */

static void parse_ok(const char *spec, size_t want_n, const struct lkcd_scrub_range *want)
{
	struct lkcd_scrub_range *r = NULL;
	struct lkcd_error err = { 0 };
	size_t n = 99;

	CU_ASSERT_EQUAL_FATAL(lkcd_scrub_parse(spec, &r, &n, &err), 0);
	CU_ASSERT_EQUAL(n, want_n);
	for (size_t i = 0; i < n && i < want_n; i++) {
		CU_ASSERT_EQUAL(r[i].start, want[i].start);
		CU_ASSERT_EQUAL(r[i].end, want[i].end);
	}
	free(r);
}

static void parse_bad(const char *spec, int code, const char *needle)
{
	struct lkcd_scrub_range *r = (void *)1;
	struct lkcd_error err = { 0 };
	size_t n = 99;

	CU_ASSERT_EQUAL(lkcd_scrub_parse(spec, &r, &n, &err), code);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));
}

static void test_parse_forms(void)
{
	const struct lkcd_scrub_range one[] = { { 0x1000, 0x2000 } };
	const struct lkcd_scrub_range sized[] = { { 0x100000, 0x100000 + (4u << 20) } };
	const struct lkcd_scrub_range two[] = { { 0x1000, 0x1800 }, { 0x10000, 0x10400 } };

	parse_ok("0x1000-0x1fff", 1, one);		/* END inclusive, as /proc/iomem */
	parse_ok("0x1000+4096", 1, one);
	parse_ok("4096+4K", 1, one);
	parse_ok("0x100000+4M", 1, sized);
	parse_ok(" 0x10000+1k , 0x1000-0x17ff ", 2, two);	/* sorted */
	parse_ok("0x10000+0x400 0x1000+0x800", 2, two);	/* spaces separate too */
	parse_ok("", 0, NULL);
	parse_ok(" , ,", 0, NULL);
}

static void test_parse_merges(void)
{
	const struct lkcd_scrub_range merged[] = { { 0x1000, 0x4000 }, { 0x8000, 0x9000 } };

	/* overlapping, touching, contained, repeated */
	parse_ok("0x2000-0x2fff,0x1000+0x1000,0x3000-0x3fff,0x8000+0x1000,0x1100+0x10,0x8000+0x10",
		 2, merged);
}

static void test_parse_errors(void)
{
	parse_bad("0x2000-0x1fff", -EINVAL, "END below START");
	parse_bad("0x1000+0", -EINVAL, "size 0");
	parse_bad("0x1000", -EINVAL, "expected START-END or START+SIZE");
	parse_bad("0x1000-", -EINVAL, "expected START-END or START+SIZE");
	parse_bad("-0x1000", -EINVAL, "expected START-END or START+SIZE");
	parse_bad("0x1000-0x2000K", -EINVAL, "'0x1000-0x2000K'");	/* no suffix on END */
	parse_bad("0x1000+4X", -EINVAL, "expected START-END or START+SIZE");
	parse_bad("abc", -EINVAL, "'abc'");
	parse_bad("0x1000+1k,junk", -EINVAL, "'junk'");
	parse_bad("0xffffffffffffff00+0x1000", -ERANGE, "past 2^64");
	parse_bad("0-0xffffffffffffffff", -ERANGE, "past 2^64");
	parse_bad("0x1+0xfffffffffffffffffff", -EINVAL, "expected");
	parse_bad("1+17179869184G", -EINVAL, "expected");
	/* one item longer than any real range: refused, not truncated */
	parse_bad("0x0000000000000000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000000000000000000000000000000000000000001+1", -EINVAL,
		  "too long");
}

/* ---- byte zeroing ---- */

static void test_bytes(void)
{
	const struct lkcd_scrub_range r[] = { { 0x1010, 0x1020 }, { 0x1ff0, 0x2010 } };
	uint8_t buf[PS];

	memset(buf, 0xaa, sizeof(buf));
	CU_ASSERT_EQUAL(lkcd_scrub_bytes(r, 2, 0x1000, buf, PS), 0x10 + 0x10);
	for (size_t i = 0; i < PS; i++) {
		int in = (i >= 0x10 && i < 0x20) || i >= 0xff0;

		if (buf[i] != (in ? 0 : 0xaa)) {
			CU_FAIL("byte zeroed outside a range, or kept inside one");
			break;
		}
	}
	/* a buffer between the ranges and one after them are left alone */
	memset(buf, 0xaa, sizeof(buf));
	CU_ASSERT_EQUAL(lkcd_scrub_bytes(r, 2, 0x1020, buf, 0x100), 0);
	CU_ASSERT_EQUAL(lkcd_scrub_bytes(r, 2, 0x3000, buf, PS), 0);
	CU_ASSERT_EQUAL(lkcd_scrub_bytes(r, 0, 0x1000, buf, PS), 0);
	CU_ASSERT_EQUAL(buf[0], 0xaa);
	/* the start of the second range from inside it */
	CU_ASSERT_EQUAL(lkcd_scrub_bytes(r, 2, 0x2000, buf, PS), 0x10);
	CU_ASSERT_EQUAL(buf[0xf], 0);
	CU_ASSERT_EQUAL(buf[0x10], 0xaa);
}

/* ---- the iterator over a synthetic stream ---- */

struct rec {
	uint64_t pfn;
	uint32_t count, flags;
	uint8_t fill;			/* RAW/COMPRESSED: every byte is fill ^ (i & 0xff) */
	bool corrupt;			/* COMPRESSED: a stream that does not inflate */
};

static const struct rec stream[] = {
	{ 0, 1, LKCD_REC_RAW, 0x11, false },		/* untouched */
	{ 1, 1, LKCD_REC_RAW, 0x22, false },		/* wholly inside */
	{ 2, 1, LKCD_REC_COMPRESSED, 0x33, false },	/* wholly inside */
	{ 3, 1, LKCD_REC_RAW, 0x44, false },		/* partly */
	{ 4, 1, LKCD_REC_COMPRESSED, 0x55, false },	/* partly */
	{ 5, 3, LKCD_REC_ZERO, 0, false },		/* inside, but zero already */
	{ 8, 2, LKCD_REC_UNREADABLE, 0, false },	/* inside, nothing to scrub */
	{ 10, 1, LKCD_REC_COMPRESSED, 0x66, true },	/* partly, undecodable */
	{ 11, 1, LKCD_REC_COMPRESSED, 0x77, false },	/* untouched */
};
#define NREC (sizeof(stream) / sizeof(stream[0]))

/* pfns 1-2 whole; 0x20 bytes of pfn 3; the last 0x10 of pfn 4; pfns 5-9; 1 byte of pfn 10 */
static const char spec_bad[] = "0x1000-0x2fff,0x3100+0x20,0x4ff0-0x4fff,0x5000+5*0";
static const char spec[] = "0x1000-0x2fff,0x3100+0x20,0x4ff0-0x9fff,0xa800+1";

struct syn {
	size_t i;
	uint8_t page[PS];
	uint8_t comp[PS + 128];
};

static void fill_page(uint8_t *p, uint8_t fill)
{
	for (size_t i = 0; i < PS; i++)
		p[i] = fill ^ (uint8_t)(i * 7);
}

static int syn_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct syn *s = ctx;
	const struct rec *r;
	uLongf len = sizeof(s->comp);

	(void)err;
	if (s->i == NREC)
		return 0;
	r = &stream[s->i++];
	memset(pg, 0, sizeof(*pg));
	pg->pfn = r->pfn;
	pg->count = r->count;
	pg->flags = r->flags;
	if (r->flags == LKCD_REC_RAW) {
		fill_page(s->page, r->fill);
		pg->stored = s->page;
		pg->stored_size = PS;
	} else if (r->flags == LKCD_REC_COMPRESSED) {
		fill_page(s->page, r->fill);
		if (compress2(s->comp, &len, s->page, PS, 1) != Z_OK)
			return -EIO;
		if (r->corrupt)
			memset(s->comp + 2, 0xff, 16);	/* past the zlib header: bad blocks */
		pg->compress = LKCD_COMPRESS_ZLIB;
		pg->stored = s->comp;
		pg->stored_size = (uint32_t)len;
	}
	return 1;
}

static int syn_rewind(void *ctx, struct lkcd_error *err)
{
	(void)err;
	((struct syn *)ctx)->i = 0;
	return 0;
}

static void check_pass(struct lkcd_page_iter *it, const struct lkcd_scrub_range *r, size_t n,
		       const struct lkcd_scrub_stats *st)
{
	struct lkcd_error err = { 0 };
	struct lkcd_page pg;
	uint8_t want[PS], got[PS];
	size_t seen = 0;

	while (it->next(it->ctx, &pg, &err) == 1) {
		const struct rec *rec = &stream[seen++];

		CU_ASSERT_EQUAL(pg.pfn, rec->pfn);
		CU_ASSERT_EQUAL(pg.count, rec->count);
		switch (rec->pfn) {
		case 1: case 2:
			CU_ASSERT_EQUAL(pg.flags, LKCD_REC_ZERO);
			CU_ASSERT_EQUAL(pg.stored_size, 0);
			continue;
		case 10:
			CU_ASSERT_EQUAL(pg.flags, LKCD_REC_UNREADABLE);
			continue;
		case 5: case 8:
			CU_ASSERT_EQUAL(pg.flags, rec->flags);
			continue;
		case 3: case 4:
			CU_ASSERT_EQUAL(pg.flags, LKCD_REC_RAW);	/* re-stored as plain bytes */
			break;
		default:
			CU_ASSERT_EQUAL(pg.flags, rec->flags);		/* passed on as stored */
		}
		fill_page(want, rec->fill);
		lkcd_scrub_bytes(r, n, rec->pfn * PS, want, PS);
		CU_ASSERT_EQUAL_FATAL(lkcd_page_expand(&pg, 0, got, PS, &err), 0);
		CU_ASSERT(memcmp(got, want, PS) == 0);
	}
	CU_ASSERT_EQUAL(seen, NREC);
	CU_ASSERT_EQUAL(st->pages_whole, 2);
	CU_ASSERT_EQUAL(st->pages_partial, 2);
	CU_ASSERT_EQUAL(st->bytes_partial, 0x20 + 0x10);
	CU_ASSERT_EQUAL(st->pages_undecodable, 1);
}

static void test_iter(void)
{
	struct lkcd_scrub_range *r;
	struct lkcd_error err = { 0 };
	struct lkcd_scrub_stats st;
	struct syn syn = { 0 };
	struct lkcd_page_iter inner = { &syn, syn_next, syn_rewind }, it;
	size_t n;
	uint8_t page[PS], want[PS];

	/* the spec with a bad item is refused whole */
	CU_ASSERT_EQUAL(lkcd_scrub_parse(spec_bad, &r, &n, &err), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(lkcd_scrub_parse(spec, &r, &n, &err), 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_scrub_iter_open(r, n, PS, &inner, &st, &it, &err), 0);
	check_pass(&it, r, n, &st);
	/* a second pass (writers make two) gives the same pages and counts */
	CU_ASSERT_EQUAL_FATAL(it.rewind(it.ctx, &err), 0);
	check_pass(&it, r, n, &st);
	lkcd_scrub_iter_close(&it);

	/* the check itself can fail: an unscrubbed page differs from want */
	fill_page(page, 0x44);
	memcpy(want, page, PS);
	lkcd_scrub_bytes(r, n, 3 * PS, want, PS);
	CU_ASSERT(memcmp(page, want, PS) != 0);
	free(r);
}

static void test_iter_no_ranges(void)
{
	struct lkcd_error err = { 0 };
	struct lkcd_scrub_stats st;
	struct syn syn = { 0 };
	struct lkcd_page_iter inner = { &syn, syn_next, syn_rewind }, it;
	struct lkcd_page pg;
	size_t seen = 0;

	CU_ASSERT_EQUAL_FATAL(lkcd_scrub_iter_open(NULL, 0, PS, &inner, &st, &it, &err), 0);
	while (it.next(it.ctx, &pg, &err) == 1)
		CU_ASSERT_EQUAL(pg.flags, stream[seen++].flags);
	CU_ASSERT_EQUAL(seen, NREC);
	CU_ASSERT_EQUAL(st.pages_whole + st.pages_partial + st.pages_undecodable, 0);
	lkcd_scrub_iter_close(&it);
	CU_ASSERT_EQUAL(lkcd_scrub_iter_open(NULL, 0, 0, &inner, &st, &it, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "page size"));
}

static int register_suites(void)
{
	static CU_TestInfo parse[] = {
		{ "forms", test_parse_forms },
		{ "merges", test_parse_merges },
		{ "errors", test_parse_errors },
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo zero[] = {
		{ "bytes", test_bytes },
		{ "iterator", test_iter },
		{ "no ranges", test_iter_no_ranges },
		CU_TEST_INFO_NULL,
	};

	return lkcd_unit_add_suite("scrub parse", NULL, NULL, parse) ||
	       lkcd_unit_add_suite("scrub pages", NULL, NULL, zero);
}

LKCD_TEST_MAIN(register_suites)
