// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The packer: walk every RAM pfn in ascending order, decide what to dump,
 * compress it and append records to a chain of storage blocks written into
 * spare pages of the very memory being dumped; seal the header last.
 *
 * Plain C: no kernel or libc includes.  Linked into lkcd.ko and into the
 * CUnit tests (over a simulated physical memory).  Panic-path code: no
 * allocation, no lock, nothing called but pk->ops.  The format it writes is
 * include/lkcd/format.h, specified in Documentation/format.rst.
 *
 * Two invariants carry the whole design (Documentation/format.rst, "Spare
 * pages" and "The header page"):
 *  - a page is written only if its content is not (or no longer) needed:
 *    excluded by the mask (the "excl" cursor), or already saved, i.e. below
 *    st.saved_below (the "reuse" cursor), or in the caller's pool;
 *  - the header is sealed last, and a record is appended only when the
 *    blocks to hold all of it have been found, so a stop at any point leaves
 *    a valid prefix: everything below header.next_pfn.
 */
#include "packer.h"

/*
 * Not traced: the packer runs at panic and a tracer hooked on it could
 * recurse or take locks (the kernel's notrace, spelled without its headers).
 */
#define PK_NOTRACE __attribute__((__no_instrument_function__))

#define PK_EINVAL	22
#define PK_PAGE_SHIFT	12
#define PK_PAYLOAD	((__u32)LKCD_BLOCK_PAYLOAD)
#define PK_BLK_HDR	((__u32)sizeof(struct lkcd_block_header))
#define PK_REC_HDR	((__u32)sizeof(struct lkcd_record_header))
#define PK_KEEPALIVE	256u
#define PK_CLOCK_EVERY	64u	/* walk steps between clock reads, none dumped */
#define PK_PROGRESS	65536u

LKCD_STATIC_ASSERT(LKCD_PAGE_SIZE == (1u << PK_PAGE_SHIFT), "page shift");
/* A record never needs more than LKCD_PACKER_QUEUE fresh blocks. */
LKCD_STATIC_ASSERT(sizeof(struct lkcd_record_header) + LKCD_PAGE_SIZE <=
		   LKCD_PACKER_QUEUE * LKCD_BLOCK_PAYLOAD, "queue depth");

/* ---- tiny helpers (no libc) ---- */

/*
 * Eight bytes at a time: a compressed page is copied into its blocks here,
 * and the byte loop this was cost the notifier as much as the crc32s
 * (issue 18: under TCG 2.8-4.9 us a page, every byte a load and a store).
 * Records start anywhere in a block, so the words are unaligned: a
 * __builtin_memcpy of a constant 8 is one load or store, no call, on
 * every target (and x86 takes them unaligned at no cost).
 */
static PK_NOTRACE void pk_copy(void *dst, const void *src, __u32 len)
{
	__u8 *d = dst;
	const __u8 *s = src;

	for (; len >= 8; len -= 8, d += 8, s += 8) {
		__u64 w;

		__builtin_memcpy(&w, s, 8);
		__builtin_memcpy(d, &w, 8);
	}
	while (len--)
		*d++ = *s++;
}

static PK_NOTRACE void pk_zero(void *dst, __u32 len)
{
	const __u64 w = 0;
	__u8 *d = dst;

	for (; len >= 8; len -= 8, d += 8)
		__builtin_memcpy(d, &w, 8);
	while (len--)
		*d++ = 0;
}

/* The read buffer is page-aligned scratch: test it a word at a time. */
static PK_NOTRACE int pk_page_is_zero(const void *page)
{
	const __u64 *w = page;
	__u32 i;

	for (i = 0; i < LKCD_PAGE_SIZE / sizeof(*w); i++)
		if (w[i])
			return 0;
	return 1;
}

/* ---- the RAM ranges, read from the header's range table ---- */

static PK_NOTRACE const struct lkcd_mem_range *pk_ranges(const struct lkcd_packer *pk)
{
	return (const struct lkcd_mem_range *)
		((const __u8 *)pk->header + pk->header->header_size);
}

/* Whole pages of range i: [*first, *end). */
static PK_NOTRACE void pk_range_pfns(const struct lkcd_packer *pk, __u32 i,
			  __u64 *first, __u64 *end)
{
	const struct lkcd_mem_range *r = &pk_ranges(pk)[i];

	*first = (r->start + LKCD_PAGE_SIZE - 1) >> PK_PAGE_SHIFT;
	*end = (r->start + r->size) >> PK_PAGE_SHIFT;
	if (*end < *first)
		*end = *first;
}

/* ---- pages the packer owns: the header page and the pool ---- */

static PK_NOTRACE int pk_in_pool(const struct lkcd_packer *pk, __u64 pfn)
{
	__u32 lo = 0, hi = pk->nr_pool;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (pk->pool[mid] == pfn)
			return 1;
		if (pk->pool[mid] < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static PK_NOTRACE int pk_reserved(const struct lkcd_packer *pk, __u64 pfn)
{
	return pfn == pk->header_pfn || pk_in_pool(pk, pfn);
}

/* The first of our own pages at or above pfn, ~0 when none. */
static PK_NOTRACE __u64 pk_next_reserved(const struct lkcd_packer *pk, __u64 pfn)
{
	__u64 best = pk->header_pfn >= pfn ? pk->header_pfn : ~0ULL;
	__u32 lo = 0, hi = pk->nr_pool;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (pk->pool[mid] < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pk->nr_pool && pk->pool[lo] < best)
		best = pk->pool[lo];
	return best;
}

/* ---- classes ---- */

/* Left out by the exclude mask (never read, so spare right away). */
static PK_NOTRACE int pk_class_excluded(__u32 exclude, __u32 cls)
{
	switch (cls) {
	case LKCD_PC_FREE:
		return !!(exclude & LKCD_EXCLUDE_FREE);
	case LKCD_PC_CACHE:
		return !!(exclude & (LKCD_EXCLUDE_CACHE | LKCD_EXCLUDE_CACHE_PRI));
	case LKCD_PC_CACHE_PRIVATE:
		return !!(exclude & LKCD_EXCLUDE_CACHE_PRI);
	case LKCD_PC_USER:
		return !!(exclude & LKCD_EXCLUDE_USER);
	default:
		return 0;
	}
}

/* Classes whose pages may ever hold a storage block (when not busy). */
static PK_NOTRACE int pk_class_spareable(__u32 cls)
{
	return cls == LKCD_PC_FREE || cls == LKCD_PC_CACHE ||
	       cls == LKCD_PC_CACHE_PRIVATE || cls == LKCD_PC_USER;
}

/* Classes that are never read, whatever the level and mask. */
static PK_NOTRACE int pk_class_never_read(__u32 cls)
{
	return cls == LKCD_PC_HOLE || cls == LKCD_PC_NODUMP ||
	       cls == LKCD_PC_HWPOISON || cls == LKCD_PC_OFFLINE ||
	       cls >= LKCD_PC_NR;
}

/* classify() with the run clamped to [1, limit - pfn]. */
static PK_NOTRACE __u32 pk_classify(struct lkcd_packer *pk, __u64 pfn, __u64 limit,
			 __u64 *run)
{
	__u64 n = 1;
	__u32 ans = pk->ops->classify(pk->ctx, pfn, &n);

	if (n == 0)
		n = 1;
	if (n > limit - pfn)
		n = limit - pfn;
	*run = n;
	return ans;
}

/* touch_nmi_watchdog() every PK_KEEPALIVE steps of any long loop. */
static PK_NOTRACE void pk_keepalive(struct lkcd_packer *pk)
{
	if (pk->ops->keepalive && ++pk->st.steps % PK_KEEPALIVE == 0)
		pk->ops->keepalive(pk->ctx);
}

/* ---- spare-page cursors ---- */

static PK_NOTRACE void pk_cursor_init(struct lkcd_packer *pk, struct lkcd_packer_cursor *c)
{
	__u64 end;

	c->range = 0;
	c->run_end = 0;
	c->done = pk->header->nr_ranges == 0;
	if (!c->done)
		pk_range_pfns(pk, 0, &c->pfn, &end);
}

/*
 * Move c to the next pfn to examine, below limit (the reuse cursor may not
 * pass st.saved_below).  Returns 0 when there is none (for now).
 */
static PK_NOTRACE int pk_cursor_settle(struct lkcd_packer *pk, struct lkcd_packer_cursor *c)
{
	__u64 first, end;

	while (!c->done) {
		pk_range_pfns(pk, c->range, &first, &end);
		if (c->pfn < first)
			c->pfn = first;
		if (c->pfn < end)
			return 1;
		c->run_end = 0;
		if (++c->range >= pk->header->nr_ranges)
			c->done = 1;
	}
	return 0;
}

/* Cached classify answer for c->pfn (runs are walked without re-asking). */
static PK_NOTRACE __u32 pk_cursor_class(struct lkcd_packer *pk, struct lkcd_packer_cursor *c)
{
	__u64 first, end, run;

	if (c->run_end > c->pfn)
		return c->cls;
	pk_range_pfns(pk, c->range, &first, &end);
	c->cls = pk_classify(pk, c->pfn, end, &run);
	c->run_end = c->pfn + run;
	pk->phases.spare_classify++;
	return c->cls;
}

/* Skip the unreadable runs the reuse cursor has passed; 1 if pfn is in one. */
static PK_NOTRACE int pk_in_bad_run(struct lkcd_packer *pk, __u64 pfn, __u64 *skip_to)
{
	while (pk->st.nr_bad) {
		struct lkcd_packer_span *b = &pk->st.bad[pk->st.bad_head];

		if (b->end <= pfn) {
			pk->st.bad_head = (pk->st.bad_head + 1) % LKCD_PACKER_BAD_RUNS;
			pk->st.nr_bad--;
			continue;
		}
		if (b->start <= pfn) {
			*skip_to = b->end;
			return 1;
		}
		return 0;
	}
	return 0;
}

static PK_NOTRACE void pk_remember_bad_run(struct lkcd_packer *pk, __u64 start, __u64 end)
{
	__u32 slot;

	if (pk->st.nr_bad == LKCD_PACKER_BAD_RUNS) {
		/*
		 * No room: stretch the newest run over this one.  The good
		 * pages in between are given up as spares, nothing more.
		 */
		slot = (pk->st.bad_head + pk->st.nr_bad - 1) % LKCD_PACKER_BAD_RUNS;
		pk->st.bad[slot].end = end;
		return;
	}
	slot = (pk->st.bad_head + pk->st.nr_bad) % LKCD_PACKER_BAD_RUNS;
	pk->st.bad[slot].start = start;
	pk->st.bad[slot].end = end;
	pk->st.nr_bad++;
}

/* The deadline has passed (never, without one). */
static PK_NOTRACE int pk_past_deadline(struct lkcd_packer *pk)
{
	return pk->deadline_ns && pk->ops->now_ns(pk->ctx) >= pk->deadline_ns;
}

/*
 * A phase boundary: the time since the last one goes to bucket (a field of
 * pk->phases).  Returns the clock read.
 */
static PK_NOTRACE __u64 pk_lap(struct lkcd_packer *pk, __u64 *bucket)
{
	__u64 now = pk->ops->now_ns(pk->ctx);

	if (now > pk->st.mark)
		*bucket += now - pk->st.mark;
	pk->st.mark = now;
	return now;
}

/*
 * Next spare page from cursor c.  reuse = 0: pages the mask excludes, anywhere
 * in RAM.  reuse = 1: pages of dumped spareable classes below saved_below
 * (already saved: LKCD's trick), avoiding unreadable runs.  free selects
 * free pages (1) or the other spareable classes (0): see pk_find_spare.
 *
 * One call may walk all of RAM without finding anything (a large machine,
 * nothing excluded left): it looks at the clock every PK_KEEPALIVE pages and
 * gives up once the deadline has passed (st.deadline_hit), so the run stops
 * in time with INCOMPLETE/DEADLINE rather than seconds late.  The first
 * PK_KEEPALIVE pages are scanned even then, so that a run flushed after the
 * deadline can still find the room for its last small record.
 */
static PK_NOTRACE int pk_cursor_take(struct lkcd_packer *pk, struct lkcd_packer_cursor *c,
				     int reuse, int free, struct lkcd_packer_spare *out)
{
	__u32 steps = 0;

	while (pk_cursor_settle(pk, c)) {
		__u64 pfn = c->pfn, skip_to;
		__u32 ans, cls;
		void *addr;

		pk_keepalive(pk);
		if (++steps % PK_KEEPALIVE == 0 && pk_past_deadline(pk)) {
			pk->st.deadline_hit = 1;
			return 0;
		}
		pk->phases.spare_pfns++;

		if (reuse && pfn >= pk->st.saved_below)
			return 0;	/* not saved yet: maybe later */
		if (reuse && pk_in_bad_run(pk, pfn, &skip_to)) {
			c->pfn = skip_to;
			continue;
		}
		ans = pk_cursor_class(pk, c);
		cls = ans & LKCD_PC_MASK;
		if ((ans & LKCD_PCF_BUSY) || !pk_class_spareable(cls) ||
		    (cls == LKCD_PC_FREE) != !!free ||
		    pk_class_excluded(pk->exclude, cls) == !!reuse) {
			c->pfn = c->run_end;	/* the whole run answers the same */
			continue;
		}
		c->pfn++;
		/* paddr 0 means "no block" in the format: never a block there */
		if (pfn == 0 || pk_reserved(pk, pfn))
			continue;
		addr = pk->ops->map_spare(pk->ctx, pfn);
		if (!addr)
			continue;
		out->pfn = pfn;
		out->addr = addr;
		return 1;
	}
	return 0;
}

/*
 * A spare page, best first.  Free pages come last: the kernel goes on after
 * the dump (the rest of panic(), kmsg_dump, netconsole) and may allocate,
 * and an allocation hands out free pages, so a block in one may be
 * overwritten before the capture kernel reads it.  Page cache and user
 * pages are never handed out without the (stopped) owner.  The pool, the
 * caller's own pages, is the last resort (or the only source, POOL_ONLY).
 */
static PK_NOTRACE int pk_find_spare_timed(struct lkcd_packer *pk, struct lkcd_packer_spare *out)
{
	__u64 *from = pk->phases.spare_from;

	if (!(pk->flags & LKCD_PACKER_POOL_ONLY) && !pk->st.deadline_hit) {
		if (pk_cursor_take(pk, &pk->st.excl, 0, 0, out))
			return ++from[0], 1;
		if (pk_cursor_take(pk, &pk->st.reuse, 1, 0, out))
			return ++from[1], 1;
		if (pk_cursor_take(pk, &pk->st.excl_free, 0, 1, out))
			return ++from[2], 1;
		if (pk_cursor_take(pk, &pk->st.reuse_free, 1, 1, out))
			return ++from[3], 1;
	}
	while (pk->st.pool_next < pk->nr_pool) {
		__u64 pfn = pk->pool[pk->st.pool_next++];
		void *addr = pfn ? pk->ops->map_spare(pk->ctx, pfn) : 0;

		if (addr) {
			out->pfn = pfn;
			out->addr = addr;
			return ++from[4], 1;
		}
	}
	return 0;
}

/* The search, its time taken out of the record being stored. */
static PK_NOTRACE int pk_find_spare(struct lkcd_packer *pk, struct lkcd_packer_spare *out)
{
	int found;

	pk_lap(pk, &pk->phases.store_ns);
	found = pk_find_spare_timed(pk, out);
	pk_lap(pk, &pk->phases.spare_ns);
	pk->phases.spares += found;
	return found;
}

/* Why the run stops when no page is left for a block. */
static PK_NOTRACE __u32 pk_out_of_space(const struct lkcd_packer *pk)
{
	if (pk->st.deadline_hit)
		return LKCD_INCOMPLETE_DEADLINE;	/* the search ran out of time */
	return (pk->flags & LKCD_PACKER_POOL_ONLY) ? LKCD_INCOMPLETE_CAP :
						     LKCD_INCOMPLETE_NO_SPARE;
}

/* ---- the block stream ---- */

static PK_NOTRACE __u32 pk_crc(const struct lkcd_packer *pk, const void *buf, __u32 len)
{
	return pk->ops->crc32(0, buf, len);
}

/*
 * Finish block blk, number seq, holding used payload bytes (the rest is
 * zeroed) whose first record starts at first: next_paddr, sizes, both CRCs.
 */
static PK_NOTRACE void pk_block_seal(struct lkcd_packer *pk, __u8 *blk, __u64 seq,
				     __u32 used, __u32 first, __u64 next_pfn)
{
	struct lkcd_block_header bh;
	__u8 *payload = blk + PK_BLK_HDR;

	pk_lap(pk, &pk->phases.store_ns);
	pk_zero(payload + used, PK_PAYLOAD - used);
	pk_zero(&bh, sizeof(bh));
	bh.magic = LKCD_BLOCK_MAGIC;
	bh.seq = seq;
	bh.next_paddr = next_pfn << PK_PAGE_SHIFT;
	bh.payload_size = used;
	bh.payload_crc = pk_crc(pk, payload, used);
	bh.first_record_offset = (__u16)first;
	bh.header_crc = 0;
	bh.header_crc = pk_crc(pk, &bh, sizeof(bh));
	pk_copy(blk, &bh, sizeof(bh));
	pk_lap(pk, &pk->phases.crc_ns);
	pk->phases.seals++;
}

/* Seal the current block (if any) and continue in the first queued one. */
static PK_NOTRACE void pk_block_next(struct lkcd_packer *pk)
{
	struct lkcd_packer_spare s = pk->st.queue[0];
	__u32 i;

	for (i = 1; i < pk->st.nr_queue; i++)
		pk->st.queue[i - 1] = pk->st.queue[i];
	pk->st.nr_queue--;

	if (pk->st.blk)
		pk_block_seal(pk, pk->st.blk, pk->st.nr_blocks - 1, pk->st.blk_used,
			      pk->st.blk_first, s.pfn);
	else
		pk->st.first_block_pfn = s.pfn;	/* the header gets it at the seal */
	pk->st.blk = s.addr;
	pk->st.blk_pfn = s.pfn;
	pk->st.blk_used = 0;
	pk->st.blk_first = LKCD_NO_RECORD;
	pk->st.nr_blocks++;
}

/* Make sure len more bytes fit in the current block plus queued ones. */
static PK_NOTRACE int pk_stream_reserve(struct lkcd_packer *pk, __u32 len)
{
	__u32 room = pk->st.blk ? PK_PAYLOAD - pk->st.blk_used : 0;

	room += pk->st.nr_queue * PK_PAYLOAD;
	while (room < len) {
		if (pk->st.nr_queue >= LKCD_PACKER_QUEUE)
			return -1;	/* cannot happen: see the static assert */
		if (!pk_find_spare(pk, &pk->st.queue[pk->st.nr_queue]))
			return -1;
		pk->st.nr_queue++;
		room += PK_PAYLOAD;
	}
	return 0;
}

static PK_NOTRACE void pk_stream_write(struct lkcd_packer *pk, const void *src, __u32 len)
{
	const __u8 *s = src;

	while (len) {
		__u32 n;

		if (!pk->st.blk || pk->st.blk_used == PK_PAYLOAD)
			pk_block_next(pk);
		n = PK_PAYLOAD - pk->st.blk_used;
		if (n > len)
			n = len;
		pk_copy(pk->st.blk + PK_BLK_HDR + pk->st.blk_used, s, n);
		pk->st.blk_used += n;
		s += n;
		len -= n;
	}
}

/*
 * Append one record, all or nothing.  Returns 0, or -1 when no spare page is
 * left for it (nothing written: the stream still ends on a record boundary).
 */
static PK_NOTRACE int pk_append(struct lkcd_packer *pk, __u64 pfn, __u32 flags,
		     __u32 count, const void *data, __u32 size)
{
	struct lkcd_record_header rh;

	if (pk_stream_reserve(pk, PK_REC_HDR + size))
		return -1;
	pk_zero(&rh, sizeof(rh));
	rh.pfn = pfn;
	rh.stored_size = size;
	rh.flags = (__u16)flags;
	rh.compress = flags == LKCD_REC_COMPRESSED ? (__u16)pk->compress : 0;
	rh.count = count;
	if (size) {
		rh.crc = pk_crc(pk, data, size);
		pk_lap(pk, &pk->phases.crc_ns);
	}

	/* The record starts where the next byte goes: maybe a fresh block. */
	if (!pk->st.blk || pk->st.blk_used == PK_PAYLOAD)
		pk_block_next(pk);
	if (pk->st.blk_first == LKCD_NO_RECORD)
		pk->st.blk_first = pk->st.blk_used;
	pk_stream_write(pk, &rh, sizeof(rh));
	pk_stream_write(pk, data, size);

	pk->st.nr_records++;
	pk->st.stored_bytes += PK_REC_HDR + size;
	return 0;
}

/*
 * Everything below next_pfn is in complete records (or excluded) and the
 * stream ends on a record boundary: remember it, so that a run interrupted
 * from now on can still be sealed up to here (lkcd_packer_seal_committed).
 */
static PK_NOTRACE void pk_commit(struct lkcd_packer *pk, __u64 next_pfn)
{
	struct lkcd_packer_commit *c = &pk->st.commit;

	c->nr_blocks = pk->st.nr_blocks;
	c->nr_records = pk->st.nr_records;
	c->pages_dumped = pk->st.pages_dumped;
	c->pages_zero = pk->st.pages_zero;
	c->pages_excluded = pk->st.pages_excluded;
	c->pages_unreadable = pk->st.pages_unreadable;
	c->stored_bytes = pk->st.stored_bytes;
	c->next_pfn = next_pfn;
	c->first_block_pfn = pk->st.first_block_pfn;
	c->blk = pk->st.blk;
	c->blk_used = pk->st.blk_used;
	c->blk_first = pk->st.blk_first;
}

/* ---- pending zero / unreadable runs ---- */

static PK_NOTRACE int pk_run_flush(struct lkcd_packer *pk)
{
	__u64 start = pk->st.run_pfn;
	__u32 flags = pk->st.run_flags, count = pk->st.run_count;

	if (!flags)
		return 0;
	if (pk_append(pk, start, flags, count, 0, 0))
		return -1;
	pk->st.run_flags = 0;
	if (flags == LKCD_REC_ZERO) {
		pk->st.pages_dumped += count;
		pk->st.pages_zero += count;
	} else {
		pk->st.pages_unreadable += count;
		pk_remember_bad_run(pk, start, start + count);
	}
	return 0;
}

/* Add pfn to the pending run of that kind, flushing a different one first. */
static PK_NOTRACE int pk_run_add(struct lkcd_packer *pk, __u64 pfn, __u32 flags)
{
	if (pk->st.run_flags == flags &&
	    pk->st.run_pfn + pk->st.run_count == pfn &&
	    pk->st.run_count < 0xffffffffu) {
		pk->st.run_count++;
		return 0;
	}
	if (pk_run_flush(pk))
		return -1;
	pk->st.run_flags = flags;
	pk->st.run_pfn = pfn;
	pk->st.run_count = 1;
	return 0;
}

/* ---- one page ---- */

/* Read, test, compress and append pfn.  -1 = out of spare pages. */
static PK_NOTRACE int pk_dump_page(struct lkcd_packer *pk, __u64 pfn)
{
	int csize = -1, zero;

	pk->phases.reads++;
	if (pk->ops->read_page(pk->ctx, pfn, pk->read_buf)) {
		pk_lap(pk, &pk->phases.read_ns);
		return pk_run_add(pk, pfn, LKCD_REC_UNREADABLE);
	}
	zero = pk_page_is_zero(pk->read_buf);
	pk_lap(pk, &pk->phases.read_ns);
	if (zero) {
		if (pk->exclude & LKCD_EXCLUDE_ZERO) {
			if (pk_run_flush(pk))
				return -1;
			pk->st.pages_excluded++;
			return 0;
		}
		return pk_run_add(pk, pfn, LKCD_REC_ZERO);
	}
	if (pk->st.run_flags) {
		if (pk_run_flush(pk))
			return -1;
		pk_lap(pk, &pk->phases.store_ns);	/* the run's record */
	}
	if (pk->compress != LKCD_COMPRESS_NONE) {
		csize = pk->ops->compress(pk->ctx, pk->read_buf, pk->comp_buf,
					  LKCD_PAGE_SIZE - 1);
		pk_lap(pk, &pk->phases.compress_ns);
		pk->phases.compressed++;
	}
	if (csize > 0 && csize < (int)LKCD_PAGE_SIZE) {
		pk->phases.comp_bytes += (__u32)csize;
		if (pk_append(pk, pfn, LKCD_REC_COMPRESSED, 1, pk->comp_buf,
			      (__u32)csize))
			return -1;
	} else if (pk_append(pk, pfn, LKCD_REC_RAW, 1, pk->read_buf,
			     LKCD_PAGE_SIZE)) {
		return -1;
	}
	pk_lap(pk, &pk->phases.store_ns);
	pk->st.pages_dumped++;
	return 0;
}

/* ---- setup, walk, seal ---- */

static PK_NOTRACE int pk_setup_valid(const struct lkcd_packer *pk)
{
	const struct lkcd_packer_ops *ops = pk->ops;
	const struct lkcd_dump_header *h = pk->header;
	__u64 prev_end = 0, first, end;
	__u32 i;

	if (!ops->classify || !ops->read_page || !ops->map_spare ||
	    !ops->now_ns || !pk->read_buf || !pk->comp_buf)
		return 0;
	if (pk->level == LKCD_LEVEL_NONE || (pk->exclude & ~LKCD_EXCLUDE_MASK) ||
	    (pk->flags & ~LKCD_PACKER_FLAGS))
		return 0;
	if (h->header_size < sizeof(*h) ||
	    h->header_size > LKCD_PAGE_SIZE ||
	    h->nr_ranges > (LKCD_PAGE_SIZE - h->header_size) /
			   sizeof(struct lkcd_mem_range))
		return 0;
	for (i = 0; i < h->nr_ranges; i++) {
		const struct lkcd_mem_range *r = &pk_ranges(pk)[i];

		if (r->start + r->size < r->start || r->start < prev_end)
			return 0;
		prev_end = r->start + r->size;
		pk_range_pfns(pk, i, &first, &end);
		if (end > h->max_pfn)
			return 0;
	}
	for (i = 1; i < pk->nr_pool; i++)
		if (pk->pool[i] <= pk->pool[i - 1])
			return 0;
	if (pk_in_pool(pk, pk->header_pfn))
		return 0;
	return 1;
}

/*
 * Seal the header from the commit (the run commits just before): the
 * committed last block ends the chain, the counts are the committed ones.
 * A run interrupted after the commit (a panic inside the dumper) is sealed
 * the same way: blocks chained after the commit (a record half written) are
 * no longer reachable, and resealing the committed last block with its
 * committed payload zeroes whatever the unfinished record put after it.
 */
static PK_NOTRACE void pk_seal_header(struct lkcd_packer *pk, __u32 state, __u32 reason)
{
	const struct lkcd_packer_commit *c = &pk->st.commit;
	struct lkcd_dump_header *h = pk->header;

	if (c->blk)
		pk_block_seal(pk, c->blk, c->nr_blocks - 1, c->blk_used, c->blk_first, 0);
	h->first_block_paddr = c->blk ? c->first_block_pfn << PK_PAGE_SHIFT : 0;
	h->level = pk->level;
	h->exclude = pk->exclude;
	h->compress = pk->compress;
	h->state = state;
	h->incomplete_reason = reason;
	h->nr_blocks = c->nr_blocks;
	h->nr_records = c->nr_records;
	h->pages_dumped = c->pages_dumped;
	h->pages_zero = c->pages_zero;
	h->pages_excluded = c->pages_excluded;
	h->pages_unreadable = c->pages_unreadable;
	h->stored_bytes = c->stored_bytes;
	h->next_pfn = c->next_pfn;
	h->dump_end_ns = pk->ops->now_ns ? pk->ops->now_ns(pk->ctx) : 0;
	h->crc = 0;
	h->crc = pk_crc(pk, h, LKCD_HEADER_AREA_SIZE);
	pk->st.phase = LKCD_PACKER_SEALED;
}

static PK_NOTRACE void pk_state_init(struct lkcd_packer *pk)
{
	__u64 first, end;
	__u32 i;

	pk_zero(&pk->st, sizeof(pk->st));
	pk_zero(&pk->phases, sizeof(pk->phases));
	for (i = 0; i < pk->header->nr_ranges; i++) {
		pk_range_pfns(pk, i, &first, &end);
		pk->st.pages_total += end - first;
	}
	pk->st.next_progress = pk->progress_every ? pk->progress_every : PK_PROGRESS;
	pk_cursor_init(pk, &pk->st.excl);
	pk_cursor_init(pk, &pk->st.reuse);
	pk_cursor_init(pk, &pk->st.excl_free);
	pk_cursor_init(pk, &pk->st.reuse_free);
	/*
	 * A cursor that can never find anything is not run: each would cost
	 * a pass over every struct page.  excl needs a class the mask
	 * excludes, reuse one it keeps.
	 */
	if (!(pk->exclude & (LKCD_EXCLUDE_CACHE | LKCD_EXCLUDE_CACHE_PRI |
			     LKCD_EXCLUDE_USER)))
		pk->st.excl.done = 1;
	if ((pk->exclude & LKCD_EXCLUDE_CACHE_PRI) && (pk->exclude & LKCD_EXCLUDE_USER))
		pk->st.reuse.done = 1;
	if (pk->exclude & LKCD_EXCLUDE_FREE)
		pk->st.reuse_free.done = 1;
	else
		pk->st.excl_free.done = 1;
}

/*
 * Progress, keepalive and the deadline, once per loop step.  The deadline
 * is checked against the last clock read: a step that dumps a page reads
 * the clock four times, so the read is fresh after one; a run of steps
 * that dump nothing reads it every PK_CLOCK_EVERY steps (a clock read per
 * step was a sixth of the walk's time under TCG).  Their time goes to the
 * walk, at the next read.
 */
static PK_NOTRACE int pk_tick(struct lkcd_packer *pk)
{
	pk->phases.walk_steps++;
	pk_keepalive(pk);
	if (pk->ops->progress && pk->st.pages_seen >= pk->st.next_progress) {
		pk_lap(pk, &pk->phases.walk_ns);
		pk->ops->progress(pk->ctx, pk->st.pages_seen, pk->st.pages_total);
		pk->st.next_progress = pk->st.pages_seen +
			(pk->progress_every ? pk->progress_every : PK_PROGRESS);
		pk_lap(pk, &pk->phases.progress_ns);
	} else if (pk->phases.walk_steps % PK_CLOCK_EVERY == 0) {
		pk_lap(pk, &pk->phases.walk_ns);
	}
	return pk->deadline_ns && pk->st.mark >= pk->deadline_ns;
}

/*
 * Examine [pfn, end) of one range.  Returns the first pfn not covered
 * when it had to stop (st.stop_reason set), or end.
 */
static PK_NOTRACE __u64 pk_walk_range(struct lkcd_packer *pk, __u64 pfn, __u64 end)
{
	while (pfn < end) {
		__u64 run, p;
		__u32 ans, cls;

		if (pk_tick(pk)) {
			pk->st.stop_reason = LKCD_INCOMPLETE_DEADLINE;
			return pfn;
		}
		ans = pk_classify(pk, pfn, end, &run);
		cls = ans & LKCD_PC_MASK;
		/* Our own pages break runs: never read, never counted as data. */
		/* the walk only moves up: the answer holds until pfn passes it */
		if (!pk->st.next_res_valid || pfn > pk->st.next_res) {
			pk->st.next_res = pk_next_reserved(pk, pfn);
			pk->st.next_res_valid = 1;
		}
		p = pk->st.next_res;
		if (p == pfn)
			run = 1;
		else if (p - pfn < run)
			run = p - pfn;
		if (p == pfn || pk->level == LKCD_LEVEL_HEADER ||
		    pk_class_never_read(cls) ||
		    pk_class_excluded(pk->exclude, cls)) {
			/*
			 * A gap ends the pending run; flush it now so that
			 * everything counted lies below the stop pfn.
			 */
			if (pk->st.run_flags)
				pk_lap(pk, &pk->phases.walk_ns);
			if (pk_run_flush(pk)) {
				pk->st.stop_reason = pk_out_of_space(pk);
				return pk->st.run_pfn;
			}
			pk->st.pages_excluded += run;
			pk->st.pages_seen += run;
			pfn += run;
			pk->st.saved_below = pfn;
			pk_commit(pk, pfn);
			continue;
		}
		/* Dumped: one page per step, its content is ours once read. */
		pk_lap(pk, &pk->phases.walk_ns);
		if (pk_dump_page(pk, pfn)) {
			pk->st.stop_reason = pk_out_of_space(pk);
			return pk->st.run_flags ? pk->st.run_pfn : pfn;
		}
		pk->st.pages_seen++;
		pfn++;
		/* a pending run is not a record yet: it is not below either */
		pk->st.saved_below = pk->st.run_flags ? pk->st.run_pfn : pfn;
		pk_commit(pk, pk->st.saved_below);
	}
	return end;
}

PK_NOTRACE int lkcd_packer_run(struct lkcd_packer *pk)
{
	struct lkcd_dump_header *h = pk->header;
	__u64 first, end, stop_pfn = 0;
	__u32 i;

	if (!h || !pk->ops || !pk->ops->crc32)
		return -PK_EINVAL;
	if (!pk->ops->compress)
		pk->compress = LKCD_COMPRESS_NONE;
	if (!pk_setup_valid(pk)) {
		pk_zero(&pk->st, sizeof(pk->st));	/* commit: nothing */
		pk_zero(&pk->phases, sizeof(pk->phases));
		pk_seal_header(pk, LKCD_STATE_INCOMPLETE, LKCD_INCOMPLETE_ERROR);
		return -PK_EINVAL;
	}
	pk_state_init(pk);
	/* A stale sealed header must not survive a dump that dies half way. */
	h->state = LKCD_STATE_IN_PROGRESS;
	h->crc = 0;
	h->first_block_paddr = 0;
	h->dump_start_ns = pk->ops->now_ns(pk->ctx);
	pk->st.mark = h->dump_start_ns;
	pk->st.phase = LKCD_PACKER_RUNNING;	/* committed: nothing yet */

	for (i = 0; i < h->nr_ranges && !pk->st.stop_reason; i++) {
		pk_range_pfns(pk, i, &first, &end);
		stop_pfn = pk_walk_range(pk, first, end);
	}
	/* A pending run is saved data too: flush it even after a deadline. */
	if (pk->st.stop_reason != pk_out_of_space(pk) && pk->st.run_flags &&
	    pk_run_flush(pk)) {
		if (!pk->st.stop_reason)
			pk->st.stop_reason = pk_out_of_space(pk);
		stop_pfn = pk->st.run_pfn;
	}
	if (!pk->st.stop_reason)
		stop_pfn = h->max_pfn;
	pk_commit(pk, stop_pfn);
	pk_lap(pk, &pk->phases.walk_ns);
	if (pk->ops->progress) {
		pk->ops->progress(pk->ctx, pk->st.pages_seen, pk->st.pages_total);
		pk_lap(pk, &pk->phases.progress_ns);
	}
	pk_seal_header(pk, pk->st.stop_reason ? LKCD_STATE_INCOMPLETE : LKCD_STATE_COMPLETE,
		       pk->st.stop_reason);
	return 0;
}

PK_NOTRACE int lkcd_packer_seal_committed(struct lkcd_packer *pk, __u32 reason)
{
	if (!pk->header || !pk->ops || !pk->ops->crc32)
		return -PK_EINVAL;
	if (pk->st.phase == LKCD_PACKER_SEALED)
		return 0;
	if (pk->st.phase != LKCD_PACKER_RUNNING)
		return -PK_EINVAL;
	pk_seal_header(pk, LKCD_STATE_INCOMPLETE, reason);
	return 0;
}

PK_NOTRACE void lkcd_packer_header_empty(struct lkcd_dump_header *h, __u32 reason)
{
	h->state = LKCD_STATE_INCOMPLETE;
	h->incomplete_reason = reason;
	h->first_block_paddr = 0;
	h->nr_blocks = 0;
	h->nr_records = 0;
	h->pages_dumped = 0;
	h->pages_zero = 0;
	h->pages_excluded = 0;
	h->pages_unreadable = 0;
	h->stored_bytes = 0;
	h->next_pfn = 0;
}

#ifdef LKCD_TEST
/* Widest pfn span a damaged block's records may cover (classify cost). */
#define PK_DAMAGE_SPAN	4096u

/*
 * The first data record whose header and at least one data byte are in
 * this block (blk, sequence seq): its payload offset, or 0 when none.
 * flip: flip one bit in the middle of its bytes here and report it.
 */
static PK_NOTRACE __u32 pk_damage_block(struct lkcd_packer *pk, __u8 *blk, __u64 seq, int flip,
					void (*report)(void *ctx, __u64 pfn,
						       __u64 block_seq, __u32 byte))
{
	struct lkcd_block_header bh;
	struct lkcd_record_header rh;
	__u8 *payload = blk + PK_BLK_HDR;
	__u32 off, start, end;

	pk_copy(&bh, blk, sizeof(bh));
	if (bh.payload_size > PK_PAYLOAD || bh.first_record_offset == LKCD_NO_RECORD)
		return 0;
	for (off = bh.first_record_offset;
	     off < bh.payload_size && bh.payload_size - off > PK_REC_HDR;
	     off += PK_REC_HDR) {
		pk_copy(&rh, payload + off, sizeof(rh));
		if (!rh.stored_size)
			continue;	/* a zero or unreadable run: no data */
		/* the middle of its bytes in this block */
		start = off + PK_REC_HDR;
		end = bh.payload_size - start < rh.stored_size ?
		      bh.payload_size : start + rh.stored_size;
		start += (end - start) / 2;
		if (flip) {
			payload[start] ^= (__u8)(1u << (seq % 8));
			if (report)
				report(pk->ctx, rh.pfn, seq, start);
		}
		return start;
	}
	return 0;
}

/* The pfn of the first record starting in blk; ~0 when none is whole there. */
static PK_NOTRACE __u64 pk_block_first_pfn(const __u8 *blk)
{
	struct lkcd_block_header bh;
	struct lkcd_record_header rh;

	pk_copy(&bh, blk, sizeof(bh));
	if (bh.payload_size > PK_PAYLOAD || bh.first_record_offset == LKCD_NO_RECORD ||
	    bh.first_record_offset > bh.payload_size ||
	    bh.payload_size - bh.first_record_offset < PK_REC_HDR)
		return ~0ULL;
	pk_copy(&rh, blk + PK_BLK_HDR + bh.first_record_offset, sizeof(rh));
	return rh.pfn;
}

/* Every pfn of [lo, hi) the dump holds is of a class in classes (0: any). */
static PK_NOTRACE int pk_damage_allowed(struct lkcd_packer *pk, __u64 lo, __u64 hi,
					__u32 classes)
{
	__u64 pfn, run;
	__u32 cls;

	if (!classes)
		return 1;
	if (lo == ~0ULL || hi == ~0ULL || hi <= lo || hi - lo > PK_DAMAGE_SPAN)
		return 0;
	for (pfn = lo; pfn < hi; pfn += run) {
		if (pk_reserved(pk, pfn)) {
			run = 1;
			continue;	/* never dumped */
		}
		cls = pk_classify(pk, pfn, hi, &run) & LKCD_PC_MASK;
		if (pk->level == LKCD_LEVEL_HEADER || pk_class_never_read(cls) ||
		    pk_class_excluded(pk->exclude, cls))
			continue;	/* not in the dump */
		if (!(classes & LKCD_PC_BIT(cls)))
			return 0;
	}
	return 1;
}

/*
 * Walk the chain and count the blocks that qualify (n == 0), or damage the
 * qualifying blocks number (2k + 1) * m / 2n, k < n, of the m counted.
 * A block's records hold pfns from the record running into it (at or after
 * the last record start of an earlier block; none when its first record
 * starts at offset 0) up to the first record of the next block.
 */
static PK_NOTRACE __u32 pk_damage_walk(struct lkcd_packer *pk, __u32 n, __u32 m, __u32 classes,
				       void *(*map)(void *ctx, __u64 pfn),
				       void (*report)(void *ctx, __u64 pfn,
						      __u64 block_seq, __u32 byte))
{
	const struct lkcd_dump_header *h = pk->header;
	__u64 seq, last_start = ~0ULL, target = n ? m / (2 * (__u64)n) : 0;
	__u8 *blk = h->first_block_paddr ? map(pk->ctx, h->first_block_paddr >> PK_PAGE_SHIFT) : NULL;
	__u32 found = 0, done = 0;

	for (seq = 0; blk && seq < h->nr_blocks && (!n || done < n); seq++) {
		struct lkcd_block_header bh;
		__u8 *next;
		__u64 first, lo, hi;

		pk_copy(&bh, blk, sizeof(bh));
		next = bh.next_paddr ? map(pk->ctx, bh.next_paddr >> PK_PAGE_SHIFT) : NULL;
		first = pk_block_first_pfn(blk);
		lo = bh.first_record_offset == 0 ? first : last_start;
		hi = next ? pk_block_first_pfn(next) : ~0ULL;
		if (pk_damage_block(pk, blk, seq, 0, NULL) &&
		    pk_damage_allowed(pk, lo, hi, classes)) {
			if (n && found == target) {
				pk_damage_block(pk, blk, seq, 1, report);
				done++;
				target = (2 * (__u64)done + 1) * m / (2 * (__u64)n);
			}
			found++;
		}
		if (first != ~0ULL)
			last_start = first;
		blk = next;
	}
	return n ? done : found;
}

PK_NOTRACE __u32 lkcd_packer_damage_records(struct lkcd_packer *pk, __u32 n, __u32 classes,
					   void *(*map)(void *ctx, __u64 pfn),
					   void (*report)(void *ctx, __u64 pfn,
							  __u64 block_seq, __u32 byte))
{
	__u32 m;

	if (!n || !pk->header || !pk->header->first_block_paddr)
		return 0;
	m = pk_damage_walk(pk, 0, 0, classes, map, NULL);
	if (n > m)
		n = m;
	if (!n)
		return 0;
	return pk_damage_walk(pk, n, m, classes, map, report);
}
#endif /* LKCD_TEST */
