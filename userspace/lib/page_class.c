// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The class of a page from the crashed kernel's struct page: see
 * page_class.h for the rules and where each value comes from.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page_class.h"

#define PG_BYTES		4096u
#define MAX_STRUCT_PAGE		256u	/* SIZE(page) is 64 on 6.1 x86_64 */
#define MAX_MEM_SECTION		256u	/* SIZE(mem_section) is 16 */
#define MAX_ROOTS		(1u << 24)
/* section_mem_map's flag bits: below SECTION_MAP_LAST_BIT, at most 5 in 6.1 */
#define SECTION_MARKED_PRESENT	0x1ull
#define SECTION_HAS_MEM_MAP	0x2ull
#define SECTION_MAP_MASK	(~0x1full)
#define PAGE_MAPPING_ANON	0x1ull
#define PAGE_MAPPING_FLAGS	0x3ull	/* ANON | MOVABLE; both set: KSM */
/* A folio is at most 2^18 pages (a 1 GiB hugetlb page on x86_64). */
#define MAX_FOLIO_ORDER		18u

/*
 * The page types that live in page._mapcount (page_type), each matched
 * against the value VMCOREINFO gives (see type_matches() for the two
 * encodings).
 */
enum page_type {
	TY_BUDDY,		/* 2.6.38+ */
	TY_OFFLINE,		/* 5.0+ */
	TY_SLAB,		/* 6.10+: was PG_slab in page.flags */
	TY_HUGETLB,		/* 6.9+: was compound_dtor, then PG_hugetlb */
	TY_UNACCEPTED,		/* 6.16+, CONFIG_UNACCEPTED_MEMORY only */
	TY_NR
};

static const char *const type_keys[TY_NR] = {
	[TY_BUDDY] = "PAGE_BUDDY_MAPCOUNT_VALUE",
	[TY_OFFLINE] = "PAGE_OFFLINE_MAPCOUNT_VALUE",
	[TY_SLAB] = "PAGE_SLAB_MAPCOUNT_VALUE",
	[TY_HUGETLB] = "PAGE_HUGETLB_MAPCOUNT_VALUE",
	[TY_UNACCEPTED] = "PAGE_UNACCEPTED_MAPCOUNT_VALUE",
};

struct lkcd_page_classifier {
	struct lkcd_kmem km;

	/* mem_section */
	uint64_t sections;		/* SYMBOL(mem_section) */
	bool extreme;			/* an array of root pointers */
	uint64_t nr_roots, per_root;
	uint64_t sz_section, off_section_map;
	unsigned int pfn_section_shift;	/* SECTION_SIZE_BITS - PAGE_SHIFT */

	/* struct page: what every rule needs */
	uint64_t sz_page, off_flags, off_mapping;
	/* and what single rules need; have_* false: that rule is off */
	uint64_t off_mapcount, off_private, off_compound, off_compound_dtor;
	bool have_mapcount, have_private, have_compound, have_dtor;
	uint32_t type_value[TY_NR];
	bool have_type[TY_NR];
	uint64_t pg_lru, pg_private, pg_swapcache, pg_slab, pg_hwpoison, head_mask;
	bool have_cache_flags, have_pg_slab, have_hwpoison, have_head_mask;
	bool classify_mapped;		/* user and cache classes can be told safely */
	uint8_t hugetlb_dtor;
	uint64_t max_order;		/* LENGTH(zone.free_area); 0: not known */

	/* caches */
	uint64_t sec_nr;		/* the section of mem_map */
	int sec_state;			/* 0 none, 1 mem_map valid, -errno */
	uint64_t mem_map;
	uint64_t vm_page;		/* vmemmap page held in vm_buf */
	int vm_state;			/* 0 none, 1 held, -errno */
	uint8_t vm_buf[PG_BYTES];
	uint64_t free_start, free_end;	/* the last free buddy block seen */

