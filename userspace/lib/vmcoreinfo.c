// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VMCOREINFO note lookup and KEY=value parsing.
 *
 * The text comes from the crashed kernel's memory or from a dump file, so
 * nothing in it is trusted: note sizes are checked by subtraction, the text
 * is copied and NUL-terminated before any string function touches it, and
 * every number is parsed with an end-pointer and overflow check.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmcoreinfo.h"

struct vmcoreinfo_entry {
	const char *key;	/* into vi->text */
	const char *value;	/* into vi->text */
};

struct lkcd_vmcoreinfo {
	char *text;		/* our copy, '\n' replaced by NUL after parsing */
	char *orig;		/* our copy as given, NUL-terminated */
	size_t orig_len;
	struct vmcoreinfo_entry *entries;
	size_t nr_entries;
	struct vmcoreinfo_entry **by_key;	/* entries sorted by key, then line */
	size_t bad_lines;
	size_t duplicates;
};

/* Elf64_Nhdr without pulling <elf.h> into the interface. */
struct note_header {
	uint32_t namesz;
	uint32_t descsz;
	uint32_t type;
};

static size_t align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

int lkcd_vmcoreinfo_find_note(const void *notes, size_t len,
			      const void **desc, size_t *desc_len,
			      struct lkcd_error *err)
{
	const unsigned char *p = notes;
	size_t off = 0;
	const size_t name_len = sizeof(LKCD_VMCOREINFO_NOTE_NAME); /* with NUL */

	if (!notes && len)
		return lkcd_error_set(err, -EINVAL, "VMCOREINFO: no notes buffer");

	while (len - off >= sizeof(struct note_header)) {
		struct note_header nh;
		size_t name_off, desc_off, name_span, desc_span;

		memcpy(&nh, p + off, sizeof(nh));
		/* The kernel ends its note buffers with an all-zero header. */
		if (nh.namesz == 0 && nh.descsz == 0 && nh.type == 0)
			break;

		name_off = off + sizeof(nh);
		name_span = align4(nh.namesz);
		if (name_span < nh.namesz || name_span > len - name_off)
			return lkcd_error_set(err, -EINVAL,
				"ELF note at offset %zu: name size %u runs past the %zu-byte notes",
				off, nh.namesz, len);
		desc_off = name_off + name_span;
		desc_span = align4(nh.descsz);
		if (desc_span < nh.descsz || desc_span > len - desc_off) {
			/*
			 * The last note's padding may be cut by a producer
			 * that sized the segment without it; accept the
			 * descriptor itself if it fits.
			 */
			if (nh.descsz > len - desc_off)
				return lkcd_error_set(err, -EINVAL,
					"ELF note at offset %zu: descriptor size %u runs past the %zu-byte notes",
					off, nh.descsz, len);
			desc_span = len - desc_off;
		}

		if (nh.type == 0 && nh.namesz == name_len &&
		    memcmp(p + name_off, LKCD_VMCOREINFO_NOTE_NAME, name_len) == 0) {
			*desc = p + desc_off;
			*desc_len = nh.descsz;
			return 0;
		}
		off = desc_off + desc_span;
	}
	return lkcd_error_set(err, -ENOENT, "no VMCOREINFO note in the %zu bytes of ELF notes", len);
}

/* Order of by_key: key, then line (entries is in line order). */
static int entry_cmp(const void *a, const void *b)
{
	const struct vmcoreinfo_entry *x = *(struct vmcoreinfo_entry *const *)a;
	const struct vmcoreinfo_entry *y = *(struct vmcoreinfo_entry *const *)b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x > y) - (x < y);
}

/*
 * Index the entries by key and count the keys given twice: n log n.  (A
 * search of every earlier line for each line was quadratic in the note's
 * lines, which the crashed kernel writes.)  0 or -ENOMEM.
 */
