/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lkcd configuration file (/etc/lkcd.conf, lkcd.conf(5)): LKCD's
 * variable names in shell syntax, NAME=value or NAME="value", comments and
 * blank lines.  Strict: an unknown name, a bad value or shell syntax we do
 * not run (expansions, command substitution) is refused with file:line and
 * the reason, and nothing of the file is applied when any line is bad.
 */
#ifndef LKCD_CONFIG_H
#define LKCD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liblkcd.h"

#define LKCD_CONF_PATH		"/etc/lkcd.conf"
#define LKCD_CONF_DUMPDIR	"/var/log/dump"
#define LKCD_CONF_STR		1024
/* DUMP_SSH_KEY's default: the key lkcd propagate makes */
#define LKCD_CONF_SSH_KEY	"/etc/lkcd/id_lkcd"
/* the server's host key, as lkcd propagate accepted it */
#define LKCD_CONF_KNOWN_HOSTS	"/etc/lkcd/known_hosts"
#define LKCD_CONF_NET_WAIT	60	/* DUMP_NET_WAIT's default, seconds */
#define LKCD_CONF_NET_WAIT_MAX	3600
#define LKCD_CONF_COMPRESS_LEVEL 3	/* lkcd.ko's default zstd level */
/*
 * What hurts a small capture kernel, as kdump-utils' KDUMP_COMMANDLINE_REMOVE
 * (crashkernel= and crashdump= are always dropped): huge page pools it
 * cannot afford, a silent console, debug and buffer sizes made for the
 * production machine.
 */
#define LKCD_CONF_CMDLINE_REMOVE \
	"quiet splash hugepages hugepagesz default_hugepagesz hugetlb_cma cma " \
	"slub_debug log_buf_len swiotlb"

enum lkcd_dump_action {
	LKCD_ACTION_REBOOT = 0,
	LKCD_ACTION_POWEROFF,
	LKCD_ACTION_SHELL,
	LKCD_ACTION_KEXEC,		/* kexec back into the production kernel */
};

struct lkcd_conf {
	bool dump_active;			/* DUMP_ACTIVE (default 1) */
	char dumpdev[LKCD_CONF_STR];		/* DUMPDEV ("" = save straight to DUMPDIR) */
	char dumpdir[LKCD_CONF_STR];		/* DUMPDIR (/var/log/dump) */
	bool dump_save;				/* DUMP_SAVE (default 1) */
	bool save_fallback;			/* SAVE_FALLBACK (default 1): without a usable
						 * lkcd dump, save /proc/vmcore itself */
	uint32_t level;				/* DUMP_LEVEL (kern) */
	uint32_t compress;			/* DUMP_COMPRESS (lzo) */
	int32_t compress_level;			/* DUMP_COMPRESS_LEVEL (3): zstd's level */
	uint32_t flags;				/* DUMP_FLAGS (0) */
	uint32_t exclude;			/* DUMP_EXCLUDE (0 = the level's default) */
	bool panic_timeout_set;
	int32_t panic_timeout;			/* PANIC_TIMEOUT, seconds (unset: untouched) */
	char kexec_kernel[LKCD_CONF_STR];	/* KEXEC_KERNEL ("" = /boot/vmlinuz-<release>) */
	char kexec_initrd[LKCD_CONF_STR];	/* KEXEC_INITRD ("" = /boot/initrd.img-<release> if present) */
	char kexec_cmdline_append[LKCD_CONF_STR]; /* KEXEC_CMDLINE_APPEND */
	char kexec_cmdline_remove[LKCD_CONF_STR]; /* KEXEC_CMDLINE_REMOVE: parameter
						 * names (NAME* = a prefix) left out
						 * of the capture command line */
	char lkcd_module[LKCD_CONF_STR];	/* LKCD_MODULE ("" = modprobe lkcd) */
	enum lkcd_out_format dump_format;	/* DUMP_FORMAT (kdump) */
	uint32_t keep_dumps;			/* KEEP_DUMPS (0 = keep all) */
	bool save_keep_zstd;			/* SAVE_ZSTD (keep): zstd pages stay zstd
						 * in kdump files; zlib = re-encode */
	enum lkcd_dump_action dump_action;	/* DUMP_ACTION (reboot) */
	/* the capture environment (lkcd mkinitrd, lkcd-utils/capture-init) */
	enum lkcd_dump_action fail_action;	/* DUMP_FAIL_ACTION (reboot) */
	bool mkinitrd;				/* MKINITRD (0): config builds the initramfs */
	char dumpdir_device[LKCD_CONF_STR];	/* DUMPDIR_DEVICE: UUID=, LABEL= or a path */
	char dumpdir_fstype[32];		/* DUMPDIR_FSTYPE ("" = as mount finds it) */
	char capture_modules[LKCD_CONF_STR];	/* CAPTURE_MODULES: more modules, space-separated */
	char production_initrd[LKCD_CONF_STR];	/* PRODUCTION_INITRD: for DUMP_ACTION=kexec
						 * ("" = /boot/initrd.img-<release>) */
	char scrub[LKCD_CONF_STR];		/* SCRUB: physical ranges lkcd save zeroes
						 * (lkcd_scrub_parse syntax; "" = none) */
	/* the network target (lkcd.conf(5), "Network targets") */
	char ssh[LKCD_CONF_STR];		/* DUMP_SSH: user@host:/path as given ("" = none) */
	char ssh_user[64];			/* its parts, checked */
	char ssh_host[256];			/* a name, an IPv4 or an IPv6 address (no []) */
	char ssh_path[LKCD_CONF_STR];		/* absolute, on the server */
	char ssh_key[LKCD_CONF_STR];		/* DUMP_SSH_KEY (LKCD_CONF_SSH_KEY) */
	uint32_t ssh_port;			/* DUMP_SSH_PORT (22) */
	uint32_t net_wait;			/* DUMP_NET_WAIT: seconds of retries (60) */
	bool net_fallback;			/* DUMP_NET_FALLBACK (1): DUMPDIR when the
						 * target cannot be reached */
	bool net_static;			/* DUMP_NET_ADDRESS: dhcp (default) or static
						 * (the interface's address at lkcd config) */
	char nfs[LKCD_CONF_STR];		/* DUMP_NFS: server:/export as given ("" = none) */
	char nfs_host[256];			/* its parts, checked: a name or an IPv4 address */
	char nfs_path[LKCD_CONF_STR];		/* the export, absolute */
	char nfs_options[LKCD_CONF_STR];	/* DUMP_NFS_OPTIONS: more mount options ("") */
};

