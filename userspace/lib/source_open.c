// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The source factory: which kind of source opens a file.  The kinds are a
 * table (each one's ops at the end of its own file: source_elf.c,
 * source_raw.c); LKCD_SOURCE_AUTO asks each probe in turn about the file's
 * first bytes and falls back on the kind without a probe (raw).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const struct lkcd_source_kind_ops *const kinds[] = {
	&lkcd_source_elf_ops,
	&lkcd_source_raw_ops,	/* last: it claims any file */
};

#define NR_KINDS	(sizeof(kinds) / sizeof(kinds[0]))

static const struct lkcd_source_kind_ops *kind_by_magic(int fd)
{
	unsigned char magic[4];
	size_t len = lkcd_pread_full(fd, magic, sizeof(magic), 0) == 0 ? sizeof(magic) : 0;

	for (size_t i = 0; i < NR_KINDS; i++)
		if (!kinds[i]->probe || kinds[i]->probe(magic, len))
			return kinds[i];
	return NULL;
}

static const struct lkcd_source_kind_ops *kind_by_name(enum lkcd_source_kind kind)
{
	for (size_t i = 0; i < NR_KINDS; i++)
		if (kinds[i]->kind == kind)
			return kinds[i];
	return NULL;
}

int lkcd_source_open(const char *path, enum lkcd_source_kind kind,
		     struct lkcd_source **out, struct lkcd_error *err)
{
	const struct lkcd_source_kind_ops *ops;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lkcd_error_set(err, -errno, "%s: %s", path, strerror(errno));
	ops = kind == LKCD_SOURCE_AUTO ? kind_by_magic(fd) : kind_by_name(kind);
	if (!ops)
		ret = lkcd_error_set(err, -EINVAL, "%s: unknown source kind %d",
				     path, (int)kind);
	else
		ret = ops->open(fd, path, out, err);
	if (ret < 0)
		close(fd);
	return ret;
}
