// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The /proc/vmcore fallback's filter: page classes read from a crashed
 * kernel's struct pages through VMCOREINFO, over simulated physical memory.
 *
 * The fixture lays out a SPARSEMEM_EXTREME mem_section table in the kernel
 * image, a struct page array in the vmemmap (mapped by 4 KiB page tables,
 * one vmemmap page deliberately not present), struct page offsets unlike
 * the kernel's (only VMCOREINFO can say where fields are), and pages of
 * every class: kernel, free buddy blocks, page cache with and without
 * private data, anon, KSM, hugetlb and ordinary compound pages, slab,
 * hwpoison, offline, torn buddy heads, zero pages, a section without a
 * mem_map and a RAM hole.  The test's own model of which pfns must come out
 * is checked against what the iterators hand out, page by page.
 *
 * The same machine is written in each kernel's encoding (struct kspec):
 * 6.1 (PG_slab a flag, page types as ~PG_x, hugetlb by the first tail's
 * compound_dtor, tails hold head | 1), 6.12 (slab and hugetlb page types,
 * PGTY_x << 24 in the top byte, no NUMBER(PG_slab)) and 7.x (6.12's types,
 * OFFSET(page.compound_info), tails hold mask | 1).  The model of classes
 * is one; only the bytes and VMCOREINFO change.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "liblkcd.h"
#include "dmesg.h"
#include "page_class.h"
#include "page_filter.h"
#include "vmcoreinfo.h"

#define PGSZ		4096u
#define NR_PFN		4096u			/* 16 MiB */
#define MEM_SIZE	(NR_PFN * PGSZ)
#define HOLE_START	0xc00000u		/* [12 MiB, 13 MiB) is not RAM */
#define HOLE_END	0xd00000u

#define START_MAP	UINT64_C(0xffffffff80000000)
#define KIMG_VADDR	UINT64_C(0xffffffff81000000)
#define KIMG_PADDR	UINT64_C(0x400000)
#define PHYS_BASE	(KIMG_PADDR - (KIMG_VADDR - START_MAP))
#define V_PGT		(KIMG_VADDR + 0x20000)	/* init_top_pgt */
#define V_ROOTS		(KIMG_VADDR + 0x30000)	/* mem_section root array */
#define V_SECTIONS	(KIMG_VADDR + 0x31000)	/* root 0: 256 sections */
#define VMEMMAP		UINT64_C(0xffffea0000000000)
#define P_STRUCT_PAGES	UINT64_C(0x800000)	/* 64 pages of struct page */
#define P_PUD		UINT64_C(0x450000)
#define P_PMD		UINT64_C(0x451000)
#define P_PTE		UINT64_C(0x452000)
#define DIRECT_MAP	UINT64_C(0xffff888000000000)

/* struct page as VMCOREINFO describes it: not the kernel's layout */
#define SZ_PAGE		64
#define O_FLAGS		32
#define O_HEAD		8
#define O_MAPPING	24
#define O_PRIVATE	40
#define O_MAPCOUNT	48
#define O_REFCOUNT	52
#define O_DTOR		56
#define PG_LRU		4
#define PG_SLAB		9
#define PG_SWAPCACHE	10
#define PG_PRIVATE	13
#define PG_HEAD		16
#define PG_HWPOISON	22
#define HUGETLB_DTOR	2
#define HUGETLB_HEAD	736			/* order 4, naturally aligned */
#define FOLIO_HEAD	752			/* order 4 page cache */
#define SLAB_HEAD	768			/* order 3 slab */
#define SECTION_BITS	22			/* 1024 pages per section */
#define UNMAPPED_VMEMMAP_PAGE	40		/* struct pages of pfns 2560..2623 */

/* How one kernel writes struct page and says so in VMCOREINFO. */
struct kspec {
	const char *osrelease;
	int32_t buddy, offline;		/* page._mapcount of a free head, an offline page */
	int32_t slab, hugetlb;		/* page types; 0: a flag / the dtor instead */
	const char *compound;		/* OFFSET(page.<this>) */
	bool mask_tails;		/* tails hold mask | 1 (7.x), not head | 1 */
};

static const struct kspec k6_1 = {
	"6.1.0-fixture", ~0x80, ~0x100, 0, 0, "compound_head", false,
};
static const struct kspec k6_12 = {
	"6.12.0-fixture", (int32_t)0xf0000000u, (int32_t)0xf1000000u,
	(int32_t)0xf5000000u, (int32_t)0xf4000000u, "compound_head", false,
};
static const struct kspec k7 = {
	"7.2.0-fixture", (int32_t)0xf0000000u, (int32_t)0xf1000000u,
	(int32_t)0xf5000000u, (int32_t)0xf4000000u, "compound_info", true,
};
static const struct kspec *K = &k6_1;

static uint8_t *mem;
static enum lkcd_page_class cls[NR_PFN];	/* the model */
static bool is_zero_page[NR_PFN];
static bool in_ram[NR_PFN];
static char vmcoreinfo_text[4096];

static void pw64(uint64_t pa, uint64_t v) { memcpy(mem + pa, &v, 8); }
static void pw32(uint64_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }
static uint64_t kimg_pa(uint64_t v) { return v - START_MAP + PHYS_BASE; }
static uint64_t sp_pa(uint64_t pfn) { return P_STRUCT_PAGES + pfn * SZ_PAGE; }
static uint64_t sp_va(uint64_t pfn) { return VMEMMAP + pfn * SZ_PAGE; }

