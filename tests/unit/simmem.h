/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A simulated physical memory for the packer tests: a buffer indexed by
 * physical address with RAM ranges and holes, a page class per pfn (free
 * buddy blocks of several orders, kernel, NODUMP, user/cache, busy,
 * hwpoison, offline), page contents (text, random, zero), pages that fail
 * to read, and a fake clock.
 *
 * It implements struct lkcd_packer_ops over that memory the way the kernel
 * does over struct page, and it polices the packer while it runs: every
 * map_spare() is checked at that moment against the dump policy (never a
 * protected page, never a page whose content is still to be dumped, never
 * twice), every read_page() against the never-read classes and against pages
 * already overwritten.  Breaches are counted in sm->violations with the
 * first one described in sm->violation, so a test asserts violations == 0.
 */
#ifndef LKCD_SIMMEM_H
#define LKCD_SIMMEM_H

#include <setjmp.h>
#include <stdint.h>
#include <stddef.h>

#include "liblkcd.h"
#include "packer.h"

#define SIM_MAX_RANGES	16
#define SIM_MAX_POOL	512

/* Page contents. */
enum sim_content {
	SIM_ZERO = 0,
	SIM_TEXT,	/* words and numbers: compresses 2-4x */
	SIM_RANDOM,	/* incompressible */
	SIM_SPARSE,	/* mostly zero with a few words: compresses very well */
};

/* Per-pfn state bits (sm->state). */
#define SIM_S_RAM		0x01	/* inside a RAM range */
#define SIM_S_UNREADABLE	0x02	/* read_page() fails */
#define SIM_S_READ		0x04	/* read by the packer (successfully) */
#define SIM_S_WRITTEN		0x08	/* the packer wrote a block here */
#define SIM_S_READ_FAILED	0x10	/* read attempted, failed */
#define SIM_S_POOL		0x20	/* in the caller's pool */

struct simmem {
	uint8_t *mem;		/* max_pfn pages, index = physical address */
	uint8_t *orig;		/* copy of mem taken just before the dump */
	uint64_t max_pfn;
	struct lkcd_mem_range ranges[SIM_MAX_RANGES];	/* bytes, sorted */
	size_t nr_ranges;

	uint16_t *cls;		/* LKCD_PC_* | LKCD_PCF_* per pfn */
	uint32_t *run;		/* classify run: pages to the end of a free block */
	uint8_t *state;		/* SIM_S_* per pfn */

	uint64_t header_pfn;
	__u64 pool[SIM_MAX_POOL];	/* the packer's type: lkcd_packer.pool */
	uint32_t nr_pool;

	/* What the packer is asked to do (set by sim_pack). */
	uint32_t level, exclude, compress;
	uint32_t packer_flags;	/* LKCD_PACKER_*, set by the test before sim_pack */

	/*
	 * Fake clock: now_ns() returns clock_ns; each read adds ns_per_read,
	 * each classify ns_per_classify (a scan over struct pages takes time).
	 */
	uint64_t clock_ns, ns_per_read, ns_per_classify;
	int real_clock;		/* use CLOCK_MONOTONIC instead */

	/* What happened. */
	unsigned int violations;
	char violation[256];	/* the first one */
	uint64_t nr_reads, nr_read_failures, nr_spares, nr_classify;
	uint64_t nr_progress, nr_keepalive, last_progress_done;

	/*
	 * Interrupt the run (longjmp to *interrupt_jmp, value 1) at the
	 * interrupt_at-th call of read_page, map_spare, compress, crc32 or
	 * progress, as a fault inside the dumper would; 0 = never.  The calls
	 * of the last sim_pack are counted in nr_op_calls.  With interrupted
	 * set, sim_check_dump allows the spare pages taken after the last
	 * commit.
	 */
	uint64_t interrupt_at, nr_op_calls;
	jmp_buf *interrupt_jmp;
	int interrupted;

	void *zstd_cctx;
	void *zlib_stream;	/* z_stream, reset per page as the kernel does */
	void *lzo_wrkmem;	/* LZO1X_1_MEM_COMPRESS, allocated on first use */
	uint8_t *lzo_out;	/* lzo1x's worst case for a page (it takes no cap) */
	uint8_t *read_buf, *comp_buf;
	struct lkcd_packer_ops ops;
	struct lkcd_packer pk;
};

/* An all-hole memory of max_pfn pages (every pfn class HOLE, content zero). */
struct simmem *sim_new(uint64_t max_pfn);
void sim_free(struct simmem *sm);

