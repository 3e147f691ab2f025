// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The packer (kernel/packer.c) over a simulated physical memory, read back
 * with the userspace reader.  Every run checks, through simmem:
 *  - every spare page written was legal at the moment it was written, and
 *    nothing was read that must not be (simmem counts violations);
 *  - every page the policy keeps comes back byte for byte, no other page
 *    comes back, zero and unreadable runs are merged, the header's counts
 *    match (sim_check_dump).
 */
/* the test-only damage knob of packer.c (built with LKCD_TEST here) */
#define LKCD_TEST 1
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "unit.h"
#include "simmem.h"
#include "lkcd/params.h"

#define PS LKCD_PAGE_SIZE

static const uint32_t compressors[] = {
	LKCD_COMPRESS_NONE, LKCD_COMPRESS_ZLIB, LKCD_COMPRESS_ZSTD, LKCD_COMPRESS_LZ4,
};
#define NR_COMPRESSORS (sizeof(compressors) / sizeof(compressors[0]))

/* Pack, read back, judge; report the first discrepancy with its context. */
static void pack_and_check(struct simmem *sm, uint32_t level, uint32_t exclude,
			   uint32_t compress, uint64_t deadline,
			   uint32_t want_state, uint32_t want_reason)
{
	struct sim_readback rb;
	char msg[300];
	unsigned int bad;
	int rc;

	rc = sim_pack(sm, level, exclude, compress, deadline);
	CU_ASSERT_EQUAL(rc, 0);
	rc = sim_readback(sm, &rb);
	if (rc)
		fprintf(stderr, "\n  readback: %d %s\n", rc, rb.open_error);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	bad = sim_check_dump(sm, &rb, msg, sizeof(msg));
	if (bad)
		fprintf(stderr, "\n  level %u exclude 0x%x compress %u: %u discrepancies: %s\n",
			level, exclude, compress, bad, msg);
	CU_ASSERT_EQUAL(bad, 0);
	if (sim_header(sm)->state != want_state ||
	    sim_header(sm)->incomplete_reason != want_reason)
		fprintf(stderr, "\n  level %u exclude 0x%x compress %u: state %u/%u, expected %u/%u\n",
			level, exclude, compress, sim_header(sm)->state,
			sim_header(sm)->incomplete_reason, want_state, want_reason);
	CU_ASSERT_EQUAL(sim_header(sm)->state, want_state);
	CU_ASSERT_EQUAL(sim_header(sm)->incomplete_reason, want_reason);
	CU_ASSERT_EQUAL(sim_header(sm)->level, level);
	CU_ASSERT_EQUAL(sim_header(sm)->exclude, exclude);
	CU_ASSERT_EQUAL(sim_header(sm)->compress, compress);
	sim_readback_free(&rb);
}

/* A fresh standard memory with a small pool (needed at ALL_RAM). */
static struct simmem *standard(uint64_t pages, uint64_t seed, unsigned int pool)
{
	struct simmem *sm = sim_new_standard(pages, seed);

	for (unsigned int i = 0; i < pool; i++)
		sim_add_pool(sm, 0x120 + i);
	return sm;
}

/* ---- every level, mask and compressor ---- */

static const struct { uint32_t level, exclude; } policies[] = {
	{ LKCD_LEVEL_HEADER, LKCD_EXCLUDE_MASK },
	{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK },		/* kdump's -d 31 */
	{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK & ~LKCD_EXCLUDE_ZERO },
	{ LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE },
	{ LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE | LKCD_EXCLUDE_ZERO },
	{ LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE | LKCD_EXCLUDE_CACHE },
	{ LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE | LKCD_EXCLUDE_CACHE_PRI },
	{ LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE | LKCD_EXCLUDE_USER },
	{ LKCD_LEVEL_USED, LKCD_EXCLUDE_USER | LKCD_EXCLUDE_CACHE },	/* free kept */
	{ LKCD_LEVEL_ALL_RAM, 0 },
	{ LKCD_LEVEL_ALL_RAM, LKCD_EXCLUDE_ZERO },
};

static void test_matrix(void)
{
	for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		for (size_t c = 0; c < NR_COMPRESSORS; c++) {
			struct simmem *sm = standard(2048, 1000 + p * 10 + c, 16);

			/*
			 * Raw pages need more room than they free: a raw dump
			 * may run out of spare pages (with a valid prefix);
			 * compressed dumps of this memory must complete.
			 */
			int may_run_out = compressors[c] == LKCD_COMPRESS_NONE;
			struct sim_readback rb;
			char msg[300];

			if (may_run_out) {
				CU_ASSERT_EQUAL(sim_pack(sm, policies[p].level,
							 policies[p].exclude,
							 compressors[c], 0), 0);
				CU_ASSERT_EQUAL_FATAL(sim_readback(sm, &rb), 0);
				CU_ASSERT_EQUAL(sim_check_dump(sm, &rb, msg, sizeof(msg)), 0);
				sim_readback_free(&rb);
				CU_ASSERT(sim_header(sm)->incomplete_reason ==
					  LKCD_INCOMPLETE_NONE ||
					  sim_header(sm)->incomplete_reason ==
					  LKCD_INCOMPLETE_NO_SPARE);
				sim_free(sm);
				continue;
			}
			pack_and_check(sm, policies[p].level, policies[p].exclude,
				       compressors[c], 0, LKCD_STATE_COMPLETE,
				       LKCD_INCOMPLETE_NONE);
			if (policies[p].level == LKCD_LEVEL_HEADER) {
				CU_ASSERT_EQUAL(sim_header(sm)->nr_blocks, 0);
				CU_ASSERT_EQUAL(sim_header(sm)->first_block_paddr, 0);
				CU_ASSERT_EQUAL(sm->nr_reads, 0);
			} else {
				CU_ASSERT(sim_header(sm)->nr_blocks > 0);
			}
			CU_ASSERT_EQUAL(sim_header(sm)->next_pfn, sm->max_pfn);
			sim_free(sm);
		}
	}
}

