/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * DUMPDEV: the raw dump device of the three-boot flow.  The capture kernel
 * copies the preserved dump (include/lkcd/format.h) onto a raw partition or
 * disk and reboots; at the next normal boot `lkcd save` turns it into
 * DUMPDIR/<N>/ and marks the device SAVED.  Specification:
 * Documentation/format.rst, "The dump device".
 *
 * What is stored is the preserved dump itself, not a finished kdump file:
 * the header page (with its range table), the ELF notes of /proc/vmcore
 * (NT_PRSTATUS per CPU, VMCOREINFO: needed for kdump/ELF output and dmesg),
 * the record stream exactly as the reader hands it out (compressed records
 * are copied, never recompressed), and the damaged parts the reader
 * skipped.  The capture kernel does the least work in the least memory,
 * and the output format is chosen at save time.
 *
 * Layout (all offsets multiples of 4096, all fields little-endian):
 *
 *   0          struct lkcd_dumpdev_super (512 bytes, one sector), zero to 4096
 *   4096       the header page, 4096 bytes, as preserved
 *   notes      notes_size bytes of ELF notes
 *   records    records_size bytes: struct lkcd_record_header + data, ...
 *   problems   nr_problems x struct lkcd_dumpdev_problem (known only after
 *              the last record was read)
 *
 * Writing order: the superblock with state WRITING first (fsync), then the
 * data (fsync), then the superblock with state COMPLETE and every checksum
 * (fsync): COMPLETE is the completion marker, written last, so a device
 * whose capture was cut short reads as WRITING.  `lkcd save` rewrites only
 * the superblock (state SAVED, saved_index, saved_sec); data is never
 * erased.
 */
#ifndef LKCD_DUMPDEV_H
#define LKCD_DUMPDEV_H

#include "lkcd/format.h"

/* "LKCDDDEV" read as a little-endian u64 */
#define LKCD_DUMPDEV_MAGIC	0x5645444444434b4cULL
#define LKCD_DUMPDEV_VERSION	1
#define LKCD_DUMPDEV_ALIGN	4096u
#define LKCD_DUMPDEV_SUPER_SIZE	512u

enum lkcd_dumpdev_state {
	LKCD_DUMPDEV_WRITING	= 1,	/* capture began, not finished: unusable */
	LKCD_DUMPDEV_COMPLETE	= 2,	/* a dump waits for lkcd save */
	LKCD_DUMPDEV_SAVED	= 3,	/* saved to DUMPDIR/saved_index; may be overwritten */
	LKCD_DUMPDEV_EMPTY	= 4,	/* claimed by lkcd dumpdev --init, no dump yet */
};

/* Superblock; crc is CRC-32 of these 512 bytes with crc taken as zero. */
struct lkcd_dumpdev_super {
	__u64 magic;			/*   0 LKCD_DUMPDEV_MAGIC */
	__u32 version;			/*   8 LKCD_DUMPDEV_VERSION */
	__u32 super_size;		/*  12 512 */
	__u32 crc;			/*  16 see above */
	__u32 state;			/*  20 enum lkcd_dumpdev_state */
	__u64 device_size;		/*  24 bytes of the device when written */
	__u64 header_paddr;		/*  32 where the header page was (crashdump=) */
	__u64 header_offset;		/*  40 4096 */
	__u64 notes_offset;		/*  48 */
	__u64 notes_size;		/*  56 */
	__u64 problems_offset;		/*  64 */
	__u64 nr_problems;		/*  72 */
	__u64 records_offset;		/*  80 */
	__u64 records_size;		/*  88 bytes of the record stream */
	__u64 nr_records;		/*  96 */
	__u64 pages;			/* 104 pages the records cover */
	__u32 header_crc;		/* 112 CRC-32 of the 4096-byte header page */
	__u32 notes_crc;		/* 116 of the notes */
	__u32 problems_crc;		/* 120 of the problem table */
	__u32 records_crc;		/* 124 of the whole record stream */
	__u64 written_sec;		/* 128 capture kernel's clock at COMPLETE */
	__u64 saved_sec;		/* 136 clock of the save (SAVED), else 0 */
	__u32 saved_index;		/* 144 DUMPDIR/<N> it was saved to (SAVED) */
	__u32 reserved0;		/* 148 zero */
	__u8 reserved1[512 - 152];	/* 152 zero */
};
LKCD_STATIC_ASSERT(sizeof(struct lkcd_dumpdev_super) == LKCD_DUMPDEV_SUPER_SIZE,
		   "lkcd_dumpdev_super size");
LKCD_STATIC_ASSERT(offsetof(struct lkcd_dumpdev_super, header_crc) == 112,
		   "lkcd_dumpdev_super header_crc offset");
LKCD_STATIC_ASSERT(offsetof(struct lkcd_dumpdev_super, saved_index) == 144,
		   "lkcd_dumpdev_super saved_index offset");

/* A damaged part of the preserved dump the capture kernel skipped. */
#define LKCD_DUMPDEV_REASON_LEN	160
struct lkcd_dumpdev_problem {
	__u64 pfn;			/*   0 first pfn affected, ~0 if unknown */
	__u64 block_seq;		/*   8 storage block where it was seen */
	char reason[LKCD_DUMPDEV_REASON_LEN]; /* 16 NUL-terminated */
};
LKCD_STATIC_ASSERT(sizeof(struct lkcd_dumpdev_problem) == 176,
		   "lkcd_dumpdev_problem size");

#endif /* LKCD_DUMPDEV_H */
