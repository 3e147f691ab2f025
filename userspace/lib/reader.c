// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The preserved-dump reader: decode the header page, follow the chain of
 * storage blocks one block at a time, reassemble the record stream and hand
 * out records in ascending pfn order.
 *
 * Every byte is untrusted (Documentation/security.rst, "Untrusted dumps").
 * The rules, from Documentation/format.rst:
 *  - a block whose header is bad (magic, header_crc, seq, sizes, unreadable
 *    address) ends the walk: its next_paddr cannot be trusted.  A block whose
 *    next_paddr is out of the source or misaligned is still read, and the
 *    walk ends after it.  The chain may hold at most header.nr_blocks blocks
 *    and seq must count up from 0, which catches loops without remembering
 *    addresses.
 *  - a block whose payload fails its crc is skipped with every record that
 *    touches it; reading resumes at first_record_offset of the next good
 *    block (the resync rule).
 *  - a record with a bad header (flags, sizes) cannot be trusted to say where
 *    the next one starts: resync as above.  A record whose header is sane but
 *    whose pfn, count or data crc is wrong is skipped alone.
 * Each of these becomes one entry of the problem list; iteration goes on.
 * Memory use is one block and one record, whatever the dump size.
 */
#include <errno.h>
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "liblkcd.h"
#include "internal.h"
#include "lkcd/params.h"

#define BLK_HDR		sizeof(struct lkcd_block_header)
#define REC_HDR		sizeof(struct lkcd_record_header)
#define MAX_PROBLEMS	4096	/* then one last entry says more were dropped */

struct lkcd_dump {
	struct lkcd_source *src;
	uint64_t header_paddr;
	struct lkcd_dump_header hdr;
	struct lkcd_mem_range ranges[LKCD_MAX_RANGES];
	size_t nr_ranges;

	/* the chain walk */
	uint8_t blk[LKCD_PAGE_SIZE];	/* the current block */
	int have_blk;			/* blk holds a block */
	uint64_t blk_seq;		/* its seq */
	uint32_t payload_size, pos;	/* payload bytes, next to consume */
	uint32_t first_record;		/* its first_record_offset */
	int started_here;		/* a record started in this block */
	uint64_t next_paddr;		/* validated next block, 0 = none */
	uint64_t blocks_read;		/* blocks loaded (good or not) */
	int chain_end;			/* no more blocks to load */
	int chain_broken;		/* the walk ended on a damaged block */
	int resync;			/* skip to the next good block's first record */

	/* the record being reassembled */
	uint8_t *rec;			/* REC_HDR + page_size bytes */
	uint32_t rec_have;		/* bytes gathered */
	uint32_t rec_need;		/* REC_HDR + stored_size once the header is in */
	struct lkcd_record_header rh;	/* decoded, host-endian */
	uint64_t rec_block;		/* block the record started in */

	uint64_t min_pfn;		/* the next record's pfn must be >= this */
	uint64_t records_seen;		/* complete records, good or bad */
	int finished;

	struct lkcd_problem_list problems;
	uint64_t problems_dropped;
	/*
	 * The last problem that lost records, waiting to learn which pfns:
	 * from gap_from up to the next record that comes back.
	 */
	size_t gap;			/* index + 1, 0 = none */
	uint64_t gap_from;
};

/* ---- problems ---- */

static void __attribute__((format(printf, 4, 5)))
problem(struct lkcd_dump *d, uint64_t pfn, uint64_t seq, const char *fmt, ...)
{
	struct lkcd_problem *p;
	va_list ap;

	if (d->problems.nr >= MAX_PROBLEMS) {
		d->problems_dropped++;
		p = &d->problems.v[MAX_PROBLEMS - 1];
		snprintf(p->reason, sizeof(p->reason),
			 "too many problems: %llu more not listed",
			 (unsigned long long)d->problems_dropped + 1);
		p->pfn = UINT64_MAX;
		return;
	}
	p = lkcd_problem_push(&d->problems);
	if (!p) {
		d->problems_dropped++;
		return;
	}
	va_start(ap, fmt);
	lkcd_problem_vset(p, pfn, seq, UINT64_MAX, UINT64_MAX, fmt, ap);
	va_end(ap);
}

