// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dump_mem.c: random access to a dump's memory, what `lkcd save` of a live
 * snapshot reads VMCOREINFO and the kernel log through.  Dumps are packed
 * as a snapshot packs them (LKCD_PACKER_POOL_ONLY) over simulated memory;
 * every page is read back and compared with memory as it was dumped.
 * Memory is a few windows of pages, whatever the dump's size: nothing in
 * the dump is kept, the counted walks show it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "simmem.h"
#include "dump_mem.h"
#include "internal.h"
#include "lkcd/params.h"

#define PS LKCD_PAGE_SIZE

struct opened {
	struct lkcd_source *src;
	struct lkcd_dump *dump;
	struct lkcd_dump_mem *mem;
	uint8_t *covered;	/* per pfn: 0 none, 1 data/zero, 2 unreadable */
};

static struct simmem *snapshot_sim(uint64_t seed, uint32_t pool, uint32_t compress,
				   uint32_t level)
{
	struct simmem *sm = sim_new_standard(2048, seed);

	for (uint32_t k = 0; k < pool; k++)
		sim_add_pool(sm, 0x500 + k);
	sm->packer_flags = LKCD_PACKER_POOL_ONLY;
	CU_ASSERT_EQUAL_FATAL(sim_pack(sm, level, lkcd_level_default_exclude(level) &
				       ~LKCD_EXCLUDE_ZERO, compress, 0), 0);
	return sm;
}

static int open_all(struct simmem *sm, struct opened *o, struct lkcd_error *err)
{
	struct lkcd_page pg;
	int ret;

	memset(o, 0, sizeof(*o));
	CU_ASSERT_EQUAL_FATAL(sim_source(sm, &o->src), 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_dump_open(o->src, sm->header_pfn * PS, &o->dump, err), 0);
	o->covered = calloc(sm->max_pfn, 1);
	while (lkcd_dump_next(o->dump, &pg, err) == 1)
		for (uint32_t i = 0; i < pg.count; i++)
			o->covered[pg.pfn + i] = (pg.flags & LKCD_REC_UNREADABLE) ? 2 : 1;
	ret = lkcd_dump_mem_load(o->dump, &o->mem, err);
	return ret;
}

static void close_all(struct opened *o)
{
	lkcd_dump_mem_free(o->mem);
	lkcd_dump_close(o->dump);
	lkcd_source_close(o->src);
	free(o->covered);
}

