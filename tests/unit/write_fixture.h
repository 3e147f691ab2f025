/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A synthetic dump for the writer tests (test_write_*.c), and the helpers
 * they share; write_fixture.c, linked into every unit test program.
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
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <CUnit/CUnit.h>

#include "liblkcd.h"

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

#define FX_NR_RANGES	3u
#define FX_NR_RECS	20u

enum fx_state { FX_ABSENT = 0, FX_DATA, FX_ZERO, FX_UNREADABLE };

struct fx_rec {
	uint64_t pfn;
	uint32_t count;
	uint32_t flags;		/* LKCD_REC_* */
	uint32_t compress;	/* LKCD_COMPRESS_* */
	int incompressible;	/* content kind for DATA pages */
	int oversize;		/* zlib record bigger than a page */
};

extern const struct lkcd_mem_range fx_ranges[FX_NR_RANGES];
/* The dump's records, ascending.  Pages not listed are ABSENT. */
extern const struct fx_rec fx_recs[FX_NR_RECS];

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

/* Little-endian u32 and u64 at p, unaligned. */
uint32_t rd32(const uint8_t *p);
uint64_t rd64(const uint8_t *p);

/* Deterministic page content of pfn: text-like (compressible) or noise. */
void fx_content(uint64_t pfn, int incompressible, uint8_t *out);
/* One ELF note at p (name and desc padded to 4); its size. */
size_t fx_note(uint8_t *p, const char *name, uint32_t type,
	       const void *desc, uint32_t desc_len);

/* Build the fixture: 0, or -1 (nothing to free). */
int fx_init(struct fx *f);
void fx_free(struct fx *f);
/* Expected bytes of pfn (zeros for anything but DATA). */
void fx_expected(const struct fx *f, uint64_t pfn, uint8_t *out);
/* Pages in state s. */
size_t fx_count(const struct fx *f, enum fx_state s);

/* The writers' input over the fixture: its header, ranges, notes, pages. */
void fx_input(struct fx *f, struct lkcd_write_input *in);
/* The page iterator fx_input installs (fail_at, swap_at apply). */
int fx_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err);
int fx_rewind(void *ctx, struct lkcd_error *err);

/* A new temporary file "$TMPDIR/lkcd-<tag>-XXXXXX" in path; its fd or -1. */
int fx_tmpfile(char *path, size_t len, const char *tag);
/* The whole file at path, malloc'd (one spare byte), or NULL. */
uint8_t *fx_slurp(const char *path, size_t *len);
/*
 * Write the fixture in format into a new temporary file (its name in path):
 * lkcd_write_dump's result, its error in *err, or printed when err is NULL.
 */
int fx_write(struct fx *f, enum lkcd_out_format format,
	     const struct lkcd_write_opts *opts, struct lkcd_write_stats *st,
	     char *path, size_t plen, struct lkcd_error *err);

/* ---- libkdumpfile, a reader nobody here wrote ---- */

#define FX_PYTHON "/usr/bin/python3"

int fx_have_kdumpfile(void);
/* No libkdumpfile here: the suite's tests are reported skipped, not failed. */
void fx_skip_without_kdumpfile(CU_pSuite s);
/*
 * Read pfns [0, n) of file with libkdumpfile: readable[pfn] 1 and crc[pfn]
 * the page's crc32 when it reads, readable[pfn] 0 when it does not.
 * 0, or -1 with why set when the script fails or says something else.
 */
int fx_kdumpfile_crcs(const char *file, uint32_t page_size, uint64_t n,
		      uint32_t *crc, uint8_t *readable, char *why, size_t why_len);
/*
 * Read every pfn below FX_MAX_PFN from file with libkdumpfile and check it
 * against the fixture: DATA and ZERO pages must read back as their bytes
 * (crc32), the others must fail to read unless holes_read_zero (ELF, where
 * a hole inside a PT_LOAD reads as zeros).  Returns the number of
 * mismatches, or -1 (why set) when the script could not run or said
 * something else; *pages_ok counts pages that matched.
 */
int fx_kdumpfile_check(const struct fx *f, const char *file,
		       int holes_read_zero, size_t *pages_ok,
		       char *why, size_t why_len);

#endif /* LKCD_WRITE_FIXTURE_H */
