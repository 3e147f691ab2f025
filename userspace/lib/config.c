// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lkcd.conf parser.  Shell-like enough that the file can also be sourced by
 * a shell script, strict enough that a typo is an error and not a silently
 * different dump: one NAME=value per line, the value bare, "double quoted"
 * (\" \\ \$ \` escapes) or 'single quoted'; no expansions.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "lkcd/params.h"

#define MAX_LINE	4096
#define MAX_FILE	(1 << 20)

void lkcd_conf_defaults(struct lkcd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->dump_active = true;
	c->dump_save = true;
	c->save_fallback = true;
	snprintf(c->dumpdir, sizeof(c->dumpdir), "%s", LKCD_CONF_DUMPDIR);
	c->level = LKCD_LEVEL_KERN;
	c->compress = LKCD_COMPRESS_LZO;	/* performance.rst: issue 18 */
	c->compress_level = LKCD_CONF_COMPRESS_LEVEL;
	c->dump_format = LKCD_OUT_KDUMP;
	/*
	 * zstd pages are kept: DUMP_COMPRESS=zstd is a choice for speed, and
	 * crash, libkdumpfile and drgn read them; makedumpfile built without
	 * zstd (Debian 12's 1.7.2) needs SAVE_ZSTD=zlib.  The default
	 * DUMP_COMPRESS=lzo (and zlib) make files every reader opens either way.
	 */
	c->save_keep_zstd = true;
	c->dump_action = LKCD_ACTION_REBOOT;
	c->fail_action = LKCD_ACTION_REBOOT;
	snprintf(c->kexec_cmdline_remove, sizeof(c->kexec_cmdline_remove), "%s",
		 LKCD_CONF_CMDLINE_REMOVE);
	snprintf(c->ssh_key, sizeof(c->ssh_key), "%s", LKCD_CONF_SSH_KEY);
	c->ssh_port = 22;
	c->net_wait = LKCD_CONF_NET_WAIT;
	c->net_fallback = true;
}

static int parse_u32(const char *s, uint32_t *out)
{
	return lkcd_parse_u32(s, strlen(s), out) ? -EINVAL : 0;
}

int lkcd_conf_parse_level(const char *s, uint32_t *out)
{
	static const char *const names[] = { "none", "header", "kern", "used", "all_ram" };
	static const uint32_t values[] = { LKCD_LEVEL_NONE, LKCD_LEVEL_HEADER,
		LKCD_LEVEL_KERN, LKCD_LEVEL_USED, LKCD_LEVEL_ALL_RAM };
	uint32_t v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i])) {
			*out = values[i];
			return 0;
		}
	if (parse_u32(s, &v) || !lkcd_level_valid(v))
		return -EINVAL;
	*out = v;
	return 0;
}

int lkcd_conf_parse_compress(const char *s, uint32_t *out)
{
	static const char *const names[] = { "none", "zlib", "gzip", "zstd", "lz4", "lzo" };
	static const uint32_t values[] = { LKCD_COMPRESS_NONE, LKCD_COMPRESS_ZLIB,
		LKCD_COMPRESS_ZLIB, LKCD_COMPRESS_ZSTD, LKCD_COMPRESS_LZ4, LKCD_COMPRESS_LZO };
	uint32_t v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i])) {
			*out = values[i];
			return 0;
		}
	if (parse_u32(s, &v) || !lkcd_compress_valid(v))
		return -EINVAL;
	*out = v;
	return 0;
}

int lkcd_conf_parse_format(const char *s, enum lkcd_out_format *out)
{
	char name[32];
	size_t i;

	/* the writers' names (write_format.c), in any case; kdump's long name */
	for (i = 0; s[i] && i < sizeof(name) - 1; i++)
		name[i] = (char)tolower((unsigned char)s[i]);
	if (s[i])
		return -EINVAL;
	name[i] = '\0';
	if (!strcmp(name, "kdump-compressed"))
		return lkcd_out_format_parse("kdump", out);
	return lkcd_out_format_parse(name, out);
}

int lkcd_conf_parse_save_zstd(const char *s, bool *keep)
{
	if (!strcasecmp(s, "keep"))
		*keep = true;
	else if (!strcasecmp(s, "zlib"))
		*keep = false;
	else
		return -EINVAL;
	return 0;
}

const char *lkcd_conf_format_name(enum lkcd_out_format f)
{
	return lkcd_out_format_name(f);
}

