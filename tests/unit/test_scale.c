// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The parsers' cost grows linearly (or n log n) with their input (issue
 * 12, defect 4: 2^20 program headers once took minutes, every load being
 * compared with every other).  Inputs far past the fuzzers' 260 KiB cap:
 * ELF cores with many PT_LOADs (direct-map and odd offsets, overlapping,
 * out of order), with many small PT_NOTEs, and a VMCOREINFO of many lines,
 * each at n and 8n.
 *
 * Work is counted in instructions, not seconds: this program opens the
 * file itself (--open FILE) under valgrind's cachegrind, which counts every
 * instruction executed whatever the machine's load.  8 times the input may
 * cost at most 16 times the instructions: n log n from n = 4096 to 32768
 * costs 10x, a quadratic parser 64x.  A run is cut off after 600 s (a
 * quadratic parser under valgrind at 8n can take that long): a failure too.
 */
#include <elf.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcore.h"
#include "liblkcd.h"
#include "runcmd.h"
#include "unit.h"
#include "vmcoreinfo.h"

#define SMALL	4096u
#define GROWTH	8u
#define MAX_RATIO 16u

static char work[64];

/* --open FILE: what lkcd does with an ELF vmcore before reading pages. */
static int open_only(const char *path)
{
	struct lkcd_source *src;
	struct lkcd_vmcoreinfo *vi = NULL;
	const void *notes;
	size_t len;

	if (lkcd_source_open(path, LKCD_SOURCE_ELF, &src, NULL) < 0)
		return 1;
	lkcd_source_notes(src, &notes, &len);
	lkcd_vmcoreinfo_from_notes(notes, len, &vi, NULL);
	lkcd_vmcoreinfo_free(vi);
	lkcd_source_close(src);
	return 0;
}

enum shape { MANY_LOADS, MANY_NOTES, LONG_VMCOREINFO };

static void put_note(FILE *f, const char *name, const void *desc, uint32_t dlen)
{
	uint32_t nlen = (uint32_t)strlen(name) + 1, h[3] = { htole32(nlen), htole32(dlen), 0 };
	static const char pad[4];

	fwrite(h, sizeof(h), 1, f);
	fwrite(name, nlen, 1, f);
	fwrite(pad, (4 - nlen % 4) % 4, 1, f);
	fwrite(desc, dlen, 1, f);
	fwrite(pad, (4 - dlen % 4) % 4, 1, f);
}

/* An ELF core of shape with n of its items at path; 0 or -1. */
static int make_core(const char *path, enum shape shape, uint32_t n)
{
	uint32_t phnum = shape == MANY_LOADS ? n : shape == MANY_NOTES ? n + 1 : 2;
	uint64_t data = sizeof(Elf64_Ehdr) + (uint64_t)phnum * sizeof(Elf64_Phdr);
	uint64_t note_off = data + 4096;
	Elf64_Ehdr eh = { 0 };
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	elfcore_ehdr(&eh, (uint16_t)phnum);
	fwrite(&eh, sizeof(eh), 1, f);
	if (shape == LONG_VMCOREINFO) {
		/* n lines, one key each: "SYMBOL(s<i>)=<hex>" */
		FILE *t = open_memstream(&text, &tlen);

		for (uint32_t i = 0; t && i < n; i++)
			fprintf(t, "SYMBOL(s%x)=%x\n", i, i);
		if (!t || fclose(t))
			return fclose(f), -1;
	}
	for (uint32_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph = { 0 };

		if (shape == MANY_LOADS || i == phnum - 1) {
			/* descending addresses, every 7th overlapping the one before */
			uint64_t pfn = (uint64_t)(phnum - i) * 2;

			ph.p_type = htole32(PT_LOAD);
			ph.p_paddr = htole64(pfn * 4096);
			ph.p_memsz = htole64(i % 7 ? 4096 : 3 * 4096);
			ph.p_offset = htole64(data);
			ph.p_filesz = htole64(i % 3 ? 0 : 4096);
			/* two thirds at the direct map, the rest at odd offsets */
			ph.p_vaddr = htole64(i % 3 ? 0xffff888000000000ull + pfn * 4096 :
						      0xffffffff80000000ull + i * 8192ull);
		} else {
			uint64_t len = shape == MANY_NOTES ? 12 + 8 + 8 : 12 + 12 + (tlen + 3) / 4 * 4;

			ph.p_type = htole32(PT_NOTE);
			ph.p_offset = htole64(note_off);
			ph.p_filesz = htole64(len);
			note_off += len;
		}
		fwrite(&ph, sizeof(ph), 1, f);
	}
	{
		static const uint8_t page[4096];

		fwrite(page, sizeof(page), 1, f);
	}
	for (uint32_t i = 0; shape != MANY_LOADS && i < phnum - 1; i++) {
		if (shape == MANY_NOTES) {
			uint64_t v = htole64(i);

			put_note(f, "CORE", &v, sizeof(v));
		} else {
			put_note(f, "VMCOREINFO", text, (uint32_t)tlen);
		}
	}
	free(text);
	return fclose(f) ? -1 : 0;
}

