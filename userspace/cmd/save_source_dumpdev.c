// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The next boot's source: the dump a capture kernel wrote onto DUMPDEV
 * (the raw device of the three-boot flow, cmd_dumpdev.c).  Once DUMPDIR
 * holds it whole, after_saved marks the device SAVED; a copy to --output
 * leaves it waiting, so the next boot still saves it to DUMPDIR.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dumpdev_io.h"
#include "save.h"

struct dumpdev_src {
	int fd;
	struct lkcd_dumpdev *d;
	struct lkcd_dumpdev_info info;
};

static size_t dev_problems(void *ctx, const struct lkcd_problem **out)
{
	return lkcd_dumpdev_problems(ctx, out);
}

static int dumpdev_src_open(const struct save_request *req, struct save_input *si, void **state)
{
	const struct lkcd_conf *conf = req->conf;
	const char *dev = conf->dumpdev;
	struct lkcd_error err = { 0 };
	struct dumpdev_src *s;
	char when[64];
	int ret;

	s = calloc(1, sizeof(*s));
	*state = s;
	if (!s) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	s->fd = dumpdev_open_dev(dev, true);
	if (s->fd < 0) {
		errmsg("DUMPDEV %s: %s", dev, strerror(errno));
		return EXIT_NODUMP;
	}
	ret = lkcd_dumpdev_read_super(s->fd, dev, &s->info, &err);
	if (ret == -ENODATA) {
		printf("DUMPDEV %s: no dump waiting\n", dev);
		return EXIT_NODUMP;
	}
	if (ret < 0) {
		errmsg("DUMPDEV: %s", err.msg);
		return EXIT_NODUMP;
	}
	if (s->info.state == LKCD_DUMPDEV_EMPTY) {
		printf("DUMPDEV %s: no dump waiting (none written since lkcd dumpdev --init)\n", dev);
		return EXIT_NODUMP;
	}
	if (s->info.state == LKCD_DUMPDEV_SAVED && !req->again) {
		format_utc(s->info.saved_sec, when, sizeof(when));
		printf("DUMPDEV %s: no dump waiting (the last one was saved as %s/%u on %s)\n",
		       dev, conf->dumpdir, s->info.saved_index, when);
		return EXIT_NODUMP;
	}
	ret = lkcd_dumpdev_open(s->fd, dev, &s->d, &err);
	if (ret < 0) {
		errmsg("DUMPDEV: %s", err.msg);
		return EXIT_NODUMP;
	}
	memset(si, 0, sizeof(*si));
	si->from = dev;
	si->header_page = lkcd_dumpdev_header_page(s->d);
	si->header_paddr = s->info.header_paddr;
	si->hdr = lkcd_dumpdev_header(s->d);
	si->nr_ranges = lkcd_dumpdev_ranges(s->d, &si->ranges);
	lkcd_dumpdev_notes(s->d, &si->notes, &si->notes_len);
	lkcd_dumpdev_page_iter(s->d, &si->pages);
	si->read_phys = lkcd_dumpdev_read_phys;
	si->read_ctx = s->d;
	si->problems = dev_problems;
	si->problems_ctx = s->d;
	return EXIT_OK;
}

static int dumpdev_src_after_saved(void *state, const struct save_request *req,
				   enum save_sink sink, unsigned long index)
{
	struct dumpdev_src *s = state;
	const char *dev = req->conf->dumpdev;
	struct lkcd_error err = { 0 };

	/* --output: a copy elsewhere; the next boot still saves it to DUMPDIR */
	if (sink != SAVE_SINK_DUMPDIR || s->info.state != LKCD_DUMPDEV_COMPLETE)
		return EXIT_OK;
	if (lkcd_dumpdev_mark_saved(s->fd, dev, (uint32_t)index, (uint64_t)time(NULL), &err) < 0) {
		/* saved, but it would be saved again at the next boot */
		errmsg("DUMPDEV: %s", err.msg);
		return EXIT_WRITE;
	}
	fprintf(stderr, "%s: DUMPDEV %s marked saved (its data is kept until the next dump)\n",
		prog, dev);
	return EXIT_OK;
}

static void dumpdev_src_close(void *state)
{
	struct dumpdev_src *s = state;

	if (!s)
		return;
	lkcd_dumpdev_close(s->d);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

const struct save_source save_source_dumpdev = {
	.name = "DUMPDEV",
	.open = dumpdev_src_open,
	.after_saved = dumpdev_src_after_saved,
	.close = dumpdev_src_close,
};
