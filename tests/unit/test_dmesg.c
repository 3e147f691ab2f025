// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dmesg: the printk lockless ring buffer decoded from simulated physical
 * memory.  The fixture lays out its own structures (offsets deliberately
 * unlike the kernel's, so only VMCOREINFO can tell the decoder where things
 * are), writes a VMCOREINFO text that describes them, builds x86_64 page
 * tables for a randomised direct map, and fills the rings the way
 * printk_ringbuffer.c does: ids and lpos starting one lap below zero so both
 * overflow, tail eviction, blocks that wrap to the start of the data ring.
 *
 * A real-kernel check runs when LKCD_DMESG_ELF names a QEMU dump-guest-memory
 * core and LKCD_DMESG_EXPECT the `makedumpfile --dump-dmesg` output for it
 * (tests/unit/dmesg_real_compare.sh makes both); without them it is skipped.
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
#include "vmcoreinfo.h"
#include "dmesg.h"

/* ---- simulated machine ---- */

#define MEM_SIZE	(8u << 20)
#define HOLE_START	0x700000u	/* not in the source: unreadable */
#define HOLE_END	0x780000u

#define KIMG_VADDR	UINT64_C(0xffffffff81000000)	/* _stext */
#define KIMG_PADDR	UINT64_C(0x100000)
#define START_MAP	UINT64_C(0xffffffff80000000)
/* phys_base = KIMG_PADDR - (KIMG_VADDR - START_MAP): negative, as on the real guest */
#define PHYS_BASE	(KIMG_PADDR - (KIMG_VADDR - START_MAP))

#define DMAP		UINT64_C(0xffff9a4b40000000)	/* a RANDOMIZE_MEMORY page_offset_base */
#define GIB		(UINT64_C(1) << 30)

/* Kernel image addresses of the fixture's symbols. */
#define V_PRB_PTR	(KIMG_VADDR + 0x10000)	/* struct printk_ringbuffer *prb */
#define V_RB_STATIC	(KIMG_VADDR + 0x10100)	/* printk_rb_static */
#define V_PGT		(KIMG_VADDR + 0x20000)	/* init_top_pgt, phys 0x120000 */
#define V_S_DESCS	(KIMG_VADDR + 0x30000)
#define V_S_INFOS	(KIMG_VADDR + 0x40000)
#define V_S_DATA	(KIMG_VADDR + 0x50000)

/* Page-table pages (physical). */
#define P_P4D		UINT64_C(0x403000)
#define P_PUD		UINT64_C(0x400000)
#define P_PMD		UINT64_C(0x401000)
#define P_PTE		UINT64_C(0x402000)
#define SME_BIT		(UINT64_C(1) << 47)
#define NX_BIT		(UINT64_C(1) << 63)

/* The fixture's structure layout: not the kernel's. */
#define SZ_PRB		120
#define O_PRB_DESC_RING	8
#define O_PRB_TEXT_RING	64
#define SZ_DESC_RING	48
#define O_DR_COUNT_BITS	4
#define O_DR_DESCS	16
#define O_DR_INFOS	8
#define O_DR_HEAD	32
#define O_DR_TAIL	24
#define SZ_DATA_RING	40
#define O_TR_SIZE_BITS	0
#define O_TR_DATA	8
#define O_TR_HEAD	24
#define O_TR_TAIL	16
#define SZ_DESC		32
#define O_D_STATE	8
#define O_D_LPOS	16
#define SZ_LPOS		16
#define O_L_BEGIN	8
#define O_L_NEXT	0
#define SZ_INFO		96
#define O_I_SEQ		8
#define O_I_TS		0
#define O_I_TEXT_LEN	16	/* facility at +2, flags:5/level:3 at +3 */
#define O_I_CALLER	20
#define O_I_DEV_INFO	24
#define SZ_DEV_INFO	64
#define O_DEV_SUBSYS	0
#define LEN_SUBSYS	16
#define O_DEV_DEVICE	16
#define LEN_DEVICE	48
#define O_COUNTER	0

#define ID_MASK		((1ull << 62) - 1)
#define SV(id, st)	(((uint64_t)(st) << 62) | (id))
enum { ST_RESERVED, ST_COMMITTED, ST_FINALIZED, ST_REUSABLE };

static unsigned char *mem;
static struct lkcd_source *src;
static bool pt_l5;

static uint64_t pte_bits(uint64_t paddr)
{
	return paddr | SME_BIT | NX_BIT | 0x63;
}

/* The fixture's own translation, from the mapping it built (no walk). */
static uint64_t fx_pa(uint64_t v)
{
	if (v >= START_MAP)
		return v - START_MAP + PHYS_BASE;
	if (v >= DMAP && v < DMAP + (2u << 20))
		return v - DMAP;				/* 2 MiB page */
	if (v >= DMAP + (2u << 20) && v < DMAP + (4u << 20)) {
		uint64_t i = (v - DMAP - (2u << 20)) >> 12;	/* 4 KiB pages, shuffled */

		return 0x200000 + ((i * 37) % 512) * 4096 + (v & 4095);
	}
	if (v >= DMAP + GIB && v < DMAP + GIB + MEM_SIZE)
		return v - DMAP - GIB;				/* 1 GiB page */
	CU_FAIL("fixture address outside its mappings");
	return 0;
}

static void kw(uint64_t v, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		size_t chunk = 4096 - (v & 4095);
		uint64_t pa;

		if (chunk > len)
			chunk = len;
		pa = fx_pa(v);
		CU_ASSERT_FATAL(pa < MEM_SIZE && chunk <= MEM_SIZE - pa);
		memcpy(mem + pa, p, chunk);
		v += chunk;
		p += chunk;
		len -= chunk;
	}
}

static void kw64(uint64_t v, uint64_t x) { kw(v, &x, 8); }
static void kw32(uint64_t v, uint32_t x) { kw(v, &x, 4); }
static void kw16(uint64_t v, uint16_t x) { kw(v, &x, 2); }
static void pw64(uint64_t pa, uint64_t x) { memcpy(mem + pa, &x, 8); }

static void build_page_tables(bool l5)
{
	uint64_t pgd = fx_pa(V_PGT), top = pgd;

	memset(mem + pgd, 0, 4096);
	memset(mem + P_PUD, 0, 4 * 4096);
	pt_l5 = l5;
	if (l5) {
		pw64(pgd + ((DMAP >> 48) & 511) * 8, pte_bits(P_P4D));
		top = P_P4D;
	}
	pw64(top + ((DMAP >> 39) & 511) * 8, pte_bits(P_PUD));
	pw64(P_PUD + ((DMAP >> 30) & 511) * 8, pte_bits(P_PMD));
	pw64(P_PUD + (((DMAP + GIB) >> 30) & 511) * 8, pte_bits(0) | 0x80);	/* 1 GiB */
	pw64(P_PMD + 0 * 8, pte_bits(0) | 0x80);				/* 2 MiB */
	pw64(P_PMD + 1 * 8, pte_bits(P_PTE));
	/* PMD[2] left not present. */
	for (uint64_t i = 0; i < 512; i++)
		pw64(P_PTE + i * 8, pte_bits(0x200000 + ((i * 37) % 512) * 4096));
	pw64(P_PTE + 511 * 8, 0);	/* one 4 KiB page not present */
}

