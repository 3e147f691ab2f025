// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The kdump-compressed writer: write the fixture dump, read the file back
 * with a parser written here from makedumpfile's diskdump_mod.h (headers,
 * both bitmaps, page_desc[], every page decompressed and compared) and with
 * libkdumpfile; page stream errors and a full disk.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <lz4.h>
#include <lzo/lzo1x.h>

#include "unit.h"
#include "write_fixture.h"
#include "writer.h"

/* The on-disk structs as this test reads them, by offset. */
#define DH_SIZE		464
#define KH_SIZE		104
#define PD_SIZE		24

static int bit(const uint8_t *map, uint64_t n)
{
	return (map[n >> 3] >> (n & 7)) & 1;
}

struct kd {
	uint8_t *buf;
	size_t len;
	uint32_t block, sub_blocks, bitmap_blocks;
	uint64_t max_mapnr;
	const uint8_t *bitmap1, *bitmap2;
	uint64_t desc_off;
};

static int kd_parse(struct kd *k, const char *path)
{
	memset(k, 0, sizeof(*k));
	k->buf = fx_slurp(path, &k->len);
	if (!k->buf || k->len < 2 * FX_PS)
		return -1;
	k->block = rd32(k->buf + 428);
	k->sub_blocks = rd32(k->buf + 432);
	k->bitmap_blocks = rd32(k->buf + 436);
	k->max_mapnr = rd64(k->buf + k->block + 96);
	k->bitmap1 = k->buf + (uint64_t)(1 + k->sub_blocks) * k->block;
	k->bitmap2 = k->bitmap1 + (uint64_t)k->bitmap_blocks / 2 * k->block;
	k->desc_off = (uint64_t)(1 + k->sub_blocks + k->bitmap_blocks) * k->block;
	return k->desc_off <= k->len ? 0 : -1;
}

/* Decompress pfn's page as crash's cache_page() does; -1 on any problem. */
static int kd_page(const struct kd *k, uint64_t pfn, uint8_t *out, uint32_t *flags_out)
{
	uint64_t pos = 0, i, off;
	uint32_t size, flags;

	if (!bit(k->bitmap2, pfn))
		return -1;
	for (i = 0; i < pfn; i++)
		pos += bit(k->bitmap2, i);
	if (k->desc_off + (pos + 1) * PD_SIZE > k->len)
		return -1;
	off = rd64(k->buf + k->desc_off + pos * PD_SIZE);
	size = rd32(k->buf + k->desc_off + pos * PD_SIZE + 8);
	flags = rd32(k->buf + k->desc_off + pos * PD_SIZE + 12);
	if (flags_out)
		*flags_out = flags;
	if (size > k->block || off + size > k->len)
		return -1;
	if (flags & 0x1) {
		uLongf n = k->block;

		if (uncompress(out, &n, k->buf + off, size) != Z_OK || n != k->block)
			return -1;
	} else if (flags & 0x2) {
		lzo_uint n = k->block;

		if (lzo1x_decompress_safe(k->buf + off, size, out, &n, NULL) != LZO_E_OK ||
		    n != k->block)
			return -1;
	} else if (flags & 0x20) {
		size_t n = ZSTD_decompress(out, k->block, k->buf + off, size);

		if (ZSTD_isError(n) || n != k->block)
			return -1;
	} else if (flags == 0) {
		if (size != k->block)
			return -1;
		memcpy(out, k->buf + off, size);
	} else {
		return -1;
	}
	return 0;
}

