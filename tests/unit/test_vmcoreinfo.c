// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VMCOREINFO: note lookup in a notes blob and KEY=value parsing, on good
 * input shaped like a 6.1 kernel's and on every kind of damage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "liblkcd.h"
#include "vmcoreinfo.h"

/* What arch/x86 + kernel/crash_core.c of 6.1 write, abridged. */
static const char good_text[] =
	"OSRELEASE=6.1.0-56-cloud-amd64\n"
	"BUILD-ID=3b43fad50348744904924952d552c0af6a5fab235\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff985f9b60\n"
	"OFFSET(uts_namespace.name)=0\n"
	"SYMBOL(prb)=ffffffff984622c0\n"
	"SIZE(printk_ringbuffer)=88\n"
	"OFFSET(printk_ringbuffer.text_data_ring)=48\n"
	"LENGTH(printk_info_device)=48\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(phys_base)=-16777216\n"
	"SYMBOL(init_top_pgt)=ffffffff98410000\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"KERNELOFFSET=15a00000\n"
	"NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
	"CRASHTIME=1795000000\n";

/* Append one ELF note (Elf64_Nhdr, name, desc, 4-byte padding). */
static size_t put_note(unsigned char *buf, size_t off, const char *name,
		       uint32_t namesz, uint32_t type, const void *desc,
		       uint32_t descsz)
{
	uint32_t h[3] = { namesz, descsz, type };

	memcpy(buf + off, h, sizeof(h));
	off += sizeof(h);
	memset(buf + off, 0, (namesz + 3u) & ~3u);
	memcpy(buf + off, name, strlen(name) + 1 < namesz ? strlen(name) + 1 : namesz);
	off += (namesz + 3u) & ~3u;
	memset(buf + off, 0, (descsz + 3u) & ~3u);
	if (desc)
		memcpy(buf + off, desc, descsz);
	off += (descsz + 3u) & ~3u;
	return off;
}

/* A blob like dump-guest-memory's: a CORE note, then VMCOREINFO. */
static size_t make_notes(unsigned char *buf)
{
	unsigned char prstatus[336] = { 1, 2, 3 };
	size_t off = put_note(buf, 0, "CORE", 5, 1, prstatus, sizeof(prstatus));

	return put_note(buf, off, "VMCOREINFO", 11, 0, good_text,
			(uint32_t)strlen(good_text));
}

static struct lkcd_vmcoreinfo *parse_good(void)
{
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_error err = { 0 };

	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(good_text, strlen(good_text), &vi, &err), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vi);
	return vi;
}

static void test_lookups(void)
{
	struct lkcd_vmcoreinfo *vi = parse_good();
	uint64_t u = 0;
	int64_t s = 0;
	size_t len;

	CU_ASSERT_STRING_EQUAL(lkcd_vmcoreinfo_osrelease(vi), "6.1.0-56-cloud-amd64");
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_page_size(vi, &u), 0);
	CU_ASSERT_EQUAL(u, 4096);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "prb", &u), 0);
	CU_ASSERT_EQUAL(u, 0xffffffff984622c0ull);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "printk_ringbuffer", &u), 0);
	CU_ASSERT_EQUAL(u, 88);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_offset(vi, "printk_ringbuffer", "text_data_ring", &u), 0);
	CU_ASSERT_EQUAL(u, 48);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_offset(vi, "uts_namespace", "name", &u), 0);
	CU_ASSERT_EQUAL(u, 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_length(vi, "printk_info_device", &u), 0);
	CU_ASSERT_EQUAL(u, 48);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &s), 0);
	CU_ASSERT_EQUAL(s, -129);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "pgtable_l5_enabled", &s), 0);
	CU_ASSERT_EQUAL(s, 0);
	/* phys_base below the link address is "negative": keep the bits. */
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_phys_base(vi, &u), 0);
	CU_ASSERT_EQUAL(u, 0xffffffffff000000ull);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_kernel_offset(vi, &u), 0);
	CU_ASSERT_EQUAL(u, 0x15a00000);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_crash_time(vi, &s), 0);
	CU_ASSERT_EQUAL(s, 1795000000);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_get_dec(vi, "NUMBER(KERNEL_IMAGE_SIZE)", &u), 0);
	CU_ASSERT_EQUAL(u, 1ull << 30);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_get_hex(vi, "SYMBOL(init_top_pgt)", &u), 0);
	CU_ASSERT_EQUAL(u, 0xffffffff98410000ull);
	CU_ASSERT_STRING_EQUAL(lkcd_vmcoreinfo_get(vi, "BUILD-ID"),
			       "3b43fad50348744904924952d552c0af6a5fab235");

	/* Absent keys. */
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "nonexistent", &u), -ENOENT);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "prb", &s), -ENOENT);
	CU_ASSERT_PTR_NULL(lkcd_vmcoreinfo_get(vi, "SYMBOL"));
	CU_ASSERT_PTR_NULL(lkcd_vmcoreinfo_get(vi, "symbol(prb)"));

	/* The text comes back as given, for writers to copy. */
	CU_ASSERT_STRING_EQUAL(lkcd_vmcoreinfo_text(vi, &len), good_text);
	CU_ASSERT_EQUAL(len, strlen(good_text));
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_count(vi), 16);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_bad_lines(vi), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_duplicates(vi), 0);
	lkcd_vmcoreinfo_free(vi);
	lkcd_vmcoreinfo_free(NULL);
}

