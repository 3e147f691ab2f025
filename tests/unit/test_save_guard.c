// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd save against a hostile crashed kernel or a hostile machine (issue 12):
 *  - a stopped dump whose header (CRC valid) declares a storage block count
 *    near 2^64 or a max_pfn near 2^40: the tail from the vmcore is still
 *    completed, with exactly the storage blocks of the real header left
 *    out, in time linear in the vmcore (save_tail.c once wrapped the count
 *    to an empty array and overflowed it, and walked every pfn to max_pfn);
 *  - a DUMPDIR, or a directory above it, that others may write, or that
 *    another user owns: refused with the path and the reason before
 *    anything is written or pruned (dumpdir_safe.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "elfcore.h"
#include "runcmd.h"
#include "simmem.h"
#include "unit.h"

#define HEADER_PADDR	0x100000ull

static char work[64], conf[128], core[128];

static void reseal(struct lkcd_dump_header *h)
{
	h->crc = 0;
	h->crc = (uint32_t)crc32(0, (const Bytef *)h, LKCD_PAGE_SIZE);
}

/* A dump stopped at the deadline (as test_cmd's), sealed, as the vmcore at path. */
static struct simmem *stopped_dump(void)
{
	struct simmem *sm = sim_new_standard(4096, 7);

	if (!sm)
		return NULL;
	for (unsigned int i = 0; i < 16; i++)
		sim_add_pool(sm, 0xc00 + i);	/* blocks above next_pfn: in the tail */
	sm->clock_ns = 1000000;
	sm->ns_per_read = 1000;
	if (sim_pack(sm, LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_ZLIB, 1000000 + 600 * 1000) ||
	    sim_header(sm)->incomplete_reason != LKCD_INCOMPLETE_DEADLINE) {
		sim_free(sm);
		return NULL;
	}
	return sm;
}

/* Save core into dir; the tail's "N of the dumper's own storage" in *own. */
static int save_tail_own(const char *dir, unsigned long long *own)
{
	int rc = run("timeout 120 %s -c %s save -f %s -a 0x%llx -d %s -F elf -q >/dev/null && "
		     "sed -n 's/^completed from:.* \\([0-9]*\\) of the dumper.s own storage$/\\1/p' "
		     "%s/0/analysis.0", LKCD_BIN, conf, core, HEADER_PADDR, dir, dir);

	if (rc || sscanf(run_out, "%llu", own) != 1) {
		fprintf(stderr, "\n%s", run_out);
		return -1;
	}
	return 0;
}

static int suite_init(void)
{
	strcpy(work, "/tmp/lkcd-guard-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	snprintf(conf, sizeof(conf), "%s/lkcd.conf", work);
	snprintf(core, sizeof(core), "%s/vmcore", work);
	return write_file(conf, "DUMP_FORMAT=kdump\nKEEP_DUMPS=1\n");
}

static int suite_clean(void)
{
	return remove_workdir(work);
}

static void test_tail_crafted_counts(void)
{
	static const uint64_t nr_blocks[] = { UINT64_MAX - 1, UINT64_MAX, 1ull << 60 };
	struct simmem *sm = stopped_dump();
	struct lkcd_dump_header *h;
	unsigned long long want, own;
	uint64_t real;
	char d[160];

	CU_ASSERT_PTR_NOT_NULL_FATAL(sm);
	h = sim_header(sm);
	real = h->nr_blocks;
	CU_ASSERT_EQUAL_FATAL(elfcore_write_sim(sm, core), 0);
	snprintf(d, sizeof(d), "%s/tail-real", work);
	CU_ASSERT_EQUAL_FATAL(save_tail_own(d, &want), 0);
	CU_ASSERT(want > 0);

	for (size_t i = 0; i < sizeof(nr_blocks) / sizeof(nr_blocks[0]); i++) {
		h->nr_blocks = nr_blocks[i];
		reseal(h);
		CU_ASSERT_EQUAL_FATAL(elfcore_write_sim(sm, core), 0);
		snprintf(d, sizeof(d), "%s/tail-%zu", work, i);
		CU_ASSERT_EQUAL(save_tail_own(d, &own), 0);
		CU_ASSERT_EQUAL(own, want);	/* the chain, not the count, says */
	}
	/* max_pfn far above memory: the tail walks the vmcore's pages only */
	h->nr_blocks = real;
	h->max_pfn = 1ull << 40;
	reseal(h);
	CU_ASSERT_EQUAL_FATAL(elfcore_write_sim(sm, core), 0);
	snprintf(d, sizeof(d), "%s/tail-maxpfn", work);
	CU_ASSERT_EQUAL(save_tail_own(d, &own), 0);
	CU_ASSERT_EQUAL(own, want);
	sim_free(sm);
}

/* A plain, complete dump for the DUMPDIR cases. */
static int plain_core(void)
{
	struct simmem *sm = sim_new_standard(4096, 7);
	int ret;

	if (!sm)
		return -1;
	ret = sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZLIB, 60000000000ull);
	if (!ret)
		ret = elfcore_write_sim(sm, core);
	sim_free(sm);
	return ret;
}

static int save_into(const char *dir)
{
	return run("%s -c %s save -f %s -a 0x%llx -d %s -q", LKCD_BIN, conf, core,
		   HEADER_PADDR, dir);
}

/*
 * Entries planted in a world-writable DUMPDIR: "999999998" would make the
 * next dump 999999999 and KEEP_DUMPS=1 prune dump 0, the real one.  Refused
 * instead, naming DUMPDIR and why; dump 0 and the planted entry stay.
 */
static void test_dumpdir_world_writable(void)
{
	char d[160], p[256];

	CU_ASSERT_EQUAL_FATAL(plain_core(), 0);
	snprintf(d, sizeof(d), "%s/ww", work);
	CU_ASSERT_EQUAL_FATAL(save_into(d), 0);
	CU_ASSERT_EQUAL_FATAL(run("chmod 0777 %s && mkdir %s/999999998", d, d), 0);
	CU_ASSERT_EQUAL(save_into(d), 1);
	snprintf(p, sizeof(p), "DUMPDIR %s: it is writable by others (owner uid 0, mode 0777)", d);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, p));
	CU_ASSERT_EQUAL(run("ls -A %s | tr '\\n' ' '", d), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "0 999999998 bounds ");
	/* group-writable is no better */
	CU_ASSERT_EQUAL_FATAL(run("chmod 0770 %s", d), 0);
	CU_ASSERT_EQUAL(save_into(d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "it is writable by its group"));
	/* closed again: saved, and KEEP_DUMPS=1 keeps the newest only (planted or not) */
	CU_ASSERT_EQUAL_FATAL(run("chmod 0700 %s && rmdir %s/999999998", d, d), 0);
	CU_ASSERT_EQUAL(save_into(d), 0);
	CU_ASSERT_EQUAL(run("ls -A %s | tr '\\n' ' '", d), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "1 bounds ");
}