/* Compression shrinks the stream; raw pages are stored when it does not. */
static void test_compression_used(void)
{
	uint64_t stored[NR_COMPRESSORS];

	for (size_t c = 0; c < NR_COMPRESSORS; c++) {
		struct simmem *sm = sim_new(1024);

		sim_add_range(sm, 0, 1024 * PS);
		sim_set_header(sm, 0);
		sim_fill(sm, 1, 400, SIM_TEXT, 7);
		sim_fill(sm, 401, 100, SIM_RANDOM, 7);
		sim_free_block(sm, 512, 9);
		pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK,
			       compressors[c], 0, LKCD_STATE_COMPLETE,
			       LKCD_INCOMPLETE_NONE);
		stored[c] = sim_header(sm)->stored_bytes;
		/* 100 random pages are stored raw whatever the method. */
		CU_ASSERT(stored[c] >= 100ULL * (PS + 24));
		sim_free(sm);
	}
	CU_ASSERT_EQUAL(stored[0], 500ULL * (PS + 24));
	/* 400 text pages shrink (lz4 least), 100 random ones do not. */
	for (size_t c = 1; c < NR_COMPRESSORS; c++)
		CU_ASSERT(stored[c] < stored[0] * 9 / 10);
	CU_ASSERT(stored[1] < stored[0] * 2 / 3);
	CU_ASSERT(stored[2] < stored[0] * 2 / 3);
}

/* simmem's zlib (a reused stream) makes compress2() level 1's bytes. */
static void test_zlib_bytes(void)
{
	struct simmem *sm = sim_new(16);
	uint8_t a[PS], b[PS];

	sim_fill(sm, 0, 4, SIM_TEXT, 1);
	sim_fill(sm, 4, 4, SIM_SPARSE, 2);
	sim_fill(sm, 8, 4, SIM_RANDOM, 3);
	sm->compress = LKCD_COMPRESS_ZLIB;
	for (int i = 0; i < 12; i++) {
		uLongf lb = PS - 1;
		int la = sim_compress(sm, sm->mem + i * PS, a, PS - 1);
		int rb = compress2(b, &lb, sm->mem + i * PS, PS, 1);

		if (rb != Z_OK) {		/* incompressible: both refuse */
			CU_ASSERT_EQUAL(la, -1);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL((uLongf)la, lb);
		CU_ASSERT(memcmp(a, b, lb) == 0);
	}
	sim_free(sm);
}

/* ---- running out of spare pages ---- */

/*
 * Standard memory at KERN: keep only the first `keep` spare candidates
 * usable (the others become busy: still excluded, never spare).
 */
static void limit_spares(struct simmem *sm, uint32_t exclude, uint64_t keep)
{
	uint64_t seen = 0;

	for (uint64_t pfn = 0; pfn < sm->max_pfn; pfn++) {
		unsigned int cls = sm->cls[pfn] & LKCD_PC_MASK;

		if (!(sm->state[pfn] & SIM_S_RAM) || pfn == sm->header_pfn ||
		    !sim_class_excluded(exclude, cls) ||
		    (cls != LKCD_PC_FREE && cls != LKCD_PC_USER &&
		     cls != LKCD_PC_CACHE && cls != LKCD_PC_CACHE_PRIVATE) ||
		    (sm->cls[pfn] & LKCD_PCF_BUSY))
			continue;
		if (seen++ >= keep)
			sm->cls[pfn] |= LKCD_PCF_BUSY;
	}
	/* Free blocks are no longer uniform: one-page answers everywhere. */
	for (uint64_t pfn = 0; pfn < sm->max_pfn; pfn++)
		sm->run[pfn] = 1;
}

static void test_tight_spare(void)
{
	static const uint64_t keeps[] = { 0, 1, 2, 3, 5, 9, 30 };

	for (size_t c = 0; c < NR_COMPRESSORS; c++) {
		for (size_t k = 0; k < sizeof(keeps) / sizeof(keeps[0]); k++) {
			struct simmem *sm = standard(2048, 77 + k, 0);
			const struct lkcd_dump_header *h = sim_header(sm);

			limit_spares(sm, LKCD_EXCLUDE_MASK, keeps[k]);
			pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK,
				       compressors[c], 0, LKCD_STATE_INCOMPLETE,
				       LKCD_INCOMPLETE_NO_SPARE);
			CU_ASSERT(h->next_pfn < sm->max_pfn);
			CU_ASSERT(h->nr_blocks <= keeps[k]);
			/* It used what there was before giving up. */
			CU_ASSERT(sm->nr_spares == keeps[k]);
			if (keeps[k] == 0) {
				CU_ASSERT_EQUAL(h->nr_records, 0);
				CU_ASSERT_EQUAL(h->first_block_paddr, 0);
			}
			sim_free(sm);
		}
	}
}

/* ---- the deadline ---- */

static void test_deadline(void)
{
	for (size_t c = 0; c < NR_COMPRESSORS; c++) {
		struct simmem *sm = standard(2048, 4242 + c, 0);
		const struct lkcd_dump_header *h = sim_header(sm);

		sm->clock_ns = 1000000;
		sm->ns_per_read = 1000;		/* 1 us per page read */
		pack_and_check(sm, LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE, compressors[c],
			       1000000 + 300 * 1000, LKCD_STATE_INCOMPLETE,
			       LKCD_INCOMPLETE_DEADLINE);
		CU_ASSERT(h->next_pfn > 0x100 && h->next_pfn < sm->max_pfn);
		CU_ASSERT(sm->nr_reads + sm->nr_read_failures >= 300);
		CU_ASSERT(sm->nr_reads + sm->nr_read_failures <= 302);
		CU_ASSERT_EQUAL(h->dump_start_ns, 1000000);
		CU_ASSERT(h->dump_end_ns >= 1000000 + 300 * 1000);
		sim_free(sm);
	}
}

/* A deadline already past: an empty but valid dump. */
static void test_deadline_passed(void)
{
	struct simmem *sm = standard(1024, 5, 0);
	const struct lkcd_dump_header *h = sim_header(sm);

	sm->clock_ns = 50;
	pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZLIB, 10,
		       LKCD_STATE_INCOMPLETE, LKCD_INCOMPLETE_DEADLINE);
	CU_ASSERT_EQUAL(h->next_pfn, 1);	/* the first RAM pfn */
	CU_ASSERT_EQUAL(h->nr_records, 0);
	CU_ASSERT_EQUAL(h->nr_blocks, 0);
	CU_ASSERT_EQUAL(sm->nr_reads, 0);
	sim_free(sm);
}

/*
 * The deadline passes while the packer searches for a spare page: all of
 * RAM is kernel pages but the last, so the first record's block is found
 * only after a scan of every struct page.  The search looks at the clock as
 * it goes and the run stops within PK_KEEPALIVE (256) classify calls of the
 * deadline, not after the whole scan (issue 12, item 10).
 */
