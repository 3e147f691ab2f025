// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kdump-compressed output: the format makedumpfile writes and crash,
 * makedumpfile (--dump-dmesg, -R), libkdumpfile and drgn read.  Layout, in
 * blocks of one page (block_size = page size):
 *
 *   block 0                disk_dump_header
 *   block 1 ..             kdump_sub_header, then the ELF notes blob
 *                          (sub_hdr_size blocks in all)
 *   bitmap_blocks          1st bitmap (1 = RAM), 2nd bitmap (1 = dumped),
 *                          each ceil(max_mapnr / 8) bytes rounded to blocks
 *   page_desc[]            one per set bit of the 2nd bitmap, in pfn order
 *   page data              not aligned; page_desc.offset points into it
 *
 * Readers find a page's descriptor by counting set bits of the 2nd bitmap
 * below it, so the table must have one entry per dumped page in pfn order;
 * entries after the last one are never looked at.  That lets us write in a
 * single pass: reserve the table for the header's pages_dumped (an upper
 * bound of what the reader hands out), write descriptors and data as the
 * pages come, and the bitmaps and headers last.  If the stream turns out
 * longer than the bound, count it exactly and write again.
 *
 * Checked against makedumpfile's diskdump_mod.h and write_kdump_header(),
 * crash's diskdump.c (read_dump_header, cache_page) and libkdumpfile's
 * diskdump.c.  Native-endian, x86_64 sizes: the file describes this machine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

#define KDUMP_SIGNATURE		"KDUMP   "
#define KDUMP_HEADER_VERSION	6

/* page_desc.flags and disk_dump_header.status */
#define DUMP_DH_COMPRESSED_ZLIB		0x1
#define DUMP_DH_COMPRESSED_LZO		0x2
#define DUMP_DH_COMPRESSED_INCOMPLETE	0x8
#define DUMP_DH_COMPRESSED_ZSTD		0x20
#define DUMP_DH_COMPRESSED_ALL		(DUMP_DH_COMPRESSED_ZLIB | \
					 DUMP_DH_COMPRESSED_LZO | \
					 DUMP_DH_COMPRESSED_ZSTD)

struct kdump_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct disk_dump_header {
	char signature[8];		/*   0 "KDUMP   " */
	int32_t header_version;		/*   8 6 */
	struct lkcd_uts utsname;	/*  12 */
	uint8_t pad0[6];		/* 402 struct timeval alignment */
	struct kdump_timeval timestamp;	/* 408 */
	uint32_t status;		/* 424 DUMP_DH_* */
	int32_t block_size;		/* 428 page size */
	int32_t sub_hdr_size;		/* 432 blocks, sub header + notes */
	uint32_t bitmap_blocks;		/* 436 both bitmaps */
	uint32_t max_mapnr;		/* 440 32-bit copy, obsolete */
	uint32_t total_ram_blocks;	/* 444 unused by makedumpfile */
	uint32_t device_blocks;		/* 448 unused */
	uint32_t written_blocks;	/* 452 unused */
	uint32_t current_cpu;		/* 456 */
	int32_t nr_cpus;		/* 460 */
};
_Static_assert(sizeof(struct disk_dump_header) == 464, "disk_dump_header size");
_Static_assert(offsetof(struct disk_dump_header, timestamp) == 408, "timestamp offset");
_Static_assert(offsetof(struct disk_dump_header, nr_cpus) == 460, "nr_cpus offset");

struct kdump_sub_header {
	uint64_t phys_base;		/*   0 */
	int32_t dump_level;		/*   8 since v1: the -d mask */
	int32_t split;			/*  12 since v2 */
	uint64_t start_pfn;		/*  16 since v2, 32-bit copy */
	uint64_t end_pfn;		/*  24 since v2, 32-bit copy */
	int64_t offset_vmcoreinfo;	/*  32 since v3 */
	uint64_t size_vmcoreinfo;	/*  40 since v3 */
	int64_t offset_note;		/*  48 since v4 */
	uint64_t size_note;		/*  56 since v4 */
	int64_t offset_eraseinfo;	/*  64 since v5 */
	uint64_t size_eraseinfo;	/*  72 since v5 */
	uint64_t start_pfn_64;		/*  80 since v6 */
	uint64_t end_pfn_64;		/*  88 since v6 */
	uint64_t max_mapnr_64;		/*  96 since v6 */
};
_Static_assert(sizeof(struct kdump_sub_header) == 104, "kdump_sub_header size");

