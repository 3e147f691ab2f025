// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The output format dispatcher: the table of formats (each one's ops at
 * the end of its own file: write_kdump.c, write_lkcd.c, write_elf.c),
 * their names, and lkcd_write_dump(), which checks the input and the
 * output, sets up one write's context (write_common.c) and hands it to the
 * format.  Adding a format is one file and one line here.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writer.h"

static const struct wr_format_ops *const formats[] = {
	[LKCD_OUT_KDUMP] = &wr_kdump_ops,
	[LKCD_OUT_LKCD] = &wr_lkcd_ops,
	[LKCD_OUT_ELF] = &wr_elf_ops,
};

#define NR_FORMATS	(sizeof(formats) / sizeof(formats[0]))

static const struct wr_format_ops *format_ops(enum lkcd_out_format fmt)
{
	return (unsigned)fmt < NR_FORMATS ? formats[fmt] : NULL;
}

int lkcd_out_format_parse(const char *name, enum lkcd_out_format *out)
{
	for (size_t i = 0; name && i < NR_FORMATS; i++) {
		if (formats[i] && !strcmp(name, formats[i]->name)) {
			*out = (enum lkcd_out_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *lkcd_out_format_name(enum lkcd_out_format fmt)
{
	const struct wr_format_ops *ops = format_ops(fmt);

	return ops ? ops->name : "?";
}

static int check_input(const struct lkcd_write_input *in,
		       struct lkcd_error *err)
{
	const struct lkcd_dump_header *h = in->hdr;
	size_t i;

	if (!h)
		return lkcd_error_set(err, -EINVAL, "writer: no dump header");
	if (h->page_size < 1024 || h->page_size > (1u << 20) ||
	    (h->page_size & (h->page_size - 1)))
		return lkcd_error_set(err, -EINVAL,
				      "writer: page size %u is not a power of two between 1 KiB and 1 MiB",
				      h->page_size);
	if (!in->nr_ranges || !in->ranges)
		return lkcd_error_set(err, -EINVAL, "writer: no RAM ranges");
	for (i = 0; i < in->nr_ranges; i++) {
		const struct lkcd_mem_range *r = &in->ranges[i];

		if (!r->size || r->start + r->size < r->start)
			return lkcd_error_set(err, -EINVAL,
					      "writer: RAM range %zu [0x%llx, +0x%llx) is empty or wraps",
					      i, (unsigned long long)r->start,
					      (unsigned long long)r->size);
		if (i && r->start < in->ranges[i - 1].start + in->ranges[i - 1].size)
			return lkcd_error_set(err, -EINVAL,
					      "writer: RAM range %zu at 0x%llx overlaps or precedes the one before",
					      i, (unsigned long long)r->start);
	}
	if (in->notes_len && !in->notes)
		return lkcd_error_set(err, -EINVAL, "writer: notes length without notes");
	if (!in->pages.next || !in->pages.rewind)
		return lkcd_error_set(err, -EINVAL, "writer: no page iterator");
	return 0;
}

/*
 * A regular file ends exactly where the format ends: extends it over
 * trailing holes (ELF) and cuts what an earlier, longer file left.
 */
static int fit_file_size(int fd, uint64_t size, struct lkcd_error *err)
{
	struct stat sb;

	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size == size)
		return 0;
	if (ftruncate(fd, (off_t)size)) {
		int e = errno;

		return lkcd_error_set(err, -e, "setting the output size to %llu bytes: %s",
				      (unsigned long long)size, strerror(e));
	}
	return 0;
}

/*
 * The writers place every byte with pwrite: a pipe or O_APPEND cannot work,
 * unless the output is flattened (a stream of records, any fd).
 */
static int check_output(int fd, bool flat, struct lkcd_error *err)
{
	struct stat sb;
	int fl;

	if (fstat(fd, &sb)) {
		int e = errno;

		return lkcd_error_set(err, -e, "writer: output fd %d: %s", fd, strerror(e));
	}
	if (flat)
		return 0;
	if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode))
		return lkcd_error_set(err, -ESPIPE,
				      "writer: the output is a pipe or socket; the dump formats need a seekable file "
				      "(or the flattened format, LKCD_WRITE_FLATTENED)");
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_APPEND))
		return lkcd_error_set(err, -EINVAL,
				      "writer: the output is open with O_APPEND, which would put every write at the end");
	return 0;
}

int lkcd_write_dump(int fd, enum lkcd_out_format fmt,
		    const struct lkcd_write_input *in,
		    const struct lkcd_write_opts *opts,
		    struct lkcd_write_stats *stats, struct lkcd_error *err)
{
	const struct wr_format_ops *ops = format_ops(fmt);
	struct lkcd_write_stats local_stats;
	struct wctx w;
	int ret;

	if (!stats)
		stats = &local_stats;
	memset(stats, 0, sizeof(*stats));
	if (err)
		err->code = 0;
	if (fd < 0 || !in)
		return lkcd_error_set(err, -EBADF, "writer: no output file or no input");
	if (!ops)
		return lkcd_error_set(err, -EINVAL, "writer: unknown output format %d", (int)fmt);
	ret = check_input(in, err);
	if (!ret)
		ret = check_output(fd, opts && (opts->flags & LKCD_WRITE_FLATTENED), err);
	if (ret)
		return ret;

	ret = wr_ctx_setup(&w, fd, in, opts, stats, err);
	if (!ret)
		ret = ops->write(&w);
	if (!ret && w.sink.flat)
		ret = wr_flat_finish(&w.sink, stats->file_size, err);
	else if (!ret)
		ret = fit_file_size(fd, stats->file_size, err);
	stats->bytes_direct = w.sink.direct_bytes;
	wr_ctx_release(&w);
	return ret;
}
