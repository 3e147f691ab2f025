// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd save's page-stream wrapper, between the dump reader and whichever
 * writer runs: it drops zero pages for a stricter --level/--exclude, and
 * draws the progress bar on a terminal.  Being a lkcd_page_iter, every
 * output format gets both without the writers knowing.
 *
 * Why only zero pages: the preserved records say RAW, COMPRESSED, ZERO or
 * UNREADABLE, never which page class (cache, user, free) a page was, so
 * after the fact the only class save can still tell apart is zero pages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "save.h"
#include "lkcd/params.h"

static const char *const class_names[] = {
	"zero", "cache", "private cache", "user", "free",
};

/* "user/cache" style list of the classes in mask, for messages. */
static void class_list(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	/* most familiar first: user, cache, private cache, free, zero */
	static const int order[] = { 3, 1, 2, 4, 0 };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(mask & (1u << order[i])))
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      n ? "/" : "", class_names[order[i]]);
		if (n >= len)
			break;
	}
}

int save_filter_resolve(const struct lkcd_dump_header *h, const struct save_request *x,
			struct save_filter *f, char *msg, size_t len)
{
	uint32_t want, missing, unknowable;
	char names[64];

	memset(f, 0, sizeof(*f));
	if (!x->have_level && !x->have_exclude)
		return 0;
	if (x->have_exclude) {
		want = x->exclude;
	} else {
		if (x->level == LKCD_LEVEL_NONE || x->level == LKCD_LEVEL_HEADER) {
			snprintf(msg, len, "--level %s keeps no pages; save needs kern, used or all_ram",
				 lkcd_level_name(x->level));
			return -EINVAL;
		}
		want = lkcd_level_default_exclude(x->level);
	}
	f->active = true;
	f->exclude = want;
	/* classes the request keeps but the dumper already left out */
	missing = h->exclude & ~want & LKCD_EXCLUDE_MASK;
	if (missing) {
		class_list(missing, names, sizeof(names));
		snprintf(msg, len, "the dump was taken at level %s (exclude 0x%x): it holds no %s pages to keep",
			 lkcd_level_name(h->level), h->exclude, names);
		return -EINVAL;
	}
	f->drop_zero = (want & LKCD_EXCLUDE_ZERO) != 0;
	/* classes asked to go that the records cannot identify: left as they are */
	unknowable = want & ~h->exclude & ~LKCD_EXCLUDE_ZERO & LKCD_EXCLUDE_MASK;
	f->not_applied = unknowable;
	if (unknowable) {
		class_list(unknowable, names, sizeof(names));
		snprintf(msg, len, "records carry no page class: %s pages cannot be told apart "
			 "after the dump and are kept; only zero pages can still be dropped", names);
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void draw(struct save_pages *sp, bool final)
{
	double t = now_s(), el = t - sp->t0;
	double frac = sp->total ? (double)sp->seen / (double)sp->total : 0;
	double mbs = el > 0 ? (double)sp->seen * LKCD_PAGE_SIZE / 1048576.0 / el : 0;
	char eta[32] = "--:--";
	int width = 30, fill;
	char bar[64];

	if (!final && t - sp->last < 0.2)
		return;
	sp->last = t;
	if (frac > 1)
		frac = 1;
	if (final)
		frac = 1;
	if (frac > 0 && el > 0 && !final) {
		long s = (long)(el / frac - el);

		snprintf(eta, sizeof(eta), "%ld:%02ld", s / 60, s % 60);
	} else if (final) {
		snprintf(eta, sizeof(eta), "0:00");
	}
	fill = (int)(frac * width);
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(width - fill));
	bar[width] = '\0';
	fprintf(stderr, "\r%s: [%s] %3d%% %7.1f MB/s ETA %s%s%s", prog, bar,
		(int)(frac * 100), mbs, eta, sp->pass > 1 ? " (pass 2)" : "",
		final ? "\n" : "");
	fflush(stderr);
	sp->drawn = true;
}

/*
 * No terminal (a journal, a serial console): a plain line and a systemd
 * STATUS= at every 10 %, which a journal keeps and systemctl status shows.
 */
static void line(struct save_pages *sp)
{
	unsigned int pct = sp->total ? (unsigned int)(sp->seen * 100 / sp->total) : 0;
	double el = now_s() - sp->t0;
	double mb = (double)sp->seen * LKCD_PAGE_SIZE / 1048576.0;

	if (pct > 100)
		pct = 100;
	if (pct / 10 == sp->last_tenth)
		return;
	sp->last_tenth = pct / 10;
	fprintf(stderr, "%s: saving: %u%% (%llu of %llu pages, %.1f MB/s)%s\n", prog, pct,
		(unsigned long long)sp->seen, (unsigned long long)sp->total,
		el > 0 ? mb / el : 0, sp->pass > 1 ? " (pass 2)" : "");
	notify_status("saving the dump: %u%% (%llu of %llu pages)", pct,
		      (unsigned long long)sp->seen, (unsigned long long)sp->total);
}

static int sp_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct save_pages *sp = ctx;
	int ret;

	for (;;) {
		ret = sp->inner.next(sp->inner.ctx, pg, err);
		if (ret <= 0)
			return ret;
		sp->seen += pg->count;
		sp->records++;
		if (pg->flags != LKCD_REC_UNREADABLE)
			sp->pages += pg->count;
		if (sp->progress)
			draw(sp, false);
		else if (sp->lines)
			line(sp);
		if (sp->drop_zero && pg->flags == LKCD_REC_ZERO) {
			sp->dropped += pg->count;
			continue;
		}
		return 1;
	}
}

static int sp_rewind(void *ctx, struct lkcd_error *err)
{
	struct save_pages *sp = ctx;

	/* writers may rewind before reading, or make a second pass */
	if (sp->seen)
		sp->pass++;
	sp->seen = 0;
	sp->last_tenth = 0;
	sp->dropped = 0;
	sp->records = sp->pages = 0;
	return sp->inner.rewind(sp->inner.ctx, err);
}

void save_pages_wrap(struct save_pages *sp, const struct lkcd_page_iter *inner,
		     uint64_t total, bool drop_zero, bool quiet, struct lkcd_page_iter *out)
{
	memset(sp, 0, sizeof(*sp));
	sp->inner = *inner;
	sp->total = total;
	sp->drop_zero = drop_zero;
	sp->progress = !quiet && isatty(STDERR_FILENO);
	sp->lines = !quiet && !sp->progress;
	sp->pass = 1;
	sp->t0 = now_s();
	sp->last = sp->t0;
	out->ctx = sp;
	out->next = sp_next;
	out->rewind = sp_rewind;
}

void save_pages_lost(const struct save_pages *sp, const struct lkcd_dump_header *h,
		     uint64_t *records, uint64_t *pages)
{
	*records = h->nr_records > sp->records ? h->nr_records - sp->records : 0;
	*pages = h->pages_dumped > sp->pages ? h->pages_dumped - sp->pages : 0;
}

void save_incomplete_note(const struct lkcd_dump_header *h, char *buf, size_t len)
{
	if (h->state != LKCD_STATE_INCOMPLETE)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, " (the dump itself is incomplete: %s)",
			 lkcd_incomplete_reason(h->incomplete_reason)->text);
}

void save_pages_done(struct save_pages *sp, bool ok)
{
	if (!sp->progress)
		return;
	if (ok)
		draw(sp, true);		/* always: even a save too quick to draw ends with 100% */
	else if (sp->drawn)
		fputc('\n', stderr);
}
