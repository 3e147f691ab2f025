// SPDX-License-Identifier: GPL-2.0
/*
 * The packer in the kernel: its one set-up (lkcd_dump_setup(), for a panic
 * dump and a live snapshot alike), the panic dump's scratch pages and
 * storage pool, allocated at load, and the panic-time run (kernel/packer.c
 * does the work through the ops in pagewalk.c and compress.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nmi.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

#include "lkcd.h"
#include "packer.h"

/*
 * Storage pages owned by the module.  At ALL_RAM nothing is excluded, so
 * the first blocks must go somewhere until the packer has saved pages it
 * may reuse; 64 pages hold about 250 KiB of records.
 */
#define LKCD_POOL_PAGES		64

static struct page *lkcd_read_pg, *lkcd_comp_pg;	/* packer scratch */
static struct page *lkcd_pool_pg[LKCD_POOL_PAGES];
static u64 lkcd_pool_pfn[LKCD_POOL_PAGES];		/* sorted */
static struct lkcd_packer lkcd_pk;			/* panic path only */

#ifdef LKCD_TEST
/*
 * Test build only: panic inside the dumper before the packer starts, the
 * fault that leaves nothing to keep (tests/vm fault-dumper-early).
 */
static bool inject_panic_before_run;
module_param(inject_panic_before_run, bool, 0600);
MODULE_PARM_DESC(inject_panic_before_run,
		 "test build only: panic inside the dumper before the packer starts (default N)");
#endif

static int lkcd_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Set the packer pk up for a dump into the header h (on page header_pfn),
 * started by lkcd_header_start(): the panic path's ops, the compressor
 * latched now, h's level and exclude mask, a deadline deadline_ms from now,
 * two scratch pages and a storage pool of nr_pool sorted pfns.  The one
 * set-up for a panic dump (lkcd_dump_run()) and a live snapshot
 * (snapshot.c, which then swaps in ops and flags of its own).  Panic path:
 * no allocation, no lock.
 */
notrace void lkcd_dump_setup(struct lkcd_packer *pk, struct lkcd_dump_header *h,
			     u64 header_pfn, u32 deadline_ms, void *read_buf, void *comp_buf,
			     u64 *pool, u32 nr_pool)
{
	memset(pk, 0, sizeof(*pk));
	pk->ops = &lkcd_walk_ops;
	pk->ctx = lkcd_walk_ctx();
	pk->header = h;
	pk->header_pfn = header_pfn;
	pk->level = h->level;
	/*
	 * Zero pages are never left out altogether: a ZERO record costs 24
	 * bytes per run, and a debugger that finds a zero-filled kernel page
	 * (.bss, a fresh table) missing cannot start ("page excluded").  This
	 * is what makedumpfile -d 1 does in its kdump format, too: zero pages
	 * stay readable through one shared zero-page descriptor.  The header
	 * records the mask as applied.
	 */
	pk->exclude = h->exclude & ~LKCD_EXCLUDE_ZERO;
	pk->compress = lkcd_compress_begin();
	pk->deadline_ns = lkcd_clock_ns() + (u64)deadline_ms * NSEC_PER_MSEC;
	pk->read_buf = read_buf;
	pk->comp_buf = comp_buf;
	pk->pool = pool;
	pk->nr_pool = nr_pool;
	/* often enough that the once-a-second console line keeps its pace */
	pk->progress_every = 4096;
}

/*
 * Panic path.  Take the dump into the header h, started by
 * lkcd_header_start() at a level other than NONE.  Returns what
 * lkcd_packer_run() does; the header is sealed either way.
 */
notrace int lkcd_dump_run(struct lkcd_dump_header *h)
{
	struct lkcd_packer *pk = &lkcd_pk;

	lkcd_dump_setup(pk, h, PFN_DOWN(lkcd_header_paddr()), READ_ONCE(lkcd_tun.deadline_ms),
			page_address(lkcd_read_pg), page_address(lkcd_comp_pg),
			lkcd_pool_pfn, LKCD_POOL_PAGES);
	lkcd_walk_prepare();
#ifdef LKCD_TEST
	if (READ_ONCE(inject_panic_before_run))
		panic("lkcd: injected panic inside the dumper before the packer started");
#endif
	return lkcd_packer_run(pk);
}

/*
 * Panic path, after the run: where its time went, by phase (struct
 * lkcd_packer_phases), two console lines of key=value pairs that
 * tests/bench/run reads.  Times in microseconds.
 */
