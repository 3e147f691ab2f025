/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the writers (write_format.c, the dispatcher; write_common.c,
 * the helpers below it; write_kdump.c, write_lkcd.c, write_elf.c, one per
 * format): what the three output formats share, so that each format file
 * only lays out its own bytes.
 *
 *  - struct wctx: one write in progress: the input, the options, the error
 *    and stats the caller gets back, scratch buffers, the zlib stream.
 *  - struct wout: a buffered writer at absolute file offsets (pwrite), so
 *    a writer can fill page descriptors and page data in one pass.
 *  - the page stream checks every format relies on (ascending, in RAM,
 *    one flag, sizes), and the page conversions: expand, re-encode to zlib.
 *  - the ELF notes: where VMCOREINFO is, the NT_PRSTATUS notes (CPUs).
 */
#ifndef LKCD_WRITER_H
#define LKCD_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "liblkcd.h"

/* ---- where the bytes go ---- */

/*
 * The output: a seekable file written with pwrite, or (flat) a stream in
 * makedumpfile's flattened format (write_flat.c), where every write is a
 * (offset, size) header and the bytes, so a pipe can carry the dump and
 * `makedumpfile -R` lays it out again.
 */
struct wr_sink {
	int fd;
	bool flat;
	bool direct;		/* aligned writes may go O_DIRECT (LKCD_WRITE_DIRECT) */
	uint64_t direct_bytes;	/* bytes that went O_DIRECT */
	uint64_t end;		/* one past the highest byte written */
};

/* Flattened format: the stream header, and the end marker. */
int wr_flat_begin(struct wr_sink *s, struct lkcd_error *err);
int wr_flat_finish(struct wr_sink *s, uint64_t file_size, struct lkcd_error *err);
/* One write, as a flattened record (or several, for a large one). */
int wr_flat_write(struct wr_sink *s, const void *data, size_t len, uint64_t off,
		  const char *what, uint64_t *bytes, struct lkcd_error *err);

/* ---- buffered output at absolute offsets ---- */

struct wout {
	struct wr_sink *sink;
	uint64_t pos;		/* file offset of buf[0] */
	uint8_t *buf;
	size_t len, cap;
	const char *what;	/* names the stream in error messages */
	uint64_t *bytes;	/* running total of bytes written, or NULL */
};

/* Write len bytes at off, looping over short writes and EINTR. */
int wr_pwrite_full(struct wr_sink *s, const void *data, size_t len, uint64_t off,
		   const char *what, uint64_t *bytes, struct lkcd_error *err);

int wout_init(struct wout *w, struct wr_sink *sink, uint64_t start, size_t cap,
	      const char *what, uint64_t *bytes, struct lkcd_error *err);
int wout_append(struct wout *w, const void *data, size_t len,
		struct lkcd_error *err);
/* Append len zero bytes. */
int wout_zeros(struct wout *w, uint64_t len, struct lkcd_error *err);
int wout_flush(struct wout *w, struct lkcd_error *err);
/* Flush, then append from off on (skipped bytes stay holes). */
int wout_seek(struct wout *w, uint64_t off, struct lkcd_error *err);
/* Offset the next appended byte lands at. */
static inline uint64_t wout_tell(const struct wout *w)
{
	return w->pos + w->len;
}
void wout_free(struct wout *w);

/* ---- the ELF notes of the crashed kernel ---- */

#define WR_MAX_CPUS	8192	/* NT_PRSTATUS notes remembered */

struct wr_notes {
	uint8_t *owned;		/* the copy below, freed with the wctx */
	const uint8_t *blob;	/* the caller's notes, empty notes dropped */
	size_t len;		/* bytes of blob: the well-formed notes */
	bool truncated;		/* a malformed tail was cut off */
	bool have_vmcoreinfo;
	size_t vmcoreinfo_off;	/* offset of the VMCOREINFO text in blob */
	size_t vmcoreinfo_len;
	uint64_t phys_base;	/* NUMBER(phys_base), 0 when absent */
	uint64_t kernel_offset;	/* KERNELOFFSET, 0 when absent */
	bool have_phys_base;
	bool have_stext;
	uint64_t stext;		/* SYMBOL(_stext): start of the kernel image */
	uint64_t image_size;	/* NUMBER(KERNEL_IMAGE_SIZE), 0 when absent */
	uint32_t nr_prstatus;	/* "CORE" NT_PRSTATUS notes, one per CPU */
	const uint8_t *prstatus[WR_MAX_CPUS];	/* their descriptors */
	uint32_t prstatus_len[WR_MAX_CPUS];
};