/* The whole file checked against the fixture; returns mismatches. */
static int check_file(const struct fx *f, const char *path, int keep_zstd)
{
	struct kd k;
	uint8_t page[FX_PS], want[FX_PS];
	int bad = 0;
	uint64_t pfn, zero_off = 0;
	size_t i;

	CU_ASSERT_FATAL(kd_parse(&k, path) == 0);
	CU_ASSERT(memcmp(k.buf, "KDUMP   ", 8) == 0);
	CU_ASSERT_EQUAL(rd32(k.buf + 8), 6);
	CU_ASSERT(strcmp((char *)k.buf + 12 + 4 * 65, "x86_64") == 0);
	CU_ASSERT(strcmp((char *)k.buf + 12 + 2 * 65, "6.1.0-fixture") == 0);
	CU_ASSERT_EQUAL(rd64(k.buf + 408), f->hdr.panic_time_sec);
	CU_ASSERT_EQUAL(rd64(k.buf + 416), f->hdr.panic_time_nsec / 1000);
	CU_ASSERT_EQUAL(k.block, FX_PS);
	CU_ASSERT_EQUAL(rd32(k.buf + 440), FX_RAM_END);
	CU_ASSERT_EQUAL(rd32(k.buf + 460), FX_NR_CPUS);
	/* bitmaps: ceil(110 / 8) bytes -> one block each */
	CU_ASSERT_EQUAL(k.bitmap_blocks, 2);
	CU_ASSERT_EQUAL(rd32(k.buf + 424) & 0x8, 0);	/* not incomplete */
	CU_ASSERT_EQUAL(!!(rd32(k.buf + 424) & 0x20), !!keep_zstd);
	CU_ASSERT(rd32(k.buf + 424) & 0x1);

	/* sub header */
	CU_ASSERT_EQUAL(rd64(k.buf + FX_PS), FX_PHYS_BASE);
	CU_ASSERT_EQUAL(rd32(k.buf + FX_PS + 8), f->hdr.exclude);
	CU_ASSERT_EQUAL(rd64(k.buf + FX_PS + 96), FX_RAM_END);
	CU_ASSERT_EQUAL(rd64(k.buf + FX_PS + 48), FX_PS + KH_SIZE);
	CU_ASSERT_EQUAL(rd64(k.buf + FX_PS + 56), f->notes_len);
	CU_ASSERT(memcmp(k.buf + FX_PS + KH_SIZE, f->notes, f->notes_len) == 0);
	CU_ASSERT_EQUAL(k.sub_blocks, (KH_SIZE + f->notes_len + FX_PS - 1) / FX_PS);
	{
		uint64_t vo = rd64(k.buf + FX_PS + 32), vs = rd64(k.buf + FX_PS + 40);

		CU_ASSERT(vo > FX_PS + KH_SIZE && vo + vs <= FX_PS + KH_SIZE + f->notes_len);
		CU_ASSERT(vs > 10 && memcmp(k.buf + vo, "OSRELEASE=6.1.0-fixture\n", 24) == 0);
	}

	for (pfn = 0; pfn < FX_MAX_PFN; pfn++) {
		int ram = 0, dumped = f->state[pfn] == FX_DATA || f->state[pfn] == FX_ZERO;
		uint32_t flags = 0;

		for (i = 0; i < FX_NR_RANGES; i++)
			ram |= pfn >= fx_ranges[i].start / FX_PS &&
			       pfn < (fx_ranges[i].start + fx_ranges[i].size + FX_PS - 1) / FX_PS;
		if (bit(k.bitmap1, pfn) != ram || bit(k.bitmap2, pfn) != dumped) {
			bad++;
			continue;
		}
		if (!dumped)
			continue;
		if (kd_page(&k, pfn, page, &flags)) {
			bad++;
			continue;
		}
		fx_expected(f, pfn, want);
		if (memcmp(page, want, FX_PS)) {
			fprintf(stderr, "\npfn %llu: content differs (flags 0x%x)\n",
				(unsigned long long)pfn, flags);
			bad++;
		}
		if (!keep_zstd)
			bad += (flags & 0x20) != 0;
		if (f->state[pfn] == FX_ZERO) {
			/* one stored zero page shared by all */
			uint64_t pos = 0, j, off;

			for (j = 0; j < pfn; j++)
				pos += bit(k.bitmap2, j);
			off = rd64(k.buf + k.desc_off + pos * PD_SIZE);
			if (zero_off && off != zero_off)
				bad++;
			zero_off = off;
		}
	}
	/* nothing set past max_mapnr */
	for (pfn = FX_RAM_END; pfn < (uint64_t)k.bitmap_blocks / 2 * FX_PS * 8; pfn++)
		bad += bit(k.bitmap1, pfn) + bit(k.bitmap2, pfn);
	free(k.buf);
	return bad;
}

static void test_roundtrip_default(void)
{
	struct fx f;
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	char path[256];

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, NULL, &st, path, sizeof(path), &err), 0);
	CU_ASSERT_EQUAL(check_file(&f, path, 0), 0);
	CU_ASSERT_EQUAL(st.pages_written, fx_count(&f, FX_DATA) + fx_count(&f, FX_ZERO));
	CU_ASSERT_EQUAL(st.pages_zero, fx_count(&f, FX_ZERO));
	CU_ASSERT_EQUAL(st.pages_unreadable, fx_count(&f, FX_UNREADABLE));
	/* zlib pages copied: 2, 51, 100 (42 is bigger than a page) */
	CU_ASSERT_EQUAL(st.pages_copied, 3);
	/* zstd 3, 32, 43, 103; lz4 4, 33, 44; oversize zlib 42 */
	CU_ASSERT_EQUAL(st.pages_recompressed, 8);
	CU_ASSERT_EQUAL(st.passes, 1);	/* pages_dumped was a usable bound */
	CU_ASSERT_EQUAL(st.notes_truncated, 0);
	{
		struct stat sb;

		CU_ASSERT(stat(path, &sb) == 0 && (uint64_t)sb.st_size == st.file_size);
		CU_ASSERT(st.bytes_written >= st.file_size);
	}
	unlink(path);
	fx_free(&f);
}

static void test_roundtrip_keep_zstd(void)
{
	struct fx f;
	struct lkcd_write_opts opts = { .flags = LKCD_WRITE_KEEP_ZSTD };
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	char path[256];

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, &opts, &st, path, sizeof(path), &err), 0);
	CU_ASSERT_EQUAL(check_file(&f, path, 1), 0);
	/* zstd 3, 32, 103 copied too; 43 (incompressible) compressed above a page? */
	CU_ASSERT(st.pages_copied >= 6);
	CU_ASSERT_EQUAL(st.pages_copied + st.pages_recompressed, 11);
	unlink(path);
	fx_free(&f);
}

