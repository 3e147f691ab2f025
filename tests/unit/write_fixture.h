/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A synthetic dump for the writer tests (test_write_*.c include this; it
 * is a header of static functions so that it is linked only into them).
 *
 * Memory: page size 4096, max_pfn 110, RAM ranges
 *     [pfn 1, 9)  hole  [pfn 32, 52)  hole  [pfn 100, 104)
 * The last range starts and ends mid-page ([0x64000 + 0x200, 0x68000 - 0x400))
 * so that partial pages are exercised.
 * Every RAM pfn is given a state: DATA (a record with data: raw, zlib, zstd
 * or lz4; some incompressible, one zlib record larger than a page), ZERO
 * (runs), UNREADABLE (runs) or ABSENT (excluded: no record).  Each page's
 * expected bytes come from fx_content(), so a reader's bytes can be
 * compared with what the page held.
 *
 * Notes: two "CORE" NT_PRSTATUS notes (CPU 0 and 1, rip/rsp recognisable)
 * and a VMCOREINFO note with a negative NUMBER(phys_base) and SYMBOL(_stext)
 * putting the kernel image at pfn 33.
 */
#ifndef LKCD_WRITE_FIXTURE_H
#define LKCD_WRITE_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>
#include <CUnit/CUnit.h>

#include "liblkcd.h"

/* Each test uses part of the fixture. */
#define FX_UNUSED __attribute__((unused))

#define FX_PS		4096u
#define FX_MAX_PFN	110u	/* the header's; pfns 104.. are not RAM */
#define FX_RAM_END	104u	/* end of the last RAM range, in pages */
#define FX_NR_CPUS	2
/* A relocated kernel's phys_base is often negative: -0x7600000 */
#define FX_PHYS_BASE	0xfffffffff8a00000ull
/* _stext, so that the kernel image starts at paddr 0x21000 (pfn 33) */
#define FX_STEXT	0xffffffff87621000ull
#define FX_TEXT_PADDR	0x21000ull
#define FX_RIP(cpu)	(0xffffffff81000000ull + 0x100 * (cpu))
#define FX_RSP(cpu)	(0xffffc90000010000ull + 0x1000 * (cpu))
#define FX_CRASHING_CPU	1
#define FX_TASK		0xffff888004a1c000ull

enum fx_state { FX_ABSENT = 0, FX_DATA, FX_ZERO, FX_UNREADABLE };

static const struct lkcd_mem_range fx_ranges[] = {
	{ 1 * FX_PS, 8 * FX_PS },
	{ 32 * FX_PS, 20 * FX_PS },
	{ 100 * FX_PS + 0x200, 4 * FX_PS - 0x600 },
};
#define FX_NR_RANGES (sizeof(fx_ranges) / sizeof(fx_ranges[0]))

struct fx_rec {
	uint64_t pfn;
	uint32_t count;
	uint32_t flags;		/* LKCD_REC_* */
	uint32_t compress;	/* LKCD_COMPRESS_* */
	int incompressible;	/* content kind for DATA pages */
	int oversize;		/* zlib record bigger than a page */
};

/* The dump's records, ascending.  Pages not listed are ABSENT. */
static const struct fx_rec fx_recs[] = {
	{ 1, 1, LKCD_REC_RAW, 0, 1, 0 },
	{ 2, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_ZLIB, 0, 0 },
	{ 3, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_ZSTD, 0, 0 },
	{ 4, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_LZ4, 0, 0 },
	{ 5, 3, LKCD_REC_ZERO, 0, 0, 0 },
	{ 8, 1, LKCD_REC_UNREADABLE, 0, 0, 0 },
	{ 32, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_ZSTD, 0, 0 },
	{ 33, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_LZ4, 0, 0 },
	{ 34, 1, LKCD_REC_RAW, 0, 0, 0 },	/* raw, but compressible */
	{ 35, 2, LKCD_REC_ZERO, 0, 0, 0 },
	{ 37, 2, LKCD_REC_UNREADABLE, 0, 0, 0 },
	/* 39..41 excluded */
	{ 42, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_ZLIB, 1, 1 },
	{ 43, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_ZSTD, 1, 0 },
	{ 44, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_LZ4, 1, 0 },
	{ 45, 6, LKCD_REC_ZERO, 0, 0, 0 },
	{ 51, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_ZLIB, 0, 0 },
	{ 100, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_ZLIB, 0, 0 },
	{ 101, 1, LKCD_REC_RAW, 0, 1, 0 },
	{ 102, 1, LKCD_REC_ZERO, 0, 0, 0 },
	{ 103, 1, LKCD_REC_COMPRESSED, LKCD_COMPRESS_ZSTD, 0, 0 },
};
#define FX_NR_RECS (sizeof(fx_recs) / sizeof(fx_recs[0]))

