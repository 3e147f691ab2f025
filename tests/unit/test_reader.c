// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The dump reader (userspace/lib/reader.c) against damaged dumps.  A small
 * dump is made by the real packer over simmem; the test walks its chain on
 * its own (trusted, from the packer's output) to know which block every
 * byte and every record lives in, then damages the dump and checks that the
 * reader reports the damage at the right block or record and still returns
 * every record the damage did not touch, byte for byte.
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <lz4.h>
#include <lzo/lzo1x.h>

#include "unit.h"
#include "simmem.h"

#define PS LKCD_PAGE_SIZE
#define BLK_HDR ((uint32_t)sizeof(struct lkcd_block_header))
#define REC_HDR ((uint32_t)sizeof(struct lkcd_record_header))
#define MAX_BLOCKS 64
#define MAX_RECS 256

/* One record as read back: identity and a digest of its bytes. */
struct rec {
	uint64_t pfn;
	uint32_t count, flags, compress, stored_size, digest;
};

/* The dump as laid out by the packer (trusted: read before any damage). */
struct layout {
	struct simmem *sm;
	uint64_t header_paddr;
	uint32_t nr_blocks;
	uint64_t block_paddr[MAX_BLOCKS];
	uint32_t payload_size[MAX_BLOCKS];
	uint32_t nr_recs;
	struct rec recs[MAX_RECS];		/* as the reader returns them */
	uint32_t first_block[MAX_RECS];		/* blocks each record touches */
	uint32_t last_block[MAX_RECS];
	uint32_t hdr_block[MAX_RECS], hdr_off[MAX_RECS];	/* its header start */
};

/* What one reader pass gave back. */
struct pass {
	int open_rc;
	uint32_t nr_recs;
	struct rec recs[MAX_RECS];
	size_t nr_problems;
	struct lkcd_problem problems[32];
	char open_msg[512];
};

static void read_all(struct layout *l, struct pass *p)
{
	struct lkcd_source *src;
	struct lkcd_dump *d;
	struct lkcd_error err = { 0 };
	const struct lkcd_problem *pr;
	struct lkcd_page pg;

	memset(p, 0, sizeof(*p));
	CU_ASSERT_EQUAL_FATAL(sim_source(l->sm, &src), 0);
	p->open_rc = lkcd_dump_open(src, l->header_paddr, &d, &err);
	if (p->open_rc) {
		snprintf(p->open_msg, sizeof(p->open_msg), "%s", err.msg);
		lkcd_source_close(src);
		return;
	}
	while (lkcd_dump_next(d, &pg, &err) == 1) {
		struct rec *r = &p->recs[p->nr_recs];

		if (p->nr_recs == MAX_RECS)
			break;
		r->pfn = pg.pfn;
		r->count = pg.count;
		r->flags = pg.flags;
		r->compress = pg.compress;
		r->stored_size = pg.stored_size;
		r->digest = (uint32_t)crc32(0x1234, pg.stored, pg.stored_size);
		p->nr_recs++;
	}
	p->nr_problems = lkcd_dump_problems(d, &pr);
	if (p->nr_problems)
		memcpy(p->problems, pr, (p->nr_problems < 32 ? p->nr_problems : 32) *
		       sizeof(*pr));
	lkcd_dump_close(d);
	lkcd_source_close(src);
}

static uint8_t *block_page(struct layout *l, uint32_t b)
{
	return l->sm->mem + l->block_paddr[b];
}

/*
 * A small dump of every record kind: raw and lz4 pages, zero and unreadable
 * runs, records that straddle blocks and one that covers a whole block.
 */
static struct layout *make_dump_v(uint32_t compress, uint32_t variant)
{
	struct layout *l = calloc(1, sizeof(*l));
	struct simmem *sm = sim_new(256);
	struct pass p;
	uint8_t stream[MAX_BLOCKS * PS];
	uint32_t stream_block[MAX_BLOCKS + 1], len = 0, off = 0;
	uint64_t paddr;

	sim_add_range(sm, 0, 256 * PS);
	sim_set_header(sm, 200);
	sim_fill(sm, 1, 3, SIM_TEXT, 1);
	sim_fill(sm, 4, 2, SIM_RANDOM, 2);	/* raw: straddle, cover a block */
	/* 6..9 zero */
	sim_fill(sm, 10, 2, SIM_SPARSE, 3);
	sim_fill(sm, 12, 2, SIM_TEXT, 4);
	sim_set_unreadable(sm, 12, 2);
	sim_fill(sm, 14, 1, SIM_RANDOM, 5);
	sim_fill(sm, 15, 4, SIM_TEXT, 6);
	sim_fill(sm, 19, 1, SIM_SPARSE, 7);
	/* variants shift every later record by a few dozen bytes */
	sim_fill(sm, 20, variant, SIM_SPARSE, 8);
	sim_fill(sm, 20 + variant, 3, SIM_TEXT, 9);
	sim_free_block(sm, 128, 6);
	l->sm = sm;
	l->header_paddr = 200 * PS;
	CU_ASSERT_EQUAL_FATAL(sim_pack(sm, LKCD_LEVEL_KERN,
				       LKCD_EXCLUDE_MASK & ~LKCD_EXCLUDE_ZERO,
				       compress, 0), 0);
	CU_ASSERT_EQUAL_FATAL(sim_header(sm)->state, LKCD_STATE_COMPLETE);

	/* The chain, trusted. */
	for (paddr = sim_header(sm)->first_block_paddr; paddr;) {
		struct lkcd_block_header bh;

		CU_ASSERT_FATAL(l->nr_blocks < MAX_BLOCKS);
		memcpy(&bh, sm->mem + paddr, sizeof(bh));
		l->block_paddr[l->nr_blocks] = paddr;
		l->payload_size[l->nr_blocks] = bh.payload_size;
		stream_block[l->nr_blocks] = len;
		memcpy(stream + len, sm->mem + paddr + BLK_HDR, bh.payload_size);
		len += bh.payload_size;
		l->nr_blocks++;
		paddr = bh.next_paddr;
	}
	stream_block[l->nr_blocks] = len;
	CU_ASSERT_EQUAL_FATAL(l->nr_blocks, sim_header(sm)->nr_blocks);

	/* The records: where each starts and which blocks it touches. */
	while (off < len) {
		struct lkcd_record_header rh;
		uint32_t b = 0, e = 0, end;

		CU_ASSERT_FATAL(l->nr_recs < MAX_RECS);
		memcpy(&rh, stream + off, sizeof(rh));
		end = off + REC_HDR + rh.stored_size;
		while (stream_block[b + 1] <= off)
			b++;
		while (stream_block[e + 1] < end)
			e++;
		l->first_block[l->nr_recs] = b;
		l->last_block[l->nr_recs] = e;
		l->hdr_block[l->nr_recs] = b;
		l->hdr_off[l->nr_recs] = off - stream_block[b];
		l->nr_recs++;
		off = end;
	}

	read_all(l, &p);
	CU_ASSERT_EQUAL_FATAL(p.open_rc, 0);
	CU_ASSERT_EQUAL_FATAL(p.nr_problems, 0);
	CU_ASSERT_EQUAL_FATAL(p.nr_recs, l->nr_recs);
	memcpy(l->recs, p.recs, sizeof(l->recs));
	return l;
}

static struct layout *make_dump(uint32_t compress)
{
	return make_dump_v(compress, 0);
}

static void free_dump(struct layout *l)
{
	sim_free(l->sm);
	free(l);
}

/* Is the record set of p exactly the baseline minus those lost[i] != 0? */
static int same_records(const struct layout *l, const struct pass *p,
			const uint8_t *lost, char *why, size_t len)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < l->nr_recs; i++) {
		if (lost[i])
			continue;
		if (j >= p->nr_recs) {
			snprintf(why, len, "record %u (pfn 0x%llx) missing", i,
				 (unsigned long long)l->recs[i].pfn);
			return 0;
		}
		if (memcmp(&l->recs[i], &p->recs[j], sizeof(struct rec))) {
			snprintf(why, len, "record %u (pfn 0x%llx) differs or missing (got pfn 0x%llx)",
				 i, (unsigned long long)l->recs[i].pfn,
				 (unsigned long long)p->recs[j].pfn);
			return 0;
		}
		j++;
	}
	if (j != p->nr_recs) {
		snprintf(why, len, "%u records more than expected", p->nr_recs - j);
		return 0;
	}
	return 1;
}

