/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to liblkcd: one stored page back to page_size bytes, for the
 * reader (lkcd_page_expand) and any writer that must re-encode a page.
 */
#ifndef LKCD_DECOMPRESS_H
#define LKCD_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "liblkcd.h"

/*
 * Decompress src (slen bytes, compressed with LKCD_COMPRESS_* compress) into
 * exactly page_size bytes at dst.  0; -EINVAL for an unknown method; -EBADMSG
 * when the data is corrupt or does not expand to exactly page_size bytes.
 */
int lkcd_decompress_page(uint32_t compress, const void *src, size_t slen,
			 void *dst, size_t page_size, struct lkcd_error *err);

#endif /* LKCD_DECOMPRESS_H */