/* Deterministic page content: text-like (compressible) or noise. */
static FX_UNUSED void fx_content(uint64_t pfn, int incompressible, uint8_t *out)
{
	uint32_t x = (uint32_t)(pfn * 2654435761u) | 1;
	uint32_t i;

	if (incompressible) {
		for (i = 0; i < FX_PS; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			out[i] = (uint8_t)x;
		}
		return;
	}
	memset(out, '.', FX_PS);
	for (i = 0; i < FX_PS; i += 64)
		snprintf((char *)out + i, 64,
			 "pfn %6llu line %4u: the quick brown fox jumps....",
			 (unsigned long long)pfn, i / 64);
	out[FX_PS - 1] = (uint8_t)pfn;
}

struct fx_stored {
	uint8_t *data;
	uint32_t size;
};

struct fx {
	struct lkcd_dump_header hdr;
	uint8_t notes[2048];
	size_t notes_len;
	struct fx_stored stored[FX_NR_RECS];
	enum fx_state state[FX_MAX_PFN];
	int incompressible[FX_MAX_PFN];
	/* iterator */
	size_t pos;
	int fail_at;		/* next() fails with -EIO at this index, -1 never */
	int swap_at;		/* report record swap_at + 1 before swap_at */
	uint32_t passes;
};

static FX_UNUSED size_t fx_note(uint8_t *p, const char *name, uint32_t type,
		      const void *desc, uint32_t desc_len)
{
	uint32_t h[3] = { (uint32_t)strlen(name) + 1, desc_len, type };
	size_t off = sizeof(h);

	memcpy(p, h, sizeof(h));
	memset(p + off, 0, (h[0] + 3) & ~3u);
	memcpy(p + off, name, h[0]);
	off += (h[0] + 3) & ~3u;
	memset(p + off, 0, (desc_len + 3) & ~3u);
	memcpy(p + off, desc, desc_len);
	return off + ((desc_len + 3) & ~3u);
}

static FX_UNUSED void fx_build_notes(struct fx *f)
{
	static const char vmcoreinfo[] =
		"OSRELEASE=6.1.0-fixture\nPAGESIZE=4096\n"
		"SYMBOL(init_uts_ns)=ffffffff82a12345\n"
		"NUMBER(phys_base)=-123731968\nKERNELOFFSET=1e000000\n"
		"SYMBOL(_stext)=ffffffff87621000\n";
	uint8_t prstatus[336];
	size_t off = 0;
	int cpu;

	for (cpu = 0; cpu < FX_NR_CPUS; cpu++) {
		uint64_t regs[27];
		int i;

		memset(prstatus, 0, sizeof(prstatus));
		for (i = 0; i < 27; i++)
			regs[i] = 0x1000u * (unsigned)cpu + (unsigned)i;
		regs[16] = FX_RIP(cpu);	/* rip */
		regs[19] = FX_RSP(cpu);	/* rsp */
		memcpy(prstatus + 112, regs, sizeof(regs));
		off += fx_note(f->notes + off, "CORE", 1, prstatus, sizeof(prstatus));
	}
	off += fx_note(f->notes + off, "VMCOREINFO", 0, vmcoreinfo,
		       sizeof(vmcoreinfo) - 1);
	f->notes_len = off;
}

