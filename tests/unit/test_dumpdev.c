// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DUMPDEV (userspace/lib/dumpdev.c): a dump packed by the real packer over
 * simulated memory is written to a device file the way the capture kernel
 * writes it, read back record by record and page by page against the
 * reader over the original memory, and every kind of damage is refused with
 * a reason: truncated, wrong magic, wrong version, bad checksums, a
 * half-written device, records out of order behind recomputed CRCs, random
 * damage; a consumed (saved) device, foreign data and an unsaved dump are
 * not overwritten.  Then the lkcd program end to end: capture to DUMPDEV,
 * `lkcd dumpdev`, save at the "next boot" into DUMPDIR (same dump file as a
 * direct save), consumed afterwards.
 */
#include <elf.h>
#include <endian.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "dumpdev_io.h"
#include "elfcore.h"
#include "internal.h"
#include "simmem.h"
#include "runcmd.h"
#include "unit.h"

#ifndef LKCD_BIN
#define LKCD_BIN "build/bin/lkcd"
#endif

#define HEADER_PADDR	0x100000ull
#define DEV_SIZE	(64u << 20)

static char work[64], devpath[128];
static struct simmem *sm;
static struct lkcd_source *src;
static const char notes_blob[] = "notes: NT_PRSTATUS and VMCOREINFO would be here";

/* The reader over sm, as a fresh page iterator. */
struct reader_ctx {
	struct lkcd_dump *dump;
	unsigned int fail_after;	/* next() fails after this many records; 0 never */
	unsigned int seen;
};

static int rd_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct reader_ctx *r = ctx;

	if (r->fail_after && r->seen++ >= r->fail_after)
		return lkcd_error_set(err, -EIO, "simulated read failure");
	return lkcd_dump_next(r->dump, pg, err);
}

static int rd_rewind(void *ctx, struct lkcd_error *err)
{
	struct reader_ctx *r = ctx;

	r->seen = 0;
	return lkcd_dump_rewind(r->dump, err);
}

static size_t rd_problems(void *ctx, const struct lkcd_problem **out)
{
	return lkcd_dump_problems(((struct reader_ctx *)ctx)->dump, out);
}

static int new_dev(const char *path, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0 && ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Write the dump of sm to fd; returns lkcd_dumpdev_write's value. */
static int write_dump(int fd, unsigned int fail_after, bool overwrite,
		      struct lkcd_dumpdev_info *info, struct lkcd_error *err)
{
	struct reader_ctx r = { .fail_after = fail_after };
	struct lkcd_dumpdev_input in;
	uint8_t page[LKCD_PAGE_SIZE];
	int ret;

	if (lkcd_dump_open(src, HEADER_PADDR, &r.dump, err) < 0)
		return -1000;
	lkcd_source_read(src, HEADER_PADDR, page, sizeof(page), NULL);
	memset(&in, 0, sizeof(in));
	in.header_page = page;
	in.header_paddr = HEADER_PADDR;
	in.notes = notes_blob;
	in.notes_len = sizeof(notes_blob);
	in.pages = (struct lkcd_page_iter){ &r, rd_next, rd_rewind };
	in.problems = rd_problems;
	in.problems_ctx = &r;
	in.now_sec = 1700000000;
	in.overwrite_unsaved = overwrite;
	ret = lkcd_dumpdev_write(fd, "testdev", &in, info, err);
	lkcd_dump_close(r.dump);
	return ret;
}

static int suite_init(void)
{
	struct lkcd_dumpdev_info info;
	int fd, ret;

	strcpy(work, "/tmp/lkcd-dumpdev-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	snprintf(devpath, sizeof(devpath), "%s/dev.img", work);
	sm = sim_new_standard(4096, 11);
	if (!sm || sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK & ~LKCD_EXCLUDE_ZERO,
			    LKCD_COMPRESS_ZLIB, 60000000000ull) != 0 ||
	    sm->header_pfn * LKCD_PAGE_SIZE != HEADER_PADDR || sim_source(sm, &src))
		return -1;
	fd = new_dev(devpath, DEV_SIZE);
	if (fd < 0)
		return -1;
	ret = write_dump(fd, 0, false, &info, NULL);
	close(fd);
	return ret;
}

static int suite_clean(void)
{
	lkcd_source_close(src);
	sim_free(sm);
	return remove_workdir(work);
}

/* A copy of the good device to damage. */
static int copy_dev(const char *name, char *path, size_t size)
{
	char cmd[512];

	snprintf(path, size, "%s/%s", work, name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", devpath, path);
	return system(cmd) == 0 ? 0 : -1;
}

static int open_path(const char *path, struct lkcd_error *err)
{
	struct lkcd_dumpdev *d = NULL;
	int fd = open(path, O_RDWR), ret;

	if (fd < 0)
		return -1000;
	ret = lkcd_dumpdev_open(fd, path, &d, err);
	lkcd_dumpdev_close(d);
	close(fd);
	return ret;
}

static void patch(const char *path, uint64_t off, const void *bytes, size_t n)
{
	int fd = open(path, O_RDWR);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pwrite(fd, bytes, n, (off_t)off) == (ssize_t)n);
	close(fd);
}

static void read_super_raw(const char *path, struct lkcd_dumpdev_super *s)
{
	int fd = open(path, O_RDONLY);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pread(fd, s, sizeof(*s), 0) == (ssize_t)sizeof(*s));
	close(fd);
}

/* Rewrite the superblock with a correct crc (damage behind good CRCs). */
static void write_super_raw(const char *path, struct lkcd_dumpdev_super *s)
{
	s->crc = 0;
	s->crc = htole32((uint32_t)crc32(0, (const Bytef *)s, sizeof(*s)));
	patch(path, 0, s, sizeof(*s));
}

