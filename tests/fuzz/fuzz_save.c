// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the lkcd save pipeline behind the reader: a preserved dump
 * (same input as the reader target: a mode byte, then physical memory with
 * the header page at 0) read with lkcd_dump_open and written by
 * lkcd_write_dump in the format bits 3-4 of the mode byte choose (kdump,
 * lkcd, elf; 3 = kdump keeping zstd), to a memfd.  Whatever the reader lets
 * through (records that decompress wrongly, odd pfns, zero and unreadable
 * runs up to the range ends) must come out as a file or a clean error.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "liblkcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[FUZZ_MAX_PAGES * LKCD_PAGE_SIZE];
	static const uint8_t vmcoreinfo_note[] = {
		11, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 0,
		'V', 'M', 'C', 'O', 'R', 'E', 'I', 'N', 'F', 'O', 0, 0,
		'P', 'A', 'G', 'E', 'S', 'I', 'Z', 'E', '=', '4', '0', '9', '6', '\n', 0, 0,
	};
	struct lkcd_mem_range range;
	struct lkcd_source *src = NULL;
	struct lkcd_dump *d = NULL;
	struct lkcd_error err = { 0 };
	struct lkcd_write_input in;
	struct lkcd_write_opts opts = { 0 };
	struct lkcd_write_stats st;
	const struct lkcd_mem_range *ranges;
	enum lkcd_out_format fmt;
	char path[64];
	size_t len;
	int fd, rc;

	if (size < 1 || size - 1 > sizeof(mem))
		return -1;
	len = size - 1;
	memcpy(mem, data + 1, len);
	range.start = 0;
	range.size = (len + LKCD_PAGE_SIZE - 1) / LKCD_PAGE_SIZE * LKCD_PAGE_SIZE;
	if (!range.size)
		return 0;
	memset(mem + len, 0, range.size - len);
	fuzz_fix_crcs(mem, range.size, FUZZ_HEADER_PADDR, data[0] & FUZZ_FIX_ALL);
	if (lkcd_source_open_buffer(mem, range.size, &range, 1, &src, &err) < 0)
		return 0;
	if (lkcd_dump_open(src, FUZZ_HEADER_PADDR, &d, &err) < 0) {
		lkcd_source_close(src);
		return 0;
	}
	/* Header ranges that declare much more memory than the input: skip, the
	 * writers' time and output grow with the declared RAM (bitmaps, holes). */
	{
		size_t n = lkcd_dump_ranges(d, &ranges);
		uint64_t total = 0;

		for (size_t i = 0; i < n; i++)
			total += ranges[i].size / LKCD_PAGE_SIZE;
		/*
		 * kdump's bitmaps are max_pfn / 8 bytes each whatever the ranges
		 * hold: a small range near 2^50 asks for terabytes, which the
		 * writer refuses with -ENOMEM (ASan would abort on the request
		 * before malloc could return NULL).  Memory below 64 GiB only.
		 */
		if (total > (1u << 16) ||
		    (n && ranges[n - 1].start + ranges[n - 1].size > (1ull << 36))) {
			lkcd_dump_close(d);
			lkcd_source_close(src);
			return 0;
		}
	}
	memset(&in, 0, sizeof(in));
	in.hdr = lkcd_dump_header(d);
	in.nr_ranges = lkcd_dump_ranges(d, &ranges);
	in.ranges = ranges;
	in.notes = vmcoreinfo_note;
	in.notes_len = sizeof(vmcoreinfo_note);
	lkcd_dump_page_iter(d, &in.pages);
	fmt = (enum lkcd_out_format)((data[0] >> 3) & 3);
	if (fmt == 3) {
		fmt = LKCD_OUT_KDUMP;
		opts.flags = LKCD_WRITE_KEEP_ZSTD;
	}
	opts.flags |= data[0] & 0x20 ? LKCD_WRITE_LIVE_MAGIC : 0;
	opts.direct_map_base = data[0] & 0x40 ? 0xffff888000000000ull : 0;
	fd = fuzz_memfile(NULL, 0, path, sizeof(path));
	if (fd < 0)
		abort();
	rc = lkcd_write_dump(fd, fmt, &in, &opts, &st, &err);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "save: format %d rc %d pages %llu: %s\n", (int)fmt, rc,
			(unsigned long long)st.pages_written, rc < 0 ? err.msg : "");
	if (rc < 0)
		FUZZ_ASSERT(err.msg[0]);
	else
		FUZZ_ASSERT(st.pages_written >= st.pages_zero);
	close(fd);
	lkcd_dump_close(d);
	lkcd_source_close(src);
	return 0;
}
