// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd save: find the preserved dump through /proc/vmcore at the address
 * crashdump= names, and write it to DUMPDIR/N/:
 *
 *   dump.N      the dump in DUMP_FORMAT (kdump-compressed by default), with
 *               an extra "LKCD" ELF note holding the preserved header page
 *   dmesg.N     the crashed kernel's log (when VMCOREINFO allows)
 *   analysis.N  a readable summary
 *
 * Everything is checked before anything is created; the files are written
 * into DUMPDIR/.tmp-N-XXXXXX, fsynced, and the directory renamed to N only
 * when complete; then DUMPDIR/bounds (the next N) is updated.  Files 0600,
 * directories 0700.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dmesg.h"
#include "save.h"
#include "lkcd/params.h"
#include "vmcoreinfo.h"

#define MAX_FILES 3

struct out_dir {
	int dirfd;			/* DUMPDIR */
	int tmpfd;			/* DUMPDIR/.tmp-N-XXXXXX */
	char tmpname[192];
	char files[MAX_FILES][64];	/* created in tmp, for cleanup */
	int nfiles;
};

/* Create dir and its missing parents, 0700. 0 or -errno. */
static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static bool is_index(const char *s, unsigned long *n)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*n = strtoul(s, &end, 10);
	return !errno && !*end && *n < 1000000000ul;
}

/* Next free index: bounds, but never an N that already exists. */
static unsigned long next_index(int dirfd, const char *dumpdir)
{
	unsigned long n = 0, v;
	char buf[32];
	ssize_t len;
	int fd;
	DIR *d;
	struct dirent *de;

	fd = openat(dirfd, "bounds", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len > 0) {
			buf[len] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (is_index(buf, &v))
				n = v;
			else
				warnmsg("%s/bounds: \"%s\" is not a dump index; using the directories",
					dumpdir, buf);
		}
	}
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return n;
	}
	while ((de = readdir(d)))
		if (is_index(de->d_name, &v) && v >= n)
			n = v + 1;
	closedir(d);
	return n;
}

static int create_file(struct out_dir *o, const char *name)
{
	int fd = openat(o->tmpfd, name,
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd >= 0 && o->nfiles < MAX_FILES)
		snprintf(o->files[o->nfiles++], sizeof(o->files[0]), "%s", name);
	return fd;
}

static void discard_tmp(struct out_dir *o)
{
	if (o->tmpfd < 0)
		return;
	for (int i = 0; i < o->nfiles; i++)
		unlinkat(o->tmpfd, o->files[i], 0);
	close(o->tmpfd);
	o->tmpfd = -1;
	unlinkat(o->dirfd, o->tmpname, AT_REMOVEDIR);
}

/* fsync and close; 0 or -errno. */
static int finish_fd(int fd)
{
	int ret = fsync(fd) < 0 ? -errno : 0;

	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

/* Write bounds = next through bounds.tmp + rename. */
static int write_bounds(int dirfd, unsigned long next)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lu\n", next);
	int fd, ret;

	unlinkat(dirfd, "bounds.tmp", 0);
	fd = openat(dirfd, "bounds.tmp",
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len) {
		ret = errno ? -errno : -EIO;
		close(fd);
		unlinkat(dirfd, "bounds.tmp", 0);
		return ret;
	}
	ret = finish_fd(fd);
	if (!ret && renameat(dirfd, "bounds.tmp", dirfd, "bounds") < 0)
		ret = -errno;
	if (ret)
		unlinkat(dirfd, "bounds.tmp", 0);
	return ret;
}

/* Remove one saved dump directory (flat: only regular files). */
static int remove_dump(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(fd, de->d_name, 0) < 0) {
			int e = errno;

			closedir(d);
			return -e;
		}
	}
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

/* .tmp-* directories left by a save that was killed (we hold the lock). */
static void remove_stale_tmp(int dirfd, const char *dumpdir)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char names[16][256];
	int n = 0, ret;
	struct dirent *de;
	DIR *d;

	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && n < 16)
		if (!strncmp(de->d_name, ".tmp-", 5) && strlen(de->d_name) < sizeof(names[0]))
			strcpy(names[n++], de->d_name);
	closedir(d);
	for (int i = 0; i < n; i++) {
		ret = remove_dump(dirfd, names[i]);
		if (ret)
			warnmsg("cannot remove the leftover %s/%s: %s", dumpdir, names[i],
				strerror(-ret));
		else
			warnmsg("removed %s/%s, left by an interrupted save", dumpdir, names[i]);
	}
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* KEEP_DUMPS: remove the oldest (lowest N) dumps beyond keep. */
static void prune(int dirfd, const char *dumpdir, uint32_t keep)
{
	unsigned long *idx = NULL, v;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd;
	DIR *d;

	if (!keep)
		return;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!is_index(de->d_name, &v))
			continue;
		if (n == cap) {
			unsigned long *g = realloc(idx, (cap = cap ? cap * 2 : 16) * sizeof(*idx));

			if (!g)
				break;
			idx = g;
		}
		idx[n++] = v;
	}
	closedir(d);
	qsort(idx, n, sizeof(*idx), cmp_ulong);
	for (size_t i = 0; n - i > keep; i++) {
		char name[32];
		int ret;

		snprintf(name, sizeof(name), "%lu", idx[i]);
		ret = remove_dump(dirfd, name);
		if (ret)
			warnmsg("KEEP_DUMPS=%u: cannot remove %s/%s: %s", keep, dumpdir,
				name, strerror(-ret));
		else
			fprintf(stderr, "%s: KEEP_DUMPS=%u: removed %s/%s\n", prog, keep,
				dumpdir, name);
	}
	free(idx);
}

