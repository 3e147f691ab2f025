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

struct lkcd_page_classifier {
	struct lkcd_kmem km;

	/* mem_section */
	uint64_t sections;		/* SYMBOL(mem_section) */
	bool extreme;			/* an array of root pointers */
	uint64_t nr_roots, per_root;
	uint64_t sz_section, off_section_map;
	unsigned int pfn_section_shift;	/* SECTION_SIZE_BITS - PAGE_SHIFT */

	/* struct page */
	uint64_t sz_page, off_flags, off_refcount, off_mapping, off_mapcount;
	uint64_t off_private, off_compound_head, off_compound_dtor;
	bool have_dtor;
	uint64_t pg_lru, pg_private, pg_swapcache, pg_slab, pg_hwpoison, head_mask;
	bool have_hwpoison, have_head_mask, have_offline;
	uint32_t buddy_value, offline_value;
	uint8_t hugetlb_dtor;
	uint64_t max_order;

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

/* A *_MAPCOUNT_VALUE: ~PG_type as a 32-bit int, printed signed. */
static int get_mapcount_value(const struct lkcd_vmcoreinfo *vi, const char *name,
			      uint32_t *v, struct lkcd_error *err)
{
	int64_t n;
	int ret = get_number(vi, name, INT32_MIN, UINT32_MAX, &n, err);

	if (!ret)
		*v = (uint32_t)n;
	return ret;
}

static int load_page_layout(struct lkcd_page_classifier *pc, const struct lkcd_vmcoreinfo *vi,
			    struct lkcd_error *err)
{
	int64_t n;
	int ret;