/*
 * Open the device at path and compare every record it hands out with the
 * undamaged device's record of the same pfn: equal in every field and
 * byte (CU failures otherwise).  *lost: good records not handed out.
 * problems gets the problem reasons, one per line.  Returns the open's value.
 */
static char problems[16384];
static size_t salvaged_notes_len;
static struct lkcd_error salvage_err;

struct rec_sum {
	uint64_t pfn;
	uint32_t count, flags, compress, size, crc;
};

static size_t load_records(struct lkcd_dumpdev *d, struct rec_sum *out, size_t max)
{
	struct lkcd_page_iter it;
	struct lkcd_page pg;
	size_t n = 0;

	lkcd_dumpdev_page_iter(d, &it);
	while (n < max && it.next(it.ctx, &pg, NULL) == 1)
		out[n++] = (struct rec_sum){ pg.pfn, pg.count, pg.flags, pg.compress, pg.stored_size,
			pg.stored_size ? (uint32_t)crc32(0, pg.stored, pg.stored_size) : 0 };
	return n;
}

static int salvage(const char *path, size_t *lost)
{
	static struct rec_sum good[8192], got[8192];
	static size_t ngood;
	const struct lkcd_problem *probs;
	struct lkcd_dumpdev *d = NULL;
	size_t n, np, j = 0, len = 0;
	const void *notes;
	int fd, ret;

	if (!ngood) {
		fd = open(devpath, O_RDONLY);
		CU_ASSERT_FATAL(fd >= 0 && lkcd_dumpdev_open(fd, devpath, &d, NULL) == 0);
		ngood = load_records(d, good, 8192);
		lkcd_dumpdev_close(d);
		close(fd);
	}
	problems[0] = '\0';
	*lost = 0;
	memset(&salvage_err, 0, sizeof(salvage_err));
	fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	ret = lkcd_dumpdev_open(fd, path, &d, &salvage_err);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	n = load_records(d, got, 8192);
	for (size_t i = 0; i < n; i++) {
		while (j < ngood && good[j].pfn < got[i].pfn)
			j++;
		if (j == ngood || memcmp(&good[j], &got[i], sizeof(got[i]))) {
			CU_FAIL("a salvaged record differs from the good device's");
			break;
		}
	}
	*lost = ngood - n;
	np = lkcd_dumpdev_problems(d, &probs);
	/* the one problem type: a device's have no block, no log record */
	for (size_t i = 0; i < np; i++)
		CU_ASSERT(probs[i].block_seq == UINT64_MAX && probs[i].id == UINT64_MAX &&
			  probs[i].seq == UINT64_MAX);
	for (size_t i = 0; i < np && len < sizeof(problems) - 1; i++)
		len += (size_t)snprintf(problems + len, sizeof(problems) - len, "pfn 0x%llx: %s\n",
					(unsigned long long)probs[i].pfn, probs[i].reason);
	lkcd_dumpdev_notes(d, &notes, &salvaged_notes_len);
	lkcd_dumpdev_close(d);
	close(fd);
	return ret;
}

/* ---- round trip ---- */

static void test_roundtrip(void)
{
	struct lkcd_error err = { 0 };
	struct lkcd_dump *rd;
	struct lkcd_dumpdev *d;
	struct lkcd_page_iter it;
	struct lkcd_page a, b;
	const void *notes;
	size_t nlen, recs = 0, pages_checked = 0;
	uint8_t pa[LKCD_PAGE_SIZE], pb[LKCD_PAGE_SIZE];
	uint8_t page[LKCD_PAGE_SIZE];
	int fd, ra, rb;

	fd = open(devpath, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_dumpdev_open(fd, devpath, &d, &err), 0);
	CU_ASSERT_EQUAL(lkcd_dumpdev_info(d)->state, LKCD_DUMPDEV_COMPLETE);
	CU_ASSERT_EQUAL(lkcd_dumpdev_info(d)->header_paddr, HEADER_PADDR);
	CU_ASSERT_EQUAL(lkcd_dumpdev_info(d)->written_sec, 1700000000);
	lkcd_source_read(src, HEADER_PADDR, page, sizeof(page), NULL);
	CU_ASSERT_EQUAL(memcmp(lkcd_dumpdev_header_page(d), page, sizeof(page)), 0);
	CU_ASSERT_EQUAL(lkcd_dumpdev_header(d)->state, LKCD_STATE_COMPLETE);
	lkcd_dumpdev_notes(d, &notes, &nlen);
	CU_ASSERT_EQUAL(nlen, sizeof(notes_blob));
	CU_ASSERT_EQUAL(memcmp(notes, notes_blob, nlen), 0);

	CU_ASSERT_EQUAL_FATAL(lkcd_dump_open(src, HEADER_PADDR, &rd, &err), 0);
	lkcd_dumpdev_page_iter(d, &it);
	for (;;) {
		ra = lkcd_dump_next(rd, &a, &err);
		rb = it.next(it.ctx, &b, &err);
		CU_ASSERT_EQUAL(ra, rb);
		if (ra != 1 || rb != 1)
			break;
		recs++;
		CU_ASSERT_EQUAL(a.pfn, b.pfn);
		CU_ASSERT_EQUAL(a.count, b.count);
		CU_ASSERT_EQUAL(a.flags, b.flags);
		CU_ASSERT_EQUAL(a.compress, b.compress);
		CU_ASSERT_EQUAL_FATAL(a.stored_size, b.stored_size);
		CU_ASSERT(a.stored_size == 0 || memcmp(a.stored, b.stored, a.stored_size) == 0);
		/* read_phys (dmesg's view) gives the page the reader expands */
		if (a.flags == LKCD_REC_RAW || a.flags == LKCD_REC_COMPRESSED ||
		    a.flags == LKCD_REC_ZERO) {
			CU_ASSERT_EQUAL(lkcd_page_expand(&a, a.count - 1, pa, sizeof(pa), NULL), 0);
			CU_ASSERT_EQUAL(lkcd_dumpdev_read_phys(d, (a.pfn + a.count - 1) * LKCD_PAGE_SIZE,
							       pb, sizeof(pb)), 0);
			CU_ASSERT_EQUAL(memcmp(pa, pb, sizeof(pa)), 0);
			pages_checked++;
		} else {
			CU_ASSERT_EQUAL(lkcd_dumpdev_read_phys(d, a.pfn * LKCD_PAGE_SIZE, pb, 8),
					-EFAULT);
		}
	}
	CU_ASSERT_EQUAL(ra, 0);
	CU_ASSERT(recs > 100);
	CU_ASSERT(pages_checked > 100);
	CU_ASSERT_EQUAL(recs, lkcd_dumpdev_info(d)->nr_records);
	/* a read across a page boundary and one of a pfn not dumped */
	CU_ASSERT_EQUAL(lkcd_dumpdev_read_phys(d, sm->max_pfn * LKCD_PAGE_SIZE - 4, pb, 8), -EFAULT);
	/* a second pass (writers may make two) gives the same first record */
	CU_ASSERT_EQUAL(it.rewind(it.ctx, &err), 0);
	CU_ASSERT_EQUAL(it.next(it.ctx, &b, &err), 1);
	lkcd_dump_rewind(rd, &err);
	CU_ASSERT_EQUAL(lkcd_dump_next(rd, &a, &err), 1);
	CU_ASSERT_EQUAL(a.pfn, b.pfn);
	lkcd_dump_close(rd);
	lkcd_dumpdev_close(d);
	close(fd);
}

