/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Page iterators for writing a plain vmcore (lkcd save's /proc/vmcore
 * fallback) the way lkcd.ko writes a dump: filtered by page class like
 * makedumpfile -d, and zlib-compressed.
 *
 *   source pages (write_iter_source.c) -> filter (write_iter_filter.c)
 *                                      -> zlib (write_iter_zlib.c) -> writer
 */
#ifndef LKCD_PAGE_FILTER_H
#define LKCD_PAGE_FILTER_H

#include <stdint.h>
#include "liblkcd.h"
#include "page_class.h"

/* What the filter saw in one pass, in pages. */
struct lkcd_filter_stats {
	uint64_t seen[LKCD_PAGE_NR];	/* per class, all RAM pages looked at */
	uint64_t dropped[LKCD_PAGE_NR];	/* of those, left out unread */
	uint64_t zero;			/* zero pages written (as ZERO records) */
	uint64_t unreadable;		/* pages the source could not read */
	uint64_t data;			/* pages written with their data */
};

/*
 * The pages of src, with the classes exclude names left out (never read).
 * Zero pages are handed out as ZERO records whatever the mask (see
 * write_iter_filter.c).  pc may be NULL (no usable VMCOREINFO): then every
 * page is handed out.  stats (owned
 * by the caller, must outlive the iterator) restarts at each rewind, so it
 * describes the last pass.  Close with lkcd_filter_iter_close().
 */
int lkcd_filter_iter_open(struct lkcd_source *src, uint32_t page_size,
			  struct lkcd_page_classifier *pc, uint32_t exclude,
			  struct lkcd_filter_stats *stats, struct lkcd_page_iter *it,
			  struct lkcd_error *err);
void lkcd_filter_iter_close(struct lkcd_page_iter *it);

/*
 * How many pages the filter will hand out at most (every RAM page of src
 * whose class exclude keeps; zero pages included): struct pages only, no
 * page is read.  A tight bound for the header's pages_dumped, which the
 * kdump writer reserves page descriptors for.
 */
uint64_t lkcd_filter_count(struct lkcd_source *src, uint32_t page_size,
			   struct lkcd_page_classifier *pc, uint32_t exclude);

/*
 * RAW pages of inner re-encoded as zlib COMPRESSED records (level 1, as
 * lkcd.ko compresses) when that saves space; everything else passed as is.
 * Writers then copy the zlib data instead of storing raw pages.  inner
 * must outlive it.  Close with lkcd_zlib_iter_close().
 */
int lkcd_zlib_iter_open(const struct lkcd_page_iter *inner, uint32_t page_size,
			struct lkcd_page_iter *it, struct lkcd_error *err);
void lkcd_zlib_iter_close(struct lkcd_page_iter *it);

#endif /* LKCD_PAGE_FILTER_H */