static int problems_mention(const struct pass *p, const char *what)
{
	for (size_t i = 0; i < p->nr_problems && i < 32; i++)
		if (strstr(p->problems[i].reason, what))
			return 1;
	return 0;
}

static void reseal_block(struct layout *l, uint32_t b)
{
	uint8_t *page = block_page(l, b);
	struct lkcd_block_header bh;

	memcpy(&bh, page, sizeof(bh));
	/* (a damaged payload_size may exceed the page: the reader refuses it) */
	bh.payload_crc = (uint32_t)crc32(0, page + BLK_HDR,
					 bh.payload_size < PS - BLK_HDR ?
					 bh.payload_size : PS - BLK_HDR);
	bh.header_crc = 0;
	bh.header_crc = (uint32_t)crc32(0, (void *)&bh, sizeof(bh));
	memcpy(page, &bh, sizeof(bh));
}

static void reseal_header(struct layout *l)
{
	struct lkcd_dump_header *h = sim_header(l->sm);

	h->crc = 0;
	h->crc = (uint32_t)crc32(0, (void *)h, PS);
}

/* ---- every byte of every block ---- */

static void corrupt_every_byte(uint32_t compress)
{
	struct layout *l = make_dump(compress);
	uint64_t tried = 0, failures = 0;
	char why[200];
	uint8_t lost[MAX_RECS];
	struct pass p;

	CU_ASSERT(l->nr_blocks >= 4);
	for (uint32_t b = 0; b < l->nr_blocks; b++) {
		uint8_t *page = block_page(l, b);

		for (uint32_t off = 0; off < PS; off++) {
			int in_hdr = off < BLK_HDR;
			int in_payload = !in_hdr && off < BLK_HDR + l->payload_size[b];
			int ok = 1;

			page[off] ^= 0x5a;
			read_all(l, &p);
			page[off] ^= 0x5a;
			tried++;

			for (uint32_t i = 0; i < l->nr_recs; i++)
				lost[i] = in_hdr ? l->last_block[i] >= b :
					  in_payload ? (l->first_block[i] <= b &&
							l->last_block[i] >= b) : 0;
			if (p.open_rc || !same_records(l, &p, lost, why, sizeof(why)))
				ok = 0;
			/* Where it was reported. */
			if (in_hdr) {
				snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s",
					 "");
				if (!problems_mention(&p, "chain broken at block"))
					ok = 0;
			} else if (in_payload) {
				if (!problems_mention(&p, "payload crc"))
					ok = 0;
			} else if (p.nr_problems) {
				ok = 0;		/* unused tail: not covered, not used */
			}
			for (size_t i = 0; i < p.nr_problems && i < 32; i++)
				if (p.problems[i].block_seq != b)
					ok = 0;
			if (!ok && failures++ < 5)
				fprintf(stderr, "\n  block %u byte %u (%s): %s; %zu problems%s%s",
					b, off, in_hdr ? "header" : in_payload ?
					"payload" : "tail", why, p.nr_problems,
					p.nr_problems ? ", first: " : "",
					p.nr_problems ? p.problems[0].reason : "");
			why[0] = 0;
		}
	}
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT_EQUAL(tried, (uint64_t)l->nr_blocks * PS);
	/* Undamaged again: everything back. */
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.nr_problems, 0);
	CU_ASSERT_EQUAL(p.nr_recs, l->nr_recs);
	free_dump(l);
}

