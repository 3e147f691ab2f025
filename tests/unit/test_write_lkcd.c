// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The LKCD v8 writer: write the fixture dump, walk the file as crash's
 * lkcd_v8.c / lkcd_common.c do (header, x86_64 asm header, page headers
 * from 64 KiB to DUMP_DH_END, zlib pages), compare every page; read it with
 * libkdumpfile; a full disk.
 */
#include "unit.h"
#include "write_fixture.h"

#define V8_HDR		734
#define FIRST_PAGE	65536

static void test_roundtrip(void)
{
	struct fx f;
	struct lkcd_write_stats st;
	char path[256];
	uint8_t *buf, page[FX_PS], want[FX_PS];
	uint8_t seen[FX_MAX_PFN] = { 0 };
	size_t len, off, pages = 0;
	uint64_t prev = 0;
	int bad = 0, ended = 0;
	uint32_t asm_size, ncpu;
	uint64_t pfn;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_LKCD, NULL, &st, path, sizeof(path), NULL), 0);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL && len > FIRST_PAGE);

	/* dump_header_t */
	CU_ASSERT_EQUAL(rd64(buf), 0xa8190173618f23edULL);
	CU_ASSERT_EQUAL(rd32(buf + 8), 8);
	CU_ASSERT_EQUAL(rd32(buf + 12), V8_HDR);
	CU_ASSERT_EQUAL(rd32(buf + 16), LKCD_LEVEL_KERN);
	CU_ASSERT_EQUAL(rd32(buf + 20), FX_PS);
	CU_ASSERT_EQUAL(rd64(buf + 24), 8 + 20 + 4);	/* RAM pages */
	CU_ASSERT_EQUAL(rd64(buf + 32), FX_PS);
	CU_ASSERT_EQUAL(rd64(buf + 40), (uint64_t)FX_RAM_END * FX_PS);
	CU_ASSERT_EQUAL(rd32(buf + 48), fx_count(&f, FX_DATA) + fx_count(&f, FX_ZERO));
	CU_ASSERT_STRING_EQUAL((char *)buf + 52, f.hdr.panic_string);
	CU_ASSERT_EQUAL(rd64(buf + 308), f.hdr.panic_time_sec);
	CU_ASSERT_EQUAL(rd64(buf + 316), f.hdr.panic_time_nsec / 1000);
	CU_ASSERT_STRING_EQUAL((char *)buf + 324, "Linux");
	CU_ASSERT_STRING_EQUAL((char *)buf + 324 + 4 * 65, "x86_64");
	CU_ASSERT_EQUAL(rd64(buf + 714), FX_TASK);
	CU_ASSERT_EQUAL(rd32(buf + 722), 2);	/* GZIP */

	/* dump_header_asm_t: crash derives the CPU count from its size */
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR), 0xdeaddeadULL);
	CU_ASSERT_EQUAL(rd32(buf + V8_HDR + 8), 2);
	asm_size = rd32(buf + V8_HDR + 12);
	ncpu = (asm_size - 192) / 192;
	CU_ASSERT_EQUAL(ncpu, FX_NR_CPUS);
	CU_ASSERT_EQUAL(rd32(buf + V8_HDR + 184), FX_NR_CPUS);
	CU_ASSERT_EQUAL(rd32(buf + V8_HDR + 188), FX_CRASHING_CPU);
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR + 16 + 16 * 8), FX_RIP(FX_CRASHING_CPU));
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR + 16 + 19 * 8), FX_RSP(FX_CRASHING_CPU));
	/* per-CPU regs, then current task[], stack[], stack_ptr[] */
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR + 192 + 0 * 168 + 16 * 8), FX_RIP(0));
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR + 192 + 1 * 168 + 16 * 8), FX_RIP(1));
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR + 192 + 2 * 168 + 8 * FX_CRASHING_CPU), FX_TASK);
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR + 192 + 2 * 168 + 2 * 8 + 2 * 8 + 8), FX_RSP(1));

	/* pages */
	for (off = FIRST_PAGE; off + 16 <= len;) {
		uint64_t addr = rd64(buf + off);
		uint32_t size = rd32(buf + off + 8), flags = rd32(buf + off + 12);

		off += 16;
		if (flags & 0x4) {
			ended = 1;
			break;
		}
		pfn = addr / FX_PS;
		if (addr % FX_PS || pfn >= FX_MAX_PFN || (pages && addr <= prev) ||
		    size > len - off || size > FX_PS) {
			bad++;
			break;
		}
		prev = addr;
		if (flags == 0x1) {
			bad += size != FX_PS;
			memcpy(page, buf + off, FX_PS);
		} else if (flags == 0x2) {
			uLongf n = FX_PS;

			if (uncompress(page, &n, buf + off, size) != Z_OK || n != FX_PS) {
				bad++;
				break;
			}
		} else {
			bad++;
			break;
		}
		fx_expected(&f, pfn, want);
		if (memcmp(page, want, FX_PS) ||
		    (f.state[pfn] != FX_DATA && f.state[pfn] != FX_ZERO)) {
			fprintf(stderr, "\npfn %llu differs\n", (unsigned long long)pfn);
			bad++;
		}
		seen[pfn] = 1;
		pages++;
		off += size;
	}
	CU_ASSERT(ended);
	CU_ASSERT_EQUAL(off, len);	/* the END header is the last thing */
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(pages, fx_count(&f, FX_DATA) + fx_count(&f, FX_ZERO));
	for (pfn = 0; pfn < FX_MAX_PFN; pfn++)
		bad += seen[pfn] != (f.state[pfn] == FX_DATA || f.state[pfn] == FX_ZERO);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(st.pages_written, pages);
	CU_ASSERT_EQUAL(st.pages_unreadable, fx_count(&f, FX_UNREADABLE));
	CU_ASSERT_EQUAL(st.file_size, len);
	CU_ASSERT_EQUAL(st.passes, 1);
	/* what crash needs to open it: --kaslr and --machdep phys_base */
	CU_ASSERT_EQUAL(st.have_vmcoreinfo, 1);
	CU_ASSERT_EQUAL(st.phys_base, FX_PHYS_BASE);
	CU_ASSERT_EQUAL(st.kernel_offset, 0x1e000000);
	free(buf);
	unlink(path);
	fx_free(&f);
}