static void set_page(uint64_t pfn, uint64_t flags, uint64_t mapping, int32_t mapcount,
		     uint64_t private, enum lkcd_page_class c)
{
	pw64(sp_pa(pfn) + O_FLAGS, flags);
	pw64(sp_pa(pfn) + O_MAPPING, mapping);
	pw32(sp_pa(pfn) + O_MAPCOUNT, (uint32_t)mapcount);
	pw64(sp_pa(pfn) + O_PRIVATE, private);
	cls[pfn] = c;
}

/* A tail page of the order-`order` folio at head, in K's encoding. */
static void set_tail(uint64_t pfn, uint64_t head, unsigned int order)
{
	uint64_t word = K->mask_tails ? ~((UINT64_C(1) << (order + 6)) - 1) : sp_va(head);

	pw64(sp_pa(pfn) + O_HEAD, word | 1);
}

static void build_page_tables(void)
{
	uint64_t pgd = kimg_pa(V_PGT);

	memset(mem + pgd, 0, PGSZ);
	pw64(pgd + ((VMEMMAP >> 39) & 511) * 8, P_PUD | 0x63);
	pw64(P_PUD + ((VMEMMAP >> 30) & 511) * 8, P_PMD | 0x63);
	pw64(P_PMD + ((VMEMMAP >> 21) & 511) * 8, P_PTE | 0x63);
	for (uint64_t i = 0; i < NR_PFN * SZ_PAGE / PGSZ; i++)
		pw64(P_PTE + i * 8, (P_STRUCT_PAGES + i * PGSZ) | 0x63);
	pw64(P_PTE + UNMAPPED_VMEMMAP_PAGE * 8, 0);
}

static void build_sections(void)
{
	uint64_t present = 0x1 | 0x2 | 0x4;	/* PRESENT | HAS_MEM_MAP | ONLINE */

	pw64(kimg_pa(V_ROOTS), V_SECTIONS);
	for (int root = 1; root < 4; root++)
		pw64(kimg_pa(V_ROOTS) + root * 8, 0);
	memset(mem + kimg_pa(V_SECTIONS), 0, PGSZ);
	/* the encoded mem_map of a vmemmap section: mem_map - start pfn == VMEMMAP */
	for (int s = 0; s < 3; s++)
		pw64(kimg_pa(V_SECTIONS) + s * 16 + 8, VMEMMAP | present);
	/* section 3 (pfns 3072..4095): no mem_map */
}

static void make_vmcoreinfo(void)
{
	char types[512] = "";

	/* what each kernel exports about slab, hugetlb and page types */
	if (K->slab)
		snprintf(types, sizeof(types),
			 "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=%d\n"
			 "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=%d\n",
			 K->slab, K->hugetlb);
	else
		snprintf(types, sizeof(types),
			 "NUMBER(PG_slab)=%d\n"
			 "OFFSET(page.compound_dtor)=%d\n"
			 "NUMBER(HUGETLB_PAGE_DTOR)=%d\n",
			 PG_SLAB, O_DTOR, HUGETLB_DTOR);
	snprintf(vmcoreinfo_text, sizeof(vmcoreinfo_text),
		 "OSRELEASE=%s\n"
		 "PAGESIZE=4096\n"
		 "SYMBOL(mem_section)=%" PRIx64 "\n"
		 "LENGTH(mem_section)=4\n"
		 "SIZE(mem_section)=16\n"
		 "OFFSET(mem_section.section_mem_map)=8\n"
		 "NUMBER(SECTION_SIZE_BITS)=%d\n"
		 "NUMBER(MAX_PHYSMEM_BITS)=46\n"
		 "SIZE(page)=%d\n"
		 "OFFSET(page.flags)=%d\n"
		 "OFFSET(page._refcount)=%d\n"
		 "OFFSET(page.mapping)=%d\n"
		 "OFFSET(page.lru)=%d\n"
		 "OFFSET(page._mapcount)=%d\n"
		 "OFFSET(page.private)=%d\n"
		 "OFFSET(page.%s)=%d\n"
		 "LENGTH(zone.free_area)=11\n"
		 "NUMBER(PG_lru)=%d\n"
		 "NUMBER(PG_private)=%d\n"
		 "NUMBER(PG_swapcache)=%d\n"
		 "%s"
		 "NUMBER(PG_hwpoison)=%d\n"
		 "NUMBER(PG_head_mask)=%d\n"
		 "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d\n"
		 "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%d\n"
		 "NUMBER(phys_base)=%" PRId64 "\n"
		 "SYMBOL(init_top_pgt)=%" PRIx64 "\n"
		 "NUMBER(pgtable_l5_enabled)=0\n"
		 "KERNELOFFSET=0\n",
		 K->osrelease, V_ROOTS, SECTION_BITS, SZ_PAGE, O_FLAGS, O_REFCOUNT, O_MAPPING,
		 O_HEAD, O_MAPCOUNT, O_PRIVATE, K->compound, O_HEAD, PG_LRU, PG_PRIVATE,
		 PG_SWAPCACHE, types, PG_HWPOISON, 1 << PG_HEAD, K->buddy, K->offline,
		 (int64_t)PHYS_BASE, V_PGT);
}