static void test_every_byte_lz4(void)
{
	corrupt_every_byte(LKCD_COMPRESS_LZ4);
}

static void test_every_byte_raw(void)
{
	corrupt_every_byte(LKCD_COMPRESS_NONE);
}

/* Every byte of the header page: the dump does not open, with the reason. */
static void test_every_header_byte(void)
{
	struct layout *l = make_dump(LKCD_COMPRESS_ZLIB);
	uint8_t *page = (uint8_t *)sim_header(l->sm);
	uint32_t failures = 0;
	struct pass p;

	for (uint32_t off = 0; off < PS; off++) {
		page[off] ^= 0x01;
		read_all(l, &p);
		page[off] ^= 0x01;
		if (p.open_rc == 0 && failures++ < 5)
			fprintf(stderr, "\n  header byte %u flipped: dump still opened", off);
	}
	CU_ASSERT_EQUAL(failures, 0);
	free_dump(l);
}

/* ---- the chain ---- */

static void set_next(struct layout *l, uint32_t b, uint64_t next)
{
	struct lkcd_block_header bh;

	memcpy(&bh, block_page(l, b), sizeof(bh));
	bh.next_paddr = next;
	memcpy(block_page(l, b), &bh, sizeof(bh));
	reseal_block(l, b);
}

/* Records wholly in blocks <= last come back, the rest do not. */
static void expect_prefix(struct layout *l, const struct pass *p, uint32_t last)
{
	uint8_t lost[MAX_RECS];
	char why[200] = "";

	for (uint32_t i = 0; i < l->nr_recs; i++)
		lost[i] = l->last_block[i] > last;
	if (!same_records(l, p, lost, why, sizeof(why)))
		fprintf(stderr, "\n  prefix to block %u: %s", last, why);
	CU_ASSERT(same_records(l, p, lost, why, sizeof(why)));
}

static void test_truncated_chain(void)
{
	struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
	struct pass p;

	set_next(l, 2, 0);
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.open_rc, 0);
	CU_ASSERT(problems_mention(&p, "chain ends after 3 blocks"));
	expect_prefix(l, &p, 2);
	free_dump(l);
}

static void test_loop(void)
{
	struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
	struct pass p;
	char want[64];

	/* back to an earlier block */
	set_next(l, 3, l->block_paddr[1]);
	read_all(l, &p);
	snprintf(want, sizeof(want), "chain broken at block 4");
	CU_ASSERT(problems_mention(&p, want));
	CU_ASSERT(problems_mention(&p, "seq 1, expected 4"));
	CU_ASSERT(problems_mention(&p, "on lost"));	/* names the pfns lost */
	expect_prefix(l, &p, 3);
	CU_ASSERT_EQUAL(p.problems[0].block_seq, 4);

	/* to itself */
	set_next(l, 3, l->block_paddr[3]);
	read_all(l, &p);
	CU_ASSERT(problems_mention(&p, "seq 3, expected 4"));
	expect_prefix(l, &p, 3);
	free_dump(l);
}

