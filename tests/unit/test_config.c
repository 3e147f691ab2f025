// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd.conf: a good file, each kind of bad line refused with file:line and
 * the reason, and nothing applied when any line is bad.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static char reports[8192];
static int nreports;

static void collect(void *ctx, const char *msg)
{
	(void)ctx;
	nreports++;
	strncat(reports, msg, sizeof(reports) - strlen(reports) - 2);
	strcat(reports, "\n");
}

static int parse(const char *text, struct lkcd_conf *c)
{
	reports[0] = '\0';
	nreports = 0;
	return lkcd_conf_parse("t.conf", text, strlen(text), c, collect, NULL);
}

static void test_defaults(void)
{
	struct lkcd_conf c;

	lkcd_conf_defaults(&c);
	CU_ASSERT_TRUE(c.dump_active);
	CU_ASSERT_TRUE(c.dump_save);
	CU_ASSERT_STRING_EQUAL(c.dumpdir, "/var/log/dump");
	CU_ASSERT_EQUAL(c.level, LKCD_LEVEL_KERN);
	CU_ASSERT_EQUAL(c.compress, LKCD_COMPRESS_ZLIB);
	CU_ASSERT_EQUAL(c.dump_format, LKCD_OUT_KDUMP);
	CU_ASSERT_TRUE(c.save_keep_zstd);
	CU_ASSERT_FALSE(c.panic_timeout_set);
	CU_ASSERT_EQUAL(parse("", &c), 0);
	CU_ASSERT_EQUAL(parse("\n\n# only comments\n   \t\n", &c), 0);
}