/* The problem just added lost records: name their pfns once known. */
static void gap_open(struct lkcd_dump *d)
{
	if (d->gap || !d->problems.nr || d->problems.nr >= MAX_PROBLEMS)
		return;
	d->gap = d->problems.nr;
	d->gap_from = d->min_pfn;
}

/* Records come back from pfn `upto` (UINT64_MAX: none ever will). */
static void gap_close(struct lkcd_dump *d, uint64_t upto)
{
	struct lkcd_problem *p;
	size_t len;

	if (!d->gap)
		return;
	p = &d->problems.v[d->gap - 1];
	d->gap = 0;
	len = strlen(p->reason);
	if (upto == UINT64_MAX)
		snprintf(p->reason + len, sizeof(p->reason) - len,
			 "; pfns from 0x%llx on lost", (unsigned long long)d->gap_from);
	else if (upto > d->gap_from)
		snprintf(p->reason + len, sizeof(p->reason) - len,
			 "; pfns 0x%llx-0x%llx lost", (unsigned long long)d->gap_from,
			 (unsigned long long)upto - 1);
	else
		return;
	if (p->pfn == UINT64_MAX)
		p->pfn = d->gap_from;
}

/* ---- blocks ---- */

static int paddr_in_source(struct lkcd_dump *d, uint64_t paddr)
{
	const struct lkcd_mem_range *r;
	size_t n = lkcd_source_ranges(d->src, &r);

	for (size_t i = 0; i < n; i++)
		if (paddr >= r[i].start && paddr - r[i].start < r[i].size &&
		    r[i].size - (paddr - r[i].start) >= LKCD_PAGE_SIZE)
			return 1;
	return 0;
}

/* Why a next_paddr cannot be followed, or NULL. */
static const char *bad_next_paddr(struct lkcd_dump *d, uint64_t paddr)
{
	if (paddr % LKCD_PAGE_SIZE)
		return "not page aligned";
	if (paddr == d->header_paddr)
		return "points at the header page";
	if (!paddr_in_source(d, paddr))
		return "outside the memory the source holds";
	return NULL;
}

static void chain_broken(struct lkcd_dump *d, uint64_t seq, const char *why,
			 uint64_t paddr)
{
	uint64_t lost = d->hdr.nr_blocks > seq ? d->hdr.nr_blocks - seq : 0;

	problem(d, d->rec_have >= REC_HDR ? d->rh.pfn : UINT64_MAX, seq,
		"chain broken at block %llu (paddr 0x%llx): %s; %llu blocks lost",
		(unsigned long long)seq, (unsigned long long)paddr, why,
		(unsigned long long)lost);
	gap_open(d);
	d->chain_end = 1;
	d->chain_broken = 1;
}

/* A partial record cannot be finished: say so (when its pfn is known). */
static void drop_partial(struct lkcd_dump *d, uint64_t seq, const char *why)
{
	if (d->rec_have >= REC_HDR)
		problem(d, d->rh.pfn, seq,
			"record at pfn 0x%llx (block %llu) lost: %s",
			(unsigned long long)d->rh.pfn,
			(unsigned long long)d->rec_block, why);
	d->rec_have = 0;
	d->rec_need = 0;
}

/*
 * Load the next block of the chain into d->blk.  1 = loaded (its payload may
 * still be skipped: pos == payload_size), 0 = the chain has ended.
 */