/* No usable bound in the header: a counting pass first. */
static void test_two_passes(void)
{
	struct fx f;
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	char path[256];

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	f.hdr.pages_dumped = 0;
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, NULL, &st, path, sizeof(path), &err), 0);
	CU_ASSERT_EQUAL(st.passes, 2);
	CU_ASSERT_EQUAL(check_file(&f, path, 0), 0);
	unlink(path);
	fx_free(&f);
}

/* A header that undercounts: the table overflows, count, write again. */
static void test_bound_too_small(void)
{
	struct fx f;
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	char path[256];

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	f.hdr.pages_dumped = 5;
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, NULL, &st, path, sizeof(path), &err), 0);
	CU_ASSERT_EQUAL(st.passes, 3);
	CU_ASSERT_EQUAL(check_file(&f, path, 0), 0);
	CU_ASSERT_EQUAL(st.pages_written, fx_count(&f, FX_DATA) + fx_count(&f, FX_ZERO));
	unlink(path);
	fx_free(&f);
}

/* A header that overcounts: spare descriptors, still a valid file. */
static void test_bound_too_big(void)
{
	struct fx f;
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	char path[256];

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	f.hdr.pages_dumped = 90;
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, NULL, &st, path, sizeof(path), &err), 0);
	CU_ASSERT_EQUAL(st.passes, 1);
	CU_ASSERT_EQUAL(check_file(&f, path, 0), 0);
	unlink(path);
	fx_free(&f);
}

static void test_incomplete_flag(void)
{
	struct fx f;
	struct lkcd_error err = { 0 };
	char path[256];
	uint8_t *buf;
	size_t len;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	f.hdr.state = LKCD_STATE_INCOMPLETE;
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, NULL, NULL, path, sizeof(path), &err), 0);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT(rd32(buf + 424) & 0x8);
	free(buf);
	unlink(path);
	fx_free(&f);
}

static void test_libkdumpfile_reads(void)
{
	struct fx f;
	struct lkcd_error err = { 0 };
	char path[256], why[512];
	size_t ok;
	int bad;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, NULL, NULL, path, sizeof(path), &err), 0);
	bad = fx_kdumpfile_check(&f, path, 0, &ok, why, sizeof(why));
	if (bad)
		fprintf(stderr, "\nlibkdumpfile: %d bad: %s\n", bad, why);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(ok, fx_count(&f, FX_DATA) + fx_count(&f, FX_ZERO));
	unlink(path);

	/* and with zstd pages kept */
	{
		struct lkcd_write_opts opts = { .flags = LKCD_WRITE_KEEP_ZSTD };

		CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, &opts, NULL, path, sizeof(path), &err), 0);
		bad = fx_kdumpfile_check(&f, path, 0, &ok, why, sizeof(why));
		if (bad)
			fprintf(stderr, "\nlibkdumpfile (zstd): %d bad: %s\n", bad, why);
		CU_ASSERT_EQUAL(bad, 0);
		unlink(path);
	}
	fx_free(&f);
}

/* ---- errors ---- */

static int write_expect_error(struct fx *f, enum lkcd_out_format fmt,
			      struct lkcd_error *err)
{
	struct lkcd_write_input in;
	char path[256];
	int fd = fx_tmpfile(path, sizeof(path), "kdump-err");
	int ret;

	fx_input(f, &in);
	ret = lkcd_write_dump(fd, fmt, &in, NULL, NULL, err);
	close(fd);
	unlink(path);
	return ret;
}

static void test_full_disk(void)
{
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_error err = { 0 };
	int fd, ret;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	fd = open("/dev/full", O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	fx_input(&f, &in);
	ret = lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, NULL, &err);
	CU_ASSERT_EQUAL(ret, -ENOSPC);
	CU_ASSERT_EQUAL(err.code, -ENOSPC);
	CU_ASSERT(strstr(err.msg, "No space left on device") != NULL);
	CU_ASSERT(strstr(err.msg, "kdump") != NULL);
	close(fd);
	fx_free(&f);
}

/*
 * LKCD_WRITE_DIRECT below the writers: a stream that starts mid-block
 * (the kdump page data starts right after the descriptors) fills its first
 * buffer only to the next aligned offset, through the page cache; every
 * full buffer after goes O_DIRECT; the tail through the page cache again.
 * The bytes land where they belong either way.  Where the test's file
 * system refuses O_DIRECT, nothing goes direct and the bytes still land.
 */
