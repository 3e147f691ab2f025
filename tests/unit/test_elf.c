// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The ELF vmcore source on synthesised cores (tests/unit/elfcore.c): PT_LOAD
 * translation, reads across loads, holes, zero tails, notes, and every kind
 * of lying header: truncated files, program headers past the end, p_offset
 * and p_filesz past the end, wraparound, overlapping loads.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcore.h"
#include "internal.h"
#include "unit.h"

static char *path;
static struct lkcd_source *src;
static struct lkcd_error err;

static void cleanup(void)
{
	lkcd_source_close(src);
	src = NULL;
	if (path) {
		unlink(path);
		free(path);
		path = NULL;
	}
	memset(&err, 0, sizeof(err));
}

static int make(const struct elfcore_seg *segs, size_t n)
{
	cleanup();
	return elfcore_write(&path, segs, n);
}

static int open_it(void)
{
	return lkcd_source_open(path, LKCD_SOURCE_AUTO, &src, &err);
}

/* Does [paddr, paddr+len) read back as the fixture's pattern? */
static int matches(uint64_t paddr, size_t len)
{
	uint8_t *buf = malloc(len);
	int ok = 1;

	if (!buf || lkcd_source_read(src, paddr, buf, len, &err) != 0)
		ok = 0;
	for (size_t i = 0; ok && i < len; i++)
		if (buf[i] != elfcore_byte(paddr + i))
			ok = 0;
	free(buf);
	return ok;
}

static const struct elfcore_seg two_loads[] = {
	{ .type = PT_NOTE, .filesz = 40 },
	{ .type = PT_LOAD, .paddr = 0x1000, .memsz = 0x3000, .filesz = 0x3000 },
	/* 0x2000 of memory, only 0x1000 in the file: the tail is zeros */
	{ .type = PT_LOAD, .paddr = 0x10000, .memsz = 0x2000, .filesz = 0x1000 },
};

static void test_translation(void)
{
	const struct lkcd_mem_range *r;
	const void *notes;
	size_t n, nlen;
	uint8_t buf[64], zero[64] = { 0 };

	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	n = lkcd_source_ranges(src, &r);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(r[0].start, 0x1000);
	CU_ASSERT_EQUAL(r[0].size, 0x3000);
	CU_ASSERT_EQUAL(r[1].start, 0x10000);
	CU_ASSERT_EQUAL(r[1].size, 0x2000);
	CU_ASSERT_TRUE(matches(0x1000, 0x3000));
	CU_ASSERT_TRUE(matches(0x10000, 0x1000));
	CU_ASSERT_TRUE(matches(0x2ffc, 4));
	/* memsz > filesz: zeros, not an error */
	memset(buf, 0xaa, sizeof(buf));
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x11800, buf, sizeof(buf), &err), 0);
	CU_ASSERT_EQUAL(memcmp(buf, zero, sizeof(buf)), 0);
	/* across the filesz boundary: pattern then zeros */
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x11000 - 8, buf, 16, &err), 0);
	CU_ASSERT_EQUAL(buf[7], elfcore_byte(0x11000 - 1));
	CU_ASSERT_EQUAL(buf[8], 0);
	lkcd_source_notes(src, &notes, &nlen);
	CU_ASSERT_EQUAL(nlen, 40);
	CU_ASSERT_EQUAL(((const uint8_t *)notes)[5], elfcore_byte(5));
	CU_ASSERT_PTR_NULL(lkcd_source_warning(src));
	cleanup();
}

static void test_holes(void)
{
	uint8_t buf[16];

	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0, buf, 16, &err), -EFAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "0x0 is not in the dump"));
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x4000, buf, 1, &err), -EFAULT);
	/* starts inside, runs into the hole after the load */
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x3ff8, buf, 16, &err), -EFAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "0x4000"));
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x12000, buf, 1, &err), -EFAULT);
	CU_ASSERT_EQUAL(lkcd_source_read(src, UINT64_MAX - 4, buf, 16, &err), -EFAULT);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x5000, buf, 0, &err), 0);
	cleanup();
}

