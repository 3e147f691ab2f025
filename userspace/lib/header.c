// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The preserved-dump header page: decode and validate (readers), encode
 * (tests and tools; the dumper seals the same bytes in the kernel).
 *
 * Checks, in the order that gives the most useful message: size of the
 * buffer, magic (is there a header at all?), version, header_size, crc (is
 * it finished and undamaged?), then the fields: state, page size, range
 * table, strings.  The decoded strings are made safe to print.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"

#define CRC_OFF		offsetof(struct lkcd_dump_header, crc)

uint32_t lkcd_header_crc(const void *page)
{
	static const uint8_t zero[4];
	const uint8_t *p = page;
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, p, CRC_OFF);
	crc = crc32(crc, zero, sizeof(zero));
	crc = crc32(crc, p + CRC_OFF + 4, LKCD_HEADER_AREA_SIZE - CRC_OFF - 4);
	return (uint32_t)crc;
}

/* Convert every numeric field between little-endian and host order. */
#define CONV_FIELDS(h, f16, f32, f64) do {			\
	(h)->magic = f64((h)->magic);				\
	(h)->version = f32((h)->version);			\
	(h)->header_size = f32((h)->header_size);		\
	(h)->crc = f32((h)->crc);				\
	(h)->state = f32((h)->state);				\
	(h)->incomplete_reason = f32((h)->incomplete_reason);	\
	(h)->page_size = f32((h)->page_size);			\
	(h)->level = f32((h)->level);				\
	(h)->exclude = f32((h)->exclude);			\
	(h)->compress = f32((h)->compress);			\
	(h)->flags = f32((h)->flags);				\
	(h)->panic_time_sec = f64((h)->panic_time_sec);		\
	(h)->panic_time_nsec = f32((h)->panic_time_nsec);	\
	(h)->crashing_cpu = f32((h)->crashing_cpu);		\
	(h)->nr_cpus = f32((h)->nr_cpus);			\
	(h)->nr_ranges = f32((h)->nr_ranges);			\
	(h)->memory_size = f64((h)->memory_size);		\
	(h)->max_pfn = f64((h)->max_pfn);			\
	(h)->vmcoreinfo_paddr = f64((h)->vmcoreinfo_paddr);	\
	(h)->vmcoreinfo_size = f32((h)->vmcoreinfo_size);	\
	(h)->pages_lkcd = f32((h)->pages_lkcd);			\
	(h)->dump_start_ns = f64((h)->dump_start_ns);		\
	(h)->dump_end_ns = f64((h)->dump_end_ns);		\
	(h)->first_block_paddr = f64((h)->first_block_paddr);	\
	(h)->nr_blocks = f64((h)->nr_blocks);			\
	(h)->nr_records = f64((h)->nr_records);			\
	(h)->pages_dumped = f64((h)->pages_dumped);		\
	(h)->pages_zero = f64((h)->pages_zero);			\
	(h)->pages_excluded = f64((h)->pages_excluded);		\
	(h)->pages_unreadable = f64((h)->pages_unreadable);	\
	(h)->stored_bytes = f64((h)->stored_bytes);		\
	(h)->next_pfn = f64((h)->next_pfn);			\
	(h)->current_task = f64((h)->current_task);		\
} while (0)

void lkcd_header_encode(const struct lkcd_dump_header *h,
			const struct lkcd_mem_range *ranges, uint32_t nr_ranges,
			void *page)
{
	struct lkcd_dump_header le = *h;
	uint8_t *p = page;
	uint32_t i, crc;

	memset(page, 0, LKCD_HEADER_AREA_SIZE);
	if (nr_ranges > LKCD_MAX_RANGES)
		nr_ranges = LKCD_MAX_RANGES;
	le.header_size = sizeof(le);
	le.nr_ranges = nr_ranges;
	le.crc = 0;
	CONV_FIELDS(&le, htole16, htole32, htole64);
	memcpy(p, &le, sizeof(le));
	for (i = 0; i < nr_ranges; i++) {
		struct lkcd_mem_range r = {
			.start = htole64(ranges[i].start),
			.size = htole64(ranges[i].size),
		};
		memcpy(p + sizeof(le) + i * sizeof(r), &r, sizeof(r));
	}
	crc = htole32(lkcd_header_crc(page));
	memcpy(p + CRC_OFF, &crc, sizeof(crc));
}

/*
 * A string field must end inside its array; what is before the NUL is made
 * printable (control and non-ASCII bytes become '?', a trailing newline
 * goes).  0, or -1 when there is no NUL.
 */
static int sanitize(char *s, size_t size)
{
	size_t len = strnlen(s, size);

	if (len == size)
		return -1;
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			s[i] = '?';
	}
	/* the tail after the NUL is not ours to print: clear it */
	memset(s + len, 0, size - len);
	return 0;
}