/* A chain longer than the header's nr_blocks (a loop seq cannot catch). */
static void test_chain_past_nr_blocks(void)
{
	struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
	struct pass p;

	sim_header(l->sm)->nr_blocks = 3;
	reseal_header(l);
	read_all(l, &p);
	CU_ASSERT(problems_mention(&p, "past the header's nr_blocks"));
	expect_prefix(l, &p, 2);
	free_dump(l);
}

static void test_next_paddr_bad(void)
{
	struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
	uint64_t keep = l->block_paddr[2];
	struct pass p;

	set_next(l, 1, l->sm->max_pfn * PS);		/* past the source */
	read_all(l, &p);
	CU_ASSERT(problems_mention(&p, "outside the memory"));
	CU_ASSERT(problems_mention(&p, "chain broken at block 2"));
	expect_prefix(l, &p, 1);

	set_next(l, 1, keep + 8);			/* misaligned */
	read_all(l, &p);
	CU_ASSERT(problems_mention(&p, "not page aligned"));
	expect_prefix(l, &p, 1);

	set_next(l, 1, l->header_paddr);		/* the header page */
	read_all(l, &p);
	CU_ASSERT(problems_mention(&p, "header page"));
	expect_prefix(l, &p, 1);

	set_next(l, 1, keep);
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.nr_problems, 0);
	CU_ASSERT_EQUAL(p.nr_recs, l->nr_recs);

	/* first_block_paddr outside */
	sim_header(l->sm)->first_block_paddr = (uint64_t)l->sm->max_pfn * PS + PS;
	reseal_header(l);
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.open_rc, 0);
	CU_ASSERT(problems_mention(&p, "chain broken at block 0"));
	CU_ASSERT_EQUAL(p.nr_recs, 0);
	free_dump(l);
}

/* A hole between RAM ranges is outside the source too. */
static void test_next_paddr_in_hole(void)
{
	struct simmem *sm = sim_new_standard(1024, 8);
	struct layout l = { .sm = sm, .header_paddr = 0x100 * PS };
	struct lkcd_block_header bh;
	uint64_t first;
	struct pass p;

	CU_ASSERT_EQUAL_FATAL(sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK,
				       LKCD_COMPRESS_ZSTD, 0), 0);
	first = sim_header(sm)->first_block_paddr;
	CU_ASSERT_FATAL(first != 0);
	memcpy(&bh, sm->mem + first, sizeof(bh));
	CU_ASSERT_FATAL(bh.next_paddr != 0);
	bh.next_paddr = 0xa0000;			/* legacy VGA hole */
	memcpy(sm->mem + first, &bh, sizeof(bh));
	l.nr_blocks = 1;
	l.block_paddr[0] = first;
	reseal_block(&l, 0);
	read_all(&l, &p);
	CU_ASSERT(problems_mention(&p, "outside the memory"));
	sim_free(sm);
}

/* ---- the header ---- */

static void test_header_damage(void)
{
	struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
	struct lkcd_dump_header *h = sim_header(l->sm);
	struct lkcd_dump_header save = *h;
	struct lkcd_source *src;
	struct lkcd_dump *d;
	struct lkcd_error err;
	struct pass p;

	h->panic_string[3] ^= 1;			/* bad crc */
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.open_rc, -EBADMSG);
	CU_ASSERT(strstr(p.open_msg, "checksum") != NULL);
	*h = save;

	h->version = 2;					/* wrong version */
	reseal_header(l);
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.open_rc, -EPROTONOSUPPORT);
	CU_ASSERT(strstr(p.open_msg, "version 2") != NULL);
	*h = save;

	h->magic ^= 0xff;				/* not a dump header */
	reseal_header(l);
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.open_rc, -ENODATA);
	*h = save;

	h->state = LKCD_STATE_EMPTY;			/* armed, no dump */
	reseal_header(l);
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.open_rc, -ENODATA);
	CU_ASSERT(strstr(p.open_msg, "no finished dump") != NULL);
	h->state = LKCD_STATE_IN_PROGRESS;
	reseal_header(l);
	read_all(l, &p);
	CU_ASSERT_EQUAL(p.open_rc, -EBADMSG);
	*h = save;

	read_all(l, &p);				/* restored */
	CU_ASSERT_EQUAL(p.open_rc, 0);
	CU_ASSERT_EQUAL(p.nr_recs, l->nr_recs);

	CU_ASSERT_EQUAL_FATAL(sim_source(l->sm, &src), 0);
	CU_ASSERT_EQUAL(lkcd_dump_open(src, l->header_paddr + 8, &d, &err), -EINVAL);
	CU_ASSERT(lkcd_dump_open(src, (uint64_t)l->sm->max_pfn * PS, &d, &err) < 0);
	lkcd_source_close(src);
	free_dump(l);
}

/* ---- records that are well framed but wrong (crcs recomputed) ---- */