static void test_direct_writes(void)
{
	const size_t cap = 1024 * 1024, len = 3 * cap;
	const uint64_t start = 1000;
	struct wr_sink sink = { .direct = true };
	struct lkcd_error err = { 0 };
	uint64_t bytes = 0;
	struct wout w;
	uint8_t *data, *back;
	char path[256];
	bool can_direct;
	int probe;

	data = malloc(len);
	back = malloc(len);
	CU_ASSERT_FATAL(data && back);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 131 + (i >> 12));
	sink.fd = fx_tmpfile(path, sizeof(path), "direct");
	CU_ASSERT_FATAL(sink.fd >= 0);
	probe = open(path, O_WRONLY | O_DIRECT);
	can_direct = probe >= 0;
	if (probe >= 0)
		close(probe);

	CU_ASSERT_EQUAL_FATAL(wout_init(&w, &sink, start, cap, "test data", &bytes, &err), 0);
	/* in odd pieces, as pages come */
	for (size_t off = 0; off < len; off += 1000)
		CU_ASSERT_EQUAL_FATAL(wout_append(&w, data + off, len - off < 1000 ? len - off : 1000,
						  &err), 0);
	CU_ASSERT_EQUAL(wout_flush(&w, &err), 0);
	CU_ASSERT_EQUAL(wout_tell(&w), start + len);
	wout_free(&w);
	CU_ASSERT_EQUAL(bytes, len);
	/* 1 MiB - 1000 buffered, two whole 1 MiB buffers direct, 1000 buffered */
	CU_ASSERT_EQUAL(sink.direct_bytes, can_direct ? 2 * cap : 0);
	CU_ASSERT_EQUAL(sink.direct, can_direct);
	CU_ASSERT_EQUAL(pread(sink.fd, back, len, (off_t)start), (ssize_t)len);
	CU_ASSERT(memcmp(back, data, len) == 0);
	/* the fd is left as it was given: no O_DIRECT for what comes after */
	CU_ASSERT_EQUAL(fcntl(sink.fd, F_GETFL) & O_DIRECT, 0);
	close(sink.fd);
	unlink(path);

	/* not asked: nothing goes direct, the same bytes */
	sink = (struct wr_sink){ .direct = false };
	sink.fd = fx_tmpfile(path, sizeof(path), "buffered");
	CU_ASSERT_FATAL(sink.fd >= 0);
	CU_ASSERT_EQUAL_FATAL(wout_init(&w, &sink, start, cap, "test data", NULL, &err), 0);
	CU_ASSERT_EQUAL(wout_append(&w, data, len, &err), 0);
	CU_ASSERT_EQUAL(wout_flush(&w, &err), 0);
	wout_free(&w);
	CU_ASSERT_EQUAL(sink.direct_bytes, 0);
	CU_ASSERT_EQUAL(pread(sink.fd, back, len, (off_t)start), (ssize_t)len);
	CU_ASSERT(memcmp(back, data, len) == 0);
	close(sink.fd);
	unlink(path);
	free(data);
	free(back);
}

/* LKCD_WRITE_DIRECT through lkcd_write_dump: the same file, byte for byte. */
static void test_direct_same_file(void)
{
	struct fx f;
	struct lkcd_write_opts opts = { .flags = LKCD_WRITE_DIRECT };
	struct lkcd_write_stats st, st_direct;
	struct lkcd_error err = { 0 };
	char path[256], path_direct[256];
	uint8_t *a, *b;
	size_t alen, blen;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, NULL, &st, path, sizeof(path), &err), 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_KDUMP, &opts, &st_direct, path_direct,
				       sizeof(path_direct), &err), 0);
	CU_ASSERT_EQUAL(check_file(&f, path_direct, 0), 0);
	a = fx_slurp(path, &alen);
	b = fx_slurp(path_direct, &blen);
	CU_ASSERT_FATAL(a && b);
	CU_ASSERT(alen == blen && memcmp(a, b, alen) == 0);
	CU_ASSERT_EQUAL(st.bytes_direct, 0);
	CU_ASSERT_EQUAL(st_direct.file_size, st.file_size);
	free(a);
	free(b);
	unlink(path);
	unlink(path_direct);
	fx_free(&f);
}

/* Outputs the writers cannot place bytes in. */
static void test_bad_outputs(void)
{
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_error err = { 0 };
	char path[256];
	int fds[2], fd;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	fx_input(&f, &in);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	CU_ASSERT_EQUAL(lkcd_write_dump(fds[1], LKCD_OUT_KDUMP, &in, NULL, NULL, &err), -ESPIPE);
	CU_ASSERT(strstr(err.msg, "pipe") != NULL);
	close(fds[0]);
	close(fds[1]);

	fd = fx_tmpfile(path, sizeof(path), "kdump-append");
	close(fd);
	fd = open(path, O_WRONLY | O_APPEND);
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_ELF, &in, NULL, NULL, &err), -EINVAL);
	CU_ASSERT(strstr(err.msg, "O_APPEND") != NULL);
	close(fd);

	/* read-only: the first write fails with EBADF, named */
	fd = open(path, O_RDONLY);
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_LKCD, &in, NULL, NULL, &err), -EBADF);
	CU_ASSERT(strstr(err.msg, "LKCD pages") != NULL);
	close(fd);
	CU_ASSERT_EQUAL(lkcd_write_dump(-1, LKCD_OUT_KDUMP, &in, NULL, NULL, &err), -EBADF);
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, NULL, &err), -EBADF);
	unlink(path);
	fx_free(&f);
}

