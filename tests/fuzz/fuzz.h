/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers shared by the libFuzzer targets (fuzz_*.c) and the seed
 * generator (gen_corpus.c).
 *
 * Why the CRC fix-ups: every structure of the preserved dump carries a
 * CRC-32, and a fuzzer that flips a byte almost always lands on "bad crc"
 * and never gets past it.  The reader, save, header and dumpdev targets
 * therefore take a mode byte in front of the input saying which CRCs the
 * harness recomputes
 * before parsing, so that most mutations reach the checks behind the CRC
 * (sizes, offsets, pfn order, decompression) while mode 0 still fuzzes the
 * CRC checks themselves.
 */
#ifndef LKCD_FUZZ_H
#define LKCD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Mode byte (first input byte) of the reader, save, header, dumpdev targets. */
#define FUZZ_FIX_RECORDS	0x1	/* record data crcs */
#define FUZZ_FIX_BLOCKS		0x2	/* block header_crc and payload_crc */
#define FUZZ_FIX_HEADER		0x4	/* the header page crc */
#define FUZZ_FIX_ALL		0x7

/* The reader target's memory: the header page at physical address 0. */
#define FUZZ_HEADER_PADDR	0
/* The tail target's vmcore: the header page at physical address 0 too. */
#define FUZZ_TAIL_HEADER	0

/* Blocks the fix-up follows at most (the input is at most this many pages). */
#define FUZZ_MAX_PAGES		64

/*
 * Recompute the CRCs selected by mode in mem (len bytes of physical memory
 * from address 0, little-endian host) for a dump whose header page is at
 * header_paddr.  Follows the chain defensively: only whole blocks inside
 * mem, no block twice, at most FUZZ_MAX_PAGES.
 */
void fuzz_fix_crcs(uint8_t *mem, size_t len, uint64_t header_paddr,
		   unsigned int mode);

/*
 * A file holding data (a memfd): *path gets "/proc/self/fd/N" for the
 * code under test to open.  Returns the fd (close it after), or -1.
 */
int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t path_len);

/*
 * A source that declares far more memory than an input can hold (a p_memsz
 * of terabytes in a few bytes of file): more than 2^16 pages, or memory
 * past 64 GiB.  The work of any reader of it grows with the declared
 * memory, not with the input, so the targets skip it.
 */
struct lkcd_source;
bool fuzz_source_too_big(const struct lkcd_source *src);

/* A FILE that discards what is written (opened once, reused). */
FILE *fuzz_null_file(void);

/* Trap a broken library promise: report and abort so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

#endif