/* Replace "KEY=..." by "KEY=value" (value NULL: drop the line). */
static void vmcoreinfo_set(const char *key, const char *value)
{
	char buf[sizeof(vmcoreinfo_text)], *p = strstr(vmcoreinfo_text, key), *eol;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	eol = strchr(p, '\n');
	snprintf(buf, sizeof(buf), "%.*s%s%s%s%s", (int)(p - vmcoreinfo_text), vmcoreinfo_text,
		 value ? key : "", value ? "=" : "", value ? value : "", value ? eol : eol + 1);
	memcpy(vmcoreinfo_text, buf, sizeof(buf));
}

static void fill(uint64_t pfn, uint64_t n, bool zero)
{
	for (uint64_t p = pfn; p < pfn + n; p++) {
		uint8_t *pg = mem + p * PGSZ;

		is_zero_page[p] = zero;
		if (zero) {
			memset(pg, 0, PGSZ);
			continue;
		}
		/* half text-like (compresses), some pages random (does not) */
		for (unsigned i = 0; i < PGSZ; i++)
			pg[i] = p % 7 == 3 ? (uint8_t)(rand() >> 7) :
				(uint8_t)("lkcd fallback page "[i % 19] + (p & 3));
	}
}

/* Lay out the machine; the classes of the model follow what is written. */
static void build_machine(void)
{
	uint64_t p;

	srand(7);
	memset(mem, 0, MEM_SIZE);
	for (p = 0; p < NR_PFN; p++) {
		in_ram[p] = p * PGSZ < HOLE_START || p * PGSZ >= HOLE_END;
		fill(p, 1, false);
	}
	/* every struct page: a kernel page, mapcount -1, one reference */
	memset(mem + P_STRUCT_PAGES, 0, NR_PFN * SZ_PAGE);
	for (p = 0; p < NR_PFN; p++) {
		set_page(p, 0, 0, -1, 0, LKCD_PAGE_KERNEL);
		pw32(sp_pa(p) + O_REFCOUNT, 1);
	}
	/* a free buddy block of order 8: head says so, tails have no references */
	set_page(256, 0, 0, K->buddy, 8, LKCD_PAGE_FREE);
	for (p = 257; p < 512; p++) {
		pw32(sp_pa(p) + O_REFCOUNT, 0);
		cls[p] = LKCD_PAGE_FREE;
	}
	for (p = 512; p < 576; p++)
		set_page(p, 1 << PG_LRU, DIRECT_MAP + 0x10000, -1, 0, LKCD_PAGE_CACHE);
	for (p = 576; p < 608; p++)
		set_page(p, 1 << PG_LRU | 1 << PG_PRIVATE, DIRECT_MAP + 0x20000, -1, 0,
			 LKCD_PAGE_CACHE_PRIVATE);
	for (p = 608; p < 640; p++)
		set_page(p, 1 << PG_LRU | 1ull << 19, DIRECT_MAP + 0x30000 + 1, 0, 0,
			 LKCD_PAGE_USER);
	for (p = 640; p < 648; p++)
		set_page(p, 1 << PG_LRU, DIRECT_MAP + 0x40000 + 3, 0, 0, LKCD_PAGE_USER); /* KSM */
	/* a hugetlb page: head, first tail with the dtor (6.1) or a page type */
	set_page(HUGETLB_HEAD, 1 << PG_HEAD, 0, K->hugetlb ? K->hugetlb : -1, 0, LKCD_PAGE_USER);
	for (p = HUGETLB_HEAD + 1; p < HUGETLB_HEAD + 16; p++) {
		set_page(p, 0, 0, -1, 0, LKCD_PAGE_USER);
		set_tail(p, HUGETLB_HEAD, 4);
	}
	if (!K->hugetlb)
		mem[sp_pa(HUGETLB_HEAD + 1) + O_DTOR] = HUGETLB_DTOR;
	/* an ordinary large folio of page cache: tails take the head's class */
	set_page(FOLIO_HEAD, 1 << PG_HEAD | 1 << PG_LRU, DIRECT_MAP + 0x50000, -1, 0, LKCD_PAGE_CACHE);
	for (p = FOLIO_HEAD + 1; p < FOLIO_HEAD + 16; p++) {
		set_page(p, 0, 0, -1, 0, LKCD_PAGE_CACHE);
		set_tail(p, FOLIO_HEAD, 4);
	}
	mem[sp_pa(FOLIO_HEAD + 1) + O_DTOR] = 1;	/* a compound dtor, not hugetlb */
	/*
	 * A slab of order 3 whose head's mapping word has bit 0 set (slab
	 * counters overlay it): the tails must follow the head to slab, never
	 * read that word as an anon mapping.
	 */
	set_page(SLAB_HEAD, 1 << PG_HEAD | (K->slab ? 0 : 1 << PG_SLAB), DIRECT_MAP + 0x70001,
		 K->slab ? K->slab : -1, 0, LKCD_PAGE_KERNEL);
	for (p = SLAB_HEAD + 1; p < SLAB_HEAD + 8; p++) {
		set_page(p, 0, DIRECT_MAP + 0x70001, -1, 0, LKCD_PAGE_KERNEL);
		set_tail(p, SLAB_HEAD, 3);
	}
	set_page(680, 1 << PG_HWPOISON | 1 << PG_LRU, DIRECT_MAP, -1, 0, LKCD_PAGE_HWPOISON);
	set_page(681, 0, 0, K->offline, 0, LKCD_PAGE_OFFLINE);
	for (p = 682; p < 690; p++)				/* slab first */
		set_page(p, K->slab ? 0 : 1 << PG_SLAB, DIRECT_MAP + 1, K->slab ? K->slab : -1, 0,
			 LKCD_PAGE_KERNEL);
	fill(690, 10, true);					/* zero kernel pages */
	set_page(704, 0, 0, K->buddy, 99, LKCD_PAGE_KERNEL);	/* torn order: kept */
	set_page(705, 0, 0, K->buddy, 1, LKCD_PAGE_KERNEL);	/* misaligned: kept */
	for (p = 720; p < 724; p++)				/* swap cache, no mapping flags */
		set_page(p, 1 << PG_SWAPCACHE, DIRECT_MAP + 0x60000, -1, 0, LKCD_PAGE_CACHE);
	fill(730, 4, true);
	for (p = 730; p < 734; p++)				/* free zero pages */
		set_page(p, 0, 0, K->buddy, 0, LKCD_PAGE_FREE);
	/* struct pages in the vmemmap page that is not mapped */
	for (p = UNMAPPED_VMEMMAP_PAGE * PGSZ / SZ_PAGE;
	     p < (UNMAPPED_VMEMMAP_PAGE + 1) * PGSZ / SZ_PAGE; p++)
		cls[p] = LKCD_PAGE_UNKNOWN;
	/* a free block there too: must still be kept, its struct page unreadable */
	set_page(2560, 0, 0, K->buddy, 4, LKCD_PAGE_UNKNOWN);
	for (p = 3072; p < NR_PFN; p++)				/* section without mem_map */
		cls[p] = LKCD_PAGE_UNKNOWN;
	set_page(3400, 0, 0, K->buddy, 3, LKCD_PAGE_UNKNOWN);
	fill(3500, 20, true);
	build_page_tables();
	build_sections();
	make_vmcoreinfo();
	/* the structures written above changed some pages: zero is what is there */
	for (p = 0; p < NR_PFN; p++) {
		const uint8_t *pg = mem + p * PGSZ;

		is_zero_page[p] = !pg[0] && !memcmp(pg, pg + 1, PGSZ - 1);
	}
}

