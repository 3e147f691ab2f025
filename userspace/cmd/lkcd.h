/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The lkcd program: one file per command (cmd_*.c), helpers in util.c and
 * summary.c.  Commands return an exit code (below); only this layer prints.
 */
#ifndef LKCD_CMD_H
#define LKCD_CMD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "liblkcd.h"

/* Exit codes, documented in lkcd(8). */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* usage, config file, system setup */
#define EXIT_NODUMP	2	/* no dump: no crashdump=, no vmcore, no or bad header */
#define EXIT_WRITE	3	/* the dump could not be written out */
#define EXIT_NOTARMED	4	/* query/status: not armed */
#define EXIT_NOTHING	5	/* save: nothing to save (not a capture kernel, no
				 * dump on DUMPDEV, no snapshot held): not an error */

extern const char *prog;	/* "lkcd" */
extern const char *conf_path;	/* -c FILE, default /etc/lkcd.conf */
extern bool conf_path_given;

void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Load the configuration: defaults, then the file.  A missing default file
 * is fine (defaults); a missing -c file or any bad line is an error
 * (messages printed).  0 or -1.
 */
int load_config(struct lkcd_conf *conf);

/*
 * /proc and /sys paths, prefixed with $LKCD_SYSROOT when set (tests run the
 * commands against a fake tree).  Returns a static buffer per call slot.
 */
const char *sys_path(const char *path);

/*
 * A kexec sysfs file by its name under /sys/kernel/kexec/ ("crash_size",
 * "crash_loaded", "loaded"): that path where the kernel has it (late 2025
 * on), else the old /sys/kernel/kexec_<name> (which newer kernels keep as
 * an obsolete link).  Unprefixed, for sys_path().
 */
const char *kexec_sysfs(const char *name);

/* Read a small file (NUL-terminated, trailing newline stripped). 0 or -errno. */
int read_text(const char *path, char *buf, size_t size);
/* Write text to an existing file (sysctl, sysfs). 0 or -errno. */
int write_text(const char *path, const char *text);
/*
 * The kernel's lockdown level, the bracketed word of
 * /sys/kernel/security/lockdown: "none", "integrity" or "confidentiality";
 * NULL when it cannot be read (no lockdown LSM, securityfs not mounted).
 */
const char *lockdown_level(void);
/* strtoull with end check; 0 or -EINVAL. */
int parse_u64(const char *s, uint64_t *out);

/*
 * The value of key= on a kernel command line (first occurrence), copied to
 * val; 0, or -ENOENT when absent.
 */
int cmdline_get(const char *cmdline, const char *key, char *val, size_t size);
/*
 * Copy cmdline to out without the parameters whose names are listed in
 * drop (NULL-terminated; "NAME*" drops every name beginning NAME); quoting
 * ("a b") is kept as is.  0 or -ENOSPC.
 */
int cmdline_filter(const char *cmdline, const char *const *drop, char *out,
		   size_t size);

/*
 * Run argv[0] from PATH with fork/execvp and wait.  Returns its exit status
 * (0..255), 127 when it could not be run (message printed), or 128 + signal.
 */
int run_command(char *const argv[]);

/*
 * How lkcd config loads the capture kernel (kexec_mode.c): file = kexec -s
 * (kexec_file_load; why says for what), hotplug = kexec --hotplug (the
 * kernel then updates the loaded image on memory and CPU hotplug).
 */
struct kexec_mode {
	bool file;
	bool hotplug;
	const char *why;
};
void kexec_mode_pick(const char *lockdown, struct kexec_mode *m);
/*
 * Does the kernel update the loaded capture image on hotplug by itself
 * (/sys/devices/system/{memory,cpu}/crash_hotplug is 1)?  1, 0, or -1 when
 * the kernel has no such file (no CONFIG_CRASH_HOTPLUG).
 */
int kernel_updates_capture_image(void);

