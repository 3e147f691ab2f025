/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * lkcd save, in the order the data goes (Documentation/design.rst, "lkcd
 * save: sources, stages, sink"): the request, the input a source hands
 * on, the sources, the stages, the sinks.
 */
#ifndef LKCD_SAVE_H
#define LKCD_SAVE_H

#include "lkcd.h"

/* ---- the request ---- */

/*
 * One lkcd save as asked: the configuration with the command line laid
 * over it (-d, -D, -F, --zstd change conf itself), built once by cmd_save
 * (or lkcd config, in the capture kernel) and handed down to every source,
 * stage and sink.  Nothing below reads an option anywhere else.
 */
struct save_request {
	const struct lkcd_conf *conf;	/* DUMPDIR, DUMPDEV, KEEP_DUMPS, SCRUB, ... */
	enum lkcd_out_format format;	/* -F, else DUMP_FORMAT */
	uint32_t write_flags;		/* LKCD_WRITE_KEEP_ZSTD: --zstd, else SAVE_ZSTD */
	const char *address;		/* --address, else crashdump= */
	const char *vmcore;		/* --vmcore, else /proc/vmcore */
	bool have_level, have_exclude;
	uint32_t level;			/* --level: LKCD_LEVEL_* */
	uint32_t exclude;		/* --exclude: makedumpfile -d bits */
	const char *output;		/* --output PATH: only this file is written */
	bool force;			/* --force: PATH may be replaced */
	bool quiet;			/* --quiet: no progress bar */
	const char *scrub;		/* --scrub RANGES, every one joined by commas */
	bool no_fallback;		/* --no-fallback: no lkcd dump is an error */
	bool again;			/* --again: DUMPDEV's dump even when saved */
	bool keep;			/* --keep: the snapshot stays held */
	bool net_lost;			/* the network sink (SSH or NFS) failed once it had
					 * started: DUMPDIR (save_from) */
};
/*
 * The configuration's part of req (conf, format, write_flags); the
 * command line's fields are left as they are (zero for lkcd config).
 */
void save_request_init(struct save_request *req, const struct lkcd_conf *conf);

/* ---- what a source hands on, the sources ---- */

/*
 * A preserved dump ready to be written out, wherever it was read from
 * (/proc/vmcore through the reader, or a DUMPDEV).
 */
struct save_input {
	const char *from;			/* for messages and analysis.N */
	struct lkcd_source *src;		/* memory of the crashed kernel, or NULL */
	const void *header_page;		/* LKCD_PAGE_SIZE bytes as preserved */
	uint64_t header_paddr;
	const struct lkcd_dump_header *hdr;
	const struct lkcd_mem_range *ranges;
	size_t nr_ranges;
	const void *notes;			/* the vmcore's notes (the LKCD note is added) */
	size_t notes_len;
	struct lkcd_page_iter pages;
	uint64_t extra_pages;			/* pages may hand out beyond hdr's pages_dumped */
	int (*read_phys)(void *ctx, uint64_t paddr, void *buf, size_t len); /* dmesg */
	void *read_ctx;
	size_t (*problems)(void *ctx, const struct lkcd_problem **out); /* after the pages */
	void *problems_ctx;
	/* more lines for analysis.N after the page counts (the fallback's filter), or NULL */
	void (*report)(void *ctx, FILE *analysis);
	void *report_ctx;
	bool capture;				/* the crashed kernel, read in the capture
						 * kernel: DUMPDEV may take it, the tail
						 * stage may complete it */
	bool filtered;				/* already filtered by class (the
						 * fallback): no --level/--exclude stage */
};

/*
 * Where a dump is read from: one file each, save_source_*.c, chosen in one
 * place (cmd_save.c) and driven by save_from().  open fills si, valid until
 * close, and returns EXIT_OK, or an EXIT_* code after saying why; close
 * runs either way (state may be NULL or half-built).  after_saved runs only
 * when the sink wrote the dump whole (index: N when the sink is DUMPDIR):
 * DUMPDEV is marked saved, the snapshot released.  A source never calls
 * back into the command that chose it.
 */
/* Where a save's data goes, chosen in one place: save_sink_choose(). */
enum save_sink {
	SAVE_SINK_DUMPDIR,	/* DUMPDIR/N, written as a transaction (cmd_save.c) */
	SAVE_SINK_OUTPUT,	/* --output FILE, or - for a pipe (save_output.c) */
	SAVE_SINK_DUMPDEV,	/* capture kernel: the raw DUMPDEV (cmd_dumpdev.c) */
	SAVE_SINK_SSH,		/* DUMP_SSH: <path>/<host>-<time>/ on the server
				 * (save_net.c, through cmd_save.c's transaction) */
	SAVE_SINK_NFS,		/* DUMP_NFS: <export>/<host>-<time>/, the DUMPDIR
				 * sink's transaction in the mounted export
				 * (save_nfs.c mounts it) */
};
struct save_source {
	const char *name;
	int (*open)(const struct save_request *req, struct save_input *si, void **state);
	int (*after_saved)(void *state, const struct save_request *req,
			   enum save_sink sink, unsigned long index);
	void (*close)(void *state);
};
/* The capture kernel's: /proc/vmcore at crashdump= (save_source_vmcore.c). */
extern const struct save_source save_source_vmcore;
/* The next boot's: the dump waiting on DUMPDEV (save_source_dumpdev.c). */
extern const struct save_source save_source_dumpdev;
/* The held live snapshot, /dev/lkcd (save_source_snapshot.c). */
extern const struct save_source save_source_snapshot;
/*
 * Open src, write through the stages to the chosen sink, after_saved, close.
 * When the network sink fails once it has started (SAVE_NET_LOST) and
 * DUMP_NET_FALLBACK=1, src is opened again and saved into DUMPDIR.
 */
int save_from(const struct save_source *src, const struct save_request *req);
/* save_write's: the network sink failed after its start (only save_from sees it) */
#define SAVE_NET_LOST	64

/*
 * No usable lkcd dump (reason says why): unless SAVE_FALLBACK=0 or
 * --no-fallback, /proc/vmcore itself, filtered by page class like
 * makedumpfile -d, labelled as a fallback (save_source_fallback.c); what
 * save_source_vmcore opens in place of the dump.  src is vmcore already
 * open (borrowed), or NULL.  Return and state as a source's open.
 */
struct save_fallback;
int save_fallback_open(const struct save_request *req, struct lkcd_source *src,
		       const char *vmcore, const char *reason, struct save_input *si,
		       struct save_fallback **state);
void save_fallback_after_saved(struct save_fallback *fb);
void save_fallback_close(struct save_fallback *fb);

/* ---- the stages: tail completion, filter, scrub, zero-page drop + progress ---- */

/*
 * A dump the dumper had to stop: si's pages become the records, then the
 * rest of memory from si->src (/proc/vmcore), filtered by class, never the
 * dumper's storage blocks (save_tail.c).  NULL (said why, when it matters)
 * when the dump is left as it stands.  End after the save.
 */
struct save_tail;
struct save_tail *save_tail_begin(const struct save_request *req, struct save_input *si);
void save_tail_end(struct save_tail *t);

/* What --level/--exclude mean for one dump (save_pages.c). */
struct save_filter {
	bool active;			/* a level or mask was given */
	uint32_t exclude;		/* the mask asked for */
	bool drop_zero;			/* ZERO records are left out */
	uint32_t not_applied;		/* classes asked to go that records cannot tell */
};
/*
 * 0 (msg may hold a warning, when f->not_applied) or -EINVAL with msg
 * saying why: the dump lacks classes the request keeps, or a level that
 * keeps no pages.
 */
int save_filter_resolve(const struct lkcd_dump_header *h, const struct save_request *x,
			struct save_filter *f, char *msg, size_t len);

/* The page stream wrapper: drops zero pages, draws the progress bar. */
struct save_pages {
	struct lkcd_page_iter inner;
	uint64_t total;			/* header pages_dumped */
	uint64_t seen;			/* pages of this pass so far */
	uint64_t dropped;		/* zero pages left out (this pass) */
	uint64_t records;		/* records the reader gave (this pass) */
	uint64_t pages;			/* their pages, unreadable runs not counted
					 * (as in header pages_dumped) */
	unsigned int pass;
	bool drop_zero, progress, drawn;
	bool lines;			/* no terminal: a line per 10 % (and STATUS=) */
	unsigned int last_tenth;	/* the last 10 % step said */
	double t0, last;
};
/* unless quiet: a bar on a terminal, else plain lines and systemd STATUS= */
void save_pages_wrap(struct save_pages *sp, const struct lkcd_page_iter *inner,
		     uint64_t total, bool drop_zero, bool quiet, struct lkcd_page_iter *out);
/* End the bar line (the final 100% when ok). */
void save_pages_done(struct save_pages *sp, bool ok);
/*
 * What damaged parts cost, after the write: the header's records and pages
 * that the reader could not give.
 */
void save_pages_lost(const struct save_pages *sp, const struct lkcd_dump_header *h,
		     uint64_t *records, uint64_t *pages);
/* "" for a complete dump, else " (the dump itself is incomplete: why)". */
void save_incomplete_note(const struct lkcd_dump_header *h, char *buf, size_t len);

/* --scrub / SCRUB= (save_scrub.c): the ranges zeroed on the way out. */
struct save_scrub {
	struct lkcd_scrub_range *ranges;
	size_t nr;
	struct lkcd_scrub_stats stats;
	struct lkcd_page_iter it;	/* over the input's pages */
	bool iter_open;
	int (*inner_read)(void *ctx, uint64_t paddr, void *buf, size_t len);
	void *inner_ctx;
};
/* One --scrub: checked, then joined to req->scrub; 0 or -1 (said). */
int save_scrub_option(struct save_request *req, const char *arg);
/*
 * out = si with its pages and kernel-log reads scrubbed (out = si when no
 * range is set).  0, or -1 after saying why (a bad --scrub range).
 */
int save_scrub_begin(const struct save_request *req, const struct save_input *si,
		     struct save_scrub *ss, struct save_input *out);
/* The "scrubbed:" lines of analysis.N; nothing when no range is set. */
void save_scrub_report(const struct save_scrub *ss, FILE *analysis);
void save_scrub_end(struct save_scrub *ss);

/* ---- the sinks ---- */

/*
 * --output wins; DUMPDEV takes what the capture kernel reads; then DUMP_SSH;
 * else DUMPDIR (also where a DUMP_SSH save goes when the server cannot be
 * reached and DUMP_NET_FALLBACK=1: save_write decides that, after trying).
 */
enum save_sink save_sink_choose(const struct save_request *req, const struct save_input *si);
/*
 * The one way out for every source: si through the stages (--level/
 * --exclude, scrub, zero-page drop, progress) into the chosen sink.
 * EXIT_* code, or SAVE_NET_LOST; *index (may be NULL) gets N when the sink
 * is DUMPDIR.
 */
int save_write(const struct save_request *req, const struct save_input *si,
	       unsigned long *index);
/* The DUMPDEV sink: write si onto DUMPDEV (cmd_dumpdev.c); EXIT_* code. */
int dumpdev_capture(const struct save_request *req, const struct save_input *si);

/* The writer options a save of si uses (live magic, the direct map's base). */
void save_write_opts(const struct save_input *si, struct lkcd_write_opts *o);
/*
 * The --output sink: write only the dump file, at req->output
 * (save_output.c).  h is the header the output states (exclude with the
 * zero bit when filtered); si's pages already run through sp, the
 * zero-page and progress stage, which the sink ends.  EXIT_* code.
 */
int save_write_output(const struct save_request *req, const struct save_input *si,
		      const struct lkcd_dump_header *h, const struct save_filter *filt,
		      struct save_pages *sp);

/*
 * The network sink (save_net.c): DUMP_SSH's server, reached by ssh.
 * save_net_open tries within DUMP_NET_WAIT and makes <path>/.<NAME>.part
 * there; NULL after saying on the console which server and why not.
 * save_net_dump_begin returns the fd the flattened dump is written to
 * (-1 said), save_net_dump_end waits for the session (0, or -1 said);
 * save_net_put sends the file name of dirfd as `as` beside the dump;
 * save_net_publish renames .<NAME>.part to NAME once dump.flat ends with the
 * flattened end marker (0, or -1 said).  close: a session still running
 * is stopped; an unpublished .<NAME>.part stays on the server.
 */
struct save_net;
struct save_net *save_net_open(const struct save_request *req, const struct save_input *si);
int save_net_dump_begin(struct save_net *n);
int save_net_dump_end(struct save_net *n);
int save_net_put(struct save_net *n, int dirfd, const char *name, const char *as);
int save_net_publish(struct save_net *n);
const char *save_net_where(const struct save_net *n);	/* user@host:/path/NAME */
const char *save_net_part(const struct save_net *n);	/* user@host:/path/.NAME.part */
void save_net_close(struct save_net *n);
/*
 * One login to DUMP_SSH's server, as the save does it: PATH made if
 * missing and writable.  0, or -1 after saying which server and why
 * (lkcd config before arming, lkcd propagate after installing the key).
 */
int save_net_check(const struct lkcd_conf *c);

/* <hostname>-<YYYYMMDD-HHMMSS> of si's dump, the crashed kernel's (save_net.c) */
void save_net_name(const struct save_input *si, char *out, size_t size);
/* CLOCK_MONOTONIC in seconds (save_net.c) */
double save_net_now(void);

/*
 * The NFS target (save_nfs.c): DUMP_NFS mounted on a private directory
 * (save_nfs_dir), tried within DUMP_NET_WAIT; NULL after saying on the
 * console which server and why not.  close unmounts (forced after a
 * failure: saved false) and removes the directory; n may be NULL.
 */
struct save_nfs;
struct save_nfs *save_nfs_open(const struct save_request *req);
const char *save_nfs_dir(const struct save_nfs *n);
void save_nfs_close(struct save_nfs *n, bool saved);
/*
 * The page stream into the dump file fd on the export, synced every few
 * MiB of data: a write-back that failed (the server gone: EIO once the
 * soft mount's timeouts ran out) ends the stream with the reason.
 */
struct save_nfs_sync {
	struct lkcd_page_iter inner;
	int fd;
	uint64_t pages;		/* pages of data since the last sync */
};
void save_nfs_sync_wrap(struct save_nfs_sync *s, int fd, const struct lkcd_page_iter *inner,
			struct lkcd_page_iter *out);
/*
 * lkcd config's check before arming: DUMP_NFS mounted once, a probe file
 * written, synced and removed, unmounted.  0, or -1 after saying why.
 */
int save_nfs_check(const struct lkcd_conf *c);

/* The writer's notes: the LKCD note, then the vmcore's (cmd_save.c); malloc'ed or NULL. */
void *build_notes(const void *vnotes, size_t vlen, const void *page, uint64_t addr,
		  size_t *len);

#endif /* LKCD_SAVE_H */
