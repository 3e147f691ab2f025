// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The crashed kernel's log from its printk lockless ring buffer.
 *
 * Layout (Linux 5.10+, kernel/printk/printk_ringbuffer.h), found through
 * VMCOREINFO only:
 *
 *   prb (SYMBOL) -> struct printk_ringbuffer
 *     desc_ring:      count_bits, descs[], infos[], head_id, tail_id
 *     text_data_ring: size_bits, data[], head_lpos, tail_lpos
 *   descs[id % count]: state_var (id | state << 62), text_blk_lpos {begin, next}
 *   infos[id % count]: seq, ts_nsec, text_len, caller_id, dev_info
 *   data[lpos % size]: unsigned long id, then the text; a block that would
 *     cross the end of the ring keeps its id at begin and is stored whole
 *     from index 0, again behind a copy of the id (since 7.2 a block that
 *     ends exactly at the ring's end stays in place: see locate_block()).
 *
 * Records are read from tail_id to head_id, which is sequence order.  Each
 * one is checked the way the kernel's own reader checks it (state and id of
 * the descriptor, lpos wraps and alignment, the id in front of the data)
 * plus what a reader of a dead kernel's memory must add: ring sizes within
 * reason, lpos inside the data ring's [tail, head] window, seq matching the
 * descriptor slot and increasing.  A record that fails is skipped and noted.
 *
 * Kernel virtual addresses are translated by kmem.c (the crashed kernel's
 * own page tables, see kmem.h).
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dmesg.h"
#include "kmem.h"
#include "internal.h"

int lkcd_dmesg_read_source(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	return lkcd_source_read(ctx, paddr, buf, len, NULL);
}

/* ---- ring buffer layout from VMCOREINFO ---- */

#define MAX_STRUCT_SIZE		4096u
#define MAX_COUNT_BITS		28u	/* 256 Mi descriptors: far above any log_buf_len */
#define MAX_SIZE_BITS		36u	/* 64 GiB of text */
#define MIN_SIZE_BITS		4u

#define DESC_SV_BITS		64
#define DESC_FLAGS_SHIFT	(DESC_SV_BITS - 2)
#define DESC_FLAGS_MASK		((uint64_t)3 << DESC_FLAGS_SHIFT)
#define DESC_ID_MASK		(~DESC_FLAGS_MASK)
#define DESC_STATE(sv)		(3u & (unsigned)((sv) >> DESC_FLAGS_SHIFT))
#define DESC_ID(sv)		((uint64_t)((sv) & DESC_ID_MASK))

enum desc_state {
	DESC_RESERVED = 0,
	DESC_COMMITTED = 1,
	DESC_FINALIZED = 2,
	DESC_REUSABLE = 3,
};

#define FAILED_LPOS		0x1ull
#define NO_LPOS			0x3ull
#define LPOS_DATALESS(lpos)	((lpos) & 1ull)

struct layout {
	uint64_t sz_prb, off_desc_ring, off_text_ring;
	uint64_t sz_desc_ring, off_count_bits, off_descs, off_infos;
	uint64_t off_head_id, off_tail_id;
	uint64_t sz_desc, off_state_var, off_text_lpos;
	uint64_t sz_lpos, off_begin, off_next;
	uint64_t sz_info, off_seq, off_ts, off_text_len, off_caller, off_dev_info;
	uint64_t sz_data_ring, off_size_bits, off_data, off_head_lpos, off_tail_lpos;
	uint64_t off_counter;
	bool have_caller, have_dict;
	uint64_t sz_dev_info, off_subsys, len_subsys, off_device, len_device;
};

struct ring {
	uint64_t count, count_mask;	/* descriptors */
	uint64_t descs, infos;		/* kernel addresses */
	uint64_t head_id, tail_id;
	uint64_t size_bits, size;	/* text data ring */
	uint64_t data;
	uint64_t head_lpos, tail_lpos;
	bool lpos_window;		/* head/tail lpos are usable for checks */
};

/* Look up one VMCOREINFO value, naming it in the error when missing. */
static int need(int ret, const char *what, struct lkcd_error *err)
{
	if (ret == -ENOENT)
		return lkcd_error_set(err, -ENOENT,
			"VMCOREINFO lacks %s: not a 5.10+ lockless printk ring buffer", what);
	if (ret < 0)
		return lkcd_error_set(err, -EINVAL, "VMCOREINFO %s does not parse", what);
	return 0;
}