static int index_entries(struct lkcd_vmcoreinfo *vi)
{
	vi->by_key = calloc(vi->nr_entries ? vi->nr_entries : 1, sizeof(*vi->by_key));
	if (!vi->by_key)
		return -ENOMEM;
	for (size_t i = 0; i < vi->nr_entries; i++)
		vi->by_key[i] = &vi->entries[i];
	qsort(vi->by_key, vi->nr_entries, sizeof(*vi->by_key), entry_cmp);
	for (size_t i = 1; i < vi->nr_entries; i++)
		vi->duplicates += !strcmp(vi->by_key[i - 1]->key, vi->by_key[i]->key);
	return 0;
}

static struct vmcoreinfo_entry *find_entry(const struct lkcd_vmcoreinfo *vi,
					   const char *key)
{
	size_t lo = 0, hi = vi->nr_entries;

	/* Last occurrence wins: the last of the equal keys in by_key. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(vi->by_key[mid]->key, key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && !strcmp(vi->by_key[lo - 1]->key, key) ? vi->by_key[lo - 1] : NULL;
}

int lkcd_vmcoreinfo_parse(const char *text, size_t len,
			  struct lkcd_vmcoreinfo **out, struct lkcd_error *err)
{
	struct lkcd_vmcoreinfo *vi;
	size_t max_entries, n, i;
	const char *nul;
	int ret;

	*out = NULL;
	if (!text && len)
		return lkcd_error_set(err, -EINVAL, "VMCOREINFO: no text buffer");
	/* The kernel pads the note with zeros: the text ends at the first NUL. */
	nul = len ? memchr(text, '\0', len) : NULL;
	if (nul)
		len = (size_t)(nul - text);
	if (len == 0)
		return lkcd_error_set(err, -EINVAL, "VMCOREINFO: empty text");
	if (len > LKCD_VMCOREINFO_MAX_TEXT)
		return lkcd_error_set(err, -EINVAL,
			"VMCOREINFO: text of %zu bytes is larger than the %u accepted",
			len, LKCD_VMCOREINFO_MAX_TEXT);

	vi = calloc(1, sizeof(*vi));
	if (!vi)
		return lkcd_error_set(err, -ENOMEM, "VMCOREINFO: out of memory");
	vi->text = malloc(len + 1);
	vi->orig = malloc(len + 1);
	/* At most one entry per two bytes ("k=" is the shortest line). */
	max_entries = len / 2 + 1;
	vi->entries = calloc(max_entries, sizeof(*vi->entries));
	if (!vi->text || !vi->orig || !vi->entries) {
		ret = lkcd_error_set(err, -ENOMEM, "VMCOREINFO: out of memory");
		goto fail;
	}
	memcpy(vi->text, text, len);
	vi->text[len] = '\0';
	memcpy(vi->orig, text, len);
	vi->orig[len] = '\0';
	vi->orig_len = len;

	n = 0;
	for (i = 0; i < len;) {
		char *line = vi->text + i;
		char *end = memchr(line, '\n', len - i);
		size_t line_len = end ? (size_t)(end - line) : len - i;
		char *eq;

		i += line_len + (end ? 1 : 0);
		line[line_len] = '\0';
		if (line_len == 0)
			continue;
		eq = strchr(line, '=');
		if (line_len > LKCD_VMCOREINFO_MAX_LINE || !eq || eq == line) {
			vi->bad_lines++;
			continue;
		}
		*eq = '\0';
		vi->entries[n].key = line;
		vi->entries[n].value = eq + 1;
		vi->nr_entries = ++n;
	}
	if (n == 0) {
		ret = lkcd_error_set(err, -EINVAL,
			"VMCOREINFO: no KEY=value line in %zu bytes of text", len);
		goto fail;
	}
	if (index_entries(vi) < 0) {
		ret = lkcd_error_set(err, -ENOMEM, "VMCOREINFO: out of memory");
		goto fail;
	}
	*out = vi;
	return 0;
fail:
	lkcd_vmcoreinfo_free(vi);
	return ret;
}

int lkcd_vmcoreinfo_from_notes(const void *notes, size_t len,
			       struct lkcd_vmcoreinfo **out,
			       struct lkcd_error *err)
{
	const void *desc;
	size_t desc_len;
	int ret;

