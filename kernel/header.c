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

#include <linux/crc32.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>

#include "compat.h"
#include "lkcd.h"
#include "packer.h"

static struct page *lkcd_hdr_page;	/* set at init, freed at exit */

/*
 * The System RAM ranges, double-buffered: a refresh fills the table not in
 * use and then publishes it, so a panic that stops the refreshing CPU
 * half-way still finds a whole table.  Writers hold lkcd_config_lock.
 */
struct lkcd_ram {
	struct lkcd_mem_range ranges[LKCD_MAX_RANGES];
	u32 nr;
	u32 dropped;			/* ranges past LKCD_MAX_RANGES */
	u64 bytes;
	u64 end;			/* highest end (exclusive) */
};
static struct lkcd_ram lkcd_ram[2];
static int lkcd_ram_cur;		/* the published one */

static int lkcd_range_add(struct resource *res, void *arg)
{
	struct lkcd_ram *w = arg;
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
 * Rewrite the whole header page from the published range table and the
 * tunables, state EMPTY, unsealed.  Also the first step at panic, so a
 * page left half-written by an interrupted refresh does not matter.
 */
notrace void lkcd_header_build(struct lkcd_dump_header *h)
{
	const struct lkcd_ram *ram = &lkcd_ram[READ_ONCE(lkcd_ram_cur)];
	u32 level = READ_ONCE(lkcd_tun.level);

	memset(h, 0, LKCD_HEADER_AREA_SIZE);
	h->magic = LKCD_DUMP_MAGIC;
	h->version = LKCD_FORMAT_VERSION;
	h->header_size = sizeof(*h);
	h->state = LKCD_STATE_EMPTY;
	h->page_size = PAGE_SIZE;
	h->level = level;
	h->exclude = lkcd_effective_exclude(level, READ_ONCE(lkcd_tun.exclude));
	h->compress = READ_ONCE(lkcd_tun.compress);
	h->flags = READ_ONCE(lkcd_tun.flags);
	h->nr_ranges = ram->nr;
	h->memory_size = ram->bytes;
	h->max_pfn = PFN_UP(ram->end);
	h->vmcoreinfo_paddr = paddr_vmcoreinfo_note();
	h->vmcoreinfo_size = VMCOREINFO_NOTE_SIZE;
	h->pages_lkcd = lkcd_walk_own_pages();
	memcpy((u8 *)h + sizeof(*h), ram->ranges, ram->nr * sizeof(ram->ranges[0]));
}

/*
 * The start of a dump (a panic's or a live snapshot's) at level: the header
 * rebuilt from scratch (a sysctl write on a stopped CPU may have left it
 * torn), then what is known only now: the time, the CPU and task, the
 * kernel's utsname.  State IN_PROGRESS; the caller adds the panic string.
 * Panic path: no lock, no allocation (the NMI-safe wall clock).
 */
notrace void lkcd_header_start(struct lkcd_dump_header *h, u32 level)
{
	struct new_utsname *uts = init_utsname();
	u64 now = ktime_get_real_fast_ns();

	lkcd_header_build(h);
	h->state = LKCD_STATE_IN_PROGRESS;
	h->level = level;
	h->exclude = lkcd_effective_exclude(level, READ_ONCE(lkcd_tun.exclude));
	h->panic_time_sec = div_u64_rem(now, NSEC_PER_SEC, &h->panic_time_nsec);
	h->crashing_cpu = raw_smp_processor_id();
	h->nr_cpus = num_online_cpus();
	h->current_task = (u64)(unsigned long)current;
	h->dump_start_ns = lkcd_clock_ns();
	strscpy(h->uts.sysname, uts->sysname, sizeof(h->uts.sysname));
	strscpy(h->uts.nodename, uts->nodename, sizeof(h->uts.nodename));
	strscpy(h->uts.release, uts->release, sizeof(h->uts.release));
	strscpy(h->uts.version, uts->version, sizeof(h->uts.version));
	strscpy(h->uts.machine, uts->machine, sizeof(h->uts.machine));
	strscpy(h->uts.domainname, uts->domainname, sizeof(h->uts.domainname));
}

/*
 * Re-read the System RAM ranges, then rebuild and seal the EMPTY header.
 * Process context, lkcd_config_lock held (or at init, before anyone else
 * can see the page).
 */
int lkcd_header_refresh(void)
{
	int next = !lkcd_ram_cur;
	struct lkcd_ram *w = &lkcd_ram[next];
	int ret;

	memset(w, 0, sizeof(*w));
	ret = walk_iomem_res_desc(IORES_DESC_NONE,
				  IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				  0, -1, w, lkcd_range_add);
	if (ret < 0 || !w->nr) {
		pr_err("cannot read the System RAM ranges from iomem (%d)\n", ret);
		return ret < 0 ? ret : -ENODEV;
	}
	if (w->dropped)
		pr_warn("%u System RAM ranges past the first %u are left out of dumps\n",
			w->dropped, (unsigned int)LKCD_MAX_RANGES);
	/* the table is whole before anyone can pick it */
	smp_wmb();
	WRITE_ONCE(lkcd_ram_cur, next);

	lkcd_header_build(lkcd_header());
	lkcd_header_seal(lkcd_header());
	return 0;
}

/*
 * Checksum the header page, crc written last.  crc32_le(~0, ...) ^ ~0 is
 * zlib's crc32(0, ...), what userspace checks.  Safe at panic: no lock, no
 * allocation.
 */
notrace void lkcd_header_seal(struct lkcd_dump_header *h)
{
	u32 crc;

	WRITE_ONCE(h->crc, 0);
	/* everything else must be in memory before the crc that vouches for it */
	wmb();
	crc = crc32_le(~0U, (const u8 *)h, LKCD_HEADER_AREA_SIZE) ^ ~0U;
	WRITE_ONCE(h->crc, crc);
	mb();
}

/*
 * Seal h as a dump that holds no page, INCOMPLETE for reason, ended now:
 * the packer's lkcd_packer_header_empty() (which the unit tests share),
 * then the seal.  Panic path: no lock, no allocation.
 */
notrace void lkcd_header_seal_empty(struct lkcd_dump_header *h, u32 reason)
{
	lkcd_packer_header_empty(h, reason);
	h->dump_end_ns = lkcd_clock_ns();
	lkcd_header_seal(h);
}

notrace struct lkcd_dump_header *lkcd_header(void)
{
	return page_address(lkcd_hdr_page);
}

notrace phys_addr_t lkcd_header_paddr(void)
{
	return page_to_phys(lkcd_hdr_page);
}

notrace u64 lkcd_header_max_pfn(void)
{
	return PFN_UP(lkcd_ram[READ_ONCE(lkcd_ram_cur)].end);
}

int lkcd_header_init(void)
{
	int ret;

	/* GFP_KERNEL: lowmem, in the direct map and in System RAM, so the
	 * capture kernel reads it through /proc/vmcore */
	lkcd_hdr_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!lkcd_hdr_page)
		return -ENOMEM;
	/* both tables from the start: the "old" one is never empty */
	ret = lkcd_header_refresh();
	if (!ret)
		lkcd_ram[!lkcd_ram_cur] = lkcd_ram[lkcd_ram_cur];
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
