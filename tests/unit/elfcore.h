/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Test fixture: synthesise small ELF64 vmcore files from a spec, so the ELF
 * source is tested on crafted (and deliberately broken) inputs rather than
 * checked-in blobs.
 */
#ifndef LKCD_TEST_ELFCORE_H
#define LKCD_TEST_ELFCORE_H

#include <stddef.h>
#include <stdint.h>

struct elfcore_seg {
	uint32_t type;		/* PT_LOAD, PT_NOTE, ... */
	uint64_t paddr;
	uint64_t memsz;		/* PT_LOAD: bytes of memory */
	uint64_t filesz;	/* bytes written to the file */
	const void *data;	/* filesz bytes; NULL: elfcore_byte(paddr + i) */
	uint64_t offset;	/* 0: placed after the previous segment */
};

/* The pattern byte the fixture stores for physical address paddr. */
static inline uint8_t elfcore_byte(uint64_t paddr)
{
	return (uint8_t)((paddr * 131) ^ (paddr >> 9) ^ (paddr >> 17));
}

/*
 * Write an ELF core with the given program headers to a fresh temporary
 * file; *path (caller frees) gets its name.  0 or -1.
 * Program headers are at 64 (right after the ELF header).
 */
int elfcore_write(char **path, const struct elfcore_seg *segs, size_t n);

/* Write sm's memory (its RAM ranges) as an ELF vmcore at dest; 0 or -1. */
struct simmem;
int elfcore_write_sim(const struct simmem *sm, const char *dest);

/* Fill *eh as an x86_64 little-endian ELF64 core header whose phnum
 * program headers follow it at offset 64. */
#include <elf.h>
void elfcore_ehdr(Elf64_Ehdr *eh, uint16_t phnum);

/* Overwrite size (1, 2, 4, 8) bytes at off with the little-endian val. */
int elfcore_patch(const char *path, uint64_t off, uint64_t val, int size);

/* File offset of program header i's field (for elfcore_patch). */
#define ELFCORE_PH(i, field) (64 + (i) * 56 + offsetof(Elf64_Phdr, field))

#endif