static int load_block(struct lkcd_dump *d)
{
	struct lkcd_block_header bh;
	uint64_t seq = d->blocks_read, paddr;
	uint32_t crc, want;
	const char *why;
	char buf[96];
	int rc;

	if (d->chain_end)
		return 0;
	paddr = d->have_blk ? d->next_paddr : d->hdr.first_block_paddr;
	if (!paddr) {
		d->chain_end = 1;
		return 0;
	}
	d->have_blk = 0;
	if (!d->blocks_read) {
		why = bad_next_paddr(d, paddr);
		if (why) {
			snprintf(buf, sizeof(buf), "first_block_paddr %s", why);
			chain_broken(d, seq, buf, paddr);
			return 0;
		}
	}
	if (seq >= d->hdr.nr_blocks) {
		chain_broken(d, seq, "the chain goes on past the header's nr_blocks (a loop?)",
			     paddr);
		return 0;
	}
	rc = lkcd_source_read(d->src, paddr, d->blk, LKCD_PAGE_SIZE, NULL);
	if (rc) {
		snprintf(buf, sizeof(buf), "cannot read it (%s)", strerror(-rc));
		chain_broken(d, seq, buf, paddr);
		return 0;
	}
	memcpy(&bh, d->blk, sizeof(bh));
	want = le32toh(bh.header_crc);
	bh.header_crc = 0;
	crc = (uint32_t)crc32(0, (const void *)&bh, sizeof(bh));
	bh.seq = le64toh(bh.seq);
	bh.next_paddr = le64toh(bh.next_paddr);
	bh.payload_size = le32toh(bh.payload_size);
	bh.payload_crc = le32toh(bh.payload_crc);
	bh.first_record_offset = le16toh(bh.first_record_offset);

	why = NULL;
	if (le32toh(bh.magic) != LKCD_BLOCK_MAGIC) {
		why = "bad magic";
	} else if (crc != want) {
		snprintf(buf, sizeof(buf), "header crc 0x%08x, computed 0x%08x",
			 want, crc);
		why = buf;
	} else if (bh.seq != seq) {
		snprintf(buf, sizeof(buf), "seq %llu, expected %llu (a loop?)",
			 (unsigned long long)bh.seq, (unsigned long long)seq);
		why = buf;
	} else if (bh.payload_size > LKCD_BLOCK_PAYLOAD) {
		snprintf(buf, sizeof(buf), "payload_size %u past the page",
			 bh.payload_size);
		why = buf;
	} else if (bh.first_record_offset != LKCD_NO_RECORD &&
		   bh.first_record_offset >= bh.payload_size) {
		snprintf(buf, sizeof(buf), "first_record_offset %u past payload_size %u",
			 bh.first_record_offset, bh.payload_size);
		why = buf;
	}
	if (why) {
		chain_broken(d, seq, why, paddr);
		return 0;
	}

	d->have_blk = 1;
	d->blk_seq = seq;
	d->blocks_read++;
	d->payload_size = bh.payload_size;
	d->first_record = bh.first_record_offset;
	d->started_here = 0;
	d->next_paddr = bh.next_paddr;
	if (bh.next_paddr) {
		why = bad_next_paddr(d, bh.next_paddr);
		if (why) {
			snprintf(buf, sizeof(buf), "next_paddr of block %llu %s",
				 (unsigned long long)seq, why);
			/* This block is good; the walk ends after it. */
			problem(d, UINT64_MAX, seq + 1,
				"chain broken at block %llu (paddr 0x%llx): %s; %llu blocks lost",
				(unsigned long long)seq + 1,
				(unsigned long long)bh.next_paddr, buf,
				(unsigned long long)(d->hdr.nr_blocks > seq + 1 ?
						     d->hdr.nr_blocks - seq - 1 : 0));
			gap_open(d);
			d->next_paddr = 0;
			d->chain_end = 1;
			d->chain_broken = 1;
		}
	}

	crc = (uint32_t)crc32(0, d->blk + BLK_HDR, bh.payload_size);
	if (crc != bh.payload_crc) {
		uint64_t pfn = d->rec_have >= REC_HDR ? d->rh.pfn : UINT64_MAX;

		problem(d, pfn, seq,
			"block %llu (paddr 0x%llx): payload crc 0x%08x, computed 0x%08x: its records are skipped",
			(unsigned long long)seq, (unsigned long long)paddr,
			bh.payload_crc, crc);
		gap_open(d);
		drop_partial(d, seq, "it continues into a damaged block");
		d->resync = 1;
		d->pos = d->payload_size;
		return 1;
	}
	if (d->resync) {
		if (d->first_record == LKCD_NO_RECORD) {
			d->pos = d->payload_size;	/* still inside a lost record */
			return 1;
		}
		d->resync = 0;
		d->pos = d->first_record;
		return 1;
	}
	d->pos = 0;
	return 1;
}

/* ---- records ---- */

