// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The preserved-dump header page: encode/decode round trip and every kind
 * of corruption a reader must refuse with a message naming the field.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"
#include "unit.h"

static uint8_t page[LKCD_PAGE_SIZE];
static struct lkcd_error err;

static const struct lkcd_mem_range good_ranges[] = {
	{ 0x1000, 0x9e000 },
	{ 0x100000, 0x7ee0000 },
	{ 0x100000000ull, 0x40000000 },
};

static void fill(struct lkcd_dump_header *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = LKCD_DUMP_MAGIC;
	h->version = LKCD_FORMAT_VERSION;
	h->state = LKCD_STATE_COMPLETE;
	h->page_size = LKCD_PAGE_SIZE;
	h->level = LKCD_LEVEL_KERN;
	h->exclude = 31;
	h->compress = LKCD_COMPRESS_ZSTD;
	h->panic_time_sec = 1764000000;
	h->panic_time_nsec = 123456789;
	h->nr_cpus = 2;
	h->crashing_cpu = 1;
	h->memory_size = 0x9e000 + 0x7ee0000 + 0x40000000ull;
	h->max_pfn = 0x140000;
	h->first_block_paddr = 0x12345000;
	h->nr_records = 77;
	h->pages_dumped = 1000;
	h->current_task = 0xffff888001234567ull;
	strcpy(h->uts.sysname, "Linux");
	strcpy(h->uts.release, "6.1.0-56-cloud-amd64");
	strcpy(h->uts.machine, "x86_64");
	strcpy(h->panic_string, "sysrq triggered crash");
}

/* A good page, then let the test corrupt it. */
static void make_good(void)
{
	struct lkcd_dump_header h;

	fill(&h);
	lkcd_header_encode(&h, good_ranges, 3, page);
	memset(&err, 0, sizeof(err));
}

/* Store a little-endian field and re-seal the crc, so only the field is bad. */
static void put32(size_t off, uint32_t v, int reseal)
{
	uint32_t le = htole32(v);

	memcpy(page + off, &le, 4);
	if (reseal) {
		le = htole32(lkcd_header_crc(page));
		memcpy(page + offsetof(struct lkcd_dump_header, crc), &le, 4);
	}
}

static void put64(size_t off, uint64_t v, int reseal)
{
	uint64_t le = htole64(v);

	memcpy(page + off, &le, 8);
	if (reseal)
		put32(offsetof(struct lkcd_dump_header, crc), lkcd_header_crc(page), 0);
}

static void reseal(void)
{
	put32(offsetof(struct lkcd_dump_header, crc), lkcd_header_crc(page), 0);
}

static int decode(void)
{
	struct lkcd_dump_header out;

	return lkcd_header_decode(page, sizeof(page), &out, NULL, 0, &err);
}

#define OFF(f) offsetof(struct lkcd_dump_header, f)

