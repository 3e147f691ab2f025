/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkcd internals shared by several lib files (not installed).
 *
 *  - full-read helper over pread;
 *  - struct lkcd_source: every kind of memory source reduces to a sorted
 *    table of segments (physical range -> where its bytes are), so one read
 *    path serves ELF vmcores, raw images and buffers;
 *  - the header encoder (tests; the packer seals the same way in the kernel).
 */
#ifndef LKCD_INTERNAL_H
#define LKCD_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "liblkcd.h"

/*
 * Read exactly len bytes at off, looping over short reads and EINTR.
 * 0, -EIO when the file ends first, or -errno.
 */
int lkcd_pread_full(int fd, void *buf, size_t len, uint64_t off);

/* One piece of physical memory and where its bytes come from. */
struct lkcd_segment {
	uint64_t paddr;		/* first byte */
	uint64_t size;		/* bytes of physical memory (p_memsz) */
	uint64_t offset;	/* file offset (or buffer offset) of paddr */
	uint64_t filesz;	/* bytes present there; the rest reads as zero */
};

struct lkcd_source {
	enum lkcd_source_kind kind;
	int fd;				/* -1 for a buffer source */
	const uint8_t *buf;		/* buffer source: caller-owned */
	uint64_t file_size;		/* bytes in the file or buffer */
	char *name;			/* path, for messages */

	struct lkcd_segment *segs;	/* sorted by paddr, not overlapping */
	size_t nr_segs;
	struct lkcd_mem_range *ranges;	/* segs merged where adjacent */
	size_t nr_ranges;

	void *notes;			/* PT_NOTE contents, concatenated */
	size_t notes_len;
	uint64_t direct_map_base;	/* p_vaddr - p_paddr of RAM loads, 0 = unknown */

	char warning[256];		/* what was dropped while opening, or "" */
};

struct lkcd_source *lkcd_source_alloc(enum lkcd_source_kind kind,
				      const char *name);
/*
 * Take ownership of segs (sorted, non-overlapping, size > 0) and build the
 * merged range table.  0 or -ENOMEM.
 */
int lkcd_source_set_segments(struct lkcd_source *src,
			     struct lkcd_segment *segs, size_t nr);
/* Append a note (printf-style) to src->warning, "; "-separated. */
void lkcd_source_warn(struct lkcd_source *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Open by kind on an already open fd (the source owns fd on success). */
int lkcd_source_open_elf(int fd, const char *name, struct lkcd_source **out,
			 struct lkcd_error *err);
int lkcd_source_open_raw(int fd, const char *name, struct lkcd_source **out,
			 struct lkcd_error *err);

/* What a source dropped while opening (truncated loads, bad notes), or NULL. */
const char *lkcd_source_warning(const struct lkcd_source *src);

/*
 * Build a header page (LKCD_PAGE_SIZE bytes at page) from h and its ranges
 * the way the dumper seals it: little-endian fields, header_size and
 * nr_ranges taken from the arguments, range table at header_size, the rest
 * zero, crc computed over the whole page with crc taken as zero.  For tests
 * and tools; h->crc, h->header_size and h->nr_ranges are ignored.
 */
void lkcd_header_encode(const struct lkcd_dump_header *h,
			const struct lkcd_mem_range *ranges, uint32_t nr_ranges,
			void *page);
/* The crc a header page should carry (crc field taken as zero). */
uint32_t lkcd_header_crc(const void *page);

/*
 * lkcd_source_page_iter_open() with a drop callback, asked about every pfn
 * in ascending order before it is read: true leaves the page out unread.
 */
int lkcd_source_page_iter_open_filtered(struct lkcd_source *src, uint32_t page_size,
					bool (*drop)(void *ctx, uint64_t pfn), void *drop_ctx,
					struct lkcd_page_iter *it, struct lkcd_error *err);

/* Errors lkcd_header_decode returns, so callers can tell "no header" apart. */
#define LKCD_EHDR_MAGIC		(-ENODATA)	/* no lkcd header here */
#define LKCD_EHDR_VERSION	(-EPROTONOSUPPORT)
#define LKCD_EHDR_CORRUPT	(-EBADMSG)	/* crc, sizes, ranges, strings */

#endif /* LKCD_INTERNAL_H */
