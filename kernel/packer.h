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
				 * region, the dumper's own working memory
				 * (header page, scratch, pool, compressor
				 * workspaces), a held snapshot's pages */
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
				 * may still be written by I/O; or free on the
				 * panicking CPU's own per-CPU list: the next
				 * allocation takes it.  Never spare */
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
	/*
	 * Address through which spare page pfn may be written. NULL = cannot
	 * (the packer then tries another page).  The address must stay valid
	 * until lkcd_packer_run() returns: the packer keeps up to three
	 * mapped at once (the block being filled and two picked ahead) and
	 * never unmaps them (on x86_64: the direct map).
	 */
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

/*
 * Most storage blocks a single record can need beyond the one being filled:
 * a record is at most sizeof(record header) + page size = 4120 bytes, a
 * block payload is 4056 bytes, so two fresh blocks always suffice.
 */
#define LKCD_PACKER_QUEUE	2
/* Unreadable runs remembered so that the reuse cursor never writes into them. */
#define LKCD_PACKER_BAD_RUNS	16

/*
 * struct lkcd_packer.flags.  POOL_ONLY is for live snapshots (SysRq d): the
 * system keeps running, so no page of it is spare (a free page may be
 * allocated the next instant); blocks go only into the caller's pool, and
 * when the pool is full the run stops with INCOMPLETE/CAP.
 */
#define LKCD_PACKER_POOL_ONLY	0x1
#define LKCD_PACKER_FLAGS	0x1	/* all known flags */

/* One spare page picked ahead and mapped (packer-private). */
struct lkcd_packer_spare {
	__u64 pfn;
	void *addr;
};

/* A pfn range [start, end) (packer-private). */
struct lkcd_packer_span {
	__u64 start;
	__u64 end;
};

/*
 * What the run has finished, copied after every loop step (packer-private):
 * a chain of nr_blocks blocks whose last one (blk, holding blk_used payload
 * bytes) ends on a record boundary, and counts that cover exactly the pfns
 * below next_pfn.  lkcd_packer_seal_committed() seals from this.
 */
struct lkcd_packer_commit {
	__u64 nr_blocks, nr_records, pages_dumped, pages_zero;
	__u64 pages_excluded, pages_unreadable, stored_bytes;
	__u64 next_pfn;
	__u64 first_block_pfn;
	__u8 *blk;		/* NULL: no block yet */
	__u32 blk_used, blk_first;
};

/*
 * Where a run's time went, by phase, and what each phase counted
 * (struct lkcd_packer.phases; lkcd_packer_run() zeroes and fills it).  The
 * time is ops->now_ns() read at each phase boundary, so every nanosecond of
 * the run between its first and last read lands in exactly one bucket; the
 * spare search and the block seals happen inside storing a record and are
 * taken out of store_ns.  Five clock reads per dumped page (one before),
 * one per PK_CLOCK_EVERY steps that dump nothing (one a step before).
 * store_ns is the record chain itself: the record headers, the copies into
 * blocks, the queue of blocks picked ahead.
 */
struct lkcd_packer_phases {
	__u64 walk_ns;		/* classify, the walk's bookkeeping, runs not read */
	__u64 read_ns;		/* read_page and the zero test */
	__u64 compress_ns;	/* ops->compress */
	__u64 store_ns;		/* records into blocks: headers, copies, the chain */
	__u64 spare_ns;		/* the spare-page search (cursors, map_spare) */
	__u64 crc_ns;		/* each record's crc32, and the block seals (the
				 * zero fill, both crc32s) */
	__u64 progress_ns;	/* ops->progress (the console line) */
	__u64 walk_steps;	/* steps of the walk (one classify each) */
	__u64 reads;		/* read_page calls */
	__u64 compressed;	/* ops->compress calls */
	__u64 comp_bytes;	/* bytes of the pages that compressed (< a page) */
	__u64 spares;		/* spare pages taken */
	__u64 spare_pfns;	/* pfns the spare cursors looked at */
	__u64 spare_classify;	/* classify calls the spare cursors made */
	__u64 spare_from[5];	/* pages taken by excl, reuse, excl_free,
				 * reuse_free, the pool */
	__u64 seals;		/* blocks sealed (a block resealed counts twice) */
};

/* struct lkcd_packer.st.phase */
#define LKCD_PACKER_IDLE	0	/* never run (or zeroed) */
#define LKCD_PACKER_RUNNING	1	/* lkcd_packer_run() is walking */
#define LKCD_PACKER_SEALED	2	/* the header is sealed, crc written */