static struct lkcd_source *open_source(void)
{
	struct lkcd_mem_range ranges[2] = {
		{ 0, HOLE_START }, { HOLE_END, MEM_SIZE - HOLE_END },
	};
	struct lkcd_source *src = NULL;

	CU_ASSERT_EQUAL_FATAL(lkcd_source_open_buffer(mem, MEM_SIZE, ranges, 2, &src, NULL), 0);
	return src;
}

static struct lkcd_vmcoreinfo *vmcoreinfo(void)
{
	struct lkcd_vmcoreinfo *vi = NULL;

	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(vmcoreinfo_text, strlen(vmcoreinfo_text),
						    &vi, NULL), 0);
	return vi;
}

static int open_classifier(struct lkcd_source *src, struct lkcd_page_classifier **pc,
			   struct lkcd_error *err)
{
	struct lkcd_vmcoreinfo *vi = vmcoreinfo();
	int ret = lkcd_page_classifier_open(vi, lkcd_dmesg_read_source, src, pc, err);

	lkcd_vmcoreinfo_free(vi);
	return ret;
}

static int suite_init(void)
{
	mem = malloc(MEM_SIZE);
	if (!mem)
		return -1;
	build_machine();
	return 0;
}

static int suite_init_6_12(void)
{
	K = &k6_12;
	return suite_init();
}

static int suite_init_7(void)
{
	K = &k7;
	return suite_init();
}

static int suite_cleanup(void)
{
	free(mem);
	mem = NULL;
	K = &k6_1;
	return 0;
}

/* ---- classes one by one ---- */

static void test_classes(void)
{
	struct lkcd_source *src = open_source();
	struct lkcd_page_classifier *pc = NULL;
	struct lkcd_error err = { 0 };
	unsigned int wrong = 0;
	const char *why;

	CU_ASSERT_EQUAL_FATAL(open_classifier(src, &pc, &err), 0);
	for (uint64_t p = 0; p < NR_PFN; p++) {
		enum lkcd_page_class c;

		if (!in_ram[p])
			continue;
		c = lkcd_page_classify(pc, p);
		if (c != cls[p] && !wrong++)
			fprintf(stderr, "\n  pfn %" PRIu64 ": %s, expected %s", p,
				lkcd_page_class_name(c), lkcd_page_class_name(cls[p]));
	}
	CU_ASSERT_EQUAL(wrong, 0);
	/* 64 pages of the unmapped vmemmap page, 1024 - 256 of the mapless section */
	CU_ASSERT_EQUAL(lkcd_page_classifier_unreadable(pc, &why), 64 + 768);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not mapped"));
	lkcd_page_classifier_close(pc);
	lkcd_source_close(src);
}