static void test_round_trip(void)
{
	struct lkcd_dump_header in, out;
	struct lkcd_mem_range r[8];

	fill(&in);
	lkcd_header_encode(&in, good_ranges, 3, page);
	/* on-disk bytes are little-endian at the documented offsets */
	CU_ASSERT_EQUAL(memcmp(page, "LKCDDUMP", 8), 0);
	CU_ASSERT_EQUAL(page[OFF(header_size)], 0x00);
	CU_ASSERT_EQUAL(page[OFF(header_size) + 1], 0x04);	/* 1024 */
	CU_ASSERT_EQUAL(lkcd_header_decode(page, sizeof(page), &out, r, 8, &err), 0);
	CU_ASSERT_EQUAL(out.magic, LKCD_DUMP_MAGIC);
	CU_ASSERT_EQUAL(out.header_size, 1024);
	CU_ASSERT_EQUAL(out.nr_ranges, 3);
	CU_ASSERT_EQUAL(out.state, LKCD_STATE_COMPLETE);
	CU_ASSERT_EQUAL(out.compress, LKCD_COMPRESS_ZSTD);
	CU_ASSERT_EQUAL(out.panic_time_sec, 1764000000);
	CU_ASSERT_EQUAL(out.panic_time_nsec, 123456789);
	CU_ASSERT_EQUAL(out.memory_size, in.memory_size);
	CU_ASSERT_EQUAL(out.first_block_paddr, 0x12345000);
	CU_ASSERT_EQUAL(out.current_task, 0xffff888001234567ull);
	CU_ASSERT_STRING_EQUAL(out.uts.release, "6.1.0-56-cloud-amd64");
	CU_ASSERT_STRING_EQUAL(out.panic_string, "sysrq triggered crash");
	CU_ASSERT_EQUAL(r[0].start, 0x1000);
	CU_ASSERT_EQUAL(r[2].start, 0x100000000ull);
	CU_ASSERT_EQUAL(r[2].size, 0x40000000);
	/* the crc is the zlib crc32 of the page with the field zeroed */
	{
		uint8_t copy[LKCD_PAGE_SIZE];

		memcpy(copy, page, sizeof(copy));
		memset(copy + OFF(crc), 0, 4);
		CU_ASSERT_EQUAL(out.crc, (uint32_t)crc32(0, copy, sizeof(copy)));
	}
	/* live magic and an incomplete dump are fine too */
	in.magic = LKCD_DUMP_MAGIC_LIVE;
	in.state = LKCD_STATE_INCOMPLETE;
	in.incomplete_reason = LKCD_INCOMPLETE_NO_SPARE;
	lkcd_header_encode(&in, NULL, 0, page);
	CU_ASSERT_EQUAL(lkcd_header_decode(page, sizeof(page), &out, NULL, 0, &err), 0);
	CU_ASSERT_EQUAL(out.magic, LKCD_DUMP_MAGIC_LIVE);
	CU_ASSERT_EQUAL(out.nr_ranges, 0);
}

static void test_max_ranges_copy(void)
{
	struct lkcd_dump_header out;
	struct lkcd_mem_range r[2] = { { 7, 7 }, { 7, 7 } };

	make_good();
	/* only max_ranges entries are written */
	CU_ASSERT_EQUAL(lkcd_header_decode(page, sizeof(page), &out, r, 1, &err), 0);
	CU_ASSERT_EQUAL(r[0].start, 0x1000);
	CU_ASSERT_EQUAL(r[1].start, 7);
}

static void test_truncated(void)
{
	struct lkcd_dump_header out;

	make_good();
	CU_ASSERT_EQUAL(lkcd_header_decode(page, 1023, &out, NULL, 0, &err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "truncated"));
	CU_ASSERT_EQUAL(lkcd_header_decode(page, LKCD_PAGE_SIZE - 1, &out, NULL, 0, &err), -EBADMSG);
	CU_ASSERT_EQUAL(lkcd_header_decode(page, 0, &out, NULL, 0, &err), -EBADMSG);
}

static void test_magic(void)
{
	make_good();
	put64(OFF(magic), 0x1122334455667788ull, 1);
	CU_ASSERT_EQUAL(decode(), LKCD_EHDR_MAGIC);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "bad magic 0x1122334455667788"));
	/* an all-zero page (nothing was ever dumped) */
	memset(page, 0, sizeof(page));
	CU_ASSERT_EQUAL(decode(), LKCD_EHDR_MAGIC);
}

static void test_version(void)
{
	make_good();
	put32(OFF(version), 2, 1);
	CU_ASSERT_EQUAL(decode(), LKCD_EHDR_VERSION);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "version 2"));
	put32(OFF(version), 0, 1);
	CU_ASSERT_EQUAL(decode(), LKCD_EHDR_VERSION);
}

static void test_header_size(void)
{
	static const uint32_t bad[] = { 0, 8, 1016, 1025, 4100, 0xffffffffu };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_good();
		put32(OFF(header_size), bad[i], 1);
		CU_ASSERT_EQUAL(decode(), -EBADMSG);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "header_size"));
	}
	/* bigger header (a later minor layout), ranges pushed out: still checked */
	make_good();
	put32(OFF(header_size), 4096 - 16, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);	/* 3 ranges no longer fit */
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nr_ranges"));
}

static void test_crc(void)
{
	make_good();
	page[4000] ^= 1;	/* far past the fields: the whole page is covered */
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "checksum"));
	make_good();
	put32(OFF(crc), 0, 0);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	make_good();
	page[OFF(panic_string) + 3] ^= 0x20;
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
}

