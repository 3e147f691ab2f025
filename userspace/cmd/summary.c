// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What lkcd prints about a dump (analysis.N, lkcd show), and the "LKCD" ELF
 * note that carries the preserved header page into every saved dump so
 * that `lkcd show` can read it back from the dump file itself.
 *
 * The summary is "key: value" lines; scripts may rely on the keys
 * "panic string", "kernel release", "panic time", "state", "level".
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "lkcd.h"
#include "lkcd/params.h"

void format_utc(uint64_t sec, char *buf, size_t size)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "%llu (s since epoch)", (unsigned long long)sec);
}

/* buf: a fallback names its source, as its panic string does */
static const char *dump_type(const struct lkcd_dump_header *h, char *buf, size_t len)
{
	const char *mark = strstr(h->panic_string, LKCD_FALLBACK_MARK);

	if (h->flags & LKCD_FLAG_VMCORE_FALLBACK) {
		snprintf(buf, len, "crash, saved from %.*s (no lkcd dump)",
			 mark ? (int)(mark - h->panic_string) : 12,
			 mark ? h->panic_string : "/proc/vmcore");
		return buf;
	}
	return h->magic == LKCD_DUMP_MAGIC_LIVE ? "live snapshot" :
	       (h->flags & LKCD_FLAG_NONDISRUPT) && strstr(h->panic_string, "snapshot") ?
	       "consistent snapshot" : "crash";
}

void print_summary(FILE *out, const struct lkcd_dump_header *h,
		   const struct lkcd_mem_range *ranges, uint64_t header_paddr)
{
	char when[64];

	char type[LKCD_PANIC_LEN + 64];

	(void)ranges;
	format_utc(h->panic_time_sec, when, sizeof(when));
	fprintf(out, "panic string:     %s\n", h->panic_string);
	fprintf(out, "panic time:       %s (+%u ns)\n", when, h->panic_time_nsec);
	fprintf(out, "kernel release:   %s\n", h->uts.release);
	fprintf(out, "kernel version:   %s\n", h->uts.version);
	fprintf(out, "machine:          %s\n", h->uts.machine);
	fprintf(out, "node name:        %s\n", h->uts.nodename);
	fprintf(out, "dump type:        %s\n", dump_type(h, type, sizeof(type)));
	fprintf(out, "state:            %s\n", lkcd_state_name(h->state));
	if (h->state == LKCD_STATE_INCOMPLETE)
		fprintf(out, "incomplete:       %s (stopped at pfn 0x%llx of 0x%llx)\n",
			lkcd_incomplete_reason(h->incomplete_reason)->text,
			(unsigned long long)h->next_pfn, (unsigned long long)h->max_pfn);
	fprintf(out, "level:            %s (%u)\n", lkcd_level_name(h->level), h->level);
	fprintf(out, "exclude:          0x%x\n", h->exclude);
	fprintf(out, "compress:         %s (%u)\n", lkcd_compress_name(h->compress), h->compress);
	fprintf(out, "flags:            0x%x\n", h->flags);
	fprintf(out, "header address:   0x%llx\n", (unsigned long long)header_paddr);
	fprintf(out, "cpus:             %u (crashing cpu %u)\n", h->nr_cpus, h->crashing_cpu);
	fprintf(out, "current task:     0x%llx\n", (unsigned long long)h->current_task);
	fprintf(out, "memory:           %llu MiB in %u ranges, max pfn 0x%llx\n",
		(unsigned long long)(h->memory_size >> 20), h->nr_ranges,
		(unsigned long long)h->max_pfn);
	fprintf(out, "pages dumped:     %llu (zero %llu)\n",
		(unsigned long long)h->pages_dumped, (unsigned long long)h->pages_zero);
	fprintf(out, "pages excluded:   %llu\n", (unsigned long long)h->pages_excluded);
	fprintf(out, "pages unreadable: %llu\n", (unsigned long long)h->pages_unreadable);
	if (h->pages_lkcd)
		fprintf(out, "left out:         %u pages of lkcd.ko's own working memory (header, scratch, pool, compressor workspaces)\n",
			h->pages_lkcd);
	fprintf(out, "records:          %llu in %llu blocks, %llu bytes stored\n",
		(unsigned long long)h->nr_records, (unsigned long long)h->nr_blocks,
		(unsigned long long)h->stored_bytes);
	if (h->dump_end_ns >= h->dump_start_ns)
		fprintf(out, "dump took:        %llu ms\n",
			(unsigned long long)((h->dump_end_ns - h->dump_start_ns) / 1000000));
}

