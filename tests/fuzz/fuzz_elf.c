// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the ELF vmcore source.  Input: an ELF file (seeds: vmcores
 * built with tests/unit/elfcore.c, and lkcd save's ELF output).  It is put
 * in a memfd and opened with lkcd_source_open(LKCD_SOURCE_ELF) the way
 * `lkcd save` opens /proc/vmcore.
 *
 * Promises checked: the range table is sorted and non-overlapping; a read
 * wholly inside a range succeeds (the source dropped what the file lacks);
 * a read that leaves every range fails with -EFAULT; the notes blob can be
 * searched for VMCOREINFO and the LKCD note; the page iterator walks the
 * ranges in ascending pfn order.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "liblkcd.h"
#include "vmcoreinfo.h"
#include "../../userspace/cmd/lkcd.h"

#define MAX_ITER_PAGES	4096
#define MAX_SOURCE_PAGES	(1u << 14)

static void read_around(struct lkcd_source *src)
{
	static uint8_t buf[2 * LKCD_PAGE_SIZE];
	const struct lkcd_mem_range *r;
	struct lkcd_error err = { 0 };
	size_t n = lkcd_source_ranges(src, &r);

	for (size_t i = 0; i < n && i < 64; i++) {
		uint64_t end = r[i].start + r[i].size;
		size_t head = r[i].size < sizeof(buf) ? (size_t)r[i].size : sizeof(buf);

		FUZZ_ASSERT(r[i].size > 0 && end > r[i].start);
		if (i)
			FUZZ_ASSERT(r[i].start > r[i - 1].start + r[i - 1].size);	/* merged */
		FUZZ_ASSERT(lkcd_source_read(src, r[i].start, buf, head, &err) == 0);
		FUZZ_ASSERT(lkcd_source_read(src, end - head, buf, head, &err) == 0);
		FUZZ_ASSERT(lkcd_source_read(src, r[i].start + r[i].size / 2, buf, 1, &err) == 0);
		/* One byte past the range: not in the dump (ranges are merged). */
		if (end != 0)
			FUZZ_ASSERT(lkcd_source_read(src, end - 1, buf, 2, &err) == -EFAULT);
		if (r[i].start)
			FUZZ_ASSERT(lkcd_source_read(src, r[i].start - 1, buf, 2, &err) == -EFAULT);
	}
	lkcd_source_read(src, UINT64_MAX - 4, buf, 16, &err);
}

static void iterate(struct lkcd_source *src)
{
	static uint8_t page[LKCD_PAGE_SIZE];
	struct lkcd_page_iter it;
	struct lkcd_error err = { 0 };
	struct lkcd_page pg;
	uint64_t next_min = 0;
	int first = 1;

	const struct lkcd_mem_range *r;
	size_t n = lkcd_source_ranges(src, &r);
	uint64_t pages = 0;

	/*
	 * The iterator reads every page the ranges declare, so its time is
	 * linear in the memory size the headers claim (a few bytes of ELF can
	 * declare terabytes of zero-filled p_memsz): only small sources here.
	 */
	for (size_t i = 0; i < n; i++) {
		pages += r[i].size / LKCD_PAGE_SIZE + 2;
		if (pages > MAX_SOURCE_PAGES)
			return;
	}
	if (lkcd_source_page_iter_open(src, LKCD_PAGE_SIZE, &it, &err) < 0)
		return;
	for (int i = 0; i < MAX_ITER_PAGES && it.next(it.ctx, &pg, &err) == 1; i++) {
		FUZZ_ASSERT(pg.count >= 1);
		FUZZ_ASSERT(first || pg.pfn >= next_min);
		first = 0;
		next_min = pg.pfn + pg.count;
		if (pg.flags != LKCD_REC_UNREADABLE)
			FUZZ_ASSERT(lkcd_page_expand(&pg, 0, page, sizeof(page), &err) == 0);
	}
	lkcd_source_page_iter_close(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lkcd_source *src = NULL;
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_error err = { 0 };
	const void *notes, *desc;
	size_t len, dlen;
	char path[64];
	int fd;

	fd = fuzz_memfile(data, size, path, sizeof(path));
	if (fd < 0)
		abort();
	if (lkcd_source_open(path, LKCD_SOURCE_ELF, &src, &err) < 0) {
		FUZZ_ASSERT(err.code < 0 && err.msg[0]);
		close(fd);
		return 0;
	}
	close(fd);
	read_around(src);
	lkcd_source_notes(src, &notes, &len);
	if (lkcd_vmcoreinfo_find_note(notes, len, &desc, &dlen, &err) == 0)
		FUZZ_ASSERT((const uint8_t *)desc >= (const uint8_t *)notes &&
			    dlen <= len - (size_t)((const uint8_t *)desc - (const uint8_t *)notes));
	if (lkcd_vmcoreinfo_from_notes(notes, len, &vi, &err) == 0)
		lkcd_vmcoreinfo_free(vi);
	lkcd_note_find(notes, len);
	iterate(src);
	lkcd_source_close(src);
	return 0;
}
