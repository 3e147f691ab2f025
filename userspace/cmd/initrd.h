/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * lkcd mkinitrd: the capture initramfs as a list of entries (cmd_mkinitrd.c
 * builds it), written by libarchive (initrd_archive.c); the shared
 * libraries a program needs, from its ELF headers (initrd_elf.c: the
 * capture initramfs may be built where there is no ldd).
 */
#ifndef LKCD_INITRD_H
#define LKCD_INITRD_H

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

#endif