static char vmcoreinfo_text[4096];

static void make_vmcoreinfo(const char *extra)
{
	snprintf(vmcoreinfo_text, sizeof(vmcoreinfo_text),
		 "OSRELEASE=6.1.0-fixture\n"
		 "PAGESIZE=4096\n"
		 "SYMBOL(_stext)=%" PRIx64 "\n"
		 "SYMBOL(prb)=%" PRIx64 "\n"
		 "SYMBOL(printk_rb_static)=%" PRIx64 "\n"
		 "SIZE(printk_ringbuffer)=%d\n"
		 "OFFSET(printk_ringbuffer.desc_ring)=%d\n"
		 "OFFSET(printk_ringbuffer.text_data_ring)=%d\n"
		 "OFFSET(printk_ringbuffer.fail)=112\n"
		 "SIZE(prb_desc_ring)=%d\n"
		 "OFFSET(prb_desc_ring.count_bits)=%d\n"
		 "OFFSET(prb_desc_ring.descs)=%d\n"
		 "OFFSET(prb_desc_ring.infos)=%d\n"
		 "OFFSET(prb_desc_ring.head_id)=%d\n"
		 "OFFSET(prb_desc_ring.tail_id)=%d\n"
		 "SIZE(prb_desc)=%d\n"
		 "OFFSET(prb_desc.state_var)=%d\n"
		 "OFFSET(prb_desc.text_blk_lpos)=%d\n"
		 "SIZE(prb_data_blk_lpos)=%d\n"
		 "OFFSET(prb_data_blk_lpos.begin)=%d\n"
		 "OFFSET(prb_data_blk_lpos.next)=%d\n"
		 "SIZE(printk_info)=%d\n"
		 "OFFSET(printk_info.seq)=%d\n"
		 "OFFSET(printk_info.ts_nsec)=%d\n"
		 "OFFSET(printk_info.text_len)=%d\n"
		 "OFFSET(printk_info.caller_id)=%d\n"
		 "OFFSET(printk_info.dev_info)=%d\n"
		 "SIZE(dev_printk_info)=%d\n"
		 "OFFSET(dev_printk_info.subsystem)=%d\n"
		 "LENGTH(printk_info_subsystem)=%d\n"
		 "OFFSET(dev_printk_info.device)=%d\n"
		 "LENGTH(printk_info_device)=%d\n"
		 "SIZE(prb_data_ring)=%d\n"
		 "OFFSET(prb_data_ring.size_bits)=%d\n"
		 "OFFSET(prb_data_ring.data)=%d\n"
		 "OFFSET(prb_data_ring.head_lpos)=%d\n"
		 "OFFSET(prb_data_ring.tail_lpos)=%d\n"
		 "SIZE(atomic_long_t)=8\n"
		 "OFFSET(atomic_long_t.counter)=%d\n"
		 "NUMBER(phys_base)=%" PRId64 "\n"
		 "SYMBOL(init_top_pgt)=%" PRIx64 "\n"
		 "NUMBER(pgtable_l5_enabled)=%d\n"
		 "KERNELOFFSET=0\n"
		 "NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
		 "NUMBER(sme_mask)=%" PRId64 "\n"
		 "%s",
		 KIMG_VADDR, V_PRB_PTR, V_RB_STATIC,
		 SZ_PRB, O_PRB_DESC_RING, O_PRB_TEXT_RING,
		 SZ_DESC_RING, O_DR_COUNT_BITS, O_DR_DESCS, O_DR_INFOS, O_DR_HEAD, O_DR_TAIL,
		 SZ_DESC, O_D_STATE, O_D_LPOS, SZ_LPOS, O_L_BEGIN, O_L_NEXT,
		 SZ_INFO, O_I_SEQ, O_I_TS, O_I_TEXT_LEN, O_I_CALLER, O_I_DEV_INFO,
		 SZ_DEV_INFO, O_DEV_SUBSYS, LEN_SUBSYS, O_DEV_DEVICE, LEN_DEVICE,
		 SZ_DATA_RING, O_TR_SIZE_BITS, O_TR_DATA, O_TR_HEAD, O_TR_TAIL,
		 O_COUNTER, (int64_t)PHYS_BASE, V_PGT, pt_l5 ? 1 : 0,
		 (int64_t)SME_BIT, extra ? extra : "");
}

static struct lkcd_vmcoreinfo *vmcoreinfo(void)
{
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_error err = { 0 };

	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(vmcoreinfo_text, strlen(vmcoreinfo_text),
						    &vi, &err), 0);
	return vi;
}

/* ---- the fixture's printk ring, written as printk_ringbuffer.c would ---- */

#define MAX_REC		4096

struct fx_rec {
	uint64_t id, seq, ts, begin, next;
	char text[300];
	size_t len;
	bool live, wrapped;
};

struct fx_ring {
	uint64_t prb;			/* struct printk_ringbuffer */
	unsigned count_bits, size_bits;
	uint64_t count, size;
	uint64_t descs, infos, data;
	uint64_t head_id, tail_id, head_lpos, tail_lpos, next_seq;
	size_t nr, first_live;
	struct fx_rec rec[MAX_REC];
	unsigned wrapped_blocks, evicted;
	unsigned ends_at_end;		/* blocks left in place up to the ring's last byte */
	bool id_overflowed, lpos_overflowed;
	/*
	 * The writer's rule for a block that ends exactly at the ring's end:
	 * false, wrap it to the start (up to 7.1); true, leave it in place
	 * (7.2, "printk_ringbuffer: don't needlessly wrap data blocks around").
	 */
	bool no_needless_wrap;
};

static struct fx_ring *ring;

static uint64_t desc_va(const struct fx_ring *r, uint64_t id)
{
	return r->descs + (id & (r->count - 1)) * SZ_DESC;
}

static uint64_t info_va(const struct fx_ring *r, uint64_t id)
{
	return r->infos + (id & (r->count - 1)) * SZ_INFO;
}

static void fx_sync(struct fx_ring *r)
{
	uint64_t dr = r->prb + O_PRB_DESC_RING, tr = r->prb + O_PRB_TEXT_RING;

	kw32(dr + O_DR_COUNT_BITS, r->count_bits);
	kw64(dr + O_DR_DESCS, r->descs);
	kw64(dr + O_DR_INFOS, r->infos);
	kw64(dr + O_DR_HEAD + O_COUNTER, r->head_id);
	kw64(dr + O_DR_TAIL + O_COUNTER, r->tail_id);
	kw32(tr + O_TR_SIZE_BITS, r->size_bits);
	kw64(tr + O_TR_DATA, r->data);
	kw64(tr + O_TR_HEAD + O_COUNTER, r->head_lpos);
	kw64(tr + O_TR_TAIL + O_COUNTER, r->tail_lpos);
}