static void test_deadline_in_spare_search(void)
{
	const uint64_t pages = 32768, ns = 1000, deadline = 1000000 + 1000 * ns;
	struct simmem *sm = sim_new(pages);
	const struct lkcd_dump_header *h;

	sim_add_range(sm, PS, (pages - 1) * PS);
	sim_set_header(sm, 1);
	h = sim_header(sm);
	sim_fill(sm, 2, 100, SIM_TEXT, 7);
	sim_set_class(sm, pages - 1, 1, LKCD_PC_USER);	/* the one spare page */
	sm->clock_ns = 1000000;
	sm->ns_per_classify = ns;
	pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZLIB, deadline,
		       LKCD_STATE_INCOMPLETE, LKCD_INCOMPLETE_DEADLINE);
	if (h->dump_end_ns >= deadline + 300 * ns)
		fprintf(stderr, "\n  the run ended %llu classify calls after the deadline\n",
			(unsigned long long)((h->dump_end_ns - deadline) / ns));
	CU_ASSERT(h->dump_end_ns < deadline + 300 * ns);
	CU_ASSERT(sm->nr_classify < 1300);
	CU_ASSERT_EQUAL(h->nr_blocks, 0);
	if (h->next_pfn != 2)
		fprintf(stderr, "\n  next_pfn 0x%llx\n", (unsigned long long)h->next_pfn);
	CU_ASSERT_EQUAL(h->next_pfn, 2);
	sim_free(sm);
}

/* ---- which spare pages first ---- */

/*
 * Free pages are the last spare pages taken: the kernel may still allocate
 * after the dump (kmsg_dump, netconsole) and an allocation hands out free
 * pages, never page cache or user pages.  Free blocks lie below the user
 * pages here, so a search in pfn order alone would take them first (issue
 * 12, item 8).
 */
static void test_free_pages_last(void)
{
	const uint64_t pages = 4096;
	struct simmem *sm = sim_new(pages);
	uint64_t free_written = 0, other_left = 0, other = 0;

	sim_add_range(sm, PS, (pages - 1) * PS);
	sim_set_header(sm, 1);
	sim_fill(sm, 2, 1000, SIM_RANDOM, 3);		/* ~1000 blocks of kernel */
	sim_free_block(sm, 1024, 9);
	sim_free_block(sm, 1536, 9);
	sim_set_class(sm, 2048, 600, LKCD_PC_USER);
	sim_set_class(sm, 2648, 100, LKCD_PC_CACHE);
	sim_set_class(sm, 2748, 10, LKCD_PC_USER | LKCD_PCF_BUSY);
	pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_NONE, 0,
		       LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
	for (uint64_t pfn = 0; pfn < pages; pfn++) {
		unsigned int cls = sm->cls[pfn];

		if (cls == LKCD_PC_FREE && (sm->state[pfn] & SIM_S_WRITTEN))
			free_written++;
		if (cls == LKCD_PC_USER || cls == LKCD_PC_CACHE) {
			other++;
			other_left += !(sm->state[pfn] & SIM_S_WRITTEN);
		}
	}
	/* more blocks than user and cache pages: both kinds were needed */
	CU_ASSERT(sim_header(sm)->nr_blocks > other);
	CU_ASSERT(free_written > 0);
	if (other_left)
		fprintf(stderr, "\n  %llu free pages written, %llu user/cache pages left unused\n",
			(unsigned long long)free_written, (unsigned long long)other_left);
	CU_ASSERT_EQUAL(other_left, 0);
	sim_free(sm);
}

/* ---- zero and unreadable runs ---- */