	*out = NULL;
	ret = lkcd_vmcoreinfo_find_note(notes, len, &desc, &desc_len, err);
	if (ret < 0)
		return ret;
	return lkcd_vmcoreinfo_parse(desc, desc_len, out, err);
}

int lkcd_vmcoreinfo_read(struct lkcd_source *src, uint64_t paddr,
			 uint32_t size, struct lkcd_vmcoreinfo **out,
			 struct lkcd_error *err)
{
	/* Note header + "VMCOREINFO\0" padded + text + final header. */
	const uint32_t max = LKCD_VMCOREINFO_MAX_TEXT + 64;
	void *buf;
	int ret;

	*out = NULL;
	if (size == 0)
		return lkcd_error_set(err, -ENOENT, "no VMCOREINFO note recorded (size 0)");
	if (size > max)
		return lkcd_error_set(err, -EINVAL,
			"VMCOREINFO note size %u at 0x%llx is larger than the %u accepted",
			size, (unsigned long long)paddr, max);
	if (paddr + size < paddr)
		return lkcd_error_set(err, -EINVAL,
			"VMCOREINFO note at 0x%llx + %u wraps around",
			(unsigned long long)paddr, size);
	buf = malloc(size);
	if (!buf)
		return lkcd_error_set(err, -ENOMEM, "VMCOREINFO: out of memory");
	ret = lkcd_source_read(src, paddr, buf, size, err);
	if (ret >= 0)
		ret = lkcd_vmcoreinfo_from_notes(buf, size, out, err);
	free(buf);
	return ret;
}

void lkcd_vmcoreinfo_free(struct lkcd_vmcoreinfo *vi)
{
	if (!vi)
		return;
	free(vi->entries);
	free(vi->by_key);
	free(vi->text);
	free(vi->orig);
	free(vi);
}

const char *lkcd_vmcoreinfo_text(const struct lkcd_vmcoreinfo *vi, size_t *len)
{
	if (len)
		*len = vi->orig_len;
	return vi->orig;
}

const char *lkcd_vmcoreinfo_get(const struct lkcd_vmcoreinfo *vi,
				const char *key)
{
	const struct vmcoreinfo_entry *e = find_entry(vi, key);

	return e ? e->value : NULL;
}

/*
 * Parse an unsigned number in base 10 or 16 with nothing but the digits:
 * no sign, no 0x, no spaces (the kernel prints none), no overflow.
 */
static int parse_u64(const char *s, int base, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / (unsigned)base)
			return -EINVAL;
		v = v * (unsigned)base + d;
	}
	*out = v;
	return 0;
}

static int parse_s64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t v;

	/* NUMBER(VMALLOC_START)=0x%lx (6.12+), arm64's 0x%llx: the bits */
	if (s[0] == '0' && s[1] == 'x') {
		if (parse_u64(s + 2, 16, &v) < 0)
			return -EINVAL;
		*out = (int64_t)v;
		return 0;
	}

	if (parse_u64(s + neg, 10, &v) < 0)
		return -EINVAL;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -EINVAL;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -EINVAL;
		*out = (int64_t)v;
	}
	return 0;
}

static int get_u64(const struct lkcd_vmcoreinfo *vi, const char *key,
		   int base, uint64_t *out)
{
	const char *v = lkcd_vmcoreinfo_get(vi, key);

	if (!v)
		return -ENOENT;
	return parse_u64(v, base, out);
}