/*
 * Add a RAM range in bytes (need not be page aligned: only whole pages count,
 * as in the kernel).  Pages in it become KERNEL with zero content.  Ranges
 * must be added in ascending order.
 */
void sim_add_range(struct simmem *sm, uint64_t start, uint64_t size);

/* Set class (LKCD_PC_* | LKCD_PCF_*) of n pages; run 1 each. */
void sim_set_class(struct simmem *sm, uint64_t pfn, uint64_t n, unsigned int cls);
/* A free buddy block of 1 << order pages at pfn (aligned by the caller). */
void sim_free_block(struct simmem *sm, uint64_t pfn, unsigned int order);
/* Fill n pages with content generated from seed (deterministic). */
void sim_fill(struct simmem *sm, uint64_t pfn, uint64_t n,
	      enum sim_content what, uint64_t seed);
void sim_set_unreadable(struct simmem *sm, uint64_t pfn, uint64_t n);
/* Put the header page at pfn (class NODUMP). */
void sim_set_header(struct simmem *sm, uint64_t pfn);
/* Add pfn to the pool (class NODUMP); call in ascending order. */
void sim_add_pool(struct simmem *sm, uint64_t pfn);

/*
 * The standard mixed layout over max_pfn pages (max_pfn >= 1024): a low
 * range [0x1000, 0x9fc00) as on x86, a hole, RAM up to a second hole near
 * the top, RAM again to max_pfn; every class and content in pseudo-random
 * segments from seed; a few unreadable, busy, hwpoison, offline pages; the
 * header page at pfn 0x100.
 */
struct simmem *sim_new_standard(uint64_t max_pfn, uint64_t seed);

/*
 * Fill the header's static fields and range table, snapshot mem into orig,
 * set up sm->pk and run the packer.  Returns lkcd_packer_run()'s value.
 */
int sim_pack(struct simmem *sm, uint32_t level, uint32_t exclude,
	     uint32_t compress, uint64_t deadline_ns);

/*
 * After a sim_pack that was interrupted (longjmp'ed out of): seal from what
 * the packer committed, as the re-entered panic path does.  Returns
 * lkcd_packer_seal_committed()'s value.
 */
int sim_seal_committed(struct simmem *sm, uint32_t reason);

/* A source over mem (after the dump) with the RAM ranges. */
int sim_source(struct simmem *sm, struct lkcd_source **out);

/* The header page as the packer left it. */
static inline struct lkcd_dump_header *sim_header(struct simmem *sm)
{
	return (struct lkcd_dump_header *)(sm->mem + sm->header_pfn * LKCD_PAGE_SIZE);
}

/* Whether the packer should leave class cls out under mask exclude. */
int sim_class_excluded(uint32_t exclude, unsigned int cls);
/* Whether pfn's original content is all zero. */
int sim_orig_is_zero(const struct simmem *sm, uint64_t pfn);

/* The compressors, as the kernel module runs them (for tests and bench). */
int sim_compress(struct simmem *sm, const void *src, void *dst, uint32_t cap);

#endif /* LKCD_SIMMEM_H */

/* ---- reading the dump back and judging it ---- */

/* What the reader gave back, per pfn. */
#define SIM_K_ABSENT	0
#define SIM_K_DATA	'D'
#define SIM_K_ZERO	'Z'
#define SIM_K_UNREAD	'U'

struct sim_readback {
	int open_rc;			/* lkcd_dump_open's value */
	char open_error[512];
	uint8_t *kind;			/* max_pfn entries, SIM_K_* */
	uint64_t nr_records, nr_problems, nr_mismatches;
	uint64_t pages_data, pages_zero, pages_unread;
	char first_problem[256];	/* the first problem or mismatch */
};

/*
 * Open the dump in sm's memory, read every record, expand every page and
 * compare it with the original content.  Records that repeat a pfn or expand
 * wrongly count as mismatches.  0, or the negative errno of open/next.
 */
int sim_readback(struct simmem *sm, struct sim_readback *rb);
void sim_readback_free(struct sim_readback *rb);

/* What the dump policy says pfn should come back as (SIM_K_*). */
int sim_expected(const struct simmem *sm, uint64_t pfn);

/*
 * Compare a readback with the policy below the header's next_pfn and with
 * "nothing" above it, and the header's counts with both.  Returns the number
 * of discrepancies; the first is described in msg.
 */
unsigned int sim_check_dump(struct simmem *sm, const struct sim_readback *rb,
			    char *msg, size_t len);