static void test_runs_merged(void)
{
	struct simmem *sm = sim_new(1024);
	struct sim_readback rb;
	struct lkcd_source *src;
	struct lkcd_dump *d;
	struct lkcd_page pg;
	char msg[300];
	unsigned int n = 0;

	sim_add_range(sm, 0, 1024 * PS);
	sim_fill(sm, 0, 10, SIM_TEXT, 1);
	/* 10..109 zero (KERNEL pages are zero by default) */
	sim_fill(sm, 110, 1, SIM_TEXT, 2);
	sim_fill(sm, 111, 3, SIM_TEXT, 3);
	sim_set_unreadable(sm, 111, 3);		/* one run of 3 */
	sim_set_unreadable(sm, 114, 1);		/* zero content, still unreadable */
	sim_fill(sm, 115, 1, SIM_TEXT, 4);
	sim_free_block(sm, 512, 9);
	sim_set_header(sm, 1000);
	pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK & ~LKCD_EXCLUDE_ZERO,
		       LKCD_COMPRESS_LZ4, 0, LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);

	CU_ASSERT_EQUAL_FATAL(sim_source(sm, &src), 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_dump_open(src, 1000 * PS, &d, NULL), 0);
	while (lkcd_dump_next(d, &pg, NULL) == 1) {
		if (pg.pfn == 10) {
			CU_ASSERT_EQUAL(pg.flags, LKCD_REC_ZERO);
			CU_ASSERT_EQUAL(pg.count, 100);
			CU_ASSERT_EQUAL(pg.stored_size, 0);
			n++;
		}
		if (pg.pfn == 111) {
			CU_ASSERT_EQUAL(pg.flags, LKCD_REC_UNREADABLE);
			CU_ASSERT_EQUAL(pg.count, 4);
			CU_ASSERT(lkcd_page_expand(&pg, 0, sm->read_buf, PS, NULL) == -EIO);
			n++;
		}
		if (pg.pfn == 116) {	/* 116..511 zero, then the free block */
			CU_ASSERT_EQUAL(pg.flags, LKCD_REC_ZERO);
			CU_ASSERT_EQUAL(pg.count, 512 - 116);
			n++;
		}
	}
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(sim_header(sm)->pages_unreadable, 4);
	/* 0-9 text, 10-109 zero, 110 text, 111-114 unreadable, 115 text, 116-511 zero */
	CU_ASSERT_EQUAL(sim_header(sm)->nr_records, 10 + 1 + 1 + 1 + 1 + 1);
	lkcd_dump_close(d);
	lkcd_source_close(src);

	/* Same memory with zero pages excluded: no zero records at all. */
	memcpy(sm->mem, sm->orig, sm->max_pfn * PS);
	pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_NONE, 0,
		       LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
	CU_ASSERT_EQUAL(sim_header(sm)->pages_zero, 0);
	CU_ASSERT_EQUAL(sim_readback(sm, &rb), 0);
	CU_ASSERT_EQUAL(sim_check_dump(sm, &rb, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(rb.pages_zero, 0);
	CU_ASSERT_EQUAL(rb.pages_unread, 4);
	sim_readback_free(&rb);
	sim_free(sm);
}

/* ---- ALL_RAM: the reuse trick ---- */

static void test_all_ram_reuse(void)
{
	/*
	 * zlib and zstd shrink this memory enough for the saved user, cache
	 * and free pages to hold the whole stream; lz4 (1.4:1 here) is
	 * borderline and checked for a valid prefix only.
	 */
	for (size_t c = 1; c < NR_COMPRESSORS; c++) {
		if (compressors[c] == LKCD_COMPRESS_LZ4) {
			struct simmem *sm = standard(4096, 99 + c, 32);
			struct sim_readback rb;
			char msg[300];

			CU_ASSERT_EQUAL(sim_pack(sm, LKCD_LEVEL_ALL_RAM, 0,
						 compressors[c], 0), 0);
			CU_ASSERT_EQUAL_FATAL(sim_readback(sm, &rb), 0);
			CU_ASSERT_EQUAL(sim_check_dump(sm, &rb, msg, sizeof(msg)), 0);
			if (sim_header(sm)->next_pfn <= sm->max_pfn / 2)
				fprintf(stderr, "\n  ALL_RAM lz4 stopped at pfn 0x%llx\n",
					(unsigned long long)sim_header(sm)->next_pfn);
			CU_ASSERT(sim_header(sm)->next_pfn > sm->max_pfn / 2);
			sim_readback_free(&rb);
			sim_free(sm);
			continue;
		}
		{
		struct simmem *sm = standard(4096, 99 + c, 4);
		uint64_t reused = 0, pool_used = 0;

		pack_and_check(sm, LKCD_LEVEL_ALL_RAM, 0, compressors[c], 0,
			       LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
		/* The pool only started it: most blocks live in saved pages. */
		for (uint64_t pfn = 0; pfn < sm->max_pfn; pfn++)
			if ((sm->state[pfn] & SIM_S_WRITTEN) &&
			    (sm->state[pfn] & SIM_S_POOL)) {
				pool_used++;
			} else if (sm->state[pfn] & SIM_S_WRITTEN) {
				reused++;
				CU_ASSERT(sm->state[pfn] & SIM_S_READ);
			}
		CU_ASSERT(pool_used >= 1);
		CU_ASSERT(reused > 4 * sm->nr_pool);
		CU_ASSERT_EQUAL(reused + pool_used, sim_header(sm)->nr_blocks);
		sim_free(sm);
		}
	}
}

/* ALL_RAM with no pool cannot start: nothing is spare before it is saved. */
static void test_all_ram_without_pool(void)
{
	struct simmem *sm = standard(2048, 3, 0);

	pack_and_check(sm, LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_ZSTD, 0,
		       LKCD_STATE_INCOMPLETE, LKCD_INCOMPLETE_NO_SPARE);
	CU_ASSERT_EQUAL(sim_header(sm)->nr_blocks, 0);
	sim_free(sm);
}

/* ALL_RAM, raw pages: the stream outgrows what it frees; stops cleanly. */
static void test_all_ram_raw(void)
{
	struct simmem *sm = sim_new(1024);
	const struct lkcd_dump_header *h;

	sim_add_range(sm, 0, 1024 * PS);
	sim_set_header(sm, 0);
	h = sim_header(sm);
	sim_add_pool(sm, 1);
	sim_add_pool(sm, 2);
	sim_set_class(sm, 3, 1021, LKCD_PC_USER);
	sim_fill(sm, 3, 1021, SIM_RANDOM, 5);
	pack_and_check(sm, LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_NONE, 0,
		       LKCD_STATE_INCOMPLETE, LKCD_INCOMPLETE_NO_SPARE);
	/*
	 * Each raw record needs 4120 bytes, a block holds 4056 and each saved
	 * page frees one block: the 2 pool pages cover the lag for a while.
	 */
	CU_ASSERT(h->pages_dumped > 30);
	CU_ASSERT(h->pages_dumped < 1021);
	sim_free(sm);
}

/* Unreadable user pages at ALL_RAM: the reuse cursor must skip them. */
static void test_all_ram_unreadable(void)
{
	static const unsigned int gaps[] = { 1, 3, 40 };

	for (size_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		struct simmem *sm = sim_new(1024);

		sim_add_range(sm, 0, 1024 * PS);
		sim_set_header(sm, 0);
		sim_add_pool(sm, 1);
		sim_add_pool(sm, 2);
		sim_set_class(sm, 3, 1021, LKCD_PC_USER);
		/* text: enough blocks for the reuse cursor to walk far */
		sim_fill(sm, 3, 1021, SIM_TEXT, 9);
		/* Many short unreadable runs: more than the packer remembers. */
		for (uint64_t pfn = 8; pfn < 1000; pfn += gaps[g] + 1)
			sim_set_unreadable(sm, pfn, 1);
		pack_and_check(sm, LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_ZLIB, 0,
			       LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
		for (uint64_t pfn = 0; pfn < sm->max_pfn; pfn++)
			if (sm->state[pfn] & SIM_S_READ_FAILED)
				CU_ASSERT(!(sm->state[pfn] & SIM_S_WRITTEN));
		sim_free(sm);
	}
}

/* Live snapshots: blocks only in the pool; a full pool is CAP. */
static void test_pool_only(void)
{
	static const unsigned int pools[] = { 0, 3, 300 };

	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		struct simmem *sm = sim_new_standard(1024, 55);
		uint32_t want = pools[i] == 300 ? LKCD_INCOMPLETE_NONE : LKCD_INCOMPLETE_CAP;

		for (unsigned int k = 0; k < pools[i]; k++)
			sim_add_pool(sm, 0x180 + k);
		sm->packer_flags = LKCD_PACKER_POOL_ONLY;
		pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZSTD, 0,
			       want ? LKCD_STATE_INCOMPLETE : LKCD_STATE_COMPLETE, want);
		for (uint64_t p = 0; p < sm->max_pfn; p++)
			if (sm->state[p] & SIM_S_WRITTEN)
				CU_ASSERT(sm->state[p] & SIM_S_POOL);
		CU_ASSERT(sim_header(sm)->nr_blocks <= pools[i]);
		sim_free(sm);
	}
}

/* ---- the packer's own pages, even when classify gets them wrong ---- */

static void test_own_pages_protected(void)
{
	static const struct { uint32_t level, exclude; } runs[] = {
		{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK },	/* free = spare */
		{ LKCD_LEVEL_ALL_RAM, 0 },		/* free = dumped */
	};

	for (size_t r = 0; r < 2; r++) {
		struct simmem *sm = sim_new(512);

		sim_add_range(sm, 0, 512 * PS);
		sim_fill(sm, 256, 256, SIM_TEXT, 3);
		sim_set_header(sm, 100);
		sim_add_pool(sm, 101);
		sim_add_pool(sm, 102);
		/* classify() claims the header and pool pages are free */
		sim_free_block(sm, 0, 8);
		sim_fill(sm, 0, 256, SIM_SPARSE, 4);
		pack_and_check(sm, runs[r].level, runs[r].exclude, LKCD_COMPRESS_ZSTD,
			       0, LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
		sim_free(sm);
	}
}

/* classify() answers are clamped: run 0 means 1, no run crosses a range. */
static void test_classify_runs_clamped(void)
{
	struct simmem *sm = sim_new(600);

	sim_add_range(sm, 0x1000, 255 * PS);		/* pfns 1..255 */
	sim_add_range(sm, 300 * PS, 300 * PS);		/* pfns 300..599 */
	sim_set_header(sm, 5);
	sim_fill(sm, 1, 255, SIM_SPARSE, 1);	/* small records: few blocks */
	sim_fill(sm, 300, 300, SIM_SPARSE, 2);
	sim_free_block(sm, 192, 6);
	sim_free_block(sm, 512, 6);
	sm->run[192] = 1000;	/* past the end of its range, into the next */
	sm->run[10] = 0;	/* "never 0": the packer takes it as 1 */
	sm->run[512] = 64;
	pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZLIB, 0,
		       LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
	CU_ASSERT_EQUAL(sim_header(sm)->pages_dumped, 255 - 1 - 64 + 300 - 64);
	sim_free(sm);
}

/*
 * 256 MiB, mostly free in order-10 blocks: the free runs are skipped with one
 * classify() each, by the dump walk and by the spare-page scan alike.
 */
static void test_free_runs_skipped(void)
{
	const uint64_t pages = 65536;
	struct simmem *sm = sim_new(pages);

	sim_add_range(sm, PS, (pages - 1) * PS);
	sim_set_header(sm, 1);
	for (uint64_t pfn = 1024; pfn < pages; pfn += 1024) {
		sim_free_block(sm, pfn, 10);
		sim_set_class(sm, pfn + 1000, 24, LKCD_PC_KERNEL);	/* a few used pages */
		sim_fill(sm, pfn + 1000, 24, SIM_SPARSE, pfn);
		sm->run[pfn] = 1000;		/* the block ends where they start */
		for (uint64_t i = 1; i < 1000; i++)
			sm->run[pfn + i] = (uint32_t)(1000 - i);
	}
	sim_fill(sm, 2, 1022, SIM_TEXT, 9);
	pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_LZ4, 0,
		       LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
	/*
	 * dumped pages are classified once by the walk and once by each
	 * spare search that passes them (other pages, then free pages), each
	 * free run a few times
	 */
	CU_ASSERT(sm->nr_classify < 3 * (1022 + 63 * 24) + 6 * 64);
	sim_free(sm);
}

/* ---- bad setups ---- */

static void test_bad_setup(void)
{
	struct simmem *sm = standard(1024, 1, 0);
	struct lkcd_dump_header *h = sim_header(sm);
	struct lkcd_mem_range *table;

	/* level NONE: refused, header sealed INCOMPLETE/ERROR */
	CU_ASSERT_EQUAL(sim_pack(sm, LKCD_LEVEL_NONE, 0, 0, 0), -22);
	CU_ASSERT_EQUAL(h->state, LKCD_STATE_INCOMPLETE);
	CU_ASSERT_EQUAL(h->incomplete_reason, LKCD_INCOMPLETE_ERROR);
	CU_ASSERT_EQUAL(h->nr_blocks, 0);
	CU_ASSERT_EQUAL(sm->nr_reads + sm->nr_spares, 0);
	{
		struct sim_readback rb;

		CU_ASSERT_EQUAL(sim_readback(sm, &rb), 0);	/* sealed, empty */
		CU_ASSERT_EQUAL(rb.nr_records, 0);
		sim_readback_free(&rb);
	}

	/* an exclude mask with unknown bits */
	CU_ASSERT_EQUAL(sim_pack(sm, LKCD_LEVEL_KERN, 0x20, 0, 0), -22);

	/* overlapping ranges */
	memcpy(sm->mem, sm->orig, sm->max_pfn * PS);
	sm->ranges[1].start = sm->ranges[0].start;
	CU_ASSERT_EQUAL(sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, 0, 0), -22);
	sim_free(sm);

	/* a range past max_pfn */
	sm = standard(1024, 1, 0);
	h = sim_header(sm);
	sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, 0, 0);
	memcpy(sm->mem, sm->orig, sm->max_pfn * PS);
	h->max_pfn = 10;
	table = (struct lkcd_mem_range *)((uint8_t *)h + h->header_size);
	(void)table;
	sm->pk.header = h;
	CU_ASSERT_EQUAL(lkcd_packer_run(&sm->pk), -22);

	/* the header page in the pool */
	h->max_pfn = sm->max_pfn;
	sm->pool[0] = sm->header_pfn;
	sm->pk.pool = sm->pool;
	sm->pk.nr_pool = 1;
	CU_ASSERT_EQUAL(lkcd_packer_run(&sm->pk), -22);
	sm->pk.nr_pool = 0;
	CU_ASSERT_EQUAL(lkcd_packer_run(&sm->pk), 0);	/* and fine without */

	/* a missing op */
	sm->ops.map_spare = NULL;
	h->max_pfn = sm->max_pfn;
	CU_ASSERT_EQUAL(lkcd_packer_run(&sm->pk), -22);
	sim_free(sm);
}