	uint64_t nr_unreadable;
	char first_reason[512];
	char limits[1024];		/* what this VMCOREINFO does not let us classify */
};

static const char *const class_names[LKCD_PAGE_NR] = {
	[LKCD_PAGE_KERNEL] = "kernel",
	[LKCD_PAGE_UNKNOWN] = "unknown",
	[LKCD_PAGE_CACHE] = "cache",
	[LKCD_PAGE_CACHE_PRIVATE] = "cache_private",
	[LKCD_PAGE_USER] = "user",
	[LKCD_PAGE_FREE] = "free",
	[LKCD_PAGE_OFFLINE] = "offline",
	[LKCD_PAGE_HWPOISON] = "hwpoison",
};

const char *lkcd_page_class_name(enum lkcd_page_class cls)
{
	return (unsigned int)cls < LKCD_PAGE_NR ? class_names[cls] : "?";
}

/* The same rule as lkcd.ko's packer (kernel/packer.c). */
bool lkcd_page_class_excluded(enum lkcd_page_class cls, uint32_t exclude)
{
	switch (cls) {
	case LKCD_PAGE_FREE:
		return exclude & LKCD_EXCLUDE_FREE;
	case LKCD_PAGE_CACHE:
		return exclude & (LKCD_EXCLUDE_CACHE | LKCD_EXCLUDE_CACHE_PRI);
	case LKCD_PAGE_CACHE_PRIVATE:
		return exclude & LKCD_EXCLUDE_CACHE_PRI;
	case LKCD_PAGE_USER:
		return exclude & LKCD_EXCLUDE_USER;
	case LKCD_PAGE_OFFLINE:
	case LKCD_PAGE_HWPOISON:
		return true;
	default:
		return false;
	}
}

/* ---- what VMCOREINFO must say ---- */

/*
 * Every getter below returns 0 (present and sane), -ENOENT (absent: err
 * says which key) or -EINVAL (present but nonsense: a damaged VMCOREINFO,
 * always fatal).  A caller for whom the key is optional turns -ENOENT into
 * a limit (add_limit) and goes on.
 */
static int need(int ret, const char *key, struct lkcd_error *err)
{
	if (ret == -ENOENT)
		return lkcd_error_set(err, -ENOENT, "VMCOREINFO has no %s", key);
	if (ret < 0)
		return lkcd_error_set(err, -EINVAL, "VMCOREINFO's %s does not parse", key);
	return 0;
}

static int get_size(const struct lkcd_vmcoreinfo *vi, const char *name, uint64_t *v,
		    struct lkcd_error *err)
{
	char key[80];

	snprintf(key, sizeof(key), "SIZE(%s)", name);
	return need(lkcd_vmcoreinfo_size(vi, name, v), key, err);
}

/* OFFSET(type.member), with room for width bytes inside size. */
static int get_offset(const struct lkcd_vmcoreinfo *vi, const char *type, const char *member,
		      uint64_t width, uint64_t size, uint64_t *v, struct lkcd_error *err)
{
	char key[80];
	int ret;

	snprintf(key, sizeof(key), "OFFSET(%s.%s)", type, member);
	ret = need(lkcd_vmcoreinfo_offset(vi, type, member, v), key, err);
	if (ret)
		return ret;
	if (width > size || *v > size - width)
		return lkcd_error_set(err, -EINVAL,
				      "VMCOREINFO's %s=%" PRIu64 " is past the end of the %" PRIu64 "-byte structure",
				      key, *v, size);
	return 0;
}

/* NUMBER(name) in [min, max]. */
static int get_number(const struct lkcd_vmcoreinfo *vi, const char *name, int64_t min,
		      int64_t max, int64_t *v, struct lkcd_error *err)
{
	char key[80];
	int ret;

	snprintf(key, sizeof(key), "NUMBER(%s)", name);
	ret = need(lkcd_vmcoreinfo_number(vi, name, v), key, err);
	if (ret)
		return ret;
	if (*v < min || *v > max)
		return lkcd_error_set(err, -EINVAL,
				      "VMCOREINFO's %s=%" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")",
				      key, *v, min, max);
	return 0;
}

