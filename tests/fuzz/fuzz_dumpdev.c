// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the raw dump device (DUMPDEV) reader that `lkcd save` runs
 * at the boot after a three-boot capture.  Input: a mode byte, then the
 * device image (seeds: gen_corpus writes one with lkcd_dumpdev_write from a
 * packed dump).  Mode FUZZ_FIX_BLOCKS: recompute the area checksums
 * (header page, notes, problems, records) from the superblock's offsets;
 * FUZZ_FIX_HEADER: recompute the superblock crc; so mutations get past
 * them.
 *
 * Opens the device as a memfd, iterates every page, reads physical memory
 * through lkcd_dumpdev_read_phys around every range, runs dmesg's address
 * lookups over it, and checks: pages in ascending pfn order, expansion of
 * every handed-out record works or fails cleanly, reads outside the
 * records fail with a negative errno.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz.h"
#include "dumpdev_io.h"

#define MAX_DEV		(FUZZ_MAX_PAGES * LKCD_PAGE_SIZE + 4 * LKCD_PAGE_SIZE)
#define MAX_PAGES	4096

static uint32_t area_crc(const uint8_t *dev, size_t len, uint64_t off, uint64_t size)
{
	if (off > len || size > len - off)
		return 0;
	return (uint32_t)crc32(0, dev + off, (uInt)size);
}

static void fix(uint8_t *dev, size_t len, unsigned int mode)
{
	struct lkcd_dumpdev_super s;

	if (len < sizeof(s))
		return;
	memcpy(&s, dev, sizeof(s));
	if (mode & FUZZ_FIX_BLOCKS) {
		s.header_crc = area_crc(dev, len, LKCD_DUMPDEV_ALIGN, LKCD_PAGE_SIZE);
		s.notes_crc = area_crc(dev, len, s.notes_offset, s.notes_size);
		if (s.nr_problems < (1u << 20))
			s.problems_crc = area_crc(dev, len, s.problems_offset,
						  s.nr_problems * sizeof(struct lkcd_dumpdev_problem));
		s.records_crc = area_crc(dev, len, s.records_offset, s.records_size);
	}
	if (mode & FUZZ_FIX_HEADER) {
		s.crc = 0;
		s.crc = (uint32_t)crc32(0, (const Bytef *)&s, sizeof(s));
	}
	memcpy(dev, &s, sizeof(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t dev[MAX_DEV], page[LKCD_PAGE_SIZE], buf[2 * LKCD_PAGE_SIZE];
	struct lkcd_dumpdev *d = NULL;
	struct lkcd_dumpdev_info info;
	struct lkcd_error err = { 0 };
	struct lkcd_page_iter it;
	struct lkcd_page pg;
	const struct lkcd_mem_range *r;
	const struct lkcd_problem *pr;
	const void *notes;
	size_t nlen, n, len;
	uint64_t next_min = 0;
	char path[64];
	int fd, rc, first = 1;

	if (size < 1 || size - 1 > sizeof(dev))
		return -1;
	len = size - 1;
	memcpy(dev, data + 1, len);
	fix(dev, len, data[0]);
	fd = fuzz_memfile(dev, len, path, sizeof(path));
	if (fd < 0)
		abort();
	lkcd_dumpdev_read_super(fd, "fuzzdev", &info, &err);
	lkcd_dumpdev_check_target(fd, "fuzzdev", false, &err);
	rc = lkcd_dumpdev_open(fd, "fuzzdev", &d, &err);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "dumpdev: open %d %s\n", rc, rc < 0 ? err.msg : "");
	if (rc < 0) {
		FUZZ_ASSERT(err.msg[0]);
		close(fd);
		return 0;
	}
	FUZZ_ASSERT(lkcd_dumpdev_state_name(lkcd_dumpdev_info(d)->state) != NULL);
	lkcd_dumpdev_notes(d, &notes, &nlen);
	n = lkcd_dumpdev_problems(d, &pr);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(memchr(pr[i].reason, 0, sizeof(pr[i].reason)));
	lkcd_dumpdev_page_iter(d, &it);
	for (int i = 0; i < MAX_PAGES && it.next(it.ctx, &pg, &err) == 1; i++) {
		FUZZ_ASSERT(pg.count >= 1);
		FUZZ_ASSERT(first || pg.pfn >= next_min);
		first = 0;
		next_min = pg.pfn + pg.count;
		lkcd_page_expand(&pg, 0, page, sizeof(page), &err);
	}
	FUZZ_ASSERT(it.rewind(it.ctx, &err) == 0);
	n = lkcd_dumpdev_ranges(d, &r);
	for (size_t i = 0; i < n && i < 16; i++) {
		uint64_t end = r[i].start + r[i].size;

		lkcd_dumpdev_read_phys(d, r[i].start, buf, sizeof(buf));
		lkcd_dumpdev_read_phys(d, end - 1, buf, 2);
		lkcd_dumpdev_read_phys(d, r[i].start + r[i].size / 2, buf, 100);
	}
	FUZZ_ASSERT(lkcd_dumpdev_read_phys(d, UINT64_MAX - 1, buf, 8) < 0);
	lkcd_dumpdev_close(d);
	close(fd);
	return 0;
}
