/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels lkcd.ko builds for, in one place:
 * Debian 12's 6.1, Debian 13's 6.12 and sid's 7.x (Documentation/design.rst,
 * "Kernel versions", says what was checked in each kernel's source).  The
 * rest of the module uses the names below and never tests a version.
 *
 * Everything here is a macro or a static inline that compiles to what the
 * kernel's own helper would: safe at panic wherever the helper it wraps is.
 */
#ifndef LKCD_COMPAT_H
#define LKCD_COMPAT_H

#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page-flags.h>
#include <linux/pageblock-flags.h>
#include <linux/sysctl.h>
#include <linux/version.h>

/* ---- VMCOREINFO: its own header since 6.9 ---- */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#include <linux/vmcore_info.h>
#else
#include <linux/crash_core.h>
#endif

/* ---- sysctl ---- */

/*
 * proc_handler takes a const table since 6.11.  lkcd's handlers only read
 * the table (extra1, data).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
typedef const struct ctl_table lkcd_ctl_table;
#else
typedef struct ctl_table lkcd_ctl_table;
#endif

/*
 * Table size: register_sysctl_sz() takes the number of entries since 6.6,
 * and since 6.11 a zeroed terminator entry is refused ("procname is null":
 * the whole registration fails).  Before 6.6 the table ends at a zeroed
 * entry.  So a table is declared with LKCD_SYSCTL_SLOTS(n) entries, the n
 * real ones first, and registered with lkcd_register_sysctl(path, t, n).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define LKCD_SYSCTL_SLOTS(n)			(n)
#define lkcd_register_sysctl(path, table, n)	register_sysctl_sz(path, table, n)
#else
#define LKCD_SYSCTL_SLOTS(n)			((n) + 1)	/* the terminator */
#define lkcd_register_sysctl(path, table, n)	register_sysctl(path, table)
#endif

/* ---- SysRq: the handler takes the key as u8 since 6.7 ---- */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
typedef u8 lkcd_sysrq_key_t;
#else
typedef int lkcd_sysrq_key_t;
#endif

/* ---- buddy allocator orders ---- */

/*
 * The number of buddy orders (free_area[] entries); a free block's order is
 * below it.  6.1: MAX_ORDER (exclusive).  6.4 made MAX_ORDER inclusive, 6.8
 * renamed it MAX_PAGE_ORDER and added NR_PAGE_ORDERS with the old meaning.
 */
#if defined(NR_PAGE_ORDERS)
#define LKCD_NR_ORDERS		NR_PAGE_ORDERS
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define LKCD_NR_ORDERS		(MAX_ORDER + 1)
#else
#define LKCD_NR_ORDERS		MAX_ORDER
#endif

/* ---- page->mapping's low bits: FOLIO_MAPPING_* since 7.0 ---- */
#if defined(FOLIO_MAPPING_ANON)
#define LKCD_MAPPING_ANON	FOLIO_MAPPING_ANON
#define LKCD_MAPPING_KSM	FOLIO_MAPPING_KSM
#define LKCD_MAPPING_FLAGS	FOLIO_MAPPING_FLAGS
#else
#define LKCD_MAPPING_ANON	PAGE_MAPPING_ANON
#define LKCD_MAPPING_KSM	PAGE_MAPPING_KSM
#define LKCD_MAPPING_FLAGS	PAGE_MAPPING_FLAGS
#endif

/*
 * ---- page state through folios ----
 *
 * page_maybe_dma_pinned(), page_mapcount(), PageSwapCache() and
 * PagePrivate2() went away as the kernel moved to folios; the folio helpers
 * exist in 6.1 already, so every kernel uses them where 6.1 exports them.  page_folio() reads
 * page->compound_head (compound_info on 7.x) once: a plain load, no lock.
 * Callers hand a page that is its folio's head (lkcd never looks inside
 * large folios for these).
 */
static inline bool lkcd_page_dma_pinned(struct page *head)
{
	return folio_maybe_dma_pinned(page_folio(head));
}

/*
 * 6.1's folio_mapcount() is out of line and not exported, and its
 * page_mapcount() is what lkcd used; by 6.12 page_mapcount() is gone and
 * folio_mapcount() is inline.  (Kernels between were not checked: lkcd
 * builds for 6.1 and 6.12 on.)
 */
static inline int lkcd_page_mapcount(struct page *head)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return folio_mapcount(page_folio(head));
#else
	return page_mapcount(head);
#endif
}

static inline bool lkcd_page_swapcache(struct page *head)
{
	return folio_test_swapcache(page_folio(head));
}

static inline bool lkcd_page_private2(struct page *head)
{
	return folio_test_private_2(page_folio(head));
}

/*
 * ---- unaccepted memory (confidential guests) ----
 *
 * Memory the guest has not accepted yet must never be touched: a read
 * faults into the hypervisor (TDX: the guest dies).  6.12 keeps it in
 * MAX_PAGE_ORDER blocks on zone->unaccepted_pages with the Unaccepted page
 * type on the block's first page (not PageBuddy); 6.1 has no unaccepted
 * memory support at all.
 */
#if IS_ENABLED(CONFIG_UNACCEPTED_MEMORY) && LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define LKCD_HAVE_UNACCEPTED	1
static inline bool lkcd_page_unaccepted(const struct page *page)
{
	return PageUnaccepted(page);
}
#else
#define LKCD_HAVE_UNACCEPTED	0
static inline bool lkcd_page_unaccepted(const struct page *page)
{
	return false;
}
#endif

/*
 * ---- CMA pageblocks ----
 *
 * Is pfn's pageblock MIGRATE_CMA?  crashkernel=SIZE,cma (6.16+) lets the
 * capture kernel run in CMA ranges that are free or movable memory here,
 * and neither those ranges (crashk_cma_ranges) nor the CMA or pageblock
 * lookups are exported.  So lkcd reads the pageblock's migratetype bits
 * itself, as get_pfnblock_flags_mask() does: SPARSEMEM keeps
 * NR_PAGEBLOCK_BITS bits per pageblock in the section's usage map
 * (mem_section is exported), the migratetype in the low bits.  The bit
 * layout is the same in 6.1, 6.12 and 7.2; 6.16 only renamed the mask
 * (PAGEBLOCK_MIGRATETYPE_MASK) and moved isolation to a bit of its own.
 * Plain loads, no lock: safe at panic for a pfn_valid() pfn.
 */
#ifdef PAGEBLOCK_MIGRATETYPE_MASK
#define LKCD_MIGRATETYPE_MASK	PAGEBLOCK_MIGRATETYPE_MASK
#else
#define LKCD_MIGRATETYPE_MASK	MIGRATETYPE_MASK
#endif

static inline bool lkcd_pfn_in_cma(unsigned long pfn)
{
#if IS_ENABLED(CONFIG_CMA) && defined(CONFIG_SPARSEMEM)
	struct mem_section *ms = __pfn_to_section(pfn);
	unsigned long bitidx, word;

	if (!ms || !ms->usage)
		return false;
	bitidx = ((pfn & (PAGES_PER_SECTION - 1)) >> pageblock_order) * NR_PAGEBLOCK_BITS;
	word = READ_ONCE(section_to_usemap(ms)[bitidx / BITS_PER_LONG]);
	return ((word >> (bitidx % BITS_PER_LONG)) & LKCD_MIGRATETYPE_MASK) == MIGRATE_CMA;
#else
	return false;
#endif
}

#endif /* LKCD_COMPAT_H */