/* Rewrite record i's header through fn, then reseal its block(s). */
static void edit_record(struct layout *l, uint32_t i,
			void (*fn)(struct lkcd_record_header *, void *), void *arg)
{
	uint8_t buf[REC_HDR];
	uint32_t b = l->hdr_block[i], off = l->hdr_off[i], n0;
	struct lkcd_record_header rh;

	/* the header may straddle two blocks */
	n0 = l->payload_size[b] - off < REC_HDR ? l->payload_size[b] - off : REC_HDR;
	memcpy(buf, block_page(l, b) + BLK_HDR + off, n0);
	if (n0 < REC_HDR)
		memcpy(buf + n0, block_page(l, b + 1) + BLK_HDR, REC_HDR - n0);
	memcpy(&rh, buf, sizeof(rh));
	fn(&rh, arg);
	memcpy(buf, &rh, sizeof(rh));
	memcpy(block_page(l, b) + BLK_HDR + off, buf, n0);
	reseal_block(l, b);
	if (n0 < REC_HDR) {
		memcpy(block_page(l, b + 1) + BLK_HDR, buf + n0, REC_HDR - n0);
		reseal_block(l, b + 1);
	}
}

static void set_pfn(struct lkcd_record_header *rh, void *a) { rh->pfn = *(uint64_t *)a; }
static void set_flags(struct lkcd_record_header *rh, void *a) { rh->flags = *(uint16_t *)a; }
static void set_count(struct lkcd_record_header *rh, void *a) { rh->count = *(uint32_t *)a; }
static void set_crc(struct lkcd_record_header *rh, void *a) { rh->crc ^= *(uint32_t *)a; }
static void set_size(struct lkcd_record_header *rh, void *a) { rh->stored_size = *(uint32_t *)a; }
static void set_compress(struct lkcd_record_header *rh, void *a) { rh->compress = *(uint16_t *)a; }

/* Index of the first record of kind flags, from index `from`. */
static uint32_t find_rec(const struct layout *l, uint32_t flags, uint32_t from)
{
	for (uint32_t i = from; i < l->nr_recs; i++)
		if (l->recs[i].flags == flags)
			return i;
	CU_FAIL_FATAL("no record of that kind in the test dump");
	return 0;
}

/* After damaging record i alone: exactly it is missing, with a problem at its pfn. */
static void expect_only_lost(struct layout *l, uint32_t i, const char *what)
{
	uint8_t lost[MAX_RECS] = { 0 };
	char why[200] = "";
	struct pass p;

	lost[i] = 1;
	read_all(l, &p);
	if (!same_records(l, &p, lost, why, sizeof(why)) || !problems_mention(&p, what))
		fprintf(stderr, "\n  record %u (%s): %s; %zu problems: %s", i, what, why,
			p.nr_problems, p.nr_problems ? p.problems[0].reason : "");
	CU_ASSERT(same_records(l, &p, lost, why, sizeof(why)));
	CU_ASSERT(problems_mention(&p, what));
	CU_ASSERT_EQUAL(p.nr_problems, 1);
	if (p.nr_problems)
		CU_ASSERT_EQUAL(p.problems[0].block_seq, l->hdr_block[i]);
}

static void test_record_semantics(void)
{
	uint32_t i;

	{	/* pfn going backwards */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint64_t pfn;

		i = find_rec(l, LKCD_REC_COMPRESSED, 3);
		pfn = l->recs[i - 1].pfn;
		edit_record(l, i, set_pfn, &pfn);
		expect_only_lost(l, i, "not ascending");
		free_dump(l);
	}
	{	/* pfn past max_pfn */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint64_t pfn = 100000;

		i = l->nr_recs - 1;
		edit_record(l, i, set_pfn, &pfn);
		expect_only_lost(l, i, "past");
		free_dump(l);
	}
	{	/* data record claiming 2 pages */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint32_t count = 2;

		i = find_rec(l, LKCD_REC_RAW, 0);
		edit_record(l, i, set_count, &count);
		expect_only_lost(l, i, "covering 2 pages");
		free_dump(l);
	}
	{	/* zero run of 0 pages */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint32_t count = 0;

		i = find_rec(l, LKCD_REC_ZERO, 0);
		edit_record(l, i, set_count, &count);
		expect_only_lost(l, i, "0 pages");
		free_dump(l);
	}
	{	/* zero run running past max_pfn */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint32_t count = 0xfffffff0u;

		i = find_rec(l, LKCD_REC_ZERO, 0);
		edit_record(l, i, set_count, &count);
		expect_only_lost(l, i, "past");
		free_dump(l);
	}
	{	/* data crc wrong (block crcs right) */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint32_t x = 1;

		i = find_rec(l, LKCD_REC_COMPRESSED, 0);
		edit_record(l, i, set_crc, &x);
		expect_only_lost(l, i, "data crc");
		free_dump(l);
	}
}

