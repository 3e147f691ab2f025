// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DUMPDEV: a preserved dump on a raw device (format: include/lkcd/dumpdev.h,
 * Documentation/format.rst).  The capture kernel writes it with
 * lkcd_dumpdev_write(); the next boot opens it, hands its records to the
 * same writers that work from /proc/vmcore, and marks it saved.
 *
 * Everything read back is untrusted: offsets and sizes are checked against
 * the device size by subtraction, every part has its CRC, and records are
 * checked one by one (flags, counts, sizes, ascending pfns) while indexed.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
/* BLKGETSIZE64 of linux/fs.h, whose linux/types.h would clash with format.h */
#define LKCD_BLKGETSIZE64 _IOR(0x12, 114, size_t)
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <blkid/blkid.h>

#include "dumpdev_io.h"
#include "internal.h"

#define ALIGN_UP(x)	(((x) + LKCD_DUMPDEV_ALIGN - 1) / LKCD_DUMPDEV_ALIGN * LKCD_DUMPDEV_ALIGN)
#define WBUF_SIZE	(1u << 20)
#define MAX_STORED	(2 * LKCD_PAGE_SIZE)
#define MAX_NOTES	(16u << 20)
#define MAX_PROBLEMS	100000u
#define RESYNC_WINDOW	(64u << 10)	/* bytes scanned per read after damage */

const char *lkcd_dumpdev_state_name(uint32_t state)
{
	switch (state) {
	case LKCD_DUMPDEV_WRITING:	return "half-written";
	case LKCD_DUMPDEV_COMPLETE:	return "complete, not saved";
	case LKCD_DUMPDEV_SAVED:	return "saved";
	case LKCD_DUMPDEV_EMPTY:	return "no dump yet (claimed by lkcd dumpdev --init)";
	}
	return "unknown";
}

int lkcd_dumpdev_size(int fd, uint64_t *size)
{
	struct stat st;
	uint64_t bytes;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, LKCD_BLKGETSIZE64, &bytes) < 0)
			return -errno;
		*size = bytes;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return -ENOTBLK;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* ---- superblock encode/decode ---- */

static void super_encode(const struct lkcd_dumpdev_info *i, uint8_t *out)
{
	struct lkcd_dumpdev_super s;

	memset(&s, 0, sizeof(s));
	s.magic = htole64(LKCD_DUMPDEV_MAGIC);
	s.version = htole32(LKCD_DUMPDEV_VERSION);
	s.super_size = htole32(LKCD_DUMPDEV_SUPER_SIZE);
	s.state = htole32(i->state);
	s.device_size = htole64(i->device_size);
	s.header_paddr = htole64(i->header_paddr);
	s.header_offset = htole64(LKCD_DUMPDEV_ALIGN);
	s.notes_offset = htole64(i->notes_offset);
	s.notes_size = htole64(i->notes_size);
	s.problems_offset = htole64(i->problems_offset);
	s.nr_problems = htole64(i->nr_problems);
	s.records_offset = htole64(i->records_offset);
	s.records_size = htole64(i->records_size);
	s.nr_records = htole64(i->nr_records);
	s.pages = htole64(i->pages);
	s.header_crc = htole32(i->header_crc);
	s.notes_crc = htole32(i->notes_crc);
	s.problems_crc = htole32(i->problems_crc);
	s.records_crc = htole32(i->records_crc);
	s.written_sec = htole64(i->written_sec);
	s.saved_sec = htole64(i->saved_sec);
	s.saved_index = htole32(i->saved_index);
	s.crc = htole32((uint32_t)crc32(0, (const Bytef *)&s, sizeof(s)));
	memset(out, 0, LKCD_DUMPDEV_ALIGN);
	memcpy(out, &s, sizeof(s));
}

/* An area [off, off + size) inside the data part of a device of dev bytes. */
static bool area_ok(uint64_t off, uint64_t size, uint64_t dev)
{
	return off % LKCD_DUMPDEV_ALIGN == 0 && off >= 2 * LKCD_DUMPDEV_ALIGN &&
	       off <= dev && size <= dev - off;
}

static int super_decode(const uint8_t *buf, const char *name, uint64_t dev,
			struct lkcd_dumpdev_info *i, struct lkcd_error *err)
{
	struct lkcd_dumpdev_super s;
	uint32_t crc;