notrace void lkcd_dump_report_phases(void)
{
	const struct lkcd_packer_phases *ph = &lkcd_pk.phases;

	pr_emerg("dump phases us: walk=%llu read=%llu compress=%llu store=%llu spare=%llu crc=%llu progress=%llu\n",
		 div_u64(ph->walk_ns, NSEC_PER_USEC), div_u64(ph->read_ns, NSEC_PER_USEC),
		 div_u64(ph->compress_ns, NSEC_PER_USEC), div_u64(ph->store_ns, NSEC_PER_USEC),
		 div_u64(ph->spare_ns, NSEC_PER_USEC), div_u64(ph->crc_ns, NSEC_PER_USEC),
		 div_u64(ph->progress_ns, NSEC_PER_USEC));
	pr_emerg("dump counts: steps=%llu reads=%llu compressed=%llu cbytes=%llu spares=%llu spare_pfns=%llu spare_classify=%llu sp_excl=%llu sp_reuse=%llu sp_excl_free=%llu sp_reuse_free=%llu sp_pool=%llu seals=%llu\n",
		 ph->walk_steps, ph->reads, ph->compressed, ph->comp_bytes, ph->spares,
		 ph->spare_pfns, ph->spare_classify, ph->spare_from[0], ph->spare_from[1],
		 ph->spare_from[2], ph->spare_from[3], ph->spare_from[4], ph->seals);
}

/*
 * Panic path, a panic inside the dumper (the notifier entered again while
 * lkcd_dump_run() was running, or after it): seal what the interrupted run
 * had committed, the valid prefix.  0 once the header is sealed (by this, or
 * by the run itself when it had finished); -EINVAL when the packer never
 * started, and the caller seals an empty dump.
 */
notrace int lkcd_dump_seal_reentered(void)
{
	return lkcd_packer_seal_committed(&lkcd_pk, LKCD_INCOMPLETE_REENTERED);
}

#ifdef LKCD_TEST
/*
 * Test build only: damage the preserved dump after the seal, as failing RAM
 * would between the panic and the capture kernel (tests/vm fault-bitflip).
 */
static unsigned int corrupt_records;
module_param(corrupt_records, uint, 0600);
MODULE_PARM_DESC(corrupt_records,
		 "test build only: after the dump is sealed, flip a bit in the data of this many stored records, in blocks that hold only user and page-cache pages (default 0)");
/*
 * The pages a flip may cost: only user and page-cache pages, which no
 * reader of the crashed kernel's state needs, so that the judges of
 * fault-bitflip (makedumpfile --dump-dmesg, crash) find every kernel page
 * whatever KASLR placed where.  Dumped at level USED, not at KERN.
 */
#define LKCD_TEST_DAMAGE_CLASSES \
	(LKCD_PC_BIT(LKCD_PC_USER) | LKCD_PC_BIT(LKCD_PC_CACHE) | LKCD_PC_BIT(LKCD_PC_CACHE_PRIVATE))
MODULE_INFO(lkcd_test,
	    "test build: fault-injection knobs corrupt_records, inject_panic_at, inject_oops, inject_panic_before_run, alloc_after_dump, snapshot_report_delay_ms, snapshot_fault_pfn");

/*
 * Test build only: after the dump is sealed, allocate up to this many pages
 * as the rest of panic() might (kmsg_dump, netconsole: order 0, this CPU),
 * with no watermark in the way (__GFP_MEMALLOC), so that 4294967295 takes
 * every page this CPU can still be given: its own per-CPU lists first, then
 * the buddy lists of every zone.  Every page is overwritten (the allocator
 * itself zeroes it first where init_on_alloc is on, Debian's default), then
 * the chain is walked again to see how many blocks survived, and the pages
 * are freed (tests/vm fault-alloc-after).
 */
static unsigned int alloc_after_dump;
module_param(alloc_after_dump, uint, 0600);
MODULE_PARM_DESC(alloc_after_dump,
		 "test build only: after the dump, allocate and overwrite up to this many pages (4294967295: all this CPU can get), then count the blocks still intact (default 0)");

/* Block seq of the dump sealed in h, by its header and crc. */
static notrace bool lkcd_test_is_block(const struct lkcd_dump_header *h, const void *page,
				       u64 seq)
{
	struct lkcd_block_header bh;

	memcpy(&bh, page, sizeof(bh));
	if (bh.magic != LKCD_BLOCK_MAGIC || bh.seq != seq || seq >= h->nr_blocks)
		return false;
	bh.header_crc = 0;
	return lkcd_pk.ops->crc32(0, &bh, sizeof(bh)) ==
	       ((const struct lkcd_block_header *)page)->header_crc;
}

/*
 * Walk the sealed dump's chain as far as its block headers are intact:
 * how many blocks, how many of them on pages that classify as free (the
 * buddy's or a per-CPU list's, where an allocation can find them), the
 * highest pfn.
 */
static notrace void lkcd_test_blocks(u64 *nr, u64 *on_free, u64 *top)
{
	const struct lkcd_dump_header *h = lkcd_pk.header;
	u64 paddr = h->first_block_paddr, run;

	*nr = *on_free = *top = 0;
	while (paddr) {
		u64 pfn = PHYS_PFN(paddr);
		const struct lkcd_block_header *bh = lkcd_pk.ops->map_spare(lkcd_pk.ctx, pfn);

		if (!bh || !lkcd_test_is_block(h, bh, *nr))
			break;
		(*nr)++;
		if ((lkcd_pk.ops->classify(lkcd_pk.ctx, pfn, &run) & LKCD_PC_MASK) == LKCD_PC_FREE)
			(*on_free)++;
		*top = max(*top, pfn);
		paddr = bh->next_paddr;
	}
}