static int get_flag_bit(const struct lkcd_vmcoreinfo *vi, const char *name, uint64_t *bit,
			struct lkcd_error *err)
{
	int64_t n;
	int ret = get_number(vi, name, 0, 63, &n, err);

	if (!ret)
		*bit = 1ull << n;
	return ret;
}

/*
 * A *_MAPCOUNT_VALUE: the kernel prints the int it stores in page_type
 * with %ld, so it comes signed (6.1: ~PG_buddy = -129; 6.12: PGTY_buddy
 * << 24 = -268435456); either way it is the 32 bits of page._mapcount.
 */
static int get_mapcount_value(const struct lkcd_vmcoreinfo *vi, const char *name,
			      uint32_t *v, struct lkcd_error *err)
{
	int64_t n;
	int ret = get_number(vi, name, INT32_MIN, UINT32_MAX, &n, err);

	if (!ret)
		*v = (uint32_t)n;
	return ret;
}

/* Record that a rule is off because of what err names. */
static void add_limit(struct lkcd_page_classifier *pc, const char *what,
		      const struct lkcd_error *why)
{
	size_t used = strlen(pc->limits);

	snprintf(pc->limits + used, sizeof(pc->limits) - used, "%s%s (%s)",
		 used ? "; " : "", what, why->msg);
}

/*
 * An optional entry: true when it is there.  Absent: the rule `what` is
 * off and said so.  Present but nonsense: *fatal is set, err says why.
 */
static bool optional(struct lkcd_page_classifier *pc, int ret, const char *what,
		     const struct lkcd_error *e, int *fatal, struct lkcd_error *err)
{
	if (ret == -ENOENT) {
		if (what)
			add_limit(pc, what, e);
		return false;
	}
	if (ret < 0) {
		if (!*fatal)
			*fatal = lkcd_error_set(err, ret, "%s", e->msg);
		return false;
	}
	return true;
}

static int load_page_layout(struct lkcd_page_classifier *pc, const struct lkcd_vmcoreinfo *vi,
			    struct lkcd_error *err)
{
	struct lkcd_error e = { 0 };
	int64_t n;
	int ret, fatal = 0;

	ret = get_size(vi, "page", &pc->sz_page, err);
	if (ret)
		return ret;
	if (pc->sz_page < 32 || pc->sz_page > MAX_STRUCT_PAGE || pc->sz_page % 8)
		return lkcd_error_set(err, -EINVAL,
				      "VMCOREINFO's SIZE(page)=%" PRIu64 " is not a struct page size (32 to %u, a multiple of 8)",
				      pc->sz_page, MAX_STRUCT_PAGE);
	if ((ret = get_offset(vi, "page", "flags", 8, pc->sz_page, &pc->off_flags, err)) ||
	    (ret = get_offset(vi, "page", "mapping", 8, pc->sz_page, &pc->off_mapping, err)))
		return ret;

	/* page._mapcount holds every page type; without it none is seen */
	pc->have_mapcount = optional(pc, get_offset(vi, "page", "_mapcount", 4, pc->sz_page,
						    &pc->off_mapcount, &e),
				     "free, offline and typed pages kept as kernel", &e, &fatal, err);
	for (int t = 0; t < TY_NR; t++)
		pc->have_type[t] = pc->have_mapcount &&
				   optional(pc, get_mapcount_value(vi, type_keys[t], &pc->type_value[t], &e),
					    NULL, &e, &fatal, err);