#define NEED_SIZE(vi, name, dst) \
	need(lkcd_vmcoreinfo_size(vi, name, dst), "SIZE(" name ")", err)
#define NEED_OFF(vi, type, member, dst) \
	need(lkcd_vmcoreinfo_offset(vi, type, member, dst), \
	     "OFFSET(" type "." member ")", err)

/* A field of width w at off must lie inside a struct of size sz. */
static int check_field(uint64_t off, uint64_t w, uint64_t sz, const char *what,
		       struct lkcd_error *err)
{
	if (w > sz || off > sz - w)
		return lkcd_error_set(err, -EINVAL,
			"VMCOREINFO: %s at offset %" PRIu64 " (%" PRIu64 " bytes) lies outside its %" PRIu64 "-byte struct",
			what, off, w, sz);
	return 0;
}

static int check_size(uint64_t sz, const char *what, struct lkcd_error *err)
{
	if (sz == 0 || sz > MAX_STRUCT_SIZE)
		return lkcd_error_set(err, -EINVAL,
			"VMCOREINFO: SIZE(%s)=%" PRIu64 " is out of range", what, sz);
	return 0;
}

static int load_layout(const struct lkcd_vmcoreinfo *vi, struct layout *L,
		       struct lkcd_error *err)
{
	int ret = 0;

	memset(L, 0, sizeof(*L));
#define TRY(x) do { ret = (x); if (ret < 0) return ret; } while (0)
	TRY(NEED_SIZE(vi, "printk_ringbuffer", &L->sz_prb));
	TRY(NEED_OFF(vi, "printk_ringbuffer", "desc_ring", &L->off_desc_ring));
	TRY(NEED_OFF(vi, "printk_ringbuffer", "text_data_ring", &L->off_text_ring));
	TRY(NEED_SIZE(vi, "prb_desc_ring", &L->sz_desc_ring));
	TRY(NEED_OFF(vi, "prb_desc_ring", "count_bits", &L->off_count_bits));
	TRY(NEED_OFF(vi, "prb_desc_ring", "descs", &L->off_descs));
	TRY(NEED_OFF(vi, "prb_desc_ring", "infos", &L->off_infos));
	TRY(NEED_OFF(vi, "prb_desc_ring", "head_id", &L->off_head_id));
	TRY(NEED_OFF(vi, "prb_desc_ring", "tail_id", &L->off_tail_id));
	TRY(NEED_SIZE(vi, "prb_desc", &L->sz_desc));
	TRY(NEED_OFF(vi, "prb_desc", "state_var", &L->off_state_var));
	TRY(NEED_OFF(vi, "prb_desc", "text_blk_lpos", &L->off_text_lpos));
	TRY(NEED_SIZE(vi, "prb_data_blk_lpos", &L->sz_lpos));
	TRY(NEED_OFF(vi, "prb_data_blk_lpos", "begin", &L->off_begin));
	TRY(NEED_OFF(vi, "prb_data_blk_lpos", "next", &L->off_next));
	TRY(NEED_SIZE(vi, "printk_info", &L->sz_info));
	TRY(NEED_OFF(vi, "printk_info", "seq", &L->off_seq));
	TRY(NEED_OFF(vi, "printk_info", "ts_nsec", &L->off_ts));
	TRY(NEED_OFF(vi, "printk_info", "text_len", &L->off_text_len));
	TRY(NEED_SIZE(vi, "prb_data_ring", &L->sz_data_ring));
	TRY(NEED_OFF(vi, "prb_data_ring", "size_bits", &L->off_size_bits));
	TRY(NEED_OFF(vi, "prb_data_ring", "data", &L->off_data));
	TRY(NEED_OFF(vi, "prb_data_ring", "head_lpos", &L->off_head_lpos));
	TRY(NEED_OFF(vi, "prb_data_ring", "tail_lpos", &L->off_tail_lpos));
	TRY(NEED_OFF(vi, "atomic_long_t", "counter", &L->off_counter));

