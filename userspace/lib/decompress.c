// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Expanding stored pages: zlib (RFC 1950, what the kernel's zlib_deflate
 * with windowBits 15 and userspace compress2() make), a zstd frame, a raw
 * lz4 block, a raw LZO1X block (liblzo2's lzo1x_decompress_safe, as
 * makedumpfile reads its -l pages).  Every result must be exactly one page: a stored page that
 * expands to more or less is corrupt, whatever its checksum said.
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <lz4.h>
#include <lzo/lzo1x.h>

#include "decompress.h"
#include "lkcd/params.h"

int lkcd_decompress_page(uint32_t compress, const void *src, size_t slen,
			 void *dst, size_t page_size, struct lkcd_error *err)
{
	switch (compress) {
	case LKCD_COMPRESS_ZLIB: {
		uLongf out = page_size;
		int rc = uncompress(dst, &out, src, slen);

		if (rc != Z_OK)
			return lkcd_error_set(err, -EBADMSG,
					      "zlib data: %s", zError(rc));
		if (out != page_size)
			return lkcd_error_set(err, -EBADMSG,
					      "zlib data expands to %lu bytes, not a %zu-byte page",
					      (unsigned long)out, page_size);
		return 0;
	}
	case LKCD_COMPRESS_ZSTD: {
		size_t out = ZSTD_decompress(dst, page_size, src, slen);

		if (ZSTD_isError(out))
			return lkcd_error_set(err, -EBADMSG, "zstd data: %s",
					      ZSTD_getErrorName(out));
		if (out != page_size)
			return lkcd_error_set(err, -EBADMSG,
					      "zstd data expands to %zu bytes, not a %zu-byte page",
					      out, page_size);
		return 0;
	}
	case LKCD_COMPRESS_LZ4: {
		int out;

		if (slen > INT32_MAX || page_size > INT32_MAX)
			return lkcd_error_set(err, -EINVAL, "lz4 data: sizes too large");
		out = LZ4_decompress_safe(src, dst, (int)slen, (int)page_size);
		if (out < 0)
			return lkcd_error_set(err, -EBADMSG,
					      "lz4 data: corrupt block (error %d)", out);
		if ((size_t)out != page_size)
			return lkcd_error_set(err, -EBADMSG,
					      "lz4 data expands to %d bytes, not a %zu-byte page",
					      out, page_size);
		return 0;
	}
	case LKCD_COMPRESS_LZO: {
		lzo_uint out = page_size;
		int rc;

		/* lzo_init() only checks the build's type sizes: cheap, and
		 * safe to repeat from any thread */
		if (lzo_init() != LZO_E_OK)
			return lkcd_error_set(err, -EINVAL, "lzo: lzo_init() failed");
		rc = lzo1x_decompress_safe(src, slen, dst, &out, NULL);
		if (rc != LZO_E_OK)
			return lkcd_error_set(err, -EBADMSG,
					      "lzo data: corrupt block (error %d)", rc);
		if (out != page_size)
			return lkcd_error_set(err, -EBADMSG,
					      "lzo data expands to %lu bytes, not a %zu-byte page",
					      (unsigned long)out, page_size);
		return 0;
	}
	default:
		return lkcd_error_set(err, -EINVAL,
				      "unknown compression method %u", compress);
	}
}

int lkcd_page_expand(const struct lkcd_page *pg, uint32_t index, void *out,
		     size_t page_size, struct lkcd_error *err)
{
	if (index >= pg->count)
		return lkcd_error_set(err, -EINVAL,
				      "pfn 0x%llx: page %u of a %u-page record",
				      (unsigned long long)pg->pfn, index, pg->count);
	switch (pg->flags) {
	case LKCD_REC_RAW:
		if (pg->stored_size != page_size)
			return lkcd_error_set(err, -EBADMSG,
					      "pfn 0x%llx: raw page of %u bytes, expected %zu",
					      (unsigned long long)pg->pfn,
					      pg->stored_size, page_size);
		memcpy(out, pg->stored, page_size);
		return 0;
	case LKCD_REC_COMPRESSED: {
		int rc = lkcd_decompress_page(pg->compress, pg->stored,
					      pg->stored_size, out, page_size, err);

		if (rc && err) {
			char why[sizeof(err->msg)];

			memcpy(why, err->msg, sizeof(why));
			lkcd_error_set(err, rc, "pfn 0x%llx (%s): %.400s",
				       (unsigned long long)pg->pfn,
				       lkcd_compress_name(pg->compress), why);
		}
		return rc;
	}
	case LKCD_REC_ZERO:
		memset(out, 0, page_size);
		return 0;
	case LKCD_REC_UNREADABLE:
		return lkcd_error_set(err, -EIO,
				      "pfn 0x%llx: the dumper could not read this page",
				      (unsigned long long)(pg->pfn + index));
	default:
		return lkcd_error_set(err, -EINVAL,
				      "pfn 0x%llx: bad record flags 0x%x",
				      (unsigned long long)pg->pfn, pg->flags);
	}
}
