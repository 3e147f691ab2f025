// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LKCD v8 output: the lineage's own format, read by crash (lkcd_v8.c,
 * lkcd_common.c) and libkdumpfile (lkcd.c).
 *
 *   0       dump_header_t, packed, 734 bytes (dh_header_size)
 *   734     dump_header_asm_t (x86_64): magic 0xdeaddead, version 2, size,
 *           the crashing CPU's pt_regs, CPU count, dumping CPU, then four
 *           per-CPU arrays (pt_regs, current task, stack, stack pointer);
 *           crash derives the CPU count from dha_header_size
 *   65536   pages: dump_page_t {paddr, size, flags} + data, ascending,
 *           ended by a dump_page_t with DUMP_DH_END
 *
 * Page encodings both readers accept: DUMP_DH_RAW with exactly one page of
 * data (libkdumpfile refuses other raw sizes, so zero pages are not written
 * as crash's size-0 raw pages), or DUMP_DH_COMPRESSED with dh_dump_compress
 * = DUMP_COMPRESS_GZIP, which both readers inflate with zlib's uncompress()
 * / inflateInit(): the zlib format (RFC 1950), not gzip's.  So zlib pages
 * are copied as stored and zstd / lz4 pages are re-encoded.  Unreadable
 * pages are left out (readers report them missing).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

#define LKCD_V8_MAGIC		0xa8190173618f23edULL
#define LKCD_V8_MAGIC_LIVE	0xa8190173618f23cdULL
#define LKCD_V8_VERSION		8
#define LKCD_V8_FIRST_PAGE	65536
#define LKCD_V8_COMPRESS_GZIP	2

#define DUMP_DH_RAW		0x1
#define DUMP_DH_COMPRESSED	0x2
#define DUMP_DH_END		0x4

struct __attribute__((packed)) lkcd_v8_header {
	uint64_t dh_magic_number;	/*   0 */
	uint32_t dh_version;		/*   8 */
	uint32_t dh_header_size;	/*  12 sizeof this struct */
	uint32_t dh_dump_level;		/*  16 DUMP_LEVEL_* (lkcd's own values) */
	uint32_t dh_page_size;		/*  20 */
	uint64_t dh_memory_size;	/*  24 RAM, in pages (as crash reads it) */
	uint64_t dh_memory_start;	/*  32 lowest RAM address */
	uint64_t dh_memory_end;		/*  40 end of the highest RAM page */
	uint32_t dh_num_pages;		/*  48 pages in the dump */
	char dh_panic_string[256];	/*  52 */
	uint64_t dh_time_sec;		/* 308 */
	uint64_t dh_time_usec;		/* 316 */
	struct lkcd_uts dh_utsname;	/* 324 */
	uint64_t dh_current_task;	/* 714 */
	uint32_t dh_dump_compress;	/* 722 DUMP_COMPRESS_* */
	uint32_t dh_dump_flags;		/* 726 DUMP_FLAGS_* */
	uint32_t dh_dump_device;	/* 730 */
};
_Static_assert(sizeof(struct lkcd_v8_header) == 734, "LKCD v8 dump_header_t size");

/* x86_64 struct pt_regs as crash's lkcd_dump_v8.h declares it. */
#define PT_REGS_COUNT	21
#define PT_REGS_RSP	19

struct __attribute__((packed)) lkcd_v8_asm_header {
	uint64_t dha_magic_number;		/*   0 0xdeaddead */
	uint32_t dha_version;			/*   8 2 */
	uint32_t dha_header_size;		/*  12 up to the arrays' end */
	uint64_t dha_regs[PT_REGS_COUNT];	/*  16 crashing CPU */
	uint32_t dha_smp_num_cpus;		/* 184 */
	int32_t dha_dumping_cpu;		/* 188 */
	/* 192: pt_regs[n], current_task[n], stack[n], stack_ptr[n] */
};
_Static_assert(sizeof(struct lkcd_v8_asm_header) == 192, "dump_header_asm_t fixed part");

#define ASM_MAGIC		0xdeaddeadULL
#define ASM_VERSION		2
#define ASM_PER_CPU		(PT_REGS_COUNT * 8 + 3 * 8)	/* crash's dump_CPU_info_t */

struct __attribute__((packed)) lkcd_v8_page {
	uint64_t dp_address;	/* physical address */
	uint32_t dp_size;	/* data bytes that follow */
	uint32_t dp_flags;	/* DUMP_DH_* */
};
_Static_assert(sizeof(struct lkcd_v8_page) == 16, "dump_page_t size");

/* CPU i's registers from its NT_PRSTATUS note; false when it has none. */
static bool cpu_regs(const struct wctx *w, uint32_t cpu, uint64_t regs[PT_REGS_COUNT])
{
	const struct wr_notes *n = w->notes;

	if (cpu >= n->nr_prstatus ||
	    n->prstatus_len[cpu] < WR_PRSTATUS_REG_OFF + PT_REGS_COUNT * 8)
		return false;
	memcpy(regs, n->prstatus[cpu] + WR_PRSTATUS_REG_OFF, PT_REGS_COUNT * 8);
	return true;
}

/*
 * The x86_64 arch header into buf (room up to the first page); returns its
 * size.  CPUs beyond what fits below the first page are left out.
 */
static size_t build_asm_header(const struct wctx *w, uint8_t *buf, size_t room)
{
	struct lkcd_v8_asm_header a;
	uint32_t nr = w->notes->nr_prstatus ? w->notes->nr_prstatus : 1;
	uint32_t max = (uint32_t)((room - sizeof(a)) / ASM_PER_CPU);
	uint32_t crashing = w->hdr->crashing_cpu;
	uint64_t regs[PT_REGS_COUNT];
	uint8_t *arr;
	uint32_t i;

	if (nr > max)
		nr = max;
	memset(&a, 0, sizeof(a));
	a.dha_magic_number = ASM_MAGIC;
	a.dha_version = ASM_VERSION;
	a.dha_header_size = (uint32_t)(sizeof(a) + (size_t)nr * ASM_PER_CPU);
	if (cpu_regs(w, crashing, regs))
		memcpy(a.dha_regs, regs, sizeof(regs));
	a.dha_smp_num_cpus = nr;
	a.dha_dumping_cpu = (int32_t)crashing;
	memcpy(buf, &a, sizeof(a));

	arr = buf + sizeof(a);
	memset(arr, 0, (size_t)nr * ASM_PER_CPU);
	for (i = 0; i < nr; i++) {
		uint8_t *cpu_regs_at = arr + (size_t)i * PT_REGS_COUNT * 8;
		uint8_t *task_at = arr + (size_t)nr * PT_REGS_COUNT * 8 + i * 8;
		uint8_t *sp_at = arr + (size_t)nr * (PT_REGS_COUNT * 8 + 16) + i * 8;

		if (!cpu_regs(w, i, regs))
			continue;
		memcpy(cpu_regs_at, regs, sizeof(regs));
		memcpy(sp_at, &regs[PT_REGS_RSP], 8);
		if (i == crashing)
			memcpy(task_at, &w->hdr->current_task, 8);
	}
	return a.dha_header_size;
}

static int put_page(struct wctx *w, struct wout *out, uint64_t pfn,
		    const void *data, uint32_t size, uint32_t flags)
{
	struct lkcd_v8_page dp = {
		.dp_address = pfn << w->page_shift,
		.dp_size = size,
		.dp_flags = flags,
	};
	int ret = wout_append(out, &dp, sizeof(dp), w->err);

	if (!ret)
		ret = wout_append(out, data, size, w->err);
	if (!ret)
		w->st->pages_written++;
	return ret;
}

static int write_pages(struct wctx *w, struct wout *out)
{
	struct lkcd_page pg;
	const void *data;
	uint32_t size, i;
	bool raw;
	int ret;

	ret = wr_rewind(w);
	while (!ret && (ret = wr_next(w, &pg)) > 0) {
		ret = 0;
		if (pg.flags == LKCD_REC_UNREADABLE) {
			w->st->pages_unreadable += pg.count;
			continue;
		}
		if (pg.flags == LKCD_REC_ZERO) {
			ret = wr_zero_zlib(w, &data, &size);
			for (i = 0; !ret && i < pg.count; i++)
				ret = put_page(w, out, pg.pfn + i, data, size,
					       DUMP_DH_COMPRESSED);
			w->st->pages_zero += pg.count;
			continue;
		}
		ret = wr_page_zlib(w, &pg, &data, &size, &raw);
		if (!ret)
			ret = put_page(w, out, pg.pfn, data, size,
				       raw ? DUMP_DH_RAW : DUMP_DH_COMPRESSED);
	}
	if (!ret) {
		struct lkcd_v8_page end = { .dp_flags = DUMP_DH_END };

		ret = wout_append(out, &end, sizeof(end), w->err);
	}
	if (!ret)
		ret = wout_flush(out, w->err);
	return ret;
}

static void fill_header(const struct wctx *w, struct lkcd_v8_header *dh)
{
	const struct lkcd_dump_header *h = w->hdr;
	uint64_t first, end, ram_pages = 0;
	size_t i;

	memset(dh, 0, sizeof(*dh));
	dh->dh_magic_number = LKCD_V8_MAGIC;
	if (h->magic == LKCD_DUMP_MAGIC_LIVE &&
	    (w->opts.flags & LKCD_WRITE_LIVE_MAGIC))
		dh->dh_magic_number = LKCD_V8_MAGIC_LIVE;
	dh->dh_version = LKCD_V8_VERSION;
	dh->dh_header_size = sizeof(*dh);
	dh->dh_dump_level = h->level;
	dh->dh_page_size = w->page_size;
	for (i = 0; i < w->in->nr_ranges; i++) {
		wr_range_pfns(w, i, &first, &end);
		ram_pages += end - first;
	}
	dh->dh_memory_size = ram_pages;
	dh->dh_memory_start = w->in->nr_ranges ? w->in->ranges[0].start : 0;
	dh->dh_memory_end = w->max_pfn << w->page_shift;
	dh->dh_num_pages = w->st->pages_written > UINT32_MAX ? UINT32_MAX :
			   (uint32_t)w->st->pages_written;
	memcpy(dh->dh_panic_string, h->panic_string, sizeof(dh->dh_panic_string));
	dh->dh_panic_string[sizeof(dh->dh_panic_string) - 1] = '\0';
	dh->dh_time_sec = h->panic_time_sec;
	dh->dh_time_usec = h->panic_time_nsec / 1000;
	dh->dh_utsname = h->uts;
	dh->dh_current_task = h->current_task;
	dh->dh_dump_compress = LKCD_V8_COMPRESS_GZIP;
	dh->dh_dump_flags = h->flags;
}

static int write_lkcd(struct wctx *w)
{
	struct lkcd_v8_header dh;
	uint8_t *area;
	struct wout out;
	int ret;

	ret = wout_init(&out, &w->sink, LKCD_V8_FIRST_PAGE, 1024 * 1024,
			"LKCD pages", &w->st->bytes_written, w->err);
	if (ret)
		return ret;
	ret = write_pages(w, &out);
	if (!ret)
		w->st->file_size = wout_tell(&out);
	wout_free(&out);
	if (ret)
		return ret;

	/* Header area last, so a file cut short has no valid magic. */
	area = calloc(1, LKCD_V8_FIRST_PAGE);
	if (!area)
		return lkcd_error_set(w->err, -ENOMEM, "LKCD: allocating the header area");
	fill_header(w, &dh);
	if (!strncmp(w->hdr->uts.machine, "x86_64", sizeof(w->hdr->uts.machine)))
		build_asm_header(w, area + sizeof(dh), LKCD_V8_FIRST_PAGE - sizeof(dh));
	memcpy(area, &dh, sizeof(dh));
	ret = wr_pwrite_full(&w->sink, area, LKCD_V8_FIRST_PAGE, 0, "LKCD header",
			     &w->st->bytes_written, w->err);
	free(area);
	return ret;
}

const struct wr_format_ops wr_lkcd_ops = {
	.name = "lkcd",
	.write = write_lkcd,
};
