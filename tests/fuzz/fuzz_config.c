// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the configuration file parser (/etc/lkcd.conf).  Input: the
 * file text, parsed over the defaults with lkcd_conf_parse, and then read
 * from a file with lkcd_conf_load (the path `lkcd config` takes).
 *
 * Promises checked: on success every string field is NUL-terminated and the
 * values are in range; on failure the configuration is left untouched and
 * at least one bad line was reported.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "config.h"

struct reports { unsigned int n; };

static void report(void *ctx, const char *msg)
{
	struct reports *r = ctx;

	FUZZ_ASSERT(msg && strlen(msg) > 0);
	r->n++;
}

static void check_conf(const struct lkcd_conf *c)
{
	FUZZ_ASSERT(memchr(c->dumpdev, 0, sizeof(c->dumpdev)));
	FUZZ_ASSERT(memchr(c->dumpdir, 0, sizeof(c->dumpdir)));
	FUZZ_ASSERT(memchr(c->kexec_kernel, 0, sizeof(c->kexec_kernel)));
	FUZZ_ASSERT(memchr(c->kexec_initrd, 0, sizeof(c->kexec_initrd)));
	FUZZ_ASSERT(memchr(c->kexec_cmdline_append, 0, sizeof(c->kexec_cmdline_append)));
	FUZZ_ASSERT(memchr(c->lkcd_module, 0, sizeof(c->lkcd_module)));
	FUZZ_ASSERT(c->dump_format <= LKCD_OUT_ELF);
	FUZZ_ASSERT(c->dump_action <= LKCD_ACTION_SHELL);
	FUZZ_ASSERT(lkcd_conf_format_name(c->dump_format) != NULL);
	FUZZ_ASSERT(lkcd_conf_action_name(c->dump_action) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lkcd_conf conf, before, loaded;
	struct reports r = { 0 };
	char *text, path[64];
	int rc, fd;

	text = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	if (!text)
		return 0;
	memcpy(text, data, size);
	lkcd_conf_defaults(&conf);
	before = conf;
	rc = lkcd_conf_parse("fuzz.conf", text, size, &conf, report, &r);
	if (rc == 0) {
		check_conf(&conf);
	} else {
		FUZZ_ASSERT(rc == -EINVAL && r.n > 0);
		FUZZ_ASSERT(!memcmp(&conf, &before, sizeof(conf)));
	}
	free(text);

	fd = fuzz_memfile(data, size, path, sizeof(path));
	if (fd < 0)
		abort();
	lkcd_conf_defaults(&loaded);
	r.n = 0;
	/* Same text, same verdict. */
	FUZZ_ASSERT(lkcd_conf_load(path, &loaded, report, &r) == rc);
	if (rc == 0)
		FUZZ_ASSERT(!memcmp(&loaded, &conf, sizeof(conf)));
	close(fd);
	return 0;
}