static void test_adjacent_loads(void)
{
	/* Adjacent in memory, not in the file: the second load's bytes come first. */
	const struct elfcore_seg segs[] = {
		{ .type = PT_LOAD, .paddr = 0x0, .memsz = 0x2000, .filesz = 0x2000, .offset = 0x3000 },
		{ .type = PT_LOAD, .paddr = 0x2000, .memsz = 0x2000, .filesz = 0x2000, .offset = 0x1000 },
	};
	const struct lkcd_mem_range *r;

	CU_ASSERT_FATAL(make(segs, 2) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_ranges(src, &r), 1);
	CU_ASSERT_EQUAL(r[0].start, 0);
	CU_ASSERT_EQUAL(r[0].size, 0x4000);
	CU_ASSERT_TRUE(matches(0x1f00, 0x200));
	CU_ASSERT_TRUE(matches(0, 0x4000));
	cleanup();
}

static void test_unsorted_loads(void)
{
	const struct elfcore_seg segs[] = {
		{ .type = PT_LOAD, .paddr = 0x8000, .memsz = 0x1000, .filesz = 0x1000 },
		{ .type = PT_LOAD, .paddr = 0x1000, .memsz = 0x1000, .filesz = 0x1000 },
	};
	const struct lkcd_mem_range *r;

	CU_ASSERT_FATAL(make(segs, 2) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_ranges(src, &r), 2);
	CU_ASSERT_EQUAL(r[0].start, 0x1000);
	CU_ASSERT_EQUAL(r[1].start, 0x8000);
	CU_ASSERT_TRUE(matches(0x8000, 0x1000));
	CU_ASSERT_TRUE(matches(0x1000, 0x1000));
	cleanup();
}

static void test_overlapping_loads(void)
{
	/*
	 * x86_64 /proc/vmcore: the kernel text load lies inside System RAM.
	 * Plus a partial overlap at the end.
	 */
	const struct elfcore_seg segs[] = {
		{ .type = PT_LOAD, .paddr = 0x3000, .memsz = 0x1000, .filesz = 0x1000 },
		{ .type = PT_LOAD, .paddr = 0x0, .memsz = 0x8000, .filesz = 0x8000 },
		{ .type = PT_LOAD, .paddr = 0x7000, .memsz = 0x2000, .filesz = 0x2000 },
	};
	const struct lkcd_mem_range *r;

	CU_ASSERT_FATAL(make(segs, 3) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_ranges(src, &r), 1);
	CU_ASSERT_EQUAL(r[0].start, 0);
	CU_ASSERT_EQUAL(r[0].size, 0x9000);
	CU_ASSERT_TRUE(matches(0, 0x9000));
	CU_ASSERT_PTR_NOT_NULL(lkcd_source_warning(src));
	CU_ASSERT_PTR_NOT_NULL(strstr(lkcd_source_warning(src),
				      "1 PT_LOAD(s) partly overlapping others trimmed (1 contained ones dropped)"));
	cleanup();

	/* only the kernel-text duplicate: silent, as on every x86_64 vmcore */
	CU_ASSERT_FATAL(make(segs, 2) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_ranges(src, &r), 1);
	CU_ASSERT_EQUAL(r[0].size, 0x8000);
	CU_ASSERT_TRUE(matches(0x2f00, 0x200));
	CU_ASSERT_PTR_NULL(lkcd_source_warning(src));
	cleanup();
}

static void test_truncated_file(void)
{
	uint8_t buf[16];

	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	/* cut inside the first load: 40 notes bytes + 0x1800 of it remain */
	CU_ASSERT_FATAL(truncate(path, 64 + 3 * 56 + 40 + 0x1800) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_TRUE(matches(0x1000, 0x1800));
	/* the missing bytes are an error, never zeros */
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x2800, buf, 1, &err), -EFAULT);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x10000, buf, 1, &err), -EFAULT);
	CU_ASSERT_PTR_NOT_NULL(lkcd_source_warning(src));
	CU_ASSERT_PTR_NOT_NULL(strstr(lkcd_source_warning(src), "truncated"));
	cleanup();

	/* cut inside the ELF header */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(truncate(path, 20) == 0);
	CU_ASSERT_EQUAL(lkcd_source_open(path, LKCD_SOURCE_ELF, &src, &err), -EINVAL);
	CU_ASSERT_PTR_NULL(src);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "too short"));
	cleanup();

	/* cut inside the program headers */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(truncate(path, 64 + 56 + 10) == 0);
	CU_ASSERT_EQUAL(open_it(), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "past the end"));
	cleanup();
}