/* The notes for the writer: the LKCD note first, then the vmcore's. */
void *build_notes(const void *vnotes, size_t vlen, const void *page,
			 uint64_t addr, size_t *len)
{
	size_t nlen;
	uint8_t *note, *all;

	note = lkcd_note_build(page, addr, &nlen);
	if (!note)
		return NULL;
	all = realloc(note, nlen + vlen);
	if (!all) {
		free(note);
		return NULL;
	}
	if (vlen)
		memcpy(all + nlen, vnotes, vlen);
	*len = nlen + vlen;
	return all;
}

#define TAIL_LINES	40
#define TAIL_BYTES	16384

/* The end of the kernel log, where the panic is, into the analysis. */
static void log_tail(int dirfd, const char *name, FILE *analysis)
{
	char buf[TAIL_BYTES + 1], *p;
	struct stat st;
	off_t off;
	ssize_t n;
	int fd, lines = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	off = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	n = pread(fd, buf, TAIL_BYTES, off);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* back from the end over TAIL_LINES newlines */
	for (p = buf + n - 1; p > buf; p--)
		if (*p == '\n' && ++lines > TAIL_LINES)
			break;
	if (p > buf || off)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p;
	fprintf(analysis, "\nend of the kernel log:\n%s", p);
	if (n && buf[n - 1] != '\n')
		fputc('\n', analysis);
}

static void write_dmesg(struct out_dir *o, const char *name, const struct save_input *si,
			FILE *analysis)
{
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_dmesg_stats st;
	struct lkcd_error err = { 0 };
	const void *notes;
	size_t nlen;
	FILE *f;
	int fd, ret;

	const struct lkcd_dump_header *h = si->hdr;

	notes = si->notes;
	nlen = si->notes_len;
	ret = lkcd_vmcoreinfo_from_notes(notes, nlen, &vi, &err);
	if (ret < 0 && h->vmcoreinfo_paddr && si->src)
		ret = lkcd_vmcoreinfo_read(si->src, h->vmcoreinfo_paddr, h->vmcoreinfo_size,
					   &vi, &err);
	if (ret < 0) {
		fprintf(analysis, "kernel log:       not saved: no VMCOREINFO (%s)\n", err.msg);
		warnmsg("kernel log not saved: no VMCOREINFO (%s)", err.msg);
		return;
	}
	fd = create_file(o, name);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(analysis, "kernel log:       not saved: %s: %s\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		lkcd_vmcoreinfo_free(vi);
		return;
	}
	memset(&st, 0, sizeof(st));
	ret = lkcd_dmesg_write(vi, si->read_phys, si->read_ctx, NULL, f, &st, &err);
	if (fflush(f) || fsync(fileno(f)))
		ret = ret < 0 ? ret : -errno;
	fclose(f);
	lkcd_vmcoreinfo_free(vi);
	if (ret < 0) {
		fprintf(analysis, "kernel log:       %s incomplete: %s\n", name, err.msg);
		warnmsg("kernel log: %s", err.msg);
		return;
	}
	fprintf(analysis, "kernel log:       %s, %llu records (%llu skipped)\n", name,
		(unsigned long long)st.records, (unsigned long long)st.skipped);
	log_tail(o->tmpfd, name, analysis);
}

void save_request_init(struct save_request *req, const struct lkcd_conf *conf)
{
	req->conf = conf;
	req->format = conf->dump_format;
	req->write_flags = conf->save_keep_zstd ? LKCD_WRITE_KEEP_ZSTD : 0;
}

enum save_sink save_sink_choose(const struct save_request *req, const struct save_input *si)
{
	if (req->output)
		return SAVE_SINK_OUTPUT;
	if (si->capture && req->conf->dumpdev[0])
		return SAVE_SINK_DUMPDEV;
	if (req->conf->ssh[0] && !req->net_lost)
		return SAVE_SINK_SSH;
	if (req->conf->nfs[0] && !req->net_lost)
		return SAVE_SINK_NFS;
	return SAVE_SINK_DUMPDIR;
}

/* What the stages made of the input, for the DUMPDIR sink's analysis.N. */
struct save_staged {
	const struct lkcd_dump_header *hout;	/* what the output says it is */
	const struct save_filter *filt;
	const char *fmsg;			/* the filter's warning, or "" */
	const struct save_scrub *scrub;
	struct save_pages *pages;		/* zero-page drop and progress, on si's pages */
};

/*
 * Where the DUMPDIR sink puts a named dump (DUMP_NFS): dir/name instead of
 * DUMPDIR/N, in a directory other machines share (so no numbering, no
 * bounds, no KEEP_DUMPS, and no sweeping of temporary directories, which
 * may be another machine's save in progress).
 */
struct dumpdir_place {
	const char *dir;	/* where name goes (the mounted export) */
	const char *name;	/* <hostname>-<time> */
	const char *shown;	/* dir as messages name it (server:/export) */
};

static int write_dumpdir(const struct save_request *req, const struct save_input *si,
			 const struct save_staged *st, unsigned long *index, struct save_net *net,
			 const struct dumpdir_place *place);

