// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Raw memory image: file offset == physical address, the whole file one
 * range (a dd of /dev/mem, a raw DUMPDEV copy).  Block devices report no
 * st_size, so the size is where the file ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int open_raw(int fd, const char *name, struct lkcd_source **out,
		    struct lkcd_error *err)
{
	struct lkcd_segment *seg = NULL;
	struct lkcd_source *src;
	off_t end;
	int ret;

	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return lkcd_error_set(err, -errno, "%s: cannot find its size: %s",
				      name, strerror(errno));
	src = lkcd_source_alloc(LKCD_SOURCE_RAW, name);
	if (!src)
		return lkcd_error_set(err, -ENOMEM, "%s: out of memory", name);
	src->file_size = (uint64_t)end;
	if (end > 0) {
		seg = calloc(1, sizeof(*seg));
		if (!seg) {
			ret = lkcd_error_set(err, -ENOMEM, "%s: out of memory", name);
			goto fail;
		}
		seg->paddr = 0;
		seg->size = seg->filesz = (uint64_t)end;
		seg->offset = 0;
	}
	ret = lkcd_source_set_segments(src, seg, end > 0 ? 1 : 0);
	if (ret < 0) {
		free(seg);
		lkcd_error_set(err, ret, "%s: out of memory", name);
		goto fail;
	}
	src->fd = fd;
	*out = src;
	return 0;
fail:
	lkcd_source_close(src);
	return ret;
}

const struct lkcd_source_kind_ops lkcd_source_raw_ops = {
	.kind = LKCD_SOURCE_RAW,
	.probe = NULL,		/* any file: offset == physical address */
	.open = open_raw,
};