	TRY(check_size(L->sz_prb, "printk_ringbuffer", err));
	TRY(check_size(L->sz_desc_ring, "prb_desc_ring", err));
	TRY(check_size(L->sz_data_ring, "prb_data_ring", err));
	TRY(check_size(L->sz_desc, "prb_desc", err));
	TRY(check_size(L->sz_lpos, "prb_data_blk_lpos", err));
	TRY(check_size(L->sz_info, "printk_info", err));

	TRY(check_field(L->off_desc_ring, L->sz_desc_ring, L->sz_prb, "printk_ringbuffer.desc_ring", err));
	TRY(check_field(L->off_text_ring, L->sz_data_ring, L->sz_prb, "printk_ringbuffer.text_data_ring", err));
	TRY(check_field(L->off_count_bits, 4, L->sz_desc_ring, "prb_desc_ring.count_bits", err));
	TRY(check_field(L->off_descs, 8, L->sz_desc_ring, "prb_desc_ring.descs", err));
	TRY(check_field(L->off_infos, 8, L->sz_desc_ring, "prb_desc_ring.infos", err));
	TRY(check_field(L->off_head_id + L->off_counter, 8, L->sz_desc_ring, "prb_desc_ring.head_id", err));
	TRY(check_field(L->off_tail_id + L->off_counter, 8, L->sz_desc_ring, "prb_desc_ring.tail_id", err));
	TRY(check_field(L->off_state_var + L->off_counter, 8, L->sz_desc, "prb_desc.state_var", err));
	TRY(check_field(L->off_text_lpos, L->sz_lpos, L->sz_desc, "prb_desc.text_blk_lpos", err));
	TRY(check_field(L->off_begin, 8, L->sz_lpos, "prb_data_blk_lpos.begin", err));
	TRY(check_field(L->off_next, 8, L->sz_lpos, "prb_data_blk_lpos.next", err));
	TRY(check_field(L->off_seq, 8, L->sz_info, "printk_info.seq", err));
	TRY(check_field(L->off_ts, 8, L->sz_info, "printk_info.ts_nsec", err));
	TRY(check_field(L->off_text_len, 2, L->sz_info, "printk_info.text_len", err));
	TRY(check_field(L->off_size_bits, 4, L->sz_data_ring, "prb_data_ring.size_bits", err));
	TRY(check_field(L->off_data, 8, L->sz_data_ring, "prb_data_ring.data", err));
	TRY(check_field(L->off_head_lpos + L->off_counter, 8, L->sz_data_ring, "prb_data_ring.head_lpos", err));
	TRY(check_field(L->off_tail_lpos + L->off_counter, 8, L->sz_data_ring, "prb_data_ring.tail_lpos", err));
#undef TRY

	/* Optional: the caller id and the device dictionary. */
	L->have_caller = lkcd_vmcoreinfo_offset(vi, "printk_info", "caller_id", &L->off_caller) == 0 &&
		check_field(L->off_caller, 4, L->sz_info, "printk_info.caller_id", NULL) == 0;
	L->have_dict =
		lkcd_vmcoreinfo_offset(vi, "printk_info", "dev_info", &L->off_dev_info) == 0 &&
		lkcd_vmcoreinfo_size(vi, "dev_printk_info", &L->sz_dev_info) == 0 &&
		lkcd_vmcoreinfo_offset(vi, "dev_printk_info", "subsystem", &L->off_subsys) == 0 &&
		lkcd_vmcoreinfo_offset(vi, "dev_printk_info", "device", &L->off_device) == 0 &&
		lkcd_vmcoreinfo_length(vi, "printk_info_subsystem", &L->len_subsys) == 0 &&
		lkcd_vmcoreinfo_length(vi, "printk_info_device", &L->len_device) == 0 &&
		check_field(L->off_dev_info, L->sz_dev_info, L->sz_info, "printk_info.dev_info", NULL) == 0 &&
		check_field(L->off_subsys, L->len_subsys, L->sz_dev_info, "dev_printk_info.subsystem", NULL) == 0 &&
		check_field(L->off_device, L->len_device, L->sz_dev_info, "dev_printk_info.device", NULL) == 0;
	return 0;
}

static uint64_t get64(const unsigned char *buf, uint64_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, sizeof(v));
	return le64toh(v);
}

static uint32_t get32(const unsigned char *buf, uint64_t off)
{
	uint32_t v;

	memcpy(&v, buf + off, sizeof(v));
	return le32toh(v);
}