/* Panic path, after the seal. */
notrace void lkcd_dump_test_alloc(void)
{
	u32 want = READ_ONCE(alloc_after_dump), got = 0;
	u64 nr, on_free, top, intact, lowest = U64_MAX;
	struct page *pg, *next;
	LIST_HEAD(taken);

	if (!want || lkcd_pk.st.phase != LKCD_PACKER_SEALED)
		return;
	lkcd_test_blocks(&nr, &on_free, &top);
	pr_emerg("test: the dump's %llu blocks: %llu on free pages, the highest at pfn 0x%llx\n",
		 nr, on_free, top);
	while (got < want) {
		pg = alloc_page(__GFP_HIGH | __GFP_MEMALLOC | __GFP_NOWARN);
		if (!pg)
			break;
		memset(page_address(pg), 0xa5, PAGE_SIZE);
		lowest = min_t(u64, lowest, page_to_pfn(pg));
		list_add(&pg->lru, &taken);
		if (++got % 1024 == 0)
			touch_nmi_watchdog();
	}
	lkcd_test_blocks(&intact, &on_free, &top);
	list_for_each_entry_safe(pg, next, &taken, lru) {
		list_del(&pg->lru);
		__free_page(pg);
	}
	pr_emerg("test: %u pages allocated and overwritten after the dump (lowest pfn 0x%llx); then %llu of its %llu blocks intact\n",
		 got, got ? lowest : 0, intact, nr);
}

static notrace void lkcd_test_damaged(void *ctx, __u64 pfn, __u64 seq, __u32 byte)
{
	pr_emerg("test: damaged the record of pfn 0x%llx (block %llu, payload byte %u)\n",
		 (unsigned long long)pfn, (unsigned long long)seq, byte);
}

/* Panic path, after lkcd_dump_run() sealed the header. */
notrace void lkcd_dump_test_damage(void)
{
	u32 want = READ_ONCE(corrupt_records), done;

	if (!want || lkcd_pk.st.phase != LKCD_PACKER_SEALED)
		return;
	done = lkcd_packer_damage_records(&lkcd_pk, want, LKCD_TEST_DAMAGE_CLASSES,
					  lkcd_pk.ops->map_spare, lkcd_test_damaged);
	pr_emerg("test: %u of %u records damaged after the seal\n", done, want);
}
#endif

int lkcd_dump_init(void)
{
	int i, ret;

#ifdef LKCD_TEST
	pr_warn("test build: fault-injection knobs corrupt_records, inject_panic_at, inject_oops, inject_panic_before_run, alloc_after_dump, snapshot_report_delay_ms and snapshot_fault_pfn built in\n");
#endif

	lkcd_read_pg = alloc_page(GFP_KERNEL);
	lkcd_comp_pg = alloc_page(GFP_KERNEL);
	if (!lkcd_read_pg || !lkcd_comp_pg)
		goto fail;
	for (i = 0; i < LKCD_POOL_PAGES; i++) {
		/* lowmem, direct-mapped, in System RAM: readable from /proc/vmcore */
		lkcd_pool_pg[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!lkcd_pool_pg[i])
			goto fail;
		lkcd_pool_pfn[i] = page_to_pfn(lkcd_pool_pg[i]);
	}
	sort(lkcd_pool_pfn, LKCD_POOL_PAGES, sizeof(u64), lkcd_u64_cmp, NULL);

	/* none of the packer's own pages is dumped or used as spare */
	ret = lkcd_walk_nodump_own(PFN_DOWN(lkcd_header_paddr()), 1);
	ret = ret ?: lkcd_walk_nodump_own(page_to_pfn(lkcd_read_pg), 1);
	ret = ret ?: lkcd_walk_nodump_own(page_to_pfn(lkcd_comp_pg), 1);
	for (i = 0; i < LKCD_POOL_PAGES && !ret; i++)
		ret = lkcd_walk_nodump_own(lkcd_pool_pfn[i], 1);
	if (ret) {
		lkcd_dump_exit();
		return ret;
	}
	return 0;

fail:
	lkcd_dump_exit();
	return -ENOMEM;
}

/* Free what lkcd_dump_init() got; accepts a half-built state. */
void lkcd_dump_exit(void)
{
	int i;

	for (i = 0; i < LKCD_POOL_PAGES; i++) {
		if (lkcd_pool_pg[i])
			__free_page(lkcd_pool_pg[i]);
		lkcd_pool_pg[i] = NULL;
	}
	if (lkcd_comp_pg)
		__free_page(lkcd_comp_pg);
	if (lkcd_read_pg)
		__free_page(lkcd_read_pg);
	lkcd_comp_pg = lkcd_read_pg = NULL;
}