const char *lkcd_conf_action_name(enum lkcd_dump_action a)
{
	switch (a) {
	case LKCD_ACTION_REBOOT:	return "reboot";
	case LKCD_ACTION_POWEROFF:	return "poweroff";
	case LKCD_ACTION_SHELL:		return "shell";
	case LKCD_ACTION_KEXEC:		return "kexec";
	}
	return "?";
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "y") ||
	    !strcasecmp(s, "true"))
		*out = true;
	else if (!strcmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "n") ||
		 !strcasecmp(s, "false"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* ---- one handler per variable: value -> conf, or a reason ---- */

typedef const char *(*setter)(struct lkcd_conf *c, const char *v);

static const char *set_dump_active(struct lkcd_conf *c, const char *v)
{
	return parse_bool(v, &c->dump_active) ? "expected 0 or 1 (yes/no)" : NULL;
}

static const char *set_dump_save(struct lkcd_conf *c, const char *v)
{
	return parse_bool(v, &c->dump_save) ? "expected 0 or 1 (yes/no)" : NULL;
}

static const char *set_path(char *dst, const char *v, bool required)
{
	if (!*v)
		return required ? "must not be empty" : (*dst = '\0', NULL);
	if (v[0] != '/')
		return "must be an absolute path";
	if (strlen(v) >= LKCD_CONF_STR)
		return "path too long";
	strcpy(dst, v);
	return NULL;
}

static const char *set_dumpdev(struct lkcd_conf *c, const char *v)
{
	return set_path(c->dumpdev, v, false);
}

static const char *set_dumpdir(struct lkcd_conf *c, const char *v)
{
	return set_path(c->dumpdir, v, true);
}

static const char *set_kexec_kernel(struct lkcd_conf *c, const char *v)
{
	return set_path(c->kexec_kernel, v, false);
}

static const char *set_kexec_initrd(struct lkcd_conf *c, const char *v)
{
	return set_path(c->kexec_initrd, v, false);
}

static const char *set_lkcd_module(struct lkcd_conf *c, const char *v)
{
	return set_path(c->lkcd_module, v, false);
}

static const char *set_cmdline_append(struct lkcd_conf *c, const char *v)
{
	if (strlen(v) >= LKCD_CONF_STR)
		return "too long";
	if (strstr(v, "crashdump="))
		return "must not contain crashdump= (lkcd config adds it)";
	strcpy(c->kexec_cmdline_append, v);
	return NULL;
}

/* Parameter names, NAME or NAME* (a prefix), separated by spaces. */
static const char *set_cmdline_remove(struct lkcd_conf *c, const char *v)
{
	for (const char *p = v; *p; p++) {
		if (*p == '*' && p[1] && p[1] != ' ')
			return "'*' may only end a name (NAME* drops every NAME...)";
		if (!isgraph((unsigned char)*p) && *p != ' ')
			return "expected parameter names separated by spaces";
		if (*p == '=' || *p == '"')
			return "expected parameter names without values (quiet, hugepages*)";
	}
	if (strlen(v) >= LKCD_CONF_STR)
		return "too long";
	strcpy(c->kexec_cmdline_remove, v);
	return NULL;
}

static const char *set_save_fallback(struct lkcd_conf *c, const char *v)
{
	return parse_bool(v, &c->save_fallback) ? "expected 0 or 1 (yes/no)" : NULL;
}

static const char *set_level(struct lkcd_conf *c, const char *v)
{
	return lkcd_conf_parse_level(v, &c->level) ?
		"expected none, header, kern, used, all_ram or 0, 1, 2, 4, 8" : NULL;
}

static const char *set_compress(struct lkcd_conf *c, const char *v)
{
	return lkcd_conf_parse_compress(v, &c->compress) ?
		"expected none, zlib, zstd, lz4, lzo or 0, 2, 3, 4, 5" : NULL;
}

static const char *set_compress_level(struct lkcd_conf *c, const char *v)
{
	int32_t level;

	if (lkcd_parse_s32(v, strlen(v), &level) || !lkcd_compress_level_valid(level))
		return "expected a zstd level, -131072 to 22 (0 = zstd's default, 3)";
	c->compress_level = level;
	return NULL;
}

static const char *set_flags(struct lkcd_conf *c, const char *v)
{
	uint32_t f;

	if (parse_u32(v, &f) || !lkcd_flags_valid(f))
		return "expected a number with only bits 0x1 (NONDISRUPT) and 0x2 (SOFTBOOT)";
	c->flags = f;
	return NULL;
}

static const char *set_exclude(struct lkcd_conf *c, const char *v)
{
	uint32_t e;

	if (parse_u32(v, &e) || !lkcd_exclude_valid(e))
		return "expected makedumpfile -d bits, 0 to 31";
	c->exclude = e;
	return NULL;
}

static const char *set_panic_timeout(struct lkcd_conf *c, const char *v)
{
	char *end;
	long t;

	if (!*v) {
		c->panic_timeout_set = false;
		return NULL;
	}
	errno = 0;
	t = strtol(v, &end, 10);
	if (errno || *end || end == v || t < -2147483647L || t > 2147483647L)
		return "expected a number of seconds (negative: reboot at once)";
	c->panic_timeout = (int32_t)t;
	c->panic_timeout_set = true;
	return NULL;
}

static const char *set_format(struct lkcd_conf *c, const char *v)
{
	return lkcd_conf_parse_format(v, &c->dump_format) ?
		"expected kdump, lkcd or elf" : NULL;
}

static const char *set_keep_dumps(struct lkcd_conf *c, const char *v)
{
	return parse_u32(v, &c->keep_dumps) ? "expected a number (0 = keep all)" : NULL;
}

static const char *set_save_zstd(struct lkcd_conf *c, const char *v)
{
	return lkcd_conf_parse_save_zstd(v, &c->save_keep_zstd) ?
		"expected keep or zlib" : NULL;
}

static const char *parse_action(const char *v, enum lkcd_dump_action *a)
{
	if (!strcasecmp(v, "reboot"))
		*a = LKCD_ACTION_REBOOT;
	else if (!strcasecmp(v, "poweroff"))
		*a = LKCD_ACTION_POWEROFF;
	else if (!strcasecmp(v, "shell"))
		*a = LKCD_ACTION_SHELL;
	else if (!strcasecmp(v, "kexec"))
		*a = LKCD_ACTION_KEXEC;
	else
		return "expected reboot, poweroff, shell or kexec";
	return NULL;
}

static const char *set_action(struct lkcd_conf *c, const char *v)
{
	return parse_action(v, &c->dump_action);
}

static const char *set_fail_action(struct lkcd_conf *c, const char *v)
{
	return parse_action(v, &c->fail_action);
}

static const char *set_mkinitrd(struct lkcd_conf *c, const char *v)
{
	return parse_bool(v, &c->mkinitrd) ? "expected 0 or 1 (yes/no)" : NULL;
}

/* A device the capture init can find without udev: a path, UUID= or LABEL=. */
static const char *set_dumpdir_device(struct lkcd_conf *c, const char *v)
{
	const char *id = NULL;

	if (!strncmp(v, "UUID=", 5))
		id = v + 5;
	else if (!strncmp(v, "LABEL=", 6))
		id = v + 6;
	else if (*v && v[0] != '/')
		return "expected UUID=..., LABEL=... or an absolute device path";
	if (id && !*id)
		return "empty UUID or LABEL";
	for (const char *p = v; *p; p++)
		if (!isgraph((unsigned char)*p))
			return "no spaces or control characters allowed";
	if (strlen(v) >= LKCD_CONF_STR)
		return "too long";
	strcpy(c->dumpdir_device, v);
	return NULL;
}

static const char *set_dumpdir_fstype(struct lkcd_conf *c, const char *v)
{
	if (strlen(v) >= sizeof(c->dumpdir_fstype))
		return "too long";
	for (const char *p = v; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return "expected a filesystem type such as ext4 or xfs";
	strcpy(c->dumpdir_fstype, v);
	return NULL;
}

static const char *set_production_initrd(struct lkcd_conf *c, const char *v)
{
	return set_path(c->production_initrd, v, false);
}

static const char *set_capture_modules(struct lkcd_conf *c, const char *v)
{
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != ' ')
			return "expected module names separated by spaces";
	if (strlen(v) >= LKCD_CONF_STR)
		return "too long";
	strcpy(c->capture_modules, v);
	return NULL;
}

/* Checked here so a bad range fails lkcd config, not the save after a crash. */
static const char *set_scrub(struct lkcd_conf *c, const char *v)
{
	static char why[LKCD_CONF_STR + 64];	/* setters return static text */
	struct lkcd_scrub_range *r;
	struct lkcd_error err = { 0 };
	size_t n;

	if (strlen(v) >= LKCD_CONF_STR)
		return "too long";
	if (lkcd_scrub_parse(v, &r, &n, &err) < 0) {
		snprintf(why, sizeof(why), "%s", err.msg);
		return why;
	}
	free(r);
	strcpy(c->scrub, v);
	return NULL;
}

/*
 * A server's path of plain characters, without '..': why not (bad_char
 * for a character outside the set), or NULL.
 */
static const char *plain_path_bad(const char *path, const char *bad_char)
{
	for (const char *p = path; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/._-+,=@%", *p))
			return bad_char;
	for (const char *p = strstr(path, "/.."); p; p = strstr(p + 1, "/.."))
		if (p[3] == '/' || p[3] == '\0')
			return "path: no '..' components";
	return NULL;
}

/*
 * DUMP_SSH=user@host:/path.  The parts go into an ssh command line and a
 * remote shell command, so only what needs no quoting on either side is
 * taken: a user name, a host name or address ([v6] in brackets), a path
 * of plain characters.
 */
static const char *set_ssh(struct lkcd_conf *c, const char *v)
{
	const char *at, *host, *hend, *colon, *path, *why;
	size_t ulen, hlen;

	if (!*v) {
		c->ssh[0] = c->ssh_user[0] = c->ssh_host[0] = c->ssh_path[0] = '\0';
		return NULL;
	}
	if (strlen(v) >= LKCD_CONF_STR)
		return "too long";
	at = strchr(v, '@');
	if (!at || at == v)
		return "expected user@host:/path (the user is required)";
	ulen = (size_t)(at - v);
	if (ulen >= sizeof(c->ssh_user))
		return "user name too long";
	for (const char *p = v; p < at; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return "user name: expected letters, digits, '.', '_' or '-'";
	if (v[0] == '-')
		return "user name must not start with '-'";
	host = at + 1;
	if (*host == '-')
		return "host must not start with '-'";
	if (*host == '[') {
		hend = strchr(host, ']');
		if (!hend || hend[1] != ':')
			return "expected user@[IPv6]:/path";
		host++;
		colon = hend + 1;
		for (const char *p = host; p < hend; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return "host: not an IPv6 address";
	} else {
		colon = strchr(host, ':');
		if (!colon)
			return "expected user@host:/path (no ':' before the path)";
		hend = colon;
		for (const char *p = host; p < hend; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
				return "host: expected a host name or an IPv4 address "
				       "(an IPv6 one in [])";
	}
	hlen = (size_t)(hend - host);
	if (!hlen)
		return "host is empty";
	if (hlen >= sizeof(c->ssh_host))
		return "host name too long";
	path = colon + 1;
	if (path[0] != '/')
		return "the path on the server must be absolute (user@host:/path)";
	why = plain_path_bad(path, "path: expected letters, digits and / . _ - + , = @ % only "
			     "(it goes into a remote shell command)");
	if (why)
		return why;
	strcpy(c->ssh, v);
	memcpy(c->ssh_user, v, ulen);
	c->ssh_user[ulen] = '\0';
	memcpy(c->ssh_host, host, hlen);
	c->ssh_host[hlen] = '\0';
	strcpy(c->ssh_path, path);
	return NULL;
}

static const char *set_ssh_key(struct lkcd_conf *c, const char *v)
{
	return set_path(c->ssh_key, v, true);
}

static const char *set_ssh_port(struct lkcd_conf *c, const char *v)
{
	uint32_t port;

	if (parse_u32(v, &port) || port < 1 || port > 65535)
		return "expected a TCP port, 1 to 65535";
	c->ssh_port = port;
	return NULL;
}

static const char *set_net_wait(struct lkcd_conf *c, const char *v)
{
	uint32_t t;

	if (parse_u32(v, &t) || t > LKCD_CONF_NET_WAIT_MAX)
		return "expected seconds, 0 to 3600";
	c->net_wait = t;
	return NULL;
}

static const char *set_net_fallback(struct lkcd_conf *c, const char *v)
{
	return parse_bool(v, &c->net_fallback) ? "expected 0 or 1 (yes/no)" : NULL;
}

static const char *set_net_address(struct lkcd_conf *c, const char *v)
{
	if (!strcasecmp(v, "dhcp"))
		c->net_static = false;
	else if (!strcasecmp(v, "static"))
		c->net_static = true;
	else
		return "expected dhcp or static";
	return NULL;
}

/*
 * DUMP_NFS=server:/export.  The server becomes mount(2)'s source and, as an
 * address, its addr= option; a name or an IPv4 address (the capture
 * initramfs configures IPv4 only); the export is a path of plain
 * characters, as DUMP_SSH's.
 */
static const char *set_nfs(struct lkcd_conf *c, const char *v)
{
	const char *colon = strchr(v, ':'), *path, *why;
	size_t hlen;

	if (!*v) {
		c->nfs[0] = c->nfs_host[0] = c->nfs_path[0] = '\0';
		return NULL;
	}
	if (strlen(v) >= LKCD_CONF_STR)
		return "too long";
	if (v[0] == '[')
		return "an IPv6 server: the capture initramfs configures IPv4 only";
	if (!colon)
		return "expected server:/export/path (no ':' before the path)";
	hlen = (size_t)(colon - v);
	if (!hlen)
		return "server is empty";
	if (hlen >= sizeof(c->nfs_host))
		return "server name too long";
	if (v[0] == '-')
		return "server must not start with '-'";
	for (const char *p = v; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			return "server: expected a host name or an IPv4 address";
	path = colon + 1;
	if (path[0] != '/')
		return "the export must be an absolute path (server:/export/path)";
	why = plain_path_bad(path, "path: expected letters, digits and / . _ - + , = @ % only");
	if (why)
		return why;
	strcpy(c->nfs, v);
	memcpy(c->nfs_host, v, hlen);
	c->nfs_host[hlen] = '\0';
	strcpy(c->nfs_path, path);
	return NULL;
}

/*
 * DUMP_NFS_OPTIONS: NAME or NAME=VALUE items separated by commas, passed to
 * the kernel after lkcd's own.  Refused: what lkcd computes (addr=,
 * mountaddr=: the address lkcd mkinitrd resolved), what the capture cannot
 * serve (lock: no rpc.statd), and anything that is not a plain option.
 */
static const char *set_nfs_options(struct lkcd_conf *c, const char *v)
{
	static const char *const refused[] = { "addr", "mountaddr", "lock", NULL };
	const char *p = v;

	if (strlen(v) >= LKCD_CONF_STR)
		return "too long";
	while (*p) {
		size_t n = strcspn(p, ","), name = strcspn(p, "=,");

		if (!n)
			return "an empty option (two commas, or one at either end)";
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)p[i]) && !strchr("_.-=:/", p[i]))
				return "expected NAME or NAME=VALUE options separated by commas, of "
				       "letters, digits and _ . - : / only";
		for (int r = 0; refused[r]; r++)
			if (name == strlen(refused[r]) && !strncmp(p, refused[r], name))
				return !strcmp(refused[r], "lock") ?
				       "lock: the capture has no rpc.statd (lkcd mounts with nolock)" :
				       "addr= and mountaddr= are lkcd's: it mounts the "
				       "server's address, resolved when the initramfs is built";
		p += n;
		if (*p == ',' && !p[1])
			return "an empty option (two commas, or one at either end)";
		if (*p == ',')
			p++;
	}
	strcpy(c->nfs_options, v);
	return NULL;
}

bool lkcd_conf_nfs_v4(const struct lkcd_conf *c)
{
	bool v4 = false;

	for (const char *p = c->nfs_options; *p;) {
		size_t n = strcspn(p, ",");

		if ((!strncmp(p, "vers=", 5) && n > 5) || (!strncmp(p, "nfsvers=", 8) && n > 8))
			v4 = p[strcspn(p, "=") + 1] == '4';
		else if (n == 2 && !strncmp(p, "v4", 2))
			v4 = true;
		else if (n == 2 && (!strncmp(p, "v3", 2) || !strncmp(p, "v2", 2)))
			v4 = false;
		p += n + (p[n] == ',');
	}
	return v4;
}

int lkcd_conf_nfs_options(const struct lkcd_conf *c, const char *addr, char *out, size_t len)
{
	int n = snprintf(out, len,
			 "vers=3,proto=tcp,mountproto=tcp,nolock,soft,timeo=100,retrans=2,"
			 "addr=%s,mountaddr=%s%s%s", addr, addr, c->nfs_options[0] ? "," : "",
			 c->nfs_options);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static const struct {
	const char *name;
	setter set;
} vars[] = {
	{ "DUMP_ACTIVE", set_dump_active },
	{ "DUMPDEV", set_dumpdev },
	{ "DUMPDIR", set_dumpdir },
	{ "DUMP_SAVE", set_dump_save },
	{ "SAVE_FALLBACK", set_save_fallback },
	{ "DUMP_LEVEL", set_level },
	{ "DUMP_COMPRESS", set_compress },
	{ "DUMP_COMPRESS_LEVEL", set_compress_level },
	{ "DUMP_FLAGS", set_flags },
	{ "DUMP_EXCLUDE", set_exclude },
	{ "PANIC_TIMEOUT", set_panic_timeout },
	{ "KEXEC_KERNEL", set_kexec_kernel },
	{ "KEXEC_INITRD", set_kexec_initrd },
	{ "KEXEC_CMDLINE_APPEND", set_cmdline_append },
	{ "KEXEC_CMDLINE_REMOVE", set_cmdline_remove },
	{ "LKCD_MODULE", set_lkcd_module },
	{ "DUMP_FORMAT", set_format },
	{ "KEEP_DUMPS", set_keep_dumps },
	{ "SAVE_ZSTD", set_save_zstd },
	{ "DUMP_ACTION", set_action },
	{ "DUMP_FAIL_ACTION", set_fail_action },
	{ "MKINITRD", set_mkinitrd },
	{ "DUMPDIR_DEVICE", set_dumpdir_device },
	{ "DUMPDIR_FSTYPE", set_dumpdir_fstype },
	{ "CAPTURE_MODULES", set_capture_modules },
	{ "PRODUCTION_INITRD", set_production_initrd },
	{ "SCRUB", set_scrub },
	{ "DUMP_SSH", set_ssh },
	{ "DUMP_SSH_KEY", set_ssh_key },
	{ "DUMP_SSH_PORT", set_ssh_port },
	{ "DUMP_NET_WAIT", set_net_wait },
	{ "DUMP_NET_FALLBACK", set_net_fallback },
	{ "DUMP_NET_ADDRESS", set_net_address },
	{ "DUMP_NFS", set_nfs },
	{ "DUMP_NFS_OPTIONS", set_nfs_options },
};

/* ---- the line syntax ---- */

/*
 * The file is read by two programs: this parser (lkcd config, lkcd save)
 * and, for a file someone sources by hand, a POSIX shell.  Every line this
 * parser accepts must mean the same to both, so whatever the two would read
 * differently is refused rather than read one way:
 *   - a control character (a CRLF line end: the shell keeps the \r in the
 *     value, so DUMPDEV=/dev/sdb\r names a device that never appears);
 *   - '#' inside a word (DUMPDIR=/var/crash#x: a shell keeps "#x", a comment
 *     starts only at the beginning of a word), so after a value a comment
 *     needs a blank before it;
 *   - every character a shell expands or treats as syntax, outside quotes.
 * The capture initramfs does not source this file at all: lkcd mkinitrd
 * writes the parsed values back (lkcd_conf_format), so both sides of the
 * capture read what lkcd config validated.
 */

static bool only_comment_left(const char *p)
{
	if (*p && *p != ' ' && *p != '\t')
		return false;	/* "/a"#x or "/a"b: still the same word to a shell */
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || *p == '#';
}

/*
 * Split a line into name and value (val has room for the line).  NULL, or
 * the reason the line is refused.  *name_out is NULL for blank/comment lines.
 */
static const char *parse_line(char *line, char **name_out, char *val)
{
	char *p = line, *name;
	size_t n = 0;

	*name_out = NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return NULL;
	if (!strncmp(p, "export", 6) && (p[6] == ' ' || p[6] == '\t')) {
		p += 6;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	name = p;
	if (!(isupper((unsigned char)*p) || *p == '_'))
		return "expected NAME=value";
	while (isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
		p++;
	if (*p != '=') {
		if (*p == ' ' || *p == '\t')
			return "no spaces allowed around '=' (shell syntax)";
		return "expected NAME=value";
	}
	*p++ = '\0';
	*name_out = name;

	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (!*p)
				return "unterminated double quote";
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' ||
					   p[1] == '`')) {
				p++;
			} else if (*p == '$' || *p == '`') {
				return "shell expansion ($ or `) is not supported";
			}
			val[n++] = *p;
		}
		p++;
	} else if (*p == '\'') {
		for (p++; *p != '\''; p++) {
			if (!*p)
				return "unterminated single quote";
			val[n++] = *p;
		}
		p++;
	} else {
		for (; *p && *p != ' ' && *p != '\t'; p++) {
			if (*p == '#')
				return "'#' inside a value: a shell keeps it as part of the value "
				       "(quote the value, or put a blank before a comment)";
			if (strchr("$`\\\"';&|<>(){}*?[]~", *p))
				return "special shell character in an unquoted value (quote it)";
			val[n++] = *p;
		}
	}
	val[n] = '\0';
	if (!only_comment_left(p))
		return "unexpected text after the value";
	return NULL;
}

static void report_line(lkcd_conf_report_fn report, void *ctx, const char *file,
			unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void report_line(lkcd_conf_report_fn report, void *ctx, const char *file,
			unsigned int line, const char *fmt, ...)
{
	char msg[1400];
	int n;
	va_list ap;

	if (!report)
		return;
	n = snprintf(msg, sizeof(msg), "%s:%u: ", file, line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	report(ctx, msg);
}

/* The first control character of a line (tab allowed), as a reason; NULL if none. */
static const char *control_char(const char *line, size_t len, char *why, size_t size)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\t' || (ch >= 0x20 && ch != 0x7f))
			continue;
		if (ch == '\0')
			return "NUL byte in the line";
		if (ch == '\r')
			return "carriage return (\\r, a DOS/CRLF line end): a shell keeps it in the "
			       "value; convert the file with dos2unix";
		snprintf(why, size, "control character 0x%02x in the line", ch);
		return why;
	}
	return NULL;
}

const char *lkcd_conf_var_name(size_t i)
{
	return i < sizeof(vars) / sizeof(vars[0]) ? vars[i].name : NULL;
}

int lkcd_conf_set(struct lkcd_conf *conf, const char *name, const char *value,
		  const char **why)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (strcmp(vars[i].name, name))
			continue;
		*why = vars[i].set(conf, value);
		return *why ? -EINVAL : 0;
	}
	*why = "unknown variable";
	return -ENOENT;
}