static uint16_t get16(const unsigned char *buf, uint64_t off)
{
	uint16_t v;

	memcpy(&v, buf + off, sizeof(v));
	return le16toh(v);
}

static int load_ring(const struct lkcd_vmcoreinfo *vi, struct lkcd_kmem *km,
		     const struct layout *L, struct ring *R,
		     struct lkcd_error *err)
{
	unsigned char prb[MAX_STRUCT_SIZE];
	const unsigned char *dr, *tr;
	uint64_t sym, addr = 0, count_bits, size_bits;
	struct lkcd_error e;
	int ret;

	ret = need(lkcd_vmcoreinfo_symbol(vi, "prb", &sym), "SYMBOL(prb)", err);
	if (ret < 0)
		return ret;
	ret = lkcd_kmem_read_u64(km, sym, &addr, &e);
	if (ret < 0)
		return lkcd_error_set(err, ret, "reading the prb pointer at 0x%" PRIx64 ": %s",
				      sym, e.msg);
	ret = lkcd_kmem_read(km, addr, prb, L->sz_prb, &e);
	if (ret < 0)
		return lkcd_error_set(err, ret, "reading struct printk_ringbuffer at 0x%" PRIx64 ": %s",
				      addr, e.msg);

	dr = prb + L->off_desc_ring;
	tr = prb + L->off_text_ring;
	count_bits = get32(dr, L->off_count_bits);
	size_bits = get32(tr, L->off_size_bits);
	if (count_bits > MAX_COUNT_BITS)
		return lkcd_error_set(err, -EINVAL,
			"printk ring buffer at 0x%" PRIx64 ": count_bits %" PRIu64 " is larger than %u",
			addr, count_bits, MAX_COUNT_BITS);
	if (size_bits < MIN_SIZE_BITS || size_bits > MAX_SIZE_BITS)
		return lkcd_error_set(err, -EINVAL,
			"printk ring buffer at 0x%" PRIx64 ": text size_bits %" PRIu64 " is outside %u..%u",
			addr, size_bits, MIN_SIZE_BITS, MAX_SIZE_BITS);
	R->count = 1ull << count_bits;
	R->count_mask = R->count - 1;
	R->descs = get64(dr, L->off_descs);
	R->infos = get64(dr, L->off_infos);
	R->head_id = get64(dr, L->off_head_id + L->off_counter) & DESC_ID_MASK;
	R->tail_id = get64(dr, L->off_tail_id + L->off_counter) & DESC_ID_MASK;
	R->size_bits = size_bits;
	R->size = 1ull << size_bits;
	R->data = get64(tr, L->off_data);
	R->head_lpos = get64(tr, L->off_head_lpos + L->off_counter);
	R->tail_lpos = get64(tr, L->off_tail_lpos + L->off_counter);
	/* The kernel keeps head - tail within one ring; if not, do not use them. */
	R->lpos_window = R->head_lpos - R->tail_lpos <= R->size;
	return 0;
}

/* ---- output ---- */

struct out {
	FILE *f;
	unsigned flags;
	uint64_t max;
	struct lkcd_dmesg_stats *st;
	bool force_note;	/* add_problem() must keep this one */
	char *buf;		/* one formatted record */
	size_t buf_size;
	size_t len;
};

static void put(struct out *o, const char *s, size_t n)
{
	/* buf_size is computed for the worst case; never write past it. */
	if (n > o->buf_size - o->len)
		n = o->buf_size - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void putf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
	size_t room = o->buf_size - o->len;
	va_list ap;
	int n;

	if (room == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Flush one formatted record; 1 = written, 0 = cap reached, <0 error. */
static int flush(struct out *o, struct lkcd_error *err)
{
	if (o->st->output_capped)
		return 0;
	if (o->st->bytes + o->len > o->max) {
		o->st->output_capped = 1;
		o->len = 0;
		return 0;
	}
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		return lkcd_error_set(err, -EIO, "writing the kernel log failed");
	o->st->bytes += o->len;
	o->len = 0;
	return 1;
}

/* Text as makedumpfile writes it: continuation lines indented under the text. */
static void put_text(struct out *o, const unsigned char *t, size_t n,
		     size_t indent)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = t[i];

		if (c == '\n') {
			put(o, "\n", 1);
			for (size_t k = 0; k < indent && k < 63; k++)
				put(o, " ", 1);
		} else if ((c >= 0x20 && c < 0x7f) || c == ' ' || c == '\t' ||
			   c == '\v' || c == '\f' || c == '\r') {
			put(o, (const char *)&c, 1);
		} else {
			putf(o, "\\x%02x", c);
		}
	}
}