/* A record header that cannot say where the next record starts. */
static const char *bad_record_header(const struct lkcd_dump *d,
				     const struct lkcd_record_header *rh,
				     char *buf, size_t len)
{
	uint32_t ps = d->hdr.page_size;

	switch (rh->flags) {
	case LKCD_REC_RAW:
		if (rh->stored_size != ps) {
			snprintf(buf, len, "raw record of %u bytes, page size %u",
				 rh->stored_size, ps);
			return buf;
		}
		break;
	case LKCD_REC_COMPRESSED:
		if (rh->stored_size == 0 || rh->stored_size > ps) {
			snprintf(buf, len, "compressed record of %u bytes (page size %u)",
				 rh->stored_size, ps);
			return buf;
		}
		if (rh->compress == LKCD_COMPRESS_NONE ||
		    !lkcd_compress_valid(rh->compress)) {
			snprintf(buf, len, "unknown compression %u", rh->compress);
			return buf;
		}
		break;
	case LKCD_REC_ZERO:
	case LKCD_REC_UNREADABLE:
		if (rh->stored_size != 0) {
			snprintf(buf, len, "%s record with %u data bytes",
				 rh->flags == LKCD_REC_ZERO ? "zero" : "unreadable",
				 rh->stored_size);
			return buf;
		}
		break;
	default:
		snprintf(buf, len, "flags 0x%x: not exactly one record kind",
			 rh->flags);
		return buf;
	}
	if (rh->flags != LKCD_REC_COMPRESSED && rh->compress != 0) {
		snprintf(buf, len, "compress %u on an uncompressed record",
			 rh->compress);
		return buf;
	}
	return NULL;
}

/* Whether pages [pfn, pfn + count) lie in one RAM range of the header. */
static int in_ram(const struct lkcd_dump *d, uint64_t pfn, uint32_t count)
{
	for (size_t i = 0; i < d->nr_ranges; i++) {
		uint64_t first = (d->ranges[i].start + LKCD_PAGE_SIZE - 1) / LKCD_PAGE_SIZE;
		uint64_t end = (d->ranges[i].start + d->ranges[i].size) / LKCD_PAGE_SIZE;

		if (pfn >= first && pfn < end && count <= end - pfn)
			return 1;
	}
	return 0;
}

/* Why a complete, well-framed record is still bad, or NULL. */
static const char *bad_record(struct lkcd_dump *d, char *buf, size_t len)
{
	const struct lkcd_record_header *rh = &d->rh;
	uint64_t limit = d->hdr.next_pfn < d->hdr.max_pfn ?
			 d->hdr.next_pfn : d->hdr.max_pfn;
	uint32_t crc;

	if ((rh->flags == LKCD_REC_RAW || rh->flags == LKCD_REC_COMPRESSED) &&
	    rh->count != 1) {
		snprintf(buf, len, "data record covering %u pages", rh->count);
		return buf;
	}
	if (rh->count == 0) {
		snprintf(buf, len, "run of 0 pages");
		return buf;
	}
	if (rh->pfn >= limit || rh->count > limit - rh->pfn) {
		snprintf(buf, len, "pages 0x%llx+%u past %s 0x%llx",
			 (unsigned long long)rh->pfn, rh->count,
			 limit == d->hdr.max_pfn ? "max_pfn" : "next_pfn",
			 (unsigned long long)limit);
		return buf;
	}
	if (!in_ram(d, rh->pfn, rh->count)) {
		snprintf(buf, len, "pages 0x%llx+%u outside the dump's RAM ranges",
			 (unsigned long long)rh->pfn, rh->count);
		return buf;
	}
	if (rh->pfn < d->min_pfn) {
		snprintf(buf, len, "pfn not ascending (previous record ends at 0x%llx)",
			 (unsigned long long)d->min_pfn);
		return buf;
	}
	crc = rh->stored_size ? (uint32_t)crc32(0, d->rec + REC_HDR, rh->stored_size) : 0;
	if (crc != rh->crc) {
		snprintf(buf, len, "data crc 0x%08x, computed 0x%08x", rh->crc, crc);
		return buf;
	}
	return NULL;
}

