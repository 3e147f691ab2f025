// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Error reporting: a negative errno plus a message naming thing and reason;
 * and the problem lists (damaged parts reported and skipped).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

int lkcd_error_set(struct lkcd_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void lkcd_problem_vset(struct lkcd_problem *p, uint64_t pfn, uint64_t block_seq,
		       uint64_t id, uint64_t seq, const char *fmt, va_list ap)
{
	p->pfn = pfn;
	p->block_seq = block_seq;
	p->id = id;
	p->seq = seq;
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
}

struct lkcd_problem *lkcd_problem_push(struct lkcd_problem_list *l)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct lkcd_problem *n = realloc(l->v, cap * sizeof(*n));

		if (!n)
			return NULL;
		l->v = n;
		l->cap = cap;
	}
	return &l->v[l->nr++];
}
