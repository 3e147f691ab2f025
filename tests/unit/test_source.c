// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Raw-image and buffer memory sources. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "unit.h"

static void test_raw_file(void)
{
	char path[] = "/tmp/lkcd-raw-XXXXXX";
	uint8_t data[3 * 4096], buf[4096];
	const struct lkcd_mem_range *r;
	struct lkcd_source *src = NULL;
	struct lkcd_error err = { 0 };
	const void *notes;
	size_t nlen;
	int fd;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 12));
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
	close(fd);

	CU_ASSERT_EQUAL_FATAL(lkcd_source_open(path, LKCD_SOURCE_AUTO, &src, &err), 0);
	CU_ASSERT_EQUAL(src->kind, LKCD_SOURCE_RAW);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_ranges(src, &r), 1);
	CU_ASSERT_EQUAL(r[0].start, 0);
	CU_ASSERT_EQUAL(r[0].size, sizeof(data));
	CU_ASSERT_EQUAL(lkcd_source_read(src, 4000, buf, 200, &err), 0);
	CU_ASSERT_EQUAL(memcmp(buf, data + 4000, 200), 0);
	CU_ASSERT_EQUAL(lkcd_source_read(src, sizeof(data) - 10, buf, 11, &err), -EFAULT);
	lkcd_source_notes(src, &notes, &nlen);
	CU_ASSERT_EQUAL(nlen, 0);
	lkcd_source_close(src);

	/* the file shrinks under us: an error naming the file, not zeros */
	CU_ASSERT_EQUAL_FATAL(lkcd_source_open(path, LKCD_SOURCE_RAW, &src, &err), 0);
	CU_ASSERT_FATAL(truncate(path, 4096) == 0);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 8192, buf, 16, &err), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
	lkcd_source_close(src);

	/* an empty file has no ranges */
	CU_ASSERT_FATAL(truncate(path, 0) == 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_open(path, LKCD_SOURCE_AUTO, &src, &err), 0);
	CU_ASSERT_EQUAL(lkcd_source_ranges(src, &r), 0);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0, buf, 1, &err), -EFAULT);
	CU_ASSERT_EQUAL(src->kind, LKCD_SOURCE_RAW);	/* no magic: the kind without a probe */
	lkcd_source_close(src);
	/* a kind the factory has no entry for */
	CU_ASSERT_EQUAL(lkcd_source_open(path, (enum lkcd_source_kind)9, &src, &err), -EINVAL);
	CU_ASSERT_PTR_NULL(src);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown source kind"));
	unlink(path);
	lkcd_source_close(NULL);	/* accepts NULL */
}

/*
 * Reads through mmap windows (lkcd_source_use_mmap, what /proc/vmcore gets)
 * give the bytes pread gives: inside a window, across two, after the least
 * recently used one was dropped (more windows touched than are kept), and
 * up to a file end that is not page aligned.
 */
static void test_mmap_windows(void)
{
	char path[] = "/tmp/lkcd-mmap-XXXXXX";
	const uint64_t win = LKCD_SOURCE_WIN;
	const uint64_t size = (LKCD_SOURCE_NR_WIN + 2) * win + 4096 + 100;
	uint8_t want[8192], buf[8192];
	struct lkcd_source *src = NULL;
	struct lkcd_error err = { 0 };
	uint64_t at[LKCD_SOURCE_NR_WIN + 3];
	size_t i, k;
	int fd;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, (off_t)size) == 0);
	/* a pattern at each window's end and the next one's start */
	for (i = 0; i < LKCD_SOURCE_NR_WIN + 2; i++) {
		at[i] = (i + 1) * win - 4096;
		for (k = 0; k < sizeof(want); k++)
			want[k] = (uint8_t)(k * 13 + i);
		CU_ASSERT_FATAL(pwrite(fd, want, sizeof(want), (off_t)at[i]) == (ssize_t)sizeof(want));
	}
	at[i] = size - 100;
	for (k = 0; k < 100; k++)
		want[k] = (uint8_t)(k + 1);
	CU_ASSERT_FATAL(pwrite(fd, want, 100, (off_t)at[i]) == 100);
	close(fd);

	CU_ASSERT_EQUAL_FATAL(lkcd_source_open(path, LKCD_SOURCE_RAW, &src, &err), 0);
	CU_ASSERT_FATAL(lkcd_source_use_mmap(src));
	/* twice over: the second pass finds the first windows dropped */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < LKCD_SOURCE_NR_WIN + 2; i++) {
			for (k = 0; k < sizeof(want); k++)
				want[k] = (uint8_t)(k * 13 + i);
			memset(buf, 0xee, sizeof(buf));
			/* across the window boundary */
			CU_ASSERT_EQUAL(lkcd_source_read(src, at[i], buf, sizeof(buf), &err), 0);
			CU_ASSERT_EQUAL(memcmp(buf, want, sizeof(buf)), 0);
			/* inside one window, unaligned */
			CU_ASSERT_EQUAL(lkcd_source_read(src, at[i] + 5, buf, 300, &err), 0);
			CU_ASSERT_EQUAL(memcmp(buf, want + 5, 300), 0);
		}
	}
	CU_ASSERT(src->mmap_reads);
	/* the last 100 bytes, and one byte past them */
	for (k = 0; k < 100; k++)
		want[k] = (uint8_t)(k + 1);
	CU_ASSERT_EQUAL(lkcd_source_read(src, at[i], buf, 100, &err), 0);
	CU_ASSERT_EQUAL(memcmp(buf, want, 100), 0);
	CU_ASSERT_EQUAL(lkcd_source_read(src, at[i], buf, 101, &err), -EFAULT);
	/* a hole reads as the file's zeros */
	CU_ASSERT_EQUAL(lkcd_source_read(src, win + 4096, buf, 4096, &err), 0);
	for (k = 0; k < 4096 && !buf[k]; k++)
		;
	CU_ASSERT_EQUAL(k, 4096);
	lkcd_source_close(src);
	unlink(path);
}

