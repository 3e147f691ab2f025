// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the VMCOREINFO parser.  Input: a mode byte, then either the
 * VMCOREINFO text (mode even: lkcd_vmcoreinfo_parse) or a blob of ELF notes
 * (mode odd: lkcd_vmcoreinfo_find_note + from_notes, as lkcd save and the
 * writers use it).  Every lookup the library offers runs on what parsed.
 *
 * Promises checked: the text handed back is NUL-terminated and no longer
 * than the input; a key found by lkcd_vmcoreinfo_get is a NUL-terminated
 * string; the note's desc lies inside the blob.
 */
#include <string.h>

#include "fuzz.h"
#include "vmcoreinfo.h"

static const char *const keys[] = {
	"OSRELEASE", "PAGESIZE", "KERNELOFFSET", "CRASHTIME", "SYMBOL(prb)",
	"SIZE(printk_ringbuffer)", "NUMBER(phys_base)", "", "=", "SYMBOL(",
};

static void lookups(const struct lkcd_vmcoreinfo *vi, size_t in_len)
{
	uint64_t u;
	int64_t s;
	size_t len;
	const char *t = lkcd_vmcoreinfo_text(vi, &len);

	FUZZ_ASSERT(t && t[len] == '\0' && strlen(t) == len && len <= in_len);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = lkcd_vmcoreinfo_get(vi, keys[i]);

		if (v)
			(void)strlen(v);
		lkcd_vmcoreinfo_get_hex(vi, keys[i], &u);
		lkcd_vmcoreinfo_get_dec(vi, keys[i], &u);
	}
	lkcd_vmcoreinfo_symbol(vi, "prb", &u);
	lkcd_vmcoreinfo_symbol(vi, "init_top_pgt", &u);
	lkcd_vmcoreinfo_size(vi, "printk_ringbuffer", &u);
	lkcd_vmcoreinfo_offset(vi, "prb_desc", "state_var", &u);
	lkcd_vmcoreinfo_offset(vi, "", "", &u);
	lkcd_vmcoreinfo_length(vi, "printk_info_subsystem", &u);
	lkcd_vmcoreinfo_number(vi, "phys_base", &s);
	lkcd_vmcoreinfo_number(vi, "pgtable_l5_enabled", &s);
	t = lkcd_vmcoreinfo_osrelease(vi);
	if (t)
		(void)strlen(t);
	if (lkcd_vmcoreinfo_page_size(vi, &u) == 0)
		FUZZ_ASSERT(u >= 512 && u <= (1u << 20) && !(u & (u - 1)));
	lkcd_vmcoreinfo_phys_base(vi, &u);
	lkcd_vmcoreinfo_kernel_offset(vi, &u);
	lkcd_vmcoreinfo_crash_time(vi, &s);
	FUZZ_ASSERT(lkcd_vmcoreinfo_count(vi) > 0);
	(void)lkcd_vmcoreinfo_bad_lines(vi);
	(void)lkcd_vmcoreinfo_duplicates(vi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lkcd_vmcoreinfo *vi = NULL;
	struct lkcd_error err = { 0 };
	const void *desc;
	size_t dlen;
	uint8_t *copy;
	int rc;

	if (size < 1)
		return 0;
	/* An exact-size heap copy, so ASan sees any read past the input. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1) {
		rc = lkcd_vmcoreinfo_find_note(copy, size - 1, &desc, &dlen, &err);
		if (rc == 0)
			FUZZ_ASSERT((const uint8_t *)desc >= copy &&
				    (const uint8_t *)desc <= copy + size - 1 &&
				    dlen <= (size_t)(copy + size - 1 - (const uint8_t *)desc));
		rc = lkcd_vmcoreinfo_from_notes(copy, size - 1, &vi, &err);
	} else {
		rc = lkcd_vmcoreinfo_parse((const char *)copy, size - 1, &vi, &err);
	}
	if (rc == 0) {
		lookups(vi, size - 1);
		lkcd_vmcoreinfo_free(vi);
	} else {
		FUZZ_ASSERT(rc < 0 && err.msg[0]);
	}
	free(copy);
	return 0;
}