/* ---- damaged devices ---- */

static void test_wrong_magic(void)
{
	struct lkcd_error err = { 0 };
	char path[256];
	uint8_t z[8] = { 0 };

	CU_ASSERT_FATAL(copy_dev("magic.img", path, sizeof(path)) == 0);
	patch(path, 0, z, sizeof(z));
	CU_ASSERT_EQUAL(open_path(path, &err), -ENODATA);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no lkcd dump device signature"));
}

static void test_wrong_version(void)
{
	struct lkcd_error err = { 0 };
	struct lkcd_dumpdev_super s;
	char path[256];

	CU_ASSERT_FATAL(copy_dev("version.img", path, sizeof(path)) == 0);
	read_super_raw(path, &s);
	s.version = htole32(2);
	write_super_raw(path, &s);
	CU_ASSERT_EQUAL(open_path(path, &err), -EPROTONOSUPPORT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "version 2"));
}

static void test_bad_super_crc(void)
{
	struct lkcd_error err = { 0 };
	char path[256];
	uint8_t x = 0x5a;

	CU_ASSERT_FATAL(copy_dev("supercrc.img", path, sizeof(path)) == 0);
	patch(path, 300, &x, 1);	/* a reserved byte */
	CU_ASSERT_EQUAL(open_path(path, &err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "superblock checksum"));
}

static void test_bad_parts(void)
{
	struct lkcd_error err = { 0 };
	char path[256];
	uint8_t x;

	/* the header page: without it there is no range table to save against */
	CU_ASSERT_FATAL(copy_dev("hdr.img", path, sizeof(path)) == 0);
	x = 0xff;
	patch(path, LKCD_DUMPDEV_ALIGN + 600, &x, 1);
	CU_ASSERT_EQUAL(open_path(path, &err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "header page checksum"));


}

static void test_truncated(void)
{
	struct lkcd_error err = { 0 };
	struct lkcd_dumpdev_super s;
	char path[256];

	CU_ASSERT_FATAL(copy_dev("trunc.img", path, sizeof(path)) == 0);
	read_super_raw(path, &s);
	CU_ASSERT_FATAL(truncate(path, (off_t)(le64toh(s.records_offset) +
					       le64toh(s.records_size) / 2)) == 0);
	CU_ASSERT_EQUAL(open_path(path, &err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "truncated"));
	/* too short for even a superblock */
	CU_ASSERT_FATAL(truncate(path, 100) == 0);
	CU_ASSERT_EQUAL(open_path(path, &err), -ENODATA);
}

/* Lengths past the end and records out of order, behind good CRCs. */
static void test_lying_sizes(void)
{
	struct lkcd_error err = { 0 };
	struct lkcd_dumpdev_super s, good;
	struct lkcd_record_header r1, r2;
	char path[256];
	uint64_t off;
	size_t lost;
	int fd;

	CU_ASSERT_FATAL(copy_dev("sizes.img", path, sizeof(path)) == 0);
	read_super_raw(path, &good);

	s = good;
	s.records_size = htole64(DEV_SIZE);		/* past the end */
	write_super_raw(path, &s);
	CU_ASSERT_EQUAL(open_path(path, &err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "outside the device"));

	s = good;
	s.notes_offset = htole64(UINT64_MAX - 4095);	/* wraps */
	write_super_raw(path, &s);
	CU_ASSERT_EQUAL(open_path(path, &err), -EBADMSG);

	s = good;
	s.nr_records = htole64(le64toh(good.nr_records) + 1);	/* one more than there is */
	write_super_raw(path, &s);
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	CU_ASSERT_EQUAL(lost, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, "the superblock says"));

	s = good;
	s.records_size = htole64(le64toh(good.records_size) - 3); /* ends inside a record */
	write_super_raw(path, &s);
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	CU_ASSERT_EQUAL(lost, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, "on lost"));

	/* the second record's pfn moved before the first: a loop back */
	s = good;
	write_super_raw(path, &s);
	fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	off = le64toh(s.records_offset);
	CU_ASSERT_FATAL(pread(fd, &r1, sizeof(r1), (off_t)off) == sizeof(r1));
	off += sizeof(r1) + le32toh(r1.stored_size);
	CU_ASSERT_FATAL(pread(fd, &r2, sizeof(r2), (off_t)off) == sizeof(r2));
	r2.pfn = r1.pfn;
	CU_ASSERT_FATAL(pwrite(fd, &r2, sizeof(r2), (off_t)off) == sizeof(r2));
	close(fd);
	/* only that record is lost, named by the pfn the stream expected */
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	CU_ASSERT_EQUAL(lost, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, "damaged or unreadable"));
}