int lkcd_conf_parse(const char *file, const char *text, size_t len,
		    struct lkcd_conf *conf, lkcd_conf_report_fn report, void *ctx)
{
	struct lkcd_conf tmp = *conf;
	char line[MAX_LINE + 1], val[MAX_LINE + 1], cwhy[64];
	unsigned int lineno = 0, bad = 0;
	size_t off = 0;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (text + off)) : len - off;
		const char *why;
		char *name;
		int ret;

		lineno++;
		if (l > MAX_LINE) {
			report_line(report, ctx, file, lineno, "line longer than %d bytes", MAX_LINE);
			bad++;
			off += l + 1;
			continue;
		}
		memcpy(line, text + off, l);
		line[l] = '\0';
		off += l + 1;
		why = control_char(line, l, cwhy, sizeof(cwhy));
		if (!why)
			why = parse_line(line, &name, val);
		if (why) {
			report_line(report, ctx, file, lineno, "%s", why);
			bad++;
			continue;
		}
		if (!name)
			continue;
		ret = lkcd_conf_set(&tmp, name, val, &why);
		if (ret == -ENOENT) {
			report_line(report, ctx, file, lineno, "unknown variable %s", name);
			bad++;
		} else if (ret) {
			report_line(report, ctx, file, lineno, "%s=\"%.200s\": %s", name, val, why);
			bad++;
		}
	}
	/* what no single line shows: two places for the one dump */
	const struct {
		bool both;
		const char *a, *b, *what;
	} clash[] = {
		{ tmp.ssh[0] && tmp.dumpdev[0], "DUMP_SSH", "DUMPDEV",
		  "saves either to the server or onto DUMPDEV" },
		{ tmp.nfs[0] && tmp.ssh[0], "DUMP_NFS", "DUMP_SSH", "saves to one server" },
		{ tmp.nfs[0] && tmp.dumpdev[0], "DUMP_NFS", "DUMPDEV",
		  "saves either to the server or onto DUMPDEV" },
	};

	for (size_t i = 0; i < sizeof(clash) / sizeof(clash[0]); i++)
		if (clash[i].both) {
			report_line(report, ctx, file, lineno,
				    "%s and %s: the capture kernel %s; set one of them",
				    clash[i].a, clash[i].b, clash[i].what);
			bad++;
		}
	if (bad)
		return -EINVAL;
	*conf = tmp;
	return 0;
}

