// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the kdump, LKCD and ELF writers share, below the dispatcher
 * (write_format.c): the output buffer, the checks on the page stream, page
 * re-encoding, the ELF notes of the crashed kernel, and one write's context.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "writer.h"
#include "vmcoreinfo.h"
#include "lkcd/params.h"

/* ---- output ---- */

/*
 * O_DIRECT's alignment, for the buffer, the offset and the length: the page
 * size is a multiple of every logical block size Linux supports.
 */
#define WR_DIRECT_ALIGN 4096

static bool direct_aligned(const void *data, size_t len, uint64_t off)
{
	return len && !((uintptr_t)data % WR_DIRECT_ALIGN) && !(len % WR_DIRECT_ALIGN) &&
	       !(off % WR_DIRECT_ALIGN);
}

/*
 * One write with O_DIRECT set on the fd, cleared again after: how many
 * bytes went out (a short write leaves the rest to the caller), or -1
 * with errno.  EINVAL (the file system refuses O_DIRECT, or this
 * alignment) turns direct writes off for the sink, and nothing is written.
 */
static ssize_t pwrite_direct(struct wr_sink *s, const void *data, size_t len, uint64_t off)
{
	int fl = fcntl(s->fd, F_GETFL);
	ssize_t n;
	int saved;

	if (fl < 0 || fcntl(s->fd, F_SETFL, fl | O_DIRECT) < 0) {
		s->direct = false;
		errno = EINVAL;
		return -1;
	}
	do
		n = pwrite(s->fd, data, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	saved = errno;
	/*
	 * Clearing a flag just set does not fail on a valid fd; if it did,
	 * the unaligned writes after would say so (EINVAL), never be lost.
	 */
	(void)fcntl(s->fd, F_SETFL, fl);
	if (n < 0 && saved == EINVAL)
		s->direct = false;
	errno = saved;
	return n;
}

int wr_pwrite_full(struct wr_sink *s, const void *data, size_t len, uint64_t off,
		   const char *what, uint64_t *bytes, struct lkcd_error *err)
{
	int ret;

	if (off > (uint64_t)LLONG_MAX || len > (uint64_t)LLONG_MAX - off)
		return lkcd_error_set(err, -EFBIG,
				      "writing %s: offset %llu past the largest file offset",
				      what, (unsigned long long)off);
	if (len && off + len > s->end)
		s->end = off + len;
	if (s->flat)
		return wr_flat_write(s, data, len, off, what, bytes, err);
	if (s->direct && direct_aligned(data, len, off)) {
		ssize_t n = pwrite_direct(s, data, len, off);

		if (n < 0 && errno != EINVAL)
			return lkcd_error_set(err, -errno, "writing %s at offset %llu: %s", what,
					      (unsigned long long)off, strerror(errno));
		if (n > 0) {
			/* the rest, if any, through the page cache below */
			s->direct_bytes += (uint64_t)n;
			if (bytes)
				*bytes += (uint64_t)n;
			data = (const uint8_t *)data + n;
			len -= (size_t)n;
			off += (uint64_t)n;
		}
	}
	ret = lkcd_pwrite_full(s->fd, data, len, off);
	if (ret < 0)
		return lkcd_error_set(err, ret, "writing %s at offset %llu: %s", what,
				      (unsigned long long)off, strerror(-ret));
	if (bytes)
		*bytes += len;
	return 0;
}

int wout_init(struct wout *w, struct wr_sink *sink, uint64_t start, size_t cap,
	      const char *what, uint64_t *bytes, struct lkcd_error *err)
{
	memset(w, 0, sizeof(*w));
	/* aligned, so that a full buffer at an aligned offset can go O_DIRECT */
	if (posix_memalign((void **)&w->buf, WR_DIRECT_ALIGN, cap))
		w->buf = NULL;
	if (!w->buf)
		return lkcd_error_set(err, -ENOMEM,
				      "allocating a %zu-byte buffer for %s",
				      cap, what);
	w->sink = sink;
	w->pos = start;
	w->cap = cap;
	w->what = what;
	w->bytes = bytes;
	return 0;
}

int wout_flush(struct wout *w, struct lkcd_error *err)
{
	int ret;

	if (!w->len)
		return 0;
	ret = wr_pwrite_full(w->sink, w->buf, w->len, w->pos, w->what,
			     w->bytes, err);
	if (ret)
		return ret;
	w->pos += w->len;
	w->len = 0;
	return 0;
}

/*
 * How full the buffer gets before it is written: all of it, but for a sink
 * that may go O_DIRECT, only up to the next aligned file offset, so that
 * every later (full) buffer starts aligned: the first buffer of a stream
 * that starts mid-block goes through the page cache, the rest around it.
 */
static size_t wout_fill(const struct wout *w)
{
	return w->cap - (w->sink->direct ? (size_t)(w->pos % WR_DIRECT_ALIGN) : 0);
}

int wout_append(struct wout *w, const void *data, size_t len,
		struct lkcd_error *err)
{
	const uint8_t *p = data;

	while (len) {
		size_t n = wout_fill(w) - w->len;
		int ret;

		if (n > len)
			n = len;
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		p += n;
		len -= n;
		if (w->len == wout_fill(w)) {
			ret = wout_flush(w, err);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int wout_zeros(struct wout *w, uint64_t len, struct lkcd_error *err)
{
	while (len) {
		size_t n = wout_fill(w) - w->len;
		int ret;

		if (n > len)
			n = (size_t)len;
		memset(w->buf + w->len, 0, n);
		w->len += n;
		len -= n;
		if (w->len == wout_fill(w)) {
			ret = wout_flush(w, err);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int wout_seek(struct wout *w, uint64_t off, struct lkcd_error *err)
{
	int ret;

	if (off == wout_tell(w))
		return 0;
	ret = wout_flush(w, err);
	if (!ret)
		w->pos = off;
	return ret;
}

void wout_free(struct wout *w)
{
	free(w->buf);
	w->buf = NULL;
}

/* ---- notes ---- */

struct nhdr {
	uint32_t namesz, descsz, type;
};

#define NT_PRSTATUS_TYPE 1

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/*
 * Copy the notes, well-formed ones only: empty notes (the kernel's
 * final_note() terminator, which a blob concatenated from several PT_NOTEs
 * may hold in the middle) are dropped so that no reader stops at one; a
 * note running past the blob ends the copy (n->truncated).  Remember the
 * NT_PRSTATUS descriptors, then find VMCOREINFO with the shared parser and
 * read what the formats need from it.
 */
static int wr_notes_scan(struct wr_notes *n, const void *blob, size_t len)
{
	const uint8_t *b = blob;
	size_t off = 0, out = 0;
	const void *desc;
	size_t desc_len;
	struct lkcd_vmcoreinfo *vi = NULL;

	n->owned = malloc(len ? len : 1);
	if (!n->owned)
		return -ENOMEM;
	n->blob = n->owned;
	while (len - off >= sizeof(struct nhdr)) {
		struct nhdr h;
		size_t name_sz, desc_sz, rest, size;

		memcpy(&h, b + off, sizeof(h));
		rest = len - off - sizeof(h);
		name_sz = pad4(h.namesz);
		if (name_sz > rest)
			break;
		rest -= name_sz;
		desc_sz = pad4(h.descsz);
		if (desc_sz > rest)
			break;
		size = sizeof(h) + name_sz + desc_sz;
		if (h.namesz || h.descsz) {
			memcpy(n->owned + out, b + off, size);
			if (h.type == NT_PRSTATUS_TYPE && h.namesz == 5 &&
			    !memcmp(b + off + sizeof(h), "CORE", 5) &&
			    n->nr_prstatus < WR_MAX_CPUS) {
				n->prstatus[n->nr_prstatus] = n->owned + out + sizeof(h) + name_sz;
				n->prstatus_len[n->nr_prstatus] = h.descsz;
				n->nr_prstatus++;
			}
			out += size;
		}
		off += size;
	}
	/* Zero padding after the last note is not damage. */
	while (off < len && !b[off])
		off++;
	n->truncated = off < len;
	n->len = out;

	if (!n->len ||
	    lkcd_vmcoreinfo_find_note(n->blob, n->len, &desc, &desc_len, NULL))
		return 0;
	n->have_vmcoreinfo = true;
	n->vmcoreinfo_off = (size_t)((const uint8_t *)desc - n->blob);
	n->vmcoreinfo_len = desc_len;
	if (!lkcd_vmcoreinfo_parse(desc, desc_len, &vi, NULL)) {
		int64_t image_size;

		n->have_phys_base = !lkcd_vmcoreinfo_phys_base(vi, &n->phys_base);
		if (!n->have_phys_base)
			n->phys_base = 0;
		n->have_stext = !lkcd_vmcoreinfo_symbol(vi, "_stext", &n->stext);
		if (!lkcd_vmcoreinfo_number(vi, "KERNEL_IMAGE_SIZE", &image_size) &&
		    image_size > 0)
			n->image_size = (uint64_t)image_size;
		if (lkcd_vmcoreinfo_kernel_offset(vi, &n->kernel_offset))
			n->kernel_offset = 0;
		lkcd_vmcoreinfo_free(vi);
	}
	return 0;
}

/* ---- the page stream ---- */

void wr_range_pfns(const struct wctx *w, size_t i, uint64_t *first,
		   uint64_t *end)
{
	const struct lkcd_mem_range *r = &w->in->ranges[i];

	*first = r->start >> w->page_shift;
	*end = wr_div_up(r->start + r->size, w->page_size);
}

static int page_error(struct wctx *w, const struct lkcd_page *pg,
		      const char *why)
{
	return lkcd_error_set(w->err, -EINVAL,
			      "page stream: record at pfn 0x%llx (%u pages, flags 0x%x): %s",
			      (unsigned long long)pg->pfn, pg->count, pg->flags,
			      why);
}

/* Every page of [pfn, pfn + count) lies in a RAM range. */
static int in_ram(struct wctx *w, uint64_t pfn, uint64_t count)
{
	uint64_t end = pfn + count;

	while (pfn < end) {
		uint64_t first = 0, last = 0;

		while (w->range_idx < w->in->nr_ranges) {
			wr_range_pfns(w, w->range_idx, &first, &last);
			if (pfn < last)
				break;
			w->range_idx++;
		}
		if (w->range_idx == w->in->nr_ranges || pfn < first)
			return 0;
		pfn = last < end ? last : end;
	}
	return 1;
}

static int wr_check_page(struct wctx *w, const struct lkcd_page *pg)
{
	uint32_t kind = pg->flags;

	if (kind != LKCD_REC_RAW && kind != LKCD_REC_COMPRESSED &&
	    kind != LKCD_REC_ZERO && kind != LKCD_REC_UNREADABLE)
		return page_error(w, pg, "not exactly one known record flag");
	if (!pg->count)
		return page_error(w, pg, "covers no page");
	if (pg->count != 1 && kind != LKCD_REC_ZERO &&
	    kind != LKCD_REC_UNREADABLE)
		return page_error(w, pg, "a data record covers more than one page");
	if (pg->pfn < w->next_pfn)
		return page_error(w, pg, "not after the previous record (pfns must ascend)");
	if (pg->pfn >= w->max_pfn || pg->count > w->max_pfn - pg->pfn)
		return page_error(w, pg, "past the end of memory (max_pfn)");
	if (!in_ram(w, pg->pfn, pg->count))
		return page_error(w, pg, "outside the System RAM ranges");
	if (kind == LKCD_REC_RAW &&
	    (pg->stored_size != w->page_size || !pg->stored))
		return page_error(w, pg, "raw page whose size is not the page size");
	if (kind == LKCD_REC_COMPRESSED) {
		if (!pg->stored || !pg->stored_size)
			return page_error(w, pg, "compressed page without data");
		if (pg->compress == LKCD_COMPRESS_NONE ||
		    !lkcd_compress_valid(pg->compress))
			return page_error(w, pg, "unknown compression");
	}
	w->next_pfn = pg->pfn + pg->count;
	return 0;
}

int wr_rewind(struct wctx *w)
{
	int ret = w->in->pages.rewind(w->in->pages.ctx, w->err);

	if (ret < 0)
		return ret;
	w->next_pfn = 0;
	w->range_idx = 0;
	w->st->passes++;
	return 0;
}

int wr_next(struct wctx *w, struct lkcd_page *pg)
{
	int ret = w->in->pages.next(w->in->pages.ctx, pg, w->err);

	if (ret < 0) {
		if (w->err && !w->err->code)
			lkcd_error_set(w->err, ret, "reading the page stream: %s",
				       strerror(-ret));
		return ret;
	}
	if (ret == 0)
		return 0;
	ret = wr_check_page(w, pg);
	return ret ? ret : 1;
}

/* ---- page conversions ---- */

int wr_expand(struct wctx *w, const struct lkcd_page *pg, uint32_t index)
{
	if (pg->flags == LKCD_REC_ZERO) {
		memset(w->page, 0, w->page_size);
		return 0;
	}
	if (pg->flags == LKCD_REC_UNREADABLE)
		return page_error(w, pg, "expanding an unreadable page");
	return lkcd_page_expand(pg, index, w->page, w->page_size, w->err);
}

int wr_deflate_page(struct wctx *w, uint32_t *size)
{
	int ret;

	if (!w->zs_ready) {
		memset(&w->zs, 0, sizeof(w->zs));
		ret = deflateInit(&w->zs, Z_BEST_SPEED);
		if (ret != Z_OK)
			return lkcd_error_set(w->err, -ENOMEM,
					      "zlib deflateInit failed: %d", ret);
		w->zs_ready = true;
	} else if (deflateReset(&w->zs) != Z_OK) {
		return lkcd_error_set(w->err, -EIO, "zlib deflateReset failed");
	}
	w->zs.next_in = w->page;
	w->zs.avail_in = w->page_size;
	w->zs.next_out = w->zbuf;
	/* Only worth keeping when it saves at least a byte. */
	w->zs.avail_out = w->page_size - 1;
	ret = deflate(&w->zs, Z_FINISH);
	if (ret == Z_STREAM_END) {
		*size = (uint32_t)w->zs.total_out;
		return 0;
	}
	if (ret == Z_OK || ret == Z_BUF_ERROR) {
		*size = 0;
		return 0;
	}
	return lkcd_error_set(w->err, -EIO, "zlib deflate failed: %d", ret);
}

int wr_zero_zlib(struct wctx *w, const void **data, uint32_t *size)
{
	int ret;

	if (!w->zero_zlib) {
		uint32_t n;

		memset(w->page, 0, w->page_size);
		ret = wr_deflate_page(w, &n);
		if (ret)
			return ret;
		if (!n)
			return lkcd_error_set(w->err, -EIO,
					      "zlib: a zero page did not compress");
		w->zero_zlib = malloc(n);
		if (!w->zero_zlib)
			return lkcd_error_set(w->err, -ENOMEM,
					      "allocating the shared zero page");
		memcpy(w->zero_zlib, w->zbuf, n);
		w->zero_zlib_len = n;
	}
	*data = w->zero_zlib;
	*size = w->zero_zlib_len;
	return 0;
}

int wr_page_zlib(struct wctx *w, const struct lkcd_page *pg,
		 const void **data, uint32_t *size, bool *raw)
{
	uint32_t n;
	int ret;

	*raw = false;
	switch (pg->flags) {
	case LKCD_REC_ZERO:
		return wr_zero_zlib(w, data, size);
	case LKCD_REC_RAW:
		*data = pg->stored;
		*size = w->page_size;
		*raw = true;
		return 0;
	case LKCD_REC_COMPRESSED:
		if (pg->compress == LKCD_COMPRESS_ZLIB &&
		    pg->stored_size < w->page_size) {
			*data = pg->stored;
			*size = pg->stored_size;
			w->st->pages_copied++;
			return 0;
		}
		break;
	default:
		return page_error(w, pg, "no data to encode");
	}
	ret = wr_expand(w, pg, 0);
	if (ret)
		return ret;
	ret = wr_deflate_page(w, &n);
	if (ret)
		return ret;
	w->st->pages_recompressed++;
	if (!n) {
		*data = w->page;
		*size = w->page_size;
		*raw = true;
	} else {
		*data = w->zbuf;
		*size = n;
	}
	return 0;
}

/* ---- one write's context ---- */

int wr_ctx_setup(struct wctx *w, int fd, const struct lkcd_write_input *in,
		 const struct lkcd_write_opts *opts, struct lkcd_write_stats *stats,
		 struct lkcd_error *err)
{
	uint64_t last_end;
	struct stat sb;
	int ret;

	memset(w, 0, sizeof(*w));
	w->sink.fd = fd;
	w->sink.flat = opts && (opts->flags & LKCD_WRITE_FLATTENED);
	w->sink.direct = opts && (opts->flags & LKCD_WRITE_DIRECT) && !w->sink.flat &&
			 !fstat(fd, &sb) && S_ISREG(sb.st_mode);
	w->in = in;
	w->hdr = in->hdr;
	if (opts)
		w->opts = *opts;
	w->st = stats;
	w->err = err;
	w->page_size = in->hdr->page_size;
	w->page_shift = (uint32_t)__builtin_ctz(w->page_size);
	/*
	 * Memory ends where the last RAM range ends: every page must lie in a
	 * range, and a header's max_pfn beyond it would only inflate the
	 * bitmaps (or, damaged, make them absurd).
	 */
	wr_range_pfns(w, in->nr_ranges - 1, &last_end, &last_end);
	w->max_pfn = last_end;
	if (w->sink.flat && (ret = wr_flat_begin(&w->sink, err)))
		return ret;

	w->notes = calloc(1, sizeof(*w->notes));
	w->page = malloc(w->page_size);
	w->zbuf = malloc(compressBound(w->page_size));
	if (!w->notes || !w->page || !w->zbuf)
		return lkcd_error_set(err, -ENOMEM, "writer: allocating page buffers");
	if (wr_notes_scan(w->notes, in->notes, in->notes ? in->notes_len : 0))
		return lkcd_error_set(err, -ENOMEM, "writer: copying the notes");
	stats->notes_truncated = w->notes->truncated;
	stats->have_vmcoreinfo = w->notes->have_vmcoreinfo;
	stats->phys_base = w->notes->phys_base;
	stats->kernel_offset = w->notes->kernel_offset;
	return 0;
}

void wr_ctx_release(struct wctx *w)
{
	if (w->zs_ready)
		deflateEnd(&w->zs);
	free(w->zero_zlib);
	free(w->zbuf);
	free(w->page);
	if (w->notes)
		free(w->notes->owned);
	free(w->notes);
}