static void test_phdrs_past_end(void)
{
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_phnum), 5000, 2) == 0);
	CU_ASSERT_EQUAL(open_it(), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "5000 program headers"));
	cleanup();

	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_phoff),
				      0xfffffffffffffff0ull, 8) == 0);
	CU_ASSERT_EQUAL(open_it(), -EINVAL);
	cleanup();

	/* phnum 0 */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_phnum), 0, 2) == 0);
	CU_ASSERT_EQUAL(open_it(), -EINVAL);
	cleanup();

	/* PN_XNUM with no section header to hold the count */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_phnum), PN_XNUM, 2) == 0);
	CU_ASSERT_EQUAL(open_it(), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "PN_XNUM"));
	cleanup();
}

static void test_lying_offsets(void)
{
	const struct lkcd_mem_range *r;
	uint8_t buf[4];

	/* p_offset far past the end: that load is dropped, the other kept */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(2, p_offset), 1ull << 40, 8) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_EQUAL(lkcd_source_ranges(src, &r), 1);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x10000, buf, 1, &err), -EFAULT);
	CU_ASSERT_TRUE(matches(0x1000, 0x3000));
	CU_ASSERT_PTR_NOT_NULL(lkcd_source_warning(src));
	cleanup();

	/* p_offset + p_filesz wraps */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(1, p_offset),
				      0xfffffffffffff000ull, 8) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x1000, buf, 1, &err), -EFAULT);
	cleanup();

	/* p_filesz larger than p_memsz: malformed, refused */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(1, p_filesz), 0x4000, 8) == 0);
	CU_ASSERT_EQUAL(open_it(), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "p_filesz"));
	cleanup();

	/* p_filesz == p_memsz but runs past the end of the file */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(2, p_filesz), 0x2000, 8) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_TRUE(matches(0x10000, 0x1000));
	CU_ASSERT_EQUAL(lkcd_source_read(src, 0x11000, buf, 1, &err), -EFAULT);
	cleanup();
}

/* More than 65534 program headers: e_phnum PN_XNUM, the count in sh_info. */
static void test_pn_xnum(void)
{
	const struct lkcd_mem_range *r;
	struct stat st;
	Elf64_Shdr sh;
	FILE *f;

	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	memset(&sh, 0, sizeof(sh));
	sh.sh_info = 3;
	f = fopen(path, "ab");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(&sh, sizeof(sh), 1, f), 1);
	CU_ASSERT_EQUAL(fclose(f), 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_phnum), PN_XNUM, 2) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_shoff), (uint64_t)st.st_size, 8) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_shentsize), sizeof(sh), 2) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_shnum), 1, 2) == 0);
	CU_ASSERT_EQUAL_FATAL(open_it(), 0);
	CU_ASSERT_EQUAL(lkcd_source_ranges(src, &r), 2);
	CU_ASSERT_TRUE(matches(0x10000, 0x1000));
	cleanup();

	/* sh_info lying: more headers than the file holds */
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	sh.sh_info = 100000;
	f = fopen(path, "ab");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(&sh, sizeof(sh), 1, f), 1);
	CU_ASSERT_EQUAL(fclose(f), 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_phnum), PN_XNUM, 2) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_shoff), (uint64_t)st.st_size, 8) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, offsetof(Elf64_Ehdr, e_shentsize), sizeof(sh), 2) == 0);
	CU_ASSERT_EQUAL(open_it(), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "100000 program headers"));
	cleanup();
}

static void test_overflow(void)
{
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(1, p_paddr),
				      0xfffffffffffff000ull, 8) == 0);
	CU_ASSERT_EQUAL(open_it(), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "wraps"));
	cleanup();
}

