// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The whole userspace path on a simulated crash: the packer (kernel/packer.c)
 * dumps a simulated memory, the reader (lkcd_dump_open / lkcd_dump_next)
 * hands the records to each writer through lkcd_dump_page_iter(), and
 * libkdumpfile reads every page of the written file, which must hold the
 * memory as it was before the dump (what the reader returned: data and zero
 * pages); pages the dump left out must not read (kdump, LKCD) or read as
 * zeros (ELF holes).  Also: a plain source (a vmcore without an lkcd dump)
 * through lkcd_source_page_iter_open().
 */
#include <lz4.h>
#include <sys/wait.h>

#include "unit.h"
#include "simmem.h"
#include "write_fixture.h"
#include "vmcoreinfo.h"

#define PS	LKCD_PAGE_SIZE

struct pipeline {
	struct simmem *sm;
	struct sim_readback rb;
	struct lkcd_source *src;
	struct lkcd_dump *dump;
	struct lkcd_dump_header hdr;
};

static int pipeline_open(struct pipeline *p, uint32_t level, uint32_t exclude,
			 uint32_t compress, uint64_t seed)
{
	struct lkcd_error err = { 0 };
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->sm = sim_new_standard(2048, seed);
	for (i = 0; i < 16; i++)
		sim_add_pool(p->sm, 0x120 + i);
	if (sim_pack(p->sm, level, exclude, compress, 0))
		return -1;
	if (sim_readback(p->sm, &p->rb) || p->rb.nr_mismatches || p->rb.nr_problems)
		return -1;
	if (sim_source(p->sm, &p->src))
		return -1;
	if (lkcd_dump_open(p->src, p->sm->header_pfn * PS, &p->dump, &err)) {
		fprintf(stderr, "\nopen: %s\n", err.msg);
		return -1;
	}
	p->hdr = *lkcd_dump_header(p->dump);
	/* the simulated kernel has no utsname: say what readers need */
	if (!p->hdr.uts.machine[0])
		strcpy(p->hdr.uts.machine, "x86_64");
	if (!p->hdr.uts.sysname[0])
		strcpy(p->hdr.uts.sysname, "Linux");
	return 0;
}

static void pipeline_close(struct pipeline *p)
{
	lkcd_dump_close(p->dump);
	lkcd_source_close(p->src);
	sim_readback_free(&p->rb);
	sim_free(p->sm);
}

static int in_ram(const struct simmem *sm, uint64_t pfn)
{
	size_t i;

	for (i = 0; i < sm->nr_ranges; i++)
		if (pfn * PS < sm->ranges[i].start + sm->ranges[i].size &&
		    (pfn + 1) * PS > sm->ranges[i].start)
			return 1;
	return 0;
}