	memcpy(&s, buf, sizeof(s));
	if (le64toh(s.magic) != LKCD_DUMPDEV_MAGIC)
		return lkcd_error_set(err, -ENODATA, "%s: no lkcd dump device signature", name);
	if (le32toh(s.version) != LKCD_DUMPDEV_VERSION)
		return lkcd_error_set(err, -EPROTONOSUPPORT,
				      "%s: dump device format version %u (this lkcd reads %u)",
				      name, le32toh(s.version), LKCD_DUMPDEV_VERSION);
	if (le32toh(s.super_size) != LKCD_DUMPDEV_SUPER_SIZE)
		return lkcd_error_set(err, -EBADMSG, "%s: superblock size %u, expected %u",
				      name, le32toh(s.super_size), LKCD_DUMPDEV_SUPER_SIZE);
	crc = le32toh(s.crc);
	s.crc = 0;
	if (crc32(0, (const Bytef *)&s, sizeof(s)) != crc)
		return lkcd_error_set(err, -EBADMSG, "%s: superblock checksum mismatch", name);
	memset(i, 0, sizeof(*i));
	i->state = le32toh(s.state);
	i->device_size = le64toh(s.device_size);
	i->header_paddr = le64toh(s.header_paddr);
	i->notes_offset = le64toh(s.notes_offset);
	i->notes_size = le64toh(s.notes_size);
	i->problems_offset = le64toh(s.problems_offset);
	i->nr_problems = le64toh(s.nr_problems);
	i->records_offset = le64toh(s.records_offset);
	i->records_size = le64toh(s.records_size);
	i->nr_records = le64toh(s.nr_records);
	i->pages = le64toh(s.pages);
	i->header_crc = le32toh(s.header_crc);
	i->notes_crc = le32toh(s.notes_crc);
	i->problems_crc = le32toh(s.problems_crc);
	i->records_crc = le32toh(s.records_crc);
	i->written_sec = le64toh(s.written_sec);
	i->saved_sec = le64toh(s.saved_sec);
	i->saved_index = le32toh(s.saved_index);
	if (i->state < LKCD_DUMPDEV_WRITING || i->state > LKCD_DUMPDEV_EMPTY)
		return lkcd_error_set(err, -EBADMSG, "%s: unknown state %u", name, i->state);
	if (i->state == LKCD_DUMPDEV_WRITING || i->state == LKCD_DUMPDEV_EMPTY)
		return 0;	/* no sizes (yet); the caller finds no dump */
	if (le64toh(s.header_offset) != LKCD_DUMPDEV_ALIGN)
		return lkcd_error_set(err, -EBADMSG, "%s: header page at offset %llu, expected %u",
				      name, (unsigned long long)le64toh(s.header_offset),
				      LKCD_DUMPDEV_ALIGN);
	if (i->device_size > dev)
		return lkcd_error_set(err, -EBADMSG,
				      "%s: written to a %llu-byte device, but it has %llu bytes (truncated copy?)",
				      name, (unsigned long long)i->device_size,
				      (unsigned long long)dev);
	if (i->notes_size > MAX_NOTES || !area_ok(i->notes_offset, i->notes_size, dev))
		return lkcd_error_set(err, -EBADMSG, "%s: notes (%llu bytes at %llu) outside the device",
				      name, (unsigned long long)i->notes_size,
				      (unsigned long long)i->notes_offset);
	if (i->nr_problems > MAX_PROBLEMS ||
	    !area_ok(i->problems_offset, i->nr_problems * sizeof(struct lkcd_dumpdev_problem), dev))
		return lkcd_error_set(err, -EBADMSG, "%s: problem table (%llu entries at %llu) outside the device",
				      name, (unsigned long long)i->nr_problems,
				      (unsigned long long)i->problems_offset);
	if (!area_ok(i->records_offset, i->records_size, dev))
		return lkcd_error_set(err, -EBADMSG, "%s: records (%llu bytes at %llu) outside the device",
				      name, (unsigned long long)i->records_size,
				      (unsigned long long)i->records_offset);
	return 0;
}

int lkcd_dumpdev_read_super(int fd, const char *name, struct lkcd_dumpdev_info *info,
			    struct lkcd_error *err)
{
	uint8_t buf[LKCD_DUMPDEV_SUPER_SIZE];
	uint64_t dev;
	int ret;

	ret = lkcd_dumpdev_size(fd, &dev);
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: %s", name,
				      ret == -ENOTBLK ? "neither a block device nor a file" :
				      strerror(-ret));
	if (dev < 2 * LKCD_DUMPDEV_ALIGN)
		return lkcd_error_set(err, -ENODATA, "%s: %llu bytes, too small to hold a dump",
				      name, (unsigned long long)dev);
	ret = lkcd_pread_full(fd, buf, sizeof(buf), 0);
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: cannot read the superblock: %s", name,
				      strerror(-ret));
	return super_decode(buf, name, dev, info, err);
}

/* ---- is it safe to write here? ---- */

/*
 * Bytes at the start of a device that must be zero before lkcd claims it
 * without being asked: the superblock it writes first and every place a
 * partition table, boot sector or volume label lives (the first MiB, where
 * partitioning tools leave their alignment gap).  Anything further in is
 * left to libblkid, which also looks at the end of the device (md 0.90 and
 * 1.0, ZFS's last labels, GPT's backup).
 */
#define ZERO_SPAN	(1u << 20)

int lkcd_dumpdev_probe(int fd, char *what, size_t len)
{
	blkid_probe pr = blkid_new_probe();
	size_t used = 0;
	int found = 0, rc;

	what[0] = '\0';
	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		blkid_free_probe(pr);
		return -EIO;
	}
	/* as wipefs -n: every superblock and partition table, bad checksums too */
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_MAGIC |
					  BLKID_SUBLKS_BADCSUM);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	while ((rc = blkid_do_probe(pr)) == 0) {
		const char *type = NULL, *off = NULL;

		if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
			blkid_probe_lookup_value(pr, "SBMAGIC_OFFSET", &off, NULL);
		else if (blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0)
			blkid_probe_lookup_value(pr, "PTMAGIC_OFFSET", &off, NULL);
		else
			continue;
		if (used < len) {
			int n = snprintf(what + used, len - used, "%s%s at byte %s",
					 found ? ", " : "", type, off ? off : "?");

			used += n < 0 ? 0 : (size_t)n;
		}
		found++;
	}
	blkid_free_probe(pr);
	if (rc < 0 && !found)
		return -EIO;
	return found;
}

