// SPDX-License-Identifier: GPL-2.0
/*
 * The page compressors the packer calls at panic (ops->compress), one page
 * at a time, each page its own stream so the reader can inflate any page
 * alone.  One ops table, lkcd_compressors[], indexed by the LKCD_COMPRESS_*
 * id the header and every record carry:
 *
 *   zlib  built into every kernel lkcd targets; zlib format (RFC 1950), as
 *         userspace uncompress() reads it.  Level 1, a 4 KiB window (a page
 *         never refers further back) and memLevel 5, because
 *         zlib_deflateReset() clears the whole hash table for every page:
 *         2^(memLevel+8) bytes, 8 KiB here instead of 64 KiB at memLevel 8.
 *   zstd  a zstd frame at kernel.dump.compress_level (zstd's levels:
 *         negative ones are its fast modes, 0 its default 3), as userspace
 *         ZSTD_decompress() reads it.
 *   lz4   a raw lz4 block, as LZ4_decompress_safe() reads it.
 *   lzo   a raw LZO1X-1 block, as liblzo2's lzo1x_decompress_safe() reads
 *         it: what makedumpfile -l stores, so lkcd save copies the pages
 *         into a kdump-compressed file as they are.
 *
 * All four through the kernel's compression libraries directly
 * (lib/zlib_deflate, lib/zstd, lib/lz4, lib/lzo), the same API on every kernel lkcd
 * builds for: the crypto API's synchronous "comp" transforms are gone since
 * 6.15, and their replacement (acomp) takes a per-CPU lock on every call,
 * which a panic may find held by a stopped CPU.  The library calls work in
 * a caller-supplied workspace and take no lock.  lkcd.ko therefore depends
 * on zstd_compress and lz4_compress where those are modules (modprobe loads
 * them; a bare insmod needs them loaded first).
 *
 * Every workspace is allocated at load, in process context, and never at
 * panic, whichever compressor is selected (zstd's, sized for its largest
 * level on a 4 KiB input, a few hundred KiB; lz4's 16 KiB; lzo's 16 KiB
 * plus an output page), and kept until unload.  At load each is also put in the NODUMP
 * set (issue 12, item 13): a compressor's hash tables and window change
 * with every page compressed, so the copy a dump would hold is neither what
 * the kernel had at panic nor what it has at the end.  The NODUMP set is
 * sealed (sorted) at load and never changes while armed, so the panic path
 * never reads it half-written.  Selection (a sysctl write) is published
 * with WRITE_ONCE; the panic path latches it once per dump.  Writers hold
 * lkcd_config_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/lz4.h>
#include <linux/lzo.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include <linux/zstd.h>

#include "lkcd.h"

/* One compressor; its workspace is set up at load or not at all. */
struct lkcd_compressor_ops {
	/* Process context, at load: allocate and set up; 0 or -errno. */
	int (*setup)(void);
	/* Process context: free; accepts a half-built or never-built state. */
	void (*teardown)(void);
	/* The vmalloc'ed working memory, for the NODUMP set. */
	void *(*workspace)(size_t *size);
	/*
	 * Panic path: compress the page at src into dst; the compressed size,
	 * or -1 when it did not fit in dst_cap bytes or failed (the packer
	 * stores the page raw).  No allocation, no lock.
	 */
	int (*page)(const void *src, void *dst, u32 dst_cap);
};

/* ---- zlib ---- */

#define LKCD_ZLIB_LEVEL		1
#define LKCD_ZLIB_WBITS		12	/* positive: the zlib wrapper */
#define LKCD_ZLIB_MEMLEVEL	5

static struct z_stream_s lkcd_zs;	/* workspace from load to unload */

