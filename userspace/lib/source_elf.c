// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ELF vmcore sources: /proc/vmcore in the capture kernel, QEMU
 * dump-guest-memory files, any ELF64 little-endian core.
 *
 * PT_LOAD gives physical ranges (p_paddr, p_memsz) and where their bytes are
 * (p_offset, p_filesz; the p_memsz - p_filesz tail reads as zero).  PT_NOTE
 * contents are collected for the writers and VMCOREINFO.
 *
 * Every field is untrusted.  Sizes and offsets are checked by subtraction;
 * a load whose address range wraps or whose file bytes are claimed past the
 * end of the file is refused or trimmed, and what was dropped is said in the
 * source warning.  Overlapping loads are real: on x86_64 /proc/vmcore
 * describes the kernel text twice (once at its own load, once inside System
 * RAM), so the load covering more wins and the other is trimmed or dropped.
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "internal.h"

#define MAX_PHNUM	(1u << 20)		/* far beyond any real vmcore */
#define MAX_NOTES	(64ull << 20)		/* 64 MiB of notes */

static uint64_t file_end(int fd)
{
	struct stat st;
	off_t end;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	end = lseek(fd, 0, SEEK_END);
	return end < 0 ? 0 : (uint64_t)end;
}

static void phdr_from_le(Elf64_Phdr *p)
{
	p->p_type = le32toh(p->p_type);
	p->p_flags = le32toh(p->p_flags);
	p->p_offset = le64toh(p->p_offset);
	p->p_vaddr = le64toh(p->p_vaddr);
	p->p_paddr = le64toh(p->p_paddr);
	p->p_filesz = le64toh(p->p_filesz);
	p->p_memsz = le64toh(p->p_memsz);
	p->p_align = le64toh(p->p_align);
}

/* Sort by address; for equal starts the bigger load first (it wins). */
static int seg_cmp(const void *a, const void *b)
{
	const struct lkcd_segment *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return 0;
}

/*
 * Make the sorted segments disjoint: a segment starting inside the one
 * before is cut to start where that one ends (or dropped when nothing is
 * left).  Returns the new count.
 */
static size_t resolve_overlaps(struct lkcd_source *src,
			       struct lkcd_segment *s, size_t n)
{
	size_t i, out = 0, dropped = 0, trimmed = 0;

	for (i = 0; i < n; i++) {
		struct lkcd_segment cur = s[i];

		if (out) {
			const struct lkcd_segment *prev = &s[out - 1];
			uint64_t prev_end = prev->paddr + prev->size;

			if (cur.paddr < prev_end) {
				uint64_t cut = prev_end - cur.paddr;

				if (cut >= cur.size) {
					dropped++;
					continue;
				}
				cur.paddr += cut;
				cur.size -= cut;
				cur.offset += cut;
				cur.filesz = cur.filesz > cut ? cur.filesz - cut : 0;
				trimmed++;
			}
		}
		s[out++] = cur;
	}
	/*
	 * A load wholly inside another is the expected x86_64 kernel-text
	 * duplicate: not worth a warning.  A partial overlap is odd.
	 */
	if (trimmed)
		lkcd_source_warn(src, "%zu PT_LOAD(s) partly overlapping others trimmed (%zu contained ones dropped)",
				 trimmed, dropped);
	return out;
}

/* Read the program header count, following PN_XNUM to section 0's sh_info. */
static int elf_phnum(int fd, const char *name, const Elf64_Ehdr *eh,
		     uint64_t fsize, uint64_t *phnum, struct lkcd_error *err)
{
	uint64_t shoff = le64toh(eh->e_shoff);
	Elf64_Shdr sh;
	int ret;

	*phnum = le16toh(eh->e_phnum);
	if (*phnum != PN_XNUM)
		return 0;
	if (le16toh(eh->e_shentsize) != sizeof(Elf64_Shdr) || shoff == 0 ||
	    shoff > fsize || sizeof(sh) > fsize - shoff)
		return lkcd_error_set(err, -EINVAL,
				      "%s: e_phnum is PN_XNUM but section header 0 (e_shoff 0x%llx) is not in the file",
				      name, (unsigned long long)shoff);
	ret = lkcd_pread_full(fd, &sh, sizeof(sh), shoff);
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: reading section header 0: %s",
				      name, strerror(-ret));
	*phnum = le32toh(sh.sh_info);
	return 0;
}

/*
 * Append PT_NOTE idx's bytes to src->notes (*cap bytes allocated).  The
 * buffer grows by doubling: up to 2^20 notes, growing it note by note
 * could copy it once per note.
 */