static void test_stream_errors(void)
{
	struct fx f;
	struct lkcd_error err = { 0 };

	CU_ASSERT_FATAL(fx_init(&f) == 0);

	/* records out of order */
	f.swap_at = 2;
	CU_ASSERT_EQUAL(write_expect_error(&f, LKCD_OUT_KDUMP, &err), -EINVAL);
	CU_ASSERT(strstr(err.msg, "ascend") != NULL);
	f.swap_at = -1;

	/* the reader gives up */
	f.fail_at = 9;
	CU_ASSERT_EQUAL(write_expect_error(&f, LKCD_OUT_KDUMP, &err), -EIO);
	CU_ASSERT(strstr(err.msg, "storage block 7") != NULL);
	f.fail_at = -1;

	/* a page outside RAM: shrink the first range under pfn 8 */
	{
		struct lkcd_write_input in;
		struct lkcd_mem_range r[FX_NR_RANGES];
		char path[256];
		int fd = fx_tmpfile(path, sizeof(path), "kdump-err");

		memcpy(r, fx_ranges, sizeof(r));
		r[0].size = 6 * FX_PS;
		fx_input(&f, &in);
		in.ranges = r;
		CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, NULL, &err), -EINVAL);
		CU_ASSERT(strstr(err.msg, "outside the System RAM") != NULL);
		CU_ASSERT(strstr(err.msg, "0x5") != NULL);	/* the zero run 5..7 */

		/* overlapping ranges */
		r[0].size = 40 * FX_PS;
		CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, NULL, &err), -EINVAL);
		CU_ASSERT(strstr(err.msg, "overlaps") != NULL);
		close(fd);
		unlink(path);
	}

	/* the ranges, not the header's max_pfn, say where memory ends */
	f.hdr.max_pfn = 50;
	CU_ASSERT_EQUAL(write_expect_error(&f, LKCD_OUT_KDUMP, &err), 0);
	f.hdr.max_pfn = UINT64_MAX / 2;	/* damaged: no absurd bitmap */
	CU_ASSERT_EQUAL(write_expect_error(&f, LKCD_OUT_KDUMP, &err), 0);
	f.hdr.max_pfn = FX_MAX_PFN;

	/* no ranges */
	{
		struct lkcd_write_input in;
		char path[256];
		int fd = fx_tmpfile(path, sizeof(path), "kdump-err");

		fx_input(&f, &in);
		in.nr_ranges = 0;
		CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, NULL, &err), -EINVAL);
		CU_ASSERT(strstr(err.msg, "no RAM ranges") != NULL);
		close(fd);
		unlink(path);
	}

	/* bad page size */
	f.hdr.page_size = 3000;
	CU_ASSERT_EQUAL(write_expect_error(&f, LKCD_OUT_KDUMP, &err), -EINVAL);
	CU_ASSERT(strstr(err.msg, "page size 3000") != NULL);
	f.hdr.page_size = FX_PS;

	/* unknown format */
	CU_ASSERT_EQUAL(write_expect_error(&f, (enum lkcd_out_format)7, &err), -EINVAL);
	fx_free(&f);
}

/* A raw record whose size is not a page, a record with two flags. */
static const struct lkcd_page *bad_page;
static int bad_next_calls;

static int bad_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	(void)ctx;
	(void)err;
	if (bad_next_calls++)
		return 0;
	*pg = *bad_page;
	return 1;
}

static int bad_rewind(void *ctx, struct lkcd_error *err)
{
	(void)ctx;
	(void)err;
	bad_next_calls = 0;
	return 0;
}

static void test_bad_records(void)
{
	static uint8_t data[FX_PS];
	const struct lkcd_page cases[] = {
		{ .pfn = 1, .count = 1, .flags = LKCD_REC_RAW, .stored_size = 100, .stored = data },
		{ .pfn = 1, .count = 1, .flags = LKCD_REC_RAW | LKCD_REC_ZERO, .stored_size = FX_PS, .stored = data },
		{ .pfn = 1, .count = 0, .flags = LKCD_REC_ZERO },
		{ .pfn = 1, .count = 2, .flags = LKCD_REC_COMPRESSED, .compress = LKCD_COMPRESS_ZLIB, .stored_size = 10, .stored = data },
		{ .pfn = 1, .count = 1, .flags = LKCD_REC_COMPRESSED, .compress = 9, .stored_size = 10, .stored = data },
		{ .pfn = 1, .count = 1, .flags = LKCD_REC_COMPRESSED, .compress = LKCD_COMPRESS_ZLIB, .stored_size = 0, .stored = data },
		{ .pfn = 500, .count = 1, .flags = LKCD_REC_ZERO },
		{ .pfn = UINT64_MAX - 1, .count = 4, .flags = LKCD_REC_ZERO },
		/* garbage that does not inflate: the reader's error comes back */
		{ .pfn = 1, .count = 1, .flags = LKCD_REC_COMPRESSED, .compress = LKCD_COMPRESS_ZSTD, .stored_size = 10, .stored = data },
	};
	const char *why[] = { "raw page", "record flag", "covers no page",
			      "more than one page", "unknown compression",
			      "without data", "past the end", "past the end",
			      "zstd" };
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_error err;
	enum lkcd_out_format fmts[] = { LKCD_OUT_KDUMP, LKCD_OUT_LKCD, LKCD_OUT_ELF };
	size_t i, j;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	fx_input(&f, &in);
	in.pages.next = bad_next;
	in.pages.rewind = bad_rewind;
	for (j = 0; j < 3; j++) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char path[256];
			int fd = fx_tmpfile(path, sizeof(path), "kdump-bad");
			int ret;

			memset(&err, 0, sizeof(err));
			bad_page = &cases[i];
			ret = lkcd_write_dump(fd, fmts[j], &in, NULL, NULL, &err);
			CU_ASSERT(ret < 0);
			if (!strstr(err.msg, why[i]))
				fprintf(stderr, "\ncase %zu (%s): \"%s\"\n", i,
					lkcd_out_format_name(fmts[j]), err.msg);
			CU_ASSERT(strstr(err.msg, why[i]) != NULL);
			close(fd);
			unlink(path);
		}
	}
	fx_free(&f);
}