static const struct {
	size_t off, size;
	const char *name;
} string_fields[] = {
	{ offsetof(struct lkcd_dump_header, uts.sysname), LKCD_UTS_LEN, "uts.sysname" },
	{ offsetof(struct lkcd_dump_header, uts.nodename), LKCD_UTS_LEN, "uts.nodename" },
	{ offsetof(struct lkcd_dump_header, uts.release), LKCD_UTS_LEN, "uts.release" },
	{ offsetof(struct lkcd_dump_header, uts.version), LKCD_UTS_LEN, "uts.version" },
	{ offsetof(struct lkcd_dump_header, uts.machine), LKCD_UTS_LEN, "uts.machine" },
	{ offsetof(struct lkcd_dump_header, uts.domainname), LKCD_UTS_LEN, "uts.domainname" },
	{ offsetof(struct lkcd_dump_header, panic_string), LKCD_PANIC_LEN, "panic_string" },
};

int lkcd_header_decode(const void *page, size_t len,
		       struct lkcd_dump_header *out,
		       struct lkcd_mem_range *ranges, size_t max_ranges,
		       struct lkcd_error *err)
{
	const uint8_t *p = page;
	struct lkcd_dump_header h;
	uint64_t prev_end = 0;
	uint32_t crc, i;

	if (len < LKCD_HEADER_AREA_SIZE)
		return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
				      "dump header truncated: %zu bytes, the header page is %u",
				      len, LKCD_HEADER_AREA_SIZE);
	memcpy(&h, p, sizeof(h));
	CONV_FIELDS(&h, le16toh, le32toh, le64toh);

	if (h.magic != LKCD_DUMP_MAGIC && h.magic != LKCD_DUMP_MAGIC_LIVE)
		return lkcd_error_set(err, LKCD_EHDR_MAGIC,
				      "bad magic 0x%016llx (expected 0x%016llx)",
				      (unsigned long long)h.magic,
				      (unsigned long long)LKCD_DUMP_MAGIC);
	if (h.version != LKCD_FORMAT_VERSION)
		return lkcd_error_set(err, LKCD_EHDR_VERSION,
				      "dump format version %u is not supported (this reader knows %u)",
				      h.version, LKCD_FORMAT_VERSION);
	if (h.header_size < sizeof(h) || h.header_size > LKCD_HEADER_AREA_SIZE ||
	    h.header_size % 8)
		return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
				      "bad header_size %u (at least %zu, at most %u, a multiple of 8)",
				      h.header_size, sizeof(h), LKCD_HEADER_AREA_SIZE);
	crc = lkcd_header_crc(page);
	if (h.crc != crc)
		return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
				      "header checksum mismatch: stored 0x%08x, computed 0x%08x (header damaged or never sealed)",
				      h.crc, crc);
	if (h.state > LKCD_STATE_INCOMPLETE)
		return lkcd_error_set(err, LKCD_EHDR_CORRUPT, "unknown dump state %u", h.state);
	if (h.incomplete_reason > LKCD_INCOMPLETE_LOCKDOWN)
		return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
				      "unknown incomplete_reason %u", h.incomplete_reason);
	if (h.page_size != LKCD_PAGE_SIZE)
		return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
				      "page_size %u is not supported (only %u)",
				      h.page_size, LKCD_PAGE_SIZE);
	if (h.nr_ranges > LKCD_MAX_RANGES ||
	    h.nr_ranges > (LKCD_HEADER_AREA_SIZE - h.header_size) / sizeof(struct lkcd_mem_range))
		return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
				      "nr_ranges %u does not fit in the header page (at most %zu)",
				      h.nr_ranges,
				      (size_t)((LKCD_HEADER_AREA_SIZE - h.header_size) /
					       sizeof(struct lkcd_mem_range)));
	for (i = 0; i < h.nr_ranges; i++) {
		struct lkcd_mem_range r;

		memcpy(&r, p + h.header_size + (size_t)i * sizeof(r), sizeof(r));
		r.start = le64toh(r.start);
		r.size = le64toh(r.size);
		if (r.size == 0 || r.start + r.size < r.start)
			return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
					      "range %u [0x%llx, +0x%llx) is empty or wraps around",
					      i, (unsigned long long)r.start,
					      (unsigned long long)r.size);
		if (i && r.start < prev_end)
			return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
					      "range %u at 0x%llx is unsorted or overlaps the one before (ends 0x%llx)",
					      i, (unsigned long long)r.start,
					      (unsigned long long)prev_end);
		prev_end = r.start + r.size;
		if (ranges && i < max_ranges)
			ranges[i] = r;
	}
	for (i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++)
		if (sanitize((char *)&h + string_fields[i].off, string_fields[i].size))
			return lkcd_error_set(err, LKCD_EHDR_CORRUPT,
					      "%s is not NUL-terminated", string_fields[i].name);
	if (out)
		*out = h;
	return 0;
}
