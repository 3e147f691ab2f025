// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sys/kernel/dump/: LKCD's tunables.
 *
 *   addr         0400  physical address of the header page, "0x%llx"
 *   level        0644  LKCD_LEVEL_*   (default 2, KERN)
 *   compress     0644  LKCD_COMPRESS_* (default 5, LZO); zlib (2), zstd (3),
 *                      lz4 (4) and lzo (5) all set up at load (compress.c)
 *   compress_level 0644  zstd's level, signed decimal (default 3): -131072
 *                      (this kernel's zstd_min_clevel()) to 22; negative
 *                      levels are zstd's fast modes.  The other
 *                      compressors have no level and ignore it.
 *   flags        0644  LKCD_FLAG_*    (default 0)
 *   exclude      0644  LKCD_EXCLUDE_* (default 0 = the level's default mask)
 *   deadline_ms  0644  the dump stops INCOMPLETE after this long (default 60000)
 *
 * Numbers are decimal or 0x-hex (lkcd_parse_u32, shared with userspace, so
 * `lkcd config` and the module accept the same text).  A bad value returns
 * -EINVAL and leaves the old one; a compressor that could not be set up at
 * load returns -ENOPKG, one that fails its self-test -EIO.  Every write
 * needs CAP_SYS_ADMIN (-EPERM), whatever the file mode lets through, as the
 * snapshot knobs and /dev/lkcd do.  Under lockdown (confidentiality) every
 * write but level=0 returns -EPERM with a kernel message: nothing may arm a
 * dump.  Every accepted write reseals the EMPTY header so that it shows the
 * settings a dump would use.
 *
 * addr is root-only: it is a physical address of kernel memory, which
 * /proc/iomem hides from other users too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/sysctl.h>

#include "compat.h"
#include "lkcd.h"

/* One writable tunable: where it lives and what it accepts. */
struct lkcd_knob {
	const char *name;
	u32 *value;
	/* 0 when v is acceptable, else a negative errno */
	int (*check)(u32 v);
	/* optional: make v take effect; lkcd_config_lock held; 0 or -errno */
	int (*apply)(u32 v);
	/* *value holds an s32, read and written as signed decimal */
	bool is_signed;
};

static int lkcd_check_level(u32 v)
{
	return lkcd_level_valid(v) ? 0 : -EINVAL;
}

static int lkcd_check_compress(u32 v)
{
	return lkcd_compress_valid(v) ? 0 : -EINVAL;
}

static int lkcd_check_compress_level(u32 v)
{
	return lkcd_compress_level_valid((s32)v) ? 0 : -EINVAL;
}

static int lkcd_apply_compress_level(u32 v)
{
	return lkcd_compress_set_level((s32)v);
}

static int lkcd_check_flags(u32 v)
{
	return lkcd_flags_valid(v) ? 0 : -EINVAL;
}

static int lkcd_check_exclude(u32 v)
{
	return lkcd_exclude_valid(v) ? 0 : -EINVAL;
}

static int lkcd_check_deadline(u32 v)
{
	return v ? 0 : -EINVAL;
}

static const struct lkcd_knob lkcd_knobs[] = {
	{ "level", &lkcd_tun.level, lkcd_check_level },
	{ "compress", &lkcd_tun.compress, lkcd_check_compress, lkcd_compress_select },
	{ "compress_level", (u32 *)&lkcd_tun.compress_level, lkcd_check_compress_level,
	  lkcd_apply_compress_level, true },
	{ "flags", &lkcd_tun.flags, lkcd_check_flags },
	{ "exclude", &lkcd_tun.exclude, lkcd_check_exclude },
	{ "deadline_ms", &lkcd_tun.deadline_ms, lkcd_check_deadline },
};

/* Hand text out to a sysctl read, honouring the reader's offset. */
int lkcd_sysctl_emit(const char *text, void *buffer, size_t *lenp, loff_t *ppos)
{
	size_t len = strlen(text);

	if (*ppos >= len) {
		*lenp = 0;
		return 0;
	}
	len -= *ppos;
	if (len > *lenp)
		len = *lenp;
	memcpy(buffer, text + *ppos, len);
	*lenp = len;
	*ppos += len;
	return 0;
}

static int lkcd_knob_handler(lkcd_ctl_table *table, int write, void *buffer,
			     size_t *lenp, loff_t *ppos)
{
	const struct lkcd_knob *knob = table->extra1;
	char text[24];
	u32 v;
	int ret;

	if (!write) {
		if (knob->is_signed)
			snprintf(text, sizeof(text), "%d\n", (s32)READ_ONCE(*knob->value));
		else
			snprintf(text, sizeof(text), "%u\n", READ_ONCE(*knob->value));
		return lkcd_sysctl_emit(text, buffer, lenp, ppos);
	}
	/*
	 * The file mode lets uid 0 write; a root process without
	 * CAP_SYS_ADMIN (a hardened service, a container with a writable
	 * /proc/sys) must not disarm dumps nor change what they hold.
	 */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* one number per write(2); a continuation is not a new value */
	if (*ppos)
		return -EINVAL;
	if (knob->is_signed) {
		s32 sv;

		if (lkcd_parse_s32(buffer, *lenp, &sv))
			return -EINVAL;
		v = (u32)sv;
	} else if (lkcd_parse_u32(buffer, *lenp, &v)) {
		return -EINVAL;
	}
	ret = knob->check(v);
	if (ret)
		return ret;
	/*
	 * Under lockdown (confidentiality) a dump would carry kernel memory
	 * out: nothing may arm it.  Disarming (level 0) is still allowed.
	 */
	if (!(knob->value == &lkcd_tun.level && v == LKCD_LEVEL_NONE)) {
		ret = lkcd_lockdown_check();
		if (ret) {
			pr_warn("%s: not changed: the kernel is locked down (confidentiality), which forbids dumping kernel memory; lkcd stays disarmed\n",
				knob->name);
			return ret;
		}
	}

	mutex_lock(&lkcd_config_lock);
	ret = knob->apply ? knob->apply(v) : 0;
	if (!ret) {
		WRITE_ONCE(*knob->value, v);
		ret = lkcd_header_refresh();
	}
	mutex_unlock(&lkcd_config_lock);
	if (ret)
		return ret;
	*ppos += *lenp;
	return 0;
}

static int lkcd_addr_handler(lkcd_ctl_table *table, int write, void *buffer,
			     size_t *lenp, loff_t *ppos)
{
	char text[24];

	if (write)
		return -EPERM;
	snprintf(text, sizeof(text), "0x%llx\n", (unsigned long long)lkcd_header_paddr());
	return lkcd_sysctl_emit(text, buffer, lenp, ppos);
}

#define LKCD_NR_SYSCTL	(ARRAY_SIZE(lkcd_knobs) + 1)	/* addr, the knobs */
static struct ctl_table lkcd_sysctl_table[LKCD_SYSCTL_SLOTS(LKCD_NR_SYSCTL)];
static struct ctl_table_header *lkcd_sysctl_header;

int lkcd_sysctl_init(void)
{
	struct ctl_table *t = lkcd_sysctl_table;
	size_t i;

	t->procname = "addr";
	t->mode = 0400;
	t->proc_handler = lkcd_addr_handler;
	for (i = 0; i < ARRAY_SIZE(lkcd_knobs); i++) {
		t++;
		t->procname = lkcd_knobs[i].name;
		t->mode = 0644;
		t->proc_handler = lkcd_knob_handler;
		t->extra1 = (void *)&lkcd_knobs[i];
	}
	lkcd_sysctl_header = lkcd_register_sysctl("kernel/dump", lkcd_sysctl_table,
						  LKCD_NR_SYSCTL);
	if (!lkcd_sysctl_header) {
		pr_err("cannot register /proc/sys/kernel/dump\n");
		return -ENOMEM;
	}
	return 0;
}

void lkcd_sysctl_exit(void)
{
	unregister_sysctl_table(lkcd_sysctl_header);
	lkcd_sysctl_header = NULL;
}