static void decode_record_header(struct lkcd_dump *d)
{
	struct lkcd_record_header rh;

	memcpy(&rh, d->rec, sizeof(rh));
	d->rh.pfn = le64toh(rh.pfn);
	d->rh.stored_size = le32toh(rh.stored_size);
	d->rh.flags = le16toh(rh.flags);
	d->rh.compress = le16toh(rh.compress);
	d->rh.count = le32toh(rh.count);
	d->rh.crc = le32toh(rh.crc);
}

/* The end of the chain: whatever is still unexplained becomes a problem. */
static void finish(struct lkcd_dump *d)
{
	if (d->finished)
		return;
	d->finished = 1;
	gap_close(d, UINT64_MAX);
	if (d->rec_have && !d->chain_broken)
		drop_partial(d, d->blk_seq, "the stream ends inside it");
	if (d->chain_broken)
		return;
	if (d->blocks_read < d->hdr.nr_blocks)
		problem(d, UINT64_MAX, d->blocks_read,
			"chain ends after %llu blocks, the header says %llu (truncated)",
			(unsigned long long)d->blocks_read,
			(unsigned long long)d->hdr.nr_blocks);
	else if (d->records_seen != d->hdr.nr_records && !d->problems.nr)
		problem(d, UINT64_MAX, d->blocks_read,
			"the stream holds %llu records, the header says %llu",
			(unsigned long long)d->records_seen,
			(unsigned long long)d->hdr.nr_records);
}

int lkcd_dump_next(struct lkcd_dump *d, struct lkcd_page *pg,
		   struct lkcd_error *err)
{
	char buf[128];
	const char *why;

	(void)err;
	for (;;) {
		uint32_t avail, take;

		if (!d->have_blk || d->pos >= d->payload_size) {
			if (!load_block(d)) {
				finish(d);
				return 0;
			}
			continue;
		}
		if (d->rec_have == 0) {
			d->rec_block = d->blk_seq;
			if (!d->started_here) {
				d->started_here = 1;
				if (d->first_record != d->pos)
					problem(d, UINT64_MAX, d->blk_seq,
						"block %llu: a record starts at offset %u, first_record_offset says %d",
						(unsigned long long)d->blk_seq, d->pos,
						d->first_record == LKCD_NO_RECORD ?
						-1 : (int)d->first_record);
			}
		}
		avail = d->payload_size - d->pos;
		if (d->rec_have < REC_HDR) {
			take = REC_HDR - d->rec_have;
			if (take > avail)
				take = avail;
			memcpy(d->rec + d->rec_have, d->blk + BLK_HDR + d->pos, take);
			d->rec_have += take;
			d->pos += take;
			if (d->rec_have < REC_HDR)
				continue;
			decode_record_header(d);
			why = bad_record_header(d, &d->rh, buf, sizeof(buf));
			if (why) {
				problem(d, d->rh.pfn, d->rec_block,
					"record header in block %llu (pfn field 0x%llx): %s; resync at the next block",
					(unsigned long long)d->rec_block,
					(unsigned long long)d->rh.pfn, why);
				gap_open(d);
				d->rec_have = 0;
				/*
				 * A header that began in an earlier block:
				 * this block's first record is the resync
				 * point.  Else skip to the next block's.
				 */
				if (d->rec_block != d->blk_seq &&
				    d->first_record != LKCD_NO_RECORD &&
				    d->first_record >= d->pos) {
					d->pos = d->first_record;
					d->started_here = 0;
					continue;
				}
				d->resync = 1;
				d->pos = d->payload_size;
				continue;
			}
			d->rec_need = REC_HDR + d->rh.stored_size;
			avail = d->payload_size - d->pos;
		}
		/* The data (none for zero/unreadable runs). */
		take = d->rec_need - d->rec_have;
		if (take > avail)
			take = avail;
		memcpy(d->rec + d->rec_have, d->blk + BLK_HDR + d->pos, take);
		d->rec_have += take;
		d->pos += take;
		if (d->rec_have < d->rec_need)
			continue;

		/* A whole record. */
		d->rec_have = 0;
		d->records_seen++;
		why = bad_record(d, buf, sizeof(buf));
		if (why) {
			problem(d, d->rh.pfn, d->rec_block, "pfn 0x%llx (block %llu): %s",
				(unsigned long long)d->rh.pfn,
				(unsigned long long)d->rec_block, why);
			continue;
		}
		gap_close(d, d->rh.pfn);
		d->min_pfn = d->rh.pfn + d->rh.count;
		pg->pfn = d->rh.pfn;
		pg->count = d->rh.count;
		pg->flags = d->rh.flags;
		pg->compress = d->rh.compress;
		pg->stored_size = d->rh.stored_size;
		pg->stored = d->rec + REC_HDR;
		return 1;
	}
}