/* ---- salvage: damage after the capture costs only the damaged records ---- */

/* The stream offset (from records_offset) and header of record k. */
static void record_at(const char *path, size_t k, uint64_t *pos, struct lkcd_record_header *r)
{
	struct lkcd_dumpdev_super s;
	int fd = open(path, O_RDONLY);

	CU_ASSERT_FATAL(fd >= 0);
	read_super_raw(path, &s);
	*pos = 0;
	for (size_t i = 0; ; i++) {
		CU_ASSERT_FATAL(pread(fd, r, sizeof(*r), (off_t)(le64toh(s.records_offset) + *pos)) ==
				sizeof(*r));
		if (i == k)
			break;
		*pos += sizeof(*r) + le32toh(r->stored_size);
	}
	close(fd);
}

/* The k-th record with data (RAW or COMPRESSED) after record `from`. */
static size_t data_record(const char *path, size_t from)
{
	struct lkcd_record_header r;
	uint64_t pos;

	for (size_t k = from; ; k++) {
		record_at(path, k, &pos, &r);
		if (le32toh(r.stored_size))
			return k;
	}
}

static void test_salvage_record_data(void)
{
	struct lkcd_dumpdev_super s;
	struct lkcd_record_header r;
	char path[256], want[64];
	uint64_t pos;
	size_t k, lost;
	uint8_t b;

	CU_ASSERT_FATAL(copy_dev("rec.img", path, sizeof(path)) == 0);
	read_super_raw(path, &s);
	k = data_record(path, 40);
	record_at(path, k, &pos, &r);
	b = 0x5a;
	patch(path, le64toh(s.records_offset) + pos + sizeof(r) + 7, &b, 1);
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	CU_ASSERT_EQUAL(lost, 1);
	snprintf(want, sizeof(want), "pfn 0x%llx", (unsigned long long)le64toh(r.pfn));
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, "data checksum mismatch, 1 page(s) lost"));
}

static void test_salvage_record_header(void)
{
	struct lkcd_dumpdev_super s;
	struct lkcd_record_header r;
	char path[256], want[64];
	uint64_t pos;
	size_t k, lost;
	uint8_t b = 0x77;

	/* a record's flags: the stream is out of step until the next record */
	CU_ASSERT_FATAL(copy_dev("hdr2.img", path, sizeof(path)) == 0);
	read_super_raw(path, &s);
	k = data_record(path, 60);
	record_at(path, k, &pos, &r);
	patch(path, le64toh(s.records_offset) + pos + offsetof(struct lkcd_record_header, flags),
	      &b, 1);
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	CU_ASSERT_EQUAL(lost, 1);
	snprintf(want, sizeof(want), "pfns 0x%llx-", (unsigned long long)le64toh(r.pfn));
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, want));

	/* its stored size: stepping over it by the lie lands mid-stream */
	CU_ASSERT_FATAL(copy_dev("size.img", path, sizeof(path)) == 0);
	r.stored_size = htole32(le32toh(r.stored_size) - 100);
	patch(path, le64toh(s.records_offset) + pos, &r, sizeof(r));
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	CU_ASSERT(lost >= 1 && lost <= 2);
}

/* A zeroed 4 KiB sector in the middle of the stream, like a bad block. */
static void test_salvage_bad_sector(void)
{
	struct lkcd_dumpdev_super s;
	char path[256];
	static const uint8_t zero[4096];
	size_t lost;

	CU_ASSERT_FATAL(copy_dev("sector.img", path, sizeof(path)) == 0);
	read_super_raw(path, &s);
	patch(path, (le64toh(s.records_offset) + le64toh(s.records_size) / 2) & ~4095ull, zero,
	      sizeof(zero));
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	/* a compressed page is ~1-2 KiB here: a sector costs a handful */
	CU_ASSERT(lost >= 1 && lost <= 8);
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, "damaged or unreadable: pfns 0x"));
}

/* Damaged notes or problem table: dropped and said, every record saved. */
static void test_salvage_notes_and_table(void)
{
	struct lkcd_dumpdev_super s;
	char path[256];
	uint8_t x = 0xff;
	size_t lost;

	CU_ASSERT_FATAL(copy_dev("notes.img", path, sizeof(path)) == 0);
	read_super_raw(path, &s);
	patch(path, le64toh(s.notes_offset) + 3, &x, 1);
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	CU_ASSERT_EQUAL(lost, 0);
	CU_ASSERT_EQUAL(salvaged_notes_len, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, "the notes checksum mismatch: dropped"));

	CU_ASSERT_FATAL(copy_dev("table.img", path, sizeof(path)) == 0);
	s.problems_crc = htole32(le32toh(s.problems_crc) ^ 1);
	write_super_raw(path, &s);
	CU_ASSERT_EQUAL(salvage(path, &lost), 0);
	CU_ASSERT_EQUAL(lost, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(problems, "list of damaged parts is lost"));
}