/* prb_init(): one reusable DESC0 at the last slot, lpos one lap below 0. */
static struct fx_ring *fx_init(uint64_t prb, unsigned count_bits, unsigned size_bits,
			       uint64_t descs, uint64_t infos, uint64_t data)
{
	struct fx_ring *r = calloc(1, sizeof(*r));
	unsigned char zero[4096] = { 0 };
	uint64_t id0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->prb = prb;
	r->count_bits = count_bits;
	r->size_bits = size_bits;
	r->count = 1ull << count_bits;
	r->size = 1ull << size_bits;
	r->descs = descs;
	r->infos = infos;
	r->data = data;
	for (uint64_t off = 0; off < r->count * SZ_DESC; off += sizeof(zero))
		kw(descs + off, zero, r->count * SZ_DESC - off < sizeof(zero) ? r->count * SZ_DESC - off : sizeof(zero));
	for (uint64_t off = 0; off < r->count * SZ_INFO; off += sizeof(zero))
		kw(infos + off, zero, r->count * SZ_INFO - off < sizeof(zero) ? r->count * SZ_INFO - off : sizeof(zero));
	id0 = (0 - (r->count + 1)) & ID_MASK;
	r->head_id = r->tail_id = id0;
	kw64(desc_va(r, id0) + O_D_STATE + O_COUNTER, SV(id0, ST_REUSABLE));
	kw64(desc_va(r, id0) + O_D_LPOS + O_L_BEGIN, 1);	/* FAILED_LPOS */
	kw64(desc_va(r, id0) + O_D_LPOS + O_L_NEXT, 1);
	r->head_lpos = r->tail_lpos = 0 - r->size;
	kw64(V_PRB_PTR, prb);
	fx_sync(r);
	return r;
}

static struct fx_rec *fx_find(struct fx_ring *r, uint64_t id)
{
	for (size_t i = r->first_live; i < r->nr; i++)
		if (r->rec[i].id == id && r->rec[i].live)
			return &r->rec[i];
	return NULL;
}

/* Make the oldest record reusable and move both tails past it. */
static void fx_evict(struct fx_ring *r)
{
	uint64_t id = (r->tail_id + 1) & ID_MASK;
	struct fx_rec *old = fx_find(r, id);

	if (r->tail_id == r->head_id)
		return;
	kw64(desc_va(r, id) + O_D_STATE + O_COUNTER, SV(id, ST_REUSABLE));
	if (old) {
		old->live = false;
		if (!(old->begin & 1))
			r->tail_lpos = old->next;
		r->first_live = (size_t)(old - r->rec) + 1;
	}
	r->tail_id = id;
	r->evicted++;
}

static uint64_t fx_push_full(struct fx_ring *r, const char *text, size_t len,
			     uint64_t ts, unsigned level, uint32_t caller,
			     const char *subsys, const char *device)
{
	uint64_t id = (r->head_id + 1) & ID_MASK, begin, next, size, start;
	struct fx_rec *rec;
	unsigned char info[SZ_INFO] = { 0 };

	CU_ASSERT_FATAL(r->nr < MAX_REC);
	/* Descriptor ring full: the slot of id - count must be freed first. */
	while (((id - r->tail_id) & ID_MASK) >= r->count)
		fx_evict(r);
	if (len) {
		bool wraps;

		size = (len + 8 + 7) & ~7ull;
		begin = r->head_lpos;
		next = begin + size;
		/* get_next_lpos(): the kernel's is_blk_wrapped() looks at next - 1 since 7.2 */
		wraps = (begin >> r->size_bits) != ((next - r->no_needless_wrap) >> r->size_bits);
		if (wraps)
			next = (next & ~(r->size - 1)) + size;
		else if (!(next & (r->size - 1)))
			r->ends_at_end++;
		while (next - r->tail_lpos > r->size && r->tail_id != r->head_id)
			fx_evict(r);
		if (next - r->tail_lpos > r->size)
			r->tail_lpos = next - r->size;
		start = wraps ? 0 : begin & (r->size - 1);
		kw64(r->data + (begin & (r->size - 1)), id);	/* id at begin ... */
		kw64(r->data + start, id);			/* ... and before the data */
		kw(r->data + start + 8, text, len);
		if (next < r->head_lpos)
			r->lpos_overflowed = true;
		r->head_lpos = next;
	} else {
		begin = next = 3;				/* NO_LPOS: empty text */
	}
	if (id < r->head_id)
		r->id_overflowed = true;
	kw64(desc_va(r, id) + O_D_STATE + O_COUNTER, SV(id, ST_FINALIZED));
	kw64(desc_va(r, id) + O_D_LPOS + O_L_BEGIN, begin);
	kw64(desc_va(r, id) + O_D_LPOS + O_L_NEXT, next);
	memcpy(info + O_I_SEQ, &r->next_seq, 8);
	memcpy(info + O_I_TS, &ts, 8);
	info[O_I_TEXT_LEN] = (unsigned char)len;
	info[O_I_TEXT_LEN + 1] = (unsigned char)(len >> 8);
	info[O_I_TEXT_LEN + 2] = 0;				/* facility kern */
	info[O_I_TEXT_LEN + 3] = (unsigned char)(level << 5);
	memcpy(info + O_I_CALLER, &caller, 4);
	if (subsys)
		strncpy((char *)info + O_I_DEV_INFO + O_DEV_SUBSYS, subsys, LEN_SUBSYS);
	if (device)
		strncpy((char *)info + O_I_DEV_INFO + O_DEV_DEVICE, device, LEN_DEVICE);
	kw(info_va(r, id), info, SZ_INFO);

	rec = &r->rec[r->nr++];
	rec->id = id;
	rec->seq = r->next_seq++;
	rec->ts = ts;
	rec->begin = begin;
	rec->next = next;
	CU_ASSERT_FATAL(len < sizeof(rec->text));
	memcpy(rec->text, text, len);
	rec->len = len;
	rec->live = true;
	rec->wrapped = len && (begin & 1) == 0 && (begin & (r->size - 1)) &&
		       (begin >> r->size_bits) != ((next - 1) >> r->size_bits);
	r->wrapped_blocks += rec->wrapped;
	r->head_id = id;
	fx_sync(r);
	return id;
}

static uint64_t fx_push(struct fx_ring *r, const char *text, uint64_t ts)
{
	return fx_push_full(r, text, strlen(text), ts, 6, 1, NULL, NULL);
}

/* What the decoder must print for the live records (printable text only). */
static char *fx_expected(const struct fx_ring *r)
{
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	out[0] = '\0';
	for (size_t i = 0; i < r->nr; i++) {
		const struct fx_rec *rec = &r->rec[i];

		if (!rec->live)
			continue;
		len += (size_t)snprintf(out + len, cap - len, "[%5" PRIu64 ".%06" PRIu64 "] %.*s\n",
					rec->ts / 1000000000, rec->ts % 1000000000 / 1000,
					(int)rec->len, rec->text);
	}
	return out;
}