struct page_desc {
	int64_t offset;			/*  0 file offset of the data */
	uint32_t size;			/*  8 stored bytes */
	uint32_t flags;			/* 12 DUMP_DH_COMPRESSED_* or 0 = raw */
	uint64_t page_flags;		/* 16 0 */
};
_Static_assert(sizeof(struct page_desc) == 24, "page_desc size");

/* put_desc() when the reserved table is full: count the stream, redo. */
#define NEED_MORE_SLOTS	2

struct kdump_layout {
	uint64_t sub_hdr_blocks;
	uint64_t bitmap_bytes;		/* one bitmap, block-rounded */
	uint64_t bitmap_off;		/* 1st bitmap; 2nd follows */
	uint64_t desc_off;
	uint64_t data_off;		/* desc_off + slots * 24 */
	uint64_t slots;			/* descriptors reserved */
};

struct kdump_pass {
	uint8_t *bitmap2;
	uint64_t dumped;		/* descriptors used */
	uint32_t status;		/* compression bits seen */
	int64_t zero_off;		/* shared zero page data, -1 = not yet */
	uint32_t zero_size, zero_flags;
};

static void layout(const struct wctx *w, uint64_t slots, struct kdump_layout *l)
{
	uint64_t ps = w->page_size;

	l->sub_hdr_blocks = wr_div_up(sizeof(struct kdump_sub_header) +
				      w->notes->len, ps);
	l->bitmap_bytes = wr_div_up(wr_div_up(w->max_pfn, 8), ps) * ps;
	l->bitmap_off = (1 + l->sub_hdr_blocks) * ps;
	l->desc_off = l->bitmap_off + 2 * l->bitmap_bytes;
	l->slots = slots;
	l->data_off = l->desc_off + slots * sizeof(struct page_desc);
}

