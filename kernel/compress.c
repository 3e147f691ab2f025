// SPDX-License-Identifier: GPL-2.0
/*
 * The page compressors the packer calls at panic (ops->compress), one page
 * at a time, each page its own stream so the reader can inflate any page
 * alone:
 *
 *   zlib  built into every kernel lkcd targets; zlib format (RFC 1950), as
 *         userspace uncompress() reads it.  Level 1, a 4 KiB window (a page
 *         never refers further back) and memLevel 5, because
 *         zlib_deflateReset() clears the whole hash table for every page:
 *         2^(memLevel+8) bytes, 8 KiB here instead of 64 KiB at memLevel 8.
 *   zstd  a zstd frame (level 3, the level the crypto API used), as
 *         userspace ZSTD_decompress() reads it.
 *   lz4   a raw lz4 block, as LZ4_decompress_safe() reads it.
 *
 * All three through the kernel's compression libraries directly
 * (lib/zlib_deflate, lib/zstd, lib/lz4), the same API on every kernel lkcd
 * builds for: the crypto API's synchronous "comp" transforms are gone since
 * 6.15, and their replacement (acomp) takes a per-CPU lock on every call,
 * which a panic may find held by a stopped CPU.  The library calls work in
 * a caller-supplied workspace and take no lock.  lkcd.ko therefore depends
 * on zstd_compress and lz4_compress where those are modules (modprobe loads
 * them; a bare insmod needs them loaded first).
 *
 * Workspaces are allocated in process context (load, or the sysctl write
 * that selects the compressor) and never at panic.  Selection is published
 * with WRITE_ONCE after the workspace is ready, so the panic path sees
 * either the old compressor or a fully set up new one.  Writers hold
 * lkcd_config_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include <linux/zstd.h>

#include "lkcd.h"

#define LKCD_ZLIB_LEVEL		1
#define LKCD_ZLIB_WBITS		12	/* positive: the zlib wrapper */
#define LKCD_ZLIB_MEMLEVEL	5

static struct z_stream_s lkcd_zs;	/* workspace from load to unload */

#define LKCD_ZSTD_LEVEL		3

/* zstd and lz4 workspaces, set up on first selection, kept until unload */
static struct {
	void *workspace;
	zstd_cctx *cctx;
	zstd_parameters params;
} lkcd_zstd;
static void *lkcd_lz4_mem;

static u32 lkcd_comp_active = LKCD_COMPRESS_NONE;	/* selected, workspace ready */
static u32 lkcd_comp_dump = LKCD_COMPRESS_NONE;		/* latched for one dump */

/* ---- zlib ---- */

static int lkcd_zlib_init(void)
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

/*
 * zlib's workspace is the dumper's own working memory: its hash tables and
 * window change with every page compressed, so the copy a dump would hold
 * is neither what the kernel had at panic nor what it has at the end
 * (issue 12, item 13).  Leave its pages out of dumps (NODUMP), as the
 * packer's scratch and pool pages are.  Process context, at load.
 */
static int lkcd_zlib_nodump(void)
{
	size_t size = zlib_deflate_workspacesize(LKCD_ZLIB_WBITS, LKCD_ZLIB_MEMLEVEL);
	const u8 *ws = lkcd_zs.workspace;
	size_t off;
	int ret = 0;

	for (off = 0; off < size && !ret; off += PAGE_SIZE)
		ret = lkcd_walk_nodump_add(vmalloc_to_pfn(ws + off), 1);
	/* the last page, when the workspace does not start on a page */
	if (!ret && offset_in_page(ws))
		ret = lkcd_walk_nodump_add(vmalloc_to_pfn(ws + size - 1), 1);
	lkcd_walk_nodump_done();
	return ret;
}