static void test_buffer(void)
{
	static uint8_t mem[0x10000];
	const struct lkcd_mem_range ranges[] = {
		{ 0x1000, 0x2000 }, { 0x3000, 0x1000 }, { 0x8000, 0x8000 },
	};
	const struct lkcd_mem_range *r;
	struct lkcd_source *src = NULL;
	struct lkcd_error err = { 0 };
	uint8_t buf[0x100];

	for (size_t i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)(i ^ (i >> 8));
	CU_ASSERT_EQUAL_FATAL(lkcd_source_open_buffer(mem, sizeof(mem), ranges, 3,
						      &src, &err), 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_ranges(src, &r), 2);	/* adjacent merged */
	CU_ASSERT_EQUAL(r[0].start, 0x1000);
	CU_ASSERT_EQUAL(r[0].size, 0x3000);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x2f80, buf, 0x100, &err), 0);
	CU_ASSERT_EQUAL(memcmp(buf, mem + 0x2f80, 0x100), 0);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x0, buf, 1, &err), -EFAULT);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x3f80, buf, 0x100, &err), -EFAULT);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0xff00, buf, 0x100, &err), 0);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0xff01, buf, 0x100, &err), -EFAULT);
	lkcd_source_close(src);
}

static void test_buffer_bad_ranges(void)
{
	static uint8_t mem[0x4000];
	const struct lkcd_mem_range past_end[] = { { 0x3000, 0x2000 } };
	const struct lkcd_mem_range wraps[] = { { 0x3000, UINT64_MAX } };
	const struct lkcd_mem_range unsorted[] = { { 0x2000, 0x1000 }, { 0x1000, 0x1000 } };
	const struct lkcd_mem_range overlap[] = { { 0x1000, 0x1800 }, { 0x2000, 0x1000 } };
	struct lkcd_source *src = NULL;
	struct lkcd_error err = { 0 };

	CU_ASSERT_EQUAL(lkcd_source_open_buffer(mem, sizeof(mem), past_end, 1, &src, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "past the buffer end"));
	CU_ASSERT_EQUAL(lkcd_source_open_buffer(mem, sizeof(mem), wraps, 1, &src, &err), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_source_open_buffer(mem, sizeof(mem), unsorted, 2, &src, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unsorted or overlaps"));
	CU_ASSERT_EQUAL(lkcd_source_open_buffer(mem, sizeof(mem), overlap, 2, &src, &err), -EINVAL);
	CU_ASSERT_PTR_NULL(src);
}

static const CU_TestInfo source_tests[] = {
	{ "raw image file", test_raw_file },
	{ "mmap windows read what pread reads", test_mmap_windows },
	{ "buffer source", test_buffer },
	{ "buffer source: bad ranges", test_buffer_bad_ranges },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("raw and buffer sources", NULL, NULL, source_tests);
}

LKCD_TEST_MAIN(register_suites)