static int lkcd_zlib_setup(void)
{
	lkcd_zs.workspace = vzalloc(zlib_deflate_workspacesize(LKCD_ZLIB_WBITS,
								LKCD_ZLIB_MEMLEVEL));
	if (!lkcd_zs.workspace)
		return -ENOMEM;
	if (zlib_deflateInit2(&lkcd_zs, LKCD_ZLIB_LEVEL, Z_DEFLATED, LKCD_ZLIB_WBITS,
			      LKCD_ZLIB_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK) {
		vfree(lkcd_zs.workspace);
		lkcd_zs.workspace = NULL;
		return -EINVAL;
	}
	return 0;
}

static void lkcd_zlib_teardown(void)
{
	if (!lkcd_zs.workspace)
		return;
	zlib_deflateEnd(&lkcd_zs);
	vfree(lkcd_zs.workspace);
	lkcd_zs.workspace = NULL;
}

static void *lkcd_zlib_workspace(size_t *size)
{
	*size = zlib_deflate_workspacesize(LKCD_ZLIB_WBITS, LKCD_ZLIB_MEMLEVEL);
	return lkcd_zs.workspace;
}

/* Panic path. */
static notrace int lkcd_zlib_page(const void *src, void *dst, u32 dst_cap)
{
	if (zlib_deflateReset(&lkcd_zs) != Z_OK)
		return -1;
	lkcd_zs.next_in = src;
	lkcd_zs.avail_in = PAGE_SIZE;
	lkcd_zs.next_out = dst;
	lkcd_zs.avail_out = dst_cap;
	/* Z_OK with no room left means it did not fit: store the page raw */
	if (zlib_deflate(&lkcd_zs, Z_FINISH) != Z_STREAM_END)
		return -1;
	return lkcd_zs.total_out;
}

/* ---- zstd ---- */

/*
 * zstd's parameters for a level: two slots, the one the panic path may use
 * (active) and the one a writer fills (lkcd_config_lock held), published by
 * WRITE_ONCE of the pointer, so that a CPU stopped half-way through a level
 * change never leaves the panic path with half-written parameters.
 */
static struct {
	void *workspace;
	size_t size;
	zstd_cctx *cctx;
	zstd_parameters params[2];
	const zstd_parameters *active;	/* lkcd_config_lock writers */
	const zstd_parameters *dump;	/* latched at lkcd_compress_begin() */
} lkcd_zstd;

static void lkcd_zstd_teardown(void)
{
	vfree(lkcd_zstd.workspace);
	lkcd_zstd.workspace = NULL;
	lkcd_zstd.cctx = NULL;
}

/*
 * The workspace is sized for the largest level's parameters on a one-page
 * input (zstd shrinks its tables to the input size: every level fits in a
 * few hundred KiB), so that a level change at run time never allocates.
 */
static int lkcd_zstd_setup(void)
{
	int level;
	size_t size = 0;

	for (level = 1; level <= zstd_max_clevel(); level++) {
		zstd_parameters p = zstd_get_params(level, PAGE_SIZE);

		size = max(size, zstd_cctx_workspace_bound(&p.cParams));
	}
	lkcd_zstd.size = size;
	lkcd_zstd.workspace = vzalloc(lkcd_zstd.size);
	if (!lkcd_zstd.workspace)
		return -ENOMEM;
	lkcd_zstd.cctx = zstd_init_cctx(lkcd_zstd.workspace, lkcd_zstd.size);
	if (!lkcd_zstd.cctx) {
		lkcd_zstd_teardown();
		return -EINVAL;
	}
	lkcd_zstd.params[0] = zstd_get_params(lkcd_tun.compress_level, PAGE_SIZE);
	WRITE_ONCE(lkcd_zstd.active, &lkcd_zstd.params[0]);
	return 0;
}

static void *lkcd_zstd_workspace(size_t *size)
{
	*size = lkcd_zstd.size;
	return lkcd_zstd.workspace;
}

static notrace int lkcd_zstd_compress(const zstd_parameters *params, const void *src,
				      void *dst, u32 dst_cap)
{
	size_t n = zstd_compress_cctx(lkcd_zstd.cctx, dst, dst_cap, src, PAGE_SIZE,
				      params);

	if (zstd_is_error(n) || !n || n > dst_cap)
		return -1;
	return n;
}

/* Panic path: the workspace holds all state; no allocation, no lock. */
static notrace int lkcd_zstd_page(const void *src, void *dst, u32 dst_cap)
{
	return lkcd_zstd_compress(lkcd_zstd.dump, src, dst, dst_cap);
}

/* ---- lz4 ---- */

static void *lkcd_lz4_mem;

static int lkcd_lz4_setup(void)
{
	lkcd_lz4_mem = vzalloc(LZ4_MEM_COMPRESS);
	return lkcd_lz4_mem ? 0 : -ENOMEM;
}

static void lkcd_lz4_teardown(void)
{
	vfree(lkcd_lz4_mem);
	lkcd_lz4_mem = NULL;
}

static void *lkcd_lz4_workspace(size_t *size)
{
	*size = LZ4_MEM_COMPRESS;
	return lkcd_lz4_mem;
}

/* Panic path: LZ4_compress_default() works in lkcd_lz4_mem only. */
static notrace int lkcd_lz4_page(const void *src, void *dst, u32 dst_cap)
{
	int n = LZ4_compress_default(src, dst, PAGE_SIZE, dst_cap, lkcd_lz4_mem);

	return n > 0 ? n : -1;
}

/* ---- lzo ---- */

/*
 * lzo1x_1_compress() writes up to lzo1x_worst_compress(PAGE_SIZE) bytes
 * without looking at the room it has (the bounded variant is not in 6.1),
 * so it writes into its own buffer, allocated with its work memory in one
 * vmalloc area, and the result is copied out when it fits.  Plain LZO1X
 * (not the kernel's lzorle), as liblzo2's lzo1x_decompress_safe() reads it
 * and as makedumpfile -l writes DUMP_DH_COMPRESSED_LZO pages.
 */
#define LKCD_LZO_OUT		lzo1x_worst_compress(PAGE_SIZE)
#define LKCD_LZO_SIZE		(LZO1X_MEM_COMPRESS + LKCD_LZO_OUT)

static u8 *lkcd_lzo_mem;	/* work memory, then the output buffer */

static int lkcd_lzo_setup(void)
{
	lkcd_lzo_mem = vzalloc(LKCD_LZO_SIZE);
	return lkcd_lzo_mem ? 0 : -ENOMEM;
}

static void lkcd_lzo_teardown(void)
{
	vfree(lkcd_lzo_mem);
	lkcd_lzo_mem = NULL;
}

static void *lkcd_lzo_workspace(size_t *size)
{
	*size = LKCD_LZO_SIZE;
	return lkcd_lzo_mem;
}

/* Panic path: works in lkcd_lzo_mem only. */
static notrace int lkcd_lzo_page(const void *src, void *dst, u32 dst_cap)
{
	u8 *out = lkcd_lzo_mem + LZO1X_MEM_COMPRESS;
	size_t n = 0;

	if (lzo1x_1_compress(src, PAGE_SIZE, out, &n, lkcd_lzo_mem) != LZO_E_OK ||
	    !n || n > dst_cap)
		return -1;
	memcpy(dst, out, n);
	return n;
}

/* ---- the table ---- */

#define LKCD_NR_COMPRESS	(LKCD_COMPRESS_LZO + 1)

/* By LKCD_COMPRESS_* id; NONE (and the unused id 1) have no entry. */
static const struct lkcd_compressor_ops lkcd_compressors[LKCD_NR_COMPRESS] = {
	[LKCD_COMPRESS_ZLIB] = {
		.setup = lkcd_zlib_setup,
		.teardown = lkcd_zlib_teardown,
		.workspace = lkcd_zlib_workspace,
		.page = lkcd_zlib_page,
	},
	[LKCD_COMPRESS_ZSTD] = {
		.setup = lkcd_zstd_setup,
		.teardown = lkcd_zstd_teardown,
		.workspace = lkcd_zstd_workspace,
		.page = lkcd_zstd_page,
	},
	[LKCD_COMPRESS_LZ4] = {
		.setup = lkcd_lz4_setup,
		.teardown = lkcd_lz4_teardown,
		.workspace = lkcd_lz4_workspace,
		.page = lkcd_lz4_page,
	},
	[LKCD_COMPRESS_LZO] = {
		.setup = lkcd_lzo_setup,
		.teardown = lkcd_lzo_teardown,
		.workspace = lkcd_lzo_workspace,
		.page = lkcd_lzo_page,
	},
};

/* Set up at load (bit per id); written only at load and unload. */
static u32 lkcd_comp_ready;

/* The selected compressor's ops, NULL for none; lkcd_config_lock writers. */
static const struct lkcd_compressor_ops *lkcd_comp_active;
/* Latched for one dump by lkcd_compress_begin(); panic path only. */
static const struct lkcd_compressor_ops *lkcd_comp_dump;

/* Process context.  The ops of a set-up compressor; NULL for NONE. */
static int lkcd_compress_lookup(u32 id, const struct lkcd_compressor_ops **ops)
{
	*ops = NULL;
	if (id == LKCD_COMPRESS_NONE)
		return 0;
	if (id >= LKCD_NR_COMPRESS || !lkcd_compressors[id].page)
		return -EINVAL;
	if (!(lkcd_comp_ready & BIT(id)))
		return -ENOPKG;
	*ops = &lkcd_compressors[id];
	return 0;
}

/* Can this compressor be selected now?  lkcd_config_lock held. */
int lkcd_compress_available(u32 compress)
{
	const struct lkcd_compressor_ops *ops;

	return lkcd_compress_lookup(compress, &ops);
}

/*
 * Compress one patterned page with ops now, in process context: a
 * compressor that cannot is refused here rather than discovered at panic
 * (where every page would silently be stored raw).  lkcd_config_lock held
 * or at load; the panic path is not running (it would not return here).
 */
static int lkcd_compress_selftest(u32 id, const struct lkcd_compressor_ops *ops,
				  const zstd_parameters *zp)
{
	u8 *src, *dst;
	int n, i;

	if (!ops)
		return 0;
	src = kmalloc(PAGE_SIZE, GFP_KERNEL);
	dst = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!src || !dst) {
		kfree(src);
		kfree(dst);
		return -ENOMEM;
	}
	for (i = 0; i < PAGE_SIZE; i++)
		src[i] = (i / 64) & 0xff;
	n = zp ? lkcd_zstd_compress(zp, src, dst, PAGE_SIZE - 1) :
		 ops->page(src, dst, PAGE_SIZE - 1);
	kfree(src);
	kfree(dst);
	if (n <= 0) {
		pr_err("compressor %s failed its self-test\n", lkcd_compress_name(id));
		return -EIO;
	}
	return 0;
}