/* ---- progress and keepalive ---- */

static void test_progress(void)
{
	struct simmem *sm = standard(4096, 12, 0);

	pack_and_check(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_LZ4, 0,
		       LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
	/* every 512 pages, plus the final call */
	CU_ASSERT(sm->nr_progress >= 4096 / 512 - 1);
	CU_ASSERT(sm->nr_progress <= 4096 / 512 + 2);
	CU_ASSERT(sm->nr_keepalive >= 1);
	CU_ASSERT(sm->last_progress_done > 3000);
	sim_free(sm);
}

/* ---- where the time went ---- */

/*
 * The phase counters account for every nanosecond of the run and count
 * what each phase did.  The fake clock moves only inside classify (10 ns)
 * and read_page (1 us), so each bucket is exact: the walk's time is its
 * classify calls, the spare search's its own, the reads' the reads, and
 * nothing else takes time.  Kernel level (spares from excluded pages) and
 * all of RAM (spares from saved pages and the pool).
 */
static void test_phases(void)
{
	static const struct { uint32_t level, exclude; unsigned int pool; } runs[] = {
		{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, 0 },
		{ LKCD_LEVEL_ALL_RAM, 0, 8 },
	};

	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		struct simmem *sm = standard(4096, 77 + r, runs[r].pool);
		const struct lkcd_dump_header *h = sim_header(sm);
		const struct lkcd_packer_phases *ph = &sm->pk.phases;
		uint64_t sum, from = 0;

		sm->clock_ns = 1000000;
		sm->ns_per_classify = 10;
		sm->ns_per_read = 1000;
		pack_and_check(sm, runs[r].level, runs[r].exclude, LKCD_COMPRESS_ZLIB, 0,
			       LKCD_STATE_COMPLETE, LKCD_INCOMPLETE_NONE);
		sum = ph->walk_ns + ph->read_ns + ph->compress_ns + ph->store_ns +
		      ph->spare_ns + ph->crc_ns + ph->progress_ns;
		CU_ASSERT_EQUAL(sum, h->dump_end_ns - h->dump_start_ns);
		CU_ASSERT_EQUAL(ph->walk_ns, 10 * ph->walk_steps);
		CU_ASSERT_EQUAL(ph->spare_ns, 10 * ph->spare_classify);
		CU_ASSERT_EQUAL(ph->read_ns, 1000 * ph->reads);
		CU_ASSERT_EQUAL(ph->compress_ns + ph->store_ns + ph->crc_ns + ph->progress_ns, 0);
		CU_ASSERT_EQUAL(ph->walk_steps + ph->spare_classify, sm->nr_classify);
		CU_ASSERT_EQUAL(ph->reads, sm->nr_reads + sm->nr_read_failures);
		CU_ASSERT_EQUAL(ph->compressed,
				h->pages_dumped - h->pages_zero);
		CU_ASSERT(ph->comp_bytes > 0 && ph->comp_bytes < ph->compressed * PS);
		CU_ASSERT(ph->spare_pfns >= ph->spare_classify);
		CU_ASSERT(ph->spares >= h->nr_blocks && ph->spares <= h->nr_blocks + LKCD_PACKER_QUEUE);
		for (int i = 0; i < 5; i++)
			from += ph->spare_from[i];
		CU_ASSERT_EQUAL(from, ph->spares);
		CU_ASSERT_EQUAL(ph->seals, h->nr_blocks);
		if (runs[r].level == LKCD_LEVEL_ALL_RAM) {
			CU_ASSERT(ph->spare_from[1] > 0);	/* saved pages */
			CU_ASSERT(ph->spare_from[4] > 0);	/* the pool */
			CU_ASSERT_EQUAL(ph->spare_from[0], 0);	/* nothing excluded */
		} else {
			CU_ASSERT(ph->spare_from[0] > 0);
			CU_ASSERT_EQUAL(ph->spare_from[4], 0);
		}
		sim_free(sm);
	}
}