/*
 * lzo pages go into the file as they are (DUMP_DH_COMPRESSED_LZO, 0x2, the
 * flag makedumpfile -l writes); an lzo page that would not save space and
 * lz4 (no kdump flag) are re-encoded; the header's status names both.
 */
static struct lkcd_page lzo_pages[4];
static size_t lzo_pos;

static int lzo_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	(void)ctx;
	(void)err;
	if (lzo_pos == sizeof(lzo_pages) / sizeof(lzo_pages[0]))
		return 0;
	*pg = lzo_pages[lzo_pos++];
	return 1;
}

static int lzo_rewind(void *ctx, struct lkcd_error *err)
{
	(void)ctx;
	(void)err;
	lzo_pos = 0;
	return 0;
}

static void test_lzo_copied(void)
{
	static uint8_t data[4][2 * FX_PS];
	static lzo_align_t wrk[(LZO1X_1_MEM_COMPRESS + sizeof(lzo_align_t) - 1) /
			       sizeof(lzo_align_t)];
	/* pfns 2, 3 lzo; 4 lzo of an incompressible page; 5 lz4 */
	static const uint64_t pfns[4] = { 2, 3, 4, 5 };
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	struct kd k;
	uint8_t page[FX_PS], want[FX_PS];
	char path[256];
	size_t i;
	int fd;

	CU_ASSERT_FATAL(lzo_init() == LZO_E_OK);
	for (i = 0; i < 4; i++) {
		struct lkcd_page *pg = &lzo_pages[i];
		lzo_uint n = sizeof(data[i]);

		memset(pg, 0, sizeof(*pg));
		pg->pfn = pfns[i];
		pg->count = 1;
		pg->flags = LKCD_REC_COMPRESSED;
		pg->stored = data[i];
		fx_content(pfns[i], i == 2, page);
		if (i < 3) {
			pg->compress = LKCD_COMPRESS_LZO;
			CU_ASSERT_FATAL(lzo1x_1_compress(page, FX_PS, data[i], &n, wrk) == LZO_E_OK);
			pg->stored_size = (uint32_t)n;
		} else {
			pg->compress = LKCD_COMPRESS_LZ4;
			pg->stored_size = (uint32_t)LZ4_compress_default((const char *)page,
				(char *)data[i], FX_PS, (int)sizeof(data[i]));
		}
	}
	CU_ASSERT(lzo_pages[0].stored_size < FX_PS);
	CU_ASSERT(lzo_pages[2].stored_size > FX_PS);	/* lzo grew it */

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	fx_input(&f, &in);
	in.pages.next = lzo_next;
	in.pages.rewind = lzo_rewind;
	fd = fx_tmpfile(path, sizeof(path), "kdump-lzo");
	CU_ASSERT_FATAL(fd >= 0);
	memset(&st, 0, sizeof(st));
	if (lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, &st, &err))
		fprintf(stderr, "\nlzo: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(err.msg[0], '\0');
	close(fd);
	CU_ASSERT_EQUAL(st.pages_copied, 2);
	CU_ASSERT_EQUAL(st.pages_recompressed, 2);
	CU_ASSERT_FATAL(kd_parse(&k, path) == 0);
	CU_ASSERT_EQUAL(rd32(k.buf + 424) & 0x23, 0x3);	/* lzo and zlib, no zstd */
	for (i = 0; i < 4; i++) {
		uint32_t flags = 0;

		CU_ASSERT_EQUAL_FATAL(kd_page(&k, pfns[i], page, &flags), 0);
		fx_expected(&f, pfns[i], want);
		fx_content(pfns[i], i == 2, want);
		CU_ASSERT(memcmp(page, want, FX_PS) == 0);
		CU_ASSERT_EQUAL(flags, i < 2 ? 0x2u : i == 2 ? 0u : 0x1u);
		if (i < 2) {
			/* the very bytes the dumper stored */
			uint64_t pos = 0, j;

			for (j = 0; j < pfns[i]; j++)
				pos += bit(k.bitmap2, j);
			CU_ASSERT_EQUAL(rd32(k.buf + k.desc_off + pos * PD_SIZE + 8),
					lzo_pages[i].stored_size);
			CU_ASSERT(memcmp(k.buf + rd64(k.buf + k.desc_off + pos * PD_SIZE),
					 lzo_pages[i].stored, lzo_pages[i].stored_size) == 0);
		}
	}
	free(k.buf);
	unlink(path);

	/* the ELF writer expands them; a corrupt lzo page is an error naming lzo */
	fd = fx_tmpfile(path, sizeof(path), "elf-lzo");
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_ELF, &in, NULL, &st, &err), 0);
	close(fd);
	unlink(path);
	lzo_pages[1].stored_size -= 2;
	fd = fx_tmpfile(path, sizeof(path), "elf-lzo-bad");
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(lkcd_write_dump(fd, LKCD_OUT_ELF, &in, NULL, &st, &err) < 0);
	CU_ASSERT(strstr(err.msg, "lzo") != NULL);
	close(fd);
	unlink(path);
	fx_free(&f);
}