static void test_caller_buffer_not_kept(void)
{
	char *copy = strdup(good_text);
	struct lkcd_vmcoreinfo *vi = NULL;
	uint64_t u = 0;

	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(copy, strlen(copy), &vi, NULL), 0);
	memset(copy, 'X', strlen(copy));
	free(copy);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "printk_ringbuffer", &u), 0);
	CU_ASSERT_EQUAL(u, 88);
	lkcd_vmcoreinfo_free(vi);
}

static int parse_str(const char *text, struct lkcd_vmcoreinfo **vi)
{
	struct lkcd_error err = { 0 };
	int ret = lkcd_vmcoreinfo_parse(text, strlen(text), vi, &err);

	if (ret < 0)
		CU_ASSERT(err.msg[0] != '\0');
	return ret;
}

static void test_bad_values(void)
{
	struct lkcd_vmcoreinfo *vi = NULL;
	uint64_t u = 7;
	int64_t s = 7;

	CU_ASSERT_EQUAL_FATAL(parse_str(
		"SYMBOL(a)=zz\n"
		"SYMBOL(b)=0x10\n"			/* the kernel never writes 0x */
		"SYMBOL(c)=10000000000000000\n"		/* 17 hex digits: overflow */
		"SYMBOL(d)=\n"
		"SYMBOL(e)=ffffffffffffffff\n"
		"SIZE(a)=99999999999999999999\n"	/* > 2^64 */
		"SIZE(b)=-1\n"
		"SIZE(c)=12 \n"
		"SIZE(d)=18446744073709551615\n"
		"NUMBER(a)=--1\n"
		"NUMBER(b)=-9223372036854775808\n"
		"NUMBER(c)=-9223372036854775809\n"
		"NUMBER(d)=9223372036854775808\n"
		"NUMBER(e)=-\n"
		"PAGESIZE=4097\n", &vi), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "a", &u), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "b", &u), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "c", &u), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "d", &u), -EINVAL);
	CU_ASSERT_EQUAL(u, 7);	/* untouched on error */
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "e", &u), 0);
	CU_ASSERT_EQUAL(u, UINT64_MAX);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "a", &u), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "b", &u), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "c", &u), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "d", &u), 0);
	CU_ASSERT_EQUAL(u, UINT64_MAX);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "a", &s), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "b", &s), 0);
	CU_ASSERT_EQUAL(s, INT64_MIN);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "c", &s), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "d", &s), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "e", &s), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_page_size(vi, &u), -EINVAL);
	lkcd_vmcoreinfo_free(vi);
}

static void test_bad_lines_and_duplicates(void)
{
	struct lkcd_vmcoreinfo *vi = NULL;
	char *text = malloc(8192);
	uint64_t u = 0;
	int64_t s = 0;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	strcpy(text, "no equals sign here\n=value without key\n\n\nPAGESIZE=4096\nCRASHTIME=1\nSIZE(x)=");
	n = strlen(text);
	memset(text + n, '9', 2000);		/* a 2000-digit value: line too long */
	strcpy(text + n + 2000, "\nCRASHTIME=2\nSIZE(y)=3");	/* no final newline */
	CU_ASSERT_EQUAL_FATAL(parse_str(text, &vi), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_bad_lines(vi), 3);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_duplicates(vi), 1);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_count(vi), 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "x", &u), -ENOENT);
	/* Last CRASHTIME wins: the kernel appends a new one each crash. */
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_crash_time(vi, &s), 0);
	CU_ASSERT_EQUAL(s, 2);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "y", &u), 0);
	CU_ASSERT_EQUAL(u, 3);
	lkcd_vmcoreinfo_free(vi);
	free(text);
}

