/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw dump device (DUMPDEV) of the three-boot flow: write a preserved
 * dump onto it in the capture kernel, read it back at the next boot as a
 * page iterator (for the writers) and as physical memory (for dmesg), and
 * mark it saved.  On-disk format: include/lkcd/dumpdev.h.
 *
 * Functions take an fd the caller opened and closes; name is used in
 * messages.  Errors: -ENODATA no lkcd dump device signature,
 * -EPROTONOSUPPORT another version, -EBADMSG damaged or half-written,
 * -ENOSPC device too small, -EEXIST an unsaved dump would be overwritten,
 * -EPERM the device holds something else (a filesystem, a partition table).
 */
#ifndef LKCD_DUMPDEV_IO_H
#define LKCD_DUMPDEV_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "liblkcd.h"
#include "lkcd/dumpdev.h"

struct lkcd_dumpdev_input {
	const void *header_page;		/* LKCD_PAGE_SIZE bytes as preserved */
	uint64_t header_paddr;
	const void *notes;			/* /proc/vmcore's notes */
	size_t notes_len;
	struct lkcd_page_iter pages;		/* the records, ascending pfn */
	/* called after the last page: the damaged parts the reader skipped */
	size_t (*problems)(void *ctx, const struct lkcd_problem **out);
	void *problems_ctx;
	uint64_t now_sec;			/* written_sec */
	bool overwrite_unsaved;			/* replace a COMPLETE dump */
};

/* Decoded superblock (host byte order). */
struct lkcd_dumpdev_info {
	uint32_t state;
	uint64_t device_size, header_paddr;
	uint64_t notes_offset, notes_size;
	uint64_t problems_offset, nr_problems;
	uint64_t records_offset, records_size, nr_records, pages;
	uint32_t header_crc, notes_crc, problems_crc, records_crc;
	uint64_t written_sec, saved_sec;
	uint32_t saved_index;
};

const char *lkcd_dumpdev_state_name(uint32_t state);

/* Size of the device or file behind fd; 0 or -errno. */
int lkcd_dumpdev_size(int fd, uint64_t *size);

/*
 * May the capture write here?  0 when the device already holds an lkcd
 * dump device superblock (claimed, SAVED, WRITING, damaged, or with
 * overwrite_unsaved COMPLETE), or when libblkid finds no signature on it
 * and its first MiB is all zero; -EEXIST for an unsaved dump; -EPERM,
 * naming what was found (type and byte offset, or the first non-zero
 * byte), otherwise.
 */
int lkcd_dumpdev_check_target(int fd, const char *name, bool overwrite_unsaved,
			      struct lkcd_error *err);

/*
 * Every signature libblkid finds on fd (superblocks and partition tables,
 * as wipefs -n lists them), as "type at byte N, ..." in what.  The number
 * found, or -errno.
 */
int lkcd_dumpdev_probe(int fd, char *what, size_t len);

/*
 * lkcd dumpdev --init: claim fd for lkcd (an EMPTY superblock) unless
 * libblkid finds any signature on it; then nothing is written and -EPERM
 * names what was found.  0 or -errno.
 */
int lkcd_dumpdev_init(int fd, const char *name, struct lkcd_error *err);

/* Write a dump (see the writing order in lkcd/dumpdev.h); info may be NULL. */
int lkcd_dumpdev_write(int fd, const char *name,
		       const struct lkcd_dumpdev_input *in,
		       struct lkcd_dumpdev_info *info, struct lkcd_error *err);

/* Read and check the superblock only. */
int lkcd_dumpdev_read_super(int fd, const char *name,
			    struct lkcd_dumpdev_info *info,
			    struct lkcd_error *err);

/* Mark a COMPLETE device SAVED to DUMPDIR/index (superblock rewrite, fsync). */
int lkcd_dumpdev_mark_saved(int fd, const char *name, uint32_t index,
			    uint64_t now_sec, struct lkcd_error *err);

/*
 * Open a dump on the device for reading: every checksum is verified, the
 * header page decoded and the record stream indexed.  A WRITING device is
 * refused (-EBADMSG, "half-written"); COMPLETE and SAVED open.
 */
struct lkcd_dumpdev;
int lkcd_dumpdev_open(int fd, const char *name, struct lkcd_dumpdev **out,
		      struct lkcd_error *err);
void lkcd_dumpdev_close(struct lkcd_dumpdev *d);
const struct lkcd_dumpdev_info *lkcd_dumpdev_info(const struct lkcd_dumpdev *d);
const void *lkcd_dumpdev_header_page(const struct lkcd_dumpdev *d);
const struct lkcd_dump_header *lkcd_dumpdev_header(const struct lkcd_dumpdev *d);
size_t lkcd_dumpdev_ranges(const struct lkcd_dumpdev *d,
			   const struct lkcd_mem_range **ranges);
void lkcd_dumpdev_notes(const struct lkcd_dumpdev *d, const void **notes,
			size_t *len);
size_t lkcd_dumpdev_problems(const struct lkcd_dumpdev *d,
			     const struct lkcd_problem **problems);
/* The records as a page iterator (valid while d is open). */
void lkcd_dumpdev_page_iter(struct lkcd_dumpdev *d, struct lkcd_page_iter *it);
/* lkcd_read_phys_fn over the records (ctx is d): for dmesg. */
int lkcd_dumpdev_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len);

#endif /* LKCD_DUMPDEV_IO_H */