static void lkcd_zlib_exit(void)
{
	if (!lkcd_zs.workspace)
		return;
	zlib_deflateEnd(&lkcd_zs);
	vfree(lkcd_zs.workspace);
	lkcd_zs.workspace = NULL;
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

/* Process context.  Set the workspace up once; 0 or -errno. */
static int lkcd_zstd_setup(void)
{
	size_t size;

	if (lkcd_zstd.cctx)
		return 0;
	lkcd_zstd.params = zstd_get_params(LKCD_ZSTD_LEVEL, PAGE_SIZE);
	size = zstd_cctx_workspace_bound(&lkcd_zstd.params.cParams);
	lkcd_zstd.workspace = vzalloc(size);
	if (!lkcd_zstd.workspace)
		return -ENOMEM;
	lkcd_zstd.cctx = zstd_init_cctx(lkcd_zstd.workspace, size);
	if (!lkcd_zstd.cctx) {
		vfree(lkcd_zstd.workspace);
		lkcd_zstd.workspace = NULL;
		return -EINVAL;
	}
	return 0;
}

/* Panic path: the workspace holds all state; no allocation, no lock. */
static notrace int lkcd_zstd_page(const void *src, void *dst, u32 dst_cap)
{
	size_t n = zstd_compress_cctx(lkcd_zstd.cctx, dst, dst_cap, src, PAGE_SIZE,
				      &lkcd_zstd.params);

	if (zstd_is_error(n) || !n || n > dst_cap)
		return -1;
	return n;
}

/* ---- lz4 ---- */

static int lkcd_lz4_setup(void)
{
	if (lkcd_lz4_mem)
		return 0;
	lkcd_lz4_mem = vzalloc(LZ4_MEM_COMPRESS);
	return lkcd_lz4_mem ? 0 : -ENOMEM;
}

/* Panic path: LZ4_compress_default() works in lkcd_lz4_mem only. */
static notrace int lkcd_lz4_page(const void *src, void *dst, u32 dst_cap)
{
	int n = LZ4_compress_default(src, dst, PAGE_SIZE, dst_cap, lkcd_lz4_mem);

	return n > 0 ? n : -1;
}

/* ---- front end ---- */

/* Can this compressor be selected now?  lkcd_config_lock held. */
int lkcd_compress_available(u32 compress)
{
	switch (compress) {
	case LKCD_COMPRESS_NONE:
		return 0;
	case LKCD_COMPRESS_ZLIB:
		return lkcd_zs.workspace ? 0 : -ENOPKG;
	case LKCD_COMPRESS_ZSTD:
		return lkcd_zstd_setup();
	case LKCD_COMPRESS_LZ4:
		return lkcd_lz4_setup();
	default:
		return -EINVAL;
	}
}

/*
 * Compress one patterned page with compressor id now, in process context:
 * a compressor that cannot is refused here rather than discovered at panic
 * (where every page would silently be stored raw).  lkcd_config_lock held;
 * the panic path is not running (it would not return here).
 */
static int lkcd_compress_selftest(u32 id)
{
	u32 saved = lkcd_comp_dump;
	u8 *src, *dst;
	int n, i;

	if (id == LKCD_COMPRESS_NONE)
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
	lkcd_comp_dump = id;
	n = lkcd_compress_page(src, dst, PAGE_SIZE - 1);
	lkcd_comp_dump = saved;
	kfree(src);
	kfree(dst);
	if (n <= 0) {
		pr_err("compressor %s failed its self-test\n", lkcd_compress_name(id));
		return -EIO;
	}
	return 0;
}

/*
 * Make compress the one the panic path uses, setting its workspace up
 * first.  lkcd_config_lock held.  Workspaces, once set up, stay until
 * unload: switching back and forth costs no allocation, and nothing frees
 * memory a half-finished switch on a CPU stopped by the panic might name.
 */
int lkcd_compress_select(u32 compress)
{
	int ret = lkcd_compress_available(compress);

	if (ret)
		return ret;
	ret = lkcd_compress_selftest(compress);
	if (ret)
		return ret;
	WRITE_ONCE(lkcd_comp_active, compress);
	return 0;
}

/*
 * Panic path: ops->compress.  The size of the compressed page in dst, or -1
 * when it did not fit in dst_cap bytes or failed (the packer stores the
 * page raw).
 */
notrace int lkcd_compress_page(const void *src, void *dst, u32 dst_cap)
{
	switch (lkcd_comp_dump) {
	case LKCD_COMPRESS_ZLIB:
		return lkcd_zlib_page(src, dst, dst_cap);
	case LKCD_COMPRESS_ZSTD:
		return lkcd_zstd_page(src, dst, dst_cap);
	case LKCD_COMPRESS_LZ4:
		return lkcd_lz4_page(src, dst, dst_cap);
	default:
		return -1;
	}
}

/*
 * Panic path: latch the compressor for this dump and return its
 * LKCD_COMPRESS_* id, so that every page and the header name the same one
 * whatever a stopped CPU was selecting.
 */
notrace u32 lkcd_compress_begin(void)
{
	lkcd_comp_dump = READ_ONCE(lkcd_comp_active);
	return lkcd_comp_dump;
}

int lkcd_compress_init(void)
{
	int ret = lkcd_zlib_init();

	if (ret) {
		pr_err("cannot set up zlib (%d)\n", ret);
		return ret;
	}
	ret = lkcd_zlib_nodump();
	if (ret) {
		pr_err("cannot leave zlib's workspace out of dumps (%d)\n", ret);
		lkcd_zlib_exit();
		return ret;
	}
	return lkcd_compress_select(lkcd_tun.compress);
}

void lkcd_compress_exit(void)
{
	WRITE_ONCE(lkcd_comp_active, LKCD_COMPRESS_NONE);
	vfree(lkcd_zstd.workspace);
	lkcd_zstd.workspace = NULL;
	lkcd_zstd.cctx = NULL;
	vfree(lkcd_lz4_mem);
	lkcd_lz4_mem = NULL;
	lkcd_zlib_exit();
}
