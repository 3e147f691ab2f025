// SPDX-License-Identifier: GPL-2.0
/*
 * The packer's view of memory on Linux x86_64 (6.1, 6.12 and on; the
 * differences are in compat.h): what a pfn holds, read from its struct page
 * (classify), fault-tolerant page reads (read_page), and the direct-map
 * address of a spare page (map_spare).  Pages never dumped are handed down
 * to it: the NODUMP set at load (lkcd.ko's own memory, the crashkernel
 * region) and a held live snapshot's pages (snapshot.c); it calls nothing
 * of lkcd's above it but the compressor (compress.c).
 *
 * Everything called through lkcd_walk_ops runs at panic, on the panicking
 * CPU, with the others stopped: no allocation, no lock, nothing that can
 * sleep.  struct page and the per-CPU free lists are read as they were left;
 * lists are walked with fault-tolerant loads and a bound, since a panic may
 * come from the very corruption they would show.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32.h>
#include <linux/ioport.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/nmi.h>
#include <linux/nodemask.h>
#include <linux/page-flags.h>
#include <linux/pageblock-flags.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <asm/pgtable_types.h>

#include "compat.h"
#include "lkcd.h"
#include "packer.h"

/* pfn ranges never read nor written: [start, end) */
struct lkcd_span {
	u64 start;
	u64 end;
};

/* a free block on a per-CPU list: 1 << order pages from pfn */
struct lkcd_pcp_block {
	u64 pfn;
	u32 order;
	u32 own;	/* on the list of the CPU that collected them */
};

#define LKCD_NODUMP_MAX		256
#define LKCD_PCP_MAX		16384	/* blocks remembered; the rest are dumped */
#define LKCD_PROGRESS_NS	NSEC_PER_SEC

static struct {
	/* set in process context, read at panic */
	struct lkcd_span nodump[LKCD_NODUMP_MAX];	/* sorted, merged */
	u32 nr_nodump;
	u32 own_pages;			/* of those, lkcd.ko's own memory */

	/*
	 * Pages a held live snapshot owns (snapshot.c publishes them with
	 * lkcd_walk_held_set()): its sorted pool pfns and its header page.
	 * Set before the snapshot becomes held, cleared before its pages are
	 * freed; at panic the other CPUs are stopped, so nothing changes them
	 * while they are read.
	 */
	const u64 *held;		/* NULL: none held */
	u32 nr_held;
	u64 held_hdr;

	/* filled at panic by lkcd_walk_prepare() */
	struct lkcd_pcp_block *pcp;			/* LKCD_PCP_MAX, sorted */
	u32 nr_pcp;
	u32 pcp_dropped;		/* blocks past LKCD_PCP_MAX or on bad lists */
	u64 last_progress_ns;
#ifdef LKCD_TEST
	int *null;			/* always NULL: the injected oops */
#endif
} lkcd_walk;

/*
 * ---- the NODUMP set: lkcd.ko's own working memory (header page, packer
 * scratch and pool, compressor workspaces) and the crashkernel region ----
 *
 * Filled at load, in process context, then sealed (sorted and merged) by
 * lkcd_walk_nodump_done() before the panic notifier is registered; it never
 * changes while armed, so the panic path never sees it half-written.
 */

/* Process context, at load. */
int lkcd_walk_nodump_add(u64 pfn, u64 count)
{
	struct lkcd_span *last = lkcd_walk.nr_nodump ?
				 &lkcd_walk.nodump[lkcd_walk.nr_nodump - 1] : NULL;

	if (!count)
		return 0;
	/* vmalloc and alloc_page() often hand out neighbours: one span */
	if (last && last->end == pfn) {
		last->end += count;
		return 0;
	}
	if (lkcd_walk.nr_nodump >= LKCD_NODUMP_MAX)
		return -ENOSPC;
	lkcd_walk.nodump[lkcd_walk.nr_nodump].start = pfn;
	lkcd_walk.nodump[lkcd_walk.nr_nodump].end = pfn + count;
	lkcd_walk.nr_nodump++;
	return 0;
}

/*
 * Process context, at load.  The same for pages of lkcd.ko's own working
 * memory, counted for the header (pages_lkcd).  Each page is added once.
 */
int lkcd_walk_nodump_own(u64 pfn, u64 count)
{
	int ret = lkcd_walk_nodump_add(pfn, count);

	if (!ret)
		lkcd_walk.own_pages += count;
	return ret;
}

