// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Simulated physical memory for the packer tests: see simmem.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>
#include <lz4.h>
#include <lzo/lzo1x.h>

#include "simmem.h"

#define PS LKCD_PAGE_SIZE

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p) {
		fprintf(stderr, "simmem: out of memory (%zu x %zu)\n", n, sz);
		abort();
	}
	return p;
}

/* splitmix64: deterministic contents from a seed. */
static uint64_t sim_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void violation(struct simmem *sm, const char *fmt, uint64_t pfn,
		      const char *why)
{
	if (!sm->violations++)
		snprintf(sm->violation, sizeof(sm->violation), fmt,
			 (unsigned long long)pfn, why);
}

/* ---- building ---- */

struct simmem *sim_new(uint64_t max_pfn)
{
	struct simmem *sm = xcalloc(1, sizeof(*sm));

	sm->max_pfn = max_pfn;
	sm->mem = xcalloc(max_pfn, PS);
	sm->orig = xcalloc(max_pfn, PS);
	sm->cls = xcalloc(max_pfn, sizeof(*sm->cls));
	sm->run = xcalloc(max_pfn, sizeof(*sm->run));
	sm->state = xcalloc(max_pfn, 1);
	sm->read_buf = aligned_alloc(PS, PS);
	sm->comp_buf = aligned_alloc(PS, PS);
	sm->zstd_cctx = ZSTD_createCCtx();
	if (!sm->read_buf || !sm->comp_buf || !sm->zstd_cctx)
		abort();
	for (uint64_t p = 0; p < max_pfn; p++) {
		sm->cls[p] = LKCD_PC_HOLE;
		sm->run[p] = 1;
	}
	sm->header_pfn = ~0ULL;
	return sm;
}

void sim_free(struct simmem *sm)
{
	if (!sm)
		return;
	free(sm->mem);
	free(sm->orig);
	free(sm->cls);
	free(sm->run);
	free(sm->state);
	free(sm->read_buf);
	free(sm->comp_buf);
	ZSTD_freeCCtx(sm->zstd_cctx);
	if (sm->zlib_stream) {
		deflateEnd(sm->zlib_stream);
		free(sm->zlib_stream);
	}
	free(sm->lzo_wrkmem);
	free(sm->lzo_out);
	free(sm);
}

void sim_add_range(struct simmem *sm, uint64_t start, uint64_t size)
{
	uint64_t first = (start + PS - 1) / PS, end = (start + size) / PS;

	if (sm->nr_ranges >= SIM_MAX_RANGES || end > sm->max_pfn)
		abort();
	sm->ranges[sm->nr_ranges].start = start;
	sm->ranges[sm->nr_ranges].size = size;
	sm->nr_ranges++;
	for (uint64_t p = first; p < end; p++) {
		sm->state[p] |= SIM_S_RAM;
		sm->cls[p] = LKCD_PC_KERNEL;
	}
}

void sim_set_class(struct simmem *sm, uint64_t pfn, uint64_t n, unsigned int cls)
{
	for (uint64_t p = pfn; p < pfn + n && p < sm->max_pfn; p++) {
		sm->cls[p] = (uint16_t)cls;
		sm->run[p] = 1;
	}
}

void sim_free_block(struct simmem *sm, uint64_t pfn, unsigned int order)
{
	uint64_t n = 1ULL << order;

	for (uint64_t i = 0; i < n && pfn + i < sm->max_pfn; i++) {
		sm->cls[pfn + i] = LKCD_PC_FREE;
		sm->run[pfn + i] = (uint32_t)(n - i);
	}
}

static const char *const words[] = {
	"the", "kernel", "page", "struct", "task", "lock", "memory", "dump",
	"panic", "0x", "ffff", "inode", "buffer", "list_head", "spin", "irq",
	"cpu", "sched", "mutex", "return", "if", "else", "static", "int",
	"void", "for", "while", "NULL", "error", "value", "count", "flags",
};

