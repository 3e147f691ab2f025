// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RAW pages re-encoded as zlib records, so that a dump written from a plain
 * vmcore is compressed like one lkcd.ko preserved (the writers keep RAW
 * pages raw: for them a RAW record means "did not compress").  Level 1, as
 * the kernel's packer and the writers' own re-encoding use: speed first in
 * a capture kernel.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "page_filter.h"

struct zlib_iter {
	struct lkcd_page_iter inner;
	uint32_t page_size;
	z_stream zs;
	bool zs_ready;
	uint8_t *out;
};

/* zlib bytes of page into z->out; 0 when it does not get smaller. */
static int deflate_page(struct zlib_iter *z, const void *page, uint32_t *size,
			struct lkcd_error *err)
{
	int ret;

	if (!z->zs_ready) {
		ret = deflateInit(&z->zs, Z_BEST_SPEED);
		if (ret != Z_OK)
			return lkcd_error_set(err, -ENOMEM, "zlib deflateInit failed: %d", ret);
		z->zs_ready = true;
	} else if (deflateReset(&z->zs) != Z_OK) {
		return lkcd_error_set(err, -EIO, "zlib deflateReset failed");
	}
	z->zs.next_in = (Bytef *)page;
	z->zs.avail_in = z->page_size;
	z->zs.next_out = z->out;
	z->zs.avail_out = z->page_size - 1;	/* worth it only when smaller */
	ret = deflate(&z->zs, Z_FINISH);
	if (ret == Z_STREAM_END) {
		*size = (uint32_t)z->zs.total_out;
		return 0;
	}
	if (ret == Z_OK || ret == Z_BUF_ERROR) {
		*size = 0;
		return 0;
	}
	return lkcd_error_set(err, -EIO, "zlib deflate failed: %d", ret);
}

static int zlib_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct zlib_iter *z = ctx;
	uint32_t size = 0;
	int ret = z->inner.next(z->inner.ctx, pg, err);

	if (ret <= 0 || pg->flags != LKCD_REC_RAW || pg->count != 1 ||
	    pg->stored_size != z->page_size)
		return ret;
	ret = deflate_page(z, pg->stored, &size, err);
	if (ret)
		return ret;
	if (size) {
		pg->flags = LKCD_REC_COMPRESSED;
		pg->compress = LKCD_COMPRESS_ZLIB;
		pg->stored = z->out;
		pg->stored_size = size;
	}
	return 1;
}

static int zlib_rewind(void *ctx, struct lkcd_error *err)
{
	struct zlib_iter *z = ctx;

	return z->inner.rewind(z->inner.ctx, err);
}

int lkcd_zlib_iter_open(const struct lkcd_page_iter *inner, uint32_t page_size,
			struct lkcd_page_iter *it, struct lkcd_error *err)
{
	struct zlib_iter *z = calloc(1, sizeof(*z));

	if (z)
		z->out = malloc(page_size);
	if (!z || !z->out) {
		if (z)
			free(z->out);
		free(z);
		return lkcd_error_set(err, -ENOMEM, "zlib pages: out of memory");
	}
	z->inner = *inner;
	z->page_size = page_size;
	it->ctx = z;
	it->next = zlib_next;
	it->rewind = zlib_rewind;
	return 0;
}

void lkcd_zlib_iter_close(struct lkcd_page_iter *it)
{
	struct zlib_iter *z = it ? it->ctx : NULL;

	if (!z)
		return;
	if (z->zs_ready)
		deflateEnd(&z->zs);
	free(z->out);
	free(z);
	it->ctx = NULL;
}
