/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crashed kernel's virtual memory, reached through its physical memory
 * (x86_64).  Shared by the kernel-log decoder (dmesg.c) and the page
 * classifier (page_class.c): both read kernel structures by their virtual
 * addresses, found in VMCOREINFO.
 *
 * VMCOREINFO of 6.1 exports NUMBER(phys_base) and SYMBOL(init_top_pgt) but
 * not page_offset_base nor vmemmap_base, and with RANDOMIZE_MEMORY the
 * direct map and the vmemmap move every boot.  So:
 *   - kernel-image addresses (__START_KERNEL_map .. + KERNEL_IMAGE_SIZE),
 *     where the static ring, prb, mem_section and init_top_pgt live, are
 *     translated as __pa_symbol() does: vaddr - __START_KERNEL_map +
 *     phys_base (phys_base may be "negative", the arithmetic is modulo 2^64
 *     like the kernel's);
 *   - any other address (the direct map, the vmemmap) by walking the
 *     crashed kernel's own page tables from init_top_pgt, 4 or 5 levels per
 *     NUMBER(pgtable_l5_enabled), 1 GiB and 2 MiB pages included, with
 *     NUMBER(sme_mask) cleared from entries.
 * The walk needs nothing guessed, whatever the KASLR layout; it costs a few
 * reads per page, so translations are cached.  Every page-table entry is
 * untrusted: an entry pointing outside the dump is an error, never a crash.
 */
#ifndef LKCD_KMEM_H
#define LKCD_KMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "liblkcd.h"
#include "vmcoreinfo.h"

/*
 * Read len bytes of the crashed kernel's physical memory at paddr into buf.
 * Return 0 on success, a negative errno (-EFAULT: not in the dump) if not.
 */
typedef int (*lkcd_read_phys_fn)(void *ctx, uint64_t paddr, void *buf,
				 size_t len);

#define LKCD_KMEM_TLB_SIZE	64

/* A translation context: fill with lkcd_kmem_init(), nothing to free. */
struct lkcd_kmem {
	lkcd_read_phys_fn read_phys;
	void *ctx;
	bool have_phys_base;
	uint64_t phys_base;
	uint64_t image_size;
	bool have_pgd;
	uint64_t pgd_paddr;
	int levels;			/* 4 or 5 */
	uint64_t addr_mask;		/* PTE_ADDR_MASK without the SME bit */
	struct {
		uint64_t vpage, ppage;
		bool valid;
	} tlb[LKCD_KMEM_TLB_SIZE];
};

/* Take what translation needs from vi (absent values: see lkcd_kmem_kvtop). */
void lkcd_kmem_init(struct lkcd_kmem *km, const struct lkcd_vmcoreinfo *vi,
		    lkcd_read_phys_fn read_phys, void *ctx);

/*
 * Kernel virtual -> physical.  -ENOENT when VMCOREINFO lacks what the
 * address needs, -EFAULT when it is not mapped, not canonical, or a page
 * table is not in the dump.
 */
int lkcd_kmem_kvtop(struct lkcd_kmem *km, uint64_t vaddr, uint64_t *paddr,
		    struct lkcd_error *err);

/* Read len bytes at a kernel virtual address, page by page. */
int lkcd_kmem_read(struct lkcd_kmem *km, uint64_t vaddr, void *buf, size_t len,
		   struct lkcd_error *err);
/* One little-endian u64 at a kernel virtual address. */
int lkcd_kmem_read_u64(struct lkcd_kmem *km, uint64_t vaddr, uint64_t *v,
		       struct lkcd_error *err);

/*
 * One translation without keeping a context (tools and tests): as
 * lkcd_kmem_init() + lkcd_kmem_kvtop().
 */
int lkcd_kvtop(const struct lkcd_vmcoreinfo *vi, lkcd_read_phys_fn read_phys,
	       void *ctx, uint64_t vaddr, uint64_t *paddr,
	       struct lkcd_error *err);

#endif /* LKCD_KMEM_H */