/* The same summary for --json: one object, numbers as numbers. */
struct json_object *summary_json(const struct lkcd_dump_header *h, uint64_t header_paddr)
{
	struct json_object *o = json_object_new_object();
	char when[64], type[LKCD_PANIC_LEN + 64];

	if (!o)
		return NULL;
	format_utc(h->panic_time_sec, when, sizeof(when));
#define S(k, v) json_object_object_add(o, k, json_object_new_string(v))
#define N(k, v) json_object_object_add(o, k, json_object_new_uint64(v))
	S("panic_string", h->panic_string);
	N("panic_time", h->panic_time_sec);
	S("panic_time_utc", when);
	S("kernel_release", h->uts.release);
	S("kernel_version", h->uts.version);
	S("machine", h->uts.machine);
	S("node_name", h->uts.nodename);
	S("dump_type", dump_type(h, type, sizeof(type)));
	S("state", lkcd_state_name(h->state));
	if (h->state == LKCD_STATE_INCOMPLETE)
		S("incomplete_reason", lkcd_incomplete_reason(h->incomplete_reason)->text);
	N("level", h->level);
	S("level_name", lkcd_level_name(h->level));
	N("exclude", h->exclude);
	N("compress", h->compress);
	S("compress_name", lkcd_compress_name(h->compress));
	N("flags", h->flags);
	N("header_address", header_paddr);
	N("nr_cpus", h->nr_cpus);
	N("crashing_cpu", h->crashing_cpu);
	N("memory_bytes", h->memory_size);
	N("pages_dumped", h->pages_dumped);
	N("pages_zero", h->pages_zero);
	N("pages_excluded", h->pages_excluded);
	N("pages_unreadable", h->pages_unreadable);
	N("pages_lkcd", h->pages_lkcd);
	N("records", h->nr_records);
	N("blocks", h->nr_blocks);
	N("stored_bytes", h->stored_bytes);
#undef S
#undef N
	return o;
}

/* ---- the LKCD note ---- */

struct nhdr {
	uint32_t namesz, descsz, type;
};

#define PAD4(n) (((n) + 3) & ~(size_t)3)

void *lkcd_note_build(const void *header_page, uint64_t header_paddr, size_t *len)
{
	struct nhdr nh = {
		.namesz = sizeof(LKCD_NOTE_NAME),
		.descsz = sizeof(struct lkcd_note_header),
		.type = LKCD_NOTE_HEADER,
	};
	size_t total = sizeof(nh) + PAD4(sizeof(LKCD_NOTE_NAME)) +
		       PAD4(sizeof(struct lkcd_note_header));
	uint8_t *b = calloc(1, total);
	struct lkcd_note_header desc = { .header_paddr = header_paddr };

	if (!b)
		return NULL;
	memcpy(desc.page, header_page, LKCD_PAGE_SIZE);
	memcpy(b, &nh, sizeof(nh));
	memcpy(b + sizeof(nh), LKCD_NOTE_NAME, sizeof(LKCD_NOTE_NAME));
	memcpy(b + sizeof(nh) + PAD4(sizeof(LKCD_NOTE_NAME)), &desc, sizeof(desc));
	*len = total;
	return b;
}

const void *lkcd_note_find(const void *notes, size_t len)
{
	const uint8_t *b = notes;
	size_t off = 0;

	while (len - off >= sizeof(struct nhdr)) {
		struct nhdr nh;
		size_t rest, name_sz, desc_sz;

		memcpy(&nh, b + off, sizeof(nh));
		if (!nh.namesz && !nh.descsz && !nh.type)
			break;
		rest = len - off - sizeof(nh);
		name_sz = PAD4((size_t)nh.namesz);
		if (name_sz > rest)
			break;
		rest -= name_sz;
		desc_sz = PAD4((size_t)nh.descsz);
		if (desc_sz > rest)
			break;
		if (nh.type == LKCD_NOTE_HEADER && nh.namesz == sizeof(LKCD_NOTE_NAME) &&
		    !memcmp(b + off + sizeof(nh), LKCD_NOTE_NAME, sizeof(LKCD_NOTE_NAME)) &&
		    nh.descsz >= sizeof(struct lkcd_note_header))
			return b + off + sizeof(nh) + name_sz;
		off += sizeof(nh) + name_sz + desc_sz;
	}
	return NULL;
}
