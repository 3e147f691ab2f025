// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The shared libraries a program needs, read from its ELF headers
 * (PT_INTERP, PT_DYNAMIC's DT_NEEDED through DT_STRTAB) instead of running
 * ldd: the capture initramfs may be built on a system without ldd, and
 * ldd runs the program's loader.  64-bit little-endian ELF only; every
 * offset is checked against the file size by subtraction.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initrd.h"

static const char *const libdirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", NULL,
};

struct elf_file {
	uint8_t *buf;
	size_t size;
};

static int load(const char *path, struct elf_file *f, char *why, size_t len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	if (st.st_size > (64 << 20)) {	/* no program we ship is near this */
		close(fd);
		snprintf(why, len, "%s: larger than 64 MiB", path);
		return -EFBIG;
	}
	f->size = (size_t)st.st_size;
	f->buf = malloc(f->size ? f->size : 1);
	if (!f->buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < f->size && (n = read(fd, f->buf + got, f->size - got)) > 0)
		got += (size_t)n;
	close(fd);
	f->size = got;
	return 0;
}

/* Find lib in the library directories; 0 and path filled, or -ENOENT. */
static int find_lib(const char *root, const char *lib, char *path, size_t len)
{
	for (int i = 0; libdirs[i]; i++) {
		snprintf(path, len, "%s%s/%s", root, libdirs[i], lib);
		if (access(path, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Virtual address to file offset through the PT_LOAD headers. */
static int vaddr_off(const struct elf_file *f, const Elf64_Phdr *ph, unsigned int phnum,
		     uint64_t vaddr, uint64_t *off)
{
	for (unsigned int i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr &&
		    vaddr - ph[i].p_vaddr < ph[i].p_filesz) {
			*off = ph[i].p_offset + (vaddr - ph[i].p_vaddr);
			return *off < f->size ? 0 : -EINVAL;
		}
	return -EINVAL;
}

static int deps_of(const char *prog, const char *root, int depth,
		   int (*add)(void *ctx, const char *path), void *ctx, char *why, size_t len)
{
	struct elf_file f = { 0 };
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	size_t ndyn = 0;
	uint64_t strtab = 0, stroff, strsz = 0;
	char path[PATH_MAX];
	int ret;

	if (depth > 16) {
		snprintf(why, len, "%s: libraries nested too deep", prog);
		return -ELOOP;
	}
	ret = load(prog, &f, why, len);
	if (ret < 0)
		return ret;
	ret = -EINVAL;
	eh = (const Elf64_Ehdr *)f.buf;
	if (f.size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		ret = 0;	/* a script or data: nothing to add */
		goto out;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > f.size ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > f.size - eh->e_phoff) {
		snprintf(why, len, "%s: not a 64-bit little-endian ELF file lkcd can read", prog);
		goto out;
	}
	ph = (const Elf64_Phdr *)(f.buf + eh->e_phoff);
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_offset > f.size || ph[i].p_filesz > f.size - ph[i].p_offset)
			continue;
		if (ph[i].p_type == PT_INTERP && ph[i].p_filesz > 1) {
			char interp[PATH_MAX];
			size_t n = ph[i].p_filesz < sizeof(interp) ? ph[i].p_filesz : sizeof(interp) - 1;

			memcpy(interp, f.buf + ph[i].p_offset, n);
			interp[n] = '\0';
			snprintf(path, sizeof(path), "%s%s", root, interp);
			if (add(ctx, path) < 0) {
				snprintf(why, len, "%s: interpreter %s: cannot add it", prog, interp);
				goto out;
			}
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(f.buf + ph[i].p_offset);
			ndyn = ph[i].p_filesz / sizeof(Elf64_Dyn);
		}
	}
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = dyn[i].d_un.d_ptr;
		else if (dyn[i].d_tag == DT_STRSZ)
			strsz = dyn[i].d_un.d_val;
	}
	if (!ndyn) {
		ret = 0;	/* static */
		goto out;
	}
	if (vaddr_off(&f, ph, eh->e_phnum, strtab, &stroff) < 0 || strsz > f.size - stroff) {
		snprintf(why, len, "%s: its dynamic string table is outside the file", prog);
		goto out;
	}
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		const char *name;

		if (dyn[i].d_tag != DT_NEEDED)
			continue;
		if (dyn[i].d_un.d_val >= strsz ||
		    !memchr(f.buf + stroff + dyn[i].d_un.d_val, '\0', strsz - dyn[i].d_un.d_val)) {
			snprintf(why, len, "%s: a DT_NEEDED name outside its string table", prog);
			goto out;
		}
		name = (const char *)f.buf + stroff + dyn[i].d_un.d_val;
		if (strchr(name, '/') || find_lib(root, name, path, sizeof(path)) < 0) {
			snprintf(why, len, "%s needs %s, which is in none of the library directories",
				 prog, name);
			ret = -ENOENT;
			goto out;
		}
		ret = add(ctx, path);
		if (ret < 0) {
			snprintf(why, len, "%s: cannot add %s", prog, path);
			goto out;
		}
		if (ret == 0) {		/* new: its own libraries */
			ret = deps_of(path, root, depth + 1, add, ctx, why, len);
			if (ret < 0)
				goto out;
		}
	}
	ret = 0;
out:
	free(f.buf);
	return ret;
}

int initrd_elf_deps(const char *prog, const char *root,
		    int (*add)(void *ctx, const char *path), void *ctx, char *why, size_t len)
{
	return deps_of(prog, root, 0, add, ctx, why, len);
}