/*
 * The stages, in their fixed order, then the sink: tail completion (a
 * stopped capture dump read on from memory), then for DUMPDIR and
 * --output the --level/--exclude filter, the scrub, and zero-page drop with
 * progress (save_pages.c; the sink ends the bar after its write).
 */
int save_write(const struct save_request *req, const struct save_input *si,
	       unsigned long *index)
{
	enum save_sink sink = save_sink_choose(req, si);
	struct save_input tailed = *si, scrubbed;
	struct lkcd_dump_header hout;
	struct save_tail *tail = NULL;
	struct save_filter filt = { 0 };
	struct save_scrub ss;
	struct save_pages sp;
	struct lkcd_page_iter inner;
	struct save_net *net = NULL;
	struct save_nfs *nfs = NULL;
	struct dumpdir_place place = { 0 };
	char nfs_name[128];
	char fmsg[256] = "";
	int rc = EXIT_FAIL;

	if (si->capture)
		tail = save_tail_begin(req, &tailed);
	/* DUMPDEV keeps the records as they come: the next boot's save filters */
	if (sink == SAVE_SINK_DUMPDEV) {
		rc = dumpdev_capture(req, &tailed);
		goto out;
	}
	/* --level/--exclude: refused before anything is created */
	if (!si->filtered && save_filter_resolve(si->hdr, req, &filt, fmsg, sizeof(fmsg)) < 0) {
		errmsg("%s", fmsg);
		goto out;
	}
	if (fmsg[0])
		warnmsg("%s", fmsg);
	hout = *si->hdr;	/* what the output says it is */
	if (filt.drop_zero)
		hout.exclude |= LKCD_EXCLUDE_ZERO;
	hout.pages_dumped += tailed.extra_pages;	/* the writer's bound, the progress bar's total */
	if (save_scrub_begin(req, &tailed, &ss, &scrubbed) < 0)
		goto out;
	/* the server, or said why not; then DUMPDIR if DUMP_NET_FALLBACK=1 */
	if (sink == SAVE_SINK_SSH || sink == SAVE_SINK_NFS) {
		bool reached;

		if (sink == SAVE_SINK_SSH) {
			net = save_net_open(req, &scrubbed);
			reached = net;
		} else {
			nfs = save_nfs_open(req);
			reached = nfs;
			save_net_name(&scrubbed, nfs_name, sizeof(nfs_name));
			place = (struct dumpdir_place){
				.dir = nfs ? save_nfs_dir(nfs) : NULL, .name = nfs_name,
				.shown = req->conf->nfs,
			};
		}
		if (!reached && !req->conf->net_fallback) {
			errmsg("the dump is not saved (DUMP_NET_FALLBACK=0)");
			rc = EXIT_WRITE;
			save_scrub_end(&ss);
			goto out;
		}
		if (!reached)
			fprintf(stderr, "%s: saving into DUMPDIR %s instead (DUMP_NET_FALLBACK=1)\n",
				prog, req->conf->dumpdir);
	}
	inner = scrubbed.pages;
	save_pages_wrap(&sp, &inner, hout.pages_dumped, filt.drop_zero, req->quiet,
			&scrubbed.pages);
	if (sink == SAVE_SINK_OUTPUT) {
		rc = save_write_output(req, &scrubbed, &hout, &filt, &sp);
	} else {
		struct save_staged st = {
			.hout = &hout, .filt = &filt, .fmsg = fmsg, .scrub = &ss, .pages = &sp,
		};

		rc = write_dumpdir(req, &scrubbed, &st, index, net, nfs ? &place : NULL);
		if ((net || nfs) && rc != EXIT_OK) {
			if (req->conf->net_fallback)
				rc = SAVE_NET_LOST;
			else
				errmsg("the dump is not saved (DUMP_NET_FALLBACK=0)");
		}
	}
	save_scrub_end(&ss);
	save_net_close(net);
	save_nfs_close(nfs, rc == EXIT_OK);
out:
	save_tail_end(tail);
	return rc;
}

int save_from(const struct save_source *src, const struct save_request *req)
{
	struct save_input si;
	unsigned long n = 0;
	void *state = NULL;
	int rc;

	rc = src->open(req, &si, &state);
	if (rc == EXIT_OK)
		rc = save_write(req, &si, &n);
	if (rc == SAVE_NET_LOST) {
		/* its pages were read once: the source again, into DUMPDIR */
		struct save_request local = *req;

		local.net_lost = true;
		fprintf(stderr, "%s: saving into DUMPDIR %s instead (DUMP_NET_FALLBACK=1), "
			"reading the dump again\n", prog, req->conf->dumpdir);
		src->close(state);
		state = NULL;
		rc = src->open(&local, &si, &state);
		if (rc == EXIT_OK)
			rc = save_write(&local, &si, &n);
		if (rc == EXIT_OK && src->after_saved)
			rc = src->after_saved(state, &local, save_sink_choose(&local, &si), n);
		src->close(state);
		return rc == SAVE_NET_LOST ? EXIT_WRITE : rc;
	}
	if (rc == EXIT_OK && src->after_saved)
		rc = src->after_saved(state, req, save_sink_choose(req, &si), n);
	src->close(state);
	return rc;
}

/*
 * The DUMPDIR sink: DUMPDIR/N as a transaction; EXIT_* code.  With net (the
 * network sink, reached), the same steps in another place: the dump streams
 * to the server, analysis and dmesg are made in a local staging directory
 * (TMPDIR, else /tmp) and sent beside it, and the server's directory is
 * renamed in place of DUMPDIR/N's; no numbering, bounds or KEEP_DUMPS.
 */