/* Write fmt from the reader and judge the file with libkdumpfile. */
static void write_and_judge(struct pipeline *p, enum lkcd_out_format fmt,
			    const char *what)
{
	struct lkcd_write_input in = { 0 };
	struct lkcd_write_stats st;
	struct lkcd_error err = { 0 };
	char path[256], why[512];
	uint64_t n = p->sm->max_pfn, pfn, bad = 0, data = 0;
	uint32_t *crc = calloc(n, sizeof(*crc));
	uint8_t *readable = calloc(n, 1), zero[PS];
	uint32_t zero_crc;
	int fd, ret;

	memset(zero, 0, sizeof(zero));
	zero_crc = (uint32_t)crc32(0, zero, PS);
	in.hdr = &p->hdr;
	in.nr_ranges = lkcd_dump_ranges(p->dump, &in.ranges);
	lkcd_dump_page_iter(p->dump, &in.pages);
	fd = fx_tmpfile(path, sizeof(path), "pipeline");
	CU_ASSERT_FATAL(fd >= 0);
	ret = lkcd_write_dump(fd, fmt, &in, NULL, &st, &err);
	close(fd);
	if (ret)
		fprintf(stderr, "\n%s %s: %s\n", what, lkcd_out_format_name(fmt), err.msg);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(st.pages_written, p->rb.pages_data + p->rb.pages_zero);
	CU_ASSERT_EQUAL(st.pages_unreadable, p->rb.pages_unread);
	CU_ASSERT_EQUAL(st.passes, 1);	/* the header's count is a bound */

	if (fx_kdumpfile_crcs(path, PS, n, crc, readable, why, sizeof(why))) {
		fprintf(stderr, "\n%s %s: libkdumpfile: %s\n", what,
			lkcd_out_format_name(fmt), why);
		CU_FAIL("libkdumpfile could not read the file");
		goto out;
	}
	for (pfn = 0; pfn < n; pfn++) {
		int k = p->rb.kind[pfn];
		int ok;

		if (k == SIM_K_DATA || k == SIM_K_ZERO) {
			ok = readable[pfn] &&
			     crc[pfn] == (uint32_t)crc32(0, p->sm->orig + pfn * PS, PS);
			data++;
		} else if (fmt == LKCD_OUT_ELF && in_ram(p->sm, pfn)) {
			ok = readable[pfn] && crc[pfn] == zero_crc;
		} else if (fmt == LKCD_OUT_ELF) {
			ok = !readable[pfn] || crc[pfn] == zero_crc;
		} else {
			ok = !readable[pfn];
		}
		if (!ok && !bad++)
			fprintf(stderr, "\n%s %s: pfn 0x%llx (kind %c) reads %s %08x\n",
				what, lkcd_out_format_name(fmt),
				(unsigned long long)pfn, k ? k : '-',
				readable[pfn] ? "as" : "not at all", crc[pfn]);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(data > 100);
out:
	unlink(path);
	free(crc);
	free(readable);
}

static const struct {
	uint32_t level, exclude, compress;
	const char *what;
} cases[] = {
	{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK & ~LKCD_EXCLUDE_ZERO, LKCD_COMPRESS_ZLIB, "kern zlib" },
	{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZSTD, "kern -d31 zstd" },
	{ LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE, LKCD_COMPRESS_LZ4, "used lz4" },
	{ LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_ZSTD, "all_ram zstd" },
	{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK & ~LKCD_EXCLUDE_ZERO, LKCD_COMPRESS_NONE, "kern raw" },
};

static void run_format(enum lkcd_out_format fmt)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pipeline p;

		if (pipeline_open(&p, cases[i].level, cases[i].exclude,
				  cases[i].compress, 4242 + i)) {
			CU_FAIL("packing or reading the simulated dump failed");
			pipeline_close(&p);
			continue;
		}
		write_and_judge(&p, fmt, cases[i].what);
		pipeline_close(&p);
	}
}

static void test_kdump(void)
{
	run_format(LKCD_OUT_KDUMP);
}

static void test_lkcd(void)
{
	run_format(LKCD_OUT_LKCD);
}

static void test_elf(void)
{
	run_format(LKCD_OUT_ELF);
}

/* ---- a plain source through the source page iterator ---- */

