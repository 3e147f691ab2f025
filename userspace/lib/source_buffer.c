// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A source over a caller-owned buffer indexed by physical address, holding
 * only the given ranges (tests: simulated physical memory with holes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int lkcd_source_open_buffer(const void *buf, uint64_t len,
			    const struct lkcd_mem_range *ranges, size_t nr_ranges,
			    struct lkcd_source **out, struct lkcd_error *err)
{
	struct lkcd_segment *segs = NULL;
	struct lkcd_source *src;
	size_t i, n = 0;
	int ret;

	*out = NULL;
	if (nr_ranges) {
		segs = calloc(nr_ranges, sizeof(*segs));
		if (!segs)
			return lkcd_error_set(err, -ENOMEM, "buffer source: out of memory");
	}
	for (i = 0; i < nr_ranges; i++) {
		uint64_t start = ranges[i].start, size = ranges[i].size;

		if (!size)
			continue;
		if (start > len || size > len - start) {
			ret = lkcd_error_set(err, -EINVAL,
					     "buffer source: range %zu [0x%llx, +0x%llx) lies past the buffer end 0x%llx",
					     i, (unsigned long long)start,
					     (unsigned long long)size,
					     (unsigned long long)len);
			goto fail;
		}
		if (n && start < segs[n - 1].paddr + segs[n - 1].size) {
			ret = lkcd_error_set(err, -EINVAL,
					     "buffer source: range %zu at 0x%llx is unsorted or overlaps the one before",
					     i, (unsigned long long)start);
			goto fail;
		}
		segs[n].paddr = start;
		segs[n].size = size;
		segs[n].offset = start;
		segs[n].filesz = size;
		n++;
	}
	src = lkcd_source_alloc(LKCD_SOURCE_RAW, "(buffer)");
	if (!src) {
		ret = lkcd_error_set(err, -ENOMEM, "buffer source: out of memory");
		goto fail;
	}
	src->buf = buf;
	src->file_size = len;
	ret = lkcd_source_set_segments(src, segs, n);
	if (ret < 0) {
		lkcd_source_close(src);
		lkcd_error_set(err, ret, "buffer source: out of memory");
		goto fail;
	}
	*out = src;
	return 0;
fail:
	free(segs);
	return ret;
}