	/* free: a buddy head and its order */
	if (pc->have_type[TY_BUDDY]) {
		pc->have_private = optional(pc, get_offset(vi, "page", "private", 8, pc->sz_page,
							   &pc->off_private, &e),
					    "free pages kept", &e, &fatal, err);
		ret = need(lkcd_vmcoreinfo_length(vi, "zone.free_area", &pc->max_order),
			   "LENGTH(zone.free_area)", &e);
		if (optional(pc, ret, "free pages kept", &e, &fatal, err) &&
		    (pc->max_order < 1 || pc->max_order > 20) && !fatal)
			fatal = lkcd_error_set(err, -EINVAL,
					       "VMCOREINFO's LENGTH(zone.free_area)=%" PRIu64 " is not a MAX_ORDER (1 to 20)",
					       pc->max_order);
		if (ret)
			pc->max_order = 0;
	} else if (pc->have_mapcount) {
		lkcd_error_set(&e, -ENOENT, "VMCOREINFO has no NUMBER(%s)", type_keys[TY_BUDDY]);
		add_limit(pc, "free pages kept", &e);
	}
	if (pc->have_mapcount && !pc->have_type[TY_OFFLINE]) {
		lkcd_error_set(&e, -ENOENT, "VMCOREINFO has no NUMBER(%s)", type_keys[TY_OFFLINE]);
		add_limit(pc, "logically offline pages read", &e);
	}

	/* compound pages: a tail takes its head's class */
	ret = get_offset(vi, "page", "compound_head", 8, pc->sz_page, &pc->off_compound, &e);
	if (ret == -ENOENT)	/* 7.1 renamed it */
		ret = get_offset(vi, "page", "compound_info", 8, pc->sz_page, &pc->off_compound, &e);
	if (ret == -ENOENT)
		lkcd_error_set(&e, -ENOENT,
			       "VMCOREINFO has neither OFFSET(page.compound_head) nor OFFSET(page.compound_info)");
	pc->have_compound = optional(pc, ret, "user and cache pages kept", &e, &fatal, err);

	/* slab: a flag before 6.10, a page type since */
	ret = get_flag_bit(vi, "PG_slab", &pc->pg_slab, &e);
	pc->have_pg_slab = ret == 0;
	if (ret == -ENOENT && !pc->have_type[TY_SLAB])
		lkcd_error_set(&e, -ENOENT,
			       "VMCOREINFO has neither NUMBER(PG_slab) nor NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)");
	else if (ret == -ENOENT)
		ret = 0;
	optional(pc, ret, "user and cache pages kept", &e, &fatal, err);

	/* page cache */
	ret = get_flag_bit(vi, "PG_lru", &pc->pg_lru, &e);
	if (!ret)
		ret = get_flag_bit(vi, "PG_swapcache", &pc->pg_swapcache, &e);
	if (!ret)
		ret = get_flag_bit(vi, "PG_private", &pc->pg_private, &e);
	pc->have_cache_flags = optional(pc, ret, "cache pages kept", &e, &fatal, err);

	/*
	 * The mapping word of a slab page or of a tail page is not a mapping:
	 * read as one it could make kernel memory look like user memory, so
	 * without both rules user and cache classes are off altogether.
	 */
	pc->classify_mapped = pc->have_compound && (pc->have_pg_slab || pc->have_type[TY_SLAB]);

	/* hugetlb: a page type since 6.9, before that the first tail's dtor */
	pc->have_hwpoison = optional(pc, get_flag_bit(vi, "PG_hwpoison", &pc->pg_hwpoison, &e),
				     NULL, &e, &fatal, err);
	pc->have_head_mask = lkcd_vmcoreinfo_number(vi, "PG_head_mask", &n) == 0 && n > 0;
	pc->head_mask = pc->have_head_mask ? (uint64_t)n : 0;
	pc->have_dtor = pc->have_head_mask &&
			!get_number(vi, "HUGETLB_PAGE_DTOR", 0, 255, &n, NULL) &&
			!get_offset(vi, "page", "compound_dtor", 1, pc->sz_page,
				    &pc->off_compound_dtor, NULL);
	pc->hugetlb_dtor = pc->have_dtor ? (uint8_t)n : 0;
	if (pc->classify_mapped && !pc->have_type[TY_HUGETLB] && !pc->have_dtor) {
		lkcd_error_set(&e, -ENOENT,
			       "VMCOREINFO has neither NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE) nor NUMBER(HUGETLB_PAGE_DTOR)");
		add_limit(pc, "hugetlb pages kept", &e);
	}
	return fatal;
}