static int collect_note(struct lkcd_source *src, int fd, uint64_t fsize,
			const Elf64_Phdr *p, size_t idx, size_t *cap)
{
	uint64_t len = p->p_filesz;
	void *grown;
	int ret;

	if (!len)
		return 0;
	if (p->p_offset > fsize || len > fsize - p->p_offset) {
		lkcd_source_warn(src, "PT_NOTE %zu (offset 0x%llx, 0x%llx bytes) lies past the end of the file: dropped",
				 idx, (unsigned long long)p->p_offset,
				 (unsigned long long)len);
		return 0;
	}
	if (len > MAX_NOTES - src->notes_len) {
		lkcd_source_warn(src, "PT_NOTE %zu: notes larger than %llu MiB: dropped",
				 idx, MAX_NOTES >> 20);
		return 0;
	}
	if (len > *cap - src->notes_len) {
		size_t want = *cap ? *cap : 4096;

		while (want - src->notes_len < len)
			want *= 2;	/* at most 2 * MAX_NOTES: no overflow */
		grown = realloc(src->notes, want);
		if (!grown)
			return -ENOMEM;
		src->notes = grown;
		*cap = want;
	}
	ret = lkcd_pread_full(fd, (uint8_t *)src->notes + src->notes_len, len,
			      p->p_offset);
	if (ret < 0) {
		lkcd_source_warn(src, "PT_NOTE %zu: read failed (%s): dropped",
				 idx, strerror(-ret));
		return 0;
	}
	src->notes_len += len;
	return 0;
}

/* p_vaddr - p_paddr of a load that could be a direct-map load, else false. */
static bool map_delta(const Elf64_Phdr *p, uint64_t *delta)
{
	if (p->p_type != PT_LOAD || !p->p_vaddr || p->p_vaddr < p->p_paddr)
		return false;
	*delta = p->p_vaddr - p->p_paddr;
	return *delta % 4096 == 0;
}

/*
 * The direct map's base, as /proc/vmcore states it: its RAM loads have
 * p_vaddr = base + p_paddr, while the kernel image's load has another
 * offset and QEMU's dump-guest-memory leaves p_vaddr 0.  The offset that
 * covers more than half of all loaded bytes wins; 0 when none does (a
 * guess would mislead the readers of our ELF output, 0 misleads none).
 *
 * A strict majority by bytes: one pass of Boyer and Moore's vote weighted
 * by p_memsz finds the only offset that can hold it (loads with no usable
 * offset vote against every candidate), a second pass counts its bytes.
 * Linear in phnum: up to 2^20 headers are allowed, and comparing every
 * load with every other once took minutes there.
 */
static uint64_t direct_map_base(const Elf64_Phdr *ph, uint64_t phnum)
{
	uint64_t total = 0, cand = 0, weight = 0, bytes = 0, delta;
	bool have = false;

	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t w = ph[i].p_memsz;
		bool ok;

		if (ph[i].p_type != PT_LOAD)
			continue;
		total += w;
		ok = map_delta(&ph[i], &delta);
		if (have && ok && delta == cand) {
			weight += w;
		} else if (weight >= w) {
			weight -= w;
		} else {
			/* this load outweighs the candidate: it becomes one (or none) */
			weight = w - weight;
			have = ok;
			cand = ok ? delta : 0;
		}
	}
	if (!have || !weight)
		return 0;
	for (uint64_t i = 0; i < phnum; i++)
		if (map_delta(&ph[i], &delta) && delta == cand)
			bytes += ph[i].p_memsz;
	return bytes > total / 2 ? cand : 0;
}

static int open_elf(int fd, const char *name, struct lkcd_source **out,
		    struct lkcd_error *err)
{
	struct lkcd_segment *segs = NULL;
	struct lkcd_source *src = NULL;
	Elf64_Phdr *ph = NULL;
	uint64_t fsize, phoff, phnum, i;
	size_t nseg = 0, notes_cap = 0;
	Elf64_Ehdr eh;
	struct statfs sfs;
	int ret;

