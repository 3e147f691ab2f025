// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the preserved-dump reader.  Input: a mode byte (fuzz.h: which
 * CRCs to recompute), then physical memory from address 0, the header page
 * at FUZZ_HEADER_PADDR and the storage blocks after it, as the packer leaves
 * them (seeds: gen_corpus packs simulated memory with the real packer).
 *
 * Opens the dump, iterates every record, expands pages, rewinds and reads
 * again, and checks the reader's promises: records in strictly ascending,
 * non-overlapping pfn order; the same records on the second pass; page
 * expansion refused past the record; problem reasons NUL-terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "liblkcd.h"
#include "dump_mem.h"

#define MAX_RECORDS	(FUZZ_MAX_PAGES * LKCD_PAGE_SIZE)	/* bounds the work per input */

static uint64_t one_pass(struct lkcd_dump *d, int expand, uint64_t *digest)
{
	static uint8_t page[LKCD_PAGE_SIZE];
	struct lkcd_error err = { 0 };
	struct lkcd_page pg;
	uint64_t n = 0, next_min = 0;
	int have_prev = 0, rc;

	*digest = 0;
	while (n < MAX_RECORDS && (rc = lkcd_dump_next(d, &pg, &err)) == 1) {
		FUZZ_ASSERT(pg.count >= 1);
		FUZZ_ASSERT(!have_prev || pg.pfn >= next_min);
		FUZZ_ASSERT(pg.pfn + pg.count > pg.pfn);	/* no wrap */
		next_min = pg.pfn + pg.count;
		have_prev = 1;
		*digest = *digest * 31 + pg.pfn * 7 + pg.count + pg.flags + pg.stored_size;
		if (expand) {
			uint32_t last = pg.count - 1;

			lkcd_page_expand(&pg, 0, page, sizeof(page), &err);
			if (last)
				lkcd_page_expand(&pg, last, page, sizeof(page), &err);
			FUZZ_ASSERT(lkcd_page_expand(&pg, pg.count, page, sizeof(page), &err) < 0);
			if (pg.flags == LKCD_REC_RAW && pg.stored_size == sizeof(page) &&
			    lkcd_page_expand(&pg, 0, page, sizeof(page), &err) == 0)
				FUZZ_ASSERT(!memcmp(page, pg.stored, sizeof(page)));
		}
		n++;
	}
	return n;
}

/* Random access over the same dump (lkcd save of a live snapshot). */
static void dump_mem(struct lkcd_dump *d)
{
	static uint8_t buf[2 * LKCD_PAGE_SIZE + 16];
	struct lkcd_dump_mem *m = NULL;
	struct lkcd_error err = { 0 };
	const struct lkcd_mem_range *r;
	size_t n;

	if (lkcd_dump_mem_load(d, &m, &err) < 0) {
		FUZZ_ASSERT(err.msg[0]);
		return;
	}
	n = lkcd_dump_ranges(d, &r);
	for (size_t i = 0; i < n && i < 16; i++) {
		uint64_t end = r[i].start + r[i].size;

		lkcd_dump_mem_read(m, r[i].start, buf, 16);
		lkcd_dump_mem_read(m, end - 1, buf, 2);
		lkcd_dump_mem_read(m, r[i].start + LKCD_PAGE_SIZE - 8, buf, sizeof(buf));
	}
	FUZZ_ASSERT(lkcd_dump_mem_read(m, UINT64_MAX - 3, buf, 8) < 0);
	lkcd_dump_mem_read(m, 0, buf, 0);
	lkcd_dump_mem_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[FUZZ_MAX_PAGES * LKCD_PAGE_SIZE];
	struct lkcd_mem_range range;
	struct lkcd_source *src = NULL;
	struct lkcd_dump *d = NULL;
	struct lkcd_error err = { 0 };
	const struct lkcd_problem *pr;
	const struct lkcd_mem_range *ranges;
	uint64_t n1, n2, dg1, dg2;
	size_t len, nr;

	if (size < 1 || size - 1 > sizeof(mem))
		return -1;	/* not added to the corpus */
	len = size - 1;
	memcpy(mem, data + 1, len);
	/* Whole pages, as physical memory comes. */
	range.start = 0;
	range.size = (len + LKCD_PAGE_SIZE - 1) / LKCD_PAGE_SIZE * LKCD_PAGE_SIZE;
	memset(mem + len, 0, range.size - len);
	fuzz_fix_crcs(mem, range.size, FUZZ_HEADER_PADDR, data[0] & FUZZ_FIX_ALL);
	if (!range.size)
		return 0;
	if (lkcd_source_open_buffer(mem, range.size, &range, 1, &src, &err) < 0)
		return 0;
	if (lkcd_dump_open(src, FUZZ_HEADER_PADDR, &d, &err) < 0) {
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "reader: open: %s\n", err.msg);
		FUZZ_ASSERT(err.code < 0 && memchr(err.msg, 0, sizeof(err.msg)));
		lkcd_source_close(src);
		return 0;
	}
	FUZZ_ASSERT(lkcd_dump_header(d) != NULL);
	nr = lkcd_dump_ranges(d, &ranges);
	FUZZ_ASSERT(nr <= LKCD_MAX_RANGES);
	for (size_t i = 1; i < nr; i++)
		FUZZ_ASSERT(ranges[i].start >= ranges[i - 1].start + ranges[i - 1].size);

	n1 = one_pass(d, 1, &dg1);
	if (lkcd_dump_rewind(d, &err) == 0) {
		n2 = one_pass(d, 0, &dg2);
		FUZZ_ASSERT(n1 == n2 && dg1 == dg2);
	}
	nr = lkcd_dump_problems(d, &pr);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "reader: %llu records, %zu problems%s%s\n",
			(unsigned long long)n1, nr, nr ? ": " : "", nr ? pr[0].reason : "");
	for (size_t i = 0; i < nr; i++)
		FUZZ_ASSERT(memchr(pr[i].reason, 0, sizeof(pr[i].reason)) != NULL);
	dump_mem(d);
	lkcd_dump_close(d);
	lkcd_source_close(src);
	return 0;
}