/*
 * Make compress the one the panic path uses.  lkcd_config_lock held.  The
 * workspaces stay from load to unload: switching costs no allocation, and
 * nothing frees memory a half-finished switch on a CPU stopped by the panic
 * might name.
 */
int lkcd_compress_select(u32 compress)
{
	const struct lkcd_compressor_ops *ops;
	int ret = lkcd_compress_lookup(compress, &ops);

	if (ret)
		return ret;
	ret = lkcd_compress_selftest(compress, ops,
				     compress == LKCD_COMPRESS_ZSTD ? lkcd_zstd.active : NULL);
	if (ret)
		return ret;
	WRITE_ONCE(lkcd_comp_active, ops);
	return 0;
}

/*
 * Make level the zstd level the panic path uses (kernel.dump.compress_level).
 * lkcd_config_lock held.  The level's parameters go to the slot the panic
 * path is not using, are tried on a page when zstd is set up, then
 * published.  -EINVAL outside this kernel's zstd_min_clevel()..max.
 */
int lkcd_compress_set_level(s32 level)
{
	zstd_parameters *next;
	int ret;

	if (level < zstd_min_clevel() || level > zstd_max_clevel())
		return -EINVAL;
	if (!(lkcd_comp_ready & BIT(LKCD_COMPRESS_ZSTD)))
		return 0;	/* kept in lkcd_tun; zstd cannot be selected */
	next = lkcd_zstd.active == &lkcd_zstd.params[0] ? &lkcd_zstd.params[1] :
							   &lkcd_zstd.params[0];
	*next = zstd_get_params(level, PAGE_SIZE);
	ret = lkcd_compress_selftest(LKCD_COMPRESS_ZSTD,
				     &lkcd_compressors[LKCD_COMPRESS_ZSTD], next);
	if (ret)
		return ret;
	WRITE_ONCE(lkcd_zstd.active, next);
	return 0;
}