static void bit_set(uint8_t *map, uint64_t bit)
{
	map[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

/* Pass 0: how many descriptors the page stream needs. */
static int count_dumped(struct wctx *w, uint64_t *count)
{
	struct lkcd_page pg;
	int ret;

	*count = 0;
	ret = wr_rewind(w);
	while (!ret && (ret = wr_next(w, &pg)) > 0) {
		if (pg.flags != LKCD_REC_UNREADABLE)
			*count += pg.count;
		ret = 0;
	}
	return ret;
}

static int put_desc(struct wctx *w, struct wout *desc, struct kdump_pass *p,
		    const struct kdump_layout *l, uint64_t pfn,
		    int64_t offset, uint32_t size, uint32_t flags)
{
	struct page_desc pd = {
		.offset = offset,
		.size = size,
		.flags = flags,
	};

	if (p->dumped == l->slots)
		return NEED_MORE_SLOTS;
	bit_set(p->bitmap2, pfn);
	p->dumped++;
	w->st->pages_written++;
	p->status |= flags;
	return wout_append(desc, &pd, sizeof(pd), w->err);
}

/*
 * The page_desc flag a stored page keeps when copied as it is, 0 when it
 * must be re-encoded: zlib (wr_page_zlib copies it), lzo (DUMP_DH_COMPRESSED_LZO:
 * the LZO1X-1 block makedumpfile -l writes; crash, makedumpfile and
 * libkdumpfile read it), zstd when KEEP_ZSTD (readers without zstd exist).
 * lz4 has no kdump flag.
 */
static uint32_t kept_flag(const struct wctx *w, const struct lkcd_page *pg)
{
	if (pg->flags != LKCD_REC_COMPRESSED || pg->stored_size >= w->page_size)
		return 0;
	switch (pg->compress) {
	case LKCD_COMPRESS_LZO:
		return DUMP_DH_COMPRESSED_LZO;
	case LKCD_COMPRESS_ZSTD:
		return (w->opts.flags & LKCD_WRITE_KEEP_ZSTD) ? DUMP_DH_COMPRESSED_ZSTD : 0;
	default:
		return 0;
	}
}

/* One data page: as stored when the format knows the encoding. */
static int put_page(struct wctx *w, struct wout *desc, struct wout *data,
		    struct kdump_pass *p, const struct kdump_layout *l,
		    const struct lkcd_page *pg)
{
	const void *bytes;
	uint32_t size, flags = kept_flag(w, pg);
	bool raw;
	int64_t off = (int64_t)wout_tell(data);
	int ret;

	if (flags) {
		bytes = pg->stored;
		size = pg->stored_size;
		w->st->pages_copied++;
	} else {
		ret = wr_page_zlib(w, pg, &bytes, &size, &raw);
		if (ret)
			return ret;
		flags = raw ? 0 : DUMP_DH_COMPRESSED_ZLIB;
	}
	ret = put_desc(w, desc, p, l, pg->pfn, off, size, flags);
	if (ret)
		return ret;
	return wout_append(data, bytes, size, w->err);
}

/* A run of zero pages: all descriptors point at one stored zero page. */
static int put_zero_run(struct wctx *w, struct wout *desc, struct wout *data,
			struct kdump_pass *p, const struct kdump_layout *l,
			const struct lkcd_page *pg)
{
	uint32_t i;
	int ret;

	if (p->zero_off < 0) {
		const void *bytes;
		uint32_t size;

		ret = wr_zero_zlib(w, &bytes, &size);
		if (ret)
			return ret;
		p->zero_off = (int64_t)wout_tell(data);
		p->zero_size = size;
		p->zero_flags = DUMP_DH_COMPRESSED_ZLIB;
		ret = wout_append(data, bytes, size, w->err);
		if (ret)
			return ret;
	}
	for (i = 0; i < pg->count; i++) {
		ret = put_desc(w, desc, p, l, pg->pfn + i, p->zero_off,
			       p->zero_size, p->zero_flags);
		if (ret)
			return ret;
	}
	w->st->pages_zero += pg->count;
	return 0;
}

static int write_pages(struct wctx *w, const struct kdump_layout *l,
		       struct kdump_pass *p)
{
	struct wout desc, data;
	struct lkcd_page pg;
	int ret;

	ret = wout_init(&desc, &w->sink, l->desc_off, 64 * 1024,
			"kdump page descriptors", &w->st->bytes_written, w->err);
	if (ret)
		return ret;
	ret = wout_init(&data, &w->sink, l->data_off, 1024 * 1024,
			"kdump page data", &w->st->bytes_written, w->err);
	if (ret) {
		wout_free(&desc);
		return ret;
	}
	ret = wr_rewind(w);
	while (!ret && (ret = wr_next(w, &pg)) > 0) {
		switch (pg.flags) {
		case LKCD_REC_UNREADABLE:
			/* Left out of the 2nd bitmap: readers say "excluded". */
			w->st->pages_unreadable += pg.count;
			ret = 0;
			break;
		case LKCD_REC_ZERO:
			ret = put_zero_run(w, &desc, &data, p, l, &pg);
			break;
		default:
			ret = put_page(w, &desc, &data, p, l, &pg);
		}
	}
	if (!ret)
		ret = wout_flush(&desc, w->err);
	if (!ret)
		ret = wout_flush(&data, w->err);
	if (!ret)
		w->st->file_size = wout_tell(&data);
	wout_free(&desc);
	wout_free(&data);
	return ret;
}

static int write_headers(struct wctx *w, const struct kdump_layout *l,
			 const struct kdump_pass *p)
{
	const struct lkcd_dump_header *h = w->hdr;
	struct disk_dump_header dh;
	struct kdump_sub_header kh;
	uint8_t *bitmap1, *block;
	uint64_t first, end, pfn;
	size_t i;
	int ret;

	memset(&dh, 0, sizeof(dh));
	memcpy(dh.signature, KDUMP_SIGNATURE, sizeof(dh.signature));
	dh.header_version = KDUMP_HEADER_VERSION;
	dh.utsname = h->uts;
	dh.timestamp.tv_sec = (int64_t)h->panic_time_sec;
	dh.timestamp.tv_usec = h->panic_time_nsec / 1000;
	dh.status = p->status & DUMP_DH_COMPRESSED_ALL;
	if (h->state == LKCD_STATE_INCOMPLETE)
		dh.status |= DUMP_DH_COMPRESSED_INCOMPLETE;
	dh.block_size = (int32_t)w->page_size;
	dh.sub_hdr_size = (int32_t)l->sub_hdr_blocks;
	dh.bitmap_blocks = (uint32_t)(2 * l->bitmap_bytes / w->page_size);
	dh.max_mapnr = w->max_pfn > UINT32_MAX ? UINT32_MAX : (uint32_t)w->max_pfn;
	dh.current_cpu = h->crashing_cpu;
	dh.nr_cpus = (int32_t)(w->notes->nr_prstatus ? w->notes->nr_prstatus :
			       h->nr_cpus ? h->nr_cpus : 1);

	memset(&kh, 0, sizeof(kh));
	kh.phys_base = w->notes->phys_base;
	kh.dump_level = (int32_t)h->exclude;
	kh.max_mapnr_64 = w->max_pfn;
	if (w->notes->len) {
		kh.offset_note = (int64_t)(w->page_size + sizeof(kh));
		kh.size_note = w->notes->len;
		if (w->notes->have_vmcoreinfo) {
			kh.offset_vmcoreinfo = kh.offset_note +
					       (int64_t)w->notes->vmcoreinfo_off;
			kh.size_vmcoreinfo = w->notes->vmcoreinfo_len;
		}
	}

	/* Header block, then sub header + notes, zero-padded to blocks. */
	block = calloc(1 + l->sub_hdr_blocks, w->page_size);
	bitmap1 = calloc(1, l->bitmap_bytes);
	if (!block || !bitmap1) {
		ret = lkcd_error_set(w->err, -ENOMEM, "kdump: allocating headers and bitmap");
		goto out;
	}
	memcpy(block, &dh, sizeof(dh));
	memcpy(block + w->page_size, &kh, sizeof(kh));
	if (w->notes->len)
		memcpy(block + w->page_size + sizeof(kh), w->notes->blob,
		       w->notes->len);
	for (i = 0; i < w->in->nr_ranges; i++) {
		wr_range_pfns(w, i, &first, &end);
		for (pfn = first; pfn < end; pfn++)
			bit_set(bitmap1, pfn);
	}
	ret = wr_pwrite_full(&w->sink, bitmap1, l->bitmap_bytes, l->bitmap_off,
			     "kdump 1st bitmap", &w->st->bytes_written, w->err);
	if (!ret)
		ret = wr_pwrite_full(&w->sink, p->bitmap2, l->bitmap_bytes,
				     l->bitmap_off + l->bitmap_bytes,
				     "kdump 2nd bitmap", &w->st->bytes_written,
				     w->err);
	/* The header block last: a file cut short has no valid signature. */
	if (!ret)
		ret = wr_pwrite_full(&w->sink, block + w->page_size,
				     l->sub_hdr_blocks * w->page_size,
				     w->page_size, "kdump sub header and notes",
				     &w->st->bytes_written, w->err);
	if (!ret)
		ret = wr_pwrite_full(&w->sink, block, w->page_size, 0,
				     "kdump header", &w->st->bytes_written,
				     w->err);
out:
	free(block);
	free(bitmap1);
	return ret;
}

static int plausible_bound(const struct wctx *w, uint64_t *slots)
{
	uint64_t n = w->hdr->pages_dumped;

	if (!n || n > w->max_pfn)
		return 0;
	*slots = n;
	return 1;
}

static int write_kdump(struct wctx *w)
{
	struct kdump_layout l;
	struct kdump_pass p;
	uint64_t slots;
	int attempt, ret;

	memset(&p, 0, sizeof(p));
	if (!plausible_bound(w, &slots)) {
		ret = count_dumped(w, &slots);
		if (ret)
			return ret;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		layout(w, slots, &l);
		free(p.bitmap2);
		memset(&p, 0, sizeof(p));
		p.zero_off = -1;
		p.bitmap2 = calloc(1, l.bitmap_bytes);
		if (!p.bitmap2)
			return lkcd_error_set(w->err, -ENOMEM,
					      "kdump: allocating a %llu-byte bitmap",
					      (unsigned long long)l.bitmap_bytes);
		w->st->pages_written = w->st->pages_zero = 0;
		w->st->pages_copied = w->st->pages_recompressed = 0;
		w->st->pages_unreadable = 0;
		ret = write_pages(w, &l, &p);
		if (ret != NEED_MORE_SLOTS)
			break;
		/* More pages than the header promised: count, then redo. */
		ret = count_dumped(w, &slots);
		if (ret)
			break;
		ret = NEED_MORE_SLOTS;
	}
	if (ret == NEED_MORE_SLOTS)
		ret = lkcd_error_set(w->err, -EIO,
				     "kdump: the page stream changed between passes (%llu descriptors reserved)",
				     (unsigned long long)slots);
	if (!ret)
		ret = write_headers(w, &l, &p);
	if (!ret && w->st->file_size < l.data_off)
		w->st->file_size = l.data_off;
	free(p.bitmap2);
	return ret;
}

const struct wr_format_ops wr_kdump_ops = {
	.name = "kdump",
	.write = write_kdump,
};
