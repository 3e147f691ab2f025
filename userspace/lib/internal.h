/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkcd internals shared by several lib files (not installed; nothing
 * outside userspace/lib includes it: the lkcd program is built without
 * -I userspace/lib).
 *
 *  - struct lkcd_source: every kind of memory source reduces to a sorted
 *    table of segments (physical range -> where its bytes are), so one read
 *    path serves ELF vmcores, raw images and buffers;
 */
#ifndef LKCD_INTERNAL_H
#define LKCD_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "liblkcd.h"

/* One piece of physical memory and where its bytes come from. */
struct lkcd_segment {
	uint64_t paddr;		/* first byte */
	uint64_t size;		/* bytes of physical memory (p_memsz) */
	uint64_t offset;	/* file offset (or buffer offset) of paddr */
	uint64_t filesz;	/* bytes present there; the rest reads as zero */
};

/* mmap windows of a source file (lkcd_source_use_mmap) */
#define LKCD_SOURCE_WIN		(4u << 20)
#define LKCD_SOURCE_NR_WIN	8

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

	/*
	 * Reads through mmap windows of the file instead of pread
	 * (lkcd_source_use_mmap): /proc/vmcore, where every pread of the
	 * crashed kernel's memory maps and unmaps each page it touches.
	 */
	bool mmap_reads;
	struct lkcd_source_window {
		uint64_t off;		/* file offset, LKCD_SOURCE_WIN aligned */
		size_t len;		/* 0 = unused */
		const uint8_t *addr;
		uint64_t last_use;
	} win[LKCD_SOURCE_NR_WIN];
	uint64_t win_clock;
};

struct lkcd_source *lkcd_source_alloc(enum lkcd_source_kind kind,
				      const char *name);
/*
 * Take ownership of segs (sorted, non-overlapping, size > 0) and build the
 * merged range table.  0 or -ENOMEM.
 */
int lkcd_source_set_segments(struct lkcd_source *src,
			     struct lkcd_segment *segs, size_t nr);
/*
 * Read src's file through read-only mmap windows (LKCD_SOURCE_WIN bytes,
 * the LKCD_SOURCE_NR_WIN last used kept) instead of pread.  For
 * /proc/vmcore, whose read path maps and unmaps every page of the crashed
 * kernel's memory it copies (and flushes the TLB doing it), while its mmap
 * maps a window's pages at once, as makedumpfile reads it.  A window mmap
 * refuses turns the windows off for good: pread takes over.  Returns
 * whether they are on.
 */
bool lkcd_source_use_mmap(struct lkcd_source *src);
/* Append a note (printf-style) to src->warning, "; "-separated. */
void lkcd_source_warn(struct lkcd_source *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * One kind of file a source opens (the factory, source_open.c, holds the
 * table): probe says whether a file starting with magic is of this kind
 * (NULL: the kind taken when no other claims it); open builds the source
 * on an already open fd (which it owns on success).
 */
struct lkcd_source_kind_ops {
	enum lkcd_source_kind kind;
	bool (*probe)(const unsigned char *magic, size_t len);
	int (*open)(int fd, const char *name, struct lkcd_source **out,
		    struct lkcd_error *err);
};
extern const struct lkcd_source_kind_ops lkcd_source_elf_ops;	/* source_elf.c */
extern const struct lkcd_source_kind_ops lkcd_source_raw_ops;	/* source_raw.c */

/*
 * Problem lists (error.c).  lkcd_problem_vset() fills every field of p, the
 * reason from fmt.  A growing list: lkcd_problem_push() appends an entry
 * (NULL when out of memory) for the caller to set; the list's owner frees
 * l->v.
 */
void lkcd_problem_vset(struct lkcd_problem *p, uint64_t pfn, uint64_t block_seq,
		       uint64_t id, uint64_t seq, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));
struct lkcd_problem_list {
	struct lkcd_problem *v;
	size_t nr, cap;
};
struct lkcd_problem *lkcd_problem_push(struct lkcd_problem_list *l);

/*
 * A second reader of the same dump (reader.c): its own walk over the same
 * source, for dump_mem.c's passes while the first one is being iterated.
 */
int lkcd_dump_reopen(const struct lkcd_dump *d, struct lkcd_dump **out,
		     struct lkcd_error *err);





#endif /* LKCD_INTERNAL_H */