/*
 * Random page streams (mostly plausible, sometimes broken: pfns going back,
 * bad flags, sizes, garbage "compressed" data): every writer either writes
 * a file or fails with a negative errno and a message; never anything else.
 */
struct rnd_stream {
	struct lkcd_page pg[64];
	uint8_t data[64][FX_PS];
	size_t n, pos;
};

static int rnd_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct rnd_stream *r = ctx;

	(void)err;
	if (r->pos == r->n)
		return 0;
	*pg = r->pg[r->pos++];
	return 1;
}

static int rnd_rewind(void *ctx, struct lkcd_error *err)
{
	(void)err;
	((struct rnd_stream *)ctx)->pos = 0;
	return 0;
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static void test_random_streams(void)
{
	static struct rnd_stream r;
	static const uint32_t kinds[] = { LKCD_REC_RAW, LKCD_REC_COMPRESSED,
					  LKCD_REC_ZERO, LKCD_REC_UNREADABLE };
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_write_stats st;
	struct lkcd_error err;
	uint64_t seed = 12345;
	unsigned int iter, ok = 0, failed = 0;
	char path[256];

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	for (iter = 0; iter < 300; iter++) {
		uint64_t pfn = rnd(&seed) % 4;
		size_t i;
		int fd, ret, broken = rnd(&seed) % 4 == 0;

		r.n = 1 + rnd(&seed) % 40;
		for (i = 0; i < r.n; i++) {
			struct lkcd_page *pg = &r.pg[i];
			uint8_t page[FX_PS];

			memset(pg, 0, sizeof(*pg));
			pfn += rnd(&seed) % 5;
			/* land in RAM: skip the holes of the fixture's ranges */
			if (pfn >= 9 && pfn < 32)
				pfn = 32;
			if (pfn >= 52 && pfn < 100)
				pfn = 100;
			pg->pfn = pfn;
			pg->flags = kinds[rnd(&seed) % 4];
			pg->count = pg->flags == LKCD_REC_ZERO || pg->flags == LKCD_REC_UNREADABLE ?
				    1 + rnd(&seed) % 3 : 1;
			fx_content(pfn, rnd(&seed) % 2, page);
			pg->stored = r.data[i];
			if (pg->flags == LKCD_REC_RAW) {
				memcpy(r.data[i], page, FX_PS);
				pg->stored_size = FX_PS;
			} else if (pg->flags == LKCD_REC_COMPRESSED) {
				uLongf l = FX_PS;

				pg->compress = LKCD_COMPRESS_ZLIB;
				if (compress2(r.data[i], &l, page, FX_PS, 1) != Z_OK || l >= FX_PS) {
					memcpy(r.data[i], page, FX_PS);
					pg->flags = LKCD_REC_RAW;
					l = FX_PS;
				}
				pg->stored_size = (uint32_t)l;
			}
			if (broken && rnd(&seed) % 8 == 0) {
				switch (rnd(&seed) % 6) {
				case 0: pg->pfn -= rnd(&seed) % 3; break;
				case 1: pg->flags = rnd(&seed) % 32; break;
				case 2: pg->stored_size = rnd(&seed) % (2 * FX_PS); break;
				case 3: pg->compress = rnd(&seed) % 8; break;
				case 4: memset(r.data[i], rnd(&seed), 16); break;	/* bad data */
				case 5: pg->count = rnd(&seed) % 4; break;
				}
			}
			pfn = pg->pfn + pg->count;
			if (pfn >= FX_RAM_END)
				break;
		}
		if (i < r.n)
			r.n = i + 1;
		fx_input(&f, &in);
		in.pages.ctx = &r;
		in.pages.next = rnd_next;
		in.pages.rewind = rnd_rewind;
		f.hdr.pages_dumped = rnd(&seed) % 64;
		for (int fmt = 0; fmt < 3; fmt++) {
			memset(&err, 0, sizeof(err));
			fd = fx_tmpfile(path, sizeof(path), "kdump-rnd");
			ret = lkcd_write_dump(fd, (enum lkcd_out_format)fmt, &in, NULL, &st, &err);
			close(fd);
			if (ret == 0) {
				ok++;
				if (fmt == LKCD_OUT_KDUMP) {
					struct kd k;
					uint64_t set = 0, b;

					CU_ASSERT_FATAL(kd_parse(&k, path) == 0);
					for (b = 0; b < FX_RAM_END; b++)
						set += bit(k.bitmap2, b);
					CU_ASSERT_EQUAL(set, st.pages_written);
					free(k.buf);
				}
			} else {
				failed++;
				CU_ASSERT(ret < 0 && err.code == ret && err.msg[0]);
			}
			unlink(path);
		}
	}
	/* both outcomes were exercised */
	CU_ASSERT(ok > 100);
	CU_ASSERT(failed > 20);
	fx_free(&f);
}

/* A notes blob with a note running past its end: kept up to the damage. */
static void test_truncated_notes(void)
{
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	char path[256];
	uint8_t *buf;
	size_t len;
	int fd;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	fx_input(&f, &in);
	in.notes_len = f.notes_len - 20;	/* cuts VMCOREINFO */
	fd = fx_tmpfile(path, sizeof(path), "kdump-notes");
	CU_ASSERT_EQUAL_FATAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, &st, &err), 0);
	close(fd);
	CU_ASSERT_EQUAL(st.notes_truncated, 1);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	/* two prstatus notes of 12 + 8 + 336 bytes kept; no VMCOREINFO */
	CU_ASSERT_EQUAL(rd64(buf + FX_PS + 56), 2 * (12 + 8 + 336));
	CU_ASSERT_EQUAL(rd64(buf + FX_PS + 32), 0);
	CU_ASSERT_EQUAL(rd64(buf + FX_PS), 0);	/* phys_base unknown */
	CU_ASSERT_EQUAL(rd32(buf + 460), 2);
	free(buf);
	unlink(path);

	/* no notes at all */
	in.notes = NULL;
	in.notes_len = 0;
	fd = fx_tmpfile(path, sizeof(path), "kdump-notes");
	CU_ASSERT_EQUAL_FATAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, &st, &err), 0);
	close(fd);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_EQUAL(rd64(buf + FX_PS + 48), 0);
	CU_ASSERT_EQUAL(rd32(buf + 460), FX_NR_CPUS);	/* from the lkcd header */
	free(buf);
	unlink(path);
	fx_free(&f);
}