/* ---- throughput, for information ---- */

static void test_throughput(void)
{
	const uint64_t pages = 8192;	/* 32 MiB of text */

	for (size_t c = 0; c < NR_COMPRESSORS; c++) {
		struct simmem *sm = sim_new(2 * pages + 1024);
		const struct lkcd_dump_header *h;
		double s;

		sim_add_range(sm, 0, (2 * pages + 1024) * PS);
		sim_set_header(sm, 0);
		h = sim_header(sm);
		sim_fill(sm, 1, pages - 1, SIM_TEXT, 11);
		for (uint64_t pfn = pages; pfn < 2 * pages + 1024; pfn += 1024)
			sim_free_block(sm, pfn, 10);
		sm->real_clock = 1;
		CU_ASSERT_EQUAL(sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK,
					 compressors[c], 0), 0);
		CU_ASSERT_EQUAL(h->state, LKCD_STATE_COMPLETE);
		CU_ASSERT_EQUAL(h->pages_dumped, pages - 1);
		CU_ASSERT_EQUAL(sm->violations, 0);
		/* the packer's own clock: lkcd_packer_run() only */
		s = (double)(h->dump_end_ns - h->dump_start_ns) / 1e9;
		printf("\n  packer throughput, text pages, %-4s: %7.1f MB/s, ratio %.2f",
		       lkcd_compress_name(compressors[c]),
		       pages * PS / 1e6 / s,
		       (double)(pages * PS) / (double)h->stored_bytes);
		sim_free(sm);
	}
	printf("\n");
}

/* ---- a fault inside the dumper: seal from what was committed ---- */

/*
 * Pack, interrupted at the at-th op call (0 = never); when interrupted,
 * seal from the packer's committed state as the re-entered panic does.
 * Then the reader must return exactly the records committed, nothing
 * after, with header counts that agree (sim_check_dump).  Returns 1 when
 * the run was interrupted.
 */
static int interrupt_and_check(struct simmem *sm, uint32_t level, uint32_t exclude,
			       uint32_t compress, uint64_t at)
{
	const struct lkcd_dump_header *h = sim_header(sm);
	struct sim_readback rb;
	jmp_buf jb;
	char msg[300];
	unsigned int bad;
	volatile int interrupted = 0;

	sm->interrupt_at = at;
	sm->interrupt_jmp = &jb;
	if (setjmp(jb) == 0) {
		CU_ASSERT_EQUAL(sim_pack(sm, level, exclude, compress, 0), 0);
	} else {
		interrupted = 1;
		CU_ASSERT_EQUAL(sim_seal_committed(sm, LKCD_INCOMPLETE_REENTERED), 0);
		CU_ASSERT_EQUAL(h->state, LKCD_STATE_INCOMPLETE);
		CU_ASSERT_EQUAL(h->incomplete_reason, LKCD_INCOMPLETE_REENTERED);
	}
	sm->interrupt_at = 0;
	sm->interrupt_jmp = NULL;
	CU_ASSERT_EQUAL_FATAL(sim_readback(sm, &rb), 0);
	bad = sim_check_dump(sm, &rb, msg, sizeof(msg));
	if (bad)
		fprintf(stderr, "\n  level %u compress %u, interrupted at op call %llu: %u discrepancies: %s\n",
			level, compress, (unsigned long long)at, bad, msg);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(rb.nr_records, h->nr_records);
	CU_ASSERT_EQUAL(rb.pages_data + rb.pages_zero, h->pages_dumped);
	CU_ASSERT_EQUAL(h->level, level);
	CU_ASSERT_EQUAL(h->compress, compress);
	if (interrupted && h->nr_records == 0)
		CU_ASSERT_EQUAL(h->first_block_paddr, 0);
	sim_readback_free(&rb);
	return interrupted;
}

