// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Helpers for the fuzz targets and the seed generator: see fuzz.h. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz.h"
#include "internal.h"

#define BLK_HDR	sizeof(struct lkcd_block_header)
#define REC_HDR	sizeof(struct lkcd_record_header)

struct chain {
	uint64_t paddr[FUZZ_MAX_PAGES];
	uint32_t payload[FUZZ_MAX_PAGES];	/* payload bytes of each block */
	size_t n;
	uint64_t stream_len;
};

static void walk_chain(const uint8_t *mem, size_t len, uint64_t first,
		       struct chain *c)
{
	uint64_t paddr = first;

	c->n = 0;
	c->stream_len = 0;
	while (paddr && c->n < FUZZ_MAX_PAGES && paddr % LKCD_PAGE_SIZE == 0 &&
	       paddr <= len && len - paddr >= LKCD_PAGE_SIZE) {
		struct lkcd_block_header bh;

		for (size_t i = 0; i < c->n; i++)
			if (c->paddr[i] == paddr)
				return;		/* a loop: the reader must catch it, not us */
		memcpy(&bh, mem + paddr, sizeof(bh));
		if (bh.magic != LKCD_BLOCK_MAGIC)
			return;
		c->paddr[c->n] = paddr;
		c->payload[c->n] = bh.payload_size <= LKCD_BLOCK_PAYLOAD ?
				   bh.payload_size : LKCD_BLOCK_PAYLOAD;
		c->stream_len += c->payload[c->n];
		c->n++;
		paddr = bh.next_paddr;
	}
}

/* Address in mem of stream offset off, or NULL past the stream. */
static uint8_t *stream_at(uint8_t *mem, const struct chain *c, uint64_t off)
{
	for (size_t i = 0; i < c->n; i++) {
		if (off < c->payload[i])
			return mem + c->paddr[i] + BLK_HDR + off;
		off -= c->payload[i];
	}
	return NULL;
}

static int stream_copy(uint8_t *mem, const struct chain *c, uint64_t off,
		       void *buf, size_t n, int write)
{
	uint8_t *b = buf;

	for (size_t i = 0; i < n; i++) {
		uint8_t *p = stream_at(mem, c, off + i);

		if (!p)
			return -1;
		if (write)
			*p = b[i];
		else
			b[i] = *p;
	}
	return 0;
}

static void fix_records(uint8_t *mem, const struct chain *c)
{
	static uint8_t data[LKCD_PAGE_SIZE];
	uint64_t off = 0;

	while (off + REC_HDR <= c->stream_len) {
		struct lkcd_record_header rh;

		stream_copy(mem, c, off, &rh, sizeof(rh), 0);
		if (rh.stored_size > sizeof(data) ||
		    off + REC_HDR + rh.stored_size > c->stream_len)
			return;
		stream_copy(mem, c, off + REC_HDR, data, rh.stored_size, 0);
		rh.crc = rh.stored_size ? (uint32_t)crc32(0, data, rh.stored_size) : 0;
		stream_copy(mem, c, off, &rh, sizeof(rh), 1);
		off += REC_HDR + rh.stored_size;
	}
}

static void fix_blocks(uint8_t *mem, const struct chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		uint8_t *p = mem + c->paddr[i];
		struct lkcd_block_header bh;

		memcpy(&bh, p, sizeof(bh));
		if (bh.payload_size <= LKCD_BLOCK_PAYLOAD)
			bh.payload_crc = (uint32_t)crc32(0, p + BLK_HDR, bh.payload_size);
		bh.header_crc = 0;
		bh.header_crc = (uint32_t)crc32(0, (void *)&bh, sizeof(bh));
		memcpy(p, &bh, sizeof(bh));
	}
}

void fuzz_fix_crcs(uint8_t *mem, size_t len, uint64_t header_paddr,
		   unsigned int mode)
{
	struct lkcd_dump_header h;
	struct chain c;

	if (header_paddr > len || len - header_paddr < LKCD_PAGE_SIZE)
		return;
	memcpy(&h, mem + header_paddr, sizeof(h));
	walk_chain(mem, len, h.first_block_paddr, &c);
	if (mode & FUZZ_FIX_RECORDS)
		fix_records(mem, &c);
	if (mode & FUZZ_FIX_BLOCKS)
		fix_blocks(mem, &c);
	if (mode & FUZZ_FIX_HEADER) {
		h.crc = lkcd_header_crc(mem + header_paddr);
		memcpy(mem + header_paddr + offsetof(struct lkcd_dump_header, crc),
		       &h.crc, sizeof(h.crc));
	}
}

int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t path_len)
{
	int fd = memfd_create("lkcd-fuzz", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	snprintf(path, path_len, "/proc/self/fd/%d", fd);
	return fd;
}

FILE *fuzz_null_file(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

bool fuzz_source_too_big(const struct lkcd_source *src)
{
	const struct lkcd_mem_range *r;
	size_t n = lkcd_source_ranges(src, &r);
	uint64_t pages = 0;

	for (size_t i = 0; i < n; i++)
		pages += r[i].size / LKCD_PAGE_SIZE;
	return pages > (1u << 16) || (n && r[n - 1].start + r[n - 1].size > (1ull << 36));
}
