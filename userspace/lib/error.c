// SPDX-License-Identifier: LGPL-2.1-or-later
/* Error reporting: a negative errno plus a message naming thing and reason. */
#include <stdarg.h>
#include <stdio.h>

#include "liblkcd.h"

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