static void test_source_iter(void)
{
	/* 16 pages; RAM [1, 6) and [8, 15) with the last one ending mid-page */
	static const struct lkcd_mem_range ranges[] = {
		{ 1 * PS, 5 * PS }, { 8 * PS, 6 * PS + 100 },
	};
	static uint8_t mem[16 * PS];
	struct lkcd_source *src;
	struct lkcd_page_iter it;
	struct lkcd_page pg;
	struct lkcd_error err = { 0 };
	struct { uint64_t pfn; uint32_t count, flags; } want[] = {
		{ 1, 1, LKCD_REC_RAW }, { 2, 2, LKCD_REC_ZERO }, { 4, 1, LKCD_REC_RAW },
		{ 5, 1, LKCD_REC_ZERO }, { 8, 3, LKCD_REC_ZERO }, { 11, 1, LKCD_REC_RAW },
		{ 12, 1, LKCD_REC_RAW }, { 13, 1, LKCD_REC_ZERO }, { 14, 1, LKCD_REC_RAW },
	};
	size_t i, n = 0;
	int pass, rc;

	memset(mem, 0, sizeof(mem));
	mem[1 * PS + 7] = 1;
	mem[4 * PS] = 2;
	mem[11 * PS + PS - 1] = 3;
	memset(mem + 12 * PS, 0x5a, PS);
	mem[14 * PS + 99] = 4;		/* inside the range's last partial page */
	mem[14 * PS + 200] = 9;		/* outside: must read as zero */
	mem[6 * PS] = 7;		/* a hole: never handed out */
	CU_ASSERT_EQUAL_FATAL(lkcd_source_open_buffer(mem, sizeof(mem), ranges, 2, &src, &err), 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_page_iter_open(src, PS, &it, &err), 0);
	for (pass = 0; pass < 2; pass++) {
		n = 0;
		CU_ASSERT_EQUAL(it.rewind(it.ctx, &err), 0);
		while ((rc = it.next(it.ctx, &pg, &err)) == 1) {
			if (n < sizeof(want) / sizeof(want[0])) {
				CU_ASSERT_EQUAL(pg.pfn, want[n].pfn);
				CU_ASSERT_EQUAL(pg.count, want[n].count);
				CU_ASSERT_EQUAL(pg.flags, want[n].flags);
				if (pg.flags == LKCD_REC_RAW) {
					CU_ASSERT_EQUAL(pg.stored_size, PS);
					if (pg.pfn == 14) {
						CU_ASSERT_EQUAL(((const uint8_t *)pg.stored)[99], 4);
						CU_ASSERT_EQUAL(((const uint8_t *)pg.stored)[200], 0);
					} else {
						CU_ASSERT(memcmp(pg.stored, mem + pg.pfn * PS, PS) == 0);
					}
				}
			}
			n++;
		}
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(n, sizeof(want) / sizeof(want[0]));
	}
	CU_ASSERT_EQUAL(lkcd_source_page_iter_open(src, 3000, &it, &err), -EINVAL);
	lkcd_source_page_iter_close(&it);
	lkcd_source_close(src);
	(void)i;
}

/* ---- a real kernel's memory (LKCD_TEST_VMCORE), judged by real tools ---- */

/*
 * A vmcore with VMCOREINFO (/proc/vmcore, or QEMU dump-guest-memory with
 * -device vmcoreinfo and the guest's qemu_fw_cfg loaded) goes through the
 * source page iterator, a third of its pages compressed with zlib, zstd and
 * lz4 on the way (so copy and re-encoding both run), into every format.
 * makedumpfile --dump-dmesg must print the same log from the kdump and ELF
 * files; libkdumpfile must read every page of the vmcore the same from all
 * three; with LKCD_TEST_VMLINUX set, crash must print the log of each.
 */
struct mix {
	struct lkcd_page_iter inner;
	uint8_t buf[2 * PS];
	uint64_t n;
};

static int mix_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct mix *m = ctx;
	int rc = m->inner.next(m->inner.ctx, pg, err);
	size_t n = 0;
	uint32_t how;

	if (rc <= 0 || pg->flags != LKCD_REC_RAW)
		return rc;
	how = (uint32_t)(m->n++ % 4);
	if (how == 0) {
		uLongf l = sizeof(m->buf);

		if (compress2(m->buf, &l, pg->stored, PS, 1) == Z_OK)
			n = l;
		pg->compress = LKCD_COMPRESS_ZLIB;
	} else if (how == 1) {
		n = ZSTD_compress(m->buf, sizeof(m->buf), pg->stored, PS, 1);
		if (ZSTD_isError(n))
			n = 0;
		pg->compress = LKCD_COMPRESS_ZSTD;
	} else if (how == 2) {
		int l = LZ4_compress_default(pg->stored, (char *)m->buf, PS, sizeof(m->buf));

		n = l > 0 ? (size_t)l : 0;
		pg->compress = LKCD_COMPRESS_LZ4;
	}
	if (n && n < PS) {
		pg->flags = LKCD_REC_COMPRESSED;
		pg->stored = m->buf;
		pg->stored_size = (uint32_t)n;
	}
	return rc;
}

