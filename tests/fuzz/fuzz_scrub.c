// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the --scrub / SCRUB= range parser and the byte scrubber.
 * Input: the range text.
 *
 * Promises checked: on success the ranges are sorted, merged (no two touch
 * or overlap) and non-empty; lkcd_scrub_bytes zeroes exactly the bytes of a
 * buffer inside them and counts them; on failure nothing is returned and
 * the message says what was wrong.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "liblkcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lkcd_scrub_range *r;
	struct lkcd_error err = { 0 };
	uint8_t buf[3 * 4096];
	uint64_t base, zeroed, want = 0;
	char *text;
	size_t n;
	int rc;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = lkcd_scrub_parse(text, &r, &n, &err);
	free(text);
	if (rc < 0) {
		FUZZ_ASSERT(rc == -EINVAL || rc == -ERANGE || rc == -ENOMEM);
		FUZZ_ASSERT(!r && !n && err.msg[0]);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(r[i].start < r[i].end);
		FUZZ_ASSERT(i == 0 || r[i - 1].end < r[i].start);
	}
	/* a window around the first range's start (or 0): compare with a slow model */
	base = n ? (r[0].start > 4096 ? r[0].start - 4096 : 0) : 0;
	memset(buf, 0xa5, sizeof(buf));
	zeroed = lkcd_scrub_bytes(r, n, base, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++) {
		uint64_t a = base + i;
		bool in = false;

		if (a < base)
			break;		/* the window wrapped past 2^64 */
		for (size_t j = 0; j < n && !in; j++)
			in = a >= r[j].start && a < r[j].end;
		FUZZ_ASSERT(buf[i] == (in ? 0 : 0xa5));
		want += in;
	}
	if (base <= UINT64_MAX - sizeof(buf))
		FUZZ_ASSERT(zeroed == want);
	free(r);
	return 0;
}