/* A dictionary value as /dev/kmsg writes it: unprintable bytes escaped. */
static void put_dict(struct out *o, const char *key, const unsigned char *v,
		     size_t max)
{
	size_t n = 0;

	while (n < max && v[n])
		n++;
	if (!n)
		return;
	putf(o, " %s=", key);
	for (size_t i = 0; i < n; i++) {
		if (v[i] < 0x20 || v[i] >= 0x7f || v[i] == '\\')
			putf(o, "\\x%02x", v[i]);
		else
			put(o, (const char *)&v[i], 1);
	}
	put(o, "\n", 1);
}

static void add_problem(struct out *o, uint64_t id, uint64_t seq,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_problem(struct out *o, uint64_t id, uint64_t seq,
			const char *fmt, ...)
{
	struct lkcd_dmesg_stats *st = o->st;
	struct lkcd_problem note, *p = &note;
	va_list ap;

	/*
	 * The list is bounded; a note about the whole walk (giving up) takes
	 * the last entry even when it is full.
	 */
	if (st->nr_problems < LKCD_DMESG_MAX_PROBLEMS)
		p = &st->problems[st->nr_problems++];
	else if (o->force_note)
		p = &st->problems[LKCD_DMESG_MAX_PROBLEMS - 1];
	va_start(ap, fmt);
	lkcd_problem_vset(p, UINT64_MAX, UINT64_MAX, id, seq, fmt, ap);
	va_end(ap);
	if (o->flags & LKCD_DMESG_NOTES) {
		o->len = 0;
		putf(o, "[lkcd: record %" PRIu64 " skipped: %s]\n", id, p->reason);
		flush(o, NULL);
	}
}

/* ---- records ---- */

struct reader {
	struct lkcd_kmem *km;
	const struct layout *L;
	const struct ring *R;
	struct out *o;
	bool have_last_seq;
	uint64_t last_seq;
	bool have_seq_offset;
	uint64_t seq_offset;	/* seq - id, the same for every record */
	unsigned char *text;	/* 64 KiB: text_len is a u16 */
};

#define DATA_INDEX(R, lpos)	((lpos) & ((R)->size - 1))
#define DATA_WRAPS(R, lpos)	((lpos) >> (R)->size_bits)

/*
 * Where the text of a block lies: the kernel's get_data() rules.  Returns
 * 1 with *index and *size (size includes the leading id) for a block with data,
 * 0 for an empty record, -1 with a reason for anything else.
 *
 * A block is in place when begin and its last byte, next - 1, are in the
 * same lap of the ring; else it wrapped and its whole data sits at index 0.
 * That is 7.2's rule ("printk_ringbuffer: don't needlessly wrap data blocks
 * around", is_blk_wrapped()); up to 7.1 the kernel compared begin with next
 * itself, so a block ending exactly at the ring's end was wrapped instead.
 * One rule reads both: the lpos pair tells which kernel wrote it.  An older
 * kernel never writes an in-place block whose next is at a lap's start, and
 * its wrapped blocks have next at index >= 16, where both rules agree; a
 * 7.2 kernel's in-place block ending at the ring's end (next at index 0)
 * would read under the old rule as a wrapped block of size 0.
 */
static int locate_block(const struct ring *R, uint64_t begin, uint64_t next,
			uint64_t *index, uint64_t *size, const char **why)
{
	if (LPOS_DATALESS(begin) && LPOS_DATALESS(next)) {
		if (begin == NO_LPOS && next == NO_LPOS)
			return 0;
		*why = begin == FAILED_LPOS ? "its text was lost (no room when it was written)"
					    : "data-less block with unknown lpos";
		return -1;
	}
	if (DATA_WRAPS(R, begin) == DATA_WRAPS(R, next - 1) && next - begin - 1 < R->size) {
		*index = DATA_INDEX(R, begin);
		*size = next - begin;
	} else if (DATA_WRAPS(R, begin + R->size) == DATA_WRAPS(R, next - 1) &&
		   next - begin <= R->size) {
		/* Wrapped: the whole block was stored from the ring's start. */
		*index = 0;
		*size = DATA_INDEX(R, next);
	} else {
		*why = "block lpos begin/next are inconsistent";
		return -1;
	}
	if ((begin & 7) || (next & 7)) {
		*why = "block lpos is not aligned to the id size";
		return -1;
	}
	if (*size < 8 || next - begin > R->size) {
		*why = "block size is impossible";
		return -1;
	}
	if (R->lpos_window &&
	    (begin - R->tail_lpos > R->head_lpos - R->tail_lpos ||
	     next - R->tail_lpos > R->head_lpos - R->tail_lpos)) {
		*why = "block lies outside the data ring's tail..head";
		return -1;
	}
	return 1;
}

/*
 * The kernel gives a slot seq + count and id + count each time it is
 * reused, and starts both at the ring's first slot, so seq - id is one
 * constant for the whole ring.  Find it by majority vote (Boyer-Moore)
 * over the records that look complete, so that a single damaged seq
 * cannot reorder or hide the records after it.
 */
static void find_seq_offset(struct reader *rd, uint64_t first, uint64_t span)
{
	const struct layout *L = rd->L;
	const struct ring *R = rd->R;
	uint64_t id = first, cand = 0, votes = 0, agree = 0, total = 0, n, misses;

	for (int pass = 0; pass < 2; pass++) {
		id = first;
		misses = 0;
		for (n = 0; n <= span; n++, id = (id + 1) & DESC_ID_MASK) {
			uint64_t slot = id & R->count_mask, sv = 0, seq = 0, off;

			if (lkcd_kmem_read_u64(rd->km, R->descs + slot * L->sz_desc + L->off_state_var +
				      L->off_counter, &sv, NULL) < 0 ||
			    DESC_ID(sv) != id ||
			    (DESC_STATE(sv) != DESC_COMMITTED && DESC_STATE(sv) != DESC_FINALIZED) ||
			    lkcd_kmem_read_u64(rd->km, R->infos + slot * L->sz_info + L->off_seq, &seq, NULL) < 0) {
				/* Same give-up rule as the main walk. */
				if (++misses >= LKCD_DMESG_MAX_CONSECUTIVE_BAD)
					break;
				continue;
			}
			misses = 0;
			off = (seq - id) & DESC_ID_MASK;
			if (pass == 0) {
				if (votes == 0)
					cand = off;
				votes += cand == off ? 1 : (uint64_t)-1;
			} else {
				total++;
				agree += cand == off;
			}
		}
	}
	/* A strict majority, or no rule at all (then only order is checked). */
	if (total && agree * 2 > total) {
		rd->have_seq_offset = true;
		rd->seq_offset = cand;
	}
}

/* 1 written, 0 skipped, <0 fatal (output error). */
static int read_record(struct reader *rd, uint64_t id, struct lkcd_error *err)
{
	const struct layout *L = rd->L;
	const struct ring *R = rd->R;
	struct out *o = rd->o;
	unsigned char desc[MAX_STRUCT_SIZE], info[MAX_STRUCT_SIZE];
	uint64_t slot = id & R->count_mask;
	uint64_t sv, begin, next, seq, ts, index = 0, size = 0, block_id = 0;
	size_t text_len, indent;
	const char *why = NULL;
	struct lkcd_error e;
	int kind, ret;

	if (lkcd_kmem_read(rd->km, R->descs + slot * L->sz_desc, desc, L->sz_desc, &e) < 0) {
		add_problem(o, id, UINT64_MAX, "descriptor unreadable: %s", e.msg);
		o->st->skipped++;
		return 0;
	}
	sv = get64(desc, L->off_state_var + L->off_counter);
	if (DESC_ID(sv) != id) {
		add_problem(o, id, UINT64_MAX, "descriptor holds id %" PRIu64 " instead",
			    DESC_ID(sv));
		o->st->skipped++;
		return 0;
	}
	switch (DESC_STATE(sv)) {
	case DESC_REUSABLE:
		o->st->reusable++;
		return 0;
	case DESC_RESERVED:
		o->st->in_progress++;
		add_problem(o, id, UINT64_MAX, "still being written (reserved) at the crash");
		return 0;
	default:
		break;	/* committed or finalized: complete text */
	}
	begin = get64(desc, L->off_text_lpos + L->off_begin);
	next = get64(desc, L->off_text_lpos + L->off_next);

	if (lkcd_kmem_read(rd->km, R->infos + slot * L->sz_info, info, L->sz_info, &e) < 0) {
		add_problem(o, id, UINT64_MAX, "record info unreadable: %s", e.msg);
		o->st->skipped++;
		return 0;
	}
	seq = get64(info, L->off_seq);
	if ((seq & R->count_mask) != slot) {
		add_problem(o, id, seq, "sequence number %" PRIu64 " does not belong to slot %" PRIu64,
			    seq, slot);
		o->st->skipped++;
		return 0;
	}
	if (rd->have_seq_offset && ((seq - id) & DESC_ID_MASK) != rd->seq_offset) {
		add_problem(o, id, seq, "sequence number %" PRIu64 " does not follow from id %" PRIu64 " like the others",
			    seq, id);
		o->st->skipped++;
		return 0;
	}
	if (rd->have_last_seq && seq <= rd->last_seq) {
		add_problem(o, id, seq, "sequence number %" PRIu64 " is not after %" PRIu64,
			    seq, rd->last_seq);
		o->st->skipped++;
		return 0;
	}
	ts = get64(info, L->off_ts);
	text_len = get16(info, L->off_text_len);

	kind = locate_block(R, begin, next, &index, &size, &why);
	if (kind < 0) {
		add_problem(o, id, seq, "%s (begin 0x%" PRIx64 ", next 0x%" PRIx64 ")",
			    why, begin, next);
		o->st->skipped++;
		return 0;
	}
	if (kind == 0) {
		text_len = 0;
	} else {
		if (lkcd_kmem_read_u64(rd->km, R->data + index, &block_id, &e) < 0) {
			add_problem(o, id, seq, "text block unreadable: %s", e.msg);
			o->st->skipped++;
			return 0;
		}
		if (block_id != id) {
			add_problem(o, id, seq, "text block was overwritten (holds id %" PRIu64 ")",
				    block_id);
			o->st->skipped++;
			return 0;
		}
		if (text_len > size - 8) {
			/* As makedumpfile: keep what the block holds. */
			text_len = (size_t)(size - 8);
			o->st->truncated++;
		}
		if (text_len &&
		    lkcd_kmem_read(rd->km, R->data + index + 8, rd->text, text_len, &e) < 0) {
			add_problem(o, id, seq, "text unreadable: %s", e.msg);
			o->st->skipped++;
			return 0;
		}
	}

	o->len = 0;
	if ((o->flags & LKCD_DMESG_LEVEL) && L->off_text_len + 4 <= L->sz_info) {
		/*
		 * facility (u8) and flags:5/level:3 follow text_len in
		 * struct printk_info; VMCOREINFO does not export bitfields,
		 * so this is the 5.10..6.x layout.
		 */
		unsigned facility = info[L->off_text_len + 2];
		unsigned level = info[L->off_text_len + 3] >> 5;

		putf(o, "<%u>", facility << 3 | level);
	}
	putf(o, "[%5" PRIu64 ".%06" PRIu64 "]", ts / 1000000000u,
	     (ts % 1000000000u) / 1000u);
	if ((o->flags & LKCD_DMESG_CALLER) && L->have_caller) {
		uint32_t caller = get32(info, L->off_caller);
		char c[16];

		snprintf(c, sizeof(c), "%c%u", caller & 0x80000000u ? 'C' : 'T',
			 caller & ~0x80000000u);
		putf(o, "[%6s]", c);
	}
	put(o, " ", 1);
	indent = o->len;
	put_text(o, rd->text, text_len, indent);
	put(o, "\n", 1);
	if ((o->flags & LKCD_DMESG_DICT) && L->have_dict) {
		put_dict(o, "SUBSYSTEM", info + L->off_dev_info + L->off_subsys, L->len_subsys);
		put_dict(o, "DEVICE", info + L->off_dev_info + L->off_device, L->len_device);
	}
	ret = flush(o, err);
	if (ret <= 0)
		return ret;
	rd->have_last_seq = true;
	rd->last_seq = seq;
	if (o->st->first_seq == UINT64_MAX)
		o->st->first_seq = seq;
	o->st->last_seq = seq;
	o->st->records++;
	return 1;
}

int lkcd_dmesg_write(const struct lkcd_vmcoreinfo *vi,
		     lkcd_read_phys_fn read_phys, void *ctx,
		     const struct lkcd_dmesg_opts *opts, FILE *out,
		     struct lkcd_dmesg_stats *stats, struct lkcd_error *err)
{
	struct lkcd_dmesg_stats local;
	struct layout L;
	struct ring R;
	struct lkcd_kmem *km;
	struct out o;
	struct reader rd;
	uint64_t id, span, n, bad_run = 0;
	int ret;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	stats->first_seq = UINT64_MAX;
	if (!vi || !read_phys || !out)
		return lkcd_error_set(err, -EINVAL, "dmesg: missing VMCOREINFO, reader or output");

	ret = load_layout(vi, &L, err);
	if (ret < 0)
		return ret;
	km = malloc(sizeof(*km));
	if (!km)
		return lkcd_error_set(err, -ENOMEM, "dmesg: out of memory");
	lkcd_kmem_init(km, vi, read_phys, ctx);
	ret = load_ring(vi, km, &L, &R, err);
	if (ret < 0)
		goto out_km;

	memset(&o, 0, sizeof(o));
	o.f = out;
	o.flags = opts ? opts->flags : 0;
	o.max = opts && opts->max_output ? opts->max_output : LKCD_DMESG_DEFAULT_MAX_OUTPUT;
	o.st = stats;
	/*
	 * Worst case of one record: every text byte a "\xNN" or a newline
	 * plus indent (< 64), the prefix, two dictionary lines escaped.
	 */
	o.buf_size = 65536 * 64 + 256 + 4 * (L.len_subsys + L.len_device) + 64;
	o.buf = malloc(o.buf_size);
	memset(&rd, 0, sizeof(rd));
	rd.text = malloc(65536);
	if (!o.buf || !rd.text) {
		ret = lkcd_error_set(err, -ENOMEM, "dmesg: out of memory");
		goto out_buf;
	}
	rd.km = km;
	rd.L = &L;
	rd.R = &R;
	rd.o = &o;

	/*
	 * tail_id..head_id is at most one lap of the descriptor ring; if the
	 * recorded tail claims more, trust the head and read one lap back.
	 */
	id = R.tail_id;
	span = (R.head_id - R.tail_id) & DESC_ID_MASK;
	if (span >= R.count) {
		add_problem(&o, R.tail_id, UINT64_MAX,
			    "tail id is %" PRIu64 " descriptors behind the head (ring holds %" PRIu64 "); reading the last lap",
			    span, R.count);
		id = (R.head_id - (R.count - 1)) & DESC_ID_MASK;
		span = R.count - 1;
	}
	find_seq_offset(&rd, id, span);
	for (n = 0; n <= span; n++, id = (id + 1) & DESC_ID_MASK) {
		uint64_t skipped_before = stats->skipped;

		ret = read_record(&rd, id, err);
		if (ret < 0)
			goto out_buf;
		if (stats->output_capped)
			break;
		if (stats->skipped == skipped_before) {
			bad_run = 0;
		} else if (++bad_run >= LKCD_DMESG_MAX_CONSECUTIVE_BAD) {
			o.force_note = true;
			add_problem(&o, id, UINT64_MAX,
				    "%u damaged records in a row: giving up on the rest of the ring",
				    LKCD_DMESG_MAX_CONSECUTIVE_BAD);
			o.force_note = false;
			stats->gave_up = 1;
			break;
		}
	}
	if (stats->skipped > stats->nr_problems && (o.flags & LKCD_DMESG_NOTES)) {
		/* The notes list is bounded; say how many were not listed. */
		o.len = 0;
		putf(&o, "[lkcd: %" PRIu64 " damaged records skipped in all]\n", stats->skipped);
		flush(&o, NULL);
	}
	if (fflush(out) != 0) {
		ret = lkcd_error_set(err, -EIO, "writing the kernel log failed");
		goto out_buf;
	}
	ret = stats->records > INT_MAX ? INT_MAX : (int)stats->records;
out_buf:
	free(rd.text);
	free(o.buf);
out_km:
	free(km);
	return ret;
}
