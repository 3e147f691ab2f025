// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: lkcd save's completion of a stopped dump (save_tail.c) over
 * an ELF vmcore the crashed kernel described: its header (nr_blocks,
 * first_block_paddr, next_pfn, max_pfn), its storage block chain, its
 * VMCOREINFO and struct pages (page_class.c) and the pages themselves.
 * Input: the vmcore file, the header page at FUZZ_TAIL_HEADER (seeds: dumps
 * packed at level all_ram and kern and stopped at the deadline, written by
 * gen_corpus).  Every page the splice hands out is drained; whatever comes
 * must be a page, an end, or a clean error.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "save.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lkcd_error err = { 0 };
	struct save_request req = { 0 };	/* the tail reads only --no-fallback */
	struct lkcd_source *src = NULL;
	struct lkcd_dump *d = NULL;
	struct save_tail *t;
	struct save_input si;
	struct lkcd_page pg;
	char path[64];
	int fd, ret;

	fd = fuzz_memfile(data, size, path, sizeof(path));
	if (fd < 0)
		abort();
	if (lkcd_source_open(path, LKCD_SOURCE_ELF, &src, &err) < 0 || fuzz_source_too_big(src))
		goto out;
	if (lkcd_dump_open(src, FUZZ_TAIL_HEADER, &d, &err) < 0)
		goto out;
	memset(&si, 0, sizeof(si));
	si.from = path;
	si.src = src;
	si.header_paddr = FUZZ_TAIL_HEADER;
	si.hdr = lkcd_dump_header(d);
	si.nr_ranges = lkcd_dump_ranges(d, &si.ranges);
	lkcd_dump_page_iter(d, &si.pages);
	t = save_tail_begin(&req, &si);
	while ((ret = si.pages.next(si.pages.ctx, &pg, &err)) > 0)
		FUZZ_ASSERT(pg.count > 0 && (pg.stored_size == 0 || pg.stored));
	if (ret < 0)
		FUZZ_ASSERT(err.msg[0]);
	save_tail_end(t);
out:
	lkcd_dump_close(d);
	lkcd_source_close(src);
	close(fd);
	return 0;
}