/* Called once per bad line with "file:line: reason". */
typedef void (*lkcd_conf_report_fn)(void *ctx, const char *msg);

void lkcd_conf_defaults(struct lkcd_conf *conf);

/*
 * Parse text (len bytes; name is used in messages) over *conf.  Returns 0,
 * or -EINVAL after reporting every bad line, leaving *conf untouched.
 */
int lkcd_conf_parse(const char *name, const char *text, size_t len,
		    struct lkcd_conf *conf, lkcd_conf_report_fn report, void *ctx);

/*
 * Set one variable from its value, as a line NAME=value would: 0, -ENOENT
 * for an unknown name, -EINVAL (*why says why) for a bad value.
 */
int lkcd_conf_set(struct lkcd_conf *conf, const char *name, const char *value,
		  const char **why);
/* The i-th variable's name, NULL past the last. */
const char *lkcd_conf_var_name(size_t i);

/*
 * The configuration written back in the canonical form: every variable,
 * one NAME='value' line each, normalised (names for levels, 0/1 for
 * booleans), quoted so that a POSIX shell and lkcd_conf_parse read the same
 * values.  malloc'ed, NULL on ENOMEM.
 */
char *lkcd_conf_format(const struct lkcd_conf *conf);
/* v quoted for a shell and for this parser alike; 0 or -ENOSPC. */
int lkcd_conf_quote(const char *v, char *out, size_t size);

/*
 * Read and parse a file.  -ENOENT (reported too) when it does not exist,
 * other -errno when it cannot be read, -EINVAL on bad lines.
 */
int lkcd_conf_load(const char *path, struct lkcd_conf *conf,
		   lkcd_conf_report_fn report, void *ctx);

/*
 * DUMP_NFS's mount(2) data: the kernel's text options for an NFS mount that
 * needs no mount.nfs and no rpcbind client in userspace (the kernel sends
 * the MNT request itself): addr= and mountaddr= the server's IPv4 address
 * (addr, dotted), vers=3, proto=tcp, mountproto=tcp, nolock (no rpc.statd
 * in a capture), soft with timeo=100,retrans=2 (a server gone fails the
 * write within about a minute rather than hanging the capture), then
 * DUMP_NFS_OPTIONS, which the kernel reads last (vers=4.2, port=,
 * mountport= ...).  0, or -ENOSPC when it does not fit in len.
 */
int lkcd_conf_nfs_options(const struct lkcd_conf *conf, const char *addr, char *out,
			  size_t len);
/* NFS version 4 asked for in DUMP_NFS_OPTIONS (vers= or nfsvers= 4*): the last one wins. */
bool lkcd_conf_nfs_v4(const struct lkcd_conf *conf);

/* Value parsers shared with the command line; 0 or -EINVAL. */
int lkcd_conf_parse_level(const char *s, uint32_t *out);
int lkcd_conf_parse_compress(const char *s, uint32_t *out);
int lkcd_conf_parse_format(const char *s, enum lkcd_out_format *out);
/* SAVE_ZSTD / lkcd save --zstd: "keep" (true) or "zlib" (false) */
int lkcd_conf_parse_save_zstd(const char *s, bool *keep);
const char *lkcd_conf_format_name(enum lkcd_out_format f);
const char *lkcd_conf_action_name(enum lkcd_dump_action a);

#endif /* LKCD_CONFIG_H */
