// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd save --output PATH: the dump file alone, at PATH, instead of
 * DUMPDIR/N/.  Only PATH is written (no dmesg.N, no analysis.N, DUMPDIR and
 * its bounds untouched): whoever names the file decides where it lives,
 * and a lone file is what is wanted to hand a dump to someone.
 *
 * As in DUMPDIR: written under a temporary name in PATH's directory
 * (.NAME.tmp-XXXXXX, 0600), fsynced, then renamed to PATH, so PATH is never
 * a half-written dump.  An existing PATH is refused unless --force, and
 * without --force the rename cannot replace a file that appeared meanwhile
 * (RENAME_NOREPLACE, or link + unlink where the filesystem lacks it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "save.h"

/*
 * renameat2's flag, from <linux/fs.h>; called through syscall() because
 * _GNU_SOURCE (glibc's wrapper) pulls in <linux/types.h>, whose __u64
 * clashes with format.h's.
 */
#define SAVE_RENAME_NOREPLACE	1

/* PATH -> its directory and last component; 0 or -ENAMETOOLONG/-EINVAL. */
static int split_path(const char *path, char *dir, size_t dlen, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(dir, dlen, ".");
		*base = path;
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= dlen)
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
		*base = slash + 1;
	}
	if (!**base || !strcmp(*base, ".") || !strcmp(*base, ".."))
		return -EINVAL;
	return 0;
}

/* Move tmp to path: replacing it only with force. 0 or -errno. */
static int publish(const char *tmp, const char *path, bool force)
{
	if (force)
		return rename(tmp, path) < 0 ? -errno : 0;
	if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, path, SAVE_RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* no RENAME_NOREPLACE here: link refuses an existing name too */
	if (link(tmp, path) < 0)
		return -errno;
	unlink(tmp);
	return 0;
}

void save_write_opts(const struct save_input *si, struct lkcd_write_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (si->hdr->magic == LKCD_DUMP_MAGIC_LIVE)
		o->flags |= LKCD_WRITE_LIVE_MAGIC;
	/* ELF output's p_vaddr: what /proc/vmcore says the direct map is */
	if (si->src)
		o->direct_map_base = lkcd_source_direct_map_base(si->src);
}

/*
 * The dump onto fd (shown as `shown` in messages), with the writer options
 * of si plus wflags.  0, or -1 after saying why.
 */
static int write_dump_to(int fd, const char *shown, const struct save_request *req,
			 const struct save_input *si, const struct lkcd_dump_header *h,
			 uint32_t wflags, struct lkcd_write_stats *ws, struct save_pages *sp)
{
	struct lkcd_error err = { 0 };
	struct lkcd_write_input in;
	struct lkcd_write_opts wopts;
	void *notes;
	int ret;

	notes = build_notes(si->notes, si->notes_len, si->header_page, si->header_paddr,
			    &in.notes_len);
	if (!notes) {
		errmsg("out of memory");
		return -1;
	}
	in.hdr = h;
	in.nr_ranges = si->nr_ranges;
	in.ranges = si->ranges;
	in.notes = notes;
	save_write_opts(si, &wopts);
	wopts.flags |= req->write_flags | wflags;
	memset(ws, 0, sizeof(*ws));
	fprintf(stderr, "%s: saving the dump at 0x%llx (%llu pages) from %s as %s (%s%s)\n", prog,
		(unsigned long long)si->header_paddr, (unsigned long long)si->hdr->pages_dumped,
		si->from, shown, lkcd_conf_format_name(req->format),
		wopts.flags & LKCD_WRITE_FLATTENED ? ", flattened" : "");
	in.pages = si->pages;	/* already through the zero-page and progress stage (sp) */
	ret = lkcd_write_dump(fd, req->format, &in, &wopts, ws, &err);
	save_pages_done(sp, ret == 0);
	free(notes);
	if (ret < 0) {
		errmsg("writing %s: %s", shown, err.msg);
		return -1;
	}
	return 0;
}

static void report_saved(const char *shown, const struct save_input *si,
			 const struct save_filter *filt, const struct lkcd_write_stats *ws,
			 const struct save_pages *sp)
{
	if (filt->active)
		fprintf(stderr, "%s: filtered on save: exclude 0x%x, %llu zero pages left out\n",
			prog, filt->exclude, (unsigned long long)sp->dropped);
	char incomplete[96];

	save_incomplete_note(si->hdr, incomplete, sizeof(incomplete));
	fprintf(stderr, "%s: saved %s: %llu pages, %llu bytes%s\n", prog, shown,
		(unsigned long long)ws->pages_written, (unsigned long long)ws->file_size, incomplete);
}

/*
 * --output -: the dump in makedumpfile's flattened format on standard
 * output, for a pipe (ssh HOST makedumpfile -R FILE).  Nothing to rename:
 * the receiver decides what a whole file is (makedumpfile -R fails on a
 * stream without its end marker).
 */
static int write_stdout(const struct save_request *req, const struct save_input *si,
			const struct lkcd_dump_header *h, const struct save_filter *filt,
			struct save_pages *sp)
{
	struct lkcd_write_stats ws;

	if (isatty(STDOUT_FILENO)) {
		errmsg("--output -: standard output is a terminal; pipe it somewhere "
		       "(e.g. | ssh HOST makedumpfile -R FILE)");
		return EXIT_FAIL;
	}
	if (write_dump_to(STDOUT_FILENO, "standard output", req, si, h, LKCD_WRITE_FLATTENED,
			  &ws, sp) < 0)
		return EXIT_WRITE;
	report_saved("standard output", si, filt, &ws, sp);
	return EXIT_OK;
}

int save_write_output(const struct save_request *req, const struct save_input *si,
		      const struct lkcd_dump_header *h, const struct save_filter *filt,
		      struct save_pages *sp)
{
	const char *path = req->output, *base;
	struct lkcd_write_stats ws;
	char dir[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	int fd = -1, ret, dfd, rc = EXIT_WRITE;

	if (!strcmp(path, "-"))
		return write_stdout(req, si, h, filt, sp);
	ret = split_path(path, dir, sizeof(dir), &base);
	if (ret < 0) {
		errmsg("--output '%s': not a file name", path);
		return EXIT_FAIL;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			errmsg("--output %s exists and is not a regular file", path);
			return EXIT_WRITE;
		}
		if (!req->force) {
			errmsg("--output %s exists; give --force to replace it", path);
			return EXIT_WRITE;
		}
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp-XXXXXX", dir, base) >= sizeof(tmp)) {
		errmsg("--output '%s': name too long", path);
		return EXIT_FAIL;
	}
	umask(077);
	fd = mkstemp(tmp);	/* 0600 */
	if (fd < 0) {
		errmsg("cannot create a temporary file in %s: %s", dir, strerror(errno));
		return EXIT_WRITE;
	}
	if (write_dump_to(fd, path, req, si, h, 0, &ws, sp) < 0)
		goto out;
	ret = fsync(fd) < 0 ? -errno : 0;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	fd = -1;
	if (ret < 0) {
		errmsg("%s: %s", tmp, strerror(-ret));
		goto out;
	}
	ret = publish(tmp, path, req->force);
	if (ret < 0) {
		errmsg("cannot rename %s to %s: %s%s", tmp, path, strerror(-ret),
		       ret == -EEXIST ? " (give --force to replace it)" : "");
		goto out;
	}
	tmp[0] = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	report_saved(path, si, filt, &ws, sp);
	printf("%s\n", path);
	rc = EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	return rc;
}