/* ---- running the decoder ---- */

static char *outbuf;
static size_t outlen;

static int run_dmesg(unsigned flags, uint64_t max_output, lkcd_read_phys_fn rp,
		     void *ctx, struct lkcd_dmesg_stats *st, struct lkcd_error *err)
{
	struct lkcd_vmcoreinfo *vi = vmcoreinfo();
	struct lkcd_dmesg_opts opts = { .flags = flags, .max_output = max_output };
	FILE *f;
	int ret;

	free(outbuf);
	outbuf = NULL;
	outlen = 0;
	f = open_memstream(&outbuf, &outlen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	ret = lkcd_dmesg_write(vi, rp ? rp : lkcd_dmesg_read_source, rp ? ctx : src,
			       &opts, f, st, err);
	fclose(f);
	lkcd_vmcoreinfo_free(vi);
	return ret;
}

static int setup_machine(bool l5)
{
	struct lkcd_mem_range ranges[2] = {
		{ 0, HOLE_START }, { HOLE_END, MEM_SIZE - HOLE_END },
	};

	lkcd_source_close(src);
	src = NULL;
	if (!mem)
		mem = malloc(MEM_SIZE);
	if (!mem)
		return -1;
	memset(mem, 0, MEM_SIZE);
	build_page_tables(l5);
	make_vmcoreinfo(NULL);
	free(ring);
	ring = NULL;
	return lkcd_source_open_buffer(mem, MEM_SIZE, ranges, 2, &src, NULL);
}

static int suite_init(void)
{
	return setup_machine(false) == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
	lkcd_source_close(src);
	src = NULL;
	free(mem);
	mem = NULL;
	free(ring);
	ring = NULL;
	free(outbuf);
	outbuf = NULL;
	return 0;
}

/* A static ring in the kernel image, 16 descriptors, 4 KiB of text. */
static struct fx_ring *static_ring(void)
{
	CU_ASSERT_EQUAL_FATAL(setup_machine(false), 0);
	ring = fx_init(V_RB_STATIC, 4, 12, V_S_DESCS, V_S_INFOS, V_S_DATA);
	return ring;
}

/* A log_buf_len= ring in the direct map, across shuffled 4 KiB pages. */
static struct fx_ring *dynamic_ring(bool l5, unsigned count_bits, unsigned size_bits)
{
	CU_ASSERT_EQUAL_FATAL(setup_machine(l5), 0);
	ring = fx_init(DMAP + 0x1000, count_bits, size_bits,
		       DMAP + 0x10000, DMAP + 0x30000, DMAP + 0x200000 + 0x5f8);
	return ring;
}

static void test_basic(void)
{
	struct lkcd_dmesg_stats st;
	struct lkcd_error err = { 0 };
	struct fx_ring *r = static_ring();

	fx_push(r, "Linux version 6.1.0-fixture", 0);
	fx_push(r, "second line", 1234567000ull);
	fx_push_full(r, "multi\nline\nrecord", 17, 2000000000ull, 6, 1, NULL, NULL);
	fx_push_full(r, "", 0, 3000001000ull, 6, 1, NULL, NULL);	/* empty text */
	fx_push(r, "Kernel panic - not syncing: sysrq triggered crash", 123456789012345ull);

	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), 5);
	CU_ASSERT_STRING_EQUAL(outbuf,
		"[    0.000000] Linux version 6.1.0-fixture\n"
		"[    1.234567] second line\n"
		"[    2.000000] multi\n"
		"               line\n"
		"               record\n"
		"[    3.000001] \n"
		"[123456.789012] Kernel panic - not syncing: sysrq triggered crash\n");
	CU_ASSERT_EQUAL(st.records, 5);
	CU_ASSERT_EQUAL(st.skipped, 0);
	CU_ASSERT_EQUAL(st.reusable, 1);	/* DESC0, the initial head/tail */
	CU_ASSERT_EQUAL(st.first_seq, 0);
	CU_ASSERT_EQUAL(st.last_seq, 4);
	CU_ASSERT_EQUAL(st.bytes, outlen);
	CU_ASSERT_EQUAL(st.nr_problems, 0);
}

static void test_escapes_and_flags(void)
{
	struct lkcd_dmesg_stats st;
	struct fx_ring *r = static_ring();
	const char odd[] = "caf\xc3\xa9 tab\there ctl\x01x del\x7f";

	fx_push_full(r, odd, sizeof(odd) - 1, 5000000, 3, 0x80000002u, NULL, NULL);
	fx_push_full(r, "usb 1-1: new device", 19, 6000000, 6, 42, "usb", "c189:1");
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, NULL), 2);
	CU_ASSERT_STRING_EQUAL(outbuf,
		"[    0.005000] caf\\xc3\\xa9 tab\there ctl\\x01x del\\x7f\n"
		"[    0.006000] usb 1-1: new device\n");

	CU_ASSERT_EQUAL(run_dmesg(LKCD_DMESG_LEVEL | LKCD_DMESG_CALLER | LKCD_DMESG_DICT,
				  0, NULL, NULL, &st, NULL), 2);
	CU_ASSERT_STRING_EQUAL(outbuf,
		"<3>[    0.005000][    C2] caf\\xc3\\xa9 tab\there ctl\\x01x del\\x7f\n"
		"<6>[    0.006000][   T42] usb 1-1: new device\n"
		" SUBSYSTEM=usb\n"
		" DEVICE=c189:1\n");
}

/*
 * Small rings, many records: descriptors reused many times, the id space
 * and the lpos space overflow, blocks wrap to the start of the data ring,
 * the tail is pushed by both rings.  Every live record, in order, nothing else.
 */
static bool wrapped_block_live(const struct fx_ring *r)
{
	for (size_t i = r->first_live; i < r->nr; i++)
		if (r->rec[i].live && r->rec[i].wrapped)
			return true;
	return false;
}

static void check_wrap(struct fx_ring *r, unsigned min_n)
{
	struct lkcd_dmesg_stats st;
	struct lkcd_error err = { 0 };
	char text[200], *expected;
	unsigned n;
	int ret;

	/* At least min_n records, and stop where a wrapped block is still live. */
	for (n = 0; n < min_n || !wrapped_block_live(r); n++) {
		int len = snprintf(text, sizeof(text), "record %u %.*s", n,
				   (int)(n * 7 % 90), "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");

		fx_push_full(r, text, (size_t)len, 1000000ull * n + 17000, 6, 1, NULL, NULL);
	}
	CU_ASSERT(r->wrapped_blocks > 0);
	CU_ASSERT(r->evicted > r->count);
	CU_ASSERT(r->id_overflowed);
	CU_ASSERT(r->lpos_overflowed);
	expected = fx_expected(r);
	ret = run_dmesg(0, 0, NULL, NULL, &st, &err);
	CU_ASSERT(ret > 0);
	CU_ASSERT_STRING_EQUAL(outbuf, expected);
	CU_ASSERT_EQUAL(st.skipped, 0);
	CU_ASSERT_EQUAL(st.nr_problems, 0);
	CU_ASSERT_EQUAL(st.last_seq, n - 1);
	CU_ASSERT(wrapped_block_live(r));
	free(expected);
}

