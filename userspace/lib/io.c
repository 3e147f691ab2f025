// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whole reads and writes: the one loop in liblkcd over short transfers and
 * EINTR (the readers, the writers, DUMPDEV, and the lkcd program through
 * liblkcd.h).
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "liblkcd.h"

enum io_op { IO_PREAD, IO_PWRITE, IO_WRITE };

/* All of len bytes through op; off is ignored for IO_WRITE. 0 or -errno. */
static int io_full(enum io_op op, int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n;

		if (op != IO_WRITE &&
		    (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off))
			return -EOVERFLOW;
		if (op == IO_PREAD)
			n = pread(fd, p, len, (off_t)off);
		else if (op == IO_PWRITE)
			n = pwrite(fd, p, len, (off_t)off);
		else
			n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)	/* the file ends first; a write makes no progress (full) */
			return op == IO_PREAD ? -EIO : -ENOSPC;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int lkcd_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	return io_full(IO_PREAD, fd, buf, len, off);
}

int lkcd_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	return io_full(IO_PWRITE, fd, (void *)buf, len, off);
}

int lkcd_write_full(int fd, const void *buf, size_t len)
{
	return io_full(IO_WRITE, fd, (void *)buf, len, 0);
}
