/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VMCOREINFO: the "KEY=value\n" text the kernel leaves in an ELF note
 * (name "VMCOREINFO", type 0) so that tools can find symbols, structure
 * sizes and offsets without debug info.  See kernel/crash_core.c and
 * arch/x86/kernel/crash_core_64.c for what a 6.1 kernel writes,
 * kernel/vmcore_info.c and arch/x86/kernel/vmcore_info_64.c since 6.9.
 *
 * Everything here is untrusted input: the note sizes, the text, every value.
 * A parsed struct lkcd_vmcoreinfo owns a NUL-terminated copy of the text, so
 * the caller's buffer may go away after parsing.
 *
 * Value syntax, as the kernel prints it:
 *   SYMBOL(x)=%lx          hex, no 0x          lkcd_vmcoreinfo_symbol()
 *   SIZE(x)=%lu            decimal             lkcd_vmcoreinfo_size()
 *   OFFSET(a.b)=%lu        decimal             lkcd_vmcoreinfo_offset()
 *   LENGTH(x)=%lu          decimal             lkcd_vmcoreinfo_length()
 *   NUMBER(x)=%ld          decimal, signed     lkcd_vmcoreinfo_number()
 *   NUMBER(x)=0x%lx        hex: VMALLOC_START (6.12+), arm64's masks;
 *                          the 64 bits as they are, same lookup
 *   KERNELOFFSET=%lx       hex                 lkcd_vmcoreinfo_kernel_offset()
 *   PAGESIZE=%ld, CRASHTIME=%lld  decimal
 *   OSRELEASE=%s           string              lkcd_vmcoreinfo_osrelease()
 *
 * Lookups return 0 and fill *out, -ENOENT when the key is absent, -EINVAL
 * when the value does not parse (garbage, overflow, wrong sign).  When a
 * key appears twice the last occurrence wins (the kernel appends CRASHTIME
 * again each time crash_save_vmcoreinfo() runs); duplicates are counted.
 */
#ifndef LKCD_VMCOREINFO_H
#define LKCD_VMCOREINFO_H

#include <stddef.h>
#include <stdint.h>
#include "liblkcd.h"

#define LKCD_VMCOREINFO_NOTE_NAME	"VMCOREINFO"
/* Longest text accepted: the kernel's VMCOREINFO_BYTES is one page; allow
 * bigger pages and some slack, refuse anything absurd. */
#define LKCD_VMCOREINFO_MAX_TEXT	(64u * 1024u)
/* Longest line accepted; the kernel formats each line into 0x50 bytes. */
#define LKCD_VMCOREINFO_MAX_LINE	1024u

struct lkcd_vmcoreinfo;

/*
 * Parse VMCOREINFO text (len bytes, need not be NUL-terminated; a NUL ends
 * the text early, as the kernel's zero padding does).  Lines without '=',
 * empty keys and lines over LKCD_VMCOREINFO_MAX_LINE are skipped and
 * counted (lkcd_vmcoreinfo_bad_lines), not fatal; an empty result (no valid
 * line at all) is -EINVAL.
 */
int lkcd_vmcoreinfo_parse(const char *text, size_t len,
			  struct lkcd_vmcoreinfo **out, struct lkcd_error *err);

/*
 * Find the VMCOREINFO note in a blob of ELF notes (Elf64_Nhdr + name + desc,
 * each padded to 4 bytes: what lkcd_source_notes() returns, a kdump sub
 * header's notes, or the raw note the kernel keeps at
 * paddr_vmcoreinfo_note()) and point *desc / *desc_len at its text inside
 * the blob.  A zero header (the kernel's final_note()) ends the blob.
 * -ENOENT when there is no such note, -EINVAL when a note header runs past
 * the blob.
 */
int lkcd_vmcoreinfo_find_note(const void *notes, size_t len,
			      const void **desc, size_t *desc_len,
			      struct lkcd_error *err);

/* find_note + parse. */
int lkcd_vmcoreinfo_from_notes(const void *notes, size_t len,
			       struct lkcd_vmcoreinfo **out,
			       struct lkcd_error *err);