static void test_half_written(void)
{
	struct lkcd_error err = { 0 };
	struct lkcd_dumpdev_info info;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/half.img", work);
	fd = new_dev(path, DEV_SIZE);
	CU_ASSERT_FATAL(fd >= 0);
	/* the capture dies after 50 records */
	CU_ASSERT_EQUAL(write_dump(fd, 50, false, NULL, &err), -EIO);
	CU_ASSERT_EQUAL(lkcd_dumpdev_read_super(fd, path, &info, &err), 0);
	CU_ASSERT_EQUAL(info.state, LKCD_DUMPDEV_WRITING);
	close(fd);
	CU_ASSERT_EQUAL(open_path(path, &err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "half-written"));

	/* a device too small: refused, and left recognisably half-written */
	fd = new_dev(path, 64 * 1024);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write_dump(fd, 0, false, NULL, &err), -ENOSPC);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "too small"));
	CU_ASSERT_EQUAL(lkcd_dumpdev_read_super(fd, path, &info, &err), 0);
	CU_ASSERT_EQUAL(info.state, LKCD_DUMPDEV_WRITING);
	/* a half-written device may be written again */
	CU_ASSERT_EQUAL(ftruncate(fd, DEV_SIZE), 0);
	CU_ASSERT_EQUAL(write_dump(fd, 0, false, NULL, &err), 0);
	close(fd);
	CU_ASSERT_EQUAL(open_path(path, &err), 0);
}

static void test_consumed_and_overwrite(void)
{
	struct lkcd_error err = { 0 };
	struct lkcd_dumpdev_info info;
	char path[256];
	int fd;

	CU_ASSERT_FATAL(copy_dev("saved.img", path, sizeof(path)) == 0);
	fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	/* an unsaved dump is not overwritten by the next capture ... */
	CU_ASSERT_EQUAL(write_dump(fd, 0, false, NULL, &err), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not yet saved"));
	/* ... saving marks it consumed, data kept ... */
	CU_ASSERT_EQUAL(lkcd_dumpdev_mark_saved(fd, path, 7, 1700000100, &err), 0);
	CU_ASSERT_EQUAL(lkcd_dumpdev_read_super(fd, path, &info, &err), 0);
	CU_ASSERT_EQUAL(info.state, LKCD_DUMPDEV_SAVED);
	CU_ASSERT_EQUAL(info.saved_index, 7);
	CU_ASSERT_EQUAL(info.saved_sec, 1700000100);
	CU_ASSERT_EQUAL(open_path(path, &err), 0);
	/* ... saved twice is refused ... */
	CU_ASSERT_EQUAL(lkcd_dumpdev_mark_saved(fd, path, 8, 1700000200, &err), -EINVAL);
	/* ... and then the device may take the next dump */
	CU_ASSERT_EQUAL(write_dump(fd, 0, false, &info, &err), 0);
	CU_ASSERT_EQUAL(info.state, LKCD_DUMPDEV_COMPLETE);
	/* overwrite_unsaved replaces a waiting dump */
	CU_ASSERT_EQUAL(write_dump(fd, 0, true, NULL, &err), 0);
	close(fd);
}


/* Put n bytes at off of the image at path; 0 or -1. */
static int put_bytes(const char *path, const void *p, size_t n, uint64_t off)
{
	int fd = open(path, O_WRONLY);
	int ret = fd >= 0 && pwrite(fd, p, n, (off_t)off) == (ssize_t)n ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * An LVM2 physical volume label, as pvcreate writes it (lvm2's
 * label_header + pv_header, format_text/layout.h): "LABELONE" in sector
 * 1, sector_xl = 1, crc_xl over the sector from offset_xl on (CRC-32 with
 * lvm's seed 0xf597a6cf, no final inversion), type "LVM2 001".
 */
static int craft_lvm_pv(const char *path)
{
	uint8_t sec[512] = { 0 };
	uint64_t one = htole64(1);
	uint32_t off = htole32(32), crc;

	memcpy(sec, "LABELONE", 8);
	memcpy(sec + 8, &one, 8);
	memcpy(sec + 20, &off, 4);
	memcpy(sec + 24, "LVM2 001", 8);
	memcpy(sec + 32, "lkcdTESTpvUUIDxxlkcdTESTpvUUIDxx", 32);
	crc = ~(uint32_t)crc32(~0xf597a6cfu, sec + 20, 512 - 20);
	crc = htole32(crc);
	memcpy(sec + 16, &crc, 4);
	return put_bytes(path, sec, sizeof(sec), 512);
}

/*
 * An md v1 superblock (mdp_superblock_1 of linux/raid/md_p.h) at byte at
 * (4 KiB: v1.2; 8 KiB before the end: v1.0): magic, major_version 1,
 * super_offset in sectors, max_dev 0 and sb_csum over its 256 bytes as
 * the md driver computes it.
 */
static int craft_md_at(const char *path, uint64_t at)
{
	uint8_t sb[256] = { 0 };
	uint32_t v;
	uint64_t csum = 0, so = htole64(at / 512);

	v = htole32(0xa92b4efc);
	memcpy(sb, &v, 4);
	v = htole32(1);
	memcpy(sb + 4, &v, 4);
	memcpy(sb + 16, "lkcd-test-array!", 16);	/* set_uuid */
	v = htole32(1);
	memcpy(sb + 72, &v, 4);				/* level: raid1 */
	v = htole32(2);
	memcpy(sb + 92, &v, 4);				/* raid_disks */
	memcpy(sb + 144, &so, 8);			/* super_offset */
	for (size_t i = 0; i < sizeof(sb); i += 4) {
		memcpy(&v, sb + i, 4);
		csum += le32toh(v);
	}
	v = htole32((uint32_t)((csum & 0xffffffff) + (csum >> 32)));
	memcpy(sb + 216, &v, 4);
	return put_bytes(path, sb, sizeof(sb), at);
}

static int craft_md(const char *path)
{
	return craft_md_at(path, 4096);
}

/*
 * Data someone else put there: refused with what libblkid calls it and
 * where, by the capture and by --init alike, made with the real tools
 * where they run on a file (mkfs.ext4, mkswap, mkfs.f2fs, make-bcache)
 * and crafted from the formats' own definitions where they need a kernel
 * (LVM's pvcreate, mdadm).  Each is first shown to wipefs -n, the judge nobody here wrote.
 */
static void test_foreign_data(void)
{
	static const struct { const char *make, *type; int (*craft)(const char *); } sigs[] = {
		{ "mkfs.ext4 -q -F %s", "ext4", NULL },
		{ "mkswap %s", "swap", NULL },
		{ "mkfs.f2fs -q %s", "f2fs", NULL },
		{ "make-bcache -B %s", "bcache", NULL },
		{ NULL, "LVM2_member", craft_lvm_pv },
		{ NULL, "linux_raid_member", craft_md },
	};
	struct lkcd_error err = { 0 };
	char path[256], want[128];
	uint8_t before[8192], after[8192];
	int fd;

	snprintf(path, sizeof(path), "%s/foreign.img", work);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		fd = new_dev(path, DEV_SIZE);
		CU_ASSERT_FATAL(fd >= 0);
		close(fd);
		CU_ASSERT_EQUAL_FATAL(sigs[i].make ? run(sigs[i].make, path) : sigs[i].craft(path), 0);
		CU_ASSERT_EQUAL(run("wipefs -n %s | grep -qw %s", path, sigs[i].type), 0);
		fd = open(path, O_RDWR);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_FATAL(pread(fd, before, sizeof(before), 0) == (ssize_t)sizeof(before));
		CU_ASSERT_EQUAL(write_dump(fd, 0, true, NULL, &err), -EPERM);
		snprintf(want, sizeof(want), "holds %s at byte ", sigs[i].type);
		if (!strstr(err.msg, want))
			fprintf(stderr, "\n%s: %s\n", sigs[i].type, err.msg);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
		/* --init refuses it too, names it, and changes nothing */
		CU_ASSERT_EQUAL(run("%s dumpdev --init %s", LKCD_BIN, path), 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, want));
		CU_ASSERT_FATAL(pread(fd, after, sizeof(after), 0) == (ssize_t)sizeof(after));
		CU_ASSERT_EQUAL(memcmp(before, after, sizeof(before)), 0);
		close(fd);
	}

	/* bytes no known format explains: refused, until claimed with --init */
	fd = new_dev(path, DEV_SIZE);
	CU_ASSERT_FATAL(pwrite(fd, "garbage!", 8, 100) == 8);
	CU_ASSERT_EQUAL(write_dump(fd, 0, false, NULL, &err), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "a non-zero byte at 100"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "lkcd dumpdev --init"));
	CU_ASSERT_EQUAL(run("%s dumpdev --init %s", LKCD_BIN, path), 0);
	CU_ASSERT_EQUAL(run("%s -c /dev/null dumpdev %s", LKCD_BIN, path), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "claimed by lkcd dumpdev --init"));
	CU_ASSERT_EQUAL(write_dump(fd, 0, false, NULL, &err), 0);
	/* --init on a device lkcd already wrote changes nothing */
	CU_ASSERT_FATAL(pread(fd, before, sizeof(before), 0) == (ssize_t)sizeof(before));
	CU_ASSERT_EQUAL(run("%s dumpdev --init %s", LKCD_BIN, path), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "already an lkcd dump device"));
	CU_ASSERT_FATAL(pread(fd, after, sizeof(after), 0) == (ssize_t)sizeof(after));
	CU_ASSERT_EQUAL(memcmp(before, after, sizeof(before)), 0);
	close(fd);

	/* zero where lkcd writes first, a signature at the end: md v1.0 */
	fd = new_dev(path, DEV_SIZE);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(craft_md_at(path, DEV_SIZE - 8192), 0);
	CU_ASSERT_EQUAL(run("wipefs -n %s | grep -qw linux_raid_member", path), 0);
	fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write_dump(fd, 0, false, NULL, &err), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "linux_raid_member"));
	close(fd);
}