static void test_text_limits(void)
{
	struct lkcd_vmcoreinfo *vi = (void *)1;
	struct lkcd_error err = { 0 };
	size_t big = LKCD_VMCOREINFO_MAX_TEXT + 1;
	char *text = malloc(big);
	const char with_nul[] = "PAGESIZE=4096\n\0SIZE(x)=1\n";
	uint64_t u = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	/* Empty, all padding, only junk. */
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_parse("", 0, &vi, &err), -EINVAL);
	CU_ASSERT_PTR_NULL(vi);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_parse("\0\0\0\0", 4, &vi, &err), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_parse("junk\nmore junk\n", 15, &vi, &err), -EINVAL);
	CU_ASSERT(strstr(err.msg, "no KEY=value") != NULL);
	/* Too big. */
	memset(text, 'a', big);
	text[1] = '=';
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_parse(text, big, &vi, &err), -EINVAL);
	CU_ASSERT(strstr(err.msg, "larger than") != NULL);
	/* A NUL ends the text, as the kernel's zero padding does. */
	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(with_nul, sizeof(with_nul), &vi, &err), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_size(vi, "x", &u), -ENOENT);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_page_size(vi, &u), 0);
	lkcd_vmcoreinfo_free(vi);
	free(text);
}

static void test_find_note(void)
{
	unsigned char buf[4096];
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_error err = { 0 };
	size_t len = make_notes(buf), dlen = 0;
	const void *desc = NULL;
	uint64_t u = 0;

	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), 0);
	CU_ASSERT_EQUAL(dlen, strlen(good_text));
	CU_ASSERT(desc && memcmp(desc, good_text, dlen) == 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_from_notes(buf, len, &vi, &err), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "prb", &u), 0);
	lkcd_vmcoreinfo_free(vi);

	/* The last note's padding missing (segment sized without it). */
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len - ((4 - strlen(good_text) % 4) % 4),
						  &desc, &dlen, &err), 0);
}

static void test_note_damage(void)
{
	unsigned char buf[4096];
	const void *desc;
	size_t dlen, len, off;
	struct lkcd_error err = { 0 };
	uint32_t v;

	/* No VMCOREINFO at all; empty blob; shorter than a note header. */
	len = put_note(buf, 0, "CORE", 5, 1, "abcd", 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -ENOENT);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, 0, &desc, &dlen, &err), -ENOENT);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, 11, &desc, &dlen, &err), -ENOENT);

	/* Name without its NUL, a longer name, the wrong type: not ours. */
	len = put_note(buf, 0, "VMCOREINFO", 10, 0, "A=1\n", 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -ENOENT);
	len = put_note(buf, 0, "VMCOREINFOX", 12, 0, "A=1\n", 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -ENOENT);
	len = put_note(buf, 0, "VMCOREINFO", 11, 1, "A=1\n", 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -ENOENT);

	/* A zero header ends the blob (final_note()): nothing after it counts. */
	off = put_note(buf, 0, "CORE", 5, 1, "abcd", 4);
	memset(buf + off, 0, 12);
	len = put_note(buf, off + 12, "VMCOREINFO", 11, 0, "A=1\n", 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -ENOENT);

	/* descsz past the end, namesz past the end, both huge. */
	len = put_note(buf, 0, "VMCOREINFO", 11, 0, "A=1\n", 4);
	v = 4096;
	memcpy(buf + 4, &v, 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -EINVAL);
	CU_ASSERT(strstr(err.msg, "descriptor size") != NULL);
	v = 0xffffffffu;
	memcpy(buf + 4, &v, 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -EINVAL);
	len = put_note(buf, 0, "VMCOREINFO", 11, 0, "A=1\n", 4);
	memcpy(buf, &v, 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -EINVAL);
	CU_ASSERT(strstr(err.msg, "name size") != NULL);
	v = 100;
	memcpy(buf, &v, 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -EINVAL);

	/* A damaged note before ours stops the walk with an error. */
	off = put_note(buf, 0, "CORE", 5, 1, "abcd", 4);
	len = put_note(buf, off, "VMCOREINFO", 11, 0, "A=1\n", 4);
	v = 0x7ffffff0u;
	memcpy(buf + 4, &v, 4);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_find_note(buf, len, &desc, &dlen, &err), -EINVAL);

	/* Descriptor of garbage: found, then parse refuses it. */
	{
		struct lkcd_vmcoreinfo *vi = NULL;

		len = put_note(buf, 0, "VMCOREINFO", 11, 0, "\x01\x02\x03\x04", 4);
		CU_ASSERT_EQUAL(lkcd_vmcoreinfo_from_notes(buf, len, &vi, &err), -EINVAL);
		CU_ASSERT_PTR_NULL(vi);
	}
}

