/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkcd: read lkcd preserved dumps from a memory source and write them out
 * in the formats crash, makedumpfile, drgn and libkdumpfile read.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; when a struct lkcd_error is passed it receives a message
 * that names the thing and the reason.  The library never prints and never
 * exits.
 */
#ifndef LIBLKCD_H
#define LIBLKCD_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lkcd/format.h"

struct lkcd_error {
	int code;		/* negative errno */
	char msg[512];
};

/* Set err (if not NULL) and return code; printf-style message. */
int lkcd_error_set(struct lkcd_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- whole reads and writes (io.c) ---- */

/*
 * All of len bytes at off (pread, pwrite) or at the file position (write),
 * looping over short transfers and EINTR.  0; -EIO when the file ends
 * before len bytes are read, -ENOSPC when a write makes no progress,
 * -EOVERFLOW past the largest file offset; else -errno.
 */
int lkcd_pread_full(int fd, void *buf, size_t len, uint64_t off);
int lkcd_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
int lkcd_write_full(int fd, const void *buf, size_t len);

/* ---- memory sources: physical memory of the crashed kernel ---- */

struct lkcd_source;

enum lkcd_source_kind {
	LKCD_SOURCE_AUTO = 0,	/* guess from the content: ELF magic, else raw */
	LKCD_SOURCE_ELF,	/* ELF vmcore: /proc/vmcore, dump-guest-memory */
	LKCD_SOURCE_RAW,	/* raw image: file offset == physical address */
};

int lkcd_source_open(const char *path, enum lkcd_source_kind kind,
		     struct lkcd_source **out, struct lkcd_error *err);
/*
 * A source over a caller-owned buffer indexed by physical address, with
 * only the given ranges present (tests: simulated physical memory).
 */
int lkcd_source_open_buffer(const void *buf, uint64_t len,
			    const struct lkcd_mem_range *ranges, size_t nr_ranges,
			    struct lkcd_source **out, struct lkcd_error *err);
void lkcd_source_close(struct lkcd_source *src);

/* Read len bytes at paddr; -EFAULT when any byte is outside the source. */
int lkcd_source_read(struct lkcd_source *src, uint64_t paddr, void *buf,
		     size_t len, struct lkcd_error *err);
/* The physical ranges the source holds, sorted, not overlapping. */
size_t lkcd_source_ranges(const struct lkcd_source *src,
			  const struct lkcd_mem_range **ranges);
/*
 * The kernel's direct-map base (x86_64 page_offset_base) as an ELF
 * vmcore's RAM loads state it (p_vaddr - p_paddr); 0 when the source does
 * not say (raw images, dump-guest-memory without paging).
 */
uint64_t lkcd_source_direct_map_base(const struct lkcd_source *src);
/* The ELF notes (PT_NOTE contents, concatenated); *len 0 when none. */
void lkcd_source_notes(const struct lkcd_source *src, const void **notes,
		       size_t *len);
/* What a source dropped while opening (truncated loads, bad notes), or NULL. */
const char *lkcd_source_warning(const struct lkcd_source *src);

/* ---- the preserved-dump header ---- */

/*
 * Validate and decode a header page (len bytes, normally LKCD_PAGE_SIZE):
 * magic, version, header_size, crc, state, page size, range table.  out gets
 * host-endian values; ranges (may be NULL) gets up to max_ranges entries.
 */
int lkcd_header_decode(const void *page, size_t len,
		       struct lkcd_dump_header *out,
		       struct lkcd_mem_range *ranges, size_t max_ranges,
		       struct lkcd_error *err);
/* Errors lkcd_header_decode returns, so callers can tell "no header" apart. */
#define LKCD_EHDR_MAGIC		(-ENODATA)	/* no lkcd header here */
#define LKCD_EHDR_VERSION	(-EPROTONOSUPPORT)
#define LKCD_EHDR_CORRUPT	(-EBADMSG)	/* crc, sizes, ranges, strings */
/*
 * Build a header page (LKCD_PAGE_SIZE bytes at page) from h and its ranges
 * the way the dumper seals it: little-endian fields, header_size and
 * nr_ranges taken from the arguments, range table at header_size, the rest
 * zero, crc computed over the whole page with crc taken as zero (the
 * /proc/vmcore fallback's made-up header, tests).  h->crc, h->header_size
 * and h->nr_ranges are ignored.
 */
void lkcd_header_encode(const struct lkcd_dump_header *h,
			const struct lkcd_mem_range *ranges, uint32_t nr_ranges,
			void *page);
/* The crc a header page should carry (crc field taken as zero). */
uint32_t lkcd_header_crc(const void *page);

/* ---- the preserved-dump reader ---- */

struct lkcd_dump;

/* One record of the dump as the reader hands it out. */
struct lkcd_page {
	uint64_t pfn;		/* first page */
	uint32_t count;		/* pages covered (zero/unreadable runs > 1) */
	uint32_t flags;		/* LKCD_REC_* */
	uint32_t compress;	/* LKCD_COMPRESS_* when LKCD_REC_COMPRESSED */
	uint32_t stored_size;
	const void *stored;	/* valid until the next lkcd_dump_next() */
};

/*
 * A damaged part, reported and skipped: the one problem type of every
 * liblkcd list (the dump reader's, lkcd_dump_problems(); a DUMPDEV's,
 * lkcd_dumpdev_problems(); the kernel log walk's, struct
 * lkcd_dmesg_stats).  A field that does not apply is UINT64_MAX.
 */
struct lkcd_problem {
	uint64_t pfn;		/* first pfn affected; UINT64_MAX: unknown, or
				 * not about a page (the kernel log) */
	uint64_t block_seq;	/* storage block where it was seen; UINT64_MAX:
				 * none (a DUMPDEV, the kernel log) */
	uint64_t id;		/* kernel log: the record's descriptor id */
	uint64_t seq;		/* kernel log: its sequence number, if known */
	char reason[160];
};

int lkcd_dump_open(struct lkcd_source *src, uint64_t header_paddr,
		   struct lkcd_dump **out, struct lkcd_error *err);
void lkcd_dump_close(struct lkcd_dump *dump);
const struct lkcd_dump_header *lkcd_dump_header(const struct lkcd_dump *dump);
size_t lkcd_dump_ranges(const struct lkcd_dump *dump,
			const struct lkcd_mem_range **ranges);
/* Restart iteration from the first record. */
int lkcd_dump_rewind(struct lkcd_dump *dump, struct lkcd_error *err);
/*
 * Next good record, in ascending pfn order: 1 when *pg was filled, 0 at the
 * end, negative errno when reading cannot go on at all.  Damaged records and
 * blocks are skipped and added to the problem list.
 */
int lkcd_dump_next(struct lkcd_dump *dump, struct lkcd_page *pg,
		   struct lkcd_error *err);
/* Expand one page of a record (index 0..count-1) into page_size bytes. */
int lkcd_page_expand(const struct lkcd_page *pg, uint32_t index, void *out,
		     size_t page_size, struct lkcd_error *err);
size_t lkcd_dump_problems(const struct lkcd_dump *dump,
			  const struct lkcd_problem **problems);


/* ---- writers: the saved dump in the formats real tools read ---- */

/*
 * The pages to write, in ascending pfn order, as the reader hands them out.
 * next: 1 when *pg was filled, 0 at the end, negative errno on failure.
 * rewind: start again from the first page (writers may make two passes).
 * lkcd_dump_page_iter() fills one over an open dump.
 */
struct lkcd_page_iter {
	void *ctx;
	int (*next)(void *ctx, struct lkcd_page *pg, struct lkcd_error *err);
	int (*rewind)(void *ctx, struct lkcd_error *err);
};

void lkcd_dump_page_iter(struct lkcd_dump *dump, struct lkcd_page_iter *it);

/*
 * Pages of a memory source (a plain vmcore): RAW pages, ZERO runs,
 * UNREADABLE runs, over lkcd_source_ranges().  Close frees the iterator.
 */
int lkcd_source_page_iter_open(struct lkcd_source *src, uint32_t page_size,
			       struct lkcd_page_iter *it, struct lkcd_error *err);
/*
 * The same with a drop callback, asked about every pfn in ascending order
 * before it is read: true leaves the page out unread.
 */
int lkcd_source_page_iter_open_filtered(struct lkcd_source *src, uint32_t page_size,
					bool (*drop)(void *ctx, uint64_t pfn), void *drop_ctx,
					struct lkcd_page_iter *it, struct lkcd_error *err);
void lkcd_source_page_iter_close(struct lkcd_page_iter *it);

/*
 * Scrubbing: physical ranges [start, end) zeroed on the way out.
 * lkcd_scrub_parse() reads "START-END" (END inclusive) or "START+SIZE"
 * (K/M/G suffix) items separated by commas or spaces into a sorted, merged,
 * malloc'ed array (*nr 0 and *out NULL for an empty spec).
 */
struct lkcd_scrub_range {
	uint64_t start, end;
};

struct lkcd_scrub_stats {
	uint64_t pages_whole;		/* pages written as zero pages */
	uint64_t pages_partial;		/* pages with some bytes zeroed */
	uint64_t bytes_partial;		/* bytes zeroed in those */
	uint64_t pages_undecodable;	/* partly inside, not decodable: left out */
};

int lkcd_scrub_parse(const char *spec, struct lkcd_scrub_range **out, size_t *nr,
		     struct lkcd_error *err);
/* Zero the bytes of buf (memory at paddr) inside the ranges; returns how many. */
uint64_t lkcd_scrub_bytes(const struct lkcd_scrub_range *r, size_t nr, uint64_t paddr,
			  void *buf, size_t len);
/*
 * Wrap inner: pages wholly inside a range come out as ZERO records, pages
 * partly inside as RAW with those bytes zeroed; stats count this pass.
 * ranges and stats must outlive the iterator.  Close frees it.
 */
int lkcd_scrub_iter_open(const struct lkcd_scrub_range *ranges, size_t nr,
			 uint32_t page_size, const struct lkcd_page_iter *inner,
			 struct lkcd_scrub_stats *stats, struct lkcd_page_iter *out,
			 struct lkcd_error *err);
void lkcd_scrub_iter_close(struct lkcd_page_iter *it);

enum lkcd_out_format {
	LKCD_OUT_KDUMP = 0,	/* kdump-compressed (makedumpfile's format), the default */
	LKCD_OUT_LKCD,		/* LKCD v8 (crash, libkdumpfile) */
	LKCD_OUT_ELF,		/* ELF64 core, like /proc/vmcore */
};

/* "kdump", "lkcd", "elf"; 0 or -EINVAL. */
int lkcd_out_format_parse(const char *name, enum lkcd_out_format *out);
const char *lkcd_out_format_name(enum lkcd_out_format fmt);

/* What the writer gets: everything but the pages is only read. */
struct lkcd_write_input {
	const struct lkcd_dump_header *hdr;	/* decoded preserved-dump header */
	const struct lkcd_mem_range *ranges;	/* System RAM, sorted */
	size_t nr_ranges;
	const void *notes;			/* PT_NOTE blob: NT_PRSTATUS, VMCOREINFO */
	size_t notes_len;
	struct lkcd_page_iter pages;
};

/*
 * Writer options; all zero is the most widely readable output.
 * KEEP_ZSTD: keep zstd pages as kdump's DUMP_DH_COMPRESSED_ZSTD instead of
 *   recompressing them to zlib (crash >= 8.0.1 and libkdumpfile read zstd;
 *   makedumpfile built without zstd, like Debian 12's 1.7.2, does not).
 * LIVE_MAGIC: LKCD output of a live dump gets LKCD's live magic
 *   (crash reads it; libkdumpfile 0.5 refuses it).
 * direct_map_base: ELF p_vaddr = base + paddr for RAM; 0 = unknown (p_vaddr 0).
 */
#define LKCD_WRITE_KEEP_ZSTD	0x1
#define LKCD_WRITE_LIVE_MAGIC	0x2
/*
 * FLATTENED: makedumpfile's flattened format, for a pipe or a socket: a
 * 4096-byte "makedumpfile" header, then (offset, size) records, big-endian,
 * and an end marker; `makedumpfile -R FILE` turns it back into the file
 * (crash reads it as is).  fd may then be any writable fd.
 */
#define LKCD_WRITE_FLATTENED	0x4
/*
 * DIRECT: when fd is a regular file, the writer's large aligned writes (the
 * pages, in 1 MiB pieces) go around the page cache (O_DIRECT, set on fd for
 * each such write and cleared after); the rest, and every write on a file
 * system that refuses O_DIRECT, through the page cache as without it.  The
 * file's bytes are the same either way.  For a capture kernel saving its
 * dump: no copy into the page cache and no dirty pages to write back (under
 * QEMU TCG, 29 MiB written and fsynced in 0.04-0.06 s instead of 0.17-0.20 s),
 * and the small memory of a crashkernel= region is not filled with them.
 * The caller still fsyncs: the file's size and extents are metadata.
 */
#define LKCD_WRITE_DIRECT	0x8

struct lkcd_write_opts {
	uint32_t flags;
	uint64_t direct_map_base;
};

struct lkcd_write_stats {
	uint64_t bytes_written;		/* bytes handed to the fd */
	uint64_t bytes_direct;		/* of those, written O_DIRECT (LKCD_WRITE_DIRECT) */
	uint64_t file_size;		/* size of the file (ELF holes included) */
	uint64_t pages_written;		/* pages readable in the output, zero pages too */
	uint64_t pages_zero;		/* of those, zero pages */
	uint64_t pages_copied;		/* compressed pages copied as stored */
	uint64_t pages_recompressed;	/* pages re-encoded for the format */
	uint64_t pages_unreadable;	/* left out: the dumper could not read them */
	uint32_t passes;		/* passes over the page stream */
	uint32_t notes_truncated;	/* 1 when a malformed notes tail was dropped */
	/*
	 * From VMCOREINFO, for the summary: LKCD v8 files cannot carry them,
	 * and crash needs them for a relocated x86_64 kernel:
	 *   crash --kaslr <kernel_offset> --machdep phys_base=<phys_base> ...
	 */
	uint32_t have_vmcoreinfo;	/* 1 when the notes had VMCOREINFO */
	uint64_t phys_base;		/* NUMBER(phys_base), two's complement */
	uint64_t kernel_offset;		/* KERNELOFFSET */
};

/*
 * Write the dump to fd (a regular file opened for writing; the writer uses
 * pwrite at absolute offsets from 0 and never closes it).  opts and stats
 * may be NULL.  Returns 0 or a negative errno with err set (-ENOSPC on a
 * full disk, -EINVAL on a page stream that breaks the format rules).
 */
int lkcd_write_dump(int fd, enum lkcd_out_format fmt,
		    const struct lkcd_write_input *in,
		    const struct lkcd_write_opts *opts,
		    struct lkcd_write_stats *stats, struct lkcd_error *err);

#endif /* LIBLKCD_H */
