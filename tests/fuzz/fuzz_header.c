// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: lkcd_header_decode.  Input: a mode byte (FUZZ_FIX_HEADER:
 * recompute the page crc first, so mutations reach the field checks), then
 * the header page (any length: shorter than a page must be refused).
 *
 * Promises checked on success: the range table sorted, non-overlapping and
 * within LKCD_MAX_RANGES; every string NUL-terminated and printable.
 */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

static void printable(const char *s, size_t size)
{
	size_t len = strnlen(s, size);

	FUZZ_ASSERT(len < size);
	for (size_t i = 0; i < len; i++)
		FUZZ_ASSERT((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t page[2 * LKCD_PAGE_SIZE];
	static struct lkcd_mem_range ranges[LKCD_MAX_RANGES + 1];
	struct lkcd_dump_header h;
	struct lkcd_error err = { 0 };
	size_t len;
	int rc;

	if (size < 1 || size - 1 > sizeof(page))
		return -1;
	len = size - 1;
	memcpy(page, data + 1, len);
	if ((data[0] & FUZZ_FIX_HEADER) && len >= LKCD_PAGE_SIZE) {
		uint32_t crc = lkcd_header_crc(page);

		memcpy(page + offsetof(struct lkcd_dump_header, crc), &crc, 4);
	}
	/* A canary past max_ranges: the decoder must not write it. */
	ranges[LKCD_MAX_RANGES].start = 0x5a5a5a5a;
	rc = lkcd_header_decode(page, len, &h, ranges, LKCD_MAX_RANGES, &err);
	FUZZ_ASSERT(ranges[LKCD_MAX_RANGES].start == 0x5a5a5a5a);
	if (rc < 0) {
		FUZZ_ASSERT(err.code == rc && memchr(err.msg, 0, sizeof(err.msg)) && err.msg[0]);
		return 0;
	}
	FUZZ_ASSERT(len >= LKCD_PAGE_SIZE);
	FUZZ_ASSERT(h.nr_ranges <= LKCD_MAX_RANGES);
	for (uint32_t i = 1; i < h.nr_ranges; i++)
		FUZZ_ASSERT(ranges[i].start >= ranges[i - 1].start + ranges[i - 1].size);
	printable(h.uts.sysname, LKCD_UTS_LEN);
	printable(h.uts.nodename, LKCD_UTS_LEN);
	printable(h.uts.release, LKCD_UTS_LEN);
	printable(h.uts.version, LKCD_UTS_LEN);
	printable(h.uts.machine, LKCD_UTS_LEN);
	printable(h.uts.domainname, LKCD_UTS_LEN);
	printable(h.panic_string, LKCD_PANIC_LEN);
	/* A smaller table than the header's: decode must still succeed, bounded. */
	if (h.nr_ranges > 1) {
		ranges[1].start = 0x5a5a5a5a;
		FUZZ_ASSERT(lkcd_header_decode(page, len, &h, ranges, 1, &err) == 0);
		FUZZ_ASSERT(ranges[1].start == 0x5a5a5a5a);
	}
	return 0;
}