static void test_exclusion_rules(void)
{
	CU_ASSERT_TRUE(lkcd_page_class_excluded(LKCD_PAGE_CACHE, LKCD_EXCLUDE_CACHE));
	CU_ASSERT_TRUE(lkcd_page_class_excluded(LKCD_PAGE_CACHE, LKCD_EXCLUDE_CACHE_PRI));
	CU_ASSERT_FALSE(lkcd_page_class_excluded(LKCD_PAGE_CACHE_PRIVATE, LKCD_EXCLUDE_CACHE));
	CU_ASSERT_TRUE(lkcd_page_class_excluded(LKCD_PAGE_CACHE_PRIVATE, LKCD_EXCLUDE_CACHE_PRI));
	CU_ASSERT_TRUE(lkcd_page_class_excluded(LKCD_PAGE_USER, LKCD_EXCLUDE_USER));
	CU_ASSERT_TRUE(lkcd_page_class_excluded(LKCD_PAGE_FREE, LKCD_EXCLUDE_FREE));
	CU_ASSERT_TRUE(lkcd_page_class_excluded(LKCD_PAGE_HWPOISON, 0));
	CU_ASSERT_TRUE(lkcd_page_class_excluded(LKCD_PAGE_OFFLINE, 0));
	CU_ASSERT_FALSE(lkcd_page_class_excluded(LKCD_PAGE_KERNEL, LKCD_EXCLUDE_MASK));
	CU_ASSERT_FALSE(lkcd_page_class_excluded(LKCD_PAGE_UNKNOWN, LKCD_EXCLUDE_MASK));
}

/* ---- the iterators: exactly the right pfns, with their bytes ---- */

static bool expect_out(uint64_t p, uint32_t exclude, bool classes)
{
	if (!in_ram[p])
		return false;
	return !classes || !lkcd_page_class_excluded(cls[p], exclude);
}

/* Run the filter (+ zlib) over the fixture; count what is wrong. */
static unsigned int run_filter(uint32_t exclude, bool classes, bool zlib,
			       struct lkcd_filter_stats *st)
{
	struct lkcd_source *src = open_source();
	struct lkcd_page_classifier *pc = NULL;
	struct lkcd_page_iter f = { 0 }, z = { 0 }, *it = &f;
	struct lkcd_error err = { 0 };
	static uint8_t seen[NR_PFN];
	uint8_t page[PGSZ];
	struct lkcd_page pg;
	unsigned int bad = 0, compressed = 0;
	int ret;

	if (classes)
		CU_ASSERT_EQUAL_FATAL(open_classifier(src, &pc, &err), 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_filter_iter_open(src, PGSZ, pc, exclude, st, &f, &err), 0);
	if (zlib) {
		CU_ASSERT_EQUAL_FATAL(lkcd_zlib_iter_open(&f, PGSZ, &z, &err), 0);
		it = &z;
	}
	/* two passes, as writers may make: the second must match the first */
	for (int pass = 0; pass < 2; pass++) {
		memset(seen, 0, sizeof(seen));
		CU_ASSERT_EQUAL(it->rewind(it->ctx, &err), 0);
		while ((ret = it->next(it->ctx, &pg, &err)) == 1) {
			for (uint32_t i = 0; i < pg.count; i++) {
				uint64_t p = pg.pfn + i;

				if (p >= NR_PFN || seen[p]++) {
					bad++;
					continue;
				}
				if (pg.flags == LKCD_REC_ZERO) {
					bad += !is_zero_page[p];
					continue;
				}
				compressed += pg.flags == LKCD_REC_COMPRESSED;
				if (lkcd_page_expand(&pg, i, page, PGSZ, &err) ||
				    memcmp(page, mem + p * PGSZ, PGSZ))
					bad++;
			}
		}
		CU_ASSERT_EQUAL(ret, 0);
		for (uint64_t p = 0; p < NR_PFN; p++) {
			if (!!seen[p] == expect_out(p, exclude, classes))
				continue;
			if (!bad++)
				fprintf(stderr, "\n  exclude 0x%x: pfn %" PRIu64 " (%s%s) %s", exclude, p,
					lkcd_page_class_name(cls[p]), is_zero_page[p] ? ", zero" : "",
					seen[p] ? "written" : "missing");
		}
	}
	/* the bound for the writers: exactly what came out (zero pages too) */
	{
		uint64_t out_pages = 0;

		for (uint64_t p = 0; p < NR_PFN; p++)
			out_pages += seen[p] != 0;
		CU_ASSERT_EQUAL(lkcd_filter_count(src, PGSZ, pc, exclude), out_pages);
	}
	if (zlib) {
		CU_ASSERT_TRUE(compressed > 0);
	} else {
		CU_ASSERT_EQUAL(compressed, 0);
	}
	lkcd_zlib_iter_close(&z);
	lkcd_filter_iter_close(&f);
	lkcd_page_classifier_close(pc);
	lkcd_source_close(src);
	return bad;
}