/* Headers that cannot say where the next record is: resync at the next block. */
static void expect_resync(struct layout *l, uint32_t i, const char *what)
{
	uint8_t lost[MAX_RECS] = { 0 };
	uint32_t b = l->hdr_block[i];
	char why[200] = "";
	struct pass p;

	/* lost: i and every later record that starts before the next block's first record */
	for (uint32_t j = i; j < l->nr_recs && l->first_block[j] <= b; j++)
		lost[j] = 1;
	read_all(l, &p);
	if (!same_records(l, &p, lost, why, sizeof(why)) || !problems_mention(&p, what))
		fprintf(stderr, "\n  record %u (%s): %s; %zu problems: %s", i, what, why,
			p.nr_problems, p.nr_problems ? p.problems[0].reason : "");
	CU_ASSERT(same_records(l, &p, lost, why, sizeof(why)));
	CU_ASSERT(problems_mention(&p, what));
	CU_ASSERT(problems_mention(&p, "resync"));
}

static void test_record_framing(void)
{
	static const uint16_t bad_flags[] = { 0, 3, 5, 0x10, 0x8001 };
	uint32_t i;

	for (size_t f = 0; f < sizeof(bad_flags) / sizeof(bad_flags[0]); f++) {
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint16_t flags = bad_flags[f];

		i = find_rec(l, LKCD_REC_COMPRESSED, 1);
		edit_record(l, i, set_flags, &flags);
		expect_resync(l, i, "not exactly one record kind");
		free_dump(l);
	}
	{	/* zero record with data */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint32_t size = 16;

		i = find_rec(l, LKCD_REC_ZERO, 0);
		edit_record(l, i, set_size, &size);
		expect_resync(l, i, "zero record with 16 data bytes");
		free_dump(l);
	}
	{	/* raw record of the wrong size */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint32_t size = PS + 1;

		i = find_rec(l, LKCD_REC_RAW, 0);
		edit_record(l, i, set_size, &size);
		expect_resync(l, i, "raw record of 4097 bytes");
		free_dump(l);
	}
	{	/* compressed record larger than a page */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint32_t size = 0x7fffffff;

		i = find_rec(l, LKCD_REC_COMPRESSED, 0);
		edit_record(l, i, set_size, &size);
		expect_resync(l, i, "compressed record of");
		free_dump(l);
	}
	{	/*
		 * A bad header that straddles two blocks: the block it ends
		 * in has the resync point, nothing after it is lost.
		 */
		struct layout *l = NULL;
		uint16_t flags = 6;
		uint32_t v, found = 0;

		for (v = 0; v < 100 && !found; v++) {
			l = make_dump_v(LKCD_COMPRESS_LZ4, v);
			for (i = 1; i < l->nr_recs && !found; i++)
				if (l->hdr_off[i] + REC_HDR > l->payload_size[l->hdr_block[i]])
					found = 1;
			if (!found)
				free_dump(l);
		}
		CU_ASSERT_FATAL(found);
		i--;
		edit_record(l, i, set_flags, &flags);
		expect_resync(l, i, "not exactly one record kind");
		free_dump(l);
	}
	{	/* unknown compression method */
		struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
		uint16_t c = 9;

		i = find_rec(l, LKCD_REC_COMPRESSED, 0);
		edit_record(l, i, set_compress, &c);
		expect_resync(l, i, "unknown compression 9");
		free_dump(l);
	}
}

/* ---- rewind ---- */

static void test_rewind(void)
{
	struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
	struct lkcd_source *src;
	struct lkcd_dump *d;
	const struct lkcd_problem *pr;
	struct lkcd_page pg;
	size_t n1 = 0, n2 = 0, p1, p2;

	block_page(l, 1)[BLK_HDR + 5] ^= 1;
	CU_ASSERT_EQUAL_FATAL(sim_source(l->sm, &src), 0);
	CU_ASSERT_EQUAL_FATAL(lkcd_dump_open(src, l->header_paddr, &d, NULL), 0);
	while (lkcd_dump_next(d, &pg, NULL) == 1)
		n1++;
	p1 = lkcd_dump_problems(d, &pr);
	/* the damaged block's problem names the pfns it lost */
	CU_ASSERT_FATAL(p1 >= 1);
	CU_ASSERT(strstr(pr[0].reason, "payload crc") != NULL);
	CU_ASSERT(strstr(pr[0].reason, " lost") != NULL);
	CU_ASSERT(pr[0].pfn != UINT64_MAX);
	CU_ASSERT_EQUAL(lkcd_dump_rewind(d, NULL), 0);
	while (lkcd_dump_next(d, &pg, NULL) == 1)
		n2++;
	p2 = lkcd_dump_problems(d, &pr);
	CU_ASSERT_EQUAL(n1, n2);
	CU_ASSERT_EQUAL(p1, p2);
	CU_ASSERT(p1 >= 1);
	CU_ASSERT(n1 < l->nr_recs && n1 > 0);
	/* at the end, next keeps saying so */
	CU_ASSERT_EQUAL(lkcd_dump_next(d, &pg, NULL), 0);
	CU_ASSERT_EQUAL(lkcd_dump_problems(d, &pr), p2);
	lkcd_dump_close(d);
	lkcd_source_close(src);
	free_dump(l);
}

/* ---- page expansion ---- */