static void fill_text(uint8_t *page, uint64_t *s)
{
	size_t off = 0;

	while (off < PS) {
		uint64_t r = sim_rand(s);
		const char *w = words[r % (sizeof(words) / sizeof(words[0]))];
		char tmp[40];
		/* words, decimal and hex numbers: about 3:1 for zlib */
		int n = (r >> 8) % 4 == 0 ?
			snprintf(tmp, sizeof(tmp), "%s %u\n", w, (unsigned)(r >> 16) % 100000) :
			(r >> 8) % 4 == 1 ?
			snprintf(tmp, sizeof(tmp), "%s=0x%x ", w, (unsigned)(r >> 24)) :
			snprintf(tmp, sizeof(tmp), "%s ", w);

		for (int i = 0; i < n && off < PS; i++)
			page[off++] = (uint8_t)tmp[i];
	}
}

void sim_fill(struct simmem *sm, uint64_t pfn, uint64_t n,
	      enum sim_content what, uint64_t seed)
{
	uint64_t s = seed * 0x2545f4914f6cdd1dULL + pfn;

	for (uint64_t p = pfn; p < pfn + n && p < sm->max_pfn; p++) {
		uint8_t *page = sm->mem + p * PS;

		memset(page, 0, PS);
		switch (what) {
		case SIM_ZERO:
			break;
		case SIM_TEXT:
			fill_text(page, &s);
			break;
		case SIM_RANDOM:
			for (size_t i = 0; i < PS; i += 8) {
				uint64_t r = sim_rand(&s);

				memcpy(page + i, &r, 8);
			}
			break;
		case SIM_SPARSE:
			for (int i = 0; i < 4; i++) {
				uint64_t r = sim_rand(&s);

				memcpy(page + (r % (PS / 8)) * 8, &r, 8);
			}
			break;
		}
	}
}

void sim_set_unreadable(struct simmem *sm, uint64_t pfn, uint64_t n)
{
	for (uint64_t p = pfn; p < pfn + n && p < sm->max_pfn; p++)
		sm->state[p] |= SIM_S_UNREADABLE;
}

void sim_set_header(struct simmem *sm, uint64_t pfn)
{
	sm->header_pfn = pfn;
	sim_set_class(sm, pfn, 1, LKCD_PC_NODUMP);
	memset(sm->mem + pfn * PS, 0, PS);
}

void sim_add_pool(struct simmem *sm, uint64_t pfn)
{
	if (sm->nr_pool >= SIM_MAX_POOL)
		abort();
	sm->pool[sm->nr_pool++] = pfn;
	sm->state[pfn] |= SIM_S_POOL;
	sim_set_class(sm, pfn, 1, LKCD_PC_NODUMP);
}