/* The directories above DUMPDIR: writable without the sticky bit, or another user's. */
static void test_dumpdir_parents(void)
{
	char top[160], d[200], p[512];

	CU_ASSERT_EQUAL_FATAL(plain_core(), 0);
	snprintf(top, sizeof(top), "%s/up", work);
	snprintf(d, sizeof(d), "%s/mid/dumps", top);
	CU_ASSERT_EQUAL_FATAL(run("mkdir -p %s && chmod 0775 %s/mid", d, top), 0);
	CU_ASSERT_EQUAL(save_into(d), 1);
	snprintf(p, sizeof(p), "DUMPDIR %s: its parent %s/mid is writable by its group", d, top);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, p));
	CU_ASSERT_EQUAL(run("ls -A %s | wc -l", d), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "0\n");
	/* sticky (like /tmp): others cannot rename what root owns there */
	CU_ASSERT_EQUAL_FATAL(run("chmod 1777 %s/mid", top), 0);
	CU_ASSERT_EQUAL(save_into(d), 0);
	/* DUMPDIR owned by another user (nobody) */
	CU_ASSERT_EQUAL_FATAL(run("chmod 0755 %s/mid && chown 65534 %s", top, d), 0);
	CU_ASSERT_EQUAL(save_into(d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "it is owned by another user (owner uid 65534"));
	/* a parent owned by another user, though closed */
	CU_ASSERT_EQUAL_FATAL(run("chown 0 %s && chown 65534 %s/mid", d, top), 0);
	CU_ASSERT_EQUAL(save_into(d), 1);
	snprintf(p, sizeof(p), "its parent %s/mid is owned by another user", top);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, p));
	/* a symbolic link on the way, planted by another user */
	CU_ASSERT_EQUAL_FATAL(run("chown 0 %s/mid && ln -s %s/mid %s/link && "
				  "chown -h 65534 %s/link", top, top, top, top), 0);
	snprintf(d, sizeof(d), "%s/link/dumps", top);
	CU_ASSERT_EQUAL(save_into(d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "a symbolic link owned by another user"));
}

static const CU_TestInfo guard_tests[] = {
	{ "stopped dump: crafted nr_blocks and max_pfn", test_tail_crafted_counts },
	{ "DUMPDIR writable by others: refused, nothing pruned", test_dumpdir_world_writable },
	{ "DUMPDIR's parents and owners", test_dumpdir_parents },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("save guards", suite_init, suite_clean, guard_tests);
}

LKCD_TEST_MAIN(register_suites)
