// SPDX-License-Identifier: GPL-2.0
/*
 * The packer's setup in the kernel: its scratch pages and storage pool,
 * allocated at load, and the panic-time run (kernel/packer.c does the work
 * through the ops in pagewalk.c and compress.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
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

static int lkcd_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Panic path.  Take the dump at level (not NONE) into the header h, whose
 * static and panic fields are filled.  Returns what lkcd_packer_run() does;
 * the header is sealed either way.
 */
notrace int lkcd_dump_run(struct lkcd_dump_header *h, u32 level)
{
	struct lkcd_packer *pk = &lkcd_pk;
	u32 compress, deadline_ms;

	memset(pk, 0, sizeof(*pk));
	compress = lkcd_compress_begin();
	pk->ops = compress == LKCD_COMPRESS_NONE ? &lkcd_walk_ops_raw : &lkcd_walk_ops;
	pk->ctx = lkcd_walk_ctx();
	pk->header = h;
	pk->header_pfn = PFN_DOWN(lkcd_header_paddr());
	pk->level = level;
	/*
	 * Zero pages are never left out altogether: a ZERO record costs 24
	 * bytes per run, and a debugger that finds a zero-filled kernel page
	 * (.bss, a fresh table) missing cannot start ("page excluded").  This
	 * is what makedumpfile -d 1 does in its kdump format, too: zero pages
	 * stay readable through one shared zero-page descriptor.  The header
	 * records the mask as applied.
	 */
	pk->exclude = lkcd_effective_exclude(level, READ_ONCE(lkcd_tun.exclude)) &
		      ~LKCD_EXCLUDE_ZERO;
	pk->compress = compress;
	deadline_ms = READ_ONCE(lkcd_tun.deadline_ms);
	pk->deadline_ns = lkcd_clock_ns() + (u64)deadline_ms * NSEC_PER_MSEC;
	pk->read_buf = page_address(lkcd_read_pg);
	pk->comp_buf = page_address(lkcd_comp_pg);
	pk->pool = lkcd_pool_pfn;
	pk->nr_pool = LKCD_POOL_PAGES;
	/* often enough that the once-a-second console line keeps its pace */
	pk->progress_every = 4096;

	lkcd_walk_prepare();
	return lkcd_packer_run(pk);
}

int lkcd_dump_init(void)
{
	int i, ret;

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
	ret = lkcd_walk_nodump_add(PFN_DOWN(lkcd_header_paddr()), 1);
	ret = ret ?: lkcd_walk_nodump_add(page_to_pfn(lkcd_read_pg), 1);
	ret = ret ?: lkcd_walk_nodump_add(page_to_pfn(lkcd_comp_pg), 1);
	for (i = 0; i < LKCD_POOL_PAGES && !ret; i++)
		ret = lkcd_walk_nodump_add(lkcd_pool_pfn[i], 1);
	if (ret) {
		lkcd_dump_exit();
		return ret;
	}
	lkcd_walk_nodump_done();
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
