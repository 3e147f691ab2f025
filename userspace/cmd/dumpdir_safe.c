// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Is DUMPDIR ours alone?  lkcd save numbers dumps after the highest N it
 * finds there and KEEP_DUMPS removes the lowest: whoever can create or
 * rename entries in DUMPDIR can plant "999999999" and have every real dump
 * pruned, or swap a dump for another.  So before anything is written,
 * DUMPDIR must be owned by root (or the user running lkcd, for a save by
 * hand into a directory of one's own) and writable by no group or other,
 * and so must every directory above it, since a writable parent can rename
 * DUMPDIR away and put another in its place.  A parent with the sticky bit
 * (/tmp, /var/tmp) is fine: there only an entry's owner may rename it.
 * Symbolic links on the way are followed and their owners checked too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lkcd.h"

/* Why st (of path) is not safe for what it is, or NULL. */
static const char *unsafe_why(const struct stat *st, bool is_dumpdir)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "owned by another user";
	if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
		return NULL;
	if (!is_dumpdir && (st->st_mode & S_ISVTX))
		return NULL;	/* sticky: others cannot rename what we own */
	return st->st_mode & S_IWOTH ? "writable by others" : "writable by its group";
}

static int refuse(const char *dumpdir, const char *what, const struct stat *st,
		  const char *why)
{
	errmsg("DUMPDIR %s: %s is %s (owner uid %u, mode %04o): anyone who can write there "
	       "can plant dumps that KEEP_DUMPS prunes real ones for; refusing to save "
	       "(chown root and chmod go-w it, or choose another DUMPDIR)",
	       dumpdir, what, why, (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
	return -EPERM;
}

/* Every symbolic link on the way to path (as given) must be root's or ours. */
static int check_links(const char *dumpdir)
{
	char path[PATH_MAX];
	struct stat st;
	size_t len = strlen(dumpdir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dumpdir, len + 1);
	for (char *p = path + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
			    st.st_uid != 0 && st.st_uid != geteuid())
				return refuse(dumpdir, path, &st, "a symbolic link owned by another user");
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int dumpdir_check_safe(int dirfd, const char *dumpdir)
{
	char real[PATH_MAX];
	struct stat st, here;
	int ret;

	if (fstat(dirfd, &st) < 0) {
		errmsg("DUMPDIR %s: %s", dumpdir, strerror(errno));
		return -errno;
	}
	if (unsafe_why(&st, true))
		return refuse(dumpdir, "it", &st, unsafe_why(&st, true));
	ret = check_links(dumpdir);
	if (ret < 0)
		return ret;
	if (!realpath(dumpdir, real)) {
		errmsg("DUMPDIR %s: cannot resolve it: %s", dumpdir, strerror(errno));
		return -errno;
	}
	/* the path must still name the directory opened, then its parents, up to / */
	if (stat(real, &here) < 0 || here.st_dev != st.st_dev || here.st_ino != st.st_ino) {
		errmsg("DUMPDIR %s: replaced while it was being opened; refusing to save", dumpdir);
		return -EAGAIN;
	}
	for (char *slash = strrchr(real, '/'); slash; slash = strrchr(real, '/')) {
		const char *why;

		if (slash == real) {
			if (!real[1])
				break;
			real[1] = '\0';		/* the root directory, last */
		} else {
			*slash = '\0';
		}
		if (stat(real, &st) < 0) {
			errmsg("DUMPDIR %s: %s: %s", dumpdir, real, strerror(errno));
			return -errno;
		}
		why = unsafe_why(&st, false);
		if (why) {
			char what[PATH_MAX + 16];

			snprintf(what, sizeof(what), "its parent %s", real);
			return refuse(dumpdir, what, &st, why);
		}
	}
	return 0;
}
