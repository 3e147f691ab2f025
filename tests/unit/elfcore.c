// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Synthesised ELF64 vmcore files for the source tests (see elfcore.h). */
#include <elf.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcore.h"
#include "simmem.h"

static int write_at(int fd, const void *buf, size_t len, uint64_t off)
{
	return pwrite(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

void elfcore_ehdr(Elf64_Ehdr *eh, uint16_t phnum)
{
	memset(eh, 0, sizeof(*eh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = htole16(ET_CORE);
	eh->e_machine = htole16(EM_X86_64);
	eh->e_version = htole32(EV_CURRENT);
	eh->e_phoff = htole64(sizeof(*eh));
	eh->e_ehsize = htole16(sizeof(*eh));
	eh->e_phentsize = htole16(sizeof(Elf64_Phdr));
	eh->e_phnum = htole16(phnum);
}

int elfcore_write(char **path, const struct elfcore_seg *segs, size_t n)
{
	char tmpl[] = "/tmp/lkcd-elfcore-XXXXXX";
	Elf64_Ehdr eh;
	uint64_t off = 64 + n * sizeof(Elf64_Phdr);
	int fd;
	size_t i;

	fd = mkstemp(tmpl);
	if (fd < 0)
		return -1;
	elfcore_ehdr(&eh, (uint16_t)n);
	if (write_at(fd, &eh, sizeof(eh), 0))
		goto fail;
	for (i = 0; i < n; i++) {
		const struct elfcore_seg *s = &segs[i];
		uint64_t where = s->offset ? s->offset : off;
		Elf64_Phdr ph;

		memset(&ph, 0, sizeof(ph));
		ph.p_type = htole32(s->type);
		ph.p_offset = htole64(where);
		ph.p_paddr = htole64(s->paddr);
		ph.p_vaddr = htole64(s->paddr + 0xffff888000000000ull);
		ph.p_filesz = htole64(s->filesz);
		ph.p_memsz = htole64(s->type == PT_LOAD ? s->memsz : 0);
		if (write_at(fd, &ph, sizeof(ph), 64 + i * sizeof(ph)))
			goto fail;
		if (s->filesz) {
			uint8_t *buf = malloc(s->filesz);
			uint64_t j;
			int bad;

			if (!buf)
				goto fail;
			for (j = 0; j < s->filesz; j++)
				buf[j] = s->data ? ((const uint8_t *)s->data)[j]
						 : elfcore_byte(s->paddr + j);
			bad = write_at(fd, buf, s->filesz, where);
			free(buf);
			if (bad)
				goto fail;
		}
		if (!s->offset)
			off += s->filesz;
	}
	close(fd);
	*path = strdup(tmpl);
	return *path ? 0 : -1;
fail:
	close(fd);
	unlink(tmpl);
	return -1;
}

int elfcore_patch(const char *path, uint64_t off, uint64_t val, int size)
{
	uint8_t b[8];
	FILE *f;
	int i, ret;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)(val >> (8 * i));
	f = fopen(path, "r+b");
	if (!f)
		return -1;
	ret = fseek(f, (long)off, SEEK_SET) == 0 &&
	      fwrite(b, 1, (size_t)size, f) == (size_t)size ? 0 : -1;
	if (fclose(f))
		ret = -1;
	return ret;
}

/* Write sm's memory (its RAM ranges) as an ELF vmcore at dest; 0 or -1. */
int elfcore_write_sim(const struct simmem *sm, const char *dest)
{
	struct elfcore_seg segs[SIM_MAX_RANGES];
	char *path = NULL;
	int ret;

	for (size_t i = 0; i < sm->nr_ranges; i++) {
		segs[i] = (struct elfcore_seg){
			.type = PT_LOAD,
			.paddr = sm->ranges[i].start,
			.memsz = sm->ranges[i].size,
			.filesz = sm->ranges[i].size,
			.data = sm->mem + sm->ranges[i].start,
		};
	}
	ret = elfcore_write(&path, segs, sm->nr_ranges);
	if (ret)
		return -1;
	ret = rename(path, dest);
	if (ret)
		unlink(path);
	free(path);
	return ret;
}