static void test_filter_levels(void)
{
	static const uint32_t masks[] = {
		LKCD_EXCLUDE_MASK, LKCD_EXCLUDE_FREE, 0, LKCD_EXCLUDE_ZERO, LKCD_EXCLUDE_CACHE,
		LKCD_EXCLUDE_CACHE_PRI, LKCD_EXCLUDE_USER, LKCD_EXCLUDE_USER | LKCD_EXCLUDE_FREE,
	};
	struct lkcd_filter_stats st;

	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		CU_ASSERT_EQUAL(run_filter(masks[i], true, i % 2, &st), 0);
		/* hwpoison and offline never read, whatever the mask */
		CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_HWPOISON], 1);
		CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_OFFLINE], 1);
		CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_UNKNOWN], 0);
		CU_ASSERT_EQUAL(st.seen[LKCD_PAGE_UNKNOWN], 64 + 768);
	}
	/* level KERN's counts: the free block, the caches, the user pages */
	run_filter(LKCD_EXCLUDE_MASK, true, true, &st);
	CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_FREE], 256 + 4);
	CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_CACHE], 64 + 16 + 4);
	CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_CACHE_PRIVATE], 32);
	CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_USER], 32 + 8 + 16);
	CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_KERNEL], 0);
	CU_ASSERT_TRUE(st.zero >= 30);	/* kept, as ZERO records */
}

/* Without a classifier (no usable VMCOREINFO) every page comes out. */
static void test_no_classes(void)
{
	struct lkcd_filter_stats st;

	CU_ASSERT_EQUAL(run_filter(LKCD_EXCLUDE_MASK, false, true, &st), 0);
	CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_FREE], 0);
	CU_ASSERT_EQUAL(st.seen[LKCD_PAGE_UNKNOWN], NR_PFN - (HOLE_END - HOLE_START) / PGSZ);
	CU_ASSERT_EQUAL(run_filter(0, false, false, &st), 0);
}

/* ---- VMCOREINFO and pointers that cannot be trusted ---- */

