// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * include/lkcd/params.h: the validators and lkcd_parse_u32, exactly as
 * lkcd.ko's sysctl handlers and `lkcd config` use them.
 */
#include <string.h>

#include "lkcd/params.h"
#include "unit.h"

static int parse(const char *s, __u32 *v)
{
	return lkcd_parse_u32(s, strlen(s), v);
}

static void test_parse_decimal(void)
{
	__u32 v = 7;

	CU_ASSERT_EQUAL(parse("0", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(parse("42", &v), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(parse("4294967295", &v), 0);
	CU_ASSERT_EQUAL(v, 4294967295u);
	/* what a sysctl write looks like: trailing newline, maybe spaces */
	CU_ASSERT_EQUAL(parse("  8\n", &v), 0);
	CU_ASSERT_EQUAL(v, 8);
	CU_ASSERT_EQUAL(parse("\t3 \t\n", &v), 0);
	CU_ASSERT_EQUAL(v, 3);
}

static void test_parse_hex(void)
{
	__u32 v = 0;

	CU_ASSERT_EQUAL(parse("0x1f", &v), 0);
	CU_ASSERT_EQUAL(v, 0x1f);
	CU_ASSERT_EQUAL(parse("0XFFFFFFFF", &v), 0);
	CU_ASSERT_EQUAL(v, 0xffffffffu);
	CU_ASSERT_EQUAL(parse("0xAbC\n", &v), 0);
	CU_ASSERT_EQUAL(v, 0xabc);
	/* "0x" alone is a 0 followed by junk */
	CU_ASSERT_EQUAL(parse("0x", &v), -1);
}

static void test_parse_rejects(void)
{
	__u32 v = 1234;

	CU_ASSERT_EQUAL(parse("", &v), -1);
	CU_ASSERT_EQUAL(parse("   \n", &v), -1);
	CU_ASSERT_EQUAL(parse("-1", &v), -1);
	CU_ASSERT_EQUAL(parse("+1", &v), -1);
	CU_ASSERT_EQUAL(parse("12a", &v), -1);
	CU_ASSERT_EQUAL(parse("1 2", &v), -1);
	CU_ASSERT_EQUAL(parse("0x1g", &v), -1);
	CU_ASSERT_EQUAL(parse("ff", &v), -1);
	CU_ASSERT_EQUAL(parse("4294967296", &v), -1);
	CU_ASSERT_EQUAL(parse("0x100000000", &v), -1);
	CU_ASSERT_EQUAL(parse("99999999999999999999999", &v), -1);
	/* a failed parse leaves the output alone */
	CU_ASSERT_EQUAL(v, 1234);
}

static void test_parse_len_bounds(void)
{
	__u32 v = 0;

	/* only len bytes are looked at: "12" of "123" */
	CU_ASSERT_EQUAL(lkcd_parse_u32("123", 2, &v), 0);
	CU_ASSERT_EQUAL(v, 12);
	CU_ASSERT_EQUAL(lkcd_parse_u32("123", 0, &v), -1);
	/* a sysctl buffer may carry its NUL inside len */
	CU_ASSERT_EQUAL(lkcd_parse_u32("5\n\0", 3, &v), 0);
	CU_ASSERT_EQUAL(v, 5);
}

static void test_level(void)
{
	__u32 l;
	int nvalid = 0;

	CU_ASSERT_TRUE(lkcd_level_valid(LKCD_LEVEL_NONE));
	CU_ASSERT_TRUE(lkcd_level_valid(LKCD_LEVEL_HEADER));
	CU_ASSERT_TRUE(lkcd_level_valid(LKCD_LEVEL_KERN));
	CU_ASSERT_TRUE(lkcd_level_valid(LKCD_LEVEL_USED));
	CU_ASSERT_TRUE(lkcd_level_valid(LKCD_LEVEL_ALL_RAM));
	CU_ASSERT_FALSE(lkcd_level_valid(0x10));	/* old LKCD ALL: not offered */
	CU_ASSERT_FALSE(lkcd_level_valid(0x3));	/* levels are not a mask */
	CU_ASSERT_FALSE(lkcd_level_valid(0xffffffffu));
	for (l = 0; l < 64; l++)
		nvalid += !!lkcd_level_valid(l);
	CU_ASSERT_EQUAL(nvalid, 5);
	CU_ASSERT_STRING_EQUAL(lkcd_level_name(LKCD_LEVEL_KERN), "kern");
	CU_ASSERT_STRING_EQUAL(lkcd_level_name(LKCD_LEVEL_ALL_RAM), "all_ram");
	CU_ASSERT_STRING_EQUAL(lkcd_level_name(7), "?");
}

static void test_compress(void)
{
	__u32 c;
	int nvalid = 0;

	for (c = 0; c < 64; c++)
		nvalid += !!lkcd_compress_valid(c);
	CU_ASSERT_EQUAL(nvalid, 5);
	CU_ASSERT_TRUE(lkcd_compress_valid(LKCD_COMPRESS_NONE));
	CU_ASSERT_TRUE(lkcd_compress_valid(LKCD_COMPRESS_ZLIB));
	CU_ASSERT_TRUE(lkcd_compress_valid(LKCD_COMPRESS_ZSTD));
	CU_ASSERT_TRUE(lkcd_compress_valid(LKCD_COMPRESS_LZ4));
	CU_ASSERT_TRUE(lkcd_compress_valid(LKCD_COMPRESS_LZO));
	CU_ASSERT_FALSE(lkcd_compress_valid(1));	/* LKCD's RLE: not offered */
	CU_ASSERT_STRING_EQUAL(lkcd_compress_name(LKCD_COMPRESS_ZSTD), "zstd");
	CU_ASSERT_STRING_EQUAL(lkcd_compress_name(LKCD_COMPRESS_LZO), "lzo");
	CU_ASSERT_STRING_EQUAL(lkcd_compress_name(1), "?");
}

/* kernel.dump.compress_level: signed decimal, zstd's range */
static void test_compress_level(void)
{
	__s32 v = 99;

	CU_ASSERT_EQUAL(lkcd_parse_s32("-5\n", 3, &v), 0);
	CU_ASSERT_EQUAL(v, -5);
	CU_ASSERT_EQUAL(lkcd_parse_s32(" 1 ", 3, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(lkcd_parse_s32("0", 1, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(lkcd_parse_s32("-2147483648", 11, &v), 0);
	CU_ASSERT_EQUAL(v, INT32_MIN);
	CU_ASSERT_EQUAL(lkcd_parse_s32("2147483647", 10, &v), 0);
	CU_ASSERT_EQUAL(v, INT32_MAX);
	v = 7;
	CU_ASSERT_EQUAL(lkcd_parse_s32("2147483648", 10, &v), -1);
	CU_ASSERT_EQUAL(lkcd_parse_s32("-2147483649", 11, &v), -1);
	CU_ASSERT_EQUAL(lkcd_parse_s32("--1", 3, &v), -1);
	CU_ASSERT_EQUAL(lkcd_parse_s32("- 1", 3, &v), -1);
	CU_ASSERT_EQUAL(lkcd_parse_s32("-+1", 3, &v), -1);
	CU_ASSERT_EQUAL(lkcd_parse_s32("-", 1, &v), -1);
	CU_ASSERT_EQUAL(lkcd_parse_s32("", 0, &v), -1);
	CU_ASSERT_EQUAL(lkcd_parse_s32("1x", 2, &v), -1);
	CU_ASSERT_EQUAL(v, 7);				/* untouched on error */
	CU_ASSERT_TRUE(lkcd_compress_level_valid(-131072));
	CU_ASSERT_TRUE(lkcd_compress_level_valid(-1));
	CU_ASSERT_TRUE(lkcd_compress_level_valid(0));
	CU_ASSERT_TRUE(lkcd_compress_level_valid(22));
	CU_ASSERT_FALSE(lkcd_compress_level_valid(23));
	CU_ASSERT_FALSE(lkcd_compress_level_valid(-131073));
	CU_ASSERT_FALSE(lkcd_compress_level_valid(INT32_MIN));
}

static void test_flags_exclude(void)
{
	CU_ASSERT_TRUE(lkcd_flags_valid(0));
	CU_ASSERT_TRUE(lkcd_flags_valid(LKCD_FLAG_NONDISRUPT | LKCD_FLAG_SOFTBOOT));
	CU_ASSERT_FALSE(lkcd_flags_valid(0x4));
	CU_ASSERT_FALSE(lkcd_flags_valid(0x80000000u));
	CU_ASSERT_TRUE(lkcd_exclude_valid(0));
	CU_ASSERT_TRUE(lkcd_exclude_valid(31));
	CU_ASSERT_FALSE(lkcd_exclude_valid(32));
	CU_ASSERT_FALSE(lkcd_exclude_valid(0xffffffffu));
}

static void test_level_default_exclude(void)
{
	CU_ASSERT_EQUAL(lkcd_level_default_exclude(LKCD_LEVEL_ALL_RAM), 0);
	CU_ASSERT_EQUAL(lkcd_level_default_exclude(LKCD_LEVEL_USED), LKCD_EXCLUDE_FREE);
	CU_ASSERT_EQUAL(lkcd_level_default_exclude(LKCD_LEVEL_KERN), 31);
	CU_ASSERT_EQUAL(lkcd_level_default_exclude(LKCD_LEVEL_HEADER), 31);
	CU_ASSERT_TRUE(lkcd_exclude_valid(lkcd_level_default_exclude(LKCD_LEVEL_KERN)));
}

/* The one name table lkcd.ko and lkcd share: every value named, unknown ones "?". */
static void test_state_reason_names(void)
{
	__u32 r;

	CU_ASSERT_STRING_EQUAL(lkcd_state_name(LKCD_STATE_COMPLETE), "complete");
	CU_ASSERT_STRING_EQUAL(lkcd_state_name(LKCD_STATE_INCOMPLETE), "incomplete");
	CU_ASSERT_STRING_EQUAL(lkcd_state_name(99), "?");
	for (r = LKCD_INCOMPLETE_NONE; r <= LKCD_INCOMPLETE_LOCKDOWN; r++) {
		CU_ASSERT_STRING_NOT_EQUAL(lkcd_incomplete_reason(r)->word, "?");
		CU_ASSERT_STRING_NOT_EQUAL(lkcd_incomplete_reason(r)->text, "?");
	}
	/* the kernel's console words, which tests/vm greps for */
	CU_ASSERT_STRING_EQUAL(lkcd_incomplete_reason(LKCD_INCOMPLETE_NO_SPARE)->word,
			       "out of spare pages");
	CU_ASSERT_STRING_EQUAL(lkcd_incomplete_reason(LKCD_INCOMPLETE_REENTERED)->word,
			       "re-entered");
	CU_ASSERT_STRING_EQUAL(lkcd_incomplete_reason(LKCD_INCOMPLETE_DEADLINE)->word, "deadline");
	/* lkcd's sentences, which analysis.N and save's messages print */
	CU_ASSERT_STRING_EQUAL(lkcd_incomplete_reason(LKCD_INCOMPLETE_NO_SPARE)->text,
			       "ran out of spare pages");
	CU_ASSERT_STRING_EQUAL(lkcd_incomplete_reason(LKCD_INCOMPLETE_REENTERED)->text,
			       "panic inside the dumper");
	CU_ASSERT_STRING_EQUAL(lkcd_incomplete_reason(LKCD_INCOMPLETE_LOCKDOWN + 1)->word, "?");
	CU_ASSERT_STRING_EQUAL(lkcd_incomplete_reason(0xffffffffu)->text, "?");
}

static const CU_TestInfo params_tests[] = {
	{ "parse decimal", test_parse_decimal },
	{ "parse hex", test_parse_hex },
	{ "parse rejects junk and overflow", test_parse_rejects },
	{ "parse honours len", test_parse_len_bounds },
	{ "level validator", test_level },
	{ "compress validator", test_compress },
	{ "compress level: signed parse and range", test_compress_level },
	{ "flags and exclude validators", test_flags_exclude },
	{ "level default exclude", test_level_default_exclude },
	{ "state and reason names", test_state_reason_names },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("params", NULL, NULL, params_tests);
}

LKCD_TEST_MAIN(register_suites)
