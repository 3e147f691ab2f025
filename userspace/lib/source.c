// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory sources: physical memory of the crashed kernel, whatever holds it.
 * Each kind (source_elf.c, source_raw.c, source_buffer.c) only builds a
 * segment table; reading, range lists and lifetime are here, once.  Which
 * kind opens a file is the factory's choice (source_open.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

struct lkcd_source *lkcd_source_alloc(enum lkcd_source_kind kind,
				      const char *name)
{
	struct lkcd_source *src = calloc(1, sizeof(*src));

	if (!src)
		return NULL;
	src->kind = kind;
	src->fd = -1;
	src->name = strdup(name ? name : "(buffer)");
	if (!src->name) {
		free(src);
		return NULL;
	}
	return src;
}

void lkcd_source_warn(struct lkcd_source *src, const char *fmt, ...)
{
	size_t used = strlen(src->warning);
	va_list ap;

	if (used && used + 2 < sizeof(src->warning)) {
		memcpy(src->warning + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= sizeof(src->warning))
		return;
	va_start(ap, fmt);
	vsnprintf(src->warning + used, sizeof(src->warning) - used, fmt, ap);
	va_end(ap);
}

uint64_t lkcd_source_direct_map_base(const struct lkcd_source *src)
{
	return src->direct_map_base;
}

const char *lkcd_source_warning(const struct lkcd_source *src)
{
	return src && src->warning[0] ? src->warning : NULL;
}

int lkcd_source_set_segments(struct lkcd_source *src,
			     struct lkcd_segment *segs, size_t nr)
{
	struct lkcd_mem_range *r = NULL;
	size_t i, n = 0;

	if (nr) {
		r = calloc(nr, sizeof(*r));
		if (!r)
			return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		if (n && r[n - 1].start + r[n - 1].size == segs[i].paddr) {
			r[n - 1].size += segs[i].size;
			continue;
		}
		r[n].start = segs[i].paddr;
		r[n].size = segs[i].size;
		n++;
	}
	free(src->segs);
	free(src->ranges);
	src->segs = segs;
	src->nr_segs = nr;
	src->ranges = r;
	src->nr_ranges = n;
	return 0;
}

/* The segment holding paddr, or NULL; segments are sorted. */
static const struct lkcd_segment *find_segment(const struct lkcd_source *src,
					       uint64_t paddr)
{
	size_t lo = 0, hi = src->nr_segs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct lkcd_segment *s = &src->segs[mid];

		if (paddr < s->paddr)
			hi = mid;
		else if (paddr - s->paddr >= s->size)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

bool lkcd_source_use_mmap(struct lkcd_source *src)
{
	src->mmap_reads = src->fd >= 0 && src->file_size > 0;
	return src->mmap_reads;
}

static void unmap_windows(struct lkcd_source *src)
{
	for (size_t i = 0; i < LKCD_SOURCE_NR_WIN; i++) {
		if (src->win[i].len)
			munmap((void *)src->win[i].addr, src->win[i].len);
		src->win[i].len = 0;
	}
}

/*
 * The window holding file offset off (mapped now if need be, in place of
 * the least recently used one), or NULL when mmap refused it: the windows
 * are then off and pread reads.
 */
static const struct lkcd_source_window *window_for(struct lkcd_source *src, uint64_t off)
{
	uint64_t base = off & ~(uint64_t)(LKCD_SOURCE_WIN - 1);
	struct lkcd_source_window *w = &src->win[0];
	uint64_t len;
	void *addr;

	for (size_t i = 0; i < LKCD_SOURCE_NR_WIN; i++) {
		struct lkcd_source_window *c = &src->win[i];

		if (c->len && c->off == base) {
			c->last_use = ++src->win_clock;
			return c;
		}
		if (!c->len || (w->len && c->last_use < w->last_use))
			w = c;
	}
	if (base >= src->file_size)
		return NULL;
	len = src->file_size - base;
	if (len > LKCD_SOURCE_WIN)
		len = LKCD_SOURCE_WIN;
	addr = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, src->fd, (off_t)base);
	if (addr == MAP_FAILED) {
		unmap_windows(src);
		src->mmap_reads = false;
		return NULL;
	}
	if (w->len)
		munmap((void *)w->addr, w->len);
	w->off = base;
	w->len = (size_t)len;
	w->addr = addr;
	w->last_use = ++src->win_clock;
	return w;
}

/* len bytes at file offset off, through the windows or pread: 0 or -errno */
static int read_file(struct lkcd_source *src, uint8_t *p, size_t len, uint64_t off)
{
	while (len && src->mmap_reads) {
		const struct lkcd_source_window *w = window_for(src, off);
		size_t n;

		if (!w)
			break;
		if (off - w->off >= w->len)
			return -EIO;	/* past the end of the file */
		n = w->len - (size_t)(off - w->off);
		if (n > len)
			n = len;
		memcpy(p, w->addr + (off - w->off), n);
		p += n;
		off += n;
		len -= n;
	}
	return len ? lkcd_pread_full(src->fd, p, len, off) : 0;
}

int lkcd_source_read(struct lkcd_source *src, uint64_t paddr, void *buf,
		     size_t len, struct lkcd_error *err)
{
	uint8_t *p = buf;

	if (!len)
		return 0;
	if (paddr + len < paddr)
		return lkcd_error_set(err, -EFAULT,
				      "%s: read of %zu bytes at 0x%llx wraps around",
				      src->name, len, (unsigned long long)paddr);
	while (len) {
		const struct lkcd_segment *s = find_segment(src, paddr);
		uint64_t in, chunk, present;
		int ret;

		if (!s)
			return lkcd_error_set(err, -EFAULT,
					      "%s: physical address 0x%llx is not in the dump",
					      src->name, (unsigned long long)paddr);
		in = paddr - s->paddr;
		chunk = s->size - in;
		if (chunk > len)
			chunk = len;
		/* bytes [in, in + chunk) of the segment; file holds [0, filesz) */
		present = in < s->filesz ? s->filesz - in : 0;
		if (present > chunk)
			present = chunk;
		if (present) {
			if (src->buf) {
				memcpy(p, src->buf + s->offset + in, present);
			} else {
				ret = read_file(src, p, present, s->offset + in);
				if (ret == -EIO)
					return lkcd_error_set(err, ret,
							      "%s: file ends before physical address 0x%llx (offset 0x%llx)",
							      src->name, (unsigned long long)paddr,
							      (unsigned long long)(s->offset + in));
				if (ret < 0)
					return lkcd_error_set(err, ret,
							      "%s: read at offset 0x%llx: %s",
							      src->name,
							      (unsigned long long)(s->offset + in),
							      strerror(-ret));
			}
		}
		memset(p + present, 0, chunk - present);
		p += chunk;
		paddr += chunk;
		len -= chunk;
	}
	return 0;
}

size_t lkcd_source_ranges(const struct lkcd_source *src,
			  const struct lkcd_mem_range **ranges)
{
	*ranges = src->ranges;
	return src->nr_ranges;
}

void lkcd_source_notes(const struct lkcd_source *src, const void **notes,
		       size_t *len)
{
	*notes = src->notes;
	*len = src->notes_len;
}

void lkcd_source_close(struct lkcd_source *src)
{
	if (!src)
		return;
	unmap_windows(src);
	if (src->fd >= 0)
		close(src->fd);
	free(src->segs);
	free(src->ranges);
	free(src->notes);
	free(src->name);
	free(src);
}