static void test_wrap_static(void)
{
	struct fx_ring *r;

	CU_ASSERT_EQUAL_FATAL(setup_machine(false), 0);
	ring = r = fx_init(V_RB_STATIC, 4, 9, V_S_DESCS, V_S_INFOS, V_S_DATA);
	/* 2^62 ids overflow after one lap of 16; lpos after 512 bytes. */
	check_wrap(r, 300);
}

static void test_wrap_dynamic_l4(void)
{
	struct fx_ring *r = dynamic_ring(false, 5, 12);

	/* The whole text ring spans shuffled pages: every block crosses some. */
	check_wrap(r, 700);
}

static void test_wrap_dynamic_l5(void)
{
	struct fx_ring *r = dynamic_ring(true, 3, 10);

	check_wrap(r, 200);
}

/*
 * 7.2's writer leaves a block that ends exactly at the ring's end in place
 * (next at the start of the next lap); up to 7.1 it would have wrapped it.
 * The reader must take the lpos pair as the kernel that wrote it meant:
 * here two 256-byte blocks fill a 512-byte ring, the second ending at its
 * last byte, and both are printed.
 */
static void test_block_ends_at_ring_end(void)
{
	struct lkcd_dmesg_stats st;
	struct lkcd_error err = { 0 };
	char text[256], *expected;
	struct fx_ring *r;

	for (int rule = 0; rule < 2; rule++) {
		CU_ASSERT_EQUAL_FATAL(setup_machine(false), 0);
		ring = r = fx_init(V_RB_STATIC, 4, 9, V_S_DESCS, V_S_INFOS, V_S_DATA);
		r->no_needless_wrap = rule;
		memset(text, 'a' + rule, sizeof(text));
		fx_push_full(r, text, 248, 1000, 6, 1, NULL, NULL);	/* [0, 256) */
		fx_push_full(r, text, 248, 2000, 6, 1, NULL, NULL);	/* [256, 512) */
		CU_ASSERT_EQUAL(r->ends_at_end, (unsigned)rule);
		CU_ASSERT_EQUAL(r->wrapped_blocks, (unsigned)!rule);	/* old: wrapped, evicting the first */
		expected = fx_expected(r);
		CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), rule ? 2 : 1);
		CU_ASSERT_STRING_EQUAL(outbuf, expected);
		CU_ASSERT_EQUAL(st.skipped, 0);
		free(expected);
		free(r);
		ring = NULL;
	}
}

/* Many laps of 7.2's writer: every live record, in order, nothing else. */
static void test_wrap_static_7_2(void)
{
	struct fx_ring *r;

	CU_ASSERT_EQUAL_FATAL(setup_machine(false), 0);
	ring = r = fx_init(V_RB_STATIC, 4, 9, V_S_DESCS, V_S_INFOS, V_S_DATA);
	r->no_needless_wrap = true;
	check_wrap(r, 300);
}

/* Each corruption skips exactly its record, says why, and keeps the rest. */
struct corruption {
	const char *name;
	void (*apply)(struct fx_ring *r, uint64_t id);
	const char *reason;	/* substring of the note */
	bool skipped;		/* counted in skipped (else in_progress/...) */
};

static void c_reserved(struct fx_ring *r, uint64_t id)
{
	kw64(desc_va(r, id) + O_D_STATE, SV(id, ST_RESERVED));
}

static void c_committed(struct fx_ring *r, uint64_t id)
{
	kw64(desc_va(r, id) + O_D_STATE, SV(id, ST_COMMITTED));
}

static void c_other_id(struct fx_ring *r, uint64_t id)
{
	kw64(desc_va(r, id) + O_D_STATE, SV((id + r->count) & ID_MASK, ST_FINALIZED));
}

static void c_lpos_backwards(struct fx_ring *r, uint64_t id)
{
	uint64_t begin;

	memcpy(&begin, mem + fx_pa(desc_va(r, id) + O_D_LPOS + O_L_BEGIN), 8);
	kw64(desc_va(r, id) + O_D_LPOS + O_L_NEXT, begin - 8);
}

static void c_lpos_unaligned(struct fx_ring *r, uint64_t id)
{
	uint64_t begin;

	memcpy(&begin, mem + fx_pa(desc_va(r, id) + O_D_LPOS + O_L_BEGIN), 8);
	kw64(desc_va(r, id) + O_D_LPOS + O_L_BEGIN, begin + 4);
}

static void c_lpos_far(struct fx_ring *r, uint64_t id)
{
	uint64_t begin;

	memcpy(&begin, mem + fx_pa(desc_va(r, id) + O_D_LPOS + O_L_BEGIN), 8);
	kw64(desc_va(r, id) + O_D_LPOS + O_L_BEGIN, begin + 40 * r->size);
	kw64(desc_va(r, id) + O_D_LPOS + O_L_NEXT, begin + 40 * r->size + 64);
}

static void c_block_overwritten(struct fx_ring *r, uint64_t id)
{
	struct fx_rec *rec = fx_find(r, id);

	kw64(r->data + (rec->begin & (r->size - 1)), id + 1);
}

static void c_text_len_long(struct fx_ring *r, uint64_t id)
{
	kw16(info_va(r, id) + O_I_TEXT_LEN, 60000);
}

static void c_seq_wrong_slot(struct fx_ring *r, uint64_t id)
{
	kw64(info_va(r, id) + O_I_SEQ, 1000001);
}

static void c_seq_backwards(struct fx_ring *r, uint64_t id)
{
	struct fx_rec *rec = fx_find(r, id);

	kw64(info_va(r, id) + O_I_SEQ, rec->seq - r->count);
}

static void c_failed_lpos(struct fx_ring *r, uint64_t id)
{
	kw64(desc_va(r, id) + O_D_LPOS + O_L_BEGIN, 1);
	kw64(desc_va(r, id) + O_D_LPOS + O_L_NEXT, 1);
}

static void c_datalless_odd(struct fx_ring *r, uint64_t id)
{
	kw64(desc_va(r, id) + O_D_LPOS + O_L_BEGIN, 5);
	kw64(desc_va(r, id) + O_D_LPOS + O_L_NEXT, 7);
}

static const struct corruption corruptions[] = {
	{ "reserved", c_reserved, "being written", false },
	{ "other id", c_other_id, "holds id", true },
	{ "lpos backwards", c_lpos_backwards, "inconsistent", true },
	{ "lpos unaligned", c_lpos_unaligned, "aligned", true },
	{ "lpos laps ahead", c_lpos_far, "outside the data ring", true },
	{ "block overwritten", c_block_overwritten, "overwritten", true },
	{ "seq in another slot", c_seq_wrong_slot, "does not belong", true },
	{ "seq a lap back", c_seq_backwards, "does not follow", true },
	{ "lost text", c_failed_lpos, "lost", true },
	{ "odd data-less lpos", c_datalless_odd, "data-less", true },
};

