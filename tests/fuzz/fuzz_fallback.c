// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: lkcd save's /proc/vmcore fallback (save_source_fallback.c) over an
 * ELF vmcore: VMCOREINFO, the crashed kernel's utsname and struct pages
 * classified (page_class.c, kmem.c) and filtered (write_iter_filter.c),
 * the made-up header.  Input: the vmcore file (seeds: gen_corpus's ELF
 * cores with and without VMCOREINFO).  The source is opened as lkcd save
 * opens it; in place of the stages and a sink, every page is drained and
 * checked.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "save.h"

/* What a sink would do with the fallback's input: drain every page and check it. */
static void drain(const struct save_input *si)
{
	struct lkcd_error err = { 0 };
	struct lkcd_page pg;
	uint64_t pages = 0;
	int ret;

	FUZZ_ASSERT(si->hdr && si->hdr->state == LKCD_STATE_COMPLETE);
	FUZZ_ASSERT(si->capture && si->filtered);
	while ((ret = si->pages.next(si->pages.ctx, &pg, &err)) > 0) {
		FUZZ_ASSERT(pg.count > 0 && pg.pfn < si->hdr->max_pfn);
		pages += pg.count;
	}
	if (ret < 0)
		FUZZ_ASSERT(err.msg[0]);
	/* the header's pages_dumped bounds what the filter passes (one-pass writers) */
	FUZZ_ASSERT(ret < 0 || pages <= si->hdr->pages_dumped);
	if (si->report)
		si->report(si->report_ctx, fuzz_null_file());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lkcd_conf conf;
	struct lkcd_source *src = NULL;
	char path[64];
	int fd;

	fd = fuzz_memfile(data, size, path, sizeof(path));
	if (fd < 0)
		abort();
	lkcd_conf_defaults(&conf);
	if (lkcd_source_open(path, LKCD_SOURCE_ELF, &src, NULL) == 0) {
		static const uint32_t levels[] = { LKCD_LEVEL_HEADER, LKCD_LEVEL_KERN,
						   LKCD_LEVEL_USED, LKCD_LEVEL_ALL_RAM };

		/* the level from the input's last byte: every class mask */
		conf.level = levels[size ? data[size - 1] % 4 : 0];
		if (!fuzz_source_too_big(src)) {
			/* the request lkcd config builds in a capture kernel */
			struct save_request req = { .conf = &conf, .format = conf.dump_format };
			struct save_fallback *fb;
			struct save_input si;

			if (save_fallback_open(&req, src, path, "fuzz", &si, &fb) == EXIT_OK)
				drain(&si);
			save_fallback_close(fb);
		}
		lkcd_source_close(src);	/* the caller's: the fallback closes only its own */
	}
	close(fd);
	return 0;
}
