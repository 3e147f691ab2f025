// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the printk ring buffer decoder (lkcd dmesg, analysis.N).
 * Input: physical memory from address 0 laid out as dmesg_layout.h says
 * (seeds: gen_corpus writes a ring with records, the way printk does),
 * read through a buffer source; VMCOREINFO is the fixed text there.
 *
 * Promises checked: a record count that matches the stats, problems
 * within LKCD_DMESG_MAX_PROBLEMS with NUL-terminated reasons, output within
 * the cap; address translation of a few input-chosen addresses returns or
 * fails cleanly.
 */
#include <string.h>

#include "fuzz.h"
#include "dmesg.h"
#include "dmesg_layout.h"

#define MAX_MEM		(4 * LKCD_PAGE_SIZE)
#define OUTPUT_CAP	(256u << 10)

static struct lkcd_vmcoreinfo *vi;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct lkcd_error err = { 0 };

	(void)argc;
	(void)argv;
	if (lkcd_vmcoreinfo_parse(dl_vmcoreinfo, sizeof(dl_vmcoreinfo) - 1, &vi, &err) < 0) {
		fprintf(stderr, "fuzz_dmesg: VMCOREINFO: %s\n", err.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[MAX_MEM];
	struct lkcd_dmesg_opts opts = { .max_output = OUTPUT_CAP };
	static struct lkcd_dmesg_stats st;
	struct lkcd_source *src = NULL;
	struct lkcd_mem_range range = { 0, 0 };
	struct lkcd_error err = { 0 };
	uint64_t va, pa;
	int rc;

	if (size > MAX_MEM)
		return -1;
	memcpy(mem, data, size);
	range.size = (size + LKCD_PAGE_SIZE - 1) / LKCD_PAGE_SIZE * LKCD_PAGE_SIZE;
	if (!range.size)
		return 0;
	memset(mem + size, 0, range.size - size);
	if (lkcd_source_open_buffer(mem, range.size, &range, 1, &src, &err) < 0)
		return 0;
	/* The flags vary with the input so every output path is reached. */
	opts.flags = size & (LKCD_DMESG_LEVEL | LKCD_DMESG_CALLER | LKCD_DMESG_DICT |
			     LKCD_DMESG_NOTES);
	memset(&st, 0, sizeof(st));
	rc = lkcd_dmesg_write(vi, lkcd_dmesg_read_source, src, &opts,
			      fuzz_null_file(), &st, &err);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "dmesg: rc %d records %llu skipped %llu problems %zu: %s\n", rc,
			(unsigned long long)st.records, (unsigned long long)st.skipped,
			st.nr_problems, rc < 0 ? err.msg : st.nr_problems ? st.problems[0].reason : "");
	if (rc >= 0) {
		FUZZ_ASSERT((uint64_t)rc == st.records);
		FUZZ_ASSERT(st.nr_problems <= LKCD_DMESG_MAX_PROBLEMS);
		for (size_t i = 0; i < st.nr_problems; i++)
			FUZZ_ASSERT(memchr(st.problems[i].reason, 0,
					   sizeof(st.problems[i].reason)));
		FUZZ_ASSERT(st.bytes <= OUTPUT_CAP);
	} else {
		FUZZ_ASSERT(err.msg[0]);
	}
	/* Translate addresses the input chooses (the first words of memory). */
	for (size_t off = 0; off + 8 <= size && off < 64; off += 8) {
		memcpy(&va, data + off, 8);
		lkcd_kvtop(vi, lkcd_dmesg_read_source, src, va, &pa, &err);
		lkcd_kvtop(vi, lkcd_dmesg_read_source, src, 0xffff888000000000ull | (va & 0xffffffffffull),
			   &pa, &err);
	}
	lkcd_source_close(src);
	return 0;
}