static void test_corrupt_records(void)
{
	for (size_t c = 0; c < sizeof(corruptions) / sizeof(corruptions[0]); c++) {
		const struct corruption *k = &corruptions[c];
		struct lkcd_dmesg_stats st;
		struct fx_ring *r = static_ring();
		uint64_t victim = 0;
		char *expected;
		int ret;

		for (unsigned i = 0; i < 10; i++) {
			char t[64];
			uint64_t id;

			snprintf(t, sizeof(t), "line %u", i);
			id = fx_push(r, t, 1000ull * i);
			if (i == 5)
				victim = id;
		}
		k->apply(r, victim);
		fx_find(r, victim)->live = false;
		expected = fx_expected(r);
		ret = run_dmesg(0, 0, NULL, NULL, &st, NULL);
		if (ret != 9 || strcmp(outbuf, expected) != 0 ||
		    st.nr_problems != 1 || !strstr(st.problems[0].reason, k->reason))
			fprintf(stderr, "\n  corruption '%s': ret %d, %zu problems, first '%s'\n",
				k->name, ret, st.nr_problems,
				st.nr_problems ? st.problems[0].reason : "");
		CU_ASSERT_EQUAL(ret, 9);
		CU_ASSERT_STRING_EQUAL(outbuf, expected);
		CU_ASSERT_EQUAL(st.skipped, k->skipped ? 1 : 0);
		CU_ASSERT_EQUAL(st.nr_problems, 1);
		CU_ASSERT_EQUAL(st.problems[0].id, victim);
		/* the one problem type: a log record's is about no page */
		CU_ASSERT_EQUAL(st.problems[0].pfn, UINT64_MAX);
		CU_ASSERT_EQUAL(st.problems[0].block_seq, UINT64_MAX);
		CU_ASSERT_PTR_NOT_NULL(strstr(st.problems[0].reason, k->reason));
		free(expected);
	}
}

static void test_committed_is_printed(void)
{
	struct lkcd_dmesg_stats st;
	struct fx_ring *r = static_ring();

	fx_push(r, "finalized", 1000);
	c_committed(r, fx_push(r, "committed at the panic", 2000));
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "committed at the panic"));
}

static void test_truncated_text(void)
{
	struct lkcd_dmesg_stats st;
	struct fx_ring *r = static_ring();
	uint64_t id;

	id = fx_push(r, "abcdefghij", 1000);	/* block: 8 + 16 bytes */
	c_text_len_long(r, id);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, NULL), 1);
	/* What the block holds, padding included, as makedumpfile does. */
	CU_ASSERT_EQUAL(st.truncated, 1);
	CU_ASSERT_EQUAL(strncmp(outbuf, "[    0.000001] abcdefghij\\x00\\x00\\x00\\x00\\x00\\x00\n", 100), 0);
}

static void test_notes_inline(void)
{
	struct lkcd_dmesg_stats st;
	struct fx_ring *r = static_ring();

	fx_push(r, "one", 1000);
	c_other_id(r, fx_push(r, "two", 2000));
	fx_push(r, "three", 3000);
	CU_ASSERT_EQUAL(run_dmesg(LKCD_DMESG_NOTES, 0, NULL, NULL, &st, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "[    0.000001] one\n[lkcd: record "));
	CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "skipped: descriptor holds id"));
	CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "]\n[    0.000003] three\n"));
}

/* head/tail ids that claim more than a lap: read the last lap only. */
static void test_tail_too_far(void)
{
	struct lkcd_dmesg_stats st;
	struct fx_ring *r = static_ring();
	char *expected;

	for (unsigned i = 0; i < 40; i++) {
		char t[32];

		snprintf(t, sizeof(t), "line %u", i);
		fx_push(r, t, i);
	}
	expected = fx_expected(r);
	kw64(r->prb + O_PRB_DESC_RING + O_DR_TAIL, (r->head_id - 1000) & ID_MASK);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, NULL), 15);
	CU_ASSERT_STRING_EQUAL(outbuf, expected);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.problems[0].reason, "behind the head"));
	free(expected);

	/* A head id from nowhere: every slot misses, a bounded walk, no output. */
	kw64(r->prb + O_PRB_DESC_RING + O_DR_HEAD, UINT64_C(0x123456789ab));
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, NULL), 0);
	CU_ASSERT_EQUAL(outlen, 0);
	CU_ASSERT(st.skipped <= r->count);
	CU_ASSERT(st.nr_problems <= LKCD_DMESG_MAX_PROBLEMS);
	CU_ASSERT_EQUAL(st.gave_up, 0);

	/*
	 * A ring that claims 2^24 descriptors and a tail 10^6 behind the head:
	 * the walk gives up after a run of damaged slots, not after 10^6.
	 */
	kw32(r->prb + O_PRB_DESC_RING + O_DR_COUNT_BITS, 24);
	kw64(r->prb + O_PRB_DESC_RING + O_DR_HEAD, r->head_id);
	kw64(r->prb + O_PRB_DESC_RING + O_DR_TAIL, (r->head_id - 1000000) & ID_MASK);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, NULL), 0);
	CU_ASSERT_EQUAL(st.gave_up, 1);
	CU_ASSERT_EQUAL(st.skipped, LKCD_DMESG_MAX_CONSECUTIVE_BAD);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.problems[st.nr_problems - 1].reason, "giving up"));
}

static void test_bad_ring_header(void)
{
	struct lkcd_dmesg_stats st;
	struct lkcd_error err = { 0 };
	struct fx_ring *r = static_ring();

	fx_push(r, "x", 1);
	kw32(r->prb + O_PRB_DESC_RING + O_DR_COUNT_BITS, 40);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "count_bits"));
	kw32(r->prb + O_PRB_DESC_RING + O_DR_COUNT_BITS, 4);
	kw32(r->prb + O_PRB_TEXT_RING + O_TR_SIZE_BITS, 2);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "size_bits"));
	kw32(r->prb + O_PRB_TEXT_RING + O_TR_SIZE_BITS, 64);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), -EINVAL);
	kw32(r->prb + O_PRB_TEXT_RING + O_TR_SIZE_BITS, 12);

	/* prb pointing into a hole of the dump, or at an unmapped address. */
	kw64(V_PRB_PTR, DMAP + GIB + HOLE_START + 0x100);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), -EFAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "printk_ringbuffer"));
	kw64(V_PRB_PTR, DMAP + 2 * (2u << 20));		/* PMD[2] not present */
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), -EFAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not mapped"));
	kw64(V_PRB_PTR, UINT64_C(0x00ff000000000000));		/* not canonical */
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), -EFAULT);
	kw64(V_PRB_PTR, r->prb);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), 1);

	/* descs and infos in the hole: every record skipped, still no error. */
	kw64(r->prb + O_PRB_DESC_RING + O_DR_DESCS, DMAP + GIB + HOLE_START);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), 0);
	CU_ASSERT_EQUAL(st.skipped, 2);		/* DESC0 and the one record */
	CU_ASSERT_PTR_NOT_NULL(strstr(st.problems[0].reason, "descriptor unreadable"));
	kw64(r->prb + O_PRB_DESC_RING + O_DR_DESCS, r->descs);
	kw64(r->prb + O_PRB_DESC_RING + O_DR_INFOS, DMAP + GIB + HOLE_START);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.problems[0].reason, "info unreadable"));
	kw64(r->prb + O_PRB_DESC_RING + O_DR_INFOS, r->infos);
	kw64(r->prb + O_PRB_TEXT_RING + O_TR_DATA, DMAP + GIB + HOLE_START);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, NULL, NULL, &st, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.problems[0].reason, "text block unreadable"));
}