/* Instructions valgrind counts for `self --open path`, 0 when it failed. */
static unsigned long long instructions(const char *self, const char *path)
{
	char *out = run_out, *p;
	unsigned long long n = 0;
	int rc = run("timeout 600 valgrind --tool=cachegrind --cache-sim=no "
		      "--cachegrind-out-file=/dev/null %s --open %s 2>&1", self, path);

	p = strstr(out, "I   refs:");
	if (rc || !p) {
		fprintf(stderr, "\n%s (exit %d)\n", out, rc);
		return 0;
	}
	for (p += 9; *p; p++)
		if (*p >= '0' && *p <= '9')
			n = n * 10 + (unsigned long long)(*p - '0');
		else if (*p != ',' && *p != ' ')
			break;
	return n;
}

static char self[4096];

static void check_shape(enum shape shape, const char *what, uint32_t small)
{
	char path[128];
	unsigned long long a, b;

	snprintf(path, sizeof(path), "%s/core-%d", work, (int)shape);
	CU_ASSERT_EQUAL_FATAL(make_core(path, shape, small), 0);
	a = instructions(self, path);
	CU_ASSERT_EQUAL_FATAL(make_core(path, shape, small * GROWTH), 0);
	b = instructions(self, path);
	CU_ASSERT_FATAL(a > 0 && b > 0);
	fprintf(stderr, "\n  %s: %u -> %u: %llu -> %llu instructions (%.1fx) ", what, small,
		small * GROWTH, a, b, (double)b / (double)a);
	CU_ASSERT(b <= a * MAX_RATIO);
}

static void test_many_loads(void)
{
	check_shape(MANY_LOADS, "PT_LOADs", SMALL);
}

static void test_many_notes(void)
{
	check_shape(MANY_NOTES, "PT_NOTEs", SMALL);
}

static void test_long_vmcoreinfo(void)
{
	/* 8n lines must fit VMCOREINFO's 64 KiB: about 3.5 KiB of lines at n */
	check_shape(LONG_VMCOREINFO, "VMCOREINFO lines", 400);
}

static int suite_init(void)
{
	strcpy(work, "/tmp/lkcd-scale-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	return system("valgrind --version >/dev/null 2>&1") == 0 ? 0 : -1;
}

static int suite_clean(void)
{
	return remove_workdir(work);
}

static const CU_TestInfo scale_tests[] = {
	{ "ELF: 4096 -> 32768 PT_LOADs", test_many_loads },
	{ "ELF: 4096 -> 32768 PT_NOTEs", test_many_notes },
	{ "VMCOREINFO: 400 -> 3200 lines", test_long_vmcoreinfo },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	int ret = lkcd_unit_add_suite("parsers scale", suite_init, suite_clean, scale_tests);

#if defined(__SANITIZE_ADDRESS__)
	/* valgrind cannot run an ASan program: counted as skipped in asan-unit */
	CU_set_fail_on_inactive(CU_FALSE);
	for (size_t i = 0; !ret && scale_tests[i].pName; i++)
		CU_set_test_active(CU_get_test(CU_get_suite("parsers scale"), scale_tests[i].pName),
				   CU_FALSE);
#endif
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--open"))
		return open_only(argv[2]);
	if (!realpath(argv[0], self))
		return 1;
	return lkcd_unit_run(argc, argv, register_suites);
}