/*
 * Process context, at load.  Every page of a vmalloc'ed area of lkcd.ko's
 * own (vmalloc areas start on a page).  All or nothing: on failure the set
 * is as it was.
 */
int lkcd_walk_nodump_own_vmalloc(const void *addr, size_t size)
{
	u32 nr = lkcd_walk.nr_nodump, own = lkcd_walk.own_pages;
	struct lkcd_span last = nr ? lkcd_walk.nodump[nr - 1] : (struct lkcd_span){ 0, 0 };
	size_t off;
	int ret = 0;

	for (off = 0; off < size && !ret; off += PAGE_SIZE)
		ret = lkcd_walk_nodump_own(vmalloc_to_pfn((const u8 *)addr + off), 1);
	if (ret) {
		lkcd_walk.nr_nodump = nr;
		if (nr)
			lkcd_walk.nodump[nr - 1] = last;
		lkcd_walk.own_pages = own;
	}
	return ret;
}

/* Pages of lkcd.ko's own memory in the NODUMP set (the header's pages_lkcd). */
notrace u32 lkcd_walk_own_pages(void)
{
	return lkcd_walk.own_pages;
}

static int lkcd_span_cmp(const void *a, const void *b)
{
	const struct lkcd_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort and merge the NODUMP set once it is complete. */
void lkcd_walk_nodump_done(void)
{
	struct lkcd_span *s = lkcd_walk.nodump;
	u32 i, n = 0;

	sort(s, lkcd_walk.nr_nodump, sizeof(*s), lkcd_span_cmp, NULL);
	for (i = 0; i < lkcd_walk.nr_nodump; i++) {
		if (n && s[i].start <= s[n - 1].end) {
			s[n - 1].end = max(s[n - 1].end, s[i].end);
			continue;
		}
		s[n++] = s[i];
	}
	lkcd_walk.nr_nodump = n;
}

/* Panic path.  Is pfn in the NODUMP set?  *end = the end of its span. */
static notrace bool lkcd_nodump_find(u64 pfn, u64 *end)
{
	u32 lo = 0, hi = lkcd_walk.nr_nodump;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct lkcd_span *s = &lkcd_walk.nodump[mid];

		if (pfn < s->start) {
			hi = mid;
		} else if (pfn >= s->end) {
			lo = mid + 1;
		} else {
			*end = s->end;
			return true;
		}
	}
	return false;
}

/*
 * ---- pages a held live snapshot owns: never dumped ----
 *
 * snapshot.c hands its page list down here rather than being asked from
 * classify (the page walk never calls up into the snapshot code).
 */

/* Process context, lkcd_snap.mutex held: pfns sorted, kept until cleared. */
void lkcd_walk_held_set(const u64 *pfns, u32 nr, u64 hdr_pfn)
{
	WRITE_ONCE(lkcd_walk.nr_held, nr);
	WRITE_ONCE(lkcd_walk.held_hdr, hdr_pfn);
	/* count and header before the pointer that makes them count */
	smp_store_release(&lkcd_walk.held, pfns);
}

/* Process context, lkcd_snap.mutex held: before the pages are freed. */
void lkcd_walk_held_clear(void)
{
	WRITE_ONCE(lkcd_walk.held, NULL);
	WRITE_ONCE(lkcd_walk.nr_held, 0);
	WRITE_ONCE(lkcd_walk.held_hdr, ~0ULL);
	smp_wmb();
}