static void test_live_magic(void)
{
	struct fx f;
	struct lkcd_write_opts opts = { .flags = LKCD_WRITE_LIVE_MAGIC };
	char path[256];
	uint8_t *buf;
	size_t len;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	/* a crash dump keeps the crash magic even with the option */
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_LKCD, &opts, NULL, path, sizeof(path), NULL), 0);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_EQUAL(rd64(buf), 0xa8190173618f23edULL);
	free(buf);
	unlink(path);

	f.hdr.magic = LKCD_DUMP_MAGIC_LIVE;
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_LKCD, &opts, NULL, path, sizeof(path), NULL), 0);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_EQUAL(rd64(buf), 0xa8190173618f23cdULL);
	free(buf);
	unlink(path);

	/* by default a live dump gets the magic every reader accepts */
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_LKCD, NULL, NULL, path, sizeof(path), NULL), 0);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_EQUAL(rd64(buf), 0xa8190173618f23edULL);
	free(buf);
	unlink(path);
	fx_free(&f);
}

/* Not x86_64: no asm header (crash only warns), pages still fine. */
static void test_other_machine(void)
{
	struct fx f;
	char path[256];
	uint8_t *buf;
	size_t len;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	strcpy(f.hdr.uts.machine, "aarch64");
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_LKCD, NULL, NULL, path, sizeof(path), NULL), 0);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR), 0);
	CU_ASSERT_EQUAL(rd32(buf + FIRST_PAGE + 12), 0x1);	/* pfn 1, raw */
	free(buf);
	unlink(path);
	fx_free(&f);
}

