// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * makedumpfile's flattened format: any of the dump formats as a stream, so
 * it can go through a pipe or over ssh to a machine that lays it out again
 * with `makedumpfile -R FILE` (crash also reads it as it is).  kdump-tools
 * sends dumps over the network this way.
 *
 *   4096 bytes   "makedumpfile" (16 bytes, NUL-padded), type 1, version 1
 *                (big-endian int64), zeros
 *   records      offset, size (big-endian int64), then size bytes that
 *                belong at offset of the file
 *   end          offset -1, size -1
 *
 * Later records win over earlier ones at the same offset, as the writers'
 * final header rewrites need.  A file whose format ends in a hole (ELF)
 * gets one zero byte at its last offset, so the laid-out file has its size.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "writer.h"

#define FLAT_HEADER_SIZE	4096
#define FLAT_SIGNATURE		"makedumpfile"
#define FLAT_TYPE		1
#define FLAT_VERSION		1
#define FLAT_RECORD_MAX		(1u << 20)	/* bytes per record: bounded reads */

struct flat_record {
	uint64_t offset;	/* big-endian */
	uint64_t size;		/* big-endian */
};

static int emit(struct wr_sink *s, const void *data, size_t len, const char *what,
		struct lkcd_error *err)
{
	int ret = lkcd_write_full(s->fd, data, len);

	if (ret < 0)
		return lkcd_error_set(err, ret, "writing %s to the flattened stream: %s", what,
				      strerror(-ret));
	return 0;
}

int wr_flat_begin(struct wr_sink *s, struct lkcd_error *err)
{
	uint8_t head[FLAT_HEADER_SIZE] = { 0 };
	uint64_t type = htobe64(FLAT_TYPE), version = htobe64(FLAT_VERSION);

	memcpy(head, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE));
	memcpy(head + 16, &type, sizeof(type));
	memcpy(head + 24, &version, sizeof(version));
	return emit(s, head, sizeof(head), "the flattened header", err);
}

int wr_flat_write(struct wr_sink *s, const void *data, size_t len, uint64_t off,
		  const char *what, uint64_t *bytes, struct lkcd_error *err)
{
	const uint8_t *p = data;

	while (len) {
		size_t n = len < FLAT_RECORD_MAX ? len : FLAT_RECORD_MAX;
		struct flat_record r = { htobe64(off), htobe64(n) };
		int ret = emit(s, &r, sizeof(r), what, err);

		if (!ret)
			ret = emit(s, p, n, what, err);
		if (ret)
			return ret;
		if (bytes)
			*bytes += n;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int wr_flat_finish(struct wr_sink *s, uint64_t file_size, struct lkcd_error *err)
{
	static const uint8_t zero;
	struct flat_record end;
	int ret;

	if (file_size > s->end) {
		ret = wr_flat_write(s, &zero, 1, file_size - 1, "the end of the file", NULL, err);
		if (ret)
			return ret;
	}
	memset(&end, 0xff, sizeof(end));	/* -1, -1 in any byte order */
	return emit(s, &end, sizeof(end), "the flattened end marker", err);
}