/* Flip bytes of a good blob at random: never a crash, only 0 or -errno. */
static void test_note_mutations(void)
{
	unsigned char good[4096], buf[4096];
	size_t len = make_notes(good);
	unsigned seed = 12345;

	for (int round = 0; round < 20000; round++) {
		struct lkcd_vmcoreinfo *vi = NULL;
		uint64_t u;
		int64_t s;
		int ret;
		size_t cut = len;

		memcpy(buf, good, len);
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			/*
			 * Odd rounds hit the VMCOREINFO note header and
			 * name (at 356: after the 12 + 8 + 336 CORE note),
			 * where the sizes live; even rounds anywhere.
			 */
			size_t pos = round & 1 ? 356 + (seed >> 8) % 32 : (seed >> 8) % len;

			buf[pos] = (unsigned char)(seed >> 20);
		}
		if (round % 7 == 0)
			cut = (seed >> 4) % (len + 1);
		ret = lkcd_vmcoreinfo_from_notes(buf, cut, &vi, NULL);
		CU_ASSERT(ret == 0 || ret == -EINVAL || ret == -ENOENT);
		if (ret == 0) {
			CU_ASSERT_PTR_NOT_NULL(vi);
			(void)lkcd_vmcoreinfo_symbol(vi, "prb", &u);
			(void)lkcd_vmcoreinfo_number(vi, "phys_base", &s);
			(void)lkcd_vmcoreinfo_page_size(vi, &u);
			lkcd_vmcoreinfo_free(vi);
		}
	}
}

/* The raw note the lkcd header points at, read through a memory source. */
static void test_read_from_source(void)
{
	const uint64_t mem = 64 * 1024, note_at = 0x3000;
	unsigned char *phys = calloc(1, mem);
	struct lkcd_mem_range r = { 0, 0x8000 };
	struct lkcd_source *src = NULL;
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_error err = { 0 };
	uint32_t size;
	uint64_t u = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(phys);
	/* As the kernel keeps it: one note then a zero header, in a page+. */
	size = (uint32_t)put_note(phys, note_at, "VMCOREINFO", 11, 0, good_text,
				  (uint32_t)strlen(good_text)) - (uint32_t)note_at + 12;
	CU_ASSERT_EQUAL_FATAL(lkcd_source_open_buffer(phys, mem, &r, 1, &src, &err), 0);

	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_read(src, note_at, size, &vi, &err), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_symbol(vi, "init_top_pgt", &u), 0);
	CU_ASSERT_EQUAL(u, 0xffffffff98410000ull);
	lkcd_vmcoreinfo_free(vi);
	/* VMCOREINFO_NOTE_SIZE is larger than the text: zero tail is fine. */
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_read(src, note_at, 4096 + 24, &vi, &err), 0);
	lkcd_vmcoreinfo_free(vi);

	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_read(src, note_at, 0, &vi, &err), -ENOENT);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_read(src, note_at, 0xffffffffu, &vi, &err), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_read(src, UINT64_MAX - 10, 100, &vi, &err), -EINVAL);
	CU_ASSERT(lkcd_vmcoreinfo_read(src, 0x7f00, 1024, &vi, &err) < 0);	/* past the range */
	CU_ASSERT_PTR_NULL(vi);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_read(src, 0x100, 1024, &vi, &err), -ENOENT); /* zeros */
	lkcd_source_close(src);
	free(phys);
}

