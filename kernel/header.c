// SPDX-License-Identifier: GPL-2.0
/*
 * The header page: one zeroed page allocated at load and kept until unload.
 * Its physical address is what /proc/sys/kernel/dump/addr shows and what
 * the capture kernel is told with crashdump=.  It always holds a sealed
 * header: EMPTY while armed, the dump's header after a panic.
 *
 * The parts known in advance (sizes, vmcoreinfo note, the System RAM range
 * table, the tunables) are filled here in process context, so that the panic
 * path walks no resource tree and takes no lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crash_core.h>
#include <linux/crc32.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "lkcd.h"

static struct page *lkcd_hdr_page;	/* set at init, freed at exit */
static u64 lkcd_max_pfn;		/* one past the highest RAM pfn */

struct lkcd_range_walk {
	struct lkcd_mem_range *ranges;
	u32 nr;
	u32 dropped;			/* ranges past LKCD_MAX_RANGES */
	u64 bytes;
	u64 end;			/* highest end (exclusive) seen */
};

static int lkcd_range_add(struct resource *res, void *arg)
{
	struct lkcd_range_walk *w = arg;
	u64 start = res->start, size = resource_size(res);

	if (!size)
		return 0;
	/* iomem lists System RAM in address order: merge touching ranges */
	if (w->nr && w->ranges[w->nr - 1].start + w->ranges[w->nr - 1].size == start) {
		w->ranges[w->nr - 1].size += size;
	} else if (w->nr < LKCD_MAX_RANGES) {
		w->ranges[w->nr].start = start;
		w->ranges[w->nr].size = size;
		w->nr++;
	} else {
		w->dropped++;
		return 0;
	}
	w->bytes += size;
	if (start + size > w->end)
		w->end = start + size;
	return 0;
}

/*
 * Rebuild the static part of the header and seal it as EMPTY.  Process
 * context, lkcd_config_lock held (or at init, before anyone else can see
 * the page).
 */
int lkcd_header_refresh(void)
{
	struct lkcd_dump_header *h = lkcd_header();
	struct lkcd_range_walk w = {
		.ranges = (struct lkcd_mem_range *)((u8 *)h + sizeof(*h)),
	};
	int ret;

	memset(h, 0, LKCD_HEADER_AREA_SIZE);
	ret = walk_iomem_res_desc(IORES_DESC_NONE,
				  IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				  0, -1, &w, lkcd_range_add);
	if (ret < 0 || !w.nr) {
		pr_err("cannot read the System RAM ranges from iomem (%d)\n", ret);
		return ret < 0 ? ret : -ENODEV;
	}
	if (w.dropped)
		pr_warn("%u System RAM ranges past the first %u are left out of dumps\n",
			w.dropped, (unsigned int)LKCD_MAX_RANGES);

	h->magic = LKCD_DUMP_MAGIC;
	h->version = LKCD_FORMAT_VERSION;
	h->header_size = sizeof(*h);
	h->state = LKCD_STATE_EMPTY;
	h->page_size = PAGE_SIZE;
	h->level = lkcd_tun.level;
	h->exclude = lkcd_effective_exclude(lkcd_tun.level, lkcd_tun.exclude);
	h->compress = lkcd_tun.compress;
	h->flags = lkcd_tun.flags;
	h->nr_ranges = w.nr;
	h->memory_size = w.bytes;
	h->max_pfn = PFN_UP(w.end);
	h->vmcoreinfo_paddr = paddr_vmcoreinfo_note();
	h->vmcoreinfo_size = VMCOREINFO_NOTE_SIZE;
	WRITE_ONCE(lkcd_max_pfn, h->max_pfn);
	lkcd_header_seal(h);
	return 0;
}

/*
 * Checksum the header page, crc written last.  crc32_le(~0, ...) ^ ~0 is
 * zlib's crc32(0, ...), what userspace checks.  Safe at panic: no lock, no
 * allocation.
 */
void lkcd_header_seal(struct lkcd_dump_header *h)
{
	u32 crc;

	WRITE_ONCE(h->crc, 0);
	/* everything else must be in memory before the crc that vouches for it */
	wmb();
	crc = crc32_le(~0U, (const u8 *)h, LKCD_HEADER_AREA_SIZE) ^ ~0U;
	WRITE_ONCE(h->crc, crc);
	mb();
}

struct lkcd_dump_header *lkcd_header(void)
{
	return page_address(lkcd_hdr_page);
}

phys_addr_t lkcd_header_paddr(void)
{
	return page_to_phys(lkcd_hdr_page);
}

u64 lkcd_header_max_pfn(void)
{
	return READ_ONCE(lkcd_max_pfn);
}

int lkcd_header_init(void)
{
	int ret;

	/* GFP_KERNEL: lowmem, in the direct map and in System RAM, so the
	 * capture kernel reads it through /proc/vmcore */
	lkcd_hdr_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!lkcd_hdr_page)
		return -ENOMEM;
	ret = lkcd_header_refresh();
	if (ret) {
		__free_page(lkcd_hdr_page);
		lkcd_hdr_page = NULL;
	}
	return ret;
}

void lkcd_header_exit(void)
{
	if (!lkcd_hdr_page)
		return;
	/* a stale sealed header must not be mistaken for a dump later */
	memset(page_address(lkcd_hdr_page), 0, PAGE_SIZE);
	__free_page(lkcd_hdr_page);
	lkcd_hdr_page = NULL;
}