static FX_UNUSED int fx_encode(const struct fx_rec *r, struct fx_stored *s)
{
	uint8_t page[FX_PS];

	fx_content(r->pfn, r->incompressible, page);
	if (r->flags == LKCD_REC_RAW) {
		s->data = malloc(FX_PS);
		if (!s->data)
			return -1;
		memcpy(s->data, page, FX_PS);
		s->size = FX_PS;
		return 0;
	}
	if (r->flags != LKCD_REC_COMPRESSED)
		return 0;
	s->data = malloc(2 * FX_PS);
	if (!s->data)
		return -1;
	switch (r->compress) {
	case LKCD_COMPRESS_ZLIB: {
		uLongf n = 2 * FX_PS;

		if (compress2(s->data, &n, page, FX_PS, r->oversize ? 9 : 1) != Z_OK)
			return -1;
		s->size = (uint32_t)n;
		break;
	}
	case LKCD_COMPRESS_ZSTD: {
		size_t n = ZSTD_compress(s->data, 2 * FX_PS, page, FX_PS, 1);

		if (ZSTD_isError(n))
			return -1;
		s->size = (uint32_t)n;
		break;
	}
	case LKCD_COMPRESS_LZ4: {
		int n = LZ4_compress_default((const char *)page, (char *)s->data,
					     FX_PS, 2 * FX_PS);

		if (n <= 0)
			return -1;
		s->size = (uint32_t)n;
		break;
	}
	default:
		return -1;
	}
	return 0;
}

static FX_UNUSED void fx_free(struct fx *f)
{
	size_t i;

	for (i = 0; i < FX_NR_RECS; i++)
		free(f->stored[i].data);
	memset(f, 0, sizeof(*f));
}

static FX_UNUSED int fx_init(struct fx *f)
{
	struct lkcd_dump_header *h = &f->hdr;
	size_t i;
	uint32_t j;

	memset(f, 0, sizeof(*f));
	f->fail_at = -1;
	f->swap_at = -1;
	h->magic = LKCD_DUMP_MAGIC;
	h->version = LKCD_FORMAT_VERSION;
	h->header_size = sizeof(*h);
	h->state = LKCD_STATE_COMPLETE;
	h->page_size = FX_PS;
	h->level = LKCD_LEVEL_KERN;
	h->exclude = LKCD_EXCLUDE_MASK & ~LKCD_EXCLUDE_ZERO;
	h->compress = LKCD_COMPRESS_ZSTD;
	h->panic_time_sec = 1764000000;
	h->panic_time_nsec = 123456789;
	h->crashing_cpu = FX_CRASHING_CPU;
	h->nr_cpus = FX_NR_CPUS;
	h->nr_ranges = FX_NR_RANGES;
	h->max_pfn = FX_MAX_PFN;
	h->current_task = FX_TASK;
	strcpy(h->uts.sysname, "Linux");
	strcpy(h->uts.nodename, "fixture");
	strcpy(h->uts.release, "6.1.0-fixture");
	strcpy(h->uts.version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2");
	strcpy(h->uts.machine, "x86_64");
	strcpy(h->uts.domainname, "(none)");
	strcpy(h->panic_string, "Kernel panic - not syncing: sysrq triggered crash");
	for (i = 0; i < FX_NR_RANGES; i++)
		h->memory_size += fx_ranges[i].size;

	for (i = 0; i < FX_NR_RECS; i++) {
		const struct fx_rec *r = &fx_recs[i];

		if (fx_encode(r, &f->stored[i])) {
			fx_free(f);
			return -1;
		}
		for (j = 0; j < r->count; j++) {
			f->state[r->pfn + j] =
				r->flags == LKCD_REC_ZERO ? FX_ZERO :
				r->flags == LKCD_REC_UNREADABLE ? FX_UNREADABLE :
				FX_DATA;
			f->incompressible[r->pfn + j] = r->incompressible;
		}
		if (r->flags != LKCD_REC_UNREADABLE)
			h->pages_dumped += r->count;
		if (r->flags == LKCD_REC_ZERO)
			h->pages_zero += r->count;
		if (r->flags == LKCD_REC_UNREADABLE)
			h->pages_unreadable += r->count;
	}
	fx_build_notes(f);
	return 0;
}

/* Expected bytes of pfn (zeros for anything but DATA). */
static FX_UNUSED void fx_expected(const struct fx *f, uint64_t pfn, uint8_t *out)
{
	if (pfn < FX_MAX_PFN && f->state[pfn] == FX_DATA)
		fx_content(pfn, f->incompressible[pfn], out);
	else
		memset(out, 0, FX_PS);
}

static FX_UNUSED size_t fx_count(const struct fx *f, enum fx_state s)
{
	size_t n = 0, i;

	for (i = 0; i < FX_MAX_PFN; i++)
		n += f->state[i] == s;
	return n;
}

/* ---- the page iterator ---- */

static FX_UNUSED int fx_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct fx *f = ctx;
	size_t i;

	if (f->pos >= FX_NR_RECS)
		return 0;
	if (f->fail_at >= 0 && (size_t)f->fail_at == f->pos)
		return lkcd_error_set(err, -EIO, "fixture: storage block 7 unreadable");
	i = f->pos;
	if (f->swap_at >= 0 && (size_t)f->swap_at == i)
		i = i + 1;
	else if (f->swap_at >= 0 && (size_t)f->swap_at + 1 == i)
		i = i - 1;
	f->pos++;
	pg->pfn = fx_recs[i].pfn;
	pg->count = fx_recs[i].count;
	pg->flags = fx_recs[i].flags;
	pg->compress = fx_recs[i].compress;
	pg->stored_size = f->stored[i].size;
	pg->stored = f->stored[i].data;
	return 1;
}