static void test_vmcoreinfo_gaps(void)
{
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_error err = { 0 };
	FILE *f = fopen("/dev/null", "w");
	static const char *const drop[] = {
		"SYMBOL(prb)", "OFFSET(prb_desc.state_var)", "SIZE(printk_info)",
		"OFFSET(atomic_long_t.counter)", "OFFSET(prb_data_ring.tail_lpos)",
	};

	static_ring();
	fx_push(ring, "x", 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		char text[4096], *p;

		make_vmcoreinfo(NULL);
		strcpy(text, vmcoreinfo_text);
		p = strstr(text, drop[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		p[0] = 'X';	/* the key no longer matches */
		CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(text, strlen(text), &vi, NULL), 0);
		CU_ASSERT_EQUAL(lkcd_dmesg_write(vi, lkcd_dmesg_read_source, src, NULL, f, NULL, &err), -ENOENT);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, drop[i] + 1));
		lkcd_vmcoreinfo_free(vi);
	}
	/* Offsets outside their struct, absurd sizes. */
	{
		static const char *const bad[] = {
			"OFFSET(prb_desc.state_var)=30\n",	/* 30 + 8 > 32 */
			"SIZE(printk_info)=100000\n",
			"SIZE(prb_desc)=0\n",
			"OFFSET(printk_ringbuffer.text_data_ring)=100\n",
			"OFFSET(printk_info.text_len)=95\n",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			make_vmcoreinfo(bad[i]);	/* appended: last one wins */
			vi = vmcoreinfo();
			CU_ASSERT_EQUAL(lkcd_dmesg_write(vi, lkcd_dmesg_read_source, src, NULL, f, NULL, &err), -EINVAL);
			lkcd_vmcoreinfo_free(vi);
		}
	}
	/* No phys_base: the kernel image cannot be reached. */
	make_vmcoreinfo(NULL);
	{
		char text[4096], *p;

		strcpy(text, vmcoreinfo_text);
		p = strstr(text, "NUMBER(phys_base)");
		p[0] = 'X';
		CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_parse(text, strlen(text), &vi, NULL), 0);
		CU_ASSERT_EQUAL(lkcd_dmesg_write(vi, lkcd_dmesg_read_source, src, NULL, f, NULL, &err), -ENOENT);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "phys_base"));
		lkcd_vmcoreinfo_free(vi);
	}
	make_vmcoreinfo(NULL);
	fclose(f);
}

static void test_output_cap(void)
{
	struct lkcd_dmesg_stats st;
	struct fx_ring *r = static_ring();

	for (unsigned i = 0; i < 10; i++)
		fx_push(r, "0123456789012345678901234567890123456789", i);	/* 56 bytes a line */
	CU_ASSERT_EQUAL(run_dmesg(0, 200, NULL, NULL, &st, NULL), 3);
	CU_ASSERT_EQUAL(st.output_capped, 1);
	CU_ASSERT_EQUAL(outlen, 168);
	CU_ASSERT(st.bytes <= 200);
}

/* read_phys that fails every read once a budget is spent, or on one page. */
struct flaky {
	uint64_t bad_page;
	long budget;		/* reads that succeed; < 0: unlimited */
};

static int flaky_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct flaky *f = ctx;

	if (f->budget == 0)
		return -EIO;
	if (f->budget > 0)
		f->budget--;
	if ((paddr & ~4095ull) == f->bad_page)
		return -EFAULT;
	return lkcd_source_read(src, paddr, buf, len, NULL);
}

static void test_read_failures(void)
{
	struct lkcd_dmesg_stats st;
	struct lkcd_error err = { 0 };
	struct fx_ring *r = dynamic_ring(false, 4, 12);
	struct flaky fl = { .bad_page = UINT64_MAX, .budget = -1 };
	int ret;

	/* 40 records of 72 bytes: the 15 live ones straddle the 2nd text page. */
	for (unsigned i = 0; i < 40; i++)
		fx_push(r, "some text that is long enough to cross pages eventually....", i);
	CU_ASSERT_EQUAL(run_dmesg(0, 0, flaky_read, &fl, &st, &err), 15);

	/* One text page gone: only the records on it are lost. */
	fl.bad_page = fx_pa(r->data + 0xa08) & ~4095ull;
	ret = run_dmesg(0, 0, flaky_read, &fl, &st, &err);
	CU_ASSERT(ret > 0 && ret < 15);
	CU_ASSERT_EQUAL((uint64_t)ret + st.skipped, 15);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.problems[0].reason, "unreadable"));

	/* Failing after n reads, for every n: never a crash, 0..15 records. */
	fl.bad_page = UINT64_MAX;
	for (long n = 0; n < 400; n++) {
		fl.budget = n;
		ret = run_dmesg(0, 0, flaky_read, &fl, &st, &err);
		CU_ASSERT(ret == -EIO || (ret >= 0 && ret <= 15));
	}
}

static void test_kvtop(void)
{
	struct lkcd_vmcoreinfo *vi;
	struct lkcd_error err = { 0 };
	uint64_t pa = 0;

	for (int l5 = 0; l5 <= 1; l5++) {
		CU_ASSERT_EQUAL_FATAL(setup_machine(l5), 0);
		vi = vmcoreinfo();
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, V_PGT + 8, &pa, &err), 0);
		CU_ASSERT_EQUAL(pa, 0x120008);
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, DMAP + 0x12345, &pa, &err), 0);
		CU_ASSERT_EQUAL(pa, 0x12345);
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, DMAP + 0x203456, &pa, &err), 0);
		CU_ASSERT_EQUAL(pa, 0x200000 + 3 * 37 * 4096 + 0x456);
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, DMAP + GIB + 0x654321, &pa, &err), 0);
		CU_ASSERT_EQUAL(pa, 0x654321);
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, DMAP + 0x3ff000, &pa, &err), -EFAULT);
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, DMAP + 0x400000, &pa, &err), -EFAULT);
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, DMAP + 2 * GIB, &pa, &err), -EFAULT);
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, UINT64_C(0xffff800000000000), &pa, &err), -EFAULT);
		/* Not canonical with 4 levels, not mapped with 5. */
		CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, UINT64_C(0x0000800000000000), &pa, &err),
				-EFAULT);
		lkcd_vmcoreinfo_free(vi);
	}
	/* A page-table page in a hole of the dump. */
	CU_ASSERT_EQUAL_FATAL(setup_machine(false), 0);
	pw64(P_PMD + 3 * 8, pte_bits(HOLE_START));
	vi = vmcoreinfo();
	CU_ASSERT_EQUAL(lkcd_kvtop(vi, lkcd_dmesg_read_source, src, DMAP + 3 * (2u << 20), &pa, &err), -EFAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "page table"));
	lkcd_vmcoreinfo_free(vi);
}

