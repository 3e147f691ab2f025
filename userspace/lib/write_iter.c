// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The writers' page iterator over an open preserved dump.  A file of its
 * own so that a program linking the writers without the reader (the unit
 * tests' synthetic streams) does not pull the reader in.
 */
#include "liblkcd.h"

static int dump_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	return lkcd_dump_next(ctx, pg, err);
}

static int dump_rewind(void *ctx, struct lkcd_error *err)
{
	return lkcd_dump_rewind(ctx, err);
}

void lkcd_dump_page_iter(struct lkcd_dump *dump, struct lkcd_page_iter *it)
{
	it->ctx = dump;
	it->next = dump_next;
	it->rewind = dump_rewind;
}
