/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Random access to the memory a preserved dump holds: what `lkcd save` of a
 * live snapshot needs for the VMCOREINFO note and the kernel log, since
 * /dev/lkcd holds only the snapshot's own blocks, not the memory they
 * describe (a capture kernel instead has all of it in /proc/vmcore).
 *
 * One pass over the dump copies every record's stored bytes into memory
 * (stored_bytes of the header: the compressed size) with a sorted index;
 * reads then expand the pages they touch.
 */
#ifndef LKCD_DUMP_MEM_H
#define LKCD_DUMP_MEM_H

#include <stddef.h>
#include <stdint.h>
#include "liblkcd.h"

struct lkcd_dump_mem;

/* Most stored bytes loaded; a bigger dump is refused (-E2BIG). */
#define LKCD_DUMP_MEM_MAX	(1ull << 30)

/*
 * Index the dump (rewinds it before and after).  Damaged records are
 * skipped by the reader as usual.  0 or a negative errno with err set.
 */
int lkcd_dump_mem_load(struct lkcd_dump *dump, struct lkcd_dump_mem **out,
		       struct lkcd_error *err);
void lkcd_dump_mem_free(struct lkcd_dump_mem *m);

/*
 * lkcd_read_phys_fn over the loaded dump (ctx: the lkcd_dump_mem): 0, or
 * -EFAULT when a byte is in no record (excluded, unreadable, not RAM).
 */
int lkcd_dump_mem_read(void *ctx, uint64_t paddr, void *buf, size_t len);

#endif /* LKCD_DUMP_MEM_H */
