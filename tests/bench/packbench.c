// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * packbench: the packer's throughput in userspace on a real memory image
 * (an ELF core: the capture kernel's /proc/vmcore copied out by
 * tests/bench/run, or QEMU's dump-guest-memory), against the physical
 * limits on the very same pages: memcpy, and the single-core compressor
 * alone with the parameters the kernel module uses (tests/unit/simmem.c's
 * sim_compress: zlib level 1 with the stream reset per page, zstd level 1,
 * lzo1x_1, the module's default).
 *
 *   packbench VMCORE [KDUMP]
 *
 * Without struct pages there are no page classes.  With KDUMP (makedumpfile
 * -d 31's output from the same VMCORE) the pages its bitmap says it dumped
 * are taken as kernel pages (always dumped) and all others as free (left
 * out, and usable as spare pages for the packer's storage blocks): the
 * packer packs exactly the pages makedumpfile -d 31 keeps.  Without KDUMP,
 * every non-zero page is a kernel page.  The compressor alone and memcpy
 * are timed on exactly the packer's pages: "MB/s" is those input bytes per
 * second.
 * The packer runs on simmem (tests/unit/simmem.c), whose page ops also
 * police the dump invariants; the packer's time is its own clock (the
 * header's dump_start_ns/dump_end_ns).  Prints "key=value" lines.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "simmem.h"
#include "lkcd/params.h"

#define PS LKCD_PAGE_SIZE

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n <= 0)
			return -1;
		buf = (char *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

static int is_zero(const uint8_t *p)
{
	static const uint8_t zero[PS];

	return !memcmp(p, zero, PS);
}

/* Load the PT_LOAD segments of an ELF64 core into a fresh simmem. */
static struct simmem *load(const char *path, uint64_t *ram_bytes)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	uint64_t max = 0;
	struct stat st;
	struct simmem *sm;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "packbench: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (pread_all(fd, &eh, sizeof(eh), 0) < 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_CORE ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM) {
		fprintf(stderr, "packbench: %s: not an ELF64 core file with program headers\n", path);
		close(fd);
		return NULL;
	}
	ph = calloc(eh.e_phnum, sizeof(*ph));
	if (!ph || pread_all(fd, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff) < 0) {
		fprintf(stderr, "packbench: %s: cannot read %u program headers\n", path, eh.e_phnum);
		close(fd);
		return NULL;
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_offset > (uint64_t)st.st_size ||
		    ph[i].p_filesz > (uint64_t)st.st_size - ph[i].p_offset) {
			fprintf(stderr, "packbench: %s: PT_LOAD %d runs past the end of the file\n", path, i);
			close(fd);
			return NULL;
		}
		if (ph[i].p_paddr + ph[i].p_filesz > max)
			max = ph[i].p_paddr + ph[i].p_filesz;
	}
	if (!max || max > (64ull << 30)) {
		fprintf(stderr, "packbench: %s: no usable PT_LOAD (top %llu bytes)\n", path,
			(unsigned long long)max);
		close(fd);
		return NULL;
	}
	sm = sim_new((max + PS - 1) / PS);
	*ram_bytes = 0;
	/*
	 * /proc/vmcore has a PT_LOAD for the kernel image that lies inside a
	 * RAM one: leave out segments another one contains, and add the rest in
	 * ascending order (as sim_add_range wants).
	 */
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_filesz)
			continue;
		for (int j = 0; j < eh.e_phnum; j++)
			if (j != i && ph[j].p_type == PT_LOAD && ph[j].p_paddr <= ph[i].p_paddr &&
			    ph[j].p_paddr + ph[j].p_filesz >= ph[i].p_paddr + ph[i].p_filesz &&
			    ph[j].p_filesz > ph[i].p_filesz) {
				ph[i].p_type = PT_NULL;
				break;
			}
	}
	for (uint64_t last = 0;;) {
		int i = -1;

		for (int j = 0; j < eh.e_phnum; j++)
			if (ph[j].p_type == PT_LOAD && ph[j].p_filesz && ph[j].p_paddr >= last &&
			    (i < 0 || ph[j].p_paddr < ph[i].p_paddr))
				i = j;
		if (i < 0)
			break;
		uint64_t start = ph[i].p_paddr, len = ph[i].p_filesz;

		if (pread_all(fd, sm->mem + start, len, ph[i].p_offset) < 0) {
			fprintf(stderr, "packbench: %s: cannot read PT_LOAD %d\n", path, i);
			close(fd);
			sim_free(sm);
			return NULL;
		}
		if (sm->nr_ranges == SIM_MAX_RANGES) {
			fprintf(stderr, "packbench: more than %d RAM ranges\n", SIM_MAX_RANGES);
			close(fd);
			sim_free(sm);
			return NULL;
		}
		sim_add_range(sm, start, len);
		*ram_bytes += len;
		last = start + len;
	}
	close(fd);
	free(ph);
	return sm;
}