/* Print the summary of a decoded header (what analysis.N and show print). */
/* Why a dump is incomplete, in words ("panic inside the dumper", ...). */
const char *incomplete_reason_name(uint32_t reason);
void print_summary(FILE *out, const struct lkcd_dump_header *h,
		   const struct lkcd_mem_range *ranges, uint64_t header_paddr);
/*
 * A fallback dump's panic string: SOURCE LKCD_FALLBACK_MARK REASON ")", the
 * source being what was read (/proc/vmcore, or lkcd save -f FILE).
 */
#define LKCD_FALLBACK_MARK	" fallback (no lkcd dump: "
/* The same as a JSON object (json-c), NULL on ENOMEM. */
struct json_object;
struct json_object *summary_json(const struct lkcd_dump_header *h, uint64_t header_paddr);
/* Print a JSON value (pretty, one trailing newline) and drop it. */
void json_print(struct json_object *o);
/* UTC "YYYY-MM-DD HH:MM:SS UTC" */
void format_utc(uint64_t sec, char *buf, size_t size);

/* The lkcd note lkcd save adds to every saved dump (see summary.c). */
#define LKCD_NOTE_NAME		"LKCD"
#define LKCD_NOTE_HEADER	0x4c4b4344u	/* not 1: tools take type 1 as NT_PRSTATUS */
struct lkcd_note_header {
	uint64_t header_paddr;			/* where the header page was */
	uint64_t reserved;			/* zero */
	uint8_t page[LKCD_PAGE_SIZE];		/* the header page as preserved */
};
/* Build the note (malloc'ed, *len bytes). NULL on ENOMEM. */
void *lkcd_note_build(const void *header_page, uint64_t header_paddr, size_t *len);
/* Find it in a notes blob: pointer to its desc (struct lkcd_note_header), or NULL. */
const void *lkcd_note_find(const void *notes, size_t len);
/* Offsets inside the desc (may be unaligned: memcpy them out). */
#define LKCD_NOTE_PADDR_OFF	0
#define LKCD_NOTE_PAGE_OFF	16