/* Panic path (classify): is pfn a page of the held snapshot?  Lock-free. */
static notrace bool lkcd_held_find(u64 pfn)
{
	const u64 *pool = smp_load_acquire(&lkcd_walk.held);
	u32 lo = 0, hi = READ_ONCE(lkcd_walk.nr_held);

	if (!pool)
		return false;
	if (pfn == READ_ONCE(lkcd_walk.held_hdr))
		return true;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (pool[mid] == pfn)
			return true;
		if (pool[mid] < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int lkcd_crashk_add(struct resource *res, void *arg)
{
	u64 start = PFN_DOWN(res->start), end = PFN_UP(res->end + 1);

	pr_info("crash kernel region %pR is left out of dumps\n", res);
	return lkcd_walk_nodump_add(start, end - start);
}

/* ---- free pages on the per-CPU lists ---- */

static notrace int lkcd_pcp_cmp(const void *a, const void *b)
{
	const struct lkcd_pcp_block *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* 6.1's pindex_to_order(): low orders interleaved by migratetype, then THP */
static notrace u32 lkcd_pindex_order(u32 pindex)
{
	if (pindex >= NR_LOWORDER_PCP_LISTS)
		return pageblock_order;
	return pindex / MIGRATE_PCPTYPES;
}

/* mm/internal.h's buddy_order_unsafe(): the order of a free buddy head */
static notrace unsigned long lkcd_buddy_order(struct page *page)
{
	return READ_ONCE(page->private);
}

/* Panic path.  The pfn of a struct page pointer, or -1 if it is not one. */
static notrace u64 lkcd_page_pfn(const struct page *page)
{
	unsigned long off = (unsigned long)page - (unsigned long)vmemmap;
	u64 pfn;

	if ((unsigned long)page < (unsigned long)vmemmap || off % sizeof(struct page))
		return ~0ULL;
	pfn = off / sizeof(struct page);
	if (pfn >= lkcd_header_max_pfn() || !pfn_valid(pfn))
		return ~0ULL;
	return pfn;
}

/*
 * Panic path.  Record the blocks on one per-CPU list, at most max of them;
 * own: the list is the collecting (panicking) CPU's.
 */
static notrace void lkcd_pcp_list(struct list_head *head, u32 order, u32 max, u32 own)
{
	struct list_head *pos;
	u32 steps = 0;

	if (get_kernel_nofault(pos, &head->next))
		return;
	while (pos != head) {
		struct page *page = list_entry(pos, struct page, pcp_list);
		u64 pfn = lkcd_page_pfn(page);

		/* a loop, a wild pointer, a misaligned block: trust no more */
		if (++steps > max || pfn == ~0ULL || (pfn & ((1ULL << order) - 1))) {
			lkcd_walk.pcp_dropped++;
			return;
		}
		if (lkcd_walk.nr_pcp >= LKCD_PCP_MAX) {
			lkcd_walk.pcp_dropped++;
			return;
		}
		lkcd_walk.pcp[lkcd_walk.nr_pcp].pfn = pfn;
		lkcd_walk.pcp[lkcd_walk.nr_pcp].order = order;
		lkcd_walk.pcp[lkcd_walk.nr_pcp].own = own;
		lkcd_walk.nr_pcp++;
		if (get_kernel_nofault(pos, &pos->next))
			return;
	}
}

/*
 * Panic path, once before the packer runs.  Collect the free pages on every
 * CPU's per-zone lists (6.1: zone->per_cpu_pageset->lists[pindex], pages
 * linked through page->pcp_list, order given by the list).  The other CPUs
 * are stopped, so the lists hold still.
 */
notrace void lkcd_walk_prepare(void)
{
	int nid, cpu, z, this_cpu = raw_smp_processor_id();

	lkcd_walk.nr_pcp = 0;
	lkcd_walk.pcp_dropped = 0;
	lkcd_walk.last_progress_ns = 0;
	if (!lkcd_walk.pcp)
		return;
	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		if (!pgdat)
			continue;
		for (z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			if (!populated_zone(zone) || !zone->per_cpu_pageset)
				continue;
			for_each_possible_cpu(cpu) {
				struct per_cpu_pages *pcp = per_cpu_ptr(zone->per_cpu_pageset, cpu);
				int count = READ_ONCE(pcp->count);
				u32 pindex;

				if (count <= 0)
					continue;
				for (pindex = 0; pindex < NR_PCP_LISTS; pindex++)
					lkcd_pcp_list(&pcp->lists[pindex],
						      lkcd_pindex_order(pindex), count + 1,
						      cpu == this_cpu);
			}
		}
	}
	sort(lkcd_walk.pcp, lkcd_walk.nr_pcp, sizeof(*lkcd_walk.pcp), lkcd_pcp_cmp, NULL);
	pr_emerg("per-CPU free lists: %u blocks%s\n", lkcd_walk.nr_pcp,
		 lkcd_walk.pcp_dropped ? " (some left out: dumped as kernel pages)" : "");
}

/*
 * Panic path.  Is pfn in a block on a per-CPU free list?  *end = its end,
 * *own = the list is the panicking CPU's.
 */
static notrace bool lkcd_pcp_find(u64 pfn, u64 *end, bool *own)
{
	u32 lo = 0, hi = lkcd_walk.nr_pcp;

	/* the last block starting at or below pfn */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (lkcd_walk.pcp[mid].pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	*end = lkcd_walk.pcp[lo - 1].pfn + (1ULL << lkcd_walk.pcp[lo - 1].order);
	*own = lkcd_walk.pcp[lo - 1].own;
	return pfn < *end;
}

/*
 * Panic path.  pfn is not a buddy head: is it inside a free buddy block
 * whose head is further down?  *end = the block's end.
 */
static notrace bool lkcd_buddy_tail(u64 pfn, u64 *end)
{
	u32 order;

	for (order = 1; order < LKCD_NR_ORDERS; order++) {
		u64 head = pfn & ~((1ULL << order) - 1);
		struct page *hp;
		unsigned long ho;

		if (head == pfn)
			continue;
		if (!pfn_valid(head))
			return false;
		hp = pfn_to_page(head);
		if (!PageBuddy(hp))
			continue;
		ho = lkcd_buddy_order(hp);
		if (ho >= order && ho < LKCD_NR_ORDERS && pfn < head + (1ULL << ho)) {
			*end = head + (1ULL << ho);
			return true;
		}
		return false;	/* a smaller free block ends below pfn */
	}
	return false;
}

/*
 * Panic path.  Is pfn in a block of memory the guest has not accepted yet
 * (compat.h)?  Such a block is a whole MAX_PAGE_ORDER block marked on its
 * first page; touching it would kill a confidential guest, so it is never
 * read nor used as spare.  *end = the block's end.
 */
static notrace bool lkcd_unaccepted_block(u64 pfn, u64 *end)
{
	u64 nr = 1ULL << (LKCD_NR_ORDERS - 1);
	u64 head = pfn & ~(nr - 1);

	if (!LKCD_HAVE_UNACCEPTED || !pfn_valid(head) ||
	    !lkcd_page_unaccepted(pfn_to_page(head)))
		return false;
	*end = head + nr;
	return true;
}

/*
 * Panic path.  LKCD_PCF_BUSY (never spare) for a page in a CMA pageblock:
 * with crashkernel=SIZE,cma the capture kernel runs in CMA ranges lkcd.ko
 * cannot tell from other CMA areas (compat.h), so no CMA page holds dump
 * blocks.  It is still dumped.  A free buddy block never mixes CMA and other
 * pageblocks (the buddy allocator does not merge them), so its first page
 * speaks for the whole block.
 */
static notrace unsigned int lkcd_cma_busy(u64 pfn)
{
	return lkcd_pfn_in_cma(pfn) ? LKCD_PCF_BUSY : 0;
}

/* ---- classify ---- */

/*
 * Panic path.  May I/O still write this user or cache page?  Locked, under
 * writeback, DMA-pinned, or holding references nobody accounts for (a
 * get_user_pages() user, an LRU batch on a stopped CPU): then it is never a
 * spare page.  Large folios are always busy: their reference counting is
 * per folio and not worth getting wrong at panic.
 */
static notrace bool lkcd_page_busy(struct page *page, struct page *head)
{
	unsigned long mapping = (unsigned long)READ_ONCE(head->mapping);
	int expected;

	if (head != page || PageCompound(page))
		return true;
	if (PageLocked(page) || PageWriteback(page) || lkcd_page_dma_pinned(page))
		return true;
	expected = lkcd_page_mapcount(page);
	if (mapping && !(mapping & LKCD_MAPPING_ANON))
		expected++;			/* the page cache's reference */
	if (lkcd_page_swapcache(page))
		expected++;			/* the swap cache's */
	if (PagePrivate(page))
		expected++;			/* attach_page_private()'s */
	return page_ref_count(page) > expected;
}

/* Panic path.  ops->classify: see enum lkcd_page_class. */
static notrace unsigned int lkcd_classify(void *ctx, __u64 pfn, __u64 *run)
{
	struct page *page, *head;
	unsigned long mapping;
	unsigned int cls;
	u64 end;

	*run = 1;
	if (lkcd_nodump_find(pfn, &end)) {
		*run = end - pfn;
		return LKCD_PC_NODUMP;
	}
	/* a held live snapshot: old compressed blocks, never dumped */
	if (lkcd_held_find(pfn))
		return LKCD_PC_NODUMP;
	if (!pfn_valid(pfn))
		return LKCD_PC_HOLE;
	/*
	 * An offlined memory block keeps its struct pages and its direct
	 * mapping until it is removed, but its contents are stale, and the
	 * hypervisor or the hardware may already have taken it away: never
	 * read it (nor use it as spare).  Offlining works on whole sections.
	 * (A block removed after the range table was built fails pfn_valid.)
	 */
	if (!pfn_to_online_page(pfn)) {
		*run = SECTION_ALIGN_UP(pfn + 1) - pfn;
		return LKCD_PC_OFFLINE;
	}
	if (lkcd_unaccepted_block(pfn, &end)) {
		*run = end - pfn;
		return LKCD_PC_OFFLINE;
	}
	page = pfn_to_page(pfn);
	if (PageHWPoison(page))
		return LKCD_PC_HWPOISON;
	if (PageOffline(page))
		return LKCD_PC_OFFLINE;
	if (PageBuddy(page)) {
		unsigned long order = lkcd_buddy_order(page);

		if (order >= LKCD_NR_ORDERS || (pfn & ((1ULL << order) - 1)))
			return LKCD_PC_KERNEL;	/* torn: dump it, never write it */
		*run = 1ULL << order;
		return LKCD_PC_FREE | lkcd_cma_busy(pfn);
	}
	/* free pages that are not buddy heads have no references */
	if (page_ref_count(page) == 0 && !PageTail(page)) {
		bool own;

		if (lkcd_buddy_tail(pfn, &end)) {
			*run = end - pfn;
			return LKCD_PC_FREE | lkcd_cma_busy(pfn);
		}
		/*
		 * The panicking CPU's own per-CPU list is where the kernel's
		 * next allocations come from (the rest of panic(), kmsg_dump,
		 * netconsole run on this CPU before the kexec): free, but
		 * never a spare page, or a block there would be overwritten
		 * (issue 12, item 8).  The stopped CPUs' lists stay put.
		 */
		if (lkcd_pcp_find(pfn, &end, &own)) {
			*run = end - pfn;
			return LKCD_PC_FREE | (own ? LKCD_PCF_BUSY : lkcd_cma_busy(pfn));
		}
	}
	if (PageReserved(page) || PageSlab(page) || PageTable(page))
		return LKCD_PC_KERNEL;

	head = compound_head(page);
	mapping = (unsigned long)READ_ONCE(head->mapping);
	if (PageHuge(head) || (mapping & LKCD_MAPPING_FLAGS) == LKCD_MAPPING_ANON ||
	    (mapping & LKCD_MAPPING_FLAGS) == LKCD_MAPPING_KSM)
		cls = LKCD_PC_USER;
	else if (mapping && !(mapping & LKCD_MAPPING_FLAGS) &&
		 (PageLRU(head) || lkcd_page_swapcache(head)))
		cls = (PagePrivate(head) || lkcd_page_private2(head)) ?
			LKCD_PC_CACHE_PRIVATE : LKCD_PC_CACHE;
	else
		return LKCD_PC_KERNEL;	/* incl. non-LRU movable (zsmalloc, balloon) */

	if (lkcd_page_busy(page, head))
		cls |= LKCD_PCF_BUSY;
	return cls | lkcd_cma_busy(pfn);
}

/* ---- reading and writing through the direct map ---- */

/*
 * Panic path.  The direct-map address of pfn, or NULL when the page is not
 * mapped there (secretmem, pages unmapped for debugging or by a driver):
 * touching it would fault, and copy_mc_to_kernel() falls back to a plain
 * memcpy on CPUs without machine-check recovery.  write: also writable.
 */
static notrace void *lkcd_direct_map(u64 pfn, bool write)
{
	unsigned int level;
	void *addr;
	pte_t *pte;

	if (!pfn_valid(pfn))
		return NULL;
	addr = page_address(pfn_to_page(pfn));
	pte = lookup_address((unsigned long)addr, &level);
	if (!pte || !pte_present(*pte) || (write && !pte_write(*pte)))
		return NULL;
	return addr;
}

/* Panic path.  ops->read_page. */
static notrace int lkcd_read_page(void *ctx, __u64 pfn, void *buf)
{
	void *addr = lkcd_direct_map(pfn, false);

	if (!addr)
		return -1;
	/* a poisoned line is reported, not a machine check */
	if (copy_mc_to_kernel(buf, addr, PAGE_SIZE))
		return -1;
	return 0;
}

/* Panic path.  ops->map_spare. */
static notrace void *lkcd_map_spare(void *ctx, __u64 pfn)
{
	return lkcd_direct_map(pfn, true);
}

/* ---- the rest of the ops ---- */

static notrace int lkcd_op_compress(void *ctx, const void *src, void *dst, __u32 dst_cap)
{
	return lkcd_compress_page(src, dst, dst_cap);
}

/* zlib's crc32(crc, buf, len): pre- and post-conditioned */
static notrace __u32 lkcd_op_crc32(__u32 crc, const void *buf, __u32 len)
{
	return crc32_le(crc ^ ~0U, buf, len) ^ ~0U;
}

static notrace __u64 lkcd_op_now_ns(void *ctx)
{
	return lkcd_clock_ns();
}

#ifdef LKCD_TEST
/*
 * Test build only (make -C kernel test): panic from inside the dumper once
 * this many pages have been examined, to exercise the re-entry path
 * (tests/vm fault-dumper).  0 = never.
 */
static unsigned long inject_panic_at;
module_param(inject_panic_at, ulong, 0600);
MODULE_PARM_DESC(inject_panic_at,
		 "test build only: panic inside the dumper after this many pages (default 0 = never)");

/*
 * Test build only: at inject_panic_at, oops (a NULL pointer write) instead
 * of calling panic(): the fault a bug in the dumper would be (tests/vm
 * fault-oops).
 */
static bool inject_oops;
module_param(inject_oops, bool, 0600);
MODULE_PARM_DESC(inject_oops,
		 "test build only: at inject_panic_at, write through a NULL pointer instead of panic() (default N)");

/* Panic path, test build: the injected fault. */
static notrace void lkcd_test_inject(__u64 done)
{
	if (READ_ONCE(inject_oops)) {
		pr_emerg("test: NULL pointer write inside the dumper at page %llu\n", done);
		*(volatile int *)READ_ONCE(lkcd_walk.null) = 1;
		return;
	}
	panic("lkcd: injected panic inside the dumper at page %llu", done);
}
#endif

/* Panic path.  At most one console line a second. */
static notrace void lkcd_op_progress(void *ctx, __u64 done, __u64 total)
{
	u64 now = lkcd_clock_ns();

#ifdef LKCD_TEST
	if (inject_panic_at && done >= inject_panic_at)
		lkcd_test_inject(done);
#endif

	if (lkcd_walk.last_progress_ns && now - lkcd_walk.last_progress_ns < LKCD_PROGRESS_NS)
		return;
	lkcd_walk.last_progress_ns = now;
	pr_emerg("dumping: %llu%% (%llu of %llu pages)\n",
		 total ? div64_u64(done * 100, total) : 0ULL,
		 (unsigned long long)done, (unsigned long long)total);
}

static notrace void lkcd_op_keepalive(void *ctx)
{
	touch_nmi_watchdog();
}

const struct lkcd_packer_ops lkcd_walk_ops = {
	.classify = lkcd_classify,
	.read_page = lkcd_read_page,
	.map_spare = lkcd_map_spare,
	.compress = lkcd_op_compress,
	.crc32 = lkcd_op_crc32,
	.now_ns = lkcd_op_now_ns,
	.progress = lkcd_op_progress,
	.keepalive = lkcd_op_keepalive,
};

void *lkcd_walk_ctx(void)
{
	return &lkcd_walk;
}

int lkcd_walk_init(void)
{
	int ret;

	lkcd_walk.pcp = vmalloc_array(LKCD_PCP_MAX, sizeof(*lkcd_walk.pcp));
	if (!lkcd_walk.pcp)
		return -ENOMEM;
	/* the capture kernel lives there: never dumped, never written */
	ret = walk_iomem_res_desc(IORES_DESC_CRASH_KERNEL,
				  IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				  0, -1, NULL, lkcd_crashk_add);
	if (ret < 0 && ret != -EINVAL && ret != -ENODEV)
		pr_warn("cannot read the crash kernel region (%d): it will be dumped\n", ret);
	if (ret == -ENOSPC) {
		vfree(lkcd_walk.pcp);
		lkcd_walk.pcp = NULL;
		return ret;
	}
	return 0;
}

void lkcd_walk_exit(void)
{
	vfree(lkcd_walk.pcp);
	lkcd_walk.pcp = NULL;
	lkcd_walk.nr_nodump = 0;
	lkcd_walk.own_pages = 0;
}