static void test_interrupted_prefix(void)
{
	static const struct { uint32_t level, exclude, pool; } cases[] = {
		{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, 0 },
		{ LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE, 0 },
		{ LKCD_LEVEL_ALL_RAM, 0, 8 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		for (size_t c = 0; c < NR_COMPRESSORS; c++) {
			struct simmem *sm = standard(2048, 300 + 7 * k + c, cases[k].pool);
			uint64_t total, at, step, nr_int = 0, prev_records = 0;

			/* a whole run first, to know how many op calls it makes */
			interrupt_and_check(sm, cases[k].level, cases[k].exclude,
					    compressors[c], 0);
			total = sm->nr_op_calls;
			CU_ASSERT(total > 100);
			/*
			 * The very first calls, then points spread over the run
			 * (an odd step, so that every kind of op call is hit),
			 * then the last ones (inside the final seal).
			 */
			step = total / 23 | 1;
			for (at = 1; at <= total; at = at < 8 ? at + 1 :
			     at + 8 >= total ? at + 1 : at + step > total - 8 ? total - 8 : at + step) {
				sim_free(sm);
				sm = standard(2048, 300 + 7 * k + c, cases[k].pool);
				CU_ASSERT_EQUAL(interrupt_and_check(sm, cases[k].level,
								    cases[k].exclude,
								    compressors[c], at), 1);
				nr_int++;
				/* later interruptions keep at least as much */
				CU_ASSERT(sim_header(sm)->nr_records >= prev_records);
				prev_records = sim_header(sm)->nr_records;
			}
			CU_ASSERT(nr_int > 30);
			/* a late interruption kept nearly all of it */
			CU_ASSERT(prev_records > 0);
			sim_free(sm);
		}
	}
}

/* Sealing from state with nothing to seal, or after the run sealed. */
static void test_seal_committed_states(void)
{
	struct simmem *sm = standard(1024, 8, 0);
	struct lkcd_dump_header *h = sim_header(sm);
	uint8_t before[PS];

	/* never run: refused, header untouched */
	memset(&sm->pk, 0, sizeof(sm->pk));
	sm->pk.ops = &sm->ops;
	sm->ops.crc32 = NULL;
	sm->pk.header = h;
	memcpy(before, h, PS);
	CU_ASSERT_EQUAL(sim_seal_committed(sm, LKCD_INCOMPLETE_REENTERED), -22);
	CU_ASSERT_EQUAL(memcmp(before, h, PS), 0);
	/* a finished run: its seal stands */
	CU_ASSERT_EQUAL(sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZLIB, 0), 0);
	CU_ASSERT_EQUAL(h->state, LKCD_STATE_COMPLETE);
	memcpy(before, h, PS);
	CU_ASSERT_EQUAL(sim_seal_committed(sm, LKCD_INCOMPLETE_REENTERED), 0);
	CU_ASSERT_EQUAL(memcmp(before, h, PS), 0);
	sim_free(sm);
}

/*
 * The empty header (panic.c's second panic before the packer, lockdown,
 * a refused setup): INCOMPLETE for the reason, no chain, every count zero,
 * and nothing else touched (what panicked and when stays).
 */
static void test_header_empty(void)
{
	struct simmem *sm = standard(1024, 9, 0);
	struct lkcd_dump_header *h = sim_header(sm), want;
	uint8_t before[PS];

	CU_ASSERT_EQUAL(sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZLIB, 0), 0);
	CU_ASSERT(h->nr_blocks > 0 && h->pages_dumped > 0 && h->first_block_paddr);
	memcpy(before, h, PS);
	memcpy(&want, h, sizeof(want));
	want.state = LKCD_STATE_INCOMPLETE;
	want.incomplete_reason = LKCD_INCOMPLETE_REENTERED;
	want.first_block_paddr = 0;
	want.nr_blocks = want.nr_records = 0;
	want.pages_dumped = want.pages_zero = want.pages_excluded = 0;
	want.pages_unreadable = want.stored_bytes = want.next_pfn = 0;
	lkcd_packer_header_empty(h, LKCD_INCOMPLETE_REENTERED);
	CU_ASSERT_EQUAL(memcmp(h, &want, sizeof(want)), 0);
	/* the range table after the header is left as it was */
	CU_ASSERT_EQUAL(memcmp((uint8_t *)h + sizeof(*h), before + sizeof(*h), PS - sizeof(*h)), 0);
	sim_free(sm);
}

/* ---- test-only damage (LKCD_TEST): bit flips after the seal ---- */

struct damaged {
	uint64_t pfn[64];
	unsigned int n;
};

static void *damage_map(void *ctx, __u64 pfn)
{
	struct simmem *sm = ctx;

	return pfn < sm->max_pfn ? sm->mem + pfn * PS : NULL;
}

static struct damaged *damage_seen;

static void damage_report(void *ctx, __u64 pfn, __u64 seq, __u32 byte)
{
	(void)ctx, (void)seq, (void)byte;
	if (damage_seen->n < 64)
		damage_seen->pfn[damage_seen->n++] = pfn;
}

/*
 * Damage a dump packed at level with the knob limited to classes (0: any)
 * and read it back: every flipped record lost and named, the rest intact,
 * and with classes, every page lost of one of them.
 */