static void test_fields(void)
{
	make_good();
	put32(OFF(state), 4, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "state 4"));
	make_good();
	put32(OFF(page_size), 8192, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "page_size 8192"));
	make_good();
	put32(OFF(incomplete_reason), 99, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	/* the last known reason is accepted, the next one is not */
	make_good();
	put32(OFF(incomplete_reason), LKCD_INCOMPLETE_LOCKDOWN, 1);
	CU_ASSERT_EQUAL(decode(), 0);
	make_good();
	put32(OFF(incomplete_reason), LKCD_INCOMPLETE_LOCKDOWN + 1, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "incomplete_reason 7"));
}

static void test_nr_ranges(void)
{
	make_good();
	put32(OFF(nr_ranges), LKCD_MAX_RANGES + 1, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nr_ranges"));
	make_good();
	put32(OFF(nr_ranges), 0xffffffffu, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	/* exactly the maximum is fine when the entries are good */
	{
		struct lkcd_dump_header h, out;
		struct lkcd_mem_range *r = calloc(LKCD_MAX_RANGES, sizeof(*r));

		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		for (uint32_t i = 0; i < LKCD_MAX_RANGES; i++) {
			r[i].start = (uint64_t)i * 0x10000;
			r[i].size = 0x1000;
		}
		fill(&h);
		lkcd_header_encode(&h, r, LKCD_MAX_RANGES, page);
		CU_ASSERT_EQUAL(lkcd_header_decode(page, sizeof(page), &out, NULL, 0, &err), 0);
		CU_ASSERT_EQUAL(out.nr_ranges, LKCD_MAX_RANGES);
		free(r);
	}
}

static void test_bad_ranges(void)
{
	size_t r0 = sizeof(struct lkcd_dump_header);

	/* unsorted: range 1 below range 0 */
	make_good();
	put64(r0 + 16, 0x0, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "range 1"));
	/* overlapping: range 0 reaches into range 1 */
	make_good();
	put64(r0 + 8, 0x100000, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	/* just touching is fine */
	make_good();
	put64(r0 + 8, 0xff000, 1);
	CU_ASSERT_EQUAL(decode(), 0);
	/* empty */
	make_good();
	put64(r0 + 8, 0, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty or wraps"));
	/* wraps */
	make_good();
	put64(r0 + 32 + 8, 0xffffffffffff0000ull, 1);
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "range 2"));
}

static void test_strings(void)
{
	struct lkcd_dump_header out;

	make_good();
	memset(page + OFF(panic_string), 'A', LKCD_PANIC_LEN);
	reseal();
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "panic_string"));

	make_good();
	memset(page + OFF(uts.release), 'r', LKCD_UTS_LEN);
	reseal();
	CU_ASSERT_EQUAL(decode(), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "uts.release"));

	make_good();
	memset(page + OFF(uts.domainname), 'd', LKCD_UTS_LEN);
	reseal();
	CU_ASSERT_EQUAL(decode(), -EBADMSG);

	/* escapes and a trailing newline are made safe to print */
	make_good();
	memcpy(page + OFF(panic_string), "bad\033[2J\xff" "x\n\0junk", 14);
	reseal();
	CU_ASSERT_EQUAL(lkcd_header_decode(page, sizeof(page), &out, NULL, 0, &err), 0);
	CU_ASSERT_STRING_EQUAL(out.panic_string, "bad?[2J?x");
	CU_ASSERT_EQUAL(out.panic_string[12], 0);	/* bytes after the NUL cleared */
}

static const CU_TestInfo header_tests[] = {
	{ "encode/decode round trip", test_round_trip },
	{ "ranges copied up to max_ranges", test_max_ranges_copy },
	{ "truncated buffer", test_truncated },
	{ "wrong magic", test_magic },
	{ "wrong version", test_version },
	{ "bad header_size", test_header_size },
	{ "bad crc", test_crc },
	{ "bad state, page size, reason", test_fields },
	{ "nr_ranges too big", test_nr_ranges },
	{ "unsorted, overlapping, empty, wrapping ranges", test_bad_ranges },
	{ "unterminated and unprintable strings", test_strings },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("header", NULL, NULL, header_tests);
}

LKCD_TEST_MAIN(register_suites)