static int mix_rewind(void *ctx, struct lkcd_error *err)
{
	struct mix *m = ctx;

	m->n = 0;
	return m->inner.rewind(m->inner.ctx, err);
}

static int run_cmd(const char *cmd)
{
	int rc = system(cmd);

	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char real_dir[256];

static void test_real_vmcore(void)
{
	const char *vmcore = getenv("LKCD_TEST_VMCORE");
	const char *vmlinux = getenv("LKCD_TEST_VMLINUX");
	static const enum lkcd_out_format fmts[] = { LKCD_OUT_KDUMP, LKCD_OUT_LKCD, LKCD_OUT_ELF };
	struct lkcd_write_stats st[3];
	struct lkcd_source *src;
	struct lkcd_dump_header h;
	struct lkcd_write_input in = { 0 };
	struct lkcd_error err = { 0 };
	static struct mix m;
	uint8_t *notes;
	char cmd[4096], line[512];
	const struct lkcd_mem_range *last;
	size_t i;
	FILE *p;

	CU_ASSERT_FATAL(vmcore != NULL);
	snprintf(real_dir, sizeof(real_dir), "/tmp/lkcd-real-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(real_dir) != NULL);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_open(vmcore, LKCD_SOURCE_AUTO, &src, &err), 0);
	memset(&h, 0, sizeof(h));
	h.magic = LKCD_DUMP_MAGIC;
	h.state = LKCD_STATE_COMPLETE;
	h.page_size = PS;
	h.level = LKCD_LEVEL_ALL_RAM;
	h.panic_time_sec = 1764000000;
	strcpy(h.uts.sysname, "Linux");
	strcpy(h.uts.machine, "x86_64");
	strcpy(h.panic_string, "lkcd writer test");
	/* libkdumpfile (and drgn through it) needs release, version, machine */
	strcpy(h.uts.version, "#1 lkcd writer test");
	in.nr_ranges = lkcd_source_ranges(src, &in.ranges);
	CU_ASSERT_FATAL(in.nr_ranges > 0);
	last = &in.ranges[in.nr_ranges - 1];
	h.max_pfn = (last->start + last->size + PS - 1) / PS;
	{
		/*
		 * As lkcd save does: an "LKCD" note (type 0x4c4b4344, the
		 * preserved header page) before the vmcore's notes; readers
		 * must skip a note they do not know.
		 */
		const void *vnotes;
		size_t vlen, lkcd_len = 12 + 8 + 16 + LKCD_PAGE_SIZE;
		uint32_t nh[3] = { 5, 16 + LKCD_PAGE_SIZE, 0x4c4b4344u };

		lkcd_source_notes(src, &vnotes, &vlen);
		notes = calloc(1, lkcd_len + vlen);
		CU_ASSERT_FATAL(notes != NULL);
		memcpy(notes, nh, sizeof(nh));
		memcpy(notes + 12, "LKCD", 5);
		memset(notes + 20 + 16, 0xa5, LKCD_PAGE_SIZE);
		memcpy(notes + lkcd_len, vnotes, vlen);
		in.notes = notes;
		in.notes_len = lkcd_len + vlen;
	}
	{
		struct lkcd_vmcoreinfo *vi;

		CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_from_notes(in.notes, in.notes_len, &vi, &err), 0);
		snprintf(h.uts.release, sizeof(h.uts.release), "%s",
			 lkcd_vmcoreinfo_osrelease(vi) ? lkcd_vmcoreinfo_osrelease(vi) : "");
		lkcd_vmcoreinfo_free(vi);
	}
	in.hdr = &h;
	CU_ASSERT_EQUAL_FATAL(lkcd_source_page_iter_open(src, PS, &m.inner, &err), 0);
	in.pages.ctx = &m;
	in.pages.next = mix_next;
	in.pages.rewind = mix_rewind;
	for (i = 0; i < 3; i++) {
		char path[512];
		int fd;

		snprintf(path, sizeof(path), "%s/out.%s", real_dir, lkcd_out_format_name(fmts[i]));
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_EQUAL(lkcd_write_dump(fd, fmts[i], &in, NULL, &st[i], &err), 0);
		close(fd);
		fprintf(stderr, "\n  %s: %llu bytes, %llu pages (%llu zero), %llu copied, %llu re-encoded",
			lkcd_out_format_name(fmts[i]), (unsigned long long)st[i].file_size,
			(unsigned long long)st[i].pages_written, (unsigned long long)st[i].pages_zero,
			(unsigned long long)st[i].pages_copied,
			(unsigned long long)st[i].pages_recompressed);
	}
	lkcd_source_page_iter_close(&m.inner);
	lkcd_source_close(src);
	free(notes);
	CU_ASSERT(st[0].have_vmcoreinfo);
	CU_ASSERT_EQUAL(st[0].notes_truncated, 0);

	/* makedumpfile: the same log from kdump and ELF */
	if (run_cmd("command -v makedumpfile >/dev/null") != 0) {
		fprintf(stderr, "\n  makedumpfile not installed: its check is left out");
	} else {
		snprintf(cmd, sizeof(cmd),
			 "cd %s && makedumpfile --dump-dmesg out.kdump dmesg.kdump >mdf.log 2>&1 && "
			 "makedumpfile --dump-dmesg out.elf dmesg.elf >>mdf.log 2>&1 && "
			 "cmp -s dmesg.kdump dmesg.elf && grep -q 'Linux version' dmesg.kdump",
			 real_dir);
		CU_ASSERT_EQUAL(run_cmd(cmd), 0);
		fprintf(stderr, "\n  makedumpfile --dump-dmesg: same log from kdump and ELF");
	}

	/* libkdumpfile: every page of the vmcore, from every output */
	snprintf(cmd, sizeof(cmd), FX_PYTHON " %.*s/kdumpfile_compare.py %s %u %s/out.kdump %s/out.lkcd %s/out.elf 2>&1",
		 (int)(strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') - __FILE__ : 1),
		 strrchr(__FILE__, '/') ? __FILE__ : ".", vmcore, PS, real_dir, real_dir, real_dir);
	p = popen(cmd, "r");
	CU_ASSERT_FATAL(p != NULL);
	i = 0;
	while (fgets(line, sizeof(line), p)) {
		unsigned long long same, diff, missing, missing_zero;
		char name[256];

		fprintf(stderr, "\n  libkdumpfile: %s", line);
		if (sscanf(line, "%255s same %llu diff %llu missing %llu missing_zero %llu",
			   name, &same, &diff, &missing, &missing_zero) != 5) {
			CU_FAIL("kdumpfile_compare.py");
			continue;
		}
		CU_ASSERT(same > 1000);
		CU_ASSERT_EQUAL(diff, 0);
		CU_ASSERT_EQUAL(missing, 0);
		i++;
	}
	CU_ASSERT_EQUAL(pclose(p), 0);
	CU_ASSERT_EQUAL(i, 3);

	/* crash, when given the kernel's debug vmlinux */
	if (vmlinux && run_cmd("command -v crash >/dev/null") == 0) {
		for (i = 0; i < 3; i++) {
			char extra[128] = "";
			int rc;

			if (fmts[i] == LKCD_OUT_LKCD)
				snprintf(extra, sizeof(extra), "--kaslr 0x%llx --machdep phys_base=0x%llx",
					 (unsigned long long)st[i].kernel_offset,
					 (unsigned long long)st[i].phys_base);
			snprintf(cmd, sizeof(cmd),
				 "cd %s && printf 'log\nbt\nquit\n' >cmds && timeout 300 crash -s %s %s out.%s -i cmds >crash.%s 2>&1 && "
				 "grep -q 'Linux version' crash.%s && grep -q '^PID: ' crash.%s",
				 real_dir, extra, vmlinux, lkcd_out_format_name(fmts[i]),
				 lkcd_out_format_name(fmts[i]), lkcd_out_format_name(fmts[i]),
				 lkcd_out_format_name(fmts[i]));
			rc = run_cmd(cmd);
			if (rc)
				fprintf(stderr, "\n  crash failed on out.%s (see %s/crash.%s)",
					lkcd_out_format_name(fmts[i]), real_dir,
					lkcd_out_format_name(fmts[i]));
			else
				fprintf(stderr, "\n  crash: log and bt of out.%s ok",
					lkcd_out_format_name(fmts[i]));
			CU_ASSERT_EQUAL(rc, 0);
		}
	}
	/* drgn, with the same vmlinux: kdump and ELF (it does not read LKCD) */
	if (vmlinux && run_cmd(FX_PYTHON " -c 'import drgn' 2>/dev/null") == 0) {
		const char *dir = strrchr(__FILE__, '/') ? __FILE__ : "./";
		int dlen = (int)(strrchr(dir, '/') - dir);
		int ok = 0;

		snprintf(cmd, sizeof(cmd), FX_PYTHON " %.*s/drgn_check.py %s %s/out.kdump %s/out.elf 2>&1",
			 dlen, dir, vmlinux, real_dir, real_dir);
		p = popen(cmd, "r");
		CU_ASSERT_FATAL(p != NULL);
		while (fgets(line, sizeof(line), p)) {
			fprintf(stderr, "\n  drgn: %s", line);
			ok += strstr(line, " OK ") != NULL;
		}
		pclose(p);
		CU_ASSERT_EQUAL(ok, 2);
	}
	if (!getenv("LKCD_TEST_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", real_dir);
		run_cmd(cmd);
	}
}

static int register_suites(void)
{
	static const CU_TestInfo tests[] = {
		{ "source page iterator", test_source_iter },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo real[] = {
		{ "packer -> reader -> kdump writer -> libkdumpfile", test_kdump },
		{ "packer -> reader -> LKCD writer -> libkdumpfile", test_lkcd },
		{ "packer -> reader -> ELF writer -> libkdumpfile", test_elf },
		CU_TEST_INFO_NULL,
	};
	CU_pSuite s;

	if (lkcd_unit_add_suite("write_pipeline", NULL, NULL, tests) ||
	    lkcd_unit_add_suite("write_pipeline_libkdumpfile", NULL, NULL, real))
		return -1;
	s = CU_get_suite("write_pipeline_libkdumpfile");
	if (s)
		fx_skip_without_kdumpfile(s);
	{
		static const CU_TestInfo vmcore[] = {
			{ "a real vmcore: makedumpfile, libkdumpfile, crash", test_real_vmcore },
			CU_TEST_INFO_NULL,
		};

		if (lkcd_unit_add_suite("write_real_vmcore", NULL, NULL, vmcore))
			return -1;
		s = CU_get_suite("write_real_vmcore");
		if (s)
			fx_skip_without_kdumpfile(s);
		if (s && !getenv("LKCD_TEST_VMCORE")) {
			/* skipped unless given LKCD_TEST_VMCORE=<vmcore with VMCOREINFO> */
			CU_set_fail_on_inactive(CU_FALSE);
			CU_set_test_active(s->pTest, CU_FALSE);
		}
	}
	return 0;
}

LKCD_TEST_MAIN(register_suites)