static void damage_and_read(uint32_t level, uint32_t classes)
{
	static const uint32_t counts[] = { 1, 3, 8 };

	for (size_t c = 1; c < NR_COMPRESSORS; c++) {
		for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			struct simmem *sm = standard(4096, 500 + c, 0);
			const struct lkcd_dump_header *h = sim_header(sm);
			const struct lkcd_problem *probs;
			struct lkcd_source *src;
			struct lkcd_dump *d;
			struct lkcd_page pg;
			struct damaged dm = { .n = 0 };
			uint64_t pages = 0, records = 0;
			size_t np;
			uint32_t got;

			CU_ASSERT_EQUAL(sim_pack(sm, level, lkcd_level_default_exclude(level),
						 compressors[c], 0), 0);
			CU_ASSERT_EQUAL(h->state, LKCD_STATE_COMPLETE);
			CU_ASSERT(h->nr_blocks > 4 * counts[i]);
			damage_seen = &dm;
			got = lkcd_packer_damage_records(&sm->pk, counts[i], classes, damage_map,
							 damage_report);
			CU_ASSERT_EQUAL(got, counts[i]);
			CU_ASSERT_EQUAL(dm.n, counts[i]);

			CU_ASSERT_EQUAL_FATAL(sim_source(sm, &src), 0);
			CU_ASSERT_EQUAL_FATAL(lkcd_dump_open(src, sm->header_pfn * PS, &d, NULL), 0);
			while (lkcd_dump_next(d, &pg, NULL) > 0) {
				uint8_t buf[PS];

				records++;
				if (pg.flags != LKCD_REC_UNREADABLE)
					pages += pg.count;
				for (unsigned int k = 0; k < dm.n; k++)
					CU_ASSERT(pg.pfn > dm.pfn[k] || pg.pfn + pg.count <= dm.pfn[k]);
				/* what comes back is right */
				for (uint32_t j = 0; j < pg.count && pg.flags != LKCD_REC_UNREADABLE; j++) {
					CU_ASSERT_EQUAL_FATAL(lkcd_page_expand(&pg, j, buf, PS, NULL), 0);
					CU_ASSERT_EQUAL(memcmp(buf, sm->orig + (pg.pfn + j) * PS, PS), 0);
				}
			}
			/*
			 * One damaged block per flipped record (the record
			 * that straddles into it is a second entry), its
			 * lost pfns named: every flipped record in one range;
			 * with classes, no page of another class the dump
			 * held in any range.
			 */
			np = lkcd_dump_problems(d, &probs);
			for (size_t j = 0; j < np && classes; j++) {
				unsigned long long lo, hi;
				const char *r = strstr(probs[j].reason, "pfns 0x");

				if (!strstr(probs[j].reason, "payload crc"))
					continue;
				CU_ASSERT_PTR_NOT_NULL_FATAL(r);
				CU_ASSERT_EQUAL_FATAL(sscanf(r, "pfns 0x%llx-0x%llx", &lo, &hi), 2);
				for (unsigned long long pfn = lo; pfn <= hi && pfn < sm->max_pfn; pfn++) {
					unsigned int cls = sm->cls[pfn] & LKCD_PC_MASK;

					if (cls == LKCD_PC_KERNEL)
						CU_FAIL("a damaged block cost a kernel page");
				}
			}
			for (unsigned int k = 0; k < dm.n; k++) {
				unsigned int in = 0, blocks = 0;

				if (classes)
					CU_ASSERT(classes & LKCD_PC_BIT(sm->cls[dm.pfn[k]] & LKCD_PC_MASK));
				for (size_t j = 0; j < np; j++) {
					unsigned long long lo, hi;
					const char *r = strstr(probs[j].reason, "pfns 0x");

					if (!strstr(probs[j].reason, "payload crc"))
						continue;
					blocks++;
					/* the one problem type: a block's is no log record */
					CU_ASSERT(probs[j].id == UINT64_MAX && probs[j].seq == UINT64_MAX);
					CU_ASSERT_PTR_NOT_NULL_FATAL(r);
					CU_ASSERT_EQUAL(sscanf(r, "pfns 0x%llx-0x%llx", &lo, &hi), 2);
					in += lo <= dm.pfn[k] && dm.pfn[k] <= hi;
				}
				CU_ASSERT_EQUAL(blocks, counts[i]);
				CU_ASSERT_EQUAL(in, 1);
			}
			/* the rest is all there: only a few records per flip lost */
			CU_ASSERT(records < h->nr_records);
			CU_ASSERT(h->nr_records - records <= 40 * counts[i]);
			CU_ASSERT(pages < h->pages_dumped);
			lkcd_dump_close(d);
			lkcd_source_close(src);
			sim_free(sm);
		}
	}
}

static void test_damage_records(void)
{
	damage_and_read(LKCD_LEVEL_KERN, 0);
}

/* fault-bitflip's knob: only blocks of user and page-cache pages */
static void test_damage_records_classes(void)
{
	damage_and_read(LKCD_LEVEL_USED, LKCD_PC_BIT(LKCD_PC_USER) | LKCD_PC_BIT(LKCD_PC_CACHE) |
					 LKCD_PC_BIT(LKCD_PC_CACHE_PRIVATE));
}

static CU_TestInfo packer_tests[] = {
	{ "every level x mask x compressor", test_matrix },
	{ "compression shrinks, incompressible stays raw", test_compression_used },
	{ "zlib records are compress2() bytes", test_zlib_bytes },
	{ "out of spare pages: INCOMPLETE, valid prefix", test_tight_spare },
	{ "deadline: INCOMPLETE(DEADLINE), valid prefix", test_deadline },
	{ "deadline already passed", test_deadline_passed },
	{ "deadline met while searching a spare page", test_deadline_in_spare_search },
	{ "free pages are the last spare pages", test_free_pages_last },
	{ "zero and unreadable runs merged", test_runs_merged },
	{ "ALL_RAM reuses saved pages", test_all_ram_reuse },
	{ "ALL_RAM without a pool", test_all_ram_without_pool },
	{ "ALL_RAM raw pages outgrow the space", test_all_ram_raw },
	{ "ALL_RAM never reuses unreadable pages", test_all_ram_unreadable },
	{ "header and pool pages never read or written", test_own_pages_protected },
	{ "pool only (live snapshot): CAP when full", test_pool_only },
	{ "classify runs clamped to the range", test_classify_runs_clamped },
	{ "free runs skipped with one classify", test_free_runs_skipped },
	{ "bad setups refused", test_bad_setup },
	{ "progress and keepalive", test_progress },
	{ "phase counters: every ns in one bucket, exact counts", test_phases },
	{ "interrupted anywhere: seal keeps the committed prefix", test_interrupted_prefix },
	{ "seal from state: never run, already sealed", test_seal_committed_states },
	{ "empty header: INCOMPLETE, no chain, no counts", test_header_empty },
	{ "test knob: bit flips reported, the rest read", test_damage_records },
	{ "test knob: flips cost only the classes asked", test_damage_records_classes },
	{ "throughput (information)", test_throughput },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("packer", NULL, NULL, packer_tests);
}

LKCD_TEST_MAIN(register_suites)