static void expect_open_error(const char *key, const char *value, int code, const char *msg)
{
	struct lkcd_source *src = open_source();
	struct lkcd_page_classifier *pc = NULL;
	struct lkcd_error err = { 0 };
	int ret;

	make_vmcoreinfo();
	vmcoreinfo_set(key, value);
	ret = open_classifier(src, &pc, &err);
	CU_ASSERT_EQUAL(ret, code);
	CU_ASSERT_PTR_NULL(pc);
	if (!strstr(err.msg, msg))
		fprintf(stderr, "\n  %s=%s: \"%s\", expected \"%s\"", key, value ? value : "(none)",
			err.msg, msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
	lkcd_page_classifier_close(pc);
	lkcd_source_close(src);
	make_vmcoreinfo();
}

static void test_bad_vmcoreinfo(void)
{
	expect_open_error("SYMBOL(mem_section)", NULL, -ENOENT, "no SYMBOL(mem_section)");
	expect_open_error("SYMBOL(mem_section)", "0", -EINVAL, "NULL");
	expect_open_error("SIZE(page)", NULL, -ENOENT, "SIZE(page)");
	expect_open_error("SIZE(page)", "3", -EINVAL, "not a struct page size");
	expect_open_error("SIZE(page)", "banana", -EINVAL, "does not parse");
	expect_open_error("OFFSET(page.flags)", "60", -EINVAL, "past the end");
	expect_open_error("OFFSET(page._mapcount)", "18446744073709551615", -EINVAL, "");
	expect_open_error("NUMBER(PG_lru)", "99", -EINVAL, "out of range");
	expect_open_error("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "banana", -EINVAL,
			  "PAGE_BUDDY_MAPCOUNT_VALUE");
	expect_open_error("OFFSET(page.compound_head)", "4000", -EINVAL, "past the end");
	expect_open_error("LENGTH(zone.free_area)", "0", -EINVAL, "MAX_ORDER");
	expect_open_error("NUMBER(SECTION_SIZE_BITS)", "70", -EINVAL, "SECTION_SIZE_BITS");
	expect_open_error("LENGTH(mem_section)", "0", -EINVAL, "LENGTH(mem_section)");
	expect_open_error("SIZE(mem_section)", "100000", -EINVAL, "SIZE(mem_section)");
	expect_open_error("PAGESIZE", "65536", -EINVAL, "PAGESIZE");
	/* mem_section somewhere not mapped, or outside the dump */
	expect_open_error("SYMBOL(mem_section)", "ffff888000f00000", -EFAULT,
			  "mem_section at 0xffff888000f00000 cannot be read");
	expect_open_error("SYMBOL(mem_section)", "ffffffff9f000000", -EFAULT,
			  "cannot be read");
	/* and the translation itself gone */
	expect_open_error("NUMBER(phys_base)", NULL, -ENOENT, "phys_base");
}

/* Roots and sections that point nowhere: every page unknown, every page kept. */
static void test_bad_section_pointers(void)
{
	struct lkcd_filter_stats st;
	uint64_t roots = kimg_pa(V_ROOTS), secs = kimg_pa(V_SECTIONS);
	uint64_t saved_root, saved_sec1;

	memcpy(&saved_root, mem + roots, 8);
	memcpy(&saved_sec1, mem + secs + 16 + 8, 8);
	/* a section's mem_map pointing into unmapped vmemmap space */
	pw64(secs + 16 + 8, (VMEMMAP + (UINT64_C(1) << 32)) | 0x3);
	for (uint64_t p = 1024; p < 2048; p++)
		cls[p] = LKCD_PAGE_UNKNOWN;
	CU_ASSERT_EQUAL(run_filter(LKCD_EXCLUDE_MASK, true, false, &st), 0);
	CU_ASSERT_EQUAL(st.seen[LKCD_PAGE_UNKNOWN], 1024 + 64 + 768);
	/* the root array's only root: non-canonical */
	pw64(roots, UINT64_C(0xdead000000000000));
	for (uint64_t p = 0; p < 3072; p++)
		cls[p] = LKCD_PAGE_UNKNOWN;
	CU_ASSERT_EQUAL(run_filter(LKCD_EXCLUDE_MASK, true, true, &st), 0);
	CU_ASSERT_EQUAL(st.dropped[LKCD_PAGE_FREE] + st.dropped[LKCD_PAGE_CACHE] +
			st.dropped[LKCD_PAGE_USER], 0);
	pw64(roots, saved_root);
	pw64(secs + 16 + 8, saved_sec1);
	build_machine();
}

/* A struct page that straddles two vmemmap pages is read whole. */
static void test_straddling_struct_page(void)
{
	struct lkcd_source *src = open_source();
	struct lkcd_page_classifier *pc = NULL;
	struct lkcd_error err = { 0 };
	char sz[16];

	/* SIZE(page) 72: struct page 56 starts at 4032 and ends in the next page */
	make_vmcoreinfo();
	snprintf(sz, sizeof(sz), "%d", 72);
	vmcoreinfo_set("SIZE(page)", sz);
	CU_ASSERT_EQUAL_FATAL(open_classifier(src, &pc, &err), 0);
	memset(mem + P_STRUCT_PAGES + 56 * 72, 0, 72);
	pw32(P_STRUCT_PAGES + 56 * 72 + O_MAPCOUNT, (uint32_t)K->buddy);
	pw64(P_STRUCT_PAGES + 56 * 72 + O_PRIVATE, 3);
	CU_ASSERT_EQUAL(lkcd_page_classify(pc, 56), LKCD_PAGE_FREE);
	CU_ASSERT_EQUAL(lkcd_page_classify(pc, 57), LKCD_PAGE_FREE);	/* inside the block */
	CU_ASSERT_EQUAL(lkcd_page_classify(pc, 64), LKCD_PAGE_KERNEL);
	lkcd_page_classifier_close(pc);
	lkcd_source_close(src);
	make_vmcoreinfo();
	build_machine();
}

/*
 * Random damage to the kernel structures the classifier reads (struct
 * pages, sections, roots, page tables): never a crash, the stream stays
 * ordered, every page handed out holds the memory's bytes.  When only
 * struct pages were hit, no page whose own struct page is intact is lost
 * (the first 256 pfns' are never touched: kernel pages, always written);
 * damaged pointers may send the classifier to other struct pages, which no
 * reader of a dead kernel can tell.
 */
static void test_random_damage(void)
{
	static const struct { uint64_t start, len; } areas[] = {
		{ P_STRUCT_PAGES + 256 * SZ_PAGE, (NR_PFN - 256) * SZ_PAGE },
		{ 0, 0 },	/* sections: filled below */
		{ 0, 0 },	/* roots */
		{ P_PUD, 3 * PGSZ },
	};
	struct lkcd_filter_stats st;
	uint64_t start[4], len[4];

	start[0] = areas[0].start;
	len[0] = areas[0].len;
	start[1] = kimg_pa(V_SECTIONS);
	len[1] = 4 * 16;
	start[2] = kimg_pa(V_ROOTS);
	len[2] = 4 * 8;
	start[3] = areas[3].start;
	len[3] = areas[3].len;
	srand(1234);
	for (int round = 0; round < 60; round++) {
		struct lkcd_source *src;
		struct lkcd_page_classifier *pc = NULL;
		struct lkcd_page_iter f = { 0 };
		struct lkcd_error err = { 0 };
		struct lkcd_page pg;
		uint64_t last = 0, kept_low = 0;
		bool first = true, only_pages = true;
		int ret;

		build_machine();
		for (int k = 0; k < 1 + rand() % 40; k++) {
			int a = rand() % 4;

			only_pages &= a == 0;
			uint64_t at = start[a] + (uint64_t)rand() % len[a];

			mem[at] = (uint8_t)rand();
		}
		src = open_source();
		if (open_classifier(src, &pc, &err) == 0) {
			CU_ASSERT_EQUAL_FATAL(lkcd_filter_iter_open(src, PGSZ, pc, LKCD_EXCLUDE_MASK,
								    &st, &f, &err), 0);
			while ((ret = f.next(f.ctx, &pg, &err)) == 1) {
				CU_ASSERT(first || pg.pfn >= last);
				first = false;
				last = pg.pfn + pg.count;
				for (uint32_t i = 0; i < pg.count; i++)
					if (pg.pfn + i < 256)
						kept_low++;
				if (pg.flags == LKCD_REC_RAW)
					CU_ASSERT_EQUAL(memcmp(pg.stored, mem + pg.pfn * PGSZ, PGSZ), 0);
			}
			CU_ASSERT_EQUAL(ret, 0);
			if (only_pages) {
				CU_ASSERT_EQUAL(kept_low, 256);
			}
			lkcd_filter_iter_close(&f);
		} else {
			CU_ASSERT(err.msg[0] != '\0');
		}
		lkcd_page_classifier_close(pc);
		lkcd_source_close(src);
	}
	build_machine();
}

/*
 * An optional entry missing: the classifier still opens, the pages that
 * rule would have told apart are kept (class kernel), nothing else moves,
 * and lkcd_page_classifier_limits() says what and why.  lost: the classes
 * that fall back to kernel; [lo, hi): pfns that do.
 */
static void expect_degraded(const char *key, const char *limit, unsigned int lost,
			    uint64_t lo, uint64_t hi)
{
	struct lkcd_source *src = open_source();
	struct lkcd_page_classifier *pc = NULL;
	struct lkcd_error err = { 0 };
	unsigned int wrong = 0;
	const char *why;

	make_vmcoreinfo();
	vmcoreinfo_set(key, NULL);
	CU_ASSERT_EQUAL_FATAL(open_classifier(src, &pc, &err), 0);
	why = lkcd_page_classifier_limits(pc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	if (!strstr(why, limit) || !strstr(why, key))
		fprintf(stderr, "\n  without %s: \"%s\"", key, why);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, limit));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, key));
	for (uint64_t p = 0; p < NR_PFN; p++) {
		enum lkcd_page_class want = cls[p], c;

		if (!in_ram[p])
			continue;
		if ((lost & 1u << want) || (p >= lo && p < hi))
			want = LKCD_PAGE_KERNEL;
		c = lkcd_page_classify(pc, p);
		if (c != want && !wrong++)
			fprintf(stderr, "\n  without %s: pfn %" PRIu64 " %s, expected %s", key, p,
				lkcd_page_class_name(c), lkcd_page_class_name(want));
	}
	CU_ASSERT_EQUAL(wrong, 0);
	lkcd_page_classifier_close(pc);
	lkcd_source_close(src);
	make_vmcoreinfo();
}