/* The size of a device a dump may be written to, in *dev; 0 or -errno (said). */
static int target_size(int fd, const char *name, uint64_t *dev, struct lkcd_error *err)
{
	int ret = lkcd_dumpdev_size(fd, dev);

	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: %s", name,
				      ret == -ENOTBLK ? "neither a block device nor a file" :
				      strerror(-ret));
	if (*dev < 2 * LKCD_DUMPDEV_ALIGN)
		return lkcd_error_set(err, -ENOSPC, "%s: %llu bytes, too small for a dump",
				      name, (unsigned long long)*dev);
	return 0;
}

static int probe_failed(const char *name, int ret, struct lkcd_error *err)
{
	return lkcd_error_set(err, ret, "%s: cannot probe it for signatures: %s", name,
			      strerror(-ret));
}

/* Offset of the first non-zero byte in fd's first ZERO_SPAN bytes, or -1 (or -errno). */
static int64_t first_nonzero(int fd, uint64_t dev)
{
	static uint8_t buf[64 << 10];
	uint64_t end = dev < ZERO_SPAN ? dev : ZERO_SPAN;

	for (uint64_t off = 0; off < end; off += sizeof(buf)) {
		size_t n = end - off < sizeof(buf) ? (size_t)(end - off) : sizeof(buf);
		int ret = lkcd_pread_full(fd, buf, n, off);

		if (ret < 0)
			return ret;
		for (size_t i = 0; i < n; i++)
			if (buf[i])
				return (int64_t)(off + i);
	}
	return -1;
}

int lkcd_dumpdev_check_target(int fd, const char *name, bool overwrite_unsaved,
			      struct lkcd_error *err)
{
	uint8_t buf[LKCD_DUMPDEV_SUPER_SIZE];
	struct lkcd_dumpdev_info info;
	struct lkcd_error e2;
	char what[256];
	uint64_t dev;
	int64_t nz;
	int ret;

	ret = target_size(fd, name, &dev, err);
	if (ret < 0)
		return ret;
	ret = lkcd_pread_full(fd, buf, sizeof(buf), 0);
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: cannot read it: %s", name, strerror(-ret));
	ret = super_decode(buf, name, dev, &info, &e2);
	if (ret == 0 || ret == -EBADMSG || ret == -EPROTONOSUPPORT) {
		if (ret == 0 && info.state == LKCD_DUMPDEV_COMPLETE && !overwrite_unsaved)
			return lkcd_error_set(err, -EEXIST,
					      "%s holds a dump not yet saved (run lkcd save); not overwritten",
					      name);
		return 0;	/* ours: initialised, half-written, saved, or damaged */
	}
	ret = lkcd_dumpdev_probe(fd, what, sizeof(what));
	if (ret < 0)
		return probe_failed(name, ret, err);
	if (ret > 0)
		return lkcd_error_set(err, -EPERM,
				      "%s holds %s (libblkid): refusing to write a dump over it",
				      name, what);
	nz = first_nonzero(fd, dev);
	if (nz < -1)
		return lkcd_error_set(err, (int)nz, "%s: cannot read it: %s", name,
				      strerror((int)-nz));
	if (nz >= 0)
		return lkcd_error_set(err, -EPERM,
				      "%s holds data no known format explains (a non-zero byte at %lld): "
				      "refusing to write a dump over it; if it really is the dump device, "
				      "claim it with lkcd dumpdev --init %s",
				      name, (long long)nz, name);
	return 0;
}

int lkcd_dumpdev_init(int fd, const char *name, struct lkcd_error *err)
{
	struct lkcd_dumpdev_info info;
	uint8_t block[LKCD_DUMPDEV_ALIGN];
	char what[256];
	uint64_t dev;
	int ret;

	ret = target_size(fd, name, &dev, err);
	if (ret < 0)
		return ret;
	ret = lkcd_dumpdev_probe(fd, what, sizeof(what));
	if (ret < 0)
		return probe_failed(name, ret, err);
	if (ret > 0)
		return lkcd_error_set(err, -EPERM,
				      "%s holds %s (libblkid): nothing changed; erase it first "
				      "(wipefs -a) if it really is to be the dump device", name, what);
	memset(&info, 0, sizeof(info));
	info.state = LKCD_DUMPDEV_EMPTY;
	info.device_size = dev;
	super_encode(&info, block);
	ret = lkcd_pwrite_full(fd, block, sizeof(block), 0);
	if (ret == 0 && fsync(fd) < 0 && errno != EINVAL)
		ret = -errno;
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: writing the superblock: %s", name,
				      strerror(-ret));
	return 0;
}

/* ---- writing ---- */

struct wbuf {
	int fd;
	uint64_t off;		/* device offset of buf[0] */
	uint64_t limit;		/* device size */
	uint8_t *buf;
	size_t len;
	uint32_t crc;		/* over everything appended */
	uint64_t total;		/* bytes appended */
};

static int wbuf_flush(struct wbuf *w)
{
	int ret;

	if (!w->len)
		return 0;
	ret = lkcd_pwrite_full(w->fd, w->buf, w->len, w->off);
	if (ret < 0)
		return ret;
	w->off += w->len;
	w->len = 0;
	return 0;
}