	ret = get_size(vi, "page", &pc->sz_page, err);
	if (ret)
		return ret;
	if (pc->sz_page < 32 || pc->sz_page > MAX_STRUCT_PAGE || pc->sz_page % 8)
		return lkcd_error_set(err, -EINVAL,
				      "VMCOREINFO's SIZE(page)=%" PRIu64 " is not a struct page size (32 to %u, a multiple of 8)",
				      pc->sz_page, MAX_STRUCT_PAGE);
	if ((ret = get_offset(vi, "page", "flags", 8, pc->sz_page, &pc->off_flags, err)) ||
	    (ret = get_offset(vi, "page", "_refcount", 4, pc->sz_page, &pc->off_refcount, err)) ||
	    (ret = get_offset(vi, "page", "mapping", 8, pc->sz_page, &pc->off_mapping, err)) ||
	    (ret = get_offset(vi, "page", "_mapcount", 4, pc->sz_page, &pc->off_mapcount, err)) ||
	    (ret = get_offset(vi, "page", "private", 8, pc->sz_page, &pc->off_private, err)) ||
	    (ret = get_offset(vi, "page", "compound_head", 8, pc->sz_page,
			      &pc->off_compound_head, err)))
		return ret;
	if ((ret = get_flag_bit(vi, "PG_lru", &pc->pg_lru, err)) ||
	    (ret = get_flag_bit(vi, "PG_private", &pc->pg_private, err)) ||
	    (ret = get_flag_bit(vi, "PG_swapcache", &pc->pg_swapcache, err)) ||
	    (ret = get_flag_bit(vi, "PG_slab", &pc->pg_slab, err)) ||
	    (ret = get_mapcount_value(vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &pc->buddy_value, err)))
		return ret;
	ret = need(lkcd_vmcoreinfo_length(vi, "zone.free_area", &pc->max_order),
		   "LENGTH(zone.free_area)", err);
	if (ret)
		return ret;
	if (pc->max_order < 1 || pc->max_order > 20)
		return lkcd_error_set(err, -EINVAL,
				      "VMCOREINFO's LENGTH(zone.free_area)=%" PRIu64 " is not a MAX_ORDER (1 to 20)",
				      pc->max_order);
	/* optional: without them those pages are simply not recognised */
	pc->have_hwpoison = !get_flag_bit(vi, "PG_hwpoison", &pc->pg_hwpoison, NULL);
	pc->have_head_mask = lkcd_vmcoreinfo_number(vi, "PG_head_mask", &n) == 0 && n > 0;
	pc->head_mask = pc->have_head_mask ? (uint64_t)n : 0;
	pc->have_offline = !get_mapcount_value(vi, "PAGE_OFFLINE_MAPCOUNT_VALUE",
					       &pc->offline_value, NULL);
	pc->have_dtor = pc->have_head_mask &&
			!get_number(vi, "HUGETLB_PAGE_DTOR", 0, 255, &n, NULL) &&
			!get_offset(vi, "page", "compound_dtor", 1, pc->sz_page,
				    &pc->off_compound_dtor, NULL);
	pc->hugetlb_dtor = pc->have_dtor ? (uint8_t)n : 0;
	return 0;
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

/* The compound head's class once the page itself is not special. */
static enum lkcd_page_class classify_mapped(struct lkcd_page_classifier *pc, uint64_t vaddr,
					    const uint8_t *page, struct lkcd_error *err)
{
	uint8_t head[MAX_STRUCT_PAGE], tail[MAX_STRUCT_PAGE];
	uint64_t ch = get64(page, pc->off_compound_head), flags, mapping;
	const uint8_t *h = page;

	if (ch & 1) {
		if (read_struct_page(pc, ch - 1, head, err))
			return LKCD_PAGE_UNKNOWN;
		h = head;
		vaddr = ch - 1;
	}
	flags = get64(h, pc->off_flags);
	mapping = get64(h, pc->off_mapping);
	if (pc->have_dtor && (flags & pc->head_mask) &&
	    !read_struct_page(pc, vaddr + pc->sz_page, tail, NULL) &&
	    tail[pc->off_compound_dtor] == pc->hugetlb_dtor)
		return LKCD_PAGE_USER;
	if (mapping & PAGE_MAPPING_ANON)	/* anon, or KSM (ANON | MOVABLE) */
		return LKCD_PAGE_USER;
	if (mapping && !(mapping & PAGE_MAPPING_FLAGS) &&
	    (flags & (pc->pg_lru | pc->pg_swapcache)))
		return flags & pc->pg_private ? LKCD_PAGE_CACHE_PRIVATE : LKCD_PAGE_CACHE;
	return LKCD_PAGE_KERNEL;	/* incl. non-LRU movable (zsmalloc, balloon) */
}

enum lkcd_page_class lkcd_page_classify(struct lkcd_page_classifier *pc, uint64_t pfn)
{
	struct lkcd_error err = { 0 };
	uint8_t page[MAX_STRUCT_PAGE];
	uint64_t mem_map, vaddr, flags, order;
	uint32_t mapcount;
	enum lkcd_page_class cls;

	if (pfn >= pc->free_start && pfn < pc->free_end)
		return LKCD_PAGE_FREE;
	if (section_mem_map(pc, pfn, &mem_map, &err) ||
	    read_struct_page(pc, vaddr = mem_map + pfn * pc->sz_page, page, &err)) {
		note_unreadable(pc, err.msg);
		return LKCD_PAGE_UNKNOWN;
	}
	flags = get64(page, pc->off_flags);
	mapcount = get32(page, pc->off_mapcount);
	if (pc->have_hwpoison && (flags & pc->pg_hwpoison))
		return LKCD_PAGE_HWPOISON;
	if (pc->have_offline && mapcount == pc->offline_value)
		return LKCD_PAGE_OFFLINE;
	if (mapcount == pc->buddy_value) {
		order = get64(page, pc->off_private);
		if (order >= pc->max_order || (pfn & ((1ull << order) - 1)))
			return LKCD_PAGE_KERNEL;	/* torn: keep it */
		pc->free_start = pfn;
		pc->free_end = pfn + (1ull << order);
		return LKCD_PAGE_FREE;
	}
	if (flags & pc->pg_slab)
		return LKCD_PAGE_KERNEL;
	cls = classify_mapped(pc, vaddr, page, &err);
	if (cls == LKCD_PAGE_UNKNOWN)
		note_unreadable(pc, err.msg);
	return cls;
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
