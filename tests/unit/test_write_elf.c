// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The ELF writer: write the fixture dump, read the core file back through
 * its program headers (notes, one PT_LOAD per RAM range, every page), check
 * that left-out and zero pages are holes; read it with libkdumpfile; a full
 * disk.
 */
#include <elf.h>

#include "unit.h"
#include "write_fixture.h"

static void test_roundtrip(void)
{
	struct fx f;
	struct lkcd_write_stats st;
	struct lkcd_write_opts opts = { .direct_map_base = 0xffff888000000000ull };
	char path[256];
	uint8_t *buf, want[FX_PS];
	size_t len, i;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	int bad = 0;
	uint64_t pfn;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_ELF, &opts, &st, path, sizeof(path), NULL), 0);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL && len >= sizeof(*eh));
	eh = (const Elf64_Ehdr *)buf;
	CU_ASSERT(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
	CU_ASSERT_EQUAL(eh->e_ident[EI_CLASS], ELFCLASS64);
	CU_ASSERT_EQUAL(eh->e_type, ET_CORE);
	CU_ASSERT_EQUAL(eh->e_machine, EM_X86_64);
	/* PT_NOTE, the kernel image, the RAM ranges */
	CU_ASSERT_EQUAL_FATAL(eh->e_phnum, 2 + FX_NR_RANGES);
	CU_ASSERT_FATAL(eh->e_phoff + eh->e_phnum * sizeof(*ph) <= len);
	ph = (const Elf64_Phdr *)(buf + eh->e_phoff);

	CU_ASSERT_EQUAL(ph[0].p_type, PT_NOTE);
	CU_ASSERT_EQUAL(ph[0].p_filesz, f.notes_len);
	CU_ASSERT(ph[0].p_offset + f.notes_len <= len &&
		  memcmp(buf + ph[0].p_offset, f.notes, f.notes_len) == 0);

	/* the kernel image: _stext at its physical place, to the range's end */
	CU_ASSERT_EQUAL(ph[1].p_type, PT_LOAD);
	CU_ASSERT_EQUAL(ph[1].p_vaddr, FX_STEXT);
	CU_ASSERT_EQUAL(ph[1].p_paddr, FX_TEXT_PADDR);
	CU_ASSERT_EQUAL(ph[1].p_filesz, fx_ranges[1].start + fx_ranges[1].size - FX_TEXT_PADDR);
	CU_ASSERT_EQUAL(ph[1].p_offset, ph[3].p_offset + (FX_TEXT_PADDR - fx_ranges[1].start));
	ph++;	/* from here on ph[1 + i] is RAM range i */


	for (i = 0; i < FX_NR_RANGES; i++) {
		const Elf64_Phdr *p = &ph[1 + i];

		CU_ASSERT_EQUAL(p->p_type, PT_LOAD);
		CU_ASSERT_EQUAL(p->p_paddr, fx_ranges[i].start);
		CU_ASSERT_EQUAL(p->p_vaddr, 0xffff888000000000ull + fx_ranges[i].start);
		CU_ASSERT_EQUAL(p->p_filesz, fx_ranges[i].size);
		CU_ASSERT_EQUAL(p->p_memsz, fx_ranges[i].size);
		CU_ASSERT_EQUAL(p->p_offset % FX_PS, p->p_paddr % FX_PS);
		CU_ASSERT(p->p_offset + p->p_filesz <= len);
		if (i)
			CU_ASSERT(p->p_offset >= ph[i].p_offset + ph[i].p_filesz);
	}
	CU_ASSERT_EQUAL(len, ph[FX_NR_RANGES].p_offset + ph[FX_NR_RANGES].p_filesz);

	/* every byte of every range */
	for (i = 0; i < FX_NR_RANGES; i++) {
		const Elf64_Phdr *p = &ph[1 + i];
		uint64_t a;

		for (a = p->p_paddr; a < p->p_paddr + p->p_filesz;) {
			uint64_t in_page = a % FX_PS;
			uint64_t n = FX_PS - in_page;

			if (n > p->p_paddr + p->p_filesz - a)
				n = p->p_paddr + p->p_filesz - a;
			pfn = a / FX_PS;
			fx_expected(&f, pfn, want);
			if (memcmp(buf + p->p_offset + (a - p->p_paddr), want + in_page, n)) {
				fprintf(stderr, "\npfn %llu differs\n", (unsigned long long)pfn);
				bad++;
			}
			a += n;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(st.pages_written, fx_count(&f, FX_DATA) + fx_count(&f, FX_ZERO));
	CU_ASSERT_EQUAL(st.pages_zero, fx_count(&f, FX_ZERO));
	CU_ASSERT_EQUAL(st.pages_unreadable, fx_count(&f, FX_UNREADABLE));
	CU_ASSERT_EQUAL(st.file_size, len);
	/* only data pages are written: zero, excluded, unreadable are holes */
	CU_ASSERT(st.bytes_written < (uint64_t)(fx_count(&f, FX_DATA) + 1) * FX_PS + 4096);
	free(buf);
	unlink(path);
	fx_free(&f);
}

static void test_vaddr_unknown(void)
{
	struct fx f;
	char path[256];
	uint8_t *buf;
	size_t len;
	const Elf64_Phdr *ph;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_ELF, NULL, NULL, path, sizeof(path), NULL), 0);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	ph = (const Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr));
	CU_ASSERT_EQUAL(ph[2].p_vaddr, 0);
	CU_ASSERT_EQUAL(ph[2].p_paddr, fx_ranges[0].start);
	free(buf);
	unlink(path);
	fx_free(&f);
}