static void test_expand(void)
{
	uint8_t page[PS], comp[2 * PS], out[PS];
	struct lkcd_page pg = { .pfn = 7, .count = 1, .flags = LKCD_REC_COMPRESSED };
	struct lkcd_error err;
	uLongf zl;
	size_t zs;
	int n;

	for (size_t i = 0; i < PS; i++)
		page[i] = (uint8_t)(i * 7 / 13);

	/* each method, exactly one page: good */
	zl = sizeof(comp);
	CU_ASSERT_EQUAL_FATAL(compress2(comp, &zl, page, PS, 1), Z_OK);
	pg.compress = LKCD_COMPRESS_ZLIB;
	pg.stored = comp;
	pg.stored_size = (uint32_t)zl;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), 0);
	CU_ASSERT(memcmp(out, page, PS) == 0);
	comp[zl / 2] ^= 0x40;				/* adler32 catches it */
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
	CU_ASSERT(strstr(err.msg, "pfn 0x7") != NULL);
	zl = sizeof(comp);				/* half a page */
	CU_ASSERT_EQUAL_FATAL(compress2(comp, &zl, page, PS / 2, 1), Z_OK);
	pg.stored_size = (uint32_t)zl;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
	CU_ASSERT(strstr(err.msg, "2048 bytes") != NULL);
	pg.stored_size = 3;				/* truncated */
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);

	zs = ZSTD_compress(comp, sizeof(comp), page, PS, 1);
	CU_ASSERT_FATAL(!ZSTD_isError(zs));
	pg.compress = LKCD_COMPRESS_ZSTD;
	pg.stored_size = (uint32_t)zs;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), 0);
	CU_ASSERT(memcmp(out, page, PS) == 0);
	pg.stored_size = (uint32_t)zs - 1;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
	{
		uint8_t two[2 * PS];

		memcpy(two, page, PS);
		memcpy(two + PS, page, PS);
		zs = ZSTD_compress(comp, sizeof(comp), two, sizeof(two), 1);
		pg.stored_size = (uint32_t)zs;		/* two pages' worth */
		CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
	}

	n = LZ4_compress_default((const char *)page, (char *)comp, PS, sizeof(comp));
	CU_ASSERT_FATAL(n > 0);
	pg.compress = LKCD_COMPRESS_LZ4;
	pg.stored_size = (uint32_t)n;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), 0);
	CU_ASSERT(memcmp(out, page, PS) == 0);
	n = LZ4_compress_default((const char *)page, (char *)comp, PS - 100, sizeof(comp));
	pg.stored_size = (uint32_t)n;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
	CU_ASSERT(strstr(err.msg, "3996 bytes") != NULL);

	/* lzo: LZO1X-1, as lzo1x_1_compress makes it (kernel and liblzo2) */
	{
		static lzo_align_t wrk[(LZO1X_1_MEM_COMPRESS + sizeof(lzo_align_t) - 1) /
				       sizeof(lzo_align_t)];
		lzo_uint ll = sizeof(comp);

		CU_ASSERT_FATAL(lzo_init() == LZO_E_OK);
		CU_ASSERT_FATAL(lzo1x_1_compress(page, PS, comp, &ll, wrk) == LZO_E_OK);
		pg.compress = LKCD_COMPRESS_LZO;
		pg.stored_size = (uint32_t)ll;
		CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), 0);
		CU_ASSERT(memcmp(out, page, PS) == 0);
		pg.stored_size = (uint32_t)ll - 1;		/* truncated */
		CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
		CU_ASSERT(strstr(err.msg, "(lzo)") != NULL);
		ll = sizeof(comp);				/* a short page */
		CU_ASSERT_FATAL(lzo1x_1_compress(page, PS - 100, comp, &ll, wrk) == LZO_E_OK);
		pg.stored_size = (uint32_t)ll;
		CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
		CU_ASSERT(strstr(err.msg, "3996 bytes") != NULL);
		memset(comp, 0xff, 64);				/* garbage */
		pg.stored_size = 64;
		CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
	}

	pg.compress = 1;				/* LKCD's RLE: not ours */
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EINVAL);

	/* raw, zero, unreadable, index checks */
	pg.flags = LKCD_REC_RAW;
	pg.compress = 0;
	pg.stored = page;
	pg.stored_size = PS;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), 0);
	CU_ASSERT(memcmp(out, page, PS) == 0);
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 1, out, PS, &err), -EINVAL);
	pg.stored_size = PS - 1;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 0, out, PS, &err), -EBADMSG);
	pg.flags = LKCD_REC_ZERO;
	pg.count = 5;
	pg.stored_size = 0;
	memset(out, 0xff, PS);
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 4, out, PS, &err), 0);
	CU_ASSERT(out[0] == 0 && out[PS - 1] == 0);
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 5, out, PS, &err), -EINVAL);
	pg.flags = LKCD_REC_UNREADABLE;
	CU_ASSERT_EQUAL(lkcd_page_expand(&pg, 2, out, PS, &err), -EIO);
	CU_ASSERT(strstr(err.msg, "pfn 0x9") != NULL);
}

