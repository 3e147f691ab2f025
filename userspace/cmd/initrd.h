/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * lkcd mkinitrd: the capture initramfs as a list of entries (cmd_mkinitrd.c
 * builds it), written by libarchive (initrd_archive.c); the shared
 * libraries a program needs, from its ELF headers (initrd_elf.c: the
 * capture initramfs may be built where there is no ldd).
 */
#ifndef LKCD_INITRD_H
#define LKCD_INITRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct initrd_entry {
	char *path;		/* in the archive, without the leading '/' */
	char type;		/* 'd' dir, 'f' file, 'l' symlink, 'c' char device */
	unsigned int mode;	/* permission bits */
	char *src;		/* 'f': file to copy, or NULL with data */
	void *data;		/* 'f': generated content (size bytes) */
	uint64_t size;		/* 'f' */
	char *link;		/* 'l': target */
	dev_t rdev;		/* 'c' */
	const char *why;	/* for --list: what it is for */
};

enum initrd_compress { INITRD_GZIP = 0, INITRD_XZ, INITRD_ZSTD, INITRD_NONE };

/* Write the entries (sorted, parents first) as a cpio newc archive. */
int initrd_write_archive(const char *path, enum initrd_compress comp,
			 const struct initrd_entry *ents, size_t n, char *why, size_t len);

/*
 * The ELF interpreter and DT_NEEDED libraries of an x86_64/any 64-bit LE
 * program, recursively, resolved in the standard library directories
 * (under root, "" for /).  Calls add(ctx, path) for each (absolute path as
 * found).  0 or -errno with why set.
 */
/*
 * Does the initramfs at path hold the lkcd program (initrd_probe.c)?  1
 * yes; 0 no, -1 cannot tell: why says what was found.
 */
int initrd_runs_lkcd(const char *path, char *why, size_t size);

int initrd_elf_deps(const char *prog, const char *root,
		    int (*add)(void *ctx, const char *path), void *ctx,
		    char *why, size_t len);

struct lkcd_conf;
/* DUMP_SSH's or DUMP_NFS's network, as found on the running system (initrd_net.c). */
struct initrd_net {
	char ip[64];		/* the server's IPv4 address */
	char ifname[64];	/* the interface of the route to it, now */
	char mac[32];		/* its MAC address: how the capture finds it */
	bool dhcp;		/* DUMP_NET_ADDRESS=dhcp, else static: */
	char address[64];	/* its address now, a.b.c.d/prefix */
	char gw[64];		/* the route's gateway, "" when on-link */
	const struct lkcd_conf *conf;	/* as configured: the host's name, the key's path */
};
/* 0, or -1 with why set (no route, the route is lo, IPv6, no address ...). */
int initrd_net_find(const struct lkcd_conf *c, const char *host, struct initrd_net *n,
		    char *why, size_t len);
/*
 * The server's host keys from /etc/lkcd/known_hosts as dbclient's
 * known_hosts ("ADDRESS TYPE KEY" lines); malloc'ed, NULL with why set.
 */
char *initrd_net_known_hosts(const struct lkcd_conf *c, const struct initrd_net *n,
			     char *why, size_t len);
extern const char initrd_net_udhcpc_script[];
/* Is host (at port) one of the patterns of a known_hosts line (a,b,[c]:port)? */
bool initrd_net_names_host(const char *patterns, size_t plen, const char *host,
			   unsigned int port);

#endif