/* ---- writing the values back: what the capture initramfs reads ---- */

int lkcd_conf_quote(const char *v, char *out, size_t size)
{
	size_t n = 0;
	bool single = !strchr(v, '\'');

	/*
	 * '...' keeps everything but a single quote, in a shell and here; a
	 * value with one goes in "..." with \" \\ \$ \` escaped, which both
	 * read the same way too.
	 */
#define PUT(ch) do { if (n + 1 >= size) return -ENOSPC; out[n++] = (ch); } while (0)
	PUT(single ? '\'' : '"');
	for (const char *p = v; *p; p++) {
		if (!single && strchr("\"\\$`", *p))
			PUT('\\');
		PUT(*p);
	}
	PUT(single ? '\'' : '"');
#undef PUT
	out[n] = '\0';
	return 0;
}

static const char *bool_text(bool b)
{
	return b ? "1" : "0";
}

char *lkcd_conf_format(const struct lkcd_conf *c)
{
	char num[8][32];
	const struct {
		const char *name;
		const char *value;
	} out[] = {
		{ "DUMP_ACTIVE", bool_text(c->dump_active) },
		{ "DUMPDEV", c->dumpdev },
		{ "DUMPDIR", c->dumpdir },
		{ "DUMP_SAVE", bool_text(c->dump_save) },
		{ "SAVE_FALLBACK", bool_text(c->save_fallback) },
		{ "DUMP_LEVEL", lkcd_level_name(c->level) },
		{ "DUMP_COMPRESS", lkcd_compress_name(c->compress) },
		{ "DUMP_COMPRESS_LEVEL", (snprintf(num[4], 32, "%d", c->compress_level), num[4]) },
		{ "DUMP_FLAGS", (snprintf(num[0], 32, "0x%x", c->flags), num[0]) },
		{ "DUMP_EXCLUDE", (snprintf(num[1], 32, "%u", c->exclude), num[1]) },
		{ "PANIC_TIMEOUT", c->panic_timeout_set ?
			(snprintf(num[2], 32, "%d", c->panic_timeout), num[2]) : "" },
		{ "KEXEC_KERNEL", c->kexec_kernel },
		{ "KEXEC_INITRD", c->kexec_initrd },
		{ "KEXEC_CMDLINE_APPEND", c->kexec_cmdline_append },
		{ "KEXEC_CMDLINE_REMOVE", c->kexec_cmdline_remove },
		{ "LKCD_MODULE", c->lkcd_module },
		{ "DUMP_FORMAT", lkcd_conf_format_name(c->dump_format) },
		{ "KEEP_DUMPS", (snprintf(num[3], 32, "%u", c->keep_dumps), num[3]) },
		{ "SAVE_ZSTD", c->save_keep_zstd ? "keep" : "zlib" },
		{ "DUMP_ACTION", lkcd_conf_action_name(c->dump_action) },
		{ "DUMP_FAIL_ACTION", lkcd_conf_action_name(c->fail_action) },
		{ "MKINITRD", bool_text(c->mkinitrd) },
		{ "DUMPDIR_DEVICE", c->dumpdir_device },
		{ "DUMPDIR_FSTYPE", c->dumpdir_fstype },
		{ "CAPTURE_MODULES", c->capture_modules },
		{ "PRODUCTION_INITRD", c->production_initrd },
		{ "SCRUB", c->scrub },
		{ "DUMP_SSH", c->ssh },
		{ "DUMP_SSH_KEY", c->ssh_key },
		{ "DUMP_SSH_PORT", (snprintf(num[4], 32, "%u", c->ssh_port), num[4]) },
		{ "DUMP_NET_WAIT", (snprintf(num[5], 32, "%u", c->net_wait), num[5]) },
		{ "DUMP_NET_FALLBACK", bool_text(c->net_fallback) },
		{ "DUMP_NET_ADDRESS", c->net_static ? "static" : "dhcp" },
		{ "DUMP_NFS", c->nfs },
		{ "DUMP_NFS_OPTIONS", c->nfs_options },
	};
	static const char head[] = "# written by lkcd from the configuration it validated\n";
	size_t size = sizeof(head), used;
	char *text, q[2 * LKCD_CONF_STR + 3];

	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		size += strlen(out[i].name) + 2 * strlen(out[i].value) + 5;
	text = malloc(size);
	if (!text)
		return NULL;
	used = (size_t)snprintf(text, size, "%s", head);
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		if (lkcd_conf_quote(out[i].value, q, sizeof(q)) < 0) {
			free(text);
			return NULL;	/* cannot happen: values are below LKCD_CONF_STR */
		}
		used += (size_t)snprintf(text + used, size - used, "%s=%s\n", out[i].name, q);
	}
	return text;
}

int lkcd_conf_load(const char *path, struct lkcd_conf *conf,
		   lkcd_conf_report_fn report, void *ctx)
{
	char msg[1200];
	char *buf = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto report;
	}
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto report;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, MAX_FILE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto report;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MAX_FILE) {
			ret = -EFBIG;
			goto report;
		}
	}
	close(fd);
	ret = lkcd_conf_parse(path, buf, len, conf, report, ctx);
	free(buf);
	return ret;
report:
	if (fd >= 0)
		close(fd);
	free(buf);
	if (report) {
		snprintf(msg, sizeof(msg), "%s: %s", path,
			 ret == -EFBIG ? "file larger than 1 MiB" : strerror(-ret));
		report(ctx, msg);
	}
	return ret;
}