/*
 * Abridged texts of the newer kernels, with what changed for the readers:
 * 6.12 (trixie) exports page types as PGTY_x << 24 printed signed and no
 * NUMBER(PG_slab), and writes NUMBER(VMALLOC_START) in hex (as read from
 * trixie's 6.12.118); 7.x renames OFFSET(page.compound_head) to
 * compound_info.
 */
static const char text_6_12[] =
	"OSRELEASE=6.12.117+deb13-cloud-amd64\n"
	"PAGESIZE=4096\n"
	"NUMBER(VMALLOC_START)=0xffffcb3600000000\n"
	"SYMBOL(mem_section)=ffff8b271feb2680\n"
	"OFFSET(page.compound_head)=8\n"
	"NUMBER(PG_lru)=4\n"
	"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"
	"NUMBER(PG_hwpoison)=21\n"
	"NUMBER(PG_head_mask)=64\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"
	"NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\n";
static const char text_7[] =
	"OSRELEASE=7.2.13+deb14-cloud-amd64\n"
	"PAGESIZE=4096\n"
	"NUMBER(VMALLOC_START)=0xffffc90000000000\n"
	"OFFSET(page.compound_info)=8\n"
	"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n";

static void test_newer_kernels(void)
{
	struct lkcd_vmcoreinfo *vi = NULL;
	int64_t n = 0;
	uint64_t u = 0;

	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(text_6_12, strlen(text_6_12), &vi, NULL), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &n), 0);
	CU_ASSERT_EQUAL((uint32_t)n, 0xf0000000u);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "PAGE_SLAB_MAPCOUNT_VALUE", &n), 0);
	CU_ASSERT_EQUAL((uint32_t)n, 0xf5000000u);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "PAGE_HUGETLB_MAPCOUNT_VALUE", &n), 0);
	CU_ASSERT_EQUAL((uint32_t)n, 0xf4000000u);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "PG_slab", &n), -ENOENT);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_offset(vi, "page", "compound_head", &u), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "VMALLOC_START", &n), 0);
	CU_ASSERT_EQUAL((uint64_t)n, UINT64_C(0xffffcb3600000000));
	lkcd_vmcoreinfo_free(vi);

	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(text_7, strlen(text_7), &vi, NULL), 0);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "VMALLOC_START", &n), 0);
	CU_ASSERT_EQUAL((uint64_t)n, UINT64_C(0xffffc90000000000));
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_offset(vi, "page", "compound_head", &u), -ENOENT);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_offset(vi, "page", "compound_info", &u), 0);
	CU_ASSERT_EQUAL(u, 8);
	lkcd_vmcoreinfo_free(vi);

	/* hex is hex digits only: no sign, no second prefix, no overflow */
	{
		static const char bad[] = "NUMBER(a)=0x-1\nNUMBER(b)=0x\n"
					  "NUMBER(c)=0x10000000000000000\nNUMBER(d)=0x0x1\n";

		CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(bad, strlen(bad), &vi, NULL), 0);
	}
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "a", &n), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "b", &n), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "c", &n), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_vmcoreinfo_number(vi, "d", &n), -EINVAL);
	lkcd_vmcoreinfo_free(vi);
}

static int register_suites(void)
{
	static const CU_TestInfo tests[] = {
		{ "typed lookups on a 6.1-shaped text", test_lookups },
		{ "6.12 and 7.x texts: page types, compound_info, hex NUMBER", test_newer_kernels },
		{ "parsed copy outlives the caller's buffer", test_caller_buffer_not_kept },
		{ "bad values: garbage, overflow, sign", test_bad_values },
		{ "bad lines skipped, duplicates: last wins", test_bad_lines_and_duplicates },
		{ "empty, junk-only, oversized, NUL-terminated text", test_text_limits },
		{ "find the note in a blob", test_find_note },
		{ "damaged notes", test_note_damage },
		{ "random mutations never crash", test_note_mutations },
		{ "read the raw note from a memory source", test_read_from_source },
		CU_TEST_INFO_NULL,
	};

	return lkcd_unit_add_suite("vmcoreinfo", NULL, NULL, tests);
}

LKCD_TEST_MAIN(register_suites)