/* One segment of the standard layout starting at pfn; returns its length. */
static uint64_t standard_segment(struct simmem *sm, uint64_t pfn, uint64_t end,
				 uint64_t *s)
{
	uint64_t r = sim_rand(s), n = 1 + (r >> 8) % 12;
	unsigned int pick = r % 100;
	/* Contents: half text, a third sparse, a sixth incompressible. */
	enum sim_content what = (r >> 20) % 6 < 3 ? SIM_TEXT :
				(r >> 20) % 6 < 5 ? SIM_SPARSE : SIM_RANDOM;

	if (n > end - pfn)
		n = end - pfn;
	if (pick < 22) {			/* free buddy blocks */
		unsigned int order = (r >> 12) % 7;

		while (order && ((pfn & ((1ULL << order) - 1)) ||
				 pfn + (1ULL << order) > end))
			order--;
		sim_free_block(sm, pfn, order);
		/* free pages hold zeroes or stale data */
		sim_fill(sm, pfn, 1ULL << order, (r >> 24) & 1 ? SIM_ZERO : what, r);
		return 1ULL << order;
	}
	if (pick < 50) {			/* kernel text / data */
		sim_set_class(sm, pfn, n, LKCD_PC_KERNEL);
		sim_fill(sm, pfn, n, (r >> 28) % 5 == 0 ? SIM_ZERO : what, r);
	} else if (pick < 68) {
		sim_set_class(sm, pfn, n, LKCD_PC_USER |
			      ((r >> 32) % 7 == 0 ? LKCD_PCF_BUSY : 0));
		sim_fill(sm, pfn, n, (r >> 28) % 4 == 0 ? SIM_ZERO : what, r);
	} else if (pick < 82) {
		sim_set_class(sm, pfn, n, LKCD_PC_CACHE |
			      ((r >> 32) % 5 == 0 ? LKCD_PCF_BUSY : 0));
		sim_fill(sm, pfn, n, what, r);
	} else if (pick < 92) {
		sim_set_class(sm, pfn, n, LKCD_PC_CACHE_PRIVATE);
		sim_fill(sm, pfn, n, what, r);
	} else if (pick < 94) {
		sim_set_class(sm, pfn, n, LKCD_PC_NODUMP);
		sim_fill(sm, pfn, n, SIM_RANDOM, r);
	} else if (pick < 95) {
		sim_set_class(sm, pfn, 1, LKCD_PC_HWPOISON);
		sim_fill(sm, pfn, 1, SIM_RANDOM, r);
		return 1;
	} else if (pick < 96) {
		sim_set_class(sm, pfn, n, LKCD_PC_OFFLINE);
	} else if (pick < 97) {
		sim_set_class(sm, pfn, n, LKCD_PC_HOLE);
	} else {				/* kernel pages that fail to read */
		n = 1 + n % 3;
		if (n > end - pfn)
			n = end - pfn;
		sim_set_class(sm, pfn, n, LKCD_PC_KERNEL);
		sim_fill(sm, pfn, n, SIM_TEXT, r);
		sim_set_unreadable(sm, pfn, n);
	}
	return n;
}

struct simmem *sim_new_standard(uint64_t max_pfn, uint64_t seed)
{
	struct simmem *sm = sim_new(max_pfn);
	uint64_t s = seed, top_hole = max_pfn - max_pfn / 16;

	sim_add_range(sm, 0x1000, 0x9fc00 - 0x1000);
	sim_add_range(sm, 0x100000, (top_hole - 0x100) * PS);
	sim_add_range(sm, (top_hole + 16) * PS, (max_pfn - top_hole - 16) * PS);
	for (size_t i = 0; i < sm->nr_ranges; i++) {
		uint64_t pfn = (sm->ranges[i].start + PS - 1) / PS;
		uint64_t end = (sm->ranges[i].start + sm->ranges[i].size) / PS;

		while (pfn < end)
			pfn += standard_segment(sm, pfn, end, &s);
	}
	sim_set_header(sm, 0x100);
	return sm;
}

/* ---- policy, as the tests understand it (written apart from packer.c) ---- */

int sim_class_excluded(uint32_t exclude, unsigned int cls)
{
	switch (cls & LKCD_PC_MASK) {
	case LKCD_PC_FREE:
		return (exclude & LKCD_EXCLUDE_FREE) != 0;
	case LKCD_PC_CACHE:
		return (exclude & (LKCD_EXCLUDE_CACHE | LKCD_EXCLUDE_CACHE_PRI)) != 0;
	case LKCD_PC_CACHE_PRIVATE:
		return (exclude & LKCD_EXCLUDE_CACHE_PRI) != 0;
	case LKCD_PC_USER:
		return (exclude & LKCD_EXCLUDE_USER) != 0;
	case LKCD_PC_KERNEL:
		return 0;
	default:
		return 1;	/* hole, nodump, hwpoison, offline */
	}
}

