// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The writer tests' synthetic dump and their shared helpers: see write_fixture.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include "write_fixture.h"

const struct lkcd_mem_range fx_ranges[FX_NR_RANGES] = {
	{ 1 * FX_PS, 8 * FX_PS },
	{ 32 * FX_PS, 20 * FX_PS },
	{ 100 * FX_PS + 0x200, 4 * FX_PS - 0x600 },
};

const struct fx_rec fx_recs[FX_NR_RECS] = {
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

uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int fx_write(struct fx *f, enum lkcd_out_format format,
	     const struct lkcd_write_opts *opts, struct lkcd_write_stats *st,
	     char *path, size_t plen, struct lkcd_error *err)
{
	static const char *const tag[] = {
		[LKCD_OUT_KDUMP] = "kdump", [LKCD_OUT_LKCD] = "lkcd", [LKCD_OUT_ELF] = "elf",
	};
	struct lkcd_write_input in;
	struct lkcd_error own = { 0 };
	int fd = fx_tmpfile(path, plen, tag[format]);
	int ret;

	if (fd < 0)
		return -errno;
	fx_input(f, &in);
	ret = lkcd_write_dump(fd, format, &in, opts, st, err ? err : &own);
	if (ret && !err)
		fprintf(stderr, "\nwrite: %s\n", own.msg);
	close(fd);
	return ret;
}

void fx_content(uint64_t pfn, int incompressible, uint8_t *out)
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

size_t fx_note(uint8_t *p, const char *name, uint32_t type,
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

static void fx_build_notes(struct fx *f)
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

static int fx_encode(const struct fx_rec *r, struct fx_stored *s)
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

void fx_free(struct fx *f)
{
	size_t i;

	for (i = 0; i < FX_NR_RECS; i++)
		free(f->stored[i].data);
	memset(f, 0, sizeof(*f));
}

int fx_init(struct fx *f)
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

void fx_expected(const struct fx *f, uint64_t pfn, uint8_t *out)
{
	if (pfn < FX_MAX_PFN && f->state[pfn] == FX_DATA)
		fx_content(pfn, f->incompressible[pfn], out);
	else
		memset(out, 0, FX_PS);
}

size_t fx_count(const struct fx *f, enum fx_state s)
{
	size_t n = 0, i;

	for (i = 0; i < FX_MAX_PFN; i++)
		n += f->state[i] == s;
	return n;
}

/* ---- the page iterator ---- */

int fx_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
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

int fx_rewind(void *ctx, struct lkcd_error *err)
{
	struct fx *f = ctx;

	(void)err;
	f->pos = 0;
	f->passes++;
	return 0;
}

void fx_input(struct fx *f, struct lkcd_write_input *in)
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

int fx_tmpfile(char *path, size_t len, const char *tag)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/lkcd-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
	fd = mkstemp(path);
	return fd;
}

uint8_t *fx_slurp(const char *path, size_t *len)
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

int fx_have_kdumpfile(void)
{
	return access(FX_PYTHON, X_OK) == 0 &&
	       system(FX_PYTHON " -c 'import kdumpfile' >/dev/null 2>&1") == 0;
}

void fx_skip_without_kdumpfile(CU_pSuite s)
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

static const char *fx_script(void)
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

int fx_kdumpfile_crcs(const char *file, uint32_t page_size, uint64_t n,
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

int fx_kdumpfile_check(const struct fx *f, const char *file,
		       int holes_read_zero, size_t *pages_ok,
		       char *why, size_t why_len)
{
	static uint32_t crc[FX_MAX_PFN];
	static uint8_t readable[FX_MAX_PFN];
	uint8_t page[FX_PS];
	int bad = 0;
	uint64_t pfn;
	size_t i;

	*pages_ok = 0;
	why[0] = 0;
	if (fx_kdumpfile_crcs(file, FX_PS, FX_MAX_PFN, crc, readable, why, why_len))
		return -1;
	for (pfn = 0; pfn < FX_MAX_PFN; pfn++) {
		int in_ram = 0, want_data;

		for (i = 0; i < FX_NR_RANGES; i++)
			if (pfn >= fx_ranges[i].start / FX_PS &&
			    pfn < (fx_ranges[i].start + fx_ranges[i].size + FX_PS - 1) / FX_PS)
				in_ram = 1;
		want_data = f->state[pfn] == FX_DATA || f->state[pfn] == FX_ZERO ||
			    (holes_read_zero && in_ram);
		if (want_data) {
			fx_expected(f, pfn, page);
			/* ELF: bytes of a partial page outside its range are not in the file */
			if (holes_read_zero && pfn == 100)
				memset(page, 0, 0x200);
			if (holes_read_zero && pfn == 103)
				memset(page + FX_PS - 0x400, 0, 0x400);
			if (!readable[pfn] || crc[pfn] != crc32(0, page, FX_PS)) {
				if (!why[0])
					snprintf(why, why_len, "pfn %llu: %s, want crc %08lx",
						 (unsigned long long)pfn,
						 readable[pfn] ? "another crc" : "not read",
						 crc32(0, page, FX_PS));
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
			memset(page, 0, FX_PS);
			if (readable[pfn] && crc[pfn] != crc32(0, page, FX_PS)) {
				if (!why[0])
					snprintf(why, why_len, "pfn %llu outside RAM read as %08x",
						 (unsigned long long)pfn, crc[pfn]);
				bad++;
			}
		} else if (readable[pfn]) {
			if (!why[0])
				snprintf(why, why_len, "pfn %llu (state %d) should not read, got %08x",
					 (unsigned long long)pfn, f->state[pfn], crc[pfn]);
			bad++;
		}
	}
	return bad;
}