static int wbuf_put(struct wbuf *w, const void *p, size_t n)
{
	const uint8_t *s = p;

	if (!n)
		return 0;	/* crc32() of a NULL buffer would restart the crc */
	if (n > w->limit - w->off - w->len)
		return -ENOSPC;
	w->crc = (uint32_t)crc32(w->crc, s, (uInt)n);
	w->total += n;
	while (n) {
		size_t room = WBUF_SIZE - w->len, k = n < room ? n : room;
		int ret;

		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
		if (w->len == WBUF_SIZE && (ret = wbuf_flush(w)) < 0)
			return ret;
	}
	return 0;
}

/* Start a new area at the next aligned offset. */
static int wbuf_area(struct wbuf *w, uint64_t *start)
{
	int ret = wbuf_flush(w);

	if (ret < 0)
		return ret;
	w->off = ALIGN_UP(w->off);
	if (w->off > w->limit)
		return -ENOSPC;
	w->crc = 0;
	w->total = 0;
	*start = w->off;
	return 0;
}

static int write_super(int fd, const struct lkcd_dumpdev_info *i)
{
	uint8_t block[LKCD_DUMPDEV_ALIGN];
	int ret;

	super_encode(i, block);
	ret = lkcd_pwrite_full(fd, block, sizeof(block), 0);
	if (ret < 0)
		return ret;
	return fsync(fd) < 0 && errno != EINVAL ? -errno : 0;
}

int lkcd_dumpdev_write(int fd, const char *name, const struct lkcd_dumpdev_input *in,
		       struct lkcd_dumpdev_info *out, struct lkcd_error *err)
{
	struct lkcd_dumpdev_info info;
	struct wbuf w = { .fd = fd };
	const struct lkcd_problem *probs = NULL;
	struct lkcd_page pg;
	uint64_t start;
	size_t nprobs = 0;
	const char *what = "the header page";
	int ret;

	ret = lkcd_dumpdev_check_target(fd, name, in->overwrite_unsaved, err);
	if (ret < 0)
		return ret;
	memset(&info, 0, sizeof(info));
	ret = lkcd_dumpdev_size(fd, &info.device_size);
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: %s", name, strerror(-ret));
	info.state = LKCD_DUMPDEV_WRITING;
	info.header_paddr = in->header_paddr;
	/* 1. WRITING first: from here on a cut-short capture is recognised */
	ret = write_super(fd, &info);
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: writing the superblock: %s", name,
				      strerror(-ret));
	w.buf = malloc(WBUF_SIZE);
	if (!w.buf)
		return lkcd_error_set(err, -ENOMEM, "%s: out of memory", name);
	w.limit = info.device_size;
	w.off = LKCD_DUMPDEV_ALIGN;

	/* 2. the data */
	if ((ret = wbuf_area(&w, &start)) < 0 ||
	    (ret = wbuf_put(&w, in->header_page, LKCD_PAGE_SIZE)) < 0)
		goto io;
	info.header_crc = w.crc;
	what = "the notes";
	if ((ret = wbuf_area(&w, &info.notes_offset)) < 0 ||
	    (ret = wbuf_put(&w, in->notes, in->notes_len)) < 0)
		goto io;
	info.notes_size = in->notes_len;
	info.notes_crc = w.crc;

	what = "the records";
	if ((ret = wbuf_area(&w, &info.records_offset)) < 0)
		goto io;
	if (in->pages.rewind && (ret = in->pages.rewind(in->pages.ctx, err)) < 0)
		goto fail;
	while ((ret = in->pages.next(in->pages.ctx, &pg, err)) > 0) {
		struct lkcd_record_header r;

		if (pg.stored_size > MAX_STORED || (pg.stored_size && !pg.stored)) {
			ret = lkcd_error_set(err, -EINVAL, "pfn 0x%llx: record of %u bytes",
					     (unsigned long long)pg.pfn, pg.stored_size);
			goto fail;
		}
		r.pfn = htole64(pg.pfn);
		r.stored_size = htole32(pg.stored_size);
		r.flags = htole16((uint16_t)pg.flags);
		r.compress = htole16((uint16_t)pg.compress);
		r.count = htole32(pg.count);
		r.crc = htole32(pg.stored_size ?
				(uint32_t)crc32(0, pg.stored, pg.stored_size) : 0);
		if ((ret = wbuf_put(&w, &r, sizeof(r))) < 0 ||
		    (ret = wbuf_put(&w, pg.stored, pg.stored_size)) < 0)
			goto io;
		info.nr_records++;
		info.pages += pg.count;
	}
	if (ret < 0)
		goto fail;
	info.records_size = w.total;
	info.records_crc = w.crc;

	what = "the problem table";
	if (in->problems)
		nprobs = in->problems(in->problems_ctx, &probs);
	if ((ret = wbuf_area(&w, &info.problems_offset)) < 0)
		goto io;
	for (size_t i = 0; i < nprobs && i < MAX_PROBLEMS; i++) {
		struct lkcd_dumpdev_problem p;

		memset(&p, 0, sizeof(p));
		p.pfn = htole64(probs[i].pfn);
		p.block_seq = htole64(probs[i].block_seq);
		snprintf(p.reason, sizeof(p.reason), "%s", probs[i].reason);
		if ((ret = wbuf_put(&w, &p, sizeof(p))) < 0)
			goto io;
		info.nr_problems++;
	}
	info.problems_crc = w.crc;
	if ((ret = wbuf_flush(&w)) < 0)
		goto io;
	if (fsync(fd) < 0 && errno != EINVAL) {
		ret = -errno;
		goto io;
	}

	/* 3. the completion marker */
	info.state = LKCD_DUMPDEV_COMPLETE;
	info.written_sec = in->now_sec;
	ret = write_super(fd, &info);
	if (ret < 0) {
		what = "the final superblock";
		goto io;
	}
	free(w.buf);
	if (out)
		*out = info;
	return 0;