/*
 * Random damage anywhere in the metadata and the first records: refused
 * with a reason, or opened; and whatever is opened hands out only records
 * the good device has, byte for byte (salvage never invents a page).
 */
static void test_random_damage(void)
{
	struct lkcd_dumpdev_super s;
	char path[256];
	unsigned int refused = 0, salvaged = 0;
	uint64_t span;

	CU_ASSERT_FATAL(copy_dev("random.img", path, sizeof(path)) == 0);
	read_super_raw(path, &s);
	span = le64toh(s.records_offset) + 16384;
	srand(7);
	for (int i = 0; i < 300; i++) {
		uint64_t off = (uint64_t)rand() % span;
		uint8_t old, b;
		int fd = open(path, O_RDWR), ret;
		size_t lost;

		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_FATAL(pread(fd, &old, 1, (off_t)off) == 1);
		b = old ^ (uint8_t)(1 + rand() % 255);
		CU_ASSERT_FATAL(pwrite(fd, &b, 1, (off_t)off) == 1);
		close(fd);
		ret = salvage(path, &lost);
		if (ret < 0) {
			refused++;
			CU_ASSERT(salvage_err.msg[0] != '\0');
		} else if (problems[0]) {
			salvaged++;
		}
		patch(path, off, &old, 1);
	}
	CU_ASSERT(refused > 0);
	CU_ASSERT(salvaged > 0);
}

/* ---- the lkcd program ---- */


/*
 * lkcd dumpdev --json on stdin -> "state|waiting|saved_as|panic|error": the
 * dump's panic string when its summary ("dump") is there with pages, the
 * error reduced to whether it names a checksum; "-" for a key not there.
 */