/* Notes are untrusted: short, oversized, terminated, garbage. */
static void test_hostile_notes(void)
{
	struct fx f;
	struct lkcd_write_input in;
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	uint8_t notes[1024], desc[100];
	char path[256];
	uint8_t *buf;
	size_t len, off;
	int fd;

	CU_ASSERT_FATAL(fx_init(&f) == 0);
	fx_input(&f, &in);

	/* a CORE NT_PRSTATUS too short to hold pr_reg: registers stay zero */
	memset(desc, 0xee, sizeof(desc));
	off = fx_note(notes, "CORE", 1, desc, sizeof(desc));
	off += fx_note(notes + off, "CORE", 1, desc, sizeof(desc));
	in.notes = notes;
	in.notes_len = off;
	fd = fx_tmpfile(path, sizeof(path), "lkcd-notes");
	CU_ASSERT_EQUAL_FATAL(lkcd_write_dump(fd, LKCD_OUT_LKCD, &in, NULL, &st, &err), 0);
	close(fd);
	buf = fx_slurp(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_EQUAL(st.notes_truncated, 0);
	CU_ASSERT_EQUAL(st.have_vmcoreinfo, 0);
	CU_ASSERT_EQUAL(rd32(buf + V8_HDR + 184), 2);		/* two CPUs */
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR + 16 + 16 * 8), 0);	/* no rip */
	CU_ASSERT_EQUAL(rd64(buf + V8_HDR + 192 + 16 * 8), 0);
	free(buf);
	unlink(path);

	/* a note whose name runs past the blob: cut there, the rest kept */
	off = fx_note(notes, "CORE", 1, desc, sizeof(desc));
	{
		uint32_t h[3] = { 0xfffffff0u, 4, 0 };

		memcpy(notes + off, h, sizeof(h));
		memset(notes + off + sizeof(h), 'x', 40);
	}
	in.notes_len = off + 12 + 40;
	for (int fmt = 0; fmt < 3; fmt++) {
		fd = fx_tmpfile(path, sizeof(path), "lkcd-notes");
		CU_ASSERT_EQUAL(lkcd_write_dump(fd, (enum lkcd_out_format)fmt, &in, NULL, &st, &err), 0);
		close(fd);
		CU_ASSERT_EQUAL(st.notes_truncated, 1);
		unlink(path);
	}

	/* descsz past the end */
	{
		uint32_t h[3] = { 5, 0x7fffffffu, 1 };

		memcpy(notes + off, h, sizeof(h));
		memcpy(notes + off + 12, "CORE\0\0\0", 8);
	}
	in.notes_len = off + 12 + 8 + 16;
	fd = fx_tmpfile(path, sizeof(path), "lkcd-notes");
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, &st, &err), 0);
	close(fd);
	CU_ASSERT_EQUAL(st.notes_truncated, 1);
	unlink(path);

	/*
	 * A zero note (the kernel's final_note()) in the middle, as when
	 * PT_NOTEs are concatenated: dropped, the notes after it still count.
	 */
	{
		static const char vmci[] = "OSRELEASE=6.1\nNUMBER(phys_base)=4096\n";
		size_t kept = off;

		memset(notes + off, 0, 12);
		off += 12;
		off += fx_note(notes + off, "VMCOREINFO", 0, vmci, sizeof(vmci) - 1);
		memset(notes + off, 0, 12);	/* and a terminator at the end */
		in.notes_len = off + 12;
		fd = fx_tmpfile(path, sizeof(path), "lkcd-notes");
		CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, &st, &err), 0);
		close(fd);
		CU_ASSERT_EQUAL(st.notes_truncated, 0);
		CU_ASSERT_EQUAL(st.have_vmcoreinfo, 1);
		CU_ASSERT_EQUAL(st.phys_base, 4096);
		buf = fx_slurp(path, &len);
		CU_ASSERT_FATAL(buf != NULL);
		/* kdump size_note: the two real notes, no zero notes */
		CU_ASSERT_EQUAL(rd64(buf + FX_PS + 56), kept + 12 + 12 + ((sizeof(vmci) - 1 + 3) & ~3u));
		free(buf);
		unlink(path);

		/* garbage after the terminator is damage */
		memset(notes + off + 12, 0x55, 30);
		in.notes_len = off + 12 + 30;
		fd = fx_tmpfile(path, sizeof(path), "lkcd-notes");
		CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_KDUMP, &in, NULL, &st, &err), 0);
		close(fd);
		CU_ASSERT_EQUAL(st.notes_truncated, 1);
		CU_ASSERT_EQUAL(st.have_vmcoreinfo, 1);
		unlink(path);
	}

	/* a blob shorter than one note header */
	in.notes_len = 7;
	fd = fx_tmpfile(path, sizeof(path), "lkcd-notes");
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_LKCD, &in, NULL, &st, &err), 0);
	close(fd);
	CU_ASSERT_EQUAL(st.notes_truncated, 1);
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
	CU_ASSERT_EQUAL(lkcd_write_dump(fd, LKCD_OUT_LKCD, &in, NULL, NULL, &err), -ENOSPC);
	CU_ASSERT(strstr(err.msg, "No space left on device") != NULL);
	CU_ASSERT(strstr(err.msg, "LKCD") != NULL);
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
	CU_ASSERT_EQUAL_FATAL(fx_write(&f, LKCD_OUT_LKCD, NULL, NULL, path, sizeof(path), NULL), 0);
	bad = fx_kdumpfile_check(&f, path, 0, &ok, why, sizeof(why));
	if (bad)
		fprintf(stderr, "\nlibkdumpfile: %d bad: %s\n", bad, why);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(ok, fx_count(&f, FX_DATA) + fx_count(&f, FX_ZERO));
	unlink(path);
	fx_free(&f);
}

static int register_suites(void)
{
	static const CU_TestInfo tests[] = {
		{ "round trip, parsed as crash does", test_roundtrip },
		{ "live magic only on request", test_live_magic },
		{ "non-x86_64: no asm header", test_other_machine },
		{ "hostile notes", test_hostile_notes },
		{ "full disk gives -ENOSPC", test_full_disk },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo real[] = {
		{ "libkdumpfile reads every page", test_libkdumpfile_reads },
		CU_TEST_INFO_NULL,
	};
	CU_pSuite s;

	if (lkcd_unit_add_suite("write_lkcd", NULL, NULL, tests) ||
	    lkcd_unit_add_suite("write_lkcd_libkdumpfile", NULL, NULL, real))
		return -1;
	s = CU_get_suite("write_lkcd_libkdumpfile");
	if (s)
		fx_skip_without_kdumpfile(s);
	return 0;
}

LKCD_TEST_MAIN(register_suites)