io:
	if (ret == -ENOSPC)
		lkcd_error_set(err, ret,
			       "%s: device too small (%llu bytes) for %s at offset %llu",
			       name, (unsigned long long)info.device_size, what,
			       (unsigned long long)(w.off + w.len));
	else
		lkcd_error_set(err, ret, "%s: writing %s: %s", name, what, strerror(-ret));
fail:
	free(w.buf);
	return ret;
}

int lkcd_dumpdev_mark_saved(int fd, const char *name, uint32_t index, uint64_t now_sec,
			    struct lkcd_error *err)
{
	struct lkcd_dumpdev_info info;
	int ret;

	ret = lkcd_dumpdev_read_super(fd, name, &info, err);
	if (ret < 0)
		return ret;
	if (info.state != LKCD_DUMPDEV_COMPLETE)
		return lkcd_error_set(err, -EINVAL, "%s: the dump is %s, not waiting to be saved",
				      name, lkcd_dumpdev_state_name(info.state));
	info.state = LKCD_DUMPDEV_SAVED;
	info.saved_index = index;
	info.saved_sec = now_sec;
	ret = write_super(fd, &info);
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: marking the dump saved: %s", name,
				      strerror(-ret));
	return 0;
}

/* ---- reading ---- */

struct rec_index {
	uint64_t pfn;
	uint64_t offset;	/* device offset of the data */
	uint32_t count;
	uint32_t stored_size;
	uint16_t flags;
	uint16_t compress;
	uint32_t crc;
};

struct lkcd_dumpdev {
	int fd;
	char *name;
	struct lkcd_dumpdev_info info;
	uint8_t header_page[LKCD_PAGE_SIZE];
	struct lkcd_dump_header hdr;
	struct lkcd_mem_range *ranges;
	size_t nr_ranges;
	void *notes;
	struct lkcd_problem_list problems;
	size_t damaged;			/* problems found while reading the device */
	struct rec_index *recs;
	size_t nr_recs;
	size_t pos;			/* iterator */
	uint8_t data[MAX_STORED];	/* last record read */
	uint8_t page[LKCD_PAGE_SIZE];	/* read_phys cache */
	uint64_t page_pfn;		/* pfn in page, or UINT64_MAX */
};

void lkcd_dumpdev_close(struct lkcd_dumpdev *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->ranges);
	free(d->notes);
	free(d->problems.v);
	free(d->recs);
	free(d);
}

static int read_area(struct lkcd_dumpdev *d, void *buf, uint64_t size, uint64_t off,
		     uint32_t want_crc, const char *what, struct lkcd_error *err)
{
	int ret = size ? lkcd_pread_full(d->fd, buf, (size_t)size, off) : 0;

	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: reading %s: %s", d->name, what,
				      ret == -EIO ? "the device ends first" : strerror(-ret));
	if ((uint32_t)crc32(0, buf, (uInt)size) != want_crc)
		return lkcd_error_set(err, -EBADMSG, "%s: %s checksum mismatch", d->name, what);
	return 0;
}