/* Every page: its content as dumped, or -EFAULT where the dump has none. */
static void check_every_page(struct simmem *sm, struct opened *o, uint64_t min_good)
{
	uint8_t buf[PS];
	uint64_t good = 0, missing = 0, bad = 0;

	for (uint64_t p = 0; p < sm->max_pfn; p++) {
		int ret = lkcd_dump_mem_read(o->mem, p * PS, buf, PS);

		if (o->covered[p] == 1) {
			if (ret != 0 || memcmp(buf, sm->orig + p * PS, PS)) {
				if (!bad)
					fprintf(stderr, "pfn 0x%llx: read %d or content differs\n",
						(unsigned long long)p, ret);
				bad++;
			} else {
				good++;
			}
		} else {
			CU_ASSERT_EQUAL(ret, -EFAULT);
			missing++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(good >= min_good);
	CU_ASSERT(missing > 0);
}

static void test_every_page(void)
{
	static const uint32_t comps[] = { LKCD_COMPRESS_ZLIB, LKCD_COMPRESS_ZSTD,
					  LKCD_COMPRESS_LZ4, LKCD_COMPRESS_NONE };

	for (size_t c = 0; c < sizeof(comps) / sizeof(comps[0]); c++) {
		struct simmem *sm = snapshot_sim(11 + c, 512, comps[c], LKCD_LEVEL_KERN);
		struct lkcd_error err = { 0 };
		struct opened o;

		CU_ASSERT_EQUAL(sim_header(sm)->state, LKCD_STATE_COMPLETE);
		CU_ASSERT_EQUAL_FATAL(open_all(sm, &o, &err), 0);
		check_every_page(sm, &o, 100);
		close_all(&o);
		sim_free(sm);
	}
}

/* Reads across page boundaries, and one that runs into a missing page. */
static void test_straddle(void)
{
	struct simmem *sm = snapshot_sim(5, 512, LKCD_COMPRESS_ZLIB, LKCD_LEVEL_KERN);
	struct lkcd_error err = { 0 };
	uint8_t buf[3 * PS];
	struct opened o;
	int tried = 0, tried_missing = 0;

	CU_ASSERT_EQUAL_FATAL(open_all(sm, &o, &err), 0);
	for (uint64_t p = 0; p + 2 < sm->max_pfn; p++) {
		uint64_t at = p * PS + PS - 100;

		if (o.covered[p] == 1 && o.covered[p + 1] == 1 && o.covered[p + 2] == 1) {
			CU_ASSERT_EQUAL(lkcd_dump_mem_read(o.mem, at, buf, PS + 200), 0);
			CU_ASSERT_EQUAL(memcmp(buf, sm->orig + at, PS + 200), 0);
			tried++;
		} else if (o.covered[p] == 1 && o.covered[p + 1] != 1) {
			CU_ASSERT_EQUAL(lkcd_dump_mem_read(o.mem, at, buf, 200), -EFAULT);
			/* the part inside the present page alone still reads */
			CU_ASSERT_EQUAL(lkcd_dump_mem_read(o.mem, at, buf, 100), 0);
			tried_missing++;
		}
	}
	CU_ASSERT(tried > 10);
	CU_ASSERT(tried_missing > 0);
	close_all(&o);
	sim_free(sm);
}

/* A snapshot stopped at its cap: the prefix reads, the rest is missing. */
static void test_capped(void)
{
	struct simmem *sm = snapshot_sim(7, 6, LKCD_COMPRESS_ZLIB, LKCD_LEVEL_KERN);
	struct lkcd_error err = { 0 };
	struct opened o;
	uint8_t buf[PS];

	CU_ASSERT_EQUAL(sim_header(sm)->state, LKCD_STATE_INCOMPLETE);
	CU_ASSERT_EQUAL(sim_header(sm)->incomplete_reason, LKCD_INCOMPLETE_CAP);
	CU_ASSERT_EQUAL_FATAL(open_all(sm, &o, &err), 0);
	check_every_page(sm, &o, 1);
	for (uint64_t p = sim_header(sm)->next_pfn; p < sm->max_pfn; p++)
		CU_ASSERT_EQUAL(lkcd_dump_mem_read(o.mem, p * PS, buf, 1), -EFAULT);
	close_all(&o);
	sim_free(sm);
}

/*
 * A header that claims more stored bytes than memory holds (4 GiB; there
 * was a 1 GiB cap when the stored bytes were loaded): read as any other,
 * since nothing is loaded; a sequential read of every page walks the dump
 * once per window of 64 pfns, not once per page.
 */
static void test_big_stored_bytes(void)
{
	struct simmem *sm = snapshot_sim(9, 512, LKCD_COMPRESS_ZLIB, LKCD_LEVEL_KERN);
	struct lkcd_dump_header *h = sim_header(sm);
	struct lkcd_error err = { 0 };
	struct opened o;

	h->stored_bytes = 4ull << 30;
	h->crc = 0;
	h->crc = lkcd_header_crc(h);
	CU_ASSERT_EQUAL_FATAL(open_all(sm, &o, &err), 0);
	CU_ASSERT_EQUAL(lkcd_dump_mem_passes(o.mem), 0);
	check_every_page(sm, &o, 100);
	CU_ASSERT_EQUAL(lkcd_dump_mem_passes(o.mem), (sm->max_pfn + 63) / 64);
	close_all(&o);
	sim_free(sm);
}

/*
 * Reads while the caller walks the same dump (lkcd save reads VMCOREINFO
 * and the kernel log through one lkcd_dump while its writer iterates the
 * other): the caller's walk hands out every record as without the reads.
 */
static void test_interleaved(void)
{
	struct simmem *sm = snapshot_sim(17, 512, LKCD_COMPRESS_ZSTD, LKCD_LEVEL_KERN);
	struct lkcd_error err = { 0 };
	struct lkcd_page pg;
	struct opened o;
	uint8_t buf[PS];
	uint64_t pages = 0, want = 0, reads = 0;

	CU_ASSERT_EQUAL_FATAL(open_all(sm, &o, &err), 0);
	for (uint64_t p = 0; p < sm->max_pfn; p++)
		want += o.covered[p] != 0;
	CU_ASSERT_EQUAL_FATAL(lkcd_dump_rewind(o.dump, &err), 0);
	while (lkcd_dump_next(o.dump, &pg, &err) == 1) {
		/* a page far from the walk's, from the other end */
		uint64_t p = sm->max_pfn - 1 - (pg.pfn % sm->max_pfn);

		pages += pg.count;
		if (o.covered[p] == 1) {
			CU_ASSERT_EQUAL(lkcd_dump_mem_read(o.mem, p * PS, buf, PS), 0);
			CU_ASSERT_EQUAL(memcmp(buf, sm->orig + p * PS, PS), 0);
			reads++;
		}
	}
	CU_ASSERT_EQUAL(pages, want);
	CU_ASSERT(reads >= 50);	/* 70 with this seed */
	close_all(&o);
	sim_free(sm);
}

/* A header that claims fewer stored bytes than there are: the arena grows. */
static void test_header_lies_small(void)
{
	struct simmem *sm = snapshot_sim(13, 512, LKCD_COMPRESS_ZLIB, LKCD_LEVEL_KERN);
	struct lkcd_dump_header *h = sim_header(sm);
	struct lkcd_error err = { 0 };
	struct opened o;

	h->stored_bytes = 1;
	h->crc = 0;
	h->crc = lkcd_header_crc(h);
	CU_ASSERT_EQUAL_FATAL(open_all(sm, &o, &err), 0);
	check_every_page(sm, &o, 100);
	close_all(&o);
	sim_free(sm);
}

static CU_TestInfo dump_mem_tests[] = {
	{ "every page as dumped (zlib, zstd, lz4, none)", test_every_page },
	{ "reads across page boundaries", test_straddle },
	{ "capped snapshot: prefix only", test_capped },
	{ "stored_bytes past 1 GiB: read as any other", test_big_stored_bytes },
	{ "reads while the caller walks the dump", test_interleaved },
	{ "stored_bytes too small: still loads", test_header_lies_small },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("dump_mem", NULL, NULL, dump_mem_tests);
}

LKCD_TEST_MAIN(register_suites)