static void test_format_names(void)
{
	enum lkcd_out_format fmt;

	CU_ASSERT_EQUAL(lkcd_out_format_parse("kdump", &fmt), 0);
	CU_ASSERT_EQUAL(fmt, LKCD_OUT_KDUMP);
	CU_ASSERT_EQUAL(lkcd_out_format_parse("lkcd", &fmt), 0);
	CU_ASSERT_EQUAL(fmt, LKCD_OUT_LKCD);
	CU_ASSERT_EQUAL(lkcd_out_format_parse("elf", &fmt), 0);
	CU_ASSERT_EQUAL(fmt, LKCD_OUT_ELF);
	CU_ASSERT_EQUAL(lkcd_out_format_parse("ELF", &fmt), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_out_format_parse("", &fmt), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_out_format_parse(NULL, &fmt), -EINVAL);
	CU_ASSERT_STRING_EQUAL(lkcd_out_format_name(LKCD_OUT_LKCD), "lkcd");
	CU_ASSERT_STRING_EQUAL(lkcd_out_format_name((enum lkcd_out_format)9), "?");
}

static int register_suites(void)
{
	static const CU_TestInfo tests[] = {
		{ "round trip, zstd recompressed to zlib", test_roundtrip_default },
		{ "round trip, zstd kept", test_roundtrip_keep_zstd },
		{ "no bound in the header: counting pass", test_two_passes },
		{ "header undercounts: redo", test_bound_too_small },
		{ "header overcounts: spare descriptors", test_bound_too_big },
		{ "incomplete dump flagged", test_incomplete_flag },
		{ "full disk gives -ENOSPC", test_full_disk },
		{ "O_DIRECT for aligned buffers only, the bytes in place", test_direct_writes },
		{ "LKCD_WRITE_DIRECT writes the same file", test_direct_same_file },
		{ "pipe, O_APPEND, read-only, closed outputs", test_bad_outputs },
		{ "page stream errors", test_stream_errors },
		{ "bad records, every format", test_bad_records },
		{ "lzo pages copied as DUMP_DH_COMPRESSED_LZO", test_lzo_copied },
		{ "random page streams, every format", test_random_streams },
		{ "truncated or missing notes", test_truncated_notes },
		{ "format names", test_format_names },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo real[] = {
		{ "libkdumpfile reads every page", test_libkdumpfile_reads },
		CU_TEST_INFO_NULL,
	};
	CU_pSuite s;

	if (lkcd_unit_add_suite("write_kdump", NULL, NULL, tests))
		return -1;
	if (lkcd_unit_add_suite("write_kdump_libkdumpfile", NULL, NULL, real))
		return -1;
	s = CU_get_suite("write_kdump_libkdumpfile");
	if (s)
		fx_skip_without_kdumpfile(s);
	return 0;
}

LKCD_TEST_MAIN(register_suites)
