/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Random access to the memory a preserved dump holds: what `lkcd save` of a
 * live snapshot needs for the VMCOREINFO note and the kernel log, since
 * /dev/lkcd holds only the snapshot's own blocks, not the memory they
 * describe (a capture kernel instead has all of it in /proc/vmcore).
 *
 * Memory is bounded by a constant whatever the dump's size: no copy of the
 * dump is kept, a read that misses the few windows of expanded pages kept
 * walks the dump again (through a reader of its own) for the window that
 * holds it.
 */
#ifndef LKCD_DUMP_MEM_H
#define LKCD_DUMP_MEM_H

#include <stddef.h>
#include <stdint.h>
#include "liblkcd.h"

struct lkcd_dump_mem;

/*
 * Random access to dump's memory (dump itself is not moved: reads walk a
 * reader of their own over its source).  Damaged records are skipped by
 * the reader as usual.  0 or a negative errno with err set.
 */
int lkcd_dump_mem_load(struct lkcd_dump *dump, struct lkcd_dump_mem **out,
		       struct lkcd_error *err);
void lkcd_dump_mem_free(struct lkcd_dump_mem *m);

/*
 * lkcd_read_phys_fn over the loaded dump (ctx: the lkcd_dump_mem): 0, or
 * -EFAULT when a byte is in no record (excluded, unreadable, not RAM).
 */
int lkcd_dump_mem_read(void *ctx, uint64_t paddr, void *buf, size_t len);

/* Walks of the dump made so far (tests). */
uint64_t lkcd_dump_mem_passes(const struct lkcd_dump_mem *m);

#endif /* LKCD_DUMP_MEM_H */