	*out = NULL;
	fsize = file_end(fd);
	if (fsize < sizeof(eh))
		return lkcd_error_set(err, -EINVAL,
				      "%s: too short for an ELF header (%llu bytes)",
				      name, (unsigned long long)fsize);
	ret = lkcd_pread_full(fd, &eh, sizeof(eh), 0);
	if (ret < 0)
		return lkcd_error_set(err, ret, "%s: reading the ELF header: %s",
				      name, strerror(-ret));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return lkcd_error_set(err, -EINVAL, "%s: not an ELF file (bad magic)", name);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return lkcd_error_set(err, -EINVAL, "%s: not ELF64 (class %u)",
				      name, eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return lkcd_error_set(err, -EINVAL, "%s: not little-endian ELF (data %u)",
				      name, eh.e_ident[EI_DATA]);
	if (eh.e_ident[EI_VERSION] != EV_CURRENT)
		return lkcd_error_set(err, -EINVAL, "%s: unknown ELF version %u",
				      name, eh.e_ident[EI_VERSION]);
	if (le16toh(eh.e_type) != ET_CORE)
		return lkcd_error_set(err, -EINVAL, "%s: not an ELF core file (e_type %u)",
				      name, le16toh(eh.e_type));
	if (le16toh(eh.e_phentsize) != sizeof(Elf64_Phdr))
		return lkcd_error_set(err, -EINVAL, "%s: e_phentsize %u, expected %zu",
				      name, le16toh(eh.e_phentsize), sizeof(Elf64_Phdr));
	ret = elf_phnum(fd, name, &eh, fsize, &phnum, err);
	if (ret < 0)
		return ret;
	phoff = le64toh(eh.e_phoff);
	if (phnum == 0 || phnum > MAX_PHNUM)
		return lkcd_error_set(err, -EINVAL, "%s: %llu program headers (1..%u allowed)",
				      name, (unsigned long long)phnum, MAX_PHNUM);
	if (phoff > fsize || phnum > (fsize - phoff) / sizeof(Elf64_Phdr))
		return lkcd_error_set(err, -EINVAL,
				      "%s: %llu program headers at offset 0x%llx run past the end of the file (%llu bytes)",
				      name, (unsigned long long)phnum,
				      (unsigned long long)phoff,
				      (unsigned long long)fsize);

	src = lkcd_source_alloc(LKCD_SOURCE_ELF, name);
	ph = calloc(phnum, sizeof(*ph));
	segs = calloc(phnum, sizeof(*segs));
	if (!src || !ph || !segs) {
		ret = lkcd_error_set(err, -ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	src->file_size = fsize;
	ret = lkcd_pread_full(fd, ph, phnum * sizeof(*ph), phoff);
	if (ret < 0) {
		lkcd_error_set(err, ret, "%s: reading program headers: %s",
			       name, strerror(-ret));
		goto fail;
	}

	for (i = 0; i < phnum; i++) {
		Elf64_Phdr *p = &ph[i];
		struct lkcd_segment *s;

		phdr_from_le(p);
		if (p->p_type == PT_NOTE) {
			ret = collect_note(src, fd, fsize, p, i, &notes_cap);
			if (ret < 0) {
				lkcd_error_set(err, ret, "%s: out of memory", name);
				goto fail;
			}
			continue;
		}
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		if (p->p_paddr + p->p_memsz < p->p_paddr) {
			ret = lkcd_error_set(err, -EINVAL,
					     "%s: PT_LOAD %llu: p_paddr 0x%llx + p_memsz 0x%llx wraps around",
					     name, (unsigned long long)i,
					     (unsigned long long)p->p_paddr,
					     (unsigned long long)p->p_memsz);
			goto fail;
		}
		if (p->p_filesz > p->p_memsz) {
			ret = lkcd_error_set(err, -EINVAL,
					     "%s: PT_LOAD %llu: p_filesz 0x%llx exceeds p_memsz 0x%llx",
					     name, (unsigned long long)i,
					     (unsigned long long)p->p_filesz,
					     (unsigned long long)p->p_memsz);
			goto fail;
		}
		s = &segs[nseg];
		s->paddr = p->p_paddr;
		s->size = p->p_memsz;
		s->offset = p->p_offset;
		s->filesz = p->p_filesz;
		/*
		 * A file cut short (a copy that ran out of space): keep what
		 * is there, drop the rest of the load.  Bytes the file does
		 * not hold must not read as zero: that would be a lie.
		 */
		if (s->filesz && (s->offset > fsize || s->filesz > fsize - s->offset)) {
			uint64_t have = s->offset > fsize ? 0 : fsize - s->offset;

			lkcd_source_warn(src, "PT_LOAD %llu at 0x%llx: 0x%llx of 0x%llx file bytes missing (file truncated?)",
					 (unsigned long long)i,
					 (unsigned long long)s->paddr,
					 (unsigned long long)(s->filesz - have),
					 (unsigned long long)s->filesz);
			s->filesz = s->size = have;
		}
		if (s->size)
			nseg++;
	}
	src->direct_map_base = direct_map_base(ph, phnum);
	free(ph);
	ph = NULL;

	qsort(segs, nseg, sizeof(*segs), seg_cmp);
	nseg = resolve_overlaps(src, segs, nseg);
	ret = lkcd_source_set_segments(src, segs, nseg);
	if (ret < 0) {
		lkcd_error_set(err, ret, "%s: out of memory", name);
		goto fail;
	}
	src->fd = fd;
	/*
	 * /proc/vmcore: read through mmap windows.  Its read path maps and
	 * unmaps the crashed kernel's memory page by page for every read
	 * (x86's copy_oldmem_page: ioremap, copy, iounmap and its TLB
	 * flush), which was most of lkcd save's time in the capture kernel
	 * (performance.rst, "Where panic to saved goes").
	 */
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC)
		lkcd_source_use_mmap(src);
	*out = src;
	return 0;
fail:
	free(ph);
	free(segs);
	lkcd_source_close(src);
	return ret;
}

static bool probe_elf(const unsigned char *magic, size_t len)
{
	return len >= 4 && !memcmp(magic, "\177ELF", 4);
}

const struct lkcd_source_kind_ops lkcd_source_elf_ops = {
	.kind = LKCD_SOURCE_ELF,
	.probe = probe_elf,
	.open = open_elf,
};