/* x86_64 struct elf_prstatus: where pr_reg (struct user_regs_struct) is. */
#define WR_PRSTATUS_REG_OFF	112
#define WR_PRSTATUS_NREGS	27
#define WR_PRSTATUS_SIZE	336

/* ---- one write in progress ---- */

struct wctx {
	struct wr_sink sink;
	const struct lkcd_write_input *in;
	const struct lkcd_dump_header *hdr;
	struct lkcd_write_opts opts;
	struct lkcd_write_stats *st;
	struct lkcd_error *err;

	uint32_t page_size;
	uint32_t page_shift;
	uint64_t max_pfn;	/* one past the last pfn of the output */
	struct wr_notes *notes;

	/* page stream checks */
	uint64_t next_pfn;	/* lowest pfn the next record may start at */
	size_t range_idx;	/* range of the last record */

	uint8_t *page;		/* page_size: expanded page */
	uint8_t *zbuf;		/* compressBound(page_size): re-encoded page */
	z_stream zs;		/* deflate stream reused page after page */
	bool zs_ready;
	uint8_t *zero_zlib;	/* a zero page compressed once, shared */
	uint32_t zero_zlib_len;
};

/*
 * One output format: each format file ends with its ops, and the
 * dispatcher (write_format.c) holds the table of them, indexed by enum
 * lkcd_out_format.  write lays out the whole file from the stream's start
 * in a wctx set up by wr_ctx_setup().
 */
struct wr_format_ops {
	const char *name;		/* DUMP_FORMAT=, lkcd save -F */
	int (*write)(struct wctx *w);
};
extern const struct wr_format_ops wr_kdump_ops;	/* write_kdump.c */
extern const struct wr_format_ops wr_lkcd_ops;	/* write_lkcd.c */
extern const struct wr_format_ops wr_elf_ops;	/* write_elf.c */

/*
 * Set up w for one write of in to fd (the flattened stream's header
 * included); 0 or -errno with err set.  wr_ctx_release() after either.
 */
int wr_ctx_setup(struct wctx *w, int fd, const struct lkcd_write_input *in,
		 const struct lkcd_write_opts *opts, struct lkcd_write_stats *stats,
		 struct lkcd_error *err);
void wr_ctx_release(struct wctx *w);

/* First / next record of the stream, checked (see wr_check_page). */
int wr_rewind(struct wctx *w);
int wr_next(struct wctx *w, struct lkcd_page *pg);

/* pfn range [first, end) of RAM range i, pages partly in RAM included. */
void wr_range_pfns(const struct wctx *w, size_t i, uint64_t *first,
		   uint64_t *end);

/* Expand page index of pg into w->page. */
int wr_expand(struct wctx *w, const struct lkcd_page *pg, uint32_t index);

/*
 * One page (a single-page record) as zlib data or as raw bytes, for
 * formats that know only zlib: zlib pages are passed as stored, others
 * are expanded and deflated (counted as recompressed).  *raw is true when
 * the page does not compress below a page (data = page_size bytes).
 * data stays valid until the next call.
 */
int wr_page_zlib(struct wctx *w, const struct lkcd_page *pg,
		 const void **data, uint32_t *size, bool *raw);

/* The zlib encoding of a zero page (shared by every zero page). */
int wr_zero_zlib(struct wctx *w, const void **data, uint32_t *size);

/* Deflate w->page into w->zbuf; *size 0 when it does not get smaller. */
int wr_deflate_page(struct wctx *w, uint32_t *size);

static inline uint64_t wr_div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

#endif /* LKCD_WRITER_H */