/*
 * Read the raw note at paddr (size bytes: lkcd header's vmcoreinfo_paddr /
 * vmcoreinfo_size) from a memory source and parse it.  size is capped.
 */
int lkcd_vmcoreinfo_read(struct lkcd_source *src, uint64_t paddr,
			 uint32_t size, struct lkcd_vmcoreinfo **out,
			 struct lkcd_error *err);

/* Accepts NULL. */
void lkcd_vmcoreinfo_free(struct lkcd_vmcoreinfo *vi);

/*
 * The text as parsed (up to the first NUL), NUL-terminated, *len without
 * the NUL: what a writer copies into a kdump sub header or an ELF note.
 */
const char *lkcd_vmcoreinfo_text(const struct lkcd_vmcoreinfo *vi,
				 size_t *len);

/* Raw value string of KEY (exact match, e.g. "SYMBOL(prb)"), or NULL. */
const char *lkcd_vmcoreinfo_get(const struct lkcd_vmcoreinfo *vi,
				const char *key);

/*
 * Typed lookups: name is what goes between the parentheses.  These and the
 * whole-key lookups below return 0, -ENOENT when the key is absent, or
 * -EINVAL when its value does not parse, -ENAMETOOLONG when the key made
 * of the name is too long (no error object: the errno says all).
 */
int lkcd_vmcoreinfo_symbol(const struct lkcd_vmcoreinfo *vi,
			   const char *name, uint64_t *out);
int lkcd_vmcoreinfo_size(const struct lkcd_vmcoreinfo *vi,
			 const char *name, uint64_t *out);
/* OFFSET(type.member) */
int lkcd_vmcoreinfo_offset(const struct lkcd_vmcoreinfo *vi,
			   const char *type, const char *member,
			   uint64_t *out);
int lkcd_vmcoreinfo_length(const struct lkcd_vmcoreinfo *vi,
			   const char *name, uint64_t *out);
int lkcd_vmcoreinfo_number(const struct lkcd_vmcoreinfo *vi,
			   const char *name, int64_t *out);

/* Whole-key lookups in the two bases the kernel uses. */
int lkcd_vmcoreinfo_get_hex(const struct lkcd_vmcoreinfo *vi,
			    const char *key, uint64_t *out);
int lkcd_vmcoreinfo_get_dec(const struct lkcd_vmcoreinfo *vi,
			    const char *key, uint64_t *out);

/* Common values. */
/* OSRELEASE, or NULL when absent. */
const char *lkcd_vmcoreinfo_osrelease(const struct lkcd_vmcoreinfo *vi);
/* PAGESIZE: must be a power of two between 512 and 1 MiB, else -EINVAL. */
int lkcd_vmcoreinfo_page_size(const struct lkcd_vmcoreinfo *vi,
			      uint64_t *out);
/* NUMBER(phys_base) (x86_64), read as an unsigned 64-bit value. */
int lkcd_vmcoreinfo_phys_base(const struct lkcd_vmcoreinfo *vi,
			      uint64_t *out);
/* KERNELOFFSET (KASLR slide of the kernel image), hex. */
int lkcd_vmcoreinfo_kernel_offset(const struct lkcd_vmcoreinfo *vi,
				  uint64_t *out);
/* CRASHTIME, seconds since the epoch; absent until the kernel crashed. */
int lkcd_vmcoreinfo_crash_time(const struct lkcd_vmcoreinfo *vi,
			       int64_t *out);

/* Diagnostics: entries kept, lines skipped as malformed, duplicate keys. */
size_t lkcd_vmcoreinfo_count(const struct lkcd_vmcoreinfo *vi);
size_t lkcd_vmcoreinfo_bad_lines(const struct lkcd_vmcoreinfo *vi);
size_t lkcd_vmcoreinfo_duplicates(const struct lkcd_vmcoreinfo *vi);

#endif /* LKCD_VMCOREINFO_H */