static int load_sections(struct lkcd_page_classifier *pc, const struct lkcd_vmcoreinfo *vi,
			 struct lkcd_error *err)
{
	uint64_t page_size, nr_sections;
	int64_t bits, physmem_bits;
	int ret;

	ret = need(lkcd_vmcoreinfo_symbol(vi, "mem_section", &pc->sections),
		   "SYMBOL(mem_section)", err);
	if (ret)
		return ret;
	if (!pc->sections)
		return lkcd_error_set(err, -EINVAL, "VMCOREINFO's SYMBOL(mem_section) is NULL");
	ret = lkcd_vmcoreinfo_page_size(vi, &page_size);
	if (ret == -ENOENT)
		page_size = PG_BYTES;
	else if (ret)
		return need(ret, "PAGESIZE", err);
	if (page_size != PG_BYTES)
		return lkcd_error_set(err, -EINVAL, "PAGESIZE %" PRIu64 " is not supported (only %u)",
				      page_size, PG_BYTES);
	if ((ret = get_size(vi, "mem_section", &pc->sz_section, err)))
		return ret;
	if (pc->sz_section < 8 || pc->sz_section > MAX_MEM_SECTION)
		return lkcd_error_set(err, -EINVAL,
				      "VMCOREINFO's SIZE(mem_section)=%" PRIu64 " is out of range (8 to %u)",
				      pc->sz_section, MAX_MEM_SECTION);
	if ((ret = get_offset(vi, "mem_section", "section_mem_map", 8, pc->sz_section,
			      &pc->off_section_map, err)) ||
	    (ret = get_number(vi, "SECTION_SIZE_BITS", 15, 40, &bits, err)))
		return ret;
	pc->pfn_section_shift = (unsigned int)bits - 12;
	ret = need(lkcd_vmcoreinfo_length(vi, "mem_section", &pc->nr_roots),
		   "LENGTH(mem_section)", err);
	if (ret)
		return ret;
	if (!pc->nr_roots || pc->nr_roots > MAX_ROOTS)
		return lkcd_error_set(err, -EINVAL,
				      "VMCOREINFO's LENGTH(mem_section)=%" PRIu64 " is out of range (1 to %u)",
				      pc->nr_roots, MAX_ROOTS);
	/*
	 * SPARSEMEM_EXTREME (x86_64): LENGTH is NR_SECTION_ROOTS, each root a
	 * page of sections.  Static SPARSEMEM: LENGTH is NR_MEM_SECTIONS, one
	 * section per "root".  Told apart by MAX_PHYSMEM_BITS when given.
	 */
	pc->extreme = true;
	pc->per_root = page_size / pc->sz_section;
	if (lkcd_vmcoreinfo_number(vi, "MAX_PHYSMEM_BITS", &physmem_bits) == 0 &&
	    physmem_bits > bits && physmem_bits <= 64) {
		nr_sections = physmem_bits - bits >= 40 ? UINT64_MAX :
			      1ull << (physmem_bits - bits);
		if (pc->nr_roots == nr_sections) {
			pc->extreme = false;
			pc->per_root = 1;
		}
	}
	return 0;
}

/* ---- reading struct pages ---- */

static void note_unreadable(struct lkcd_page_classifier *pc, const char *msg)
{
	if (!pc->nr_unreadable++)
		snprintf(pc->first_reason, sizeof(pc->first_reason), "%s", msg);
}

