// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd.conf: a good file, each kind of bad line refused with file:line and
 * the reason, and nothing applied when any line is bad.
 */
#include <errno.h>
#include <stdint.h>
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
	CU_ASSERT_EQUAL(c.compress, LKCD_COMPRESS_LZO);
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
		"DUMP_FORMAT=lkcd\t# a comment after a tab\n"
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

	/* the network target: DUMP_SSH split into its checked parts */
	CU_ASSERT_STRING_EQUAL(c.ssh, "");
	CU_ASSERT_STRING_EQUAL(c.ssh_key, "/etc/lkcd/id_lkcd");
	CU_ASSERT_EQUAL(c.ssh_port, 22);
	CU_ASSERT_EQUAL(c.net_wait, 60);
	CU_ASSERT_TRUE(c.net_fallback);
	CU_ASSERT_EQUAL(parse("DUMP_SSH=crash@dumps.example.org:/srv/crash/x_1\n"
			      "DUMP_SSH_KEY=/root/.ssh/lkcd\nDUMP_SSH_PORT=2222\n"
			      "DUMP_NET_WAIT=0\nDUMP_NET_FALLBACK=no\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.ssh_user, "crash");
	CU_ASSERT_STRING_EQUAL(c.ssh_host, "dumps.example.org");
	CU_ASSERT_STRING_EQUAL(c.ssh_path, "/srv/crash/x_1");
	CU_ASSERT_STRING_EQUAL(c.ssh_key, "/root/.ssh/lkcd");
	CU_ASSERT_EQUAL(c.ssh_port, 2222);
	CU_ASSERT_EQUAL(c.net_wait, 0);
	CU_ASSERT_FALSE(c.net_fallback);
	CU_ASSERT_EQUAL(parse("DUMP_SSH='root@[fd00::1]:/'\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.ssh_host, "fd00::1");
	CU_ASSERT_STRING_EQUAL(c.ssh_path, "/");
	CU_ASSERT_EQUAL(parse("DUMP_SSH=\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.ssh, "");
	CU_ASSERT_STRING_EQUAL(c.ssh_host, "");
	/* what no single line shows: a target and DUMPDEV both */
	CU_ASSERT_EQUAL(parse("DUMPDEV=/dev/vdb\nDUMP_SSH=a@b:/c\n", &c), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, "DUMP_SSH and DUMPDEV"));
}

/* DUMP_NFS: its parts, the refusals no single line shows, the mount options */
static void test_nfs(void)
{
	struct lkcd_conf c;
	char opts[256];

	lkcd_conf_defaults(&c);
	CU_ASSERT_STRING_EQUAL(c.nfs, "");
	CU_ASSERT_STRING_EQUAL(c.nfs_options, "");
	CU_ASSERT_EQUAL(parse("DUMP_NFS=nfs-1.example.org:/srv/crash\n"
			      "DUMP_NFS_OPTIONS=port=2049,mountport=20048,vers=4.2\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.nfs, "nfs-1.example.org:/srv/crash");
	CU_ASSERT_STRING_EQUAL(c.nfs_host, "nfs-1.example.org");
	CU_ASSERT_STRING_EQUAL(c.nfs_path, "/srv/crash");
	CU_ASSERT_TRUE(lkcd_conf_nfs_v4(&c));
	CU_ASSERT_EQUAL(parse("DUMP_NFS=10.0.2.100:/\nDUMP_NFS_OPTIONS=\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.nfs_host, "10.0.2.100");
	CU_ASSERT_STRING_EQUAL(c.nfs_path, "/");
	CU_ASSERT_FALSE(lkcd_conf_nfs_v4(&c));

	/* lkcd's options first, the admin's after them (the kernel keeps the last) */
	CU_ASSERT_EQUAL(lkcd_conf_nfs_options(&c, "10.0.2.100", opts, sizeof(opts)), 0);
	CU_ASSERT_STRING_EQUAL(opts, "vers=3,proto=tcp,mountproto=tcp,nolock,soft,timeo=100,"
			       "retrans=2,addr=10.0.2.100,mountaddr=10.0.2.100");
	CU_ASSERT_EQUAL(parse("DUMP_NFS_OPTIONS=port=2049,mountport=20048\n", &c), 0);
	CU_ASSERT_EQUAL(lkcd_conf_nfs_options(&c, "10.0.2.100", opts, sizeof(opts)), 0);
	CU_ASSERT_STRING_EQUAL(opts, "vers=3,proto=tcp,mountproto=tcp,nolock,soft,timeo=100,"
			       "retrans=2,addr=10.0.2.100,mountaddr=10.0.2.100,port=2049,"
			       "mountport=20048");
	CU_ASSERT_EQUAL(lkcd_conf_nfs_options(&c, "10.0.2.100", opts, 100), -ENOSPC);
	/* the version asked for decides the module: the last one given */
	CU_ASSERT_EQUAL(parse("DUMP_NFS_OPTIONS=nfsvers=4,vers=3\n", &c), 0);
	CU_ASSERT_FALSE(lkcd_conf_nfs_v4(&c));
	CU_ASSERT_EQUAL(parse("DUMP_NFS_OPTIONS=vers=3,v4\n", &c), 0);
	CU_ASSERT_TRUE(lkcd_conf_nfs_v4(&c));
	CU_ASSERT_EQUAL(parse("DUMP_NFS_OPTIONS=nfsvers=4.1\n", &c), 0);
	CU_ASSERT_TRUE(lkcd_conf_nfs_v4(&c));

	/* one server: with DUMP_SSH or DUMPDEV it is refused, saying both names */
	CU_ASSERT_EQUAL(parse("DUMP_NFS=nfs:/srv\nDUMP_SSH=a@b:/c\n", &c), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, "DUMP_NFS and DUMP_SSH"));
	CU_ASSERT_STRING_EQUAL(c.ssh, "");
	CU_ASSERT_EQUAL(parse("DUMPDEV=/dev/vdb\nDUMP_NFS=nfs:/srv\n", &c), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(reports, "DUMP_NFS and DUMPDEV"));
	/* written back: what the capture initramfs reads */
	CU_ASSERT_EQUAL(parse("DUMP_NFS=nfs:/srv\nDUMP_NFS_OPTIONS=port=2049\n", &c), 0);
	{
		char *text = lkcd_conf_format(&c);

		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nDUMP_NFS='nfs:/srv'\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nDUMP_NFS_OPTIONS='port=2049'\n"));
		free(text);
	}
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
	{ "DUMP_SSH=host:/srv", "DUMP_SSH=\"host:/srv\": expected user@host:/path (the user is required)" },
	{ "DUMP_SSH=a@host", "no ':' before the path" },
	{ "DUMP_SSH=a@host:srv", "the path on the server must be absolute" },
	{ "DUMP_SSH=a@:/srv", "host is empty" },
	{ "DUMP_SSH=-oProxy@h:/srv", "user name must not start with '-'" },
	{ "DUMP_SSH=a@-oProxyCommand=x:/srv", "host must not start with '-'" },
	{ "DUMP_SSH=a@h_x:/srv", "host: expected a host name" },
	{ "DUMP_SSH='a@[fd00::1:/srv'", "expected user@[IPv6]:/path" },
	{ "DUMP_SSH=\"a@h:/srv/my dumps\"", "path: expected letters" },
	{ "DUMP_SSH=\"a@h:/srv/x'y\"", "path: expected letters" },
	{ "DUMP_SSH=a@h:/srv/../etc", "no '..' components" },
	{ "DUMP_SSH=a@h:/srv/..", "no '..' components" },
	{ "DUMP_SSH_PORT=0", "DUMP_SSH_PORT=\"0\": expected a TCP port, 1 to 65535" },
	{ "DUMP_SSH_PORT=65536", "expected a TCP port" },
	{ "DUMP_SSH_KEY=id_lkcd", "absolute path" },
	{ "DUMP_SSH_KEY=", "must not be empty" },
	{ "DUMP_NET_WAIT=3601", "expected seconds, 0 to 3600" },
	{ "DUMP_NET_FALLBACK=local", "expected 0 or 1" },
	{ "DUMP_NFS=nfs.example.org", "DUMP_NFS=\"nfs.example.org\": expected server:/export/path" },
	{ "DUMP_NFS=:/srv", "server is empty" },
	{ "DUMP_NFS=nfs:srv", "the export must be an absolute path" },
	{ "DUMP_NFS='[fd00::1]:/srv'", "an IPv6 server: the capture initramfs configures IPv4 only" },
	{ "DUMP_NFS=-o:/srv", "server must not start with '-'" },
	{ "DUMP_NFS=a@nfs:/srv", "server: expected a host name or an IPv4 address" },
	{ "DUMP_NFS=\"nfs:/srv/my dumps\"", "path: expected letters" },
	{ "DUMP_NFS=nfs:/srv/../etc", "no '..' components" },
	{ "DUMP_NFS_OPTIONS=addr=10.0.0.1", "addr= and mountaddr= are lkcd's" },
	{ "DUMP_NFS_OPTIONS=port=2049,mountaddr=10.0.0.1", "addr= and mountaddr= are lkcd's" },
	{ "DUMP_NFS_OPTIONS=lock", "lock: the capture has no rpc.statd" },
	{ "DUMP_NFS_OPTIONS=port=2049,,soft", "an empty option" },
	{ "DUMP_NFS_OPTIONS=port=2049,", "an empty option" },
	{ "DUMP_NFS_OPTIONS=,soft", "an empty option" },
	{ "DUMP_NFS_OPTIONS=\"soft hard\"", "expected NAME or NAME=VALUE options" },
	{ "DUMP_NFS_OPTIONS=\"sec=sys;x\"", "expected NAME or NAME=VALUE options" },
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
	/* what a shell would read differently (issue 12, defect 1) */
	{ "DUMPDIR=/var/crash#x", "'#' inside a value" },
	{ "DUMPDIR=#x", "'#' inside a value" },
	{ "DUMPDIR=\"/a\"#x", "unexpected text after the value" },
	{ "DUMPDIR='/a'#x", "unexpected text after the value" },
	{ "DUMPDEV=/dev/sdb\r", "carriage return" },
	{ "DUMPDEV=\"/dev/sdb\r\"", "carriage return" },
	{ "# a comment\r", "carriage return" },
	{ "DUMPDIR=/a\vb", "control character 0x0b" },
	{ "DUMPDIR=\"/a\x1b[0m\"", "control character 0x1b" },
	{ "KEXEC_CMDLINE_REMOVE=\"quiet=1\"", "without values" },
	{ "KEXEC_CMDLINE_REMOVE=\"huge*pages\"", "'*' may only end a name" },
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

/* ---- one meaning: lkcd's reading of a file against busybox sh's ---- */

#define BUSYBOX "/bin/busybox"
#define MAX_BATCH 4096

/*
 * Files lkcd accepted, waiting for one busybox run: spawning a shell per
 * file costs more than all the parsing, so they are sourced in one go,
 * each in its own subshell.
 */
static char sh_dir[] = "/tmp/lkcd-conf-sh-XXXXXX";
static struct {
	char *text[MAX_BATCH];
	size_t n;
} batch;

static void batch_reset(void)
{
	char file[64];

	for (size_t i = 0; i < batch.n; i++) {
		snprintf(file, sizeof(file), "%s/c.%zu", sh_dir, i);
		unlink(file);
		free(batch.text[i]);
	}
	batch.n = 0;
}

/*
 * Apply one file's "NAME\0value\0" pairs over the defaults in *c.  0; -1
 * with why filled when the shell set a value lkcd would refuse.
 */
static int apply_pairs(const char *out, size_t len, struct lkcd_conf *c, char *why, size_t size)
{
	for (size_t off = 0; off < len;) {
		const char *name = out + off, *value = name + strlen(name) + 1, *reason;

		if (value >= out + len) {
			snprintf(why, size, "truncated shell output");
			return -1;
		}
		off = (size_t)(value - out) + strlen(value) + 1;
		if (lkcd_conf_set(c, name, value, &reason) < 0) {
			snprintf(why, size, "the shell reads %s=\"%s\", which lkcd refuses: %s",
				 name, value, reason);
			return -1;
		}
	}
	return 0;
}

/* lkcd's reading of file i against the shell's, in the canonical form. */
static void compare(size_t i, const char *out, size_t len, int status)
{
	struct lkcd_conf mine, theirs;
	char *a, *b, why[1024];

	lkcd_conf_defaults(&mine);
	lkcd_conf_defaults(&theirs);
	CU_ASSERT_EQUAL_FATAL(lkcd_conf_parse("t.conf", batch.text[i], strlen(batch.text[i]),
					      &mine, NULL, NULL), 0);
	if (status) {
		fprintf(stderr, "\n  lkcd accepts [%s] but busybox sh fails on it (status %d)",
			batch.text[i], status);
		CU_FAIL("lkcd accepts a file a shell cannot source");
		return;
	}
	if (apply_pairs(out, len, &theirs, why, sizeof(why)) < 0) {
		fprintf(stderr, "\n  lkcd accepts [%s] but: %s", batch.text[i], why);
		CU_FAIL("lkcd accepts a file a shell reads otherwise");
		return;
	}
	a = lkcd_conf_format(&mine);
	b = lkcd_conf_format(&theirs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	if (strcmp(a, b)) {
		fprintf(stderr, "\n  [%s]: lkcd reads\n%s\n  busybox sh reads\n%s", batch.text[i], a, b);
		CU_FAIL("lkcd and busybox sh read the file differently");
	}
	free(a);
	free(b);
}

/*
 * Source every batched file in busybox sh (no environment, no PATH, in an
 * empty directory, one subshell each) and compare what each sets with
 * lkcd's reading, field by field.
 */
static void batch_run(void)
{
	char script[8192], file[64];
	size_t used, len, cap = 1 << 20, off = 0, done = 0;
	char *out = malloc(cap);
	FILE *p;
	int st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	used = (size_t)snprintf(script, sizeof(script), "p() { ");
	for (size_t i = 0; lkcd_conf_var_name(i); i++)
		used += (size_t)snprintf(script + used, sizeof(script) - used,
					 "[ \"${%s+set}\" ] && printf \"%%s\\0%%s\\0\" %s \"$%s\"; ",
					 lkcd_conf_var_name(i), lkcd_conf_var_name(i),
					 lkcd_conf_var_name(i));
	snprintf(script + used, sizeof(script) - used,
		 "true; }\ni=0\nwhile [ $i -lt %zu ]; do\n"
		 "\t( . ./c.$i || exit 99; p ) </dev/null 2>/dev/null\n"
		 "\tprintf \"\\001%%s\\001\" $?\n\ti=$((i + 1))\ndone\n", batch.n);
	snprintf(file, sizeof(file), "%s/run", sh_dir);
	p = fopen(file, "w");
	CU_ASSERT_FATAL(p && fputs(script, p) >= 0 && fclose(p) == 0);
	snprintf(script, sizeof(script), "cd %s && env -i PATH=/nonexistent " BUSYBOX " sh ./run",
		 sh_dir);
	p = popen(script, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	while ((len = fread(out + off, 1, cap - off - 1, p)) > 0) {
		off += len;
		if (cap - off < 65536) {
			char *g = realloc(out, cap *= 2);

			CU_ASSERT_PTR_NOT_NULL_FATAL(g);
			out = g;
		}
	}
	st = pclose(p);
	CU_ASSERT_EQUAL(st, 0);
	out[off] = '\0';
	/* each file: pairs, then \1status\1 (values never hold \1: lkcd refuses it) */
	for (char *s = out; done < batch.n && s < out + off; done++) {
		char *mark = memchr(s, '\1', (size_t)(out + off - s)), *end;

		CU_ASSERT_PTR_NOT_NULL_FATAL(mark);
		end = memchr(mark + 1, '\1', (size_t)(out + off - mark - 1));
		CU_ASSERT_PTR_NOT_NULL_FATAL(end);
		*end = '\0';
		compare(done, s, (size_t)(mark - s), atoi(mark + 1));
		s = end + 1;
	}
	CU_ASSERT_EQUAL(done, batch.n);
	free(out);
	batch_reset();
}

/*
 * Queue text for the shell when lkcd accepts it (a file lkcd refuses is
 * never read by anyone).  1 when accepted, 0 when refused.
 */
static int same_meaning(const char *text)
{
	struct lkcd_conf mine;
	char file[64];
	FILE *f;

	lkcd_conf_defaults(&mine);
	if (lkcd_conf_parse("t.conf", text, strlen(text), &mine, NULL, NULL))
		return 0;
	if (batch.n == MAX_BATCH)
		batch_run();
	snprintf(file, sizeof(file), "%s/c.%zu", sh_dir, batch.n);
	f = fopen(file, "w");
	CU_ASSERT_FATAL(f && fwrite(text, 1, strlen(text), f) == strlen(text) && fclose(f) == 0);
	batch.text[batch.n] = strdup(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(batch.text[batch.n]);
	batch.n++;
	return 1;
}

static int sh_init(void)
{
	return access(BUSYBOX, X_OK) || !mkdtemp(sh_dir);
}

static int sh_clean(void)
{
	char file[64];

	batch_reset();
	snprintf(file, sizeof(file), "%s/run", sh_dir);
	unlink(file);
	return rmdir(sh_dir);
}

/* The pieces tricky lines are made of: shell syntax, blanks, bytes. */
static const char *const pieces[] = {
	"", "a", "#x", " #x", "\t#x", " ", "\t", "\\", "\\\\", "\\n", "\"", "'", "$", "$x",
	"${x}", "`true`", "~", "a:~", "*", "?", "[a]", "]", "!", "%", "=", ":", ",", "@", "+",
	"&", "|", ";", "<", ">", "(", ")", "{", "}", "\r", "\v", "\f", "\x01", "\x7f", "\x80",
	"\xc2\xa0", "\xc2\xa0#x", "\xff", "-", ".", "/..", "a b", "\"a\"", "'a'",
};
static const char *const quotes[][2] = { { "", "" }, { "\"", "\"" }, { "'", "'" } };
static const char *const prefixes[] = { "", "  ", "\t", "export ", "export\t" };
static const char *const suffixes[] = { "", " # c", "#c", "\t# c", " x", ";x", "\r", "\\", " ;" };

static void test_shell_differential(void)
{
	static const char *const names[] = { "DUMPDIR", "DUMPDEV", "KEXEC_CMDLINE_APPEND",
					     "DUMP_LEVEL", "SCRUB" };
	char text[256];
	unsigned int accepted = 0, total = 0;

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++)
		for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
			for (size_t q = 0; q < 3; q++)
				for (size_t s = 0; s < sizeof(suffixes) / sizeof(suffixes[0]); s++) {
					const char *head = !strcmp(names[n], "DUMP_LEVEL") ? "kern" :
							   !strcmp(names[n], "SCRUB") ? "0x1000+4k" :
							   "/v";

					snprintf(text, sizeof(text), "%s%s=%s%s%s%s%s\n",
						 prefixes[(i + s) % 5], names[n], quotes[q][0], head,
						 pieces[i], quotes[q][1], suffixes[s]);
					accepted += same_meaning(text);
					total++;
				}
	/* not vacuous: the plain, quoted and commented forms are all accepted */
	batch_run();
	fprintf(stderr, "\n  %u of %u tricky files accepted, each read alike by busybox sh", accepted,
		total);
	CU_ASSERT(accepted >= 150);
	CU_ASSERT_EQUAL(same_meaning("DUMPDIR=/srv/dumps # comment\nDUMPDEV=\"/dev/x y\"\n"
				     "export DUMP_LEVEL='used'\n"), 1);
	CU_ASSERT_EQUAL(same_meaning("DUMPDIR=\"/a\\\"b\\$c\\`d\\\\e\"\n"), 1);
	/* issue 12, defect 1: each was accepted with a meaning of lkcd's own */
	CU_ASSERT_EQUAL(same_meaning("DUMPDIR=/var/crash#x\n"), 0);
	CU_ASSERT_EQUAL(same_meaning("DUMPDEV=/dev/vdb\r\nDUMPDIR=/var/log/dump\r\n"), 0);
	batch_run();
}

/*
 * Fuzz-style: lines of random bytes from the tricky alphabet, seeded, so a
 * failure is the same failure on every run.
 */
static void test_shell_random_lines(void)
{
	static const char alphabet[] = "a/_.-=#\"'\\$`~*?[]{}()<>|&; \t\r!%:,@+\x01\x80\xa0";
	static const char *const names[] = { "DUMPDIR", "KEXEC_CMDLINE_APPEND", "DUMP_ACTION" };
	uint32_t seed = 12;
	unsigned int accepted = 0;
	char text[64];

	for (int i = 0; i < 3000; i++) {
		size_t n = 0, len;

		seed = seed * 1103515245u + 12345u;
		n = (size_t)snprintf(text, sizeof(text), "%s%s=", (seed >> 20) % 4 ? "" : "export ",
				     names[(seed >> 16) % 3]);
		if (!strncmp(text + n - 4, "IR=", 3))
			text[n++] = '/';
		seed = seed * 1103515245u + 12345u;
		len = 1 + (seed >> 16) % 10;
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			text[n++] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		text[n++] = '\n';
		text[n] = '\0';
		accepted += same_meaning(text);
	}
	batch_run();
	fprintf(stderr, "\n  %u of 3000 random lines accepted, each read alike by busybox sh",
		accepted);
	CU_ASSERT(accepted >= 50);
}

/* The canonical form reads back to the same configuration, in lkcd and in sh. */
/* DUMP_FORMAT and lkcd save -F: the writers' names, in any case, and kdump's long name. */
static void test_format_names(void)
{
	enum lkcd_out_format f = LKCD_OUT_LKCD;

	CU_ASSERT_EQUAL(lkcd_conf_parse_format("ELF", &f), 0);
	CU_ASSERT_EQUAL(f, LKCD_OUT_ELF);
	CU_ASSERT_EQUAL(lkcd_conf_parse_format("Kdump-Compressed", &f), 0);
	CU_ASSERT_EQUAL(f, LKCD_OUT_KDUMP);
	CU_ASSERT_EQUAL(lkcd_conf_parse_format("lkcd", &f), 0);
	CU_ASSERT_EQUAL(f, LKCD_OUT_LKCD);
	CU_ASSERT_EQUAL(lkcd_conf_parse_format("kdumpx", &f), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_conf_parse_format("", &f), -EINVAL);
	CU_ASSERT_EQUAL(lkcd_conf_parse_format("kdump-compressed-and-then-some-more-bytes", &f),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(lkcd_conf_format_name(LKCD_OUT_ELF), "elf");
	CU_ASSERT_STRING_EQUAL(lkcd_conf_format_name((enum lkcd_out_format)7), "?");
}

static void test_canonical_form(void)
{
	struct lkcd_conf c, back;
	char *text, *again;

	lkcd_conf_defaults(&c);
	CU_ASSERT_EQUAL_FATAL(parse("DUMPDIR=\"/it's \\\"here\\\" \\$x\"\nDUMP_LEVEL=USED\n"
				    "DUMP_SAVE=No\nDUMP_ACTION=PowerOff\nPANIC_TIMEOUT=-1\n"
				    "KEXEC_CMDLINE_APPEND='a \"b\" \\c'\nDUMP_FLAGS=2\n", &c), 0);
	text = lkcd_conf_format(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	/* normalised: what capture-init's tests compare exactly */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nDUMP_SAVE='0'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nDUMP_ACTION='poweroff'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nDUMP_LEVEL='used'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nDUMPDIR=\"/it's \\\"here\\\" \\$x\"\n"));
	lkcd_conf_defaults(&back);
	CU_ASSERT_EQUAL(parse(text, &back), 0);
	again = lkcd_conf_format(&back);
	CU_ASSERT_STRING_EQUAL(again, text);
	CU_ASSERT_STRING_EQUAL(back.dumpdir, "/it's \"here\" $x");
	CU_ASSERT_EQUAL(same_meaning(text), 1);
	batch_run();
	free(again);
	free(text);
	lkcd_conf_defaults(&c);
	text = lkcd_conf_format(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nKEXEC_CMDLINE_REMOVE='" LKCD_CONF_CMDLINE_REMOVE "'\n"));
	CU_ASSERT_EQUAL(same_meaning(text), 1);
	batch_run();
	free(text);
}

static const CU_TestInfo shell_tests[] = {
	{ "tricky lines: lkcd and busybox sh agree, field by field", test_shell_differential },
	{ "random lines (seeded): lkcd and busybox sh agree", test_shell_random_lines },
	{ "canonical form: normalised, reads back alike", test_canonical_form },
	{ "format names: any case, kdump-compressed", test_format_names },
	CU_TEST_INFO_NULL,
};

static const CU_TestInfo config_tests[] = {
	{ "defaults, empty file", test_defaults },
	{ "good file", test_good_file },
	{ "DUMP_NFS, its options, its refusals", test_nfs },
	{ "each bad line: file:line, reason, nothing applied", test_each_bad_line },
	{ "every bad line reported", test_all_bad_lines_reported },
	{ "NUL bytes and long lines", test_binary_and_long_lines },
	{ "load from a file", test_load_file },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("config", NULL, NULL, config_tests) ||
	       lkcd_unit_add_suite("config vs sh", sh_init, sh_clean, shell_tests);
}

LKCD_TEST_MAIN(register_suites)