/* A cursor walking the RAM ranges with the last classify answer cached. */
struct lkcd_packer_cursor {
	__u64 pfn;		/* next pfn to look at */
	__u32 range;		/* index into the header's range table */
	__u32 cls;		/* classify() answer valid for [pfn, run_end) */
	__u64 run_end;		/* 0 = no cached answer */
	int done;		/* walked off the last range */
};

/*
 * Everything lkcd_packer_run() needs, set up by the caller before panic.
 * The caller fills the fields above "private"; lkcd_packer_run() initialises
 * the private part itself (no need to zero it, but zeroing the whole struct
 * first is the easy way to leave later-added optional fields at default).
 */
struct lkcd_packer {
	const struct lkcd_packer_ops *ops;	/* required: classify, read_page,
						 * map_spare, crc32, now_ns */
	void *ctx;				/* passed to every op */

	/*
	 * The header page, LKCD_PAGE_SIZE bytes, mapped.  The caller fills the
	 * static fields before the run: magic, version, header_size, page_size
	 * (LKCD_PAGE_SIZE), flags, panic time and string, cpus, uts,
	 * vmcoreinfo, current_task, and the RAM range table (nr_ranges entries
	 * of struct lkcd_mem_range at offset header_size, sorted, not
	 * overlapping) with memory_size and max_pfn.  The packer walks exactly
	 * the whole pages of those ranges, fills level, exclude, compress,
	 * state, incomplete_reason, dump_start/end_ns, first_block_paddr and
	 * the counts, and computes crc last.
	 */
	struct lkcd_dump_header *header;
	__u64 header_pfn;		/* never dumped, never used as spare */

	__u32 level;			/* LKCD_LEVEL_*: HEADER dumps no page;
					 * NONE is refused (-EINVAL) */
	/*
	 * LKCD_EXCLUDE_* classes left out, as applied: the caller resolves
	 * the level's default (lkcd_level_default_exclude()) or the admin's
	 * override; the packer takes it literally and stores it in the
	 * header.  Hwpoison, offline, holes and NODUMP pages are always left
	 * out.
	 */
	__u32 exclude;
	__u32 compress;			/* LKCD_COMPRESS_* that ops->compress
					 * makes; forced to NONE when
					 * ops->compress is NULL */
	__u64 deadline_ns;		/* stop when ops->now_ns() >= this;
					 * 0 = no deadline */
	__u32 progress_every;		/* pages between ops->progress calls;
					 * 0 = every 65536 pages */
	__u32 flags;			/* LKCD_PACKER_* below; 0 at panic */

	/*
	 * Scratch, LKCD_PAGE_SIZE bytes each, preallocated by the caller.
	 * The packer knows them only by address: classify() must answer
	 * NODUMP for their pages, or they could be picked as spare pages.
	 */
	void *read_buf;			/* one page as read */
	void *comp_buf;			/* one compressed page */

	/*
	 * Optional pool of storage pages owned by the caller, sorted
	 * ascending, none of them the header page.  The packer never dumps
	 * them (they are counted as excluded) and writes blocks into them
	 * only when no spare page is found in RAM: at ALL_RAM nothing is
	 * excluded, so the first blocks must come from here until the dump
	 * cursor has saved user/cache/free pages that can be reused.  The
	 * caller should classify them NODUMP as well.  Pfn 0 is never used
	 * for a block (paddr 0 ends the chain), from the pool or from RAM.
	 */
	const __u64 *pool;
	__u32 nr_pool;
	__u32 reserved1;		/* zero */

	/* filled by the run: where its time went (see the struct) */
	struct lkcd_packer_phases phases;

	/* ---- private to packer.c ---- */
	struct {
		__u64 nr_blocks, nr_records, pages_dumped, pages_zero;
		__u64 pages_excluded, pages_unreadable, stored_bytes;
		__u64 pages_seen, pages_total, next_progress;
		__u64 saved_below;	/* every pfn below is saved or excluded */
		__u32 stop_reason;	/* LKCD_INCOMPLETE_* */
		__u32 steps;		/* loop steps, for keepalive */

		/* block being filled */
		__u8 *blk;		/* NULL before the first record */
		__u64 blk_pfn;
		__u32 blk_used;		/* payload bytes written */
		__u32 blk_first;	/* first_record_offset so far */

