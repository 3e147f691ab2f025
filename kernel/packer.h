/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The packer: walks physical pages, picks spare pages, packs compressed
 * records into a chain of storage blocks and seals the header.  Plain C with
 * no kernel or libc includes, so the very same packer.c is linked into
 * lkcd.ko (callbacks in pagewalk.c/compress.c) and into the CUnit tests
 * (callbacks over a simulated physical memory).
 *
 * Runs at panic: it allocates nothing, takes no lock, and calls nothing but
 * the ops below.  Everything it needs is in struct lkcd_packer, set up by the
 * caller beforehand.
 */
#ifndef LKCD_PACKER_H
#define LKCD_PACKER_H

#include "../include/lkcd/format.h"

/* What a page is, from its struct page (classify op). */
enum lkcd_page_class {
	LKCD_PC_HOLE = 0,	/* no struct page / not RAM: never read, never written */
	LKCD_PC_KERNEL,		/* kernel text/data, slab, page tables, per-cpu,
				 * vmalloc, module memory, reserved: always
				 * dumped (unless level HEADER), never spare */
	LKCD_PC_NODUMP,		/* never read, never written: the crashkernel
				 * region, the header page, the packer's own
				 * working pages */
	LKCD_PC_FREE,		/* free buddy block (run = its length) or a page
				 * on a per-CPU free list */
	LKCD_PC_CACHE,		/* page cache, no private data */
	LKCD_PC_CACHE_PRIVATE,	/* page cache with private (buffers) */
	LKCD_PC_USER,		/* anonymous or hugetlb */
	LKCD_PC_HWPOISON,	/* never read: always excluded */
	LKCD_PC_OFFLINE,	/* logically offline: always excluded */
	LKCD_PC_NR
};

/* Bits returned with the class. */
#define LKCD_PCF_BUSY	0x100	/* locked, under writeback or DMA-pinned:
				 * may still be written by I/O, never spare */
#define LKCD_PC_MASK	0x0ff

struct lkcd_packer_ops {
	/*
	 * Class of pfn | LKCD_PCF_* bits.  *run is set to how many pages from
	 * pfn on share this answer (a free buddy block: 1 << order minus the
	 * offset into it; otherwise 1).  Never 0.
	 */
	unsigned int (*classify)(void *ctx, __u64 pfn, __u64 *run);
	/* Copy one page, fault-tolerantly.  0, or -1 when unreadable. */
	int (*read_page)(void *ctx, __u64 pfn, void *buf);
	/* Address through which spare page pfn may be written. NULL = cannot. */
	void *(*map_spare)(void *ctx, __u64 pfn);
	/*
	 * Compress one page into dst (dst_cap bytes).  Returns the compressed
	 * size, or -1 when it does not fit or failed (the page is stored raw).
	 * NULL op = no compression.
	 */
	int (*compress)(void *ctx, const void *src, void *dst, __u32 dst_cap);
	/* zlib-compatible crc32(crc, buf, len) */
	__u32 (*crc32)(__u32 crc, const void *buf, __u32 len);
	/* monotonic clock, for the deadline and progress */
	__u64 (*now_ns)(void *ctx);
	/* progress report: done of total pfns examined; may be NULL */
	void (*progress)(void *ctx, __u64 done, __u64 total);
	/* called every few hundred pages in long loops (touch_nmi_watchdog); may be NULL */
	void (*keepalive)(void *ctx);
};

#endif /* LKCD_PACKER_H */