/* An incomplete dump reads back as its prefix, with no problem. */
static void test_incomplete_reads_clean(void)
{
	struct simmem *sm = sim_new_standard(2048, 31);
	struct sim_readback rb;
	char msg[300];

	sm->ns_per_read = 10;
	CU_ASSERT_EQUAL(sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK,
				 LKCD_COMPRESS_ZLIB, 2000), 0);
	CU_ASSERT_EQUAL(sim_header(sm)->incomplete_reason, LKCD_INCOMPLETE_DEADLINE);
	CU_ASSERT_EQUAL(sim_readback(sm, &rb), 0);
	CU_ASSERT_EQUAL(rb.nr_problems, 0);
	CU_ASSERT_EQUAL(sim_check_dump(sm, &rb, msg, sizeof(msg)), 0);
	CU_ASSERT(rb.nr_records > 0);
	sim_readback_free(&rb);
	sim_free(sm);
}

/*
 * Damage that the CRCs do not catch: random bytes changed in a block and the
 * block resealed (both CRCs recomputed), so every structural check of the
 * reader is reached.  Whatever comes back must be in order, inside the
 * dump, expandable or refused cleanly; records the damage cannot have
 * touched come back unchanged.
 */
static uint64_t fuzz_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_resealed_damage(void)
{
	struct layout *l = make_dump(LKCD_COMPRESS_LZ4);
	uint8_t saved[MAX_BLOCKS][PS], out[PS];
	uint64_t seed = 0x9e3779b97f4a7c15ULL, bad_order = 0, kept_wrong = 0;
	struct lkcd_error err;

	for (uint32_t b = 0; b < l->nr_blocks; b++)
		memcpy(saved[b], block_page(l, b), PS);
	for (int iter = 0; iter < 3000; iter++) {
		uint32_t b = (uint32_t)(fuzz_rand(&seed) % l->nr_blocks);
		uint8_t *page = block_page(l, b);
		int n = 1 + (int)(fuzz_rand(&seed) % 4);
		struct lkcd_source *src;
		struct lkcd_dump *d;
		struct lkcd_page pg;
		uint64_t prev_end = 0;

		for (int k = 0; k < n; k++) {
			uint64_t r = fuzz_rand(&seed);
			/* header fields half the time, payload otherwise */
			uint32_t off = (r & 1) ? 8 + (uint32_t)((r >> 8) % 32) :
				       BLK_HDR + (uint32_t)((r >> 8) % l->payload_size[b]);

			page[off] = (uint8_t)(r >> 40);
		}
		reseal_block(l, b);
		CU_ASSERT_EQUAL_FATAL(sim_source(l->sm, &src), 0);
		CU_ASSERT_EQUAL_FATAL(lkcd_dump_open(src, l->header_paddr, &d, NULL), 0);
		while (lkcd_dump_next(d, &pg, NULL) == 1) {
			if (pg.pfn < prev_end || pg.pfn + pg.count > l->sm->max_pfn)
				bad_order++;
			prev_end = pg.pfn + pg.count;
			for (uint32_t i = 0; i < pg.count && i < 4; i++)
				(void)lkcd_page_expand(&pg, i, out, PS, &err);
			/* a record wholly in an untouched block is unchanged */
			for (uint32_t r = 0; r < l->nr_recs; r++)
				if (l->recs[r].pfn == pg.pfn && l->last_block[r] < b &&
				    (l->recs[r].stored_size != pg.stored_size ||
				     l->recs[r].digest != (uint32_t)crc32(0x1234, pg.stored,
									  pg.stored_size)))
					kept_wrong++;
		}
		lkcd_dump_close(d);
		lkcd_source_close(src);
		memcpy(page, saved[b], PS);
	}
	CU_ASSERT_EQUAL(bad_order, 0);
	CU_ASSERT_EQUAL(kept_wrong, 0);
	free_dump(l);
}

static CU_TestInfo reader_tests[] = {
	{ "every block byte damaged (lz4 dump)", test_every_byte_lz4 },
	{ "every block byte damaged (raw dump)", test_every_byte_raw },
	{ "every header byte damaged", test_every_header_byte },
	{ "truncated chain", test_truncated_chain },
	{ "loop in the chain", test_loop },
	{ "chain longer than nr_blocks", test_chain_past_nr_blocks },
	{ "next_paddr outside, misaligned, header", test_next_paddr_bad },
	{ "next_paddr in a hole between ranges", test_next_paddr_in_hole },
	{ "header: crc, version, magic, state, address", test_header_damage },
	{ "records: pfn, count, crc (skipped alone)", test_record_semantics },
	{ "records: flags, sizes, method (resync)", test_record_framing },
	{ "rewind repeats the walk", test_rewind },
	{ "page expansion checks", test_expand },
	{ "incomplete dump reads clean", test_incomplete_reads_clean },
	{ "random damage behind good CRCs", test_resealed_damage },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("reader", NULL, NULL, reader_tests);
}

LKCD_TEST_MAIN(register_suites)
