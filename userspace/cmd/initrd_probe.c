// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Does a capture initramfs run lkcd?  With MKINITRD=0, lkcd config loads
 * KEXEC_INITRD as it is; one without the lkcd program (a distribution's
 * initramfs, a typo) boots a capture kernel that saves nothing, and the dump
 * is lost with no word at panic time.  So the archive is opened and its
 * names read: newc cpio archives, uncompressed, gzip or zstd, concatenated
 * with zero padding between them as the kernel unpacks them
 * (init/initramfs.c).  Names only; nothing is unpacked to disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "initrd.h"
#include "lkcd.h"

#define MAX_IMAGE	(1ull << 30)	/* an initramfs past 1 GiB is not one we probe */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static int buf_grow(struct buf *b, size_t want)
{
	unsigned char *g;
	size_t cap = b->cap ? b->cap : 1 << 20;

	while (cap - b->len < want)
		cap *= 2;
	if (cap > MAX_IMAGE)
		return -EFBIG;
	if (cap == b->cap)
		return 0;
	g = realloc(b->p, cap);
	if (!g)
		return -ENOMEM;
	b->p = g;
	b->cap = cap;
	return 0;
}

static unsigned long hex8(const unsigned char *p)
{
	char s[9];

	memcpy(s, p, 8);
	s[8] = '\0';
	return strtoul(s, NULL, 16);
}

static bool is_lkcd(const char *name, size_t len)
{
	static const char *const names[] = { "bin/lkcd", "sbin/lkcd", "usr/bin/lkcd",
					     "usr/sbin/lkcd", NULL };

	while (len && (*name == '.' || *name == '/'))
		name++, len--;
	for (const char *const *n = names; *n; n++)
		if (len == strlen(*n) && !memcmp(name, *n, len))
			return true;
	return false;
}

/*
 * Walk newc archives in p[0..len): *found when lkcd is named.  Returns the
 * bytes consumed (through the last trailer and its padding), or -EINVAL.
 */
static long walk_newc(const unsigned char *p, size_t len, bool *found)
{
	size_t off = 0;

	for (;;) {
		unsigned long namesize, filesize;

		while (off < len && p[off] == 0)
			off++;		/* padding between archives */
		if (off == len || len - off < 110 || memcmp(p + off, "07070", 5))
			return (long)off;
		namesize = hex8(p + off + 94);
		filesize = hex8(p + off + 54);
		if (namesize > len - off - 110)
			return -EINVAL;
		if (is_lkcd((const char *)p + off + 110, namesize ? namesize - 1 : 0))
			*found = true;
		off += (110 + namesize + 3) & ~3ul;
		if (off > len || filesize > len - off)
			return -EINVAL;
		off += (filesize + 3) & ~3ul;
		if (off > len)
			off = len;
	}
}

/* One gzip member or zstd frame at in: appended to out; bytes of in used. */
static long inflate_one(const unsigned char *in, size_t len, struct buf *out)
{
	z_stream z = { 0 };
	long used;
	int ret;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
	do {
		if (buf_grow(out, 1 << 20) < 0) {
			inflateEnd(&z);
			return -EFBIG;
		}
		z.next_out = out->p + out->len;
		z.avail_out = (uInt)(out->cap - out->len);
		ret = inflate(&z, Z_NO_FLUSH);
		out->len = out->cap - z.avail_out;
	} while (ret == Z_OK);
	used = (long)(len - z.avail_in);
	inflateEnd(&z);
	return ret == Z_STREAM_END ? used : -EINVAL;
}

static long unzstd_one(const unsigned char *in, size_t len, struct buf *out)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t ret;

	if (!z)
		return -ENOMEM;
	do {
		ZSTD_outBuffer ob;

		if (buf_grow(out, 1 << 20) < 0) {
			ZSTD_freeDStream(z);
			return -EFBIG;
		}
		ob = (ZSTD_outBuffer){ out->p + out->len, out->cap - out->len, 0 };
		ret = ZSTD_decompressStream(z, &ob, &ib);
		out->len += ob.pos;
	} while (!ZSTD_isError(ret) && ret != 0 && ib.pos < ib.size);
	ZSTD_freeDStream(z);
	return !ZSTD_isError(ret) && ret == 0 ? (long)ib.pos : -EINVAL;
}

int initrd_runs_lkcd(const char *path, char *why, size_t size)
{
	struct buf img = { 0 }, plain = { 0 };
	bool found = false;
	size_t off = 0;
	int fd, ret = -1;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, size, "%s", strerror(errno));
		goto out;
	}
	if ((unsigned long long)st.st_size > MAX_IMAGE || buf_grow(&img, (size_t)st.st_size + 1) ||
	    lkcd_pread_full(fd, img.p, (size_t)st.st_size, 0) < 0) {
		snprintf(why, size, "cannot read it whole (%lld bytes)", (long long)st.st_size);
		goto out;
	}
	img.len = (size_t)st.st_size;
	while (!found && off < img.len) {
		const unsigned char *p = img.p + off;
		size_t left = img.len - off;
		long n;

		if (*p == 0) {
			off++;
			continue;
		}
		plain.len = 0;
		if (left >= 6 && !memcmp(p, "07070", 5)) {
			n = walk_newc(p, left, &found);
		} else if (left >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
			n = inflate_one(p, left, &plain);
			if (n > 0 && walk_newc(plain.p, plain.len, &found) < 0)
				n = -EINVAL;
		} else if (left >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4)) {
			n = unzstd_one(p, left, &plain);
			if (n > 0 && walk_newc(plain.p, plain.len, &found) < 0)
				n = -EINVAL;
		} else {
			snprintf(why, size, "at offset %zu it is neither a cpio archive nor gzip or "
				 "zstd, so lkcd cannot look inside", off);
			goto out;
		}
		if (n <= 0) {
			snprintf(why, size, "damaged or truncated archive at offset %zu", off);
			goto out;
		}
		off += (size_t)n;
	}
	ret = found;
	if (!found)
		snprintf(why, size, "it holds no lkcd program (bin/lkcd, sbin/lkcd, usr/sbin/lkcd)");
out:
	if (fd >= 0)
		close(fd);
	free(img.p);
	free(plain.p);
	return ret;
}
