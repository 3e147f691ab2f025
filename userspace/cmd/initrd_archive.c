// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Write the capture initramfs (cpio newc, compressed) with libarchive.
 *
 * libarchive is loaded with dlopen() when lkcd mkinitrd runs, not linked:
 * lkcd itself goes into the capture initramfs, and a link-time dependency
 * on libarchive would drag libxml2, nettle, acl and ICU (30+ MiB) in with
 * it.  Only this file knows libarchive.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "initrd.h"

#define SYM(name) __typeof__(name) *name
static struct {
	void *handle;
	SYM(archive_write_new);
	SYM(archive_write_set_format_cpio_newc);
	SYM(archive_write_add_filter_gzip);
	SYM(archive_write_add_filter_xz);
	SYM(archive_write_add_filter_zstd);
	SYM(archive_write_add_filter_none);
	SYM(archive_write_set_bytes_in_last_block);
	SYM(archive_write_open_filename);
	SYM(archive_write_header);
	SYM(archive_write_data);
	SYM(archive_write_close);
	SYM(archive_write_free);
	SYM(archive_error_string);
	SYM(archive_entry_new);
	SYM(archive_entry_free);
	SYM(archive_entry_set_pathname);
	SYM(archive_entry_set_size);
	SYM(archive_entry_set_filetype);
	SYM(archive_entry_set_perm);
	SYM(archive_entry_set_symlink);
	SYM(archive_entry_set_rdevmajor);
	SYM(archive_entry_set_rdevminor);
	SYM(archive_entry_set_nlink);
	SYM(archive_entry_set_ino64);
	SYM(archive_entry_set_mtime);
} la;
#undef SYM

static int load_libarchive(char *why, size_t len)
{
	static const char *const names[] = { "libarchive.so.13", "libarchive.so" };

	if (la.handle)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !la.handle; i++)
		la.handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!la.handle) {
		snprintf(why, len, "cannot load libarchive (install libarchive13): %s", dlerror());
		return -ENOENT;
	}
#define LOAD(name) do { \
		*(void **)&la.name = dlsym(la.handle, #name); \
		if (!la.name) { \
			snprintf(why, len, "libarchive lacks %s", #name); \
			dlclose(la.handle); \
			la.handle = NULL; \
			return -ENOSYS; \
		} \
	} while (0)
	LOAD(archive_write_new);
	LOAD(archive_write_set_format_cpio_newc);
	LOAD(archive_write_add_filter_gzip);
	LOAD(archive_write_add_filter_xz);
	LOAD(archive_write_add_filter_zstd);
	LOAD(archive_write_add_filter_none);
	LOAD(archive_write_set_bytes_in_last_block);
	LOAD(archive_write_open_filename);
	LOAD(archive_write_header);
	LOAD(archive_write_data);
	LOAD(archive_write_close);
	LOAD(archive_write_free);
	LOAD(archive_error_string);
	LOAD(archive_entry_new);
	LOAD(archive_entry_free);
	LOAD(archive_entry_set_pathname);
	LOAD(archive_entry_set_size);
	LOAD(archive_entry_set_filetype);
	LOAD(archive_entry_set_perm);
	LOAD(archive_entry_set_symlink);
	LOAD(archive_entry_set_rdevmajor);
	LOAD(archive_entry_set_rdevminor);
	LOAD(archive_entry_set_nlink);
	LOAD(archive_entry_set_ino64);
	LOAD(archive_entry_set_mtime);
#undef LOAD
	return 0;
}

static int write_data(struct archive *a, const struct initrd_entry *e, char *why, size_t len)
{
	char buf[65536];
	ssize_t n;
	int fd;

	if (e->data) {
		if (la.archive_write_data(a, e->data, e->size) != (la_ssize_t)e->size)
			goto lafail;
		return 0;
	}
	fd = open(e->src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "%s: %s", e->src, strerror(errno));
		return -errno;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (la.archive_write_data(a, buf, (size_t)n) != n) {
			close(fd);
			goto lafail;
		}
	close(fd);
	if (n < 0) {
		snprintf(why, len, "%s: %s", e->src, strerror(errno));
		return -EIO;
	}
	return 0;
lafail:
	snprintf(why, len, "archive: %s", la.archive_error_string(a));
	return -EIO;
}

int initrd_write_archive(const char *path, enum initrd_compress comp,
			 const struct initrd_entry *ents, size_t n, char *why, size_t len)
{
	struct archive *a;
	struct archive_entry *ae;
	int ret = load_libarchive(why, len), r;

	if (ret < 0)
		return ret;
	a = la.archive_write_new();
	if (!a) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	switch (comp) {
	case INITRD_GZIP:	r = la.archive_write_add_filter_gzip(a); break;
	case INITRD_XZ:		r = la.archive_write_add_filter_xz(a); break;
	case INITRD_ZSTD:	r = la.archive_write_add_filter_zstd(a); break;
	default:		r = la.archive_write_add_filter_none(a); break;
	}
	if (r != ARCHIVE_OK || la.archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    la.archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    la.archive_write_open_filename(a, path) != ARCHIVE_OK) {
		snprintf(why, len, "%s: %s", path, la.archive_error_string(a));
		la.archive_write_free(a);
		return -EIO;
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		const struct initrd_entry *e = &ents[i];

		ae = la.archive_entry_new();
		if (!ae) {
			snprintf(why, len, "out of memory");
			ret = -ENOMEM;
			break;
		}
		la.archive_entry_set_pathname(ae, e->path);
		la.archive_entry_set_perm(ae, e->mode & 07777);
		la.archive_entry_set_mtime(ae, 0, 0);	/* reproducible */
		la.archive_entry_set_nlink(ae, e->type == 'd' ? 2 : 1);
		la.archive_entry_set_ino64(ae, (la_int64_t)i + 1);
		la.archive_entry_set_size(ae, 0);	/* the cpio writer wants one on every entry */
		switch (e->type) {
		case 'd':
			la.archive_entry_set_filetype(ae, AE_IFDIR);
			break;
		case 'l':
			la.archive_entry_set_filetype(ae, AE_IFLNK);
			la.archive_entry_set_symlink(ae, e->link);
			break;
		case 'c':
			la.archive_entry_set_filetype(ae, AE_IFCHR);
			la.archive_entry_set_rdevmajor(ae, major(e->rdev));
			la.archive_entry_set_rdevminor(ae, minor(e->rdev));
			break;
		default:
			la.archive_entry_set_filetype(ae, AE_IFREG);
			la.archive_entry_set_size(ae, (la_int64_t)e->size);
			break;
		}
		if (la.archive_write_header(a, ae) != ARCHIVE_OK) {
			snprintf(why, len, "%s: %s", e->path, la.archive_error_string(a));
			ret = -EIO;
		} else if (e->type == 'f') {
			ret = write_data(a, e, why, len);
		}
		la.archive_entry_free(ae);
	}
	if (la.archive_write_close(a) != ARCHIVE_OK && ret == 0) {
		snprintf(why, len, "%s: %s", path, la.archive_error_string(a));
		ret = -EIO;
	}
	la.archive_write_free(a);
	return ret;
}
