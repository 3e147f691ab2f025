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
/* The ELF notes (PT_NOTE contents, concatenated); *len 0 when none. */
void lkcd_source_notes(const struct lkcd_source *src, const void **notes,
		       size_t *len);

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

/* A damaged part of the dump, reported and skipped. */
struct lkcd_problem {
	uint64_t pfn;		/* first pfn affected, or UINT64_MAX if unknown */
	uint64_t block_seq;	/* storage block where it was seen */
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

#endif /* LIBLKCD_H */
