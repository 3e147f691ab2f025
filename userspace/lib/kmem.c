// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The crashed kernel's virtual memory on x86_64: see kmem.h for how
 * addresses are translated and why.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kmem.h"

#define START_KERNEL_MAP	0xffffffff80000000ull
#define DEFAULT_IMAGE_SIZE	(1ull << 30)	/* KERNEL_IMAGE_SIZE with KASLR */
#define PG_SIZE			4096ull
#define PG_MASK			(~(PG_SIZE - 1))
#define PTE_PRESENT		0x1ull
#define PTE_PSE			0x80ull		/* 1 GiB / 2 MiB leaf */
#define PTE_ADDR_MASK		0x000ffffffffff000ull

static int read_u64_phys(struct lkcd_kmem *km, uint64_t paddr, uint64_t *v)
{
	uint64_t raw;
	int ret = km->read_phys(km->ctx, paddr, &raw, sizeof(raw));

	if (ret < 0)
		return ret;
	*v = le64toh(raw);
	return 0;
}

void lkcd_kmem_init(struct lkcd_kmem *km, const struct lkcd_vmcoreinfo *vi,
		    lkcd_read_phys_fn read_phys, void *ctx)
{
	int64_t n;
	uint64_t sym;

	memset(km, 0, sizeof(*km));
	km->read_phys = read_phys;
	km->ctx = ctx;
	km->have_phys_base = lkcd_vmcoreinfo_phys_base(vi, &km->phys_base) == 0;
	km->image_size = DEFAULT_IMAGE_SIZE;
	if (lkcd_vmcoreinfo_number(vi, "KERNEL_IMAGE_SIZE", &n) == 0 && n > 0 &&
	    (uint64_t)n <= DEFAULT_IMAGE_SIZE)
		km->image_size = (uint64_t)n;
	km->levels = 4;
	if (lkcd_vmcoreinfo_number(vi, "pgtable_l5_enabled", &n) == 0 && n == 1)
		km->levels = 5;
	km->addr_mask = PTE_ADDR_MASK;
	if (lkcd_vmcoreinfo_number(vi, "sme_mask", &n) == 0)
		km->addr_mask &= ~(uint64_t)n;
	if (km->have_phys_base &&
	    lkcd_vmcoreinfo_symbol(vi, "init_top_pgt", &sym) == 0 &&
	    sym >= START_KERNEL_MAP && sym - START_KERNEL_MAP < km->image_size) {
		km->pgd_paddr = sym - START_KERNEL_MAP + km->phys_base;
		km->have_pgd = true;
	}
}

static int walk_page_tables(struct lkcd_kmem *km, uint64_t vaddr, uint64_t *paddr,
			    struct lkcd_error *err)
{
	/* Shift of the index at each level, top first. */
	static const int shifts[5] = { 48, 39, 30, 21, 12 };
	int first = km->levels == 5 ? 0 : 1;
	int va_bits = km->levels == 5 ? 57 : 48;
	uint64_t table = km->pgd_paddr;
	int64_t sv = (int64_t)(vaddr << (64 - va_bits)) >> (64 - va_bits);

	if ((uint64_t)sv != vaddr)
		return lkcd_error_set(err, -EFAULT,
			"address 0x%" PRIx64 " is not canonical for %d-level paging",
			vaddr, km->levels);
	for (int l = first; l < 5; l++) {
		uint64_t idx = (vaddr >> shifts[l]) & 511;
		uint64_t entry;
		int ret = read_u64_phys(km, table + idx * 8, &entry);

		if (ret < 0)
			return lkcd_error_set(err, ret,
				"page table of 0x%" PRIx64 " at 0x%" PRIx64 " (level %d) is not in the dump",
				vaddr, table + idx * 8, 5 - l);
		if (!(entry & PTE_PRESENT))
			return lkcd_error_set(err, -EFAULT,
				"address 0x%" PRIx64 " is not mapped (level %d entry 0x%" PRIx64 ")",
				vaddr, 5 - l, entry);
		/* A PSE bit at the PUD or PMD level ends the walk early. */
		if ((shifts[l] == 30 || shifts[l] == 21) && (entry & PTE_PSE)) {
			uint64_t span = 1ull << shifts[l];

			*paddr = (entry & km->addr_mask & ~(span - 1)) |
				 (vaddr & (span - 1));
			return 0;
		}
		table = entry & km->addr_mask;
	}
	*paddr = table | (vaddr & ~PG_MASK);
	return 0;
}

int lkcd_kmem_kvtop(struct lkcd_kmem *km, uint64_t vaddr, uint64_t *paddr,
		    struct lkcd_error *err)
{
	uint64_t vpage = vaddr & PG_MASK;
	size_t slot = (size_t)((vpage >> 12) % LKCD_KMEM_TLB_SIZE);
	int ret;

	if (km->tlb[slot].valid && km->tlb[slot].vpage == vpage) {
		*paddr = km->tlb[slot].ppage | (vaddr & ~PG_MASK);
		return 0;
	}
	if (km->have_phys_base && vaddr >= START_KERNEL_MAP &&
	    vaddr - START_KERNEL_MAP < km->image_size) {
		*paddr = vaddr - START_KERNEL_MAP + km->phys_base;
	} else if (km->have_pgd) {
		ret = walk_page_tables(km, vaddr, paddr, err);
		if (ret < 0)
			return ret;
	} else {
		return lkcd_error_set(err, -ENOENT,
			"cannot translate 0x%" PRIx64 ": VMCOREINFO lacks NUMBER(phys_base) or SYMBOL(init_top_pgt)",
			vaddr);
	}
	km->tlb[slot].vpage = vpage;
	km->tlb[slot].ppage = *paddr & PG_MASK;
	km->tlb[slot].valid = true;
	return 0;
}

int lkcd_kmem_read(struct lkcd_kmem *km, uint64_t vaddr, void *buf, size_t len,
		    struct lkcd_error *err)
{
	unsigned char *p = buf;

	while (len) {
		uint64_t paddr;
		size_t chunk = (size_t)(PG_SIZE - (vaddr & ~PG_MASK));
		int ret;

		if (chunk > len)
			chunk = len;
		ret = lkcd_kmem_kvtop(km, vaddr, &paddr, err);
		if (ret < 0)
			return ret;
		ret = km->read_phys(km->ctx, paddr, p, chunk);
		if (ret < 0)
			return lkcd_error_set(err, ret < 0 ? ret : -EIO,
				"kernel address 0x%" PRIx64 " (physical 0x%" PRIx64 ") is not in the dump",
				vaddr, paddr);
		p += chunk;
		vaddr += chunk;
		len -= chunk;
	}
	return 0;
}

int lkcd_kmem_read_u64(struct lkcd_kmem *km, uint64_t vaddr, uint64_t *v,
		       struct lkcd_error *err)
{
	uint64_t raw;
	int ret = lkcd_kmem_read(km, vaddr, &raw, sizeof(raw), err);

	if (ret == 0)
		*v = le64toh(raw);
	return ret;
}

int lkcd_kvtop(const struct lkcd_vmcoreinfo *vi, lkcd_read_phys_fn read_phys,
	       void *ctx, uint64_t vaddr, uint64_t *paddr,
	       struct lkcd_error *err)
{
	struct lkcd_kmem km;

	lkcd_kmem_init(&km, vi, read_phys, ctx);
	return lkcd_kmem_kvtop(&km, vaddr, paddr, err);
}