/* The mem_map of pfn's section (cached): 0, or -errno with err set. */
static int section_mem_map(struct lkcd_page_classifier *pc, uint64_t pfn, uint64_t *mem_map,
			   struct lkcd_error *err)
{
	uint64_t nr = pfn >> pc->pfn_section_shift, root = nr / pc->per_root, base, map;
	int ret;

	if (pc->sec_state && pc->sec_nr == nr) {
		*mem_map = pc->mem_map;
		return pc->sec_state < 0 ? pc->sec_state : 0;
	}
	pc->sec_nr = nr;
	if (root >= pc->nr_roots) {
		ret = lkcd_error_set(err, -ERANGE,
				     "pfn 0x%" PRIx64 ": section %" PRIu64 " is past mem_section's %" PRIu64 " roots",
				     pfn, nr, pc->nr_roots);
		goto out;
	}
	if (pc->extreme) {
		ret = lkcd_kmem_read_u64(&pc->km, pc->sections + root * 8, &base, err);
		if (ret)
			goto out;
		if (!base) {
			ret = lkcd_error_set(err, -ENOENT, "pfn 0x%" PRIx64 ": mem_section root %" PRIu64 " is NULL",
					     pfn, root);
			goto out;
		}
	} else {
		base = pc->sections;
	}
	ret = lkcd_kmem_read_u64(&pc->km, base + (nr % pc->per_root) * pc->sz_section +
				 pc->off_section_map, &map, err);
	if (ret)
		goto out;
	if ((map & (SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP)) !=
	    (SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP)) {
		ret = lkcd_error_set(err, -ENOENT, "pfn 0x%" PRIx64 ": section %" PRIu64 " has no mem_map (0x%" PRIx64 ")",
				     pfn, nr, map);
		goto out;
	}
	pc->mem_map = map & SECTION_MAP_MASK;
	ret = 0;
out:
	pc->sec_state = ret ? ret : 1;
	*mem_map = pc->mem_map;
	return ret;
}

/* sz_page bytes of the struct page at vaddr, through a one-page cache. */
static int read_struct_page(struct lkcd_page_classifier *pc, uint64_t vaddr, uint8_t *out,
			    struct lkcd_error *err)
{
	uint64_t page = vaddr & ~(uint64_t)(PG_BYTES - 1), off = vaddr - page;
	int ret;

	if (off + pc->sz_page > PG_BYTES)	/* straddles: read it as it is */
		return lkcd_kmem_read(&pc->km, vaddr, out, pc->sz_page, err);
	if (!pc->vm_state || pc->vm_page != page) {
		pc->vm_page = page;
		ret = lkcd_kmem_read(&pc->km, page, pc->vm_buf, PG_BYTES, err);
		pc->vm_state = ret ? ret : 1;
		if (ret)
			return ret;
	} else if (pc->vm_state < 0) {
		return lkcd_error_set(err, pc->vm_state,
				      "struct page at 0x%" PRIx64 ": its vmemmap page was not readable",
				      vaddr);
	}
	memcpy(out, pc->vm_buf + off, pc->sz_page);
	return 0;
}

static uint64_t get64(const uint8_t *p, uint64_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return le64toh(v);
}

static uint32_t get32(const uint8_t *p, uint64_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return le32toh(v);
}

/*
 * Is page_type (the 32 bits of page._mapcount) of type t?  Two encodings,
 * told apart by the value VMCOREINFO gives, not by the kernel version:
 *  - up to 6.11, PAGE_TYPE_BASE 0xf0000000 with one bit cleared per type
 *    (~PG_buddy = 0xffffff7f): the page's value is exactly that;
 *  - since 6.12, the type in the top byte (PGTY_buddy << 24 = 0xf0000000),
 *    the low 24 bits free for the type's owner: the kernel compares
 *    page_type >> 24, and so do we.
 */
static bool type_matches(const struct lkcd_page_classifier *pc, uint32_t page_type,
			 enum page_type t)
{
	uint32_t v = pc->type_value[t];