/* No kernel image segment without _stext, or with an _stext outside RAM. */
static void test_no_text_segment(void)
{
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_error err = { 0 };
	char path[256];
	uint8_t *buf;
	size_t len;
	int fd;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	fx_input(&f, &in);
	in.notes_len = 2 * (12 + 8 + 336);	/* the CPUs only */
	fd = fx_tmpfile(path, sizeof(path), "elf");
	CU_ASSERT_EQUAL_FATAL(lkcd_write_dump(fd, LKCD_OUT_ELF, &in, NULL, NULL, &err), 0);
	close(fd);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_EQUAL(((const Elf64_Ehdr *)buf)->e_phnum, 1 + FX_NR_RANGES);
	free(buf);

	/* RAM range 1 removed: _stext's page is no longer RAM */
	{
		struct lkcd_mem_range r[2] = { fx_ranges[0], fx_ranges[2] };
		struct lkcd_page_iter keep = in.pages;

		fx_input(&f, &in);
		in.ranges = r;
		in.nr_ranges = 2;
		in.pages = keep;
		fd = open(path, O_WRONLY | O_TRUNC);
		/* the fixture's pages in range 1 are now outside RAM: refused */
		CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_ELF, &in, NULL, NULL, &err), -EINVAL);
		close(fd);
	}
	unlink(path);
	fx_free(&f);
}

static void test_unknown_machine(void)
{
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_error err = { 0 };
	char path[256];
	int fd;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	strcpy(f.hdr.uts.machine, "pdp11");
	fx_input(&f, &in);
	fd = fx_tmpfile(path, sizeof(path), "elf");
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_ELF, &in, NULL, NULL, &err), -EINVAL);
	CU_ASSERT(strstr(err.msg, "pdp11") != NULL);
	in.nr_ranges = 0;
	strcpy(f.hdr.uts.machine, "x86_64");
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_ELF, &in, NULL, NULL, &err), -EINVAL);
	close(fd);
	unlink(path);
	fx_free(&f);
}

static void test_full_disk(void)
{
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_error err = { 0 };
	int fd;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	fd = open("/dev/full", O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	fx_input(&f, &in);
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_ELF, &in, NULL, NULL, &err), -ENOSPC);
	CU_ASSERT(strstr(err.msg, "No space left on device") != NULL);
	CU_ASSERT(strstr(err.msg, "ELF") != NULL);
	close(fd);
	fx_free(&f);
}

static void test_libkdumpfile_reads(void)
{
	struct fx f;
	char path[256], why[512];
	size_t ok;
	int bad;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_ELF, NULL, NULL, path, sizeof(path), NULL), 0);
	bad = fx_kdumpfile_check(&f, path, 1, &ok, why, sizeof(why));
	if (bad)
		fprintf(stderr, "\nlibkdumpfile: %d bad: %s\n", bad, why);
	CU_ASSERT_EQUAL(bad, 0);
	/* every RAM page reads: 8 + 20 + 4 */
	CU_ASSERT_EQUAL(ok, 32);
	unlink(path);
	fx_free(&f);
}

static int register_suites(void)
{
	static const CU_TestInfo tests[] = {
		{ "round trip through the program headers", test_roundtrip },
		{ "p_vaddr 0 when the direct map is unknown", test_vaddr_unknown },
		{ "no kernel image segment without _stext", test_no_text_segment },
		{ "unknown machine, no ranges", test_unknown_machine },
		{ "full disk gives -ENOSPC", test_full_disk },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo real[] = {
		{ "libkdumpfile reads every page", test_libkdumpfile_reads },
		CU_TEST_INFO_NULL,
	};
	CU_pSuite s;

	if (lkcd_unit_add_suite("write_elf", NULL, NULL, tests) ||
	    lkcd_unit_add_suite("write_elf_libkdumpfile", NULL, NULL, real))
		return -1;
	s = CU_get_suite("write_elf_libkdumpfile");
	if (s)
		fx_skip_without_kdumpfile(s);
	return 0;
}

LKCD_TEST_MAIN(register_suites)