static int write_dumpdir(const struct save_request *req, const struct save_input *si,
			 const struct save_staged *st, unsigned long *index, struct save_net *net,
			 const struct dumpdir_place *place)
{
	const struct lkcd_conf *conf = req->conf;
	enum lkcd_out_format format = req->format;
	struct lkcd_error err = { 0 };
	const struct lkcd_dump_header *hp = si->hdr;
	struct lkcd_write_input in;
	struct lkcd_write_opts wopts = { 0 };
	struct lkcd_write_stats ws;
	struct out_dir o = { .dirfd = -1, .tmpfd = -1 };
	struct save_nfs_sync nsync;
	const struct lkcd_problem *probs;
	char name[64], final[128], path[PATH_MAX];
	const char *dumpdir = conf->dumpdir;
	char staging[LKCD_CONF_STR] = "", shown[3 * LKCD_CONF_STR];
	char writing[PATH_MAX + 256];	/* the file being written: a failure names it */
	char dump_name[64], analysis_name[64], dmesg_name[64];
	const char *warning = si->src ? lkcd_source_warning(si->src) : NULL;
	unsigned long n;
	void *notes = NULL;
	size_t nprobs;
	uint64_t addr = si->header_paddr;
	FILE *analysis = NULL;
	time_t t0 = time(NULL);
	char now[64];
	int fd, ret, rc = EXIT_WRITE;
	char incomplete[96];
	uint64_t lost_records, lost_pages;

	/* where it goes */
	umask(077);
	if (net) {
		const char *tmpdir = getenv("TMPDIR");

		if ((size_t)snprintf(staging, sizeof(staging), "%s/lkcd-net-XXXXXX",
				     tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp") >= sizeof(staging) ||
		    !mkdtemp(staging)) {
			errmsg("cannot create a staging directory %s: %s", staging,
			       strerror(errno));
			staging[0] = '\0';
			goto out;
		}
		dumpdir = staging;
	}
	if (place)
		dumpdir = place->dir;
	ret = mkdir_p(dumpdir);
	if (ret < 0) {
		errmsg("cannot create DUMPDIR %s: %s", dumpdir, strerror(-ret));
		goto out;
	}
	o.dirfd = open(dumpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o.dirfd < 0) {
		errmsg("%s: %s", dumpdir, strerror(errno));
		goto out;
	}
	/* planted entries would steer numbering and KEEP_DUMPS: ours alone */
	if (!net && !place && dumpdir_check_safe(o.dirfd, dumpdir) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	/* one save at a time per DUMPDIR; then leftovers of a killed one can go */
	if (!net && !place && flock(o.dirfd, LOCK_EX | LOCK_NB) < 0) {
		errmsg("%s: another lkcd save is running (%s)", dumpdir, strerror(errno));
		goto out;
	}
	if (!net && !place)
		remove_stale_tmp(o.dirfd, dumpdir);
	/* a named dump is never written over: a second save of it is refused */
	if (place && faccessat(o.dirfd, place->name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		errmsg("%s/%s exists already: not written over", place->shown, place->name);
		rc = EXIT_FAIL;
		goto out;
	}
	n = net || place ? 0 : next_index(o.dirfd, dumpdir);
	if (place)
		snprintf(o.tmpname, sizeof(o.tmpname), ".tmp-%s-XXXXXX", place->name);
	else
		snprintf(o.tmpname, sizeof(o.tmpname), ".tmp-%lu-XXXXXX", n);
	snprintf(path, sizeof(path), "%s/%s", dumpdir, o.tmpname);
	if (!mkdtemp(path)) {
		errmsg("cannot create a temporary directory in %s: %s", dumpdir, strerror(errno));
		goto out;
	}
	snprintf(o.tmpname, sizeof(o.tmpname), "%s", strrchr(path, '/') + 1);
	o.tmpfd = openat(o.dirfd, o.tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (o.tmpfd < 0) {
		errmsg("%s: %s", path, strerror(errno));
		unlinkat(o.dirfd, o.tmpname, AT_REMOVEDIR);
		goto out;
	}

	/* the dump file: DUMPDIR/.tmp-N/dump.N, or the stream to the server */
	if (place) {
		snprintf(dump_name, sizeof(dump_name), "dump");
		snprintf(analysis_name, sizeof(analysis_name), "analysis");
		snprintf(dmesg_name, sizeof(dmesg_name), "dmesg");
		snprintf(shown, sizeof(shown), "%s/%s/%s", place->shown, place->name, dump_name);
		snprintf(writing, sizeof(writing), "%s/%s/%s", place->shown, o.tmpname, dump_name);
		fd = create_file(&o, dump_name);
		if (fd < 0) {
			errmsg("%s: %s", writing, strerror(errno));
			goto out;
		}
	} else if (net) {
		snprintf(dump_name, sizeof(dump_name), "dump.flat");
		snprintf(analysis_name, sizeof(analysis_name), "analysis");
		snprintf(dmesg_name, sizeof(dmesg_name), "dmesg");
		snprintf(shown, sizeof(shown), "%s/%s", save_net_where(net), dump_name);
		snprintf(writing, sizeof(writing), "%s/%s", save_net_part(net), dump_name);
		fd = save_net_dump_begin(net);
		if (fd < 0)
			goto out;
	} else {
		snprintf(dump_name, sizeof(dump_name), "dump.%lu", n);
		snprintf(analysis_name, sizeof(analysis_name), "analysis.%lu", n);
		snprintf(dmesg_name, sizeof(dmesg_name), "dmesg.%lu", n);
		snprintf(shown, sizeof(shown), "%s/%lu/%s", dumpdir, n, dump_name);
		snprintf(writing, sizeof(writing), "%s/%s", path, dump_name);
		fd = create_file(&o, dump_name);
		if (fd < 0) {
			errmsg("%s/%s: %s", path, dump_name, strerror(errno));
			goto out;
		}
	}
	notes = build_notes(si->notes, si->notes_len, si->header_page, addr, &in.notes_len);
	if (!notes) {
		errmsg("out of memory");
		close(fd);
		goto out;
	}
	in.hdr = st->hout;
	in.nr_ranges = si->nr_ranges;
	in.ranges = si->ranges;
	in.notes = notes;
	in.pages = si->pages;	/* already through the zero-page and progress stage */
	if (place)
		save_nfs_sync_wrap(&nsync, fd, &si->pages, &in.pages);
	save_write_opts(si, &wopts);
	wopts.flags |= req->write_flags;
	if (net)
		wopts.flags |= LKCD_WRITE_FLATTENED;	/* a stream: no seeking back */
	else if (!place)
		/* DUMPDIR's disk; NFS (place) keeps the page cache its syncs expect */
		wopts.flags |= LKCD_WRITE_DIRECT;
	memset(&ws, 0, sizeof(ws));
	save_incomplete_note(hp, incomplete, sizeof(incomplete));
	/* level header or lockdown (else save_source_vmcore fell back to /proc/vmcore) */
	if (hp->state == LKCD_STATE_INCOMPLETE && !hp->nr_records &&
	    !(hp->flags & LKCD_FLAG_VMCORE_FALLBACK))
		warnmsg("the preserved dump holds no pages (%s); "
			"only its header (panic string, time, machine) is saved",
			lkcd_incomplete_reason(hp->incomplete_reason)->text);
	if (hp->flags & LKCD_FLAG_VMCORE_FALLBACK)
		fprintf(stderr, "%s: saving %s itself (at most %llu pages, filtered) as %s (%s)\n",
			prog, si->from, (unsigned long long)hp->pages_dumped, shown,
			lkcd_conf_format_name(format));
	else
		fprintf(stderr, "%s: saving the dump at 0x%llx (%s, %llu pages) from %s as %s (%s)\n",
			prog, (unsigned long long)addr,
			hp->state == LKCD_STATE_COMPLETE ? "complete" : "incomplete",
			(unsigned long long)hp->pages_dumped, si->from, shown,
			lkcd_conf_format_name(format));
	ret = lkcd_write_dump(fd, format, &in, &wopts, &ws, &err);
	save_pages_done(st->pages, ret == 0);
	if (ret < 0) {
		errmsg("writing %s: %s", writing, err.msg);
		if (net)
			save_net_dump_end(net);	/* closes fd */
		else
			close(fd);
		goto out;
	}
	if (net) {
		if (save_net_dump_end(net) < 0)
			goto out;
	} else {
		ret = finish_fd(fd);
		if (ret < 0) {
			errmsg("%s: %s", writing, strerror(-ret));
			goto out;
		}
	}

	/* analysis.N (and dmesg.N, reported in it) */
	snprintf(name, sizeof(name), "%s", analysis_name);
	fd = create_file(&o, name);
	analysis = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!analysis) {
		errmsg("%s/%s: %s", path, name, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	format_utc((uint64_t)t0, now, sizeof(now));
	if (net)
		fprintf(analysis, "lkcd dump %s, saved %s from %s\n\n", save_net_where(net), now,
			si->from);
	else if (place)
		fprintf(analysis, "lkcd dump %s/%s, saved %s from %s\n\n", place->shown,
			place->name, now, si->from);
	else
		fprintf(analysis, "lkcd dump %lu, saved %s from %s\n\n", n, now, si->from);
	if (hp->flags & LKCD_FLAG_VMCORE_FALLBACK)
		fprintf(analysis, "source:           %s\n", hp->panic_string);
	print_summary(analysis, hp, NULL, addr);
	fprintf(analysis, "\ndump file:        %s, %s format%s, %llu bytes\n", dump_name,
		lkcd_conf_format_name(format), net ? " flattened (makedumpfile -R lays it out)" : "",
		(unsigned long long)ws.file_size);
	fprintf(analysis, "pages written:    %llu (zero %llu, copied %llu, recompressed %llu, unreadable %llu)\n",
		(unsigned long long)ws.pages_written, (unsigned long long)ws.pages_zero,
		(unsigned long long)ws.pages_copied, (unsigned long long)ws.pages_recompressed,
		(unsigned long long)ws.pages_unreadable);
	if (wopts.flags & LKCD_WRITE_DIRECT)
		fprintf(analysis, "written direct:   %llu of %llu bytes (O_DIRECT, around the page cache)\n",
			(unsigned long long)ws.bytes_direct, (unsigned long long)ws.bytes_written);
	if (si->report)
		si->report(si->report_ctx, analysis);
	if (st->filt->active) {
		fprintf(analysis, "filtered on save: exclude 0x%x", st->filt->exclude);
		if (req->have_level)
			fprintf(analysis, " (level %s)", lkcd_level_name(req->level));
		fprintf(analysis, " over the dump's exclude 0x%x: %llu zero pages left out\n",
			hp->exclude, (unsigned long long)st->pages->dropped);
		if (st->filt->not_applied)
			fprintf(analysis, "                  not applied (%s)\n", st->fmsg);
	}
	save_scrub_report(st->scrub, analysis);
	nprobs = si->problems ? si->problems(si->problems_ctx, &probs) : 0;
	save_pages_lost(st->pages, hp, &lost_records, &lost_pages);
	fprintf(analysis, "damaged parts:    %zu", nprobs);
	if (nprobs)
		fprintf(analysis, ": %llu records, %llu pages lost",
			(unsigned long long)lost_records, (unsigned long long)lost_pages);
	fputc('\n', analysis);
	for (size_t i = 0; i < nprobs && i < 100; i++) {
		const struct lkcd_problem *pr = &probs[i];
		char where[64] = "";

		/* block UINT64_MAX: found on DUMPDEV, which has no blocks */
		if (pr->pfn != UINT64_MAX && pr->block_seq != UINT64_MAX)
			snprintf(where, sizeof(where), "pfn 0x%llx (block %llu): ",
				 (unsigned long long)pr->pfn, (unsigned long long)pr->block_seq);
		else if (pr->pfn != UINT64_MAX)
			snprintf(where, sizeof(where), "pfn 0x%llx: ", (unsigned long long)pr->pfn);
		else if (pr->block_seq != UINT64_MAX)
			snprintf(where, sizeof(where), "block %llu: ", (unsigned long long)pr->block_seq);
		fprintf(analysis, "  %s%s\n", where, pr->reason);
	}
	if (nprobs)
		warnmsg("%zu damaged part(s) of the dump skipped: %llu records, %llu pages lost; see %s",
			nprobs, (unsigned long long)lost_records, (unsigned long long)lost_pages,
			name);
	if (warning)
		fprintf(analysis, "source warning:   %s\n", warning);
	write_dmesg(&o, dmesg_name, si, analysis);
	if (fflush(analysis) || fsync(fileno(analysis))) {
		errmsg("%s/analysis.%lu: %s", path, n, strerror(errno));
		goto out;
	}

	if (net) {
		/* beside the dump on the server, then its directory's final name */
		fclose(analysis);
		analysis = NULL;
		if (save_net_put(net, o.tmpfd, analysis_name, analysis_name) < 0)
			goto out;
		if (faccessat(o.tmpfd, dmesg_name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
		    save_net_put(net, o.tmpfd, dmesg_name, dmesg_name) < 0)
			goto out;
		if (save_net_publish(net) < 0)
			goto out;
		fprintf(stderr, "%s: saved %s: %llu pages, %llu bytes, %lld s%s\n", prog,
			save_net_where(net), (unsigned long long)ws.pages_written,
			(unsigned long long)ws.file_size, (long long)(time(NULL) - t0), incomplete);
		printf("%s\n", save_net_where(net));
		rc = EXIT_OK;
		goto out;
	}

	/* publish: the directory under its final name, then bounds */
	if (fsync(o.tmpfd) < 0) {
		errmsg("%s: %s", path, strerror(errno));
		goto out;
	}
	if (place)
		snprintf(final, sizeof(final), "%s", place->name);
	else
		snprintf(final, sizeof(final), "%lu", n);
	/* rename(2) would put an empty directory of that name aside: refuse it */
	if (place && faccessat(o.dirfd, final, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		errmsg("%s/%s exists already: not written over", place->shown, final);
		goto out;
	}
	if (renameat(o.dirfd, o.tmpname, o.dirfd, final) < 0) {
		errmsg("cannot rename %s to %s/%s: %s", place ? writing : path,
		       place ? place->shown : dumpdir, final, strerror(errno));
		goto out;
	}
	close(o.tmpfd);
	o.tmpfd = -1;
	fsync(o.dirfd);
	if (place) {
		fprintf(stderr, "%s: saved %s/%s: %llu pages, %llu bytes, %lld s%s\n", prog,
			place->shown, final, (unsigned long long)ws.pages_written,
			(unsigned long long)ws.file_size, (long long)(time(NULL) - t0), incomplete);
		printf("%s/%s\n", place->shown, final);
		rc = EXIT_OK;
		goto out;
	}
	ret = write_bounds(o.dirfd, n + 1);
	if (ret < 0)
		warnmsg("%s/bounds not updated: %s (the dump is saved)", dumpdir, strerror(-ret));
	fsync(o.dirfd);
	/*
	 * KEEP_DUMPS must never leave a partial dump as the only one: prune
	 * only after a save that is complete and undamaged.
	 */
	if (hp->state == LKCD_STATE_COMPLETE && !nprobs)
		prune(o.dirfd, dumpdir, conf->keep_dumps);
	else if (conf->keep_dumps)
		warnmsg("KEEP_DUMPS=%u: older dumps kept, this one is %s", conf->keep_dumps,
			nprobs ? "damaged" : "incomplete");
	fprintf(stderr, "%s: saved %s/%lu: %llu pages, %llu bytes, %lld s%s\n", prog,
		dumpdir, n, (unsigned long long)ws.pages_written,
		(unsigned long long)ws.file_size, (long long)(time(NULL) - t0), incomplete);
	printf("%s/%lu\n", dumpdir, n);
	if (index)
		*index = n;
	rc = EXIT_OK;
out:
	if (analysis)
		fclose(analysis);
	if (place && rc != EXIT_OK && o.tmpfd >= 0) {
		/* the server may be gone, and each removal wait out the soft timeouts */
		warnmsg("the unfinished dump is left on the server as %s/%s (a temporary name)",
			place->shown, o.tmpname);
		close(o.tmpfd);
		o.tmpfd = -1;
	} else if (rc != EXIT_OK || net) {
		discard_tmp(&o);	/* net: the local staging copy, sent or not */
	}
	if (o.dirfd >= 0)
		close(o.dirfd);
	if (staging[0])
		rmdir(staging);
	free(notes);
	return rc;
}

static void save_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options]\n"
		"\n"
		"Save the dump preserved by the crashed kernel to DUMPDIR/N/.\n"
		"\n"
		"  -a, --address ADDR   header address (default: crashdump= of /proc/cmdline)\n"
		"  -f, --vmcore FILE    crashed kernel's memory (default /proc/vmcore)\n"
		"  -d, --dumpdir DIR    where dumps go (default DUMPDIR, /var/log/dump)\n"
		"  -F, --format FMT     kdump, lkcd or elf (default DUMP_FORMAT, kdump)\n"
		"  -D, --dumpdev DEV    raw dump device (default DUMPDEV): in the capture\n"
		"                       kernel the dump is written there; otherwise the\n"
		"                       dump waiting there is saved to DUMPDIR\n"
		"      --again          save a dump from DUMPDEV even if already saved\n"
		"  -s, --snapshot       save the held live snapshot (SysRq d, lkcd snapshot)\n"
		"                       from /dev/lkcd, then release it; the default when\n"
		"                       one is held and this is not a capture kernel\n"
		"  -k, --keep           with a snapshot: keep it held after saving\n"
		"  -l, --level LEVEL    keep only what level LEVEL keeps (kern, used,\n"
		"                       all_ram or 2, 4, 8); records carry no page class,\n"
		"                       so only zero pages can still be left out\n"
		"  -e, --exclude MASK   the same as a makedumpfile -d mask (bit 0x1: zero\n"
		"                       pages); refused when it keeps classes the dump lacks\n"
		"  -o, --output PATH    write only the dump file, to PATH (- : standard output,\n"
		"                       makedumpfile's flattened format; no DUMPDIR/N,\n"
		"                       dmesg or analysis); an existing PATH needs --force\n"
		"      --force          let --output replace an existing file\n"
		"  -q, --quiet          no progress bar (drawn only when stderr is a terminal)\n"
		"      --scrub RANGES   zero these physical ranges in everything saved:\n"
		"                       START-END (END inclusive) or START+SIZE[K|M|G],\n"
		"                       comma-separated; adds to SCRUB= (repeatable)\n"
		"      --zstd keep|zlib kdump format: keep the dumper's zstd pages (default\n"
		"                       SAVE_ZSTD, keep; crash, drgn, libkdumpfile) or\n"
		"                       re-encode them to zlib (makedumpfile without zstd)\n"
		"      --no-fallback    without a usable lkcd dump, fail (exit 2) instead of\n"
		"                       saving /proc/vmcore itself, filtered (SAVE_FALLBACK=0)\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -h, --help           show this help\n"
		"\n"
		"With -d (and no -D) a capture kernel saves straight to the directory.\n"
		"\n"
		"Without a usable lkcd dump (no crashdump=, no header, a damaged, empty or\n"
		"unfinished one, one that stopped before its first page) a capture kernel\n"
		"saves /proc/vmcore itself, filtered by page class with DUMP_LEVEL/\n"
		"DUMP_EXCLUDE (or --level/--exclude), labelled\n"
		"\"/proc/vmcore fallback\" in analysis.N and the dump's header; it warns why.\n"
		"\n"
		"Exit: 0 saved (the fallback too), 1 usage or config error, 2 no dump or a\n"
		"bad header (and no fallback), 3 the dump could not be written (nothing is\n"
		"left behind), 5 nothing to save (not a capture kernel, no DUMPDEV, no\n"
		"snapshot held).\n",
		prog, cmd, LKCD_CONF_PATH);
}

int cmd_save(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "vmcore", required_argument, NULL, 'f' },
		{ "dumpdir", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'c' },
		{ "dumpdev", required_argument, NULL, 'D' },
		{ "again", no_argument, NULL, 'A' },
		{ "snapshot", no_argument, NULL, 's' },
		{ "keep", no_argument, NULL, 'k' },
		{ "level", required_argument, NULL, 'l' },
		{ "exclude", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'O' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "scrub", required_argument, NULL, 'S' },
		{ "zstd", required_argument, NULL, 'Z' },
		{ "no-fallback", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dumpdir = NULL, *dumpdev = NULL, *format = NULL, *zstd = NULL;
	char cmdline[4096], val[64];
	bool snapshot = false;
	struct save_request req = { 0 };
	enum lkcd_out_format fmt;
	struct lkcd_conf conf;
	bool keep_zstd;
	int c, rc;

	while ((c = getopt_long(argc, argv, "a:f:d:F:c:D:skl:e:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			snapshot = true;
			break;
		case 'k':
			req.keep = true;
			break;
		case 'l':
			if (lkcd_conf_parse_level(optarg, &req.level) < 0) {
				errmsg("--level %s: expected none, header, kern, used, all_ram or 0, 1, 2, 4, 8",
				       optarg);
				return EXIT_FAIL;
			}
			req.have_level = true;
			break;
		case 'e': {
			uint64_t v;

			if (parse_u64(optarg, &v) < 0 || v > LKCD_EXCLUDE_MASK) {
				errmsg("--exclude %s: expected a makedumpfile -d mask, 0 to 0x%x",
				       optarg, LKCD_EXCLUDE_MASK);
				return EXIT_FAIL;
			}
			req.exclude = (uint32_t)v;
			req.have_exclude = true;
			break;
		}
		case 'o':
			req.output = optarg;
			break;
		case 'O':
			req.force = true;
			break;
		case 'q':
			req.quiet = true;
			break;
		case 'S':
			if (save_scrub_option(&req, optarg) < 0)
				return EXIT_FAIL;
			break;
		case 'Z':
			if (lkcd_conf_parse_save_zstd(optarg, &keep_zstd) < 0) {
				errmsg("--zstd %s: expected keep or zlib", optarg);
				return EXIT_FAIL;
			}
			zstd = optarg;
			break;
		case 'N':
			req.no_fallback = true;
			break;
		case 'D':
			dumpdev = optarg;
			break;
		case 'A':
			req.again = true;
			break;
		case 'a':
			req.address = optarg;
			break;
		case 'f':
			req.vmcore = optarg;
			break;
		case 'd':
			dumpdir = optarg;
			break;
		case 'F':
			if (lkcd_conf_parse_format(optarg, &fmt) < 0) {
				errmsg("--format %s: expected kdump, lkcd or elf", optarg);
				return EXIT_FAIL;
			}
			format = optarg;
			break;
		default:
			if ((rc = cmd_option(c, save_usage, argv[0])) >= 0)
				return rc;
		}
	}
	if (cmd_operands(argc, argv, 0) != EXIT_OK)
		return EXIT_FAIL;
	if (req.have_level && req.have_exclude) {
		errmsg("save: give --level or --exclude, not both");
		return EXIT_FAIL;
	}
	if (req.force && !req.output) {
		errmsg("save: --force only goes with --output");
		return EXIT_FAIL;
	}
	if (req.output && !req.output[0]) {
		errmsg("--output: empty path");
		return EXIT_FAIL;
	}
	if (load_config(&conf) < 0)
		return EXIT_FAIL;
	/* the command line laid over the configuration (checked above) */
	if (format)
		lkcd_conf_parse_format(format, &conf.dump_format);
	if (zstd)
		lkcd_conf_parse_save_zstd(zstd, &conf.save_keep_zstd);
	if (dumpdir) {
		if (dumpdir[0] == '\0' || strlen(dumpdir) >= sizeof(conf.dumpdir)) {
			errmsg("--dumpdir '%s': empty or too long", dumpdir);
			return EXIT_FAIL;
		}
		snprintf(conf.dumpdir, sizeof(conf.dumpdir), "%s", dumpdir);
	}
	if (dumpdev) {
		if (dumpdev[0] != '/' || strlen(dumpdev) >= sizeof(conf.dumpdev)) {
			errmsg("--dumpdev '%s': not an absolute path", dumpdev);
			return EXIT_FAIL;
		}
		snprintf(conf.dumpdev, sizeof(conf.dumpdev), "%s", dumpdev);
	}
	/* a place named on the command line is where it goes: not DUMP_SSH or DUMP_NFS */
	if (dumpdir || dumpdev)
		conf.ssh[0] = conf.nfs[0] = '\0';
	save_request_init(&req, &conf);
	/*
	 * The source, chosen here alone.  A live snapshot (SysRq d, lkcd
	 * snapshot): asked for, or held while this is no capture kernel and
	 * no other source was named.
	 */
	if (snapshot || (!req.address && !req.vmcore && !dumpdev &&
			 (read_text(sys_path("/proc/cmdline"), cmdline, sizeof(cmdline)) < 0 ||
			  cmdline_get(cmdline, "crashdump", val, sizeof(val)) < 0) &&
			 snapshot_held()))
		return save_from(&save_source_snapshot, &req);
	/* not a capture kernel: the dump waiting on DUMPDEV, if any */
	if (!req.address && conf.dumpdev[0] &&
	    (read_text(sys_path("/proc/cmdline"), cmdline, sizeof(cmdline)) < 0 ||
	     cmdline_get(cmdline, "crashdump", val, sizeof(val)) < 0))
		return save_from(&save_source_dumpdev, &req);
	/*
	 * A normal boot with nothing waiting: said plainly, on stdout, with
	 * its own exit code, so a boot-time unit tells it from a failure.
	 */
	if (!req.address && !req.vmcore && !conf.dumpdev[0] &&
	    (read_text(sys_path("/proc/cmdline"), cmdline, sizeof(cmdline)) < 0 ||
	     cmdline_get(cmdline, "crashdump", val, sizeof(val)) < 0) &&
	    access(sys_path("/proc/vmcore"), F_OK) < 0) {
		printf("nothing to save: this is not a capture kernel (no crashdump= on the command "
		       "line, no /proc/vmcore), no DUMPDEV is set and no live snapshot is held\n");
		return EXIT_NOTHING;
	}
	/* -d alone in a capture kernel: straight to that directory */
	if (dumpdir && !dumpdev)
		conf.dumpdev[0] = '\0';
	return save_from(&save_source_vmcore, &req);
}