	if (!pc->have_type[t])
		return false;
	if ((v & 0x00ffffffu) == 0 && v >= 0xf0000000u)
		return page_type >> 24 == v >> 24;
	return page_type == v;
}

static uint32_t page_type_of(const struct lkcd_page_classifier *pc, const uint8_t *page)
{
	return pc->have_mapcount ? get32(page, pc->off_mapcount) : UINT32_MAX;
}

/*
 * The struct page address of a tail page's head, from its compound word
 * (bit 0 set).  Two encodings, told apart by the word itself:
 *  - head | 1, the head's address (up to 7.0; 7.x without
 *    HUGETLB_PAGE_OPTIMIZE_VMEMMAP or with a struct page whose size is not
 *    a power of two);
 *  - mask | 1, GENMASK(63, order + log2(sizeof(struct page))), applied to
 *    the tail's own address (7.x with Debian's config): a word whose bits
 *    are ones down to some bit and zeros below it is such a mask, never
 *    the address of a struct page.
 * Either way the head must lie before the tail, within a folio's reach,
 * on a struct page boundary; 0 when it does not.
 */
static uint64_t compound_head_of(const struct lkcd_page_classifier *pc, uint64_t vaddr,
				 uint64_t word)
{
	uint64_t m = word & ~1ull, low = ~m, head;

	if (m && (low & (low + 1)) == 0)
		head = vaddr & m;
	else
		head = m;
	if (head >= vaddr || (vaddr - head) % pc->sz_page ||
	    (vaddr - head) / pc->sz_page >= 1ull << MAX_FOLIO_ORDER)
		return 0;
	return head;
}

/* The class of the compound head (or the page itself) by what it maps. */
static enum lkcd_page_class classify_head(struct lkcd_page_classifier *pc, uint64_t vaddr,
					  const uint8_t *page, struct lkcd_error *err)
{
	uint8_t head[MAX_STRUCT_PAGE], tail[MAX_STRUCT_PAGE];
	uint64_t word, flags, mapping;
	const uint8_t *h = page;

	if (pc->have_compound && ((word = get64(page, pc->off_compound)) & 1)) {
		uint64_t hv = compound_head_of(pc, vaddr, word);

		if (!hv) {
			lkcd_error_set(err, -EINVAL,
				       "struct page at 0x%" PRIx64 ": compound word 0x%" PRIx64 " names no head",
				       vaddr, word);
			return LKCD_PAGE_UNKNOWN;
		}
		if (read_struct_page(pc, hv, head, err))
			return LKCD_PAGE_UNKNOWN;
		h = head;
		vaddr = hv;
	}
	flags = get64(h, pc->off_flags);
	if ((pc->have_pg_slab && (flags & pc->pg_slab)) ||
	    type_matches(pc, page_type_of(pc, h), TY_SLAB))
		return LKCD_PAGE_KERNEL;
	if (!pc->classify_mapped)
		return LKCD_PAGE_KERNEL;
	if (type_matches(pc, page_type_of(pc, h), TY_HUGETLB))
		return LKCD_PAGE_USER;
	if (pc->have_dtor && (flags & pc->head_mask) &&
	    !read_struct_page(pc, vaddr + pc->sz_page, tail, NULL) &&
	    tail[pc->off_compound_dtor] == pc->hugetlb_dtor)
		return LKCD_PAGE_USER;
	mapping = get64(h, pc->off_mapping);
	if (mapping & PAGE_MAPPING_ANON)	/* anon, or KSM (ANON | MOVABLE) */
		return LKCD_PAGE_USER;
	if (pc->have_cache_flags && mapping && !(mapping & PAGE_MAPPING_FLAGS) &&
	    (flags & (pc->pg_lru | pc->pg_swapcache)))
		return flags & pc->pg_private ? LKCD_PAGE_CACHE_PRIVATE : LKCD_PAGE_CACHE;
	return LKCD_PAGE_KERNEL;	/* incl. non-LRU movable (zsmalloc, balloon) */
}