/* Build "PREFIX(name)" into buf; -ENAMETOOLONG when it does not fit. */
static int make_key(char *buf, size_t size, const char *prefix,
		    const char *name, const char *member)
{
	int n;

	if (member)
		n = snprintf(buf, size, "%s(%s.%s)", prefix, name, member);
	else
		n = snprintf(buf, size, "%s(%s)", prefix, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

#define KEY_MAX 256

static int get_wrapped(const struct lkcd_vmcoreinfo *vi, const char *prefix,
		       const char *name, const char *member, int base,
		       uint64_t *out)
{
	char key[KEY_MAX];

	if (make_key(key, sizeof(key), prefix, name, member) < 0)
		return -ENOENT;
	return get_u64(vi, key, base, out);
}

int lkcd_vmcoreinfo_symbol(const struct lkcd_vmcoreinfo *vi,
			   const char *name, uint64_t *out)
{
	return get_wrapped(vi, "SYMBOL", name, NULL, 16, out);
}

int lkcd_vmcoreinfo_size(const struct lkcd_vmcoreinfo *vi,
			 const char *name, uint64_t *out)
{
	return get_wrapped(vi, "SIZE", name, NULL, 10, out);
}

int lkcd_vmcoreinfo_offset(const struct lkcd_vmcoreinfo *vi,
			   const char *type, const char *member,
			   uint64_t *out)
{
	return get_wrapped(vi, "OFFSET", type, member, 10, out);
}

int lkcd_vmcoreinfo_length(const struct lkcd_vmcoreinfo *vi,
			   const char *name, uint64_t *out)
{
	return get_wrapped(vi, "LENGTH", name, NULL, 10, out);
}

int lkcd_vmcoreinfo_number(const struct lkcd_vmcoreinfo *vi,
			   const char *name, int64_t *out)
{
	char key[KEY_MAX];
	const char *v;

	if (make_key(key, sizeof(key), "NUMBER", name, NULL) < 0)
		return -ENOENT;
	v = lkcd_vmcoreinfo_get(vi, key);
	if (!v)
		return -ENOENT;
	return parse_s64(v, out);
}

int lkcd_vmcoreinfo_get_hex(const struct lkcd_vmcoreinfo *vi,
			    const char *key, uint64_t *out)
{
	return get_u64(vi, key, 16, out);
}

int lkcd_vmcoreinfo_get_dec(const struct lkcd_vmcoreinfo *vi,
			    const char *key, uint64_t *out)
{
	return get_u64(vi, key, 10, out);
}

const char *lkcd_vmcoreinfo_osrelease(const struct lkcd_vmcoreinfo *vi)
{
	return lkcd_vmcoreinfo_get(vi, "OSRELEASE");
}

int lkcd_vmcoreinfo_page_size(const struct lkcd_vmcoreinfo *vi, uint64_t *out)
{
	uint64_t v;
	int ret = get_u64(vi, "PAGESIZE", 10, &v);

	if (ret < 0)
		return ret;
	if (v < 512 || v > (1u << 20) || (v & (v - 1)))
		return -EINVAL;
	*out = v;
	return 0;
}

int lkcd_vmcoreinfo_phys_base(const struct lkcd_vmcoreinfo *vi, uint64_t *out)
{
	int64_t v;
	/*
	 * The kernel prints the unsigned phys_base with %ld; take the bits
	 * back as they were.
	 */
	int ret = lkcd_vmcoreinfo_number(vi, "phys_base", &v);

	if (ret < 0)
		return ret;
	*out = (uint64_t)v;
	return 0;
}

int lkcd_vmcoreinfo_kernel_offset(const struct lkcd_vmcoreinfo *vi,
				  uint64_t *out)
{
	return get_u64(vi, "KERNELOFFSET", 16, out);
}

int lkcd_vmcoreinfo_crash_time(const struct lkcd_vmcoreinfo *vi, int64_t *out)
{
	const char *v = lkcd_vmcoreinfo_get(vi, "CRASHTIME");

	if (!v)
		return -ENOENT;
	return parse_s64(v, out);
}

size_t lkcd_vmcoreinfo_count(const struct lkcd_vmcoreinfo *vi)
{
	return vi->nr_entries;
}

size_t lkcd_vmcoreinfo_bad_lines(const struct lkcd_vmcoreinfo *vi)
{
	return vi->bad_lines;
}

size_t lkcd_vmcoreinfo_duplicates(const struct lkcd_vmcoreinfo *vi)
{
	return vi->duplicates;
}