static FX_UNUSED int fx_rewind(void *ctx, struct lkcd_error *err)
{
	struct fx *f = ctx;

	(void)err;
	f->pos = 0;
	f->passes++;
	return 0;
}

static FX_UNUSED void fx_input(struct fx *f, struct lkcd_write_input *in)
{
	memset(in, 0, sizeof(*in));
	in->hdr = &f->hdr;
	in->ranges = fx_ranges;
	in->nr_ranges = FX_NR_RANGES;
	in->notes = f->notes;
	in->notes_len = f->notes_len;
	in->pages.ctx = f;
	in->pages.next = fx_next;
	in->pages.rewind = fx_rewind;
}

/* ---- files ---- */

static FX_UNUSED int fx_tmpfile(char *path, size_t len, const char *tag)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/lkcd-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
	fd = mkstemp(path);
	return fd;
}

static FX_UNUSED uint8_t *fx_slurp(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &sb)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf && pread(fd, buf, (size_t)sb.st_size, 0) != sb.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = (size_t)sb.st_size;
	return buf;
}

/* ---- libkdumpfile, a reader nobody here wrote ---- */

#define FX_PYTHON "/usr/bin/python3"

static FX_UNUSED int fx_have_kdumpfile(void)
{
	return access(FX_PYTHON, X_OK) == 0 &&
	       system(FX_PYTHON " -c 'import kdumpfile' >/dev/null 2>&1") == 0;
}

/* No libkdumpfile here: its tests are reported skipped, not failed. */
static FX_UNUSED void fx_skip_without_kdumpfile(CU_pSuite s)
{
	CU_pTest t;

	if (fx_have_kdumpfile())
		return;
	fprintf(stderr, "libkdumpfile's Python binding not found: skipping %s\n",
		s->pName);
	CU_set_fail_on_inactive(CU_FALSE);
	for (t = s->pTest; t; t = t->pNext)
		CU_set_test_active(t, CU_FALSE);
}

static FX_UNUSED const char *fx_script(void)
{
	static char path[4096];
	const char *src = __FILE__;
	const char *slash = strrchr(src, '/');

	if (slash)
		snprintf(path, sizeof(path), "%.*s/kdumpfile_pages.py",
			 (int)(slash - src), src);
	else
		snprintf(path, sizeof(path), "kdumpfile_pages.py");
	return path;
}

/*
 * Read pfns [0, n) of file with libkdumpfile: readable[pfn] 1 and crc[pfn]
 * the page's crc32 when it reads, readable[pfn] 0 when it does not.
 * 0, or -1 with why set when the script fails or says something else.
 */