/* Add a problem found while reading the device (damage after the capture). */
static int add_problem(struct lkcd_dumpdev *d, uint64_t pfn, struct lkcd_error *err,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int add_problem(struct lkcd_dumpdev *d, uint64_t pfn, struct lkcd_error *err,
		       const char *fmt, ...)
{
	struct lkcd_problem *p;
	va_list ap;

	if (d->problems.nr >= MAX_PROBLEMS)
		return 0;	/* the first MAX_PROBLEMS say enough */
	p = lkcd_problem_push(&d->problems);
	if (!p)
		return lkcd_error_set(err, -ENOMEM, "%s: out of memory", d->name);
	va_start(ap, fmt);
	/* a device has no blocks: block_seq does not apply */
	lkcd_problem_vset(p, pfn, UINT64_MAX, UINT64_MAX, UINT64_MAX, fmt, ap);
	va_end(ap);
	d->damaged++;
	return 0;
}

enum rec_check {
	REC_OK = 0,
	REC_BAD_HEADER,		/* not a record header: the stream is out of step */
	REC_BAD_DATA,		/* a sound header whose data fails its checksum */
	REC_UNREADABLE,		/* the device would not give the bytes */
};

/*
 * Check the record at stream position pos against the stream so far
 * (next_pfn); fill x, *len (header + data) and chunk (the raw bytes).
 * REC_BAD_DATA still fills x and *len: the record can be stepped over.
 */
/* Could r, at stream position pos, be the next record after next_pfn? */
static bool header_plausible(const struct lkcd_dumpdev *d, const struct lkcd_record_header *r,
			     uint64_t pos, uint64_t next_pfn)
{
	const struct lkcd_dumpdev_info *i = &d->info;
	uint32_t size = le32toh(r->stored_size), count = le32toh(r->count);
	uint16_t flags = le16toh(r->flags);
	uint64_t pfn = le64toh(r->pfn);

	return size <= MAX_STORED && size <= i->records_size - pos - sizeof(*r) &&
	       (flags == LKCD_REC_RAW || flags == LKCD_REC_COMPRESSED ||
		flags == LKCD_REC_ZERO || flags == LKCD_REC_UNREADABLE) &&
	       count != 0 &&
	       !((flags == LKCD_REC_RAW || flags == LKCD_REC_COMPRESSED) && count != 1) &&
	       !(flags == LKCD_REC_RAW && size != LKCD_PAGE_SIZE) &&
	       !((flags == LKCD_REC_ZERO || flags == LKCD_REC_UNREADABLE) &&
		 (size || r->crc || r->compress)) &&
	       pfn >= next_pfn && pfn + count >= pfn && pfn + count <= d->hdr.max_pfn;
}

static enum rec_check check_record(struct lkcd_dumpdev *d, uint64_t pos, uint64_t next_pfn,
				   struct rec_index *x, uint64_t *len, uint8_t *chunk)
{
	const struct lkcd_dumpdev_info *i = &d->info;
	struct lkcd_record_header r;
	uint64_t off = i->records_offset + pos;
	uint32_t size;

	if (i->records_size - pos < sizeof(r))
		return REC_BAD_HEADER;
	if (lkcd_pread_full(d->fd, &r, sizeof(r), off) < 0)
		return REC_UNREADABLE;
	if (!header_plausible(d, &r, pos, next_pfn))
		return REC_BAD_HEADER;
	size = le32toh(r.stored_size);
	x->pfn = le64toh(r.pfn);
	x->offset = off + sizeof(r);
	x->count = le32toh(r.count);
	x->stored_size = size;
	x->flags = le16toh(r.flags);
	x->compress = le16toh(r.compress);
	x->crc = le32toh(r.crc);
	*len = sizeof(r) + size;
	memcpy(chunk, &r, sizeof(r));
	if (size && lkcd_pread_full(d->fd, chunk + sizeof(r), size, x->offset) < 0)
		return REC_UNREADABLE;
	if ((size ? (uint32_t)crc32(0, chunk + sizeof(r), size) : 0) != x->crc)
		return REC_BAD_DATA;
	return REC_OK;
}

/*
 * After damage at pos: the next position where the stream can be trusted
 * again, or records_size when there is none.  A record with data is trusted
 * when its checksum matches (a chance of 2^-32 for random bytes); a zero or
 * unreadable run, which has no data to check, only when the record after it
 * is trusted (or the stream ends there).
 */
static uint64_t resync(struct lkcd_dumpdev *d, uint64_t pos, uint64_t next_pfn, uint8_t *chunk)
{
	const size_t hsize = sizeof(struct lkcd_record_header);
	uint64_t end = d->info.records_size, base = pos + 1;
	struct rec_index x, y;
	uint8_t *win = malloc(RESYNC_WINDOW);

	if (!win)
		return end;	/* no memory to look further: the rest is reported lost */
	/* windows overlapping by a header, scanned in memory; the device is read once */
	while (base + hsize <= end) {
		size_t n = end - base < RESYNC_WINDOW ? (size_t)(end - base) : RESYNC_WINDOW;

		if (lkcd_pread_full(d->fd, win, n, d->info.records_offset + base) < 0) {
			base += LKCD_DUMPDEV_ALIGN;	/* unreadable: the next sector */
			continue;
		}
		for (size_t k = 0; k + hsize <= n; k++) {
			struct lkcd_record_header r;
			uint64_t p = base + k, len, len2;

			memcpy(&r, win + k, hsize);
			if (!header_plausible(d, &r, p, next_pfn) ||
			    check_record(d, p, next_pfn, &x, &len, chunk) != REC_OK)
				continue;
			if (x.stored_size || p + len == end ||
			    check_record(d, p + len, x.pfn + x.count, &y, &len2, chunk) == REC_OK) {
				free(win);
				return p;
			}
		}
		if (n < RESYNC_WINDOW)
			break;
		base += n - hsize + 1;
	}
	free(win);
	return end;
}

/*
 * Walk the record stream once: check every record, build the index.  A
 * damaged record is skipped, damage that puts the stream out of step is
 * stepped over to the next trustworthy record, and each is added to the
 * problem list with the pfns it cost: every good record is still indexed.
 */
static int index_records(struct lkcd_dumpdev *d, struct lkcd_error *err)
{
	const struct lkcd_dumpdev_info *i = &d->info;
	uint64_t pos = 0, next_pfn = 0, pages = 0;
	size_t cap;
	uint32_t crc = 0;
	uint8_t *chunk;
	int ret = 0;

	if (i->nr_records > i->records_size / sizeof(struct lkcd_record_header))
		return lkcd_error_set(err, -EBADMSG, "%s: %llu records cannot fit in %llu bytes",
				      d->name, (unsigned long long)i->nr_records,
				      (unsigned long long)i->records_size);
	cap = (size_t)i->nr_records;
	d->recs = calloc(cap ? cap : 1, sizeof(*d->recs));
	chunk = malloc(sizeof(struct lkcd_record_header) + MAX_STORED);
	if (!d->recs || !chunk) {
		free(chunk);
		return lkcd_error_set(err, -ENOMEM, "%s: out of memory", d->name);
	}
	while (pos < i->records_size && ret == 0) {
		struct rec_index x;
		uint64_t len, to;

		switch (check_record(d, pos, next_pfn, &x, &len, chunk)) {
		case REC_OK:
			if (d->nr_recs == cap) {
				ret = add_problem(d, x.pfn, err,
						  "more records than the %llu the superblock says: the rest ignored",
						  (unsigned long long)i->nr_records);
				pos = i->records_size;
				break;
			}
			crc = (uint32_t)crc32(crc, chunk, (uInt)len);
			d->recs[d->nr_recs++] = x;
			next_pfn = x.pfn + x.count;
			pages += x.count;
			pos += len;
			break;
		case REC_BAD_DATA:
			ret = add_problem(d, x.pfn, err,
					  "record at byte %llu of the stream: data checksum mismatch, %u page(s) lost",
					  (unsigned long long)pos, x.count);
			next_pfn = x.pfn + x.count;
			pos += len;
			break;
		default:	/* out of step, or unreadable: find the stream again */
			to = resync(d, pos, next_pfn, chunk);
			if (to < i->records_size && check_record(d, to, next_pfn, &x, &len, chunk) == REC_OK)
				ret = add_problem(d, next_pfn, err,
						  "bytes %llu-%llu of the record stream %s: pfns 0x%llx-0x%llx may be lost",
						  (unsigned long long)pos, (unsigned long long)to - 1,
						  "damaged or unreadable",
						  (unsigned long long)next_pfn, (unsigned long long)x.pfn - 1);
			else
				ret = add_problem(d, next_pfn, err,
						  "bytes %llu-%llu of the record stream %s: pfns from 0x%llx on lost",
						  (unsigned long long)pos,
						  (unsigned long long)i->records_size - 1,
						  "damaged or unreadable", (unsigned long long)next_pfn);
			pos = to;
		}
	}
	free(chunk);
	if (ret < 0)
		return ret;
	/*
	 * Without damage found record by record, the totals and the stream's
	 * own checksum must agree; when they do not, a header field no other
	 * check covers (a compressor id, say) may be wrong: said, not fatal.
	 */
	if (!d->damaged && (d->nr_recs != i->nr_records || pages != i->pages))
		ret = add_problem(d, UINT64_MAX, err,
				  "%zu records of %llu pages, the superblock says %llu of %llu",
				  d->nr_recs, (unsigned long long)pages,
				  (unsigned long long)i->nr_records, (unsigned long long)i->pages);
	else if (!d->damaged && crc != i->records_crc)
		ret = add_problem(d, UINT64_MAX, err,
				  "record stream checksum mismatch, though every record checks out: "
				  "a record header field may be wrong");
	return ret;
}

int lkcd_dumpdev_open(int fd, const char *name, struct lkcd_dumpdev **out,
		      struct lkcd_error *err)
{
	struct lkcd_dumpdev *d;
	struct lkcd_dumpdev_problem *raw = NULL;
	struct lkcd_error why_notes = { 0 }, why_table = { 0 };
	bool notes_bad, table_bad;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d || !(d->name = strdup(name))) {
		free(d);
		return lkcd_error_set(err, -ENOMEM, "%s: out of memory", name);
	}
	d->fd = fd;
	d->page_pfn = UINT64_MAX;
	ret = lkcd_dumpdev_read_super(fd, name, &d->info, err);
	if (ret < 0)
		goto fail;
	if (d->info.state == LKCD_DUMPDEV_WRITING) {
		ret = lkcd_error_set(err, -EBADMSG,
				     "%s: half-written dump (the capture kernel did not finish writing it)",
				     name);
		goto fail;
	}
	ret = read_area(d, d->header_page, LKCD_PAGE_SIZE, LKCD_DUMPDEV_ALIGN,
			d->info.header_crc, "the header page", err);
	if (ret < 0)
		goto fail;
	d->ranges = calloc(LKCD_MAX_RANGES, sizeof(*d->ranges));
	if (!d->ranges) {
		ret = lkcd_error_set(err, -ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	ret = lkcd_header_decode(d->header_page, LKCD_PAGE_SIZE, &d->hdr, d->ranges,
				 LKCD_MAX_RANGES, err);
	if (ret < 0)
		goto fail;
	d->nr_ranges = d->hdr.nr_ranges;
	d->notes = malloc(d->info.notes_size ? d->info.notes_size : 1);
	raw = malloc(d->info.nr_problems ? d->info.nr_problems * sizeof(*raw) : 1);
	d->problems.cap = d->info.nr_problems ? (size_t)d->info.nr_problems : 1;
	d->problems.v = calloc(d->problems.cap, sizeof(*d->problems.v));
	if (!d->notes || !raw || !d->problems.v) {
		ret = lkcd_error_set(err, -ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	/*
	 * The notes and the capture's problem table are not needed to save
	 * the pages: when they are damaged on the device, they are dropped
	 * and said, and the records are still saved.
	 */
	notes_bad = read_area(d, d->notes, d->info.notes_size, d->info.notes_offset,
			      d->info.notes_crc, "the notes", &why_notes) < 0;
	table_bad = read_area(d, raw, d->info.nr_problems * sizeof(*raw), d->info.problems_offset,
			      d->info.problems_crc, "the problem table", &why_table) < 0;
	if (!table_bad) {
		for (size_t i = 0; i < d->info.nr_problems; i++) {
			struct lkcd_problem *p = &d->problems.v[i];

			p->pfn = le64toh(raw[i].pfn);
			p->block_seq = le64toh(raw[i].block_seq);
			p->id = p->seq = UINT64_MAX;
			memcpy(p->reason, raw[i].reason, sizeof(p->reason) - 1);
		}
		d->problems.nr = (size_t)d->info.nr_problems;
	}
	if (notes_bad) {
		d->info.notes_size = 0;
		ret = add_problem(d, UINT64_MAX, err, "%s: dropped (no registers, no VMCOREINFO)",
				  why_notes.msg);
		if (ret < 0)
			goto fail;
	}
	if (table_bad) {
		ret = add_problem(d, UINT64_MAX, err,
				  "%s: the capture's own list of damaged parts is lost", why_table.msg);
		if (ret < 0)
			goto fail;
	}
	ret = index_records(d, err);
	if (ret < 0)
		goto fail;
	free(raw);
	*out = d;
	return 0;
fail:
	free(raw);
	lkcd_dumpdev_close(d);
	return ret;
}

const struct lkcd_dumpdev_info *lkcd_dumpdev_info(const struct lkcd_dumpdev *d)
{
	return &d->info;
}

const void *lkcd_dumpdev_header_page(const struct lkcd_dumpdev *d)
{
	return d->header_page;
}

const struct lkcd_dump_header *lkcd_dumpdev_header(const struct lkcd_dumpdev *d)
{
	return &d->hdr;
}

size_t lkcd_dumpdev_ranges(const struct lkcd_dumpdev *d, const struct lkcd_mem_range **ranges)
{
	*ranges = d->ranges;
	return d->nr_ranges;
}

void lkcd_dumpdev_notes(const struct lkcd_dumpdev *d, const void **notes, size_t *len)
{
	*notes = d->notes;
	*len = (size_t)d->info.notes_size;
}

size_t lkcd_dumpdev_problems(const struct lkcd_dumpdev *d, const struct lkcd_problem **problems)
{
	*problems = d->problems.v;
	return d->problems.nr;
}

static int load_record(struct lkcd_dumpdev *d, const struct rec_index *x,
		       struct lkcd_page *pg, struct lkcd_error *err)
{
	int ret = x->stored_size ? lkcd_pread_full(d->fd, d->data, x->stored_size, x->offset) : 0;

	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: reading pfn 0x%llx: %s", d->name,
				      (unsigned long long)x->pfn, strerror(-ret));
	if ((x->stored_size ? (uint32_t)crc32(0, d->data, x->stored_size) : 0) != x->crc)
		return lkcd_error_set(err, -EBADMSG,
				      "%s: pfn 0x%llx changed on the device since it was checked",
				      d->name, (unsigned long long)x->pfn);
	pg->pfn = x->pfn;
	pg->count = x->count;
	pg->flags = x->flags;
	pg->compress = x->compress;
	pg->stored_size = x->stored_size;
	pg->stored = d->data;
	return 0;
}

static int iter_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct lkcd_dumpdev *d = ctx;
	int ret;

	if (d->pos >= d->nr_recs)
		return 0;
	ret = load_record(d, &d->recs[d->pos], pg, err);
	if (ret < 0)
		return ret;
	d->pos++;
	return 1;
}

static int iter_rewind(void *ctx, struct lkcd_error *err)
{
	(void)err;
	((struct lkcd_dumpdev *)ctx)->pos = 0;
	return 0;
}

void lkcd_dumpdev_page_iter(struct lkcd_dumpdev *d, struct lkcd_page_iter *it)
{
	d->pos = 0;
	it->ctx = d;
	it->next = iter_next;
	it->rewind = iter_rewind;
}

/* The record holding pfn, or NULL. */
static const struct rec_index *find_pfn(const struct lkcd_dumpdev *d, uint64_t pfn)
{
	size_t lo = 0, hi = d->nr_recs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rec_index *x = &d->recs[mid];

		if (pfn < x->pfn)
			hi = mid;
		else if (pfn - x->pfn >= x->count)
			lo = mid + 1;
		else
			return x;
	}
	return NULL;
}

int lkcd_dumpdev_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct lkcd_dumpdev *d = ctx;
	uint8_t *p = buf;

	while (len) {
		uint64_t pfn = paddr / LKCD_PAGE_SIZE;
		size_t in = (size_t)(paddr % LKCD_PAGE_SIZE);
		size_t n = LKCD_PAGE_SIZE - in < len ? LKCD_PAGE_SIZE - in : len;

		if (d->page_pfn != pfn) {
			const struct rec_index *x = find_pfn(d, pfn);
			struct lkcd_page pg;
			int ret;

			if (!x)
				return -EFAULT;
			ret = load_record(d, x, &pg, NULL);
			if (ret < 0)
				return ret;
			d->page_pfn = UINT64_MAX;
			ret = lkcd_page_expand(&pg, (uint32_t)(pfn - x->pfn), d->page,
					       LKCD_PAGE_SIZE, NULL);
			if (ret < 0)
				return ret == -EIO ? -EFAULT : ret;
			d->page_pfn = pfn;
		}
		memcpy(p, d->page + in, n);
		p += n;
		paddr += n;
		len -= n;
	}
	return 0;
}