/* Panic path: ops->compress.  See struct lkcd_compressor_ops.page. */
notrace int lkcd_compress_page(const void *src, void *dst, u32 dst_cap)
{
	const struct lkcd_compressor_ops *ops = lkcd_comp_dump;

	return ops ? ops->page(src, dst, dst_cap) : -1;
}

/*
 * Panic path: latch the compressor for this dump and return its
 * LKCD_COMPRESS_* id, so that every page and the header name the same one
 * whatever a stopped CPU was selecting.
 */
notrace u32 lkcd_compress_begin(void)
{
	lkcd_comp_dump = READ_ONCE(lkcd_comp_active);
	lkcd_zstd.dump = READ_ONCE(lkcd_zstd.active);
	return lkcd_comp_dump ? (u32)(lkcd_comp_dump - lkcd_compressors) : LKCD_COMPRESS_NONE;
}

/*
 * At load: set every compressor up and leave its workspace out of dumps.
 * zlib must work (every kernel has it; lzo, the default, is built in on
 * every kernel lkcd targets); zstd, lz4 or lzo failing to set up only makes
 * that one unavailable (ENOPKG when selected, and at load when it is
 * lkcd_tun.compress).  Then select lkcd_tun.compress.
 */
int lkcd_compress_init(void)
{
	u32 id;
	int ret;

	for (id = 0; id < LKCD_NR_COMPRESS; id++) {
		const struct lkcd_compressor_ops *ops = &lkcd_compressors[id];
		size_t size;
		void *ws;

		if (!ops->setup)
			continue;
		ret = ops->setup();
		if (!ret) {
			ws = ops->workspace(&size);
			ret = lkcd_walk_nodump_own_vmalloc(ws, size);
			if (ret)
				ops->teardown();
		}
		if (ret) {
			pr_err("cannot set up %s (%d)%s\n", lkcd_compress_name(id), ret,
			       id == LKCD_COMPRESS_ZLIB ? "" : ": not available");
			if (id == LKCD_COMPRESS_ZLIB)
				goto fail;
			continue;
		}
		lkcd_comp_ready |= BIT(id);
	}
	ret = lkcd_compress_select(lkcd_tun.compress);
	if (ret)
		goto fail;
	return 0;

fail:
	lkcd_compress_exit();
	return ret;
}

/* Accepts a half-built state (a failed lkcd_compress_init()). */
void lkcd_compress_exit(void)
{
	u32 id;

	WRITE_ONCE(lkcd_comp_active, NULL);
	for (id = 0; id < LKCD_NR_COMPRESS; id++)
		if (lkcd_compressors[id].teardown)
			lkcd_compressors[id].teardown();
	lkcd_comp_ready = 0;
}