static void test_optional_entries(void)
{
	const unsigned int mapped = 1u << LKCD_PAGE_USER | 1u << LKCD_PAGE_CACHE |
				    1u << LKCD_PAGE_CACHE_PRIVATE;
	char compound[64];

	snprintf(compound, sizeof(compound), "OFFSET(page.%s)", K->compound);
	expect_degraded("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "free pages kept",
			1u << LKCD_PAGE_FREE, 0, 0);
	expect_degraded("LENGTH(zone.free_area)", "free pages kept", 1u << LKCD_PAGE_FREE, 0, 0);
	expect_degraded("NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", "offline pages read",
			1u << LKCD_PAGE_OFFLINE, 0, 0);
	expect_degraded(K->slab ? "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)" : "NUMBER(PG_slab)",
			"user and cache pages kept", mapped, 0, 0);
	expect_degraded(compound, "user and cache pages kept", mapped, 0, 0);
	expect_degraded(K->hugetlb ? "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)" : "NUMBER(HUGETLB_PAGE_DTOR)",
			"hugetlb pages kept", 0, HUGETLB_HEAD, HUGETLB_HEAD + 16);
	expect_degraded("OFFSET(page._mapcount)", "typed pages kept",
			1u << LKCD_PAGE_FREE | 1u << LKCD_PAGE_OFFLINE |
			(K->slab ? mapped : 0), 0, 0);
}

/* All of VMCOREINFO there: no limit. */
static void test_no_limits(void)
{
	struct lkcd_source *src = open_source();
	struct lkcd_page_classifier *pc = NULL;
	struct lkcd_error err = { 0 };

	make_vmcoreinfo();
	CU_ASSERT_EQUAL_FATAL(open_classifier(src, &pc, &err), 0);
	CU_ASSERT_PTR_NULL(lkcd_page_classifier_limits(pc));
	lkcd_page_classifier_close(pc);
	lkcd_source_close(src);
}

static int register_suites(void)
{
	static const CU_TestInfo tests[] = {
		{ "every class from struct page", test_classes },
		{ "which classes each mask leaves out", test_exclusion_rules },
		{ "filter: exactly the right pfns at each mask", test_filter_levels },
		{ "no classes: every page written", test_no_classes },
		{ "VMCOREINFO missing, nonsense or pointing nowhere", test_bad_vmcoreinfo },
		{ "section pointers outside memory keep every page", test_bad_section_pointers },
		{ "a struct page across two vmemmap pages", test_straddling_struct_page },
		{ "random damage never crashes nor loses kernel pages", test_random_damage },
		{ "optional VMCOREINFO missing: pages kept, said", test_optional_entries },
		{ "complete VMCOREINFO: no limit", test_no_limits },
		CU_TEST_INFO_NULL,
	};
	/* the newer encodings: the same classes from other bytes */
	static const CU_TestInfo newer[] = {
		{ "every class from struct page", test_classes },
		{ "filter: exactly the right pfns at each mask", test_filter_levels },
		{ "optional VMCOREINFO missing: pages kept, said", test_optional_entries },
		{ "complete VMCOREINFO: no limit", test_no_limits },
		CU_TEST_INFO_NULL,
	};

	return lkcd_unit_add_suite("page_filter", suite_init, suite_cleanup, tests) ||
	       lkcd_unit_add_suite("page_filter_6_12", suite_init_6_12, suite_cleanup, newer) ||
	       lkcd_unit_add_suite("page_filter_7", suite_init_7, suite_cleanup, newer);
}

LKCD_TEST_MAIN(register_suites)