/*
 * The dumped-page bitmap (the second one) of a kdump-compressed file:
 * blocks of block_size; header, sub header (sub_hdr_size blocks), then
 * bitmap_blocks blocks holding the two bitmaps, bit pfn % 8 of byte pfn / 8.
 */
static uint8_t *kdump_bitmap(const char *path, uint64_t *nbits)
{
	uint8_t h[448];
	int32_t block_size, sub_hdr;
	uint32_t bitmap_blocks;
	uint64_t half, off;
	uint8_t *bm;
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "packbench: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (pread_all(fd, h, sizeof(h), 0) < 0 || memcmp(h, "KDUMP   ", 8)) {
		fprintf(stderr, "packbench: %s: not a kdump-compressed file (no KDUMP signature)\n", path);
		close(fd);
		return NULL;
	}
	memcpy(&block_size, h + 428, 4);
	memcpy(&sub_hdr, h + 432, 4);
	memcpy(&bitmap_blocks, h + 436, 4);
	if (block_size <= 0 || block_size > (1 << 20) || sub_hdr < 0 || bitmap_blocks < 2 ||
	    bitmap_blocks % 2) {
		fprintf(stderr, "packbench: %s: bad block_size %d, sub_hdr_size %d or bitmap_blocks %u\n",
			path, block_size, sub_hdr, bitmap_blocks);
		close(fd);
		return NULL;
	}
	half = (uint64_t)bitmap_blocks / 2 * block_size;
	off = (1 + (uint64_t)sub_hdr) * block_size + half;
	if (off > (uint64_t)st.st_size || half > (uint64_t)st.st_size - off) {
		fprintf(stderr, "packbench: %s: the bitmaps run past the end of the file\n", path);
		close(fd);
		return NULL;
	}
	bm = malloc(half);
	if (!bm || pread_all(fd, bm, half, off) < 0) {
		fprintf(stderr, "packbench: %s: cannot read the bitmap\n", path);
		close(fd);
		free(bm);
		return NULL;
	}
	close(fd);
	*nbits = half * 8;
	return bm;
}