#define DUMPDEV_JSON_PY \
	"python3 -c 'import json, sys; d = json.load(sys.stdin); s = d.get(\"dump\"); " \
	"e = d.get(\"error\"); " \
	"p = s[\"panic_string\"] if s and s[\"pages_dumped\"] > 0 and d[\"pages\"] > 0 " \
	"and d[\"written_utc\"] else (\"bad\" if s else \"-\"); " \
	"print(d[\"state\"], d[\"waiting\"], d.get(\"saved_as\", \"-\"), p, " \
	"(\"checksum\" if \"checksum\" in e else e) if e else \"-\", sep=\"|\")'"

static void test_cmd_three_boots(void)
{
	struct elfcore_seg segs[SIM_MAX_RANGES];
	const char *panic = ((const struct lkcd_dump_header *)(sm->mem + HEADER_PADDR))->panic_string;
	char *core = NULL, conf[256], dev[256], root[256], want[512];
	int fd;

	if (access(LKCD_BIN, X_OK) != 0) {
		CU_FAIL("build/bin/lkcd is not built");
		return;
	}
	for (size_t i = 0; i < sm->nr_ranges; i++)
		segs[i] = (struct elfcore_seg){
			.type = PT_LOAD, .paddr = sm->ranges[i].start,
			.memsz = sm->ranges[i].size, .filesz = sm->ranges[i].size,
			.data = sm->mem + sm->ranges[i].start,
		};
	CU_ASSERT_FATAL(elfcore_write(&core, segs, sm->nr_ranges) == 0);
	snprintf(conf, sizeof(conf), "%s/lkcd.conf", work);
	snprintf(dev, sizeof(dev), "%s/cmd-dev.img", work);
	snprintf(root, sizeof(root), "%s/root", work);
	fd = new_dev(dev, DEV_SIZE);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	{
		FILE *f = fopen(conf, "w");

		CU_ASSERT_FATAL(f != NULL);
		fprintf(f, "DUMPDEV=%s\nDUMPDIR=%s/dumps\n", dev, work);
		fclose(f);
	}
	/* a normal boot's /proc/cmdline: no crashdump= */
	CU_ASSERT_EQUAL_FATAL(run("mkdir -p %s/proc && echo 'root=/dev/vda1 ro' >%s/proc/cmdline",
				  root, root), 0);

	/* boot 1, nothing yet */
	CU_ASSERT_EQUAL(run("%s dumpdev %s", LKCD_BIN, dev), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no lkcd dump"));
	CU_ASSERT_EQUAL(run("%s dumpdev --json %s | " DUMPDEV_JSON_PY, LKCD_BIN, dev), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "none|False|-|-|-\n");
	/* --json reports; it neither hides (--quiet) nor claims (--init) */
	CU_ASSERT_EQUAL(run("%s dumpdev --json --quiet %s", LKCD_BIN, dev), 1);
	CU_ASSERT_EQUAL(run("%s dumpdev --json --init %s", LKCD_BIN, dev), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "goes with neither --quiet nor --init"));
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save", root, LKCD_BIN, conf), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no dump waiting"));

	/* capture kernel with save --output: that file instead of DUMPDEV */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -o %s/cap.kdump", LKCD_BIN, conf,
			    core, HEADER_PADDR, work), 0);
	CU_ASSERT_EQUAL(run("test -s %s/cap.kdump", work), 0);
	CU_ASSERT_EQUAL(run("%s dumpdev %s", LKCD_BIN, dev), 2);

	/* boot 2, the capture kernel: onto DUMPDEV (DUMPDEV from the config) */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx", LKCD_BIN, conf, core,
			    HEADER_PADDR), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMPDEV"));
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev", LKCD_BIN, conf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "complete, not saved"));
	/* the same as JSON, with the exit code of the text: a dump waits */
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev -j | " DUMPDEV_JSON_PY, LKCD_BIN, conf), 0);
	snprintf(want, sizeof(want), "complete|True|-|%s|-\n", panic);
	CU_ASSERT_STRING_EQUAL(run_out, want);
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev -j >/dev/null", LKCD_BIN, conf), 0);
	/*
	 * a second crash before the save does not destroy the first dump: it
	 * is kept, and the second goes to DUMPDIR (another one here, so that
	 * the numbering below stays the first dump's)
	 */
	CU_ASSERT_EQUAL_FATAL(run("sed 's|^DUMPDIR=.*|DUMPDIR=%s/second|' %s >%s.second", work, conf,
				  conf), 0);
	CU_ASSERT_EQUAL(run("%s -c %s.second save -f %s -a 0x%llx", LKCD_BIN, conf, core,
			    HEADER_PADDR), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "not yet saved (written "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kept, not overwritten"));
	CU_ASSERT_EQUAL(run("test -s %s/second/0/dump.0", work), 0);
	/* ... in the format lkcd save -F asks for, not the configuration's */
	CU_ASSERT_EQUAL(run("%s -c %s.second save -F elf -f %s -a 0x%llx", LKCD_BIN, conf, core,
			    HEADER_PADDR), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kept, not overwritten"));
	CU_ASSERT_EQUAL(run("head -c 4 %s/second/1/dump.1 | grep -q ELF", work), 0);
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev", LKCD_BIN, conf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "complete, not saved"));

	/* save --output copies it elsewhere and leaves it waiting for DUMPDIR */
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save -o %s/copy.kdump", root, LKCD_BIN,
			    conf, work), 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "marked saved"));
	CU_ASSERT_EQUAL(run("test -e %s/dumps/0", work), 1);
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev", LKCD_BIN, conf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "complete, not saved"));

	/* boot 3: lkcd save copies it to DUMPDIR/0 and marks the device */
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save", root, LKCD_BIN, conf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "marked saved"));
	CU_ASSERT_EQUAL(run("test -s %s/dumps/0/dump.0 && test -s %s/dumps/0/analysis.0",
			    work, work), 0);
	CU_ASSERT_EQUAL(run("%s -c %s show 0", LKCD_BIN, conf), 0);
	/* the same dump file as a save straight from the vmcore */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s/direct", LKCD_BIN, conf, core,
			    HEADER_PADDR, work), 0);
	CU_ASSERT_EQUAL(run("cmp %s/dumps/0/dump.0 %s/direct/0/dump.0", work, work), 0);
	CU_ASSERT_EQUAL(run("cmp %s/dumps/0/dump.0 %s/copy.kdump", work, work), 0);
	CU_ASSERT_EQUAL(run("cmp %s/cap.kdump %s/copy.kdump", work, work), 0);
	CU_ASSERT_EQUAL(run("grep -q 'from %s' %s/dumps/0/analysis.0", dev, work), 0);

	/* consumed: nothing more to save, until asked again */
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev", LKCD_BIN, conf), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "saved as:"));
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev --json | " DUMPDEV_JSON_PY, LKCD_BIN, conf), 0);
	snprintf(want, sizeof(want), "saved|False|%s/dumps/0|%s|-\n", work, panic);
	CU_ASSERT_STRING_EQUAL(run_out, want);
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev --json >/dev/null", LKCD_BIN, conf), 2);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save", root, LKCD_BIN, conf), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no dump waiting (the last one was saved as"));
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save --again", root, LKCD_BIN, conf), 0);
	CU_ASSERT_EQUAL(run("test -s %s/dumps/1/dump.1", work), 0);

	/* damage in the record stream: every other record is still saved, the loss said */
	{
		struct lkcd_dumpdev_super sb;
		struct lkcd_record_header r;
		uint64_t pos;
		size_t k;
		uint8_t b = 0x5a;

		read_super_raw(dev, &sb);
		k = data_record(dev, 30);
		record_at(dev, k, &pos, &r);
		patch(dev, le64toh(sb.records_offset) + pos + sizeof(r) + 9, &b, 1);
		CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save --again", root, LKCD_BIN, conf), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "1 damaged part(s) of the dump skipped"));
		CU_ASSERT_EQUAL(run("grep -F 'pfn 0x%llx: record at byte %llu of the stream: data checksum mismatch' "
				    "%s/dumps/2/analysis.2", (unsigned long long)le64toh(r.pfn),
				    (unsigned long long)pos, work), 0);
	}

	/* a damaged header page is refused with its reason, nothing is created */
	CU_ASSERT_EQUAL(run("printf 'XXXX' | dd of=%s bs=1 seek=5000 conv=notrunc", dev), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save --again", root, LKCD_BIN, conf), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "checksum mismatch"));
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev --json | " DUMPDEV_JSON_PY, LKCD_BIN, conf), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "unusable|False|-|-|checksum\n");
	CU_ASSERT_EQUAL(run("test -e %s/dumps/3", work), 1);
	unlink(core);
	free(core);
}

/* lkcd config refuses a DUMPDEV the capture could not use, before any crash */
static void test_config_checks_dumpdev(void)
{
	char root[256], cf[256];
	FILE *f;

	snprintf(root, sizeof(root), "%s/cfgroot", work);
	snprintf(cf, sizeof(cf), "%s/cfg.conf", work);
	CU_ASSERT_EQUAL_FATAL(run("mkdir -p %s/sys/kernel %s/proc %s/boot && echo 268435456 >%s/sys/kernel/kexec_crash_size && "
				  "echo 'root=/dev/vda1 crashkernel=256M' >%s/proc/cmdline && echo k >%s/boot/vmlinuz",
				  root, root, root, root, root, root), 0);
	f = fopen(cf, "w");
	CU_ASSERT_FATAL(f != NULL);
	fprintf(f, "DUMPDEV=%s\nKEXEC_KERNEL=%s/boot/vmlinuz\n", devpath, root);
	fclose(f);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config --dry-run", root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "is not a block device"));
	f = fopen(cf, "w");
	CU_ASSERT_FATAL(f != NULL);
	fprintf(f, "DUMPDEV=%s/nothere\nKEXEC_KERNEL=%s/boot/vmlinuz\n", work, root);
	fclose(f);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config --dry-run", root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "No such file"));
	/* without DUMPDEV the same config goes on (dry run; a capture initrd lkcd built) */
	CU_ASSERT_EQUAL(run("touch %s/boot/initrd.img %s/boot/initrd.img.stamp", root, root), 0);
	f = fopen(cf, "w");
	CU_ASSERT_FATAL(f != NULL);
	fprintf(f, "KEXEC_KERNEL=%s/boot/vmlinuz\nKEXEC_INITRD=%s/boot/initrd.img\n", root, root);
	fclose(f);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config --dry-run", root, LKCD_BIN, cf), 0);
}

static CU_TestInfo tests[] = {
	{ "round trip: records, pages, notes, header", test_roundtrip },
	{ "wrong magic", test_wrong_magic },
	{ "wrong version", test_wrong_version },
	{ "bad superblock checksum", test_bad_super_crc },
	{ "bad header/notes/record checksums", test_bad_parts },
	{ "truncated device", test_truncated },
	{ "lengths past the end, records out of order", test_lying_sizes },
	{ "half-written and too small", test_half_written },
	{ "consumed, unsaved not overwritten", test_consumed_and_overwrite },
	{ "filesystems and partition tables not overwritten", test_foreign_data },
	{ "random damage", test_random_damage },
	{ "salvage: a record's data damaged", test_salvage_record_data },
	{ "salvage: a record header damaged", test_salvage_record_header },
	{ "salvage: a zeroed sector mid-stream", test_salvage_bad_sector },
	{ "salvage: notes and problem table damaged", test_salvage_notes_and_table },
	{ "lkcd: capture, dumpdev, save at the next boot", test_cmd_three_boots },
	{ "lkcd config checks DUMPDEV when arming", test_config_checks_dumpdev },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("dumpdev", suite_init, suite_clean, tests);
}

LKCD_TEST_MAIN(register_suites)