		struct lkcd_packer_spare queue[LKCD_PACKER_QUEUE];
		__u32 nr_queue;
		__u32 pool_next;

		/* pending zero / unreadable run, not yet a record */
		__u32 run_flags;	/* 0 = none, LKCD_REC_ZERO/UNREADABLE */
		__u32 run_count;
		__u64 run_pfn;

		/* spare-page cursors, free pages apart (pk_find_spare) */
		struct lkcd_packer_cursor excl;	/* pages the mask excludes */
		struct lkcd_packer_cursor reuse;	/* pages already saved */
		struct lkcd_packer_cursor excl_free, reuse_free;
		__u32 deadline_hit;	/* a spare search met the deadline */
		struct lkcd_packer_span bad[LKCD_PACKER_BAD_RUNS];
		__u32 bad_head, nr_bad;	/* ring of unreadable runs; when
					 * full, the newest one is stretched */

		__u64 first_block_pfn;
		__u64 mark;		/* now_ns() at the last phase boundary */
		__u64 next_res;		/* pk_next_reserved() of the walk's pfn */
		__u32 next_res_valid;
		struct lkcd_packer_commit commit;
		__u32 phase;		/* LKCD_PACKER_IDLE/RUNNING/SEALED */
	} st;
};

/*
 * Take the dump.  Panic-safe: allocates nothing, takes no lock, calls only
 * the ops.  Returns 0 once the header is sealed (COMPLETE, or INCOMPLETE with
 * the reason in header->incomplete_reason and a valid prefix up to
 * header->next_pfn); -22 (-EINVAL) when the setup is unusable (missing op,
 * bad range table, level NONE): the header is then sealed INCOMPLETE/ERROR
 * when the header and the crc32 op are there, else left untouched.
 */
int lkcd_packer_run(struct lkcd_packer *pk);

/*
 * Seal the header of a run that will never finish (a panic inside the
 * dumper: the run was interrupted anywhere, even half way through writing a
 * record) from what it had committed: the chain up to the last complete
 * loop step, cut there (its last block resealed with the committed payload
 * and next_paddr 0), and counts that agree with it.  State INCOMPLETE,
 * incomplete_reason = reason, next_pfn the committed one.
 *
 * Panic-safe like the run: no allocation, no lock, only pk->ops->crc32 and
 * now_ns.  Returns 0 once sealed (nothing done when the run had already
 * sealed the header itself); -22 (-EINVAL) when no run was ever started on
 * pk (the header is then left untouched).
 */
int lkcd_packer_seal_committed(struct lkcd_packer *pk, __u32 reason);

/*
 * Make h the header of a dump that holds no page: state INCOMPLETE with
 * reason, no chain (first_block_paddr 0), every count and next_pfn zero.
 * The rest of h (panic string, time, uts, range table) is left as it is;
 * the caller sets dump_end_ns and seals (the crc).  For a dump abandoned
 * or refused before the packer committed anything: a second panic before
 * the packer started, a locked-down kernel, a setup the packer refused.
 * Panic-safe: writes only h.
 */
void lkcd_packer_header_empty(struct lkcd_dump_header *h, __u32 reason);

#ifdef LKCD_TEST
/*
 * Bit (1 << LKCD_PC_*) of the classes lkcd_packer_damage_records() may cost
 * pages of.
 */
#define LKCD_PC_BIT(cls)	(1u << (cls))

/*
 * Test only (built with LKCD_TEST): damage a sealed dump as failing RAM
 * would after the panic.  Flips one bit in the data of up to n records
 * spread over the chain (one per block, a data record whose data starts in
 * that block), leaving every header and crc as it was.  A reader loses
 * every record of a damaged block; classes (LKCD_PC_BIT()s, 0 = any)
 * limits the damage to blocks whose records hold only pages of those
 * classes: every dumped pfn from the record that runs into the block to
 * the first record of the next one is checked with ops->classify, so a
 * test can keep the pages its judges need (the kernel's own) intact.  The
 * blocks damaged are spread evenly over the blocks that qualify.
 * map returns the address of a block's page (NULL: the walk stops).
 * report, when not NULL, is told each record damaged.  Returns how many
 * records were damaged.
 */
__u32 lkcd_packer_damage_records(struct lkcd_packer *pk, __u32 n, __u32 classes,
				 void *(*map)(void *ctx, __u64 pfn),
				 void (*report)(void *ctx, __u64 pfn, __u64 block_seq,
						__u32 byte));
#endif

#endif /* LKCD_PACKER_H */