/* A free block of 1 << order pages at pfn: FREE, or KERNEL when torn. */
static enum lkcd_page_class free_block(struct lkcd_page_classifier *pc, uint64_t pfn,
				       uint64_t order)
{
	if (!pc->max_order || order >= pc->max_order || (pfn & ((1ull << order) - 1)))
		return LKCD_PAGE_KERNEL;	/* torn: keep it */
	pc->free_start = pfn;
	pc->free_end = pfn + (1ull << order);
	return LKCD_PAGE_FREE;
}

enum lkcd_page_class lkcd_page_classify(struct lkcd_page_classifier *pc, uint64_t pfn)
{
	struct lkcd_error err = { 0 };
	uint8_t page[MAX_STRUCT_PAGE];
	uint64_t mem_map, vaddr, flags;
	uint32_t type;
	enum lkcd_page_class cls;

	if (pfn >= pc->free_start && pfn < pc->free_end)
		return LKCD_PAGE_FREE;
	if (section_mem_map(pc, pfn, &mem_map, &err) ||
	    read_struct_page(pc, vaddr = mem_map + pfn * pc->sz_page, page, &err)) {
		note_unreadable(pc, err.msg);
		return LKCD_PAGE_UNKNOWN;
	}
	flags = get64(page, pc->off_flags);
	type = page_type_of(pc, page);
	if (pc->have_hwpoison && (flags & pc->pg_hwpoison))
		return LKCD_PAGE_HWPOISON;
	if (type_matches(pc, type, TY_OFFLINE))
		return LKCD_PAGE_OFFLINE;
	if (type_matches(pc, type, TY_BUDDY))
		return pc->have_private ? free_block(pc, pfn, get64(page, pc->off_private))
					: LKCD_PAGE_KERNEL;
	/* unaccepted memory: listed in MAX_PAGE_ORDER blocks, never touched */
	if (type_matches(pc, type, TY_UNACCEPTED))
		return pc->max_order ? free_block(pc, pfn, pc->max_order - 1) : LKCD_PAGE_KERNEL;
	cls = classify_head(pc, vaddr, page, &err);
	if (cls == LKCD_PAGE_UNKNOWN)
		note_unreadable(pc, err.msg);
	return cls;
}

const char *lkcd_page_classifier_limits(const struct lkcd_page_classifier *pc)
{
	return pc->limits[0] ? pc->limits : NULL;
}

uint64_t lkcd_page_classifier_unreadable(const struct lkcd_page_classifier *pc,
					 const char **first_reason)
{
	if (first_reason)
		*first_reason = pc->nr_unreadable ? pc->first_reason : NULL;
	return pc->nr_unreadable;
}

int lkcd_page_classifier_open(const struct lkcd_vmcoreinfo *vi,
			      lkcd_read_phys_fn read_phys, void *ctx,
			      struct lkcd_page_classifier **out,
			      struct lkcd_error *err)
{
	struct lkcd_page_classifier *pc = calloc(1, sizeof(*pc));
	struct lkcd_error e = { 0 };
	uint64_t first;
	int ret;

	*out = NULL;
	if (!pc)
		return lkcd_error_set(err, -ENOMEM, "page classifier: out of memory");
	lkcd_kmem_init(&pc->km, vi, read_phys, ctx);
	ret = load_page_layout(pc, vi, err);
	if (!ret)
		ret = load_sections(pc, vi, err);
	/* the section table itself must be there, or nothing can be classified */
	if (!ret && (ret = lkcd_kmem_read_u64(&pc->km, pc->sections, &first, &e)))
		lkcd_error_set(err, ret, "mem_section at 0x%" PRIx64 " cannot be read: %s",
			       pc->sections, e.msg);
	if (ret) {
		free(pc);
		return ret;
	}
	*out = pc;
	return 0;
}

void lkcd_page_classifier_close(struct lkcd_page_classifier *pc)
{
	free(pc);
}