int sim_orig_is_zero(const struct simmem *sm, uint64_t pfn)
{
	const uint8_t *p = sm->orig + pfn * PS;

	for (size_t i = 0; i < PS; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ---- the ops ---- */

static unsigned int op_classify(void *ctx, __u64 pfn, __u64 *run)
{
	struct simmem *sm = ctx;

	sm->nr_classify++;
	sm->clock_ns += sm->ns_per_classify;
	if (pfn >= sm->max_pfn) {
		violation(sm, "classify(%llx): %s", pfn, "beyond max_pfn");
		*run = 1;
		return LKCD_PC_HOLE;
	}
	*run = sm->run[pfn] ? sm->run[pfn] : 1;
	return sm->cls[pfn];
}

/* crc32 has no ctx: the simmem whose packer runs, for the interruption */
static struct simmem *sim_running;

/* Count an op call; at interrupt_at, leave the packer as a fault would. */
static void sim_op_call(struct simmem *sm)
{
	if (!sm)
		return;
	sm->nr_op_calls++;
	if (sm->interrupt_at && sm->nr_op_calls == sm->interrupt_at && sm->interrupt_jmp) {
		sm->interrupted = 1;
		sim_running = NULL;
		longjmp(*sm->interrupt_jmp, 1);
	}
}

static int op_read_page(void *ctx, __u64 pfn, void *buf)
{
	struct simmem *sm = ctx;
	unsigned int cls;

	sim_op_call(sm);
	sm->clock_ns += sm->ns_per_read;
	if (pfn >= sm->max_pfn || !(sm->state[pfn] & SIM_S_RAM)) {
		violation(sm, "read_page(%llx): %s", pfn, "not RAM");
		return -1;
	}
	cls = sm->cls[pfn] & LKCD_PC_MASK;
	if (pfn == sm->header_pfn)
		violation(sm, "read_page(%llx): %s", pfn, "the header page");
	else if (sm->state[pfn] & SIM_S_POOL)
		violation(sm, "read_page(%llx): %s", pfn, "a pool page");
	else if (cls != LKCD_PC_KERNEL && sim_class_excluded(0, cls))
		violation(sm, "read_page(%llx): %s", pfn,
			  "a never-read class (hole/nodump/hwpoison/offline)");
	else if (sm->state[pfn] & SIM_S_WRITTEN)
		violation(sm, "read_page(%llx): %s", pfn,
			  "already overwritten by a storage block");
	else if (sm->state[pfn] & (SIM_S_READ | SIM_S_READ_FAILED))
		violation(sm, "read_page(%llx): %s", pfn, "read twice");
	if (sm->state[pfn] & SIM_S_UNREADABLE) {
		sm->state[pfn] |= SIM_S_READ_FAILED;
		sm->nr_read_failures++;
		return -1;
	}
	memcpy(buf, sm->mem + pfn * PS, PS);
	sm->state[pfn] |= SIM_S_READ;
	sm->nr_reads++;
	return 0;
}

/* The heart of the invariant checks: is pfn a legal spare page right now? */
static void *op_map_spare(void *ctx, __u64 pfn)
{
	struct simmem *sm = ctx;
	unsigned int ans, cls;

	sim_op_call(sm);
	if (pfn >= sm->max_pfn || !(sm->state[pfn] & SIM_S_RAM)) {
		violation(sm, "map_spare(%llx): %s", pfn, "not RAM");
		return NULL;
	}
	ans = sm->cls[pfn];
	cls = ans & LKCD_PC_MASK;
	if (sm->state[pfn] & SIM_S_WRITTEN) {
		violation(sm, "map_spare(%llx): %s", pfn, "written twice");
		return NULL;
	}
	if (sm->state[pfn] & SIM_S_POOL)
		goto ok;
	if (pfn == sm->header_pfn) {
		violation(sm, "map_spare(%llx): %s", pfn, "the header page");
		return NULL;
	}
	if (cls != LKCD_PC_FREE && cls != LKCD_PC_USER && cls != LKCD_PC_CACHE &&
	    cls != LKCD_PC_CACHE_PRIVATE) {
		violation(sm, "map_spare(%llx): %s", pfn,
			  "protected class (kernel/nodump/hole/hwpoison/offline)");
		return NULL;
	}
	if (ans & LKCD_PCF_BUSY) {
		violation(sm, "map_spare(%llx): %s", pfn, "busy (I/O may still write it)");
		return NULL;
	}
	if (sm->level != LKCD_LEVEL_HEADER && !sim_class_excluded(sm->exclude, cls) &&
	    !(sm->state[pfn] & SIM_S_READ)) {
		violation(sm, "map_spare(%llx): %s", pfn,
			  (sm->state[pfn] & SIM_S_READ_FAILED) ?
			  "unreadable page reused" : "content not saved yet");
		return NULL;
	}
ok:
	sm->state[pfn] |= SIM_S_WRITTEN;
	sm->nr_spares++;
	return sm->mem + pfn * PS;
}

int sim_compress(struct simmem *sm, const void *src, void *dst, uint32_t cap)
{
	switch (sm->compress) {
	case LKCD_COMPRESS_ZLIB: {
		/*
		 * compress2(level 1) bytes (windowBits 15, memLevel 8), with
		 * the stream kept and reset per page like the kernel's
		 * zlib_deflate user, not allocated per page.
		 */
		z_stream *zs = sm->zlib_stream;

		if (!zs) {
			zs = xcalloc(1, sizeof(*zs));
			if (deflateInit(zs, 1) != Z_OK) {
				free(zs);
				return -1;
			}
			sm->zlib_stream = zs;
		} else if (deflateReset(zs) != Z_OK) {
			return -1;
		}
		zs->next_in = (Bytef *)src;
		zs->avail_in = PS;
		zs->next_out = dst;
		zs->avail_out = cap;
		if (deflate(zs, Z_FINISH) != Z_STREAM_END)
			return -1;
		return (int)zs->total_out;
	}
	case LKCD_COMPRESS_ZSTD: {
		size_t n = ZSTD_compressCCtx(sm->zstd_cctx, dst, cap, src, PS, 1);

		return ZSTD_isError(n) ? -1 : (int)n;
	}
	case LKCD_COMPRESS_LZ4: {
		int n = LZ4_compress_default(src, dst, PS, (int)cap);

		return n > 0 ? n : -1;
	}
	case LKCD_COMPRESS_LZO: {
		/*
		 * lzo1x_1_compress, as the kernel's lib/lzo: it takes no output
		 * cap, so it writes into a worst-case buffer first.
		 */
		lzo_uint n = 0;

		if (!sm->lzo_wrkmem) {
			if (lzo_init() != LZO_E_OK)
				return -1;
			sm->lzo_wrkmem = xcalloc(1, LZO1X_1_MEM_COMPRESS);
			sm->lzo_out = xcalloc(1, PS + PS / 16 + 64 + 3);
		}
		if (lzo1x_1_compress(src, PS, sm->lzo_out, &n, sm->lzo_wrkmem) != LZO_E_OK || n > cap)
			return -1;
		memcpy(dst, sm->lzo_out, n);
		return (int)n;
	}
	default:
		return -1;
	}
}

static int op_compress(void *ctx, const void *src, void *dst, __u32 cap)
{
	sim_op_call(ctx);
	return sim_compress(ctx, src, dst, cap);
}

static __u32 op_crc32(__u32 crc, const void *buf, __u32 len)
{
	sim_op_call(sim_running);
	return (__u32)crc32(crc, buf, len);
}

static __u64 op_now_ns(void *ctx)
{
	struct simmem *sm = ctx;
	struct timespec ts;

	if (!sm->real_clock)
		return sm->clock_ns;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void op_progress(void *ctx, __u64 done, __u64 total)
{
	struct simmem *sm = ctx;

	sim_op_call(sm);
	if (done > total || done < sm->last_progress_done)
		violation(sm, "progress(%llx): %s", done, "goes backwards or past total");
	sm->last_progress_done = done;
	sm->nr_progress++;
}

static void op_keepalive(void *ctx)
{
	((struct simmem *)ctx)->nr_keepalive++;
}

/* ---- running the packer ---- */

static void fill_static_header(struct simmem *sm)
{
	struct lkcd_dump_header *h = sim_header(sm);
	struct lkcd_mem_range *table = (struct lkcd_mem_range *)((uint8_t *)h + sizeof(*h));
	uint64_t mem = 0;

	memset(h, 0, PS);
	h->magic = LKCD_DUMP_MAGIC;
	h->version = LKCD_FORMAT_VERSION;
	h->header_size = sizeof(*h);
	h->page_size = PS;
	h->panic_time_sec = 1795000000;
	h->nr_cpus = 2;
	h->nr_ranges = (uint32_t)sm->nr_ranges;
	for (size_t i = 0; i < sm->nr_ranges; i++) {
		table[i] = sm->ranges[i];
		mem += sm->ranges[i].size;
	}
	h->memory_size = mem;
	h->max_pfn = sm->max_pfn;
	h->current_task = 0xffff888000123400ULL;
	strcpy(h->uts.sysname, "Linux");
	strcpy(h->uts.nodename, "simmem");
	strcpy(h->uts.release, "6.1.0-sim");
	strcpy(h->uts.version, "#1 SMP");
	strcpy(h->uts.machine, "x86_64");
	strcpy(h->uts.domainname, "(none)");
	strcpy(h->panic_string, "sysrq triggered crash (simulated)");
}

int sim_pack(struct simmem *sm, uint32_t level, uint32_t exclude,
	     uint32_t compress, uint64_t deadline_ns)
{
	struct lkcd_packer *pk = &sm->pk;
	int rc;

	if (sm->header_pfn >= sm->max_pfn)
		abort();
	sm->level = level;
	sm->exclude = exclude;
	sm->compress = compress;
	fill_static_header(sm);
	memcpy(sm->orig, sm->mem, sm->max_pfn * PS);
	for (uint64_t p = 0; p < sm->max_pfn; p++)
		sm->state[p] &= ~(SIM_S_READ | SIM_S_WRITTEN | SIM_S_READ_FAILED);
	sm->violations = 0;
	sm->violation[0] = 0;
	sm->nr_reads = sm->nr_read_failures = sm->nr_spares = sm->nr_classify = 0;
	sm->nr_progress = sm->nr_keepalive = sm->last_progress_done = 0;

	sm->ops.classify = op_classify;
	sm->ops.read_page = op_read_page;
	sm->ops.map_spare = op_map_spare;
	sm->ops.compress = compress == LKCD_COMPRESS_NONE ? NULL : op_compress;
	sm->ops.crc32 = op_crc32;
	sm->ops.now_ns = op_now_ns;
	sm->ops.progress = op_progress;
	sm->ops.keepalive = op_keepalive;

	memset(pk, 0, sizeof(*pk));
	pk->ops = &sm->ops;
	pk->ctx = sm;
	pk->header = sim_header(sm);
	pk->header_pfn = sm->header_pfn;
	pk->level = level;
	pk->exclude = exclude;
	pk->compress = compress;
	pk->deadline_ns = deadline_ns;
	pk->progress_every = 512;
	pk->flags = sm->packer_flags;
	pk->read_buf = sm->read_buf;
	pk->comp_buf = sm->comp_buf;
	pk->pool = sm->pool;
	pk->nr_pool = sm->nr_pool;
	sm->nr_op_calls = 0;
	sm->interrupted = 0;
	sim_running = sm;
	rc = lkcd_packer_run(pk);
	sim_running = NULL;
	return rc;
}

int sim_seal_committed(struct simmem *sm, uint32_t reason)
{
	int rc;

	sm->interrupt_at = 0;
	sim_running = sm;
	rc = lkcd_packer_seal_committed(&sm->pk, reason);
	sim_running = NULL;
	return rc;
}

int sim_source(struct simmem *sm, struct lkcd_source **out)
{
	return lkcd_source_open_buffer(sm->mem, sm->max_pfn * PS, sm->ranges,
				       sm->nr_ranges, out, NULL);
}

/* ---- reading back ---- */

int sim_expected(const struct simmem *sm, uint64_t pfn)
{
	unsigned int cls = sm->cls[pfn] & LKCD_PC_MASK;

	if (!(sm->state[pfn] & SIM_S_RAM) || pfn == sm->header_pfn ||
	    (sm->state[pfn] & SIM_S_POOL) || sm->level == LKCD_LEVEL_HEADER ||
	    sim_class_excluded(sm->exclude, cls))
		return SIM_K_ABSENT;
	if (sm->state[pfn] & SIM_S_UNREADABLE)
		return SIM_K_UNREAD;
	if (sim_orig_is_zero(sm, pfn))
		return (sm->exclude & LKCD_EXCLUDE_ZERO) ? SIM_K_ABSENT : SIM_K_ZERO;
	return SIM_K_DATA;
}

static void rb_note(struct sim_readback *rb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void rb_note(struct sim_readback *rb, const char *fmt, ...)
{
	va_list ap;

	if (rb->first_problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(rb->first_problem, sizeof(rb->first_problem), fmt, ap);
	va_end(ap);
}

int sim_readback(struct simmem *sm, struct sim_readback *rb)
{
	struct lkcd_source *src = NULL;
	struct lkcd_dump *d = NULL;
	const struct lkcd_problem *pr;
	struct lkcd_error err = { 0 };
	struct lkcd_page pg;
	uint8_t page[PS];
	int rc;

	memset(rb, 0, sizeof(*rb));
	rb->kind = xcalloc(sm->max_pfn, 1);
	rc = sim_source(sm, &src);
	if (rc)
		return rc;
	rc = lkcd_dump_open(src, sm->header_pfn * PS, &d, &err);
	rb->open_rc = rc;
	if (rc) {
		snprintf(rb->open_error, sizeof(rb->open_error), "%s", err.msg);
		lkcd_source_close(src);
		return rc;
	}
	while ((rc = lkcd_dump_next(d, &pg, &err)) == 1) {
		rb->nr_records++;
		for (uint32_t i = 0; i < pg.count; i++) {
			uint64_t pfn = pg.pfn + i;
			int k = pg.flags == LKCD_REC_ZERO ? SIM_K_ZERO :
				pg.flags == LKCD_REC_UNREADABLE ? SIM_K_UNREAD : SIM_K_DATA;

			if (pfn >= sm->max_pfn || rb->kind[pfn]) {
				rb->nr_mismatches++;
				rb_note(rb, "pfn 0x%llx returned twice or past max_pfn",
					(unsigned long long)pfn);
				continue;
			}
			rb->kind[pfn] = (uint8_t)k;
			if (k == SIM_K_UNREAD) {
				rb->pages_unread++;
				continue;
			}
			if (k == SIM_K_ZERO)
				rb->pages_zero++;
			else
				rb->pages_data++;
			if (lkcd_page_expand(&pg, i, page, PS, &err)) {
				rb->nr_mismatches++;
				rb_note(rb, "pfn 0x%llx: expand: %s",
					(unsigned long long)pfn, err.msg);
			} else if (memcmp(page, sm->orig + pfn * PS, PS)) {
				rb->nr_mismatches++;
				rb_note(rb, "pfn 0x%llx: content differs from the original",
					(unsigned long long)pfn);
			}
		}
	}
	rb->nr_problems = lkcd_dump_problems(d, &pr);
	if (rb->nr_problems)
		rb_note(rb, "reader problem: pfn 0x%llx block %llu: %s",
			(unsigned long long)pr[0].pfn,
			(unsigned long long)pr[0].block_seq, pr[0].reason);
	lkcd_dump_close(d);
	lkcd_source_close(src);
	return rc < 0 ? rc : 0;
}

void sim_readback_free(struct sim_readback *rb)
{
	free(rb->kind);
	rb->kind = NULL;
}

unsigned int sim_check_dump(struct simmem *sm, const struct sim_readback *rb,
			    char *msg, size_t len)
{
	const struct lkcd_dump_header *h = sim_header(sm);
	uint64_t want_data = 0, want_zero = 0, want_unread = 0, ram = 0;
	uint64_t want_records = 0, limit = h->next_pfn;
	unsigned int bad = 0;
	int prev = SIM_K_ABSENT;

	msg[0] = 0;
#define BAD(...) do { if (!bad++) snprintf(msg, len, __VA_ARGS__); } while (0)
	if (limit > sm->max_pfn)
		BAD("next_pfn 0x%llx past max_pfn", (unsigned long long)limit);
	for (uint64_t pfn = 0; pfn < sm->max_pfn; pfn++) {
		int want = pfn < limit ? sim_expected(sm, pfn) : SIM_K_ABSENT;
		int got = rb->kind[pfn];

		if (want != got)
			BAD("pfn 0x%llx: expected %c, got %c (class %u)",
			    (unsigned long long)pfn, want ? want : '-',
			    got ? got : '-', sm->cls[pfn]);
		if (pfn < limit && (sm->state[pfn] & SIM_S_RAM))
			ram++;
		if (want == SIM_K_DATA)
			want_data++, want_records++;
		else if (want == SIM_K_ZERO)
			want_zero++, want_records += prev != SIM_K_ZERO;
		else if (want == SIM_K_UNREAD)
			want_unread++, want_records += prev != SIM_K_UNREAD;
		prev = want;
	}
	if (h->pages_dumped != want_data + want_zero)
		BAD("header pages_dumped %llu, expected %llu",
		    (unsigned long long)h->pages_dumped,
		    (unsigned long long)(want_data + want_zero));
	if (h->pages_zero != want_zero)
		BAD("header pages_zero %llu, expected %llu",
		    (unsigned long long)h->pages_zero, (unsigned long long)want_zero);
	if (h->pages_unreadable != want_unread)
		BAD("header pages_unreadable %llu, expected %llu",
		    (unsigned long long)h->pages_unreadable,
		    (unsigned long long)want_unread);
	if (h->pages_excluded != ram - want_data - want_zero - want_unread)
		BAD("header pages_excluded %llu, expected %llu",
		    (unsigned long long)h->pages_excluded,
		    (unsigned long long)(ram - want_data - want_zero - want_unread));
	if (h->nr_records != want_records || rb->nr_records != want_records)
		BAD("records: header %llu, read %llu, expected %llu (runs merged)",
		    (unsigned long long)h->nr_records,
		    (unsigned long long)rb->nr_records,
		    (unsigned long long)want_records);
	/*
	 * A stop for lack of space may leave one picked page unused; an
	 * interruption, the pages of the record it cut (all it reserved).
	 */
	if (h->nr_blocks > sm->nr_spares ||
	    sm->nr_spares - h->nr_blocks >
	    (sm->interrupted ? LKCD_PACKER_QUEUE :
	     h->incomplete_reason == LKCD_INCOMPLETE_NO_SPARE ||
	     h->incomplete_reason == LKCD_INCOMPLETE_CAP ? 1u : 0u))
		BAD("header nr_blocks %llu, but %llu spare pages were taken",
		    (unsigned long long)h->nr_blocks, (unsigned long long)sm->nr_spares);
	if (rb->nr_problems || rb->nr_mismatches)
		BAD("%llu reader problems, %llu mismatches: %s",
		    (unsigned long long)rb->nr_problems,
		    (unsigned long long)rb->nr_mismatches, rb->first_problem);
	if (sm->violations)
		BAD("%u policy violations: %s", sm->violations, sm->violation);
#undef BAD
	return bad;
}
