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
 *   zstd  a zstd frame, level 1, parameters tuned for 4 KiB inputs; needs the
 *         zstd_compress module loaded (taken with symbol_get, so lkcd.ko
 *         loads without it).
 *   lz4   a raw lz4 block; needs the lz4_compress module loaded.
 *
 * Workspaces are allocated in process context (load, or the sysctl write
 * that selects the compressor) and never at panic.  Selection is published
 * with WRITE_ONCE after the workspace is ready, so the panic path sees
 * either the old compressor or a fully set up new one.  Writers hold
 * lkcd_config_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lz4.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include <linux/zstd.h>

#include "lkcd.h"

#define LKCD_ZLIB_LEVEL		1
#define LKCD_ZLIB_WBITS		12	/* positive: the zlib wrapper */
#define LKCD_ZLIB_MEMLEVEL	5
#define LKCD_ZSTD_LEVEL		1

static struct z_stream_s lkcd_zs;	/* workspace from load to unload */

/* zstd: the functions come from zstd_compress.ko, taken on first selection */
static struct {
	typeof(&zstd_get_params) get_params;
	typeof(&zstd_cctx_workspace_bound) wksp_bound;
	typeof(&zstd_init_cctx) init_cctx;
	typeof(&zstd_compress_cctx) compress_cctx;
	void *wksp;
	zstd_cctx *cctx;
	zstd_parameters params;
} lkcd_zstd;

static struct {
	typeof(&LZ4_compress_default) compress;
	void *wksp;
} lkcd_lz4;

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

static void lkcd_zlib_exit(void)
{
	if (!lkcd_zs.workspace)
		return;
	zlib_deflateEnd(&lkcd_zs);
	vfree(lkcd_zs.workspace);
	lkcd_zs.workspace = NULL;
}

/* Panic path. */
static int lkcd_zlib_page(const void *src, void *dst, u32 dst_cap)
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

static void lkcd_zstd_release(void)
{
	vfree(lkcd_zstd.wksp);
	lkcd_zstd.wksp = NULL;
	lkcd_zstd.cctx = NULL;
	if (lkcd_zstd.get_params)
		symbol_put(zstd_get_params);
	if (lkcd_zstd.wksp_bound)
		symbol_put(zstd_cctx_workspace_bound);
	if (lkcd_zstd.init_cctx)
		symbol_put(zstd_init_cctx);
	if (lkcd_zstd.compress_cctx)
		symbol_put(zstd_compress_cctx);
	memset(&lkcd_zstd, 0, sizeof(lkcd_zstd));
}

static int lkcd_zstd_setup(void)
{
	size_t size;

	if (lkcd_zstd.cctx)
		return 0;
	lkcd_zstd.get_params = symbol_get(zstd_get_params);
	lkcd_zstd.wksp_bound = symbol_get(zstd_cctx_workspace_bound);
	lkcd_zstd.init_cctx = symbol_get(zstd_init_cctx);
	lkcd_zstd.compress_cctx = symbol_get(zstd_compress_cctx);
	if (!lkcd_zstd.get_params || !lkcd_zstd.wksp_bound || !lkcd_zstd.init_cctx ||
	    !lkcd_zstd.compress_cctx) {
		lkcd_zstd_release();
		return -ENOPKG;		/* modprobe zstd_compress first */
	}
	lkcd_zstd.params = lkcd_zstd.get_params(LKCD_ZSTD_LEVEL, PAGE_SIZE);
	size = lkcd_zstd.wksp_bound(&lkcd_zstd.params.cParams);
	lkcd_zstd.wksp = vzalloc(size);
	if (!lkcd_zstd.wksp) {
		lkcd_zstd_release();
		return -ENOMEM;
	}
	lkcd_zstd.cctx = lkcd_zstd.init_cctx(lkcd_zstd.wksp, size);
	if (!lkcd_zstd.cctx) {
		lkcd_zstd_release();
		return -EINVAL;
	}
	return 0;
}

/* Panic path. */
static int lkcd_zstd_page(const void *src, void *dst, u32 dst_cap)
{
	size_t n = lkcd_zstd.compress_cctx(lkcd_zstd.cctx, dst, dst_cap, src, PAGE_SIZE,
					   &lkcd_zstd.params);

	/* zstd_is_error() lives in zstd_common, built in; an error is huge */
	if (zstd_is_error(n) || n == 0 || n > dst_cap)
		return -1;
	return n;
}

/* ---- lz4 ---- */

static void lkcd_lz4_release(void)
{
	vfree(lkcd_lz4.wksp);
	lkcd_lz4.wksp = NULL;
	if (lkcd_lz4.compress)
		symbol_put(LZ4_compress_default);
	lkcd_lz4.compress = NULL;
}

static int lkcd_lz4_setup(void)
{
	if (lkcd_lz4.wksp)
		return 0;
	lkcd_lz4.compress = symbol_get(LZ4_compress_default);
	if (!lkcd_lz4.compress)
		return -ENOPKG;		/* modprobe lz4_compress first */
	lkcd_lz4.wksp = vzalloc(LZ4_MEM_COMPRESS);
	if (!lkcd_lz4.wksp) {
		lkcd_lz4_release();
		return -ENOMEM;
	}
	return 0;
}

/* Panic path. */
static int lkcd_lz4_page(const void *src, void *dst, u32 dst_cap)
{
	int n = lkcd_lz4.compress(src, dst, PAGE_SIZE, dst_cap, lkcd_lz4.wksp);

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
	WRITE_ONCE(lkcd_comp_active, compress);
	return 0;
}

/*
 * Panic path: ops->compress.  The size of the compressed page in dst, or -1
 * when it did not fit in dst_cap bytes or failed (the packer stores the
 * page raw).
 */
int lkcd_compress_page(const void *src, void *dst, u32 dst_cap)
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
u32 lkcd_compress_begin(void)
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
	return lkcd_compress_select(lkcd_tun.compress);
}

void lkcd_compress_exit(void)
{
	WRITE_ONCE(lkcd_comp_active, LKCD_COMPRESS_NONE);
	lkcd_zstd_release();
	lkcd_lz4_release();
	lkcd_zlib_exit();
}