int main(int argc, char **argv)
{
	uint8_t *keep = NULL;
	uint64_t keep_bits = 0;
	uint64_t ram, nonzero = 0, header = ~0ull;
	struct simmem *sm;
	uint8_t *pristine, *dst;
	uint64_t *pages;
	double t;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: packbench VMCORE [KDUMP]\n");
		return 2;
	}
	if (argc == 3 && !(keep = kdump_bitmap(argv[2], &keep_bits)))
		return 1;
	sm = load(argv[1], &ram);
	if (!sm)
		return 1;
	pages = malloc(sm->max_pfn * sizeof(*pages));
	for (uint64_t p = 0; p < sm->max_pfn; p++) {
		if ((sm->cls[p] & LKCD_PC_MASK) != LKCD_PC_KERNEL)
			continue;
		if (keep && (p >= keep_bits || !(keep[p / 8] & (1u << (p % 8))))) {
			/* makedumpfile left it out: free, but keep one zero page
			 * for the header */
			if (header == ~0ull && p && is_zero(sm->mem + p * PS))
				header = p;
			else
				sim_set_class(sm, p, 1, LKCD_PC_FREE);
		} else if (is_zero(sm->mem + p * PS)) {
			if (header == ~0ull && p)
				header = p;
			else
				sim_set_class(sm, p, 1, LKCD_PC_FREE);
		} else {
			pages[nonzero++] = p;
		}
	}
	if (header == ~0ull) {
		fprintf(stderr, "packbench: no zero page for the header\n");
		return 1;
	}
	sim_set_header(sm, header);
	pristine = malloc(sm->max_pfn * PS);
	dst = malloc(2 * PS);
	if (!pristine || !dst)
		return 1;
	memcpy(pristine, sm->mem, sm->max_pfn * PS);
	sm->real_clock = 1;

	printf("image=%s ram_mb=%.1f pages_mb=%.1f pages=%s\n", argv[1], ram / 1e6,
	       nonzero * (double)PS / 1e6, keep ? "makedumpfile-kept" : "non-zero");

	/* memcpy of the same pages, one page at a time as the packer reads them */
	t = now();
	for (int rep = 0; rep < 3; rep++)
		for (uint64_t i = 0; i < nonzero; i++)
			memcpy(dst + (i & 1) * PS, sm->mem + pages[i] * PS, PS);
	t = now() - t;
	printf("memcpy_mbs=%.0f\n", 3 * nonzero * (double)PS / 1e6 / t);

	static const struct { uint32_t id; const char *name; } comps[] = {
		{ LKCD_COMPRESS_ZLIB, "zlib" }, { LKCD_COMPRESS_ZSTD, "zstd" },
		{ LKCD_COMPRESS_LZO, "lzo" },
	};
	for (size_t c = 0; c < sizeof(comps) / sizeof(comps[0]); c++) {
		uint64_t out = 0;
		int rc;

		/* the compressor alone, single core, same parameters */
		sm->compress = comps[c].id;
		t = now();
		for (uint64_t i = 0; i < nonzero; i++) {
			int n = sim_compress(sm, sm->mem + pages[i] * PS, dst, PS);

			out += n > 0 ? (uint64_t)n : PS;
		}
		t = now() - t;
		printf("%s_alone_mbs=%.1f %s_alone_ratio=%.2f\n", comps[c].name,
		       nonzero * (double)PS / 1e6 / t, comps[c].name, nonzero * (double)PS / out);

		/* the packer: classify, read, compress, pack into spare pages */
		memcpy(sm->mem, pristine, sm->max_pfn * PS);
		rc = sim_pack(sm, LKCD_LEVEL_KERN, lkcd_level_default_exclude(LKCD_LEVEL_KERN),
			      comps[c].id, 0);
		struct lkcd_dump_header *h = sim_header(sm);
		double pt = (h->dump_end_ns - h->dump_start_ns) / 1e9;

		printf("%s_packer_rc=%d %s_packer_s=%.3f %s_packer_mbs=%.1f %s_packer_stored_mb=%.1f "
		       "%s_packer_pages=%llu %s_violations=%u\n",
		       comps[c].name, rc, comps[c].name, pt, comps[c].name,
		       sm->pk.st.pages_dumped * (double)PS / 1e6 / pt, comps[c].name,
		       sm->pk.st.stored_bytes / 1e6, comps[c].name,
		       (unsigned long long)sm->pk.st.pages_dumped, comps[c].name, sm->violations);
		for (uint64_t p = 0; p < sm->max_pfn; p++)
			sm->state[p] &= ~(SIM_S_READ | SIM_S_WRITTEN | SIM_S_READ_FAILED);
	}
	return 0;
}