static void test_good_file(void)
{
	struct lkcd_conf c;
	const char *text =
		"# lkcd configuration\n"
		"DUMP_ACTIVE=1\n"
		"DUMPDEV=\"\"\n"
		"DUMPDIR=\"/srv/dumps\"   # where dumps go\n"
		"DUMP_SAVE=yes\n"
		"DUMP_LEVEL=all_ram\n"
		"DUMP_COMPRESS=4\n"
		"DUMP_FLAGS=0x2\n"
		"DUMP_EXCLUDE=17\n"
		"  PANIC_TIMEOUT=-1\n"
		"KEXEC_KERNEL=/boot/vmlinuz\n"
		"KEXEC_INITRD='/boot/lkcd initrd.img'\n"
		"KEXEC_CMDLINE_APPEND=\"nr_cpus=1 irqpoll \\\"q\\\" \\$x\"\n"
		"export LKCD_MODULE=/lib/lkcd.ko\n"
		"DUMP_FORMAT=lkcd\r\n"
		"KEEP_DUMPS=5\n"
		"SAVE_ZSTD=zlib\n"
		"DUMP_ACTION=poweroff";	/* no final newline */

	lkcd_conf_defaults(&c);
	CU_ASSERT_EQUAL_FATAL(parse(text, &c), 0);
	CU_ASSERT_EQUAL(nreports, 0);
	CU_ASSERT_TRUE(c.dump_active);
	CU_ASSERT_STRING_EQUAL(c.dumpdev, "");
	CU_ASSERT_STRING_EQUAL(c.dumpdir, "/srv/dumps");
	CU_ASSERT_EQUAL(c.level, LKCD_LEVEL_ALL_RAM);
	CU_ASSERT_EQUAL(c.compress, LKCD_COMPRESS_LZ4);
	CU_ASSERT_EQUAL(c.flags, LKCD_FLAG_SOFTBOOT);
	CU_ASSERT_EQUAL(c.exclude, 17);
	CU_ASSERT_TRUE(c.panic_timeout_set);
	CU_ASSERT_EQUAL(c.panic_timeout, -1);
	CU_ASSERT_STRING_EQUAL(c.kexec_kernel, "/boot/vmlinuz");
	CU_ASSERT_STRING_EQUAL(c.kexec_initrd, "/boot/lkcd initrd.img");
	CU_ASSERT_STRING_EQUAL(c.kexec_cmdline_append, "nr_cpus=1 irqpoll \"q\" $x");
	CU_ASSERT_STRING_EQUAL(c.lkcd_module, "/lib/lkcd.ko");
	CU_ASSERT_EQUAL(c.dump_format, LKCD_OUT_LKCD);
	CU_ASSERT_EQUAL(c.keep_dumps, 5);
	CU_ASSERT_FALSE(c.save_keep_zstd);
	CU_ASSERT_EQUAL(parse("SAVE_ZSTD=KEEP\n", &c), 0);
	CU_ASSERT_TRUE(c.save_keep_zstd);
	CU_ASSERT_EQUAL(c.dump_action, LKCD_ACTION_POWEROFF);

	/* names, case-insensitive; numbers; later lines win */
	CU_ASSERT_EQUAL(parse("DUMP_LEVEL=KERN\nDUMP_LEVEL=0x4\nDUMP_COMPRESS=zstd\n", &c), 0);
	CU_ASSERT_EQUAL(c.level, LKCD_LEVEL_USED);
	CU_ASSERT_EQUAL(c.compress, LKCD_COMPRESS_ZSTD);
	CU_ASSERT_TRUE(c.save_fallback);
	CU_ASSERT_EQUAL(parse("SAVE_FALLBACK=no\n", &c), 0);
	CU_ASSERT_FALSE(c.save_fallback);
	CU_ASSERT_EQUAL(parse("SAVE_FALLBACK=1\n", &c), 0);
	CU_ASSERT_TRUE(c.save_fallback);
	CU_ASSERT_EQUAL(parse("DUMP_LEVEL=header\nDUMP_COMPRESS=none\nDUMP_ACTIVE=no\n", &c), 0);
	CU_ASSERT_EQUAL(c.level, LKCD_LEVEL_HEADER);
	CU_ASSERT_EQUAL(c.compress, LKCD_COMPRESS_NONE);
	CU_ASSERT_FALSE(c.dump_active);

	/* the capture environment's variables */
	CU_ASSERT_EQUAL(c.fail_action, LKCD_ACTION_REBOOT);
	CU_ASSERT_FALSE(c.mkinitrd);
	CU_ASSERT_EQUAL(parse("DUMP_ACTION=kexec\nDUMP_FAIL_ACTION=shell\nMKINITRD=yes\n"
			      "DUMPDIR_DEVICE=LABEL=dumps\nDUMPDIR_FSTYPE=ext4\n"
			      "CAPTURE_MODULES=\"nvme virtio_blk usb-storage\"\n", &c), 0);
	CU_ASSERT_EQUAL(c.dump_action, LKCD_ACTION_KEXEC);
	CU_ASSERT_EQUAL(c.fail_action, LKCD_ACTION_SHELL);
	CU_ASSERT_TRUE(c.mkinitrd);
	CU_ASSERT_STRING_EQUAL(c.dumpdir_device, "LABEL=dumps");
	CU_ASSERT_STRING_EQUAL(c.dumpdir_fstype, "ext4");
	CU_ASSERT_STRING_EQUAL(c.scrub, "");
	CU_ASSERT_EQUAL(parse("SCRUB=\"0x100000+4M, 0x7f000000-0x7f000fff\"\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.scrub, "0x100000+4M, 0x7f000000-0x7f000fff");
	CU_ASSERT_STRING_EQUAL(c.capture_modules, "nvme virtio_blk usb-storage");
	CU_ASSERT_EQUAL(parse("PRODUCTION_INITRD=/boot/initrd.img\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.production_initrd, "/boot/initrd.img");
	CU_ASSERT_NOT_EQUAL(parse("PRODUCTION_INITRD=boot/initrd.img\n", &c), 0);
	CU_ASSERT_EQUAL(parse("DUMPDIR_DEVICE=UUID=0b1e-77\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.dumpdir_device, "UUID=0b1e-77");
}

static const struct {
	const char *line;
	const char *reason;
} bad_lines[] = {
	{ "DUMP_LEVEL=3", "DUMP_LEVEL=\"3\": expected none" },
	{ "DUMP_LEVEL=everything", "DUMP_LEVEL" },
	{ "DUMP_LEVEL=", "DUMP_LEVEL" },
	{ "DUMP_COMPRESS=rle", "DUMP_COMPRESS=\"rle\"" },
	{ "DUMP_COMPRESS=1", "DUMP_COMPRESS" },
	{ "DUMP_FLAGS=4", "DUMP_FLAGS" },
	{ "DUMP_EXCLUDE=32", "0 to 31" },
	{ "DUMP_EXCLUDE=-1", "DUMP_EXCLUDE" },
	{ "DUMP_ACTIVE=maybe", "expected 0 or 1" },
	{ "SAVE_FALLBACK=sometimes", "SAVE_FALLBACK=\"sometimes\": expected 0 or 1" },
	{ "PANIC_TIMEOUT=10s", "PANIC_TIMEOUT" },
	{ "DUMPDIR=", "must not be empty" },
	{ "DUMPDIR=var/log/dump", "absolute path" },
	{ "KEXEC_KERNEL=vmlinuz", "absolute path" },
	{ "KEXEC_CMDLINE_APPEND=\"crashdump=0x1000\"", "must not contain crashdump=" },
	{ "DUMP_FORMAT=vmcore", "expected kdump, lkcd or elf" },
	{ "KEEP_DUMPS=lots", "KEEP_DUMPS" },
	{ "SAVE_ZSTD=zstd", "SAVE_ZSTD=\"zstd\": expected keep or zlib" },
	{ "SAVE_ZSTD=", "expected keep or zlib" },
	{ "SCRUB=0x1000", "scrub range '0x1000': expected START-END or START+SIZE" },
	{ "SCRUB=\"0x2000-0x1000\"", "END below START" },
	{ "DUMP_ACTION=halt", "expected reboot, poweroff, shell or kexec" },
		{ "DUMP_FAIL_ACTION=later", "expected reboot, poweroff, shell or kexec" },
		{ "DUMPDIR_DEVICE=sdb1", "expected UUID=..., LABEL=... or an absolute device path" },
		{ "DUMPDIR_DEVICE=LABEL=", "empty UUID or LABEL" },
		{ "DUMPDIR_FSTYPE=Ext4", "expected a filesystem type" },
		{ "CAPTURE_MODULES=\"nvme;reboot\"", "expected module names" },
		{ "MKINITRD=maybe", "expected 0 or 1" },
	{ "DUMP_LEVLE=kern", "unknown variable DUMP_LEVLE" },
	{ "DUMP_LEVEL = kern", "no spaces allowed" },
	{ "dump_level=kern", "expected NAME=value" },
	{ "DUMP_LEVEL", "expected NAME=value" },
	{ "DUMPDIR=\"/var/log", "unterminated double quote" },
	{ "DUMPDIR='/var/log", "unterminated single quote" },
	{ "DUMPDIR=\"$HOME/dump\"", "shell expansion" },
	{ "DUMPDIR=`pwd`", "special shell character" },
	{ "DUMPDIR=/var/log/dump extra", "unexpected text after the value" },
	{ "DUMPDIR=\"/a\"b", "unexpected text after the value" },
};

static void test_each_bad_line(void)
{
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		struct lkcd_conf c, before;
		char text[512], want[64];

		lkcd_conf_defaults(&c);
		before = c;
		/* line 3, after two good lines that must not be applied either */
		snprintf(text, sizeof(text), "# x\nDUMPDIR=/elsewhere\n%s\nDUMP_LEVEL=used\n",
			 bad_lines[i].line);
		CU_ASSERT_EQUAL(parse(text, &c), -EINVAL);
		CU_ASSERT_EQUAL(nreports, 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(reports, "t.conf:3: "));
		if (!strstr(reports, bad_lines[i].reason))
			fprintf(stderr, "\n  line %s: got %s", bad_lines[i].line, reports);
		CU_ASSERT_PTR_NOT_NULL(strstr(reports, bad_lines[i].reason));
		CU_ASSERT_EQUAL(memcmp(&c, &before, sizeof(c)), 0);
		snprintf(want, sizeof(want), "t.conf:%d", 2);
		CU_ASSERT_PTR_NULL(strstr(reports, want));
	}
}

static void test_all_bad_lines_reported(void)
{
	struct lkcd_conf c;

	lkcd_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse("DUMP_LEVEL=9\nDUMPDIR=/ok\nFOO=1\n\nDUMP_FLAGS=x\n", &c), -EINVAL);
	CU_ASSERT_EQUAL(nreports, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, "t.conf:1: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, "t.conf:3: unknown variable FOO"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, "t.conf:5: "));
	CU_ASSERT_STRING_EQUAL(c.dumpdir, "/var/log/dump");
}

static void test_binary_and_long_lines(void)
{
	struct lkcd_conf c;
	char *big = malloc(5000 + 16);

	lkcd_conf_defaults(&c);
	CU_ASSERT_EQUAL(lkcd_conf_parse("t.conf", "DUMPDIR=/a\0b\n", 13, &c, collect, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	strcpy(big, "DUMPDIR=/");
	memset(big + 9, 'a', 5000);
	big[5009] = '\0';
	CU_ASSERT_EQUAL(parse(big, &c), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, "longer than"));
	free(big);
	CU_ASSERT_STRING_EQUAL(c.dumpdir, "/var/log/dump");
}

static void test_load_file(void)
{
	char path[] = "/tmp/lkcd-conf-XXXXXX";
	struct lkcd_conf c;
	int fd = mkstemp(path);
	const char *text = "DUMP_LEVEL=used\nDUMPDIR=/x\n";

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	lkcd_conf_defaults(&c);
	reports[0] = '\0';
	CU_ASSERT_EQUAL(lkcd_conf_load(path, &c, collect, NULL), 0);
	CU_ASSERT_EQUAL(c.level, LKCD_LEVEL_USED);
	unlink(path);
	reports[0] = '\0';
	CU_ASSERT_EQUAL(lkcd_conf_load(path, &c, collect, NULL), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, "No such file"));
}

static const CU_TestInfo config_tests[] = {
	{ "defaults, empty file", test_defaults },
	{ "good file", test_good_file },
	{ "each bad line: file:line, reason, nothing applied", test_each_bad_line },
	{ "every bad line reported", test_all_bad_lines_reported },
	{ "NUL bytes and long lines", test_binary_and_long_lines },
	{ "load from a file", test_load_file },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("config", NULL, NULL, config_tests);
}

LKCD_TEST_MAIN(register_suites)