static void test_notes_past_end(void)
{
	const struct elfcore_seg segs[] = {
		{ .type = PT_NOTE, .filesz = 16 },
		{ .type = PT_NOTE, .filesz = 24 },
		{ .type = PT_LOAD, .paddr = 0x0, .memsz = 0x1000, .filesz = 0x1000 },
	};
	const void *notes;
	size_t nlen;

	CU_ASSERT_FATAL(make(segs, 3) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	lkcd_source_notes(src, &notes, &nlen);
	CU_ASSERT_EQUAL(nlen, 40);
	cleanup();

	CU_ASSERT_FATAL(make(segs, 3) == 0);
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(1, p_filesz), 1ull << 33, 8) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	lkcd_source_notes(src, &notes, &nlen);
	CU_ASSERT_EQUAL(nlen, 16);		/* the good note is kept */
	CU_ASSERT_PTR_NOT_NULL(strstr(lkcd_source_warning(src), "PT_NOTE 1"));
	CU_ASSERT_TRUE(matches(0, 0x1000));
	cleanup();
}

static void test_bad_ident(void)
{
	static const struct { uint64_t off; uint64_t val; int size; const char *msg; } bad[] = {
		{ 0, 'X', 1, "not an ELF" },
		{ EI_CLASS, ELFCLASS32, 1, "not ELF64" },
		{ EI_DATA, ELFDATA2MSB, 1, "little-endian" },
		{ EI_VERSION, 7, 1, "ELF version" },
		{ offsetof(Elf64_Ehdr, e_type), ET_EXEC, 2, "not an ELF core" },
		{ offsetof(Elf64_Ehdr, e_phentsize), 32, 2, "e_phentsize" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_FATAL(make(two_loads, 3) == 0);
		CU_ASSERT_FATAL(elfcore_patch(path, bad[i].off, bad[i].val, bad[i].size) == 0);
		CU_ASSERT_EQUAL(lkcd_source_open(path, LKCD_SOURCE_ELF, &src, &err), -EINVAL);
		CU_ASSERT_PTR_NULL(src);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, bad[i].msg));
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
		cleanup();
	}
}