int cmd_config(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_query(int argc, char **argv);
/* Would a dump be taken at the next panic?  If not, *why says why. */
bool dumper_armed(const char **why);
int cmd_test(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_estimate(int argc, char **argv);
/* Disarm: unload the capture kernel, set the dump level to none; EXIT_* code. */
int disarm(bool dry_run);

/*
 * Progress where a save runs under systemd (notify.c): sd_notify(3)'s
 * STATUS=, sent by the documented NOTIFY_SOCKET datagram protocol; nothing
 * when NOTIFY_SOCKET is unset.
 */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
};
struct save_request;
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
/* Open src, write through the stages to the chosen sink, after_saved, close. */
int save_from(const struct save_source *src, const struct save_request *req);

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

/*
 * A dump the dumper had to stop: si's pages become the records, then the
 * rest of memory from si->src (/proc/vmcore), filtered by class, never the
 * dumper's storage blocks (save_tail.c).  NULL (said why, when it matters)
 * when the dump is left as it stands.  End after the save.
 */
struct save_tail;
struct save_tail *save_tail_begin(const struct save_request *req, struct save_input *si);
void save_tail_end(struct save_tail *t);

/*
 * DUMPDIR (open as dirfd) and the directories above it are root's (or the
 * caller's) and closed to writing by others (dumpdir_safe.c); 0, or
 * -errno with the path and the reason said.
 */
int dumpdir_check_safe(int dirfd, const char *dumpdir);

/* --output wins; DUMPDEV takes what the capture kernel reads; else DUMPDIR. */
enum save_sink save_sink_choose(const struct save_request *req, const struct save_input *si);
/*
 * The one way out for every source: si through the stages (--level/
 * --exclude, scrub, zero-page drop, progress) into the chosen sink.
 * EXIT_* code; *index (may be NULL) gets N when the sink is DUMPDIR.
 */
int save_write(const struct save_request *req, const struct save_input *si,
	       unsigned long *index);
/* The DUMPDEV sink: write si onto DUMPDEV (cmd_dumpdev.c); EXIT_* code. */
int dumpdev_capture(const struct save_request *req, const struct save_input *si);
/* DUMPDEV opened for reading or writing: O_EXCL on a block device (cmd_dumpdev.c). */
int dumpdev_open_dev(const char *dev, bool write);
int cmd_dumpdev(int argc, char **argv);
/* lkcd config: DUMPDEV is a free block device a capture may write; 0 or -1 (said). */
int dumpdev_check_config(const struct lkcd_conf *conf);
int cmd_mkinitrd(int argc, char **argv);

/*
 * What the capture environment mounts to save into DUMPDIR
 * (dumpdir_target.c).  With DUMPDEV: nothing (device empty).  With
 * DUMPDIR_DEVICE: that, mounted on DUMPDIR.  Otherwise (the shipped
 * configuration) the filesystem holding DUMPDIR now, by UUID, with
 * DUMPDIR's path inside it.
 */
struct dumpdir_target {
	char device[LKCD_CONF_STR];	/* UUID=..., LABEL=... or a path; "" = none */
	char fstype[64];		/* "" = as mount finds it */
	char subdir[PATH_MAX];		/* automatic: DUMPDIR inside the filesystem */
	char node[PATH_MAX];		/* automatic: its device node here */
	char mountpoint[PATH_MAX];	/* automatic: where it is mounted here */
	bool automatic;
};
/*
 * 0, or -1 after saying why no capture could keep the dump there (DUMPDIR
 * on tmpfs, on a filesystem the capture cannot mount, no UUID found).
 */
int dumpdir_target_find(const struct lkcd_conf *conf, struct dumpdir_target *t);
/*
 * MKINITRD=1: build the capture initramfs unless it is up to date (its
 * stamp); output gets its path (KEXEC_INITRD, else
 * /var/lib/lkcd/capture-initrd-<release>.img).  EXIT_OK or EXIT_FAIL.
 */
int mkinitrd_for_config(const struct lkcd_conf *conf, char *output, size_t len);

/* live snapshots (cmd_snapshot.c) */
int cmd_snapshot(int argc, char **argv);
int cmd_release(int argc, char **argv);
bool snapshot_held(void);
/* /dev/lkcd open (said why not), and its status; fd or -1, 0 or -1 (cmd_snapshot.c). */
int snapshot_dev_open(void);
struct lkcd_snapshot_status;
int snapshot_dev_status(int fd, struct lkcd_snapshot_status *st);
/* "snapshot state: ..." for lkcd status; nothing without the module. */
void snapshot_state_line(FILE *out);
/* The module's snapshot_state text (buf), for lkcd status --json; NULL without it. */
const char *snapshot_state_text(char *buf, size_t len);


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
};
/*
 * The configuration's part of req (conf, format, write_flags); the
 * command line's fields are left as they are (zero for lkcd config).
 */
void save_request_init(struct save_request *req, const struct lkcd_conf *conf);

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
/*
 * The --output sink: write only the dump file, at req->output
 * (save_output.c).  h is the header the output states (exclude with the
 * zero bit when filtered); si's pages already run through sp, the
 * zero-page and progress stage, which the sink ends.  EXIT_* code.
 */
/* The writer options a save of si uses (live magic, the direct map's base). */
void save_write_opts(const struct save_input *si, struct lkcd_write_opts *o);
int save_write_output(const struct save_request *req, const struct save_input *si,
		      const struct lkcd_dump_header *h, const struct save_filter *filt,
		      struct save_pages *sp);
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

/* The writer's notes: the LKCD note, then the vmcore's (cmd_save.c); malloc'ed or NULL. */
void *build_notes(const void *vnotes, size_t vlen, const void *page, uint64_t addr,
		  size_t *len);

#endif /* LKCD_CMD_H */