/* Random damage anywhere in the ring's memory: bounded, never a crash. */
static void test_random_damage(void)
{
	unsigned seed = 4242;
	struct fx_ring *r = dynamic_ring(false, 4, 10);
	uint64_t areas[4][2];
	for (unsigned i = 0; i < 60; i++) {
		char t[80];

		snprintf(t, sizeof(t), "message %u with\nsome %.*s", i, (int)(i % 40),
			 "........................................");
		fx_push(r, t, i * 1000);
	}
	areas[0][0] = r->prb; areas[0][1] = SZ_PRB;
	areas[1][0] = r->descs; areas[1][1] = r->count * SZ_DESC;
	areas[2][0] = r->infos; areas[2][1] = r->count * SZ_INFO;
	areas[3][0] = r->data; areas[3][1] = r->size;
	for (int round = 0; round < 3000; round++) {
		struct lkcd_dmesg_stats st;
		uint64_t at[5];
		unsigned char old[5];
		int ret, k, nk = 1 + round % 5;

		for (k = 0; k < nk; k++) {
			unsigned a, off;
			unsigned char b;

			seed = seed * 1103515245u + 12345u;
			a = (seed >> 4) % 4;
			off = (seed >> 8) % (unsigned)areas[a][1];
			seed = seed * 1103515245u + 12345u;
			b = (unsigned char)(seed >> 16);
			at[k] = fx_pa(areas[a][0] + off);
			old[k] = mem[at[k]];
			mem[at[k]] = b;
		}
		ret = run_dmesg(LKCD_DMESG_DICT | LKCD_DMESG_LEVEL, 1 << 20, NULL, NULL, &st, NULL);
		CU_ASSERT(ret >= -EINVAL && ret <= (int)r->count);
		CU_ASSERT(outlen <= (1u << 20));
		/* count_bits may be hit too: bounded by the give-up rule, not the count. */
		CU_ASSERT(st.records <= 64);
		CU_ASSERT(st.skipped <= LKCD_DMESG_MAX_CONSECUTIVE_BAD + r->count);
		while (k-- > 0)		/* undo, last first: two may hit one byte */
			mem[at[k]] = old[k];
	}
}

/* ---- the real kernel: QEMU dump-guest-memory vs makedumpfile ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	*len = (size_t)n;
	fclose(f);
	return buf;
}

/*
 * makedumpfile prints a byte >= 0x80 sign-extended ("\xffffffc3"); turn
 * that back into "\xc3" so the rest can be compared byte for byte.
 */
static void unextend(char *s)
{
	char *w = s;

	while (*s) {
		if (strncmp(s, "\\xffffff", 8) == 0) {
			*w++ = '\\';
			*w++ = 'x';
			s += 8;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

static void test_real_guest(void)
{
	const char *elf = getenv("LKCD_DMESG_ELF");
	const char *expect_path = getenv("LKCD_DMESG_EXPECT");
	struct lkcd_source *esrc = NULL;
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_dmesg_stats st;
	struct lkcd_error err = { 0 };
	const void *notes;
	size_t notes_len, elen;
	char *expected, *out = NULL;
	size_t olen = 0;
	FILE *f;
	int ret;

	CU_ASSERT_EQUAL_FATAL(lkcd_source_open(elf, LKCD_SOURCE_ELF, &esrc, &err), 0);
	lkcd_source_notes(esrc, &notes, &notes_len);
	CU_ASSERT_EQUAL_FATAL(lkcd_vmcoreinfo_from_notes(notes, notes_len, &vi, &err), 0);
	f = open_memstream(&out, &olen);
	ret = lkcd_dmesg_write(vi, lkcd_dmesg_read_source, esrc, NULL, f, &st, &err);
	fclose(f);
	if (ret < 0)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT(ret > 100);
	CU_ASSERT_EQUAL(st.skipped, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Kernel panic - not syncing"));
	expected = slurp(expect_path, &elen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(expected);
	unextend(expected);
	CU_ASSERT_STRING_EQUAL(out, expected);
	if (strcmp(out, expected) != 0) {
		size_t i = 0;

		while (out[i] && out[i] == expected[i])
			i++;
		fprintf(stderr, "\n  first difference at byte %zu: ours '%.60s' makedumpfile '%.60s'\n",
			i, out + i, expected + i);
	}
	free(expected);
	free(out);
	lkcd_vmcoreinfo_free(vi);
	lkcd_source_close(esrc);
}

static int register_suites(void)
{
	static const CU_TestInfo tests[] = {
		{ "basic records, multi-line, empty, panic line", test_basic },
		{ "escapes; level, caller and dictionary flags", test_escapes_and_flags },
		{ "wrap: static ring, ids and lpos overflow", test_wrap_static },
		{ "wrap: log_buf_len ring in the direct map, 4-level", test_wrap_dynamic_l4 },
		{ "wrap: direct map, 5-level paging", test_wrap_dynamic_l5 },
		{ "7.2: a block that ends at the ring's end stays in place", test_block_ends_at_ring_end },
		{ "wrap: 7.2's writer, many laps", test_wrap_static_7_2 },
		{ "each corrupt record skipped with its reason", test_corrupt_records },
		{ "committed (not finalized) record printed", test_committed_is_printed },
		{ "text_len beyond its block truncated", test_truncated_text },
		{ "inline notes for skipped records", test_notes_inline },
		{ "tail more than a lap behind; wild head", test_tail_too_far },
		{ "bad ring header, unmapped and missing memory", test_bad_ring_header },
		{ "VMCOREINFO missing or inconsistent entries", test_vmcoreinfo_gaps },
		{ "output cap", test_output_cap },
		{ "read failures at every step", test_read_failures },
		{ "kvtop: image, 4K/2M/1G pages, holes, 4/5 levels", test_kvtop },
		{ "random damage never crashes", test_random_damage },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo real[] = {
		{ "real 6.1 guest matches makedumpfile --dump-dmesg", test_real_guest },
		CU_TEST_INFO_NULL,
	};
	CU_pSuite s;

	if (lkcd_unit_add_suite("dmesg", suite_init, suite_cleanup, tests))
		return -1;
	if (lkcd_unit_add_suite("dmesg-real", NULL, NULL, real))
		return -1;
	/* Without a dump to read, the real-kernel check is skipped, not passed. */
	s = CU_get_suite("dmesg-real");
	if (!getenv("LKCD_DMESG_ELF") || !getenv("LKCD_DMESG_EXPECT"))
		CU_set_test_active(CU_get_test(s, real[0].pName), CU_FALSE);
	return 0;
}

LKCD_TEST_MAIN(register_suites)