static void test_auto_kind(void)
{
	CU_ASSERT_FATAL(make(two_loads, 3) == 0);
	CU_ASSERT_FATAL(open_it() == 0);
	CU_ASSERT_EQUAL(src->kind, LKCD_SOURCE_ELF);
	cleanup();
	CU_ASSERT_EQUAL(lkcd_source_open("/nonexistent/vmcore", LKCD_SOURCE_AUTO,
					 &src, &err), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/vmcore"));
	cleanup();
}

/*
 * Random damage to the ELF and program headers: opening either fails with a
 * message or gives ranges that read without crashing; never anything else.
 */
static void test_random_header_damage(void)
{
	const size_t hdr_bytes = 64 + 3 * 56;
	unsigned int seed = 12345, opened = 0, refused = 0;

	for (int iter = 0; iter < 400; iter++) {
		const struct lkcd_mem_range *r;
		uint8_t buf[64];
		size_t n;
		int flips = 1 + (int)(rand_r(&seed) % 4);

		CU_ASSERT_FATAL(make(two_loads, 3) == 0);
		for (int f = 0; f < flips; f++) {
			/* skip the ident bytes most of the time: they end it at once */
			uint64_t off = 16 + rand_r(&seed) % (hdr_bytes - 16);

			CU_ASSERT_FATAL(elfcore_patch(path, off, (uint64_t)rand_r(&seed), 1) == 0);
		}
		if (open_it() < 0) {
			CU_ASSERT_TRUE(err.msg[0] != '\0');
			CU_ASSERT_PTR_NULL(src);
			refused++;
			cleanup();
			continue;
		}
		opened++;
		n = lkcd_source_ranges(src, &r);
		for (size_t i = 0; i < n; i++) {
			uint64_t len = r[i].size < sizeof(buf) ? r[i].size : sizeof(buf);
			int a = lkcd_source_read(src, r[i].start, buf, len, &err);
			int b = lkcd_source_read(src, r[i].start + r[i].size - len, buf, len, &err);

			/* inside a range: data, zeros, or a clean error (file shorter) */
			CU_ASSERT_TRUE(a == 0 || a == -EIO || a == -EFAULT);
			CU_ASSERT_TRUE(b == 0 || b == -EIO || b == -EFAULT);
			if (i)
				CU_ASSERT_TRUE(r[i].start >= r[i - 1].start + r[i - 1].size);
		}
		cleanup();
	}
	/* both outcomes were exercised */
	CU_ASSERT_TRUE(opened > 10);
	CU_ASSERT_TRUE(refused > 10);
}

/* The direct map's base from the RAM loads' p_vaddr - p_paddr. */
static void test_direct_map_base(void)
{
	const struct elfcore_seg segs[] = {
		{ .type = PT_LOAD, .paddr = 0x1000000, .memsz = 0x2000, .filesz = 0x2000 },
		{ .type = PT_LOAD, .paddr = 0x0, .memsz = 0x9f000, .filesz = 0x1000 },
		{ .type = PT_LOAD, .paddr = 0x100000, .memsz = 0x400000, .filesz = 0x1000 },
	};

	/* the fixture's loads are all at 0xffff888000000000 + paddr */
	CU_ASSERT_EQUAL_FATAL(make(segs, 3), 0);
	CU_ASSERT_EQUAL_FATAL(open_it(), 0);
	CU_ASSERT_EQUAL(lkcd_source_direct_map_base(src), 0xffff888000000000ull);
	/* the kernel image's load, mapped elsewhere, does not change it */
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(0, p_vaddr), 0xffffffff81000000ull, 8) == 0);
	lkcd_source_close(src);
	CU_ASSERT_EQUAL_FATAL(open_it(), 0);
	CU_ASSERT_EQUAL(lkcd_source_direct_map_base(src), 0xffff888000000000ull);
	/* a small RAM load that disagrees is outvoted by the bytes */
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(1, p_vaddr), 0xffffc90000000000ull, 8) == 0);
	lkcd_source_close(src);
	CU_ASSERT_EQUAL_FATAL(open_it(), 0);
	CU_ASSERT_EQUAL(lkcd_source_direct_map_base(src), 0xffff888000000000ull);
	/* the big one at an offset that is not page-aligned: no majority left */
	CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(2, p_vaddr), 0xffff888000100010ull, 8) == 0);
	lkcd_source_close(src);
	CU_ASSERT_EQUAL_FATAL(open_it(), 0);
	CU_ASSERT_EQUAL(lkcd_source_direct_map_base(src), 0);
	/* dump-guest-memory without paging: p_vaddr 0 everywhere */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_FATAL(elfcore_patch(path, ELFCORE_PH(i, p_vaddr), 0, 8) == 0);
	lkcd_source_close(src);
	CU_ASSERT_EQUAL_FATAL(open_it(), 0);
	CU_ASSERT_EQUAL(lkcd_source_direct_map_base(src), 0);
	cleanup();
}

static const CU_TestInfo elf_tests[] = {
	{ "random header damage", test_random_header_damage },
	{ "PT_LOAD translation, zero tail, notes", test_translation },
	{ "holes and reads past a load", test_holes },
	{ "read across adjacent loads", test_adjacent_loads },
	{ "unsorted loads", test_unsorted_loads },
	{ "overlapping loads (kernel text twice)", test_overlapping_loads },
	{ "truncated file", test_truncated_file },
	{ "program headers past the end", test_phdrs_past_end },
	{ "lying p_offset / p_filesz", test_lying_offsets },
	{ "p_paddr + p_memsz overflow", test_overflow },
	{ "PN_XNUM: count in section header 0", test_pn_xnum },
	{ "notes past the end", test_notes_past_end },
	{ "bad ELF identification", test_bad_ident },
	{ "kind detection, missing file", test_auto_kind },
	{ "direct-map base from p_vaddr", test_direct_map_base },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("elf source", NULL, NULL, elf_tests);
}

LKCD_TEST_MAIN(register_suites)