/* ---- open / close ---- */

static void reset_walk(struct lkcd_dump *d)
{
	d->have_blk = 0;
	d->blk_seq = 0;
	d->payload_size = d->pos = 0;
	d->next_paddr = 0;
	d->blocks_read = 0;
	d->chain_end = d->chain_broken = d->resync = 0;
	d->rec_have = d->rec_need = 0;
	d->min_pfn = 0;
	d->records_seen = 0;
	d->finished = 0;
	d->problems.nr = 0;
	d->problems_dropped = 0;
	d->gap = 0;
}

int lkcd_dump_open(struct lkcd_source *src, uint64_t header_paddr,
		   struct lkcd_dump **out, struct lkcd_error *err)
{
	uint8_t page[LKCD_PAGE_SIZE];
	struct lkcd_dump *d;
	int rc;

	*out = NULL;
	if (header_paddr % LKCD_PAGE_SIZE)
		return lkcd_error_set(err, -EINVAL,
				      "dump header address 0x%llx is not page aligned",
				      (unsigned long long)header_paddr);
	rc = lkcd_source_read(src, header_paddr, page, sizeof(page), err);
	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return lkcd_error_set(err, -ENOMEM, "dump reader: out of memory");
	rc = lkcd_header_decode(page, sizeof(page), &d->hdr, d->ranges,
				LKCD_MAX_RANGES, err);
	if (rc < 0)
		goto fail;
	d->nr_ranges = d->hdr.nr_ranges < LKCD_MAX_RANGES ?
		       d->hdr.nr_ranges : LKCD_MAX_RANGES;
	if (d->hdr.state != LKCD_STATE_COMPLETE &&
	    d->hdr.state != LKCD_STATE_INCOMPLETE) {
		rc = lkcd_error_set(err, d->hdr.state == LKCD_STATE_EMPTY ?
				    -ENODATA : -EBADMSG,
				    "dump header at 0x%llx: state %u, no finished dump",
				    (unsigned long long)header_paddr, d->hdr.state);
		goto fail;
	}
	if (d->hdr.page_size != LKCD_PAGE_SIZE) {
		rc = lkcd_error_set(err, -EPROTONOSUPPORT,
				    "dump header at 0x%llx: page size %u, this reader handles %u",
				    (unsigned long long)header_paddr,
				    d->hdr.page_size, LKCD_PAGE_SIZE);
		goto fail;
	}
	d->rec = malloc(REC_HDR + d->hdr.page_size);
	if (!d->rec) {
		rc = lkcd_error_set(err, -ENOMEM, "dump reader: out of memory");
		goto fail;
	}
	d->src = src;
	d->header_paddr = header_paddr;
	reset_walk(d);
	*out = d;
	return 0;
fail:
	free(d);
	return rc;
}

int lkcd_dump_reopen(const struct lkcd_dump *d, struct lkcd_dump **out,
		     struct lkcd_error *err)
{
	return lkcd_dump_open(d->src, d->header_paddr, out, err);
}

void lkcd_dump_close(struct lkcd_dump *d)
{
	if (!d)
		return;
	free(d->rec);
	free(d->problems.v);
	free(d);
}

const struct lkcd_dump_header *lkcd_dump_header(const struct lkcd_dump *d)
{
	return &d->hdr;
}

size_t lkcd_dump_ranges(const struct lkcd_dump *d,
			const struct lkcd_mem_range **ranges)
{
	*ranges = d->ranges;
	return d->nr_ranges;
}

int lkcd_dump_rewind(struct lkcd_dump *d, struct lkcd_error *err)
{
	(void)err;
	reset_walk(d);
	return 0;
}

size_t lkcd_dump_problems(const struct lkcd_dump *d,
			  const struct lkcd_problem **problems)
{
	*problems = d->problems.v;
	return d->problems.nr;
}
