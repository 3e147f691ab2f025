// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd save --scrub and SCRUB=: the save input with the chosen physical
 * ranges zeroed, in the page stream every writer reads and in the memory
 * the kernel-log reader fetches.  Applied to the whole save, so no output
 * (dump file, dmesg.N, --output) sees the bytes.  Both sources count: the
 * union of SCRUB and every --scrub, since scrubbing less than either asks
 * would be the surprise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "save.h"

static int scrubbed_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct save_scrub *ss = ctx;
	int ret = ss->inner_read(ss->inner_ctx, paddr, buf, len);

	if (ret >= 0)
		lkcd_scrub_bytes(ss->ranges, ss->nr, paddr, buf, len);
	return ret;
}

int save_scrub_option(struct save_request *req, const char *arg)
{
	static char *joined;	/* lives as long as the request: the whole run */
	struct lkcd_scrub_range *r;
	struct lkcd_error err = { 0 };
	size_t n, len = (joined ? strlen(joined) : 0) + strlen(arg) + 2;
	char *grown;

	if (lkcd_scrub_parse(arg, &r, &n, &err) < 0) {
		errmsg("--scrub: %s", err.msg);
		return -1;
	}
	free(r);
	grown = realloc(joined, len);
	if (!grown) {
		errmsg("out of memory");
		return -1;
	}
	if (!joined)
		grown[0] = '\0';
	joined = grown;
	strcat(strcat(joined, ","), arg);
	req->scrub = joined;
	return 0;
}

int save_scrub_begin(const struct save_request *req, const struct save_input *si,
		     struct save_scrub *ss, struct save_input *out)
{
	const struct lkcd_conf *conf = req->conf;
	struct lkcd_error err = { 0 };
	size_t len = strlen(conf->scrub) + 2 + (req->scrub ? strlen(req->scrub) : 0);
	char *spec = malloc(len);
	int ret;

	memset(ss, 0, sizeof(*ss));
	*out = *si;
	if (!spec) {
		errmsg("out of memory");
		return -1;
	}
	snprintf(spec, len, "%s,%s", conf->scrub, req->scrub ? req->scrub : "");
	ret = lkcd_scrub_parse(spec, &ss->ranges, &ss->nr, &err);
	free(spec);
	if (ret < 0) {
		errmsg("%s", err.msg);
		return -1;
	}
	if (!ss->nr)
		return 0;
	ret = lkcd_scrub_iter_open(ss->ranges, ss->nr, LKCD_PAGE_SIZE, &si->pages, &ss->stats,
				   &ss->it, &err);
	if (ret < 0) {
		errmsg("%s", err.msg);
		save_scrub_end(ss);
		return -1;
	}
	ss->iter_open = true;
	out->pages = ss->it;
	if (si->read_phys) {
		ss->inner_read = si->read_phys;
		ss->inner_ctx = si->read_ctx;
		out->read_phys = scrubbed_read;
		out->read_ctx = ss;
	}
	return 0;
}

void save_scrub_report(const struct save_scrub *ss, FILE *analysis)
{
	uint64_t bytes = 0;

	if (!ss->nr)
		return;
	for (size_t i = 0; i < ss->nr; i++)
		bytes += ss->ranges[i].end - ss->ranges[i].start;
	fprintf(analysis, "scrubbed:         %zu range(s), %llu bytes:", ss->nr,
		(unsigned long long)bytes);
	for (size_t i = 0; i < ss->nr && i < 32; i++)
		fprintf(analysis, " 0x%llx-0x%llx", (unsigned long long)ss->ranges[i].start,
			(unsigned long long)ss->ranges[i].end - 1);
	fprintf(analysis, "%s\n", ss->nr > 32 ? " ..." : "");
	fprintf(analysis, "                  %llu pages written as zero pages, %llu partly zeroed "
		"(%llu bytes), %llu undecodable left out\n",
		(unsigned long long)ss->stats.pages_whole,
		(unsigned long long)ss->stats.pages_partial,
		(unsigned long long)ss->stats.bytes_partial,
		(unsigned long long)ss->stats.pages_undecodable);
}

void save_scrub_end(struct save_scrub *ss)
{
	if (ss->iter_open)
		lkcd_scrub_iter_close(&ss->it);
	free(ss->ranges);
	memset(ss, 0, sizeof(*ss));
}
