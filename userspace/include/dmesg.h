/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crashed kernel's log: decode the printk lockless ring buffer (Linux
 * 5.10+, kernel/printk/printk_ringbuffer.[ch]) from physical memory, using
 * only what VMCOREINFO exports (log_buf_vmcoreinfo_setup() in printk.c):
 * SYMBOL(prb), SIZE/OFFSET of printk_ringbuffer, prb_desc_ring,
 * prb_data_ring, prb_desc, prb_data_blk_lpos, printk_info,
 * dev_printk_info, atomic_long_t.
 *
 * Memory is reached through a caller's read_phys callback, so the same code
 * works over an ELF vmcore, an lkcd preserved dump or a kdump file.
 * Kernel virtual addresses are translated by kmem.h: kernel-image
 * addresses with NUMBER(phys_base), everything else (the direct map, where
 * a log_buf_len= buffer lives) by walking the kernel's page tables from
 * SYMBOL(init_top_pgt).
 *
 * Output is what `makedumpfile --dump-dmesg` writes for these kernels, one
 * line per record in sequence order:
 *
 *	[    1.234567] text
 *	               second line of a multi-line record
 *
 * with bytes that are neither printable nor white space written as \xNN.
 * Differences from makedumpfile (both deliberate, both what the kernel's own
 * dmesg does): a byte >= 0x80 is written \xe9, not makedumpfile's
 * sign-extended \xffffffe9; a record with empty text is written as an
 * empty line, not dropped.
 *
 * Everything read is untrusted: ring sizes are capped, every id, lpos and
 * length is checked, the loop is bounded by the descriptor count, output is
 * capped.  A damaged record is skipped and noted, never fatal; only a ring
 * buffer that cannot be located at all is an error.
 */
#ifndef LKCD_DMESG_H
#define LKCD_DMESG_H

#include <stdint.h>
#include <stdio.h>
#include "liblkcd.h"
#include "vmcoreinfo.h"
#include "kmem.h"

/* A read_phys over a struct lkcd_source (ctx is the source). */
int lkcd_dmesg_read_source(void *ctx, uint64_t paddr, void *buf, size_t len);

/* lkcd_dmesg_write() flags */
#define LKCD_DMESG_LEVEL	0x1	/* "<pri>" prefix, as dmesg -r (facility*8+level) */
#define LKCD_DMESG_CALLER	0x2	/* "[T123]" / "[C1]" after the time, as PRINTK_CALLER */
#define LKCD_DMESG_DICT		0x4	/* " SUBSYSTEM=x" / " DEVICE=y" lines, as /dev/kmsg */
#define LKCD_DMESG_NOTES	0x8	/* a "[lkcd: ...]" line where a record was skipped */

/* Output cap when opts->max_output is 0. */
#define LKCD_DMESG_DEFAULT_MAX_OUTPUT	(256ull << 20)

#define LKCD_DMESG_MAX_PROBLEMS	32
/*
 * Damaged records in a row after which the walk gives up: a ring whose
 * head and tail ids are garbage could otherwise send it through 2^28
 * descriptors that all miss.
 */
#define LKCD_DMESG_MAX_CONSECUTIVE_BAD	4096

struct lkcd_dmesg_stats {
	uint64_t records;	/* records written */
	uint64_t skipped;	/* damaged or unreadable records left out */
	uint64_t reusable;	/* slots already recycled (normal at the tail) */
	uint64_t in_progress;	/* reserved by a writer, never committed */
	uint64_t truncated;	/* text cut to what its data block holds */
	uint64_t first_seq;	/* of the records written; UINT64_MAX if none */
	uint64_t last_seq;
	uint64_t bytes;		/* bytes written */
	int output_capped;	/* stopped at max_output */
	int gave_up;		/* stopped after MAX_CONSECUTIVE_BAD damaged records */
	size_t nr_problems;	/* entries used in problems[] (<= MAX) */
	/* the skipped records: id and seq set, pfn and block_seq UINT64_MAX */
	struct lkcd_problem problems[LKCD_DMESG_MAX_PROBLEMS];
};

struct lkcd_dmesg_opts {
	unsigned int flags;	/* LKCD_DMESG_* */
	uint64_t max_output;	/* bytes; 0 = LKCD_DMESG_DEFAULT_MAX_OUTPUT */
};

/*
 * Write the kernel log to out.  opts and stats may be NULL.  Returns the
 * number of records written (>= 0; damaged records are skipped and counted
 * in stats), or a negative errno when the ring buffer cannot be found or
 * read at all (-ENOENT: VMCOREINFO lacks what is needed; -EFAULT: its
 * memory is not in the dump; -EINVAL: its header is nonsense; -EIO: out
 * failed), with err naming what and why.
 */
int lkcd_dmesg_write(const struct lkcd_vmcoreinfo *vi,
		     lkcd_read_phys_fn read_phys, void *ctx,
		     const struct lkcd_dmesg_opts *opts, FILE *out,
		     struct lkcd_dmesg_stats *stats, struct lkcd_error *err);

#endif /* LKCD_DMESG_H */