static FX_UNUSED int fx_kdumpfile_crcs(const char *file, uint32_t page_size, uint64_t n,
			     uint32_t *crc, uint8_t *readable,
			     char *why, size_t why_len)
{
	char cmd[8192], line[256];
	uint64_t seen = 0;
	FILE *p;
	int rc = 0;

	snprintf(cmd, sizeof(cmd), FX_PYTHON " %s %s %u %llu 2>&1", fx_script(),
		 file, page_size, (unsigned long long)n);
	p = popen(cmd, "r");
	if (!p) {
		snprintf(why, why_len, "popen: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), p)) {
		unsigned long long pfn;
		char res[64];

		if (sscanf(line, "%llu %63s", &pfn, res) != 2 || pfn >= n) {
			if (!rc)
				snprintf(why, why_len, "script said: %s", line);
			rc = -1;
			continue;
		}
		seen++;
		readable[pfn] = strcmp(res, "ERR") != 0;
		crc[pfn] = readable[pfn] ? (uint32_t)strtoul(res, NULL, 16) : 0;
	}
	if (pclose(p) != 0 && !rc) {
		snprintf(why, why_len, "script failed");
		rc = -1;
	}
	if (!rc && seen != n) {
		snprintf(why, why_len, "script reported %llu pages of %llu",
			 (unsigned long long)seen, (unsigned long long)n);
		rc = -1;
	}
	return rc;
}

/*
 * Read every pfn below FX_MAX_PFN from file with libkdumpfile and check it
 * against the fixture: DATA and ZERO pages must read back as their bytes
 * (crc32), the others must fail to read unless holes_read_zero (ELF, where
 * a hole inside a PT_LOAD reads as zeros).  Returns the number of
 * mismatches, or -1 when the script could not run; *pages_ok counts pages
 * that matched.
 */
static FX_UNUSED int fx_kdumpfile_check(const struct fx *f, const char *file,
			      int holes_read_zero, size_t *pages_ok,
			      char *why, size_t why_len)
{
	char cmd[8192], line[256];
	FILE *p;
	int bad = 0, seen = 0;
	uint8_t page[FX_PS];

	*pages_ok = 0;
	snprintf(cmd, sizeof(cmd), FX_PYTHON " %s %s %u %u 2>&1", fx_script(),
		 file, FX_PS, FX_MAX_PFN);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	why[0] = 0;
	while (fgets(line, sizeof(line), p)) {
		unsigned long long pfn;
		char res[64];
		int in_ram = 0;
		size_t i;

		if (sscanf(line, "%llu %63s", &pfn, res) != 2 || pfn >= FX_MAX_PFN) {
			if (!why[0])
				snprintf(why, why_len, "script said: %s", line);
			bad++;
			continue;
		}
		seen++;
		for (i = 0; i < FX_NR_RANGES; i++)
			if (pfn >= fx_ranges[i].start / FX_PS &&
			    pfn < (fx_ranges[i].start + fx_ranges[i].size + FX_PS - 1) / FX_PS)
				in_ram = 1;
		if (f->state[pfn] == FX_DATA || f->state[pfn] == FX_ZERO ||
		    (holes_read_zero && in_ram)) {
			char want[16];

			fx_expected(f, pfn, page);
			/* ELF: bytes of a partial page outside its range are not in the file */
			if (holes_read_zero && pfn == 100)
				memset(page, 0, 0x200);
			if (holes_read_zero && pfn == 103)
				memset(page + FX_PS - 0x400, 0, 0x400);
			snprintf(want, sizeof(want), "%08lx",
				 crc32(0, page, FX_PS));
			if (strcmp(res, want)) {
				if (!why[0])
					snprintf(why, why_len, "pfn %llu: read %s, want crc %s",
						 pfn, res, want);
				bad++;
			} else {
				(*pages_ok)++;
			}
		} else if (holes_read_zero && !in_ram) {
			/*
			 * Outside every PT_LOAD: libkdumpfile 0.5.1 reads the
			 * page just below a segment as zeros, others fail;
			 * either is fine, data would not be.
			 */
			char zero_crc[16];

			memset(page, 0, FX_PS);
			snprintf(zero_crc, sizeof(zero_crc), "%08lx",
				 crc32(0, page, FX_PS));
			if (strcmp(res, "ERR") && strcmp(res, zero_crc)) {
				if (!why[0])
					snprintf(why, why_len, "pfn %llu outside RAM read as %s",
						 pfn, res);
				bad++;
			}
		} else if (strcmp(res, "ERR")) {
			if (!why[0])
				snprintf(why, why_len, "pfn %llu (state %d) should not read, got %s",
					 pfn, f->state[pfn], res);
			bad++;
		}
	}
	if (pclose(p) != 0 && !bad) {
		snprintf(why, why_len, "script failed");
		return -1;
	}
	if (seen != FX_MAX_PFN && !bad) {
		snprintf(why, why_len, "script reported %d pages of %u", seen, FX_MAX_PFN);
		return -1;
	}
	return bad;
}

#endif /* LKCD_WRITE_FIXTURE_H */
