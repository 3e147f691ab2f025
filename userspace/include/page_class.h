/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a page of the crashed kernel held, read from its struct page through
 * VMCOREINFO only: the classes makedumpfile -d leaves out (page cache,
 * private cache, user, free) and the pages always left out (hwpoison,
 * logically offline).  For lkcd save's /proc/vmcore fallback, when there is
 * no lkcd dump whose records were classified at panic by lkcd.ko.
 *
 * The rules are lkcd.ko's (kernel/pagewalk.c, lkcd_classify), restricted to
 * what VMCOREINFO exports (kernel/crash_core.c, since 6.9 vmcore_info.c);
 * each kernel's encoding is told from the values it exports, not from its
 * version (Documentation/format.rst, "What each kernel changes"):
 *   hwpoison    flags & 1 << NUMBER(PG_hwpoison)
 *   offline     page type NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)
 *   free        page type NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE): a buddy head,
 *               1 << private pages (order < LENGTH(zone.free_area)); or
 *               PAGE_UNACCEPTED_MAPCOUNT_VALUE (6.16+): a MAX_PAGE_ORDER block
 *   kernel      slab (NUMBER(PG_slab) up to 6.9, page type
 *               PAGE_SLAB_MAPCOUNT_VALUE since 6.10), everything not below
 *   user        the compound head is hugetlb (page type
 *               PAGE_HUGETLB_MAPCOUNT_VALUE since 6.9; before, the first
 *               tail's compound_dtor == NUMBER(HUGETLB_PAGE_DTOR)) or its
 *               mapping is anon / KSM
 *   cache       mapping is an address_space and PG_lru or PG_swapcache;
 *               cache_private when PG_private is set too
 * A page type is page._mapcount: ~PG_x up to 6.11 (compared whole), PGTY_x
 * << 24 since 6.12 (compared by its top byte, as the kernel does).  A tail
 * page's compound word (OFFSET(page.compound_head), 7.1+ compound_info) is
 * head | 1, or on 7.x mask | 1 to apply to the tail's own address.
 * Not visible without the kernel's own structures, so kept as kernel pages:
 * free pages on the per-CPU lists, PG_private_2, PageTable/PageGuard.
 *
 * Only what locates struct page is required (SIZE(page), OFFSET(page.flags),
 * OFFSET(page.mapping), the mem_section entries).  Each rule whose entries
 * are missing is switched off, keeping those pages, and said in
 * lkcd_page_classifier_limits(): a dump is never refused for them.
 *
 * struct page is found the SPARSEMEM way: SYMBOL(mem_section) (the root
 * array with SPARSEMEM_EXTREME, as x86_64 has), SIZE(mem_section),
 * OFFSET(mem_section.section_mem_map), NUMBER(SECTION_SIZE_BITS); the
 * section's encoded mem_map, masked, plus pfn * SIZE(page), is the kernel
 * virtual address of the struct page (the vmemmap), read through kmem.h.
 *
 * Everything read is untrusted.  A struct page that cannot be read (section
 * missing, pointer outside the dump, page table absent) classifies as
 * LKCD_PAGE_UNKNOWN, which is always kept: the filter never loses a page
 * because it could not look at it.
 */
#ifndef LKCD_PAGE_CLASS_H
#define LKCD_PAGE_CLASS_H

#include <stdbool.h>
#include <stdint.h>
#include "kmem.h"
#include "liblkcd.h"
#include "vmcoreinfo.h"

enum lkcd_page_class {
	LKCD_PAGE_KERNEL = 0,	/* kept */
	LKCD_PAGE_UNKNOWN,	/* struct page unreadable: kept */
	LKCD_PAGE_CACHE,	/* LKCD_EXCLUDE_CACHE or _CACHE_PRI */
	LKCD_PAGE_CACHE_PRIVATE,/* LKCD_EXCLUDE_CACHE_PRI */
	LKCD_PAGE_USER,		/* LKCD_EXCLUDE_USER */
	LKCD_PAGE_FREE,		/* LKCD_EXCLUDE_FREE */
	LKCD_PAGE_OFFLINE,	/* always left out */
	LKCD_PAGE_HWPOISON,	/* always left out: reading it may machine-check */
	LKCD_PAGE_NR
};

struct lkcd_page_classifier;

/*
 * Check that vi describes struct page and mem_section well enough, and
 * that the section table can be reached through read_phys.  -ENOENT names
 * the first VMCOREINFO entry missing, -EINVAL a value out of reason,
 * -EFAULT the section table not in the dump.
 */
int lkcd_page_classifier_open(const struct lkcd_vmcoreinfo *vi,
			      lkcd_read_phys_fn read_phys, void *ctx,
			      struct lkcd_page_classifier **out,
			      struct lkcd_error *err);
/* Accepts NULL. */
void lkcd_page_classifier_close(struct lkcd_page_classifier *pc);

/*
 * The class of pfn.  Call in ascending pfn order for free blocks to be
 * recognised past their head (a pfn met inside a block whose head was not
 * asked first is classified on its own).
 */
enum lkcd_page_class lkcd_page_classify(struct lkcd_page_classifier *pc, uint64_t pfn);

/* struct pages that could not be read so far, and why the first one failed. */
uint64_t lkcd_page_classifier_unreadable(const struct lkcd_page_classifier *pc,
					 const char **first_reason);

/*
 * What this VMCOREINFO does not let the classifier tell, and so keeps
 * ("free pages kept (VMCOREINFO has no NUMBER(...))"; ...), or NULL when
 * every rule is on.
 */
const char *lkcd_page_classifier_limits(const struct lkcd_page_classifier *pc);

/* Is class cls left out under exclude (LKCD_EXCLUDE_*)? */
bool lkcd_page_class_excluded(enum lkcd_page_class cls, uint32_t exclude);
/* "kernel", "cache", ... */
const char *lkcd_page_class_name(enum lkcd_page_class cls);

#endif /* LKCD_PAGE_CLASS_H */
