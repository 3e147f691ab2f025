// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ELF output: an ELF64 core file shaped like /proc/vmcore, which crash,
 * drgn, libkdumpfile, gdb and makedumpfile read.
 *
 *   ELF header, program headers (one PT_NOTE, one PT_LOAD per RAM range)
 *   the notes blob (NT_PRSTATUS per CPU, VMCOREINFO)
 *   each range's bytes at p_offset, the file offset congruent to the
 *   physical address modulo the page size
 *
 * ELF has no compression: every dumped page is expanded.  Pages that are
 * not in the dump (excluded, unreadable) and zero pages are not written at
 * all, so they are holes that read back as zeros and take no disk space.
 * p_vaddr is the direct-map address when the caller knows the direct map's
 * base (lkcd_write_opts.direct_map_base), else 0: x86_64 VMCOREINFO does
 * not carry page_offset_base, and a wrong guess would mislead readers that
 * map virtual addresses through the PT_LOADs, while 0 misleads none.
 *
 * Like /proc/vmcore, a first PT_LOAD maps the kernel image (x86_64): from
 * SYMBOL(_stext) at physical _stext - __START_KERNEL_map + phys_base, both
 * from VMCOREINFO.  drgn needs it to reach the page tables of an ELF core
 * whose RAM segments have no virtual addresses.  VMCOREINFO does not give
 * the image's end, so the segment runs to the end of its RAM range (at most
 * to the end of the kernel image window): it shares the file bytes of that
 * range, and readers of virtual addresses past _end see RAM where the kernel
 * had no mapping, which is harmless for reading the image itself.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

#define X86_64_START_KERNEL_MAP	0xffffffff80000000ull
#define X86_64_IMAGE_WINDOW	(1ull << 30)	/* KERNEL_IMAGE_SIZE with KASLR */

struct elf_layout {
	uint64_t notes_off;
	uint64_t *range_off;	/* p_offset of each range */
	uint64_t end;
	bool have_text;		/* the kernel image segment */
	uint64_t text_vaddr, text_paddr, text_size, text_off;
};

/* The kernel image segment, when VMCOREINFO says where the image is. */
static void text_segment(const struct wctx *w, struct elf_layout *l)
{
	const struct wr_notes *n = w->notes;
	uint64_t window, paddr, end;
	size_t i;

	if (strncmp(w->hdr->uts.machine, "x86_64", LKCD_UTS_LEN) ||
	    !n->have_stext || !n->have_phys_base)
		return;
	window = n->image_size ? n->image_size : X86_64_IMAGE_WINDOW;
	if (n->stext < X86_64_START_KERNEL_MAP ||
	    n->stext - X86_64_START_KERNEL_MAP >= window)
		return;
	paddr = n->stext - X86_64_START_KERNEL_MAP + n->phys_base;
	for (i = 0; i < w->in->nr_ranges; i++) {
		const struct lkcd_mem_range *r = &w->in->ranges[i];

		if (paddr < r->start || paddr - r->start >= r->size)
			continue;
		end = r->start + r->size;
		if (end - paddr > X86_64_START_KERNEL_MAP + window - n->stext)
			end = paddr + (X86_64_START_KERNEL_MAP + window - n->stext);
		l->have_text = true;
		l->text_vaddr = n->stext;
		l->text_paddr = paddr;
		l->text_size = end - paddr;
		l->text_off = l->range_off[i] + (paddr - r->start);
		return;
	}
}

static int elf_machine(const struct wctx *w, uint16_t *machine)
{
	const char *m = w->hdr->uts.machine;

	if (!strncmp(m, "x86_64", LKCD_UTS_LEN))
		*machine = EM_X86_64;
	else if (!strncmp(m, "aarch64", LKCD_UTS_LEN))
		*machine = EM_AARCH64;
	else
		return lkcd_error_set(w->err, -EINVAL,
				      "ELF: no ELF machine known for \"%.*s\"",
				      LKCD_UTS_LEN, m);
	return 0;
}

static int build_layout(struct wctx *w, struct elf_layout *l)
{
	size_t nr = w->in->nr_ranges, i;
	uint64_t ps = w->page_size, off;

	l->range_off = calloc(nr ? nr : 1, sizeof(*l->range_off));
	if (!l->range_off)
		return lkcd_error_set(w->err, -ENOMEM, "ELF: allocating the layout");
	/* one more program header, maybe, for the kernel image */
	l->notes_off = sizeof(Elf64_Ehdr) + (2 + nr) * sizeof(Elf64_Phdr);
	off = wr_div_up(l->notes_off + w->notes->len, ps) * ps;
	for (i = 0; i < nr; i++) {
		const struct lkcd_mem_range *r = &w->in->ranges[i];

		l->range_off[i] = off + (r->start & (ps - 1));
		off = wr_div_up(l->range_off[i] + r->size, ps) * ps;
	}
	l->end = l->range_off[nr - 1] + w->in->ranges[nr - 1].size;
	text_segment(w, l);
	return 0;
}

static int write_headers(struct wctx *w, const struct elf_layout *l)
{
	size_t nr = w->in->nr_ranges, i;
	size_t size = l->notes_off + w->notes->len;
	uint8_t *buf = calloc(1, size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh));
	size_t first_ram = l->have_text ? 2 : 1;
	uint16_t machine;
	int ret;

	if (!buf)
		return lkcd_error_set(w->err, -ENOMEM, "ELF: allocating headers");
	ret = elf_machine(w, &machine);
	if (ret)
		goto out;
	if (first_ram + nr >= PN_XNUM) {
		ret = lkcd_error_set(w->err, -E2BIG, "ELF: %zu ranges are too many program headers", nr);
		goto out;
	}
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = machine;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = (uint16_t)(first_ram + nr);

	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = l->notes_off;
	ph[0].p_filesz = ph[0].p_memsz = w->notes->len;
	ph[0].p_align = 4;
	if (l->have_text) {
		ph[1].p_type = PT_LOAD;
		ph[1].p_flags = PF_R | PF_W | PF_X;
		ph[1].p_offset = l->text_off;
		ph[1].p_vaddr = l->text_vaddr;
		ph[1].p_paddr = l->text_paddr;
		ph[1].p_filesz = ph[1].p_memsz = l->text_size;
	}
	for (i = 0; i < nr; i++) {
		const struct lkcd_mem_range *r = &w->in->ranges[i];
		Elf64_Phdr *p = &ph[first_ram + i];

		p->p_type = PT_LOAD;
		p->p_flags = PF_R | PF_W | PF_X;
		p->p_offset = l->range_off[i];
		p->p_paddr = r->start;
		p->p_vaddr = w->opts.direct_map_base ?
			     w->opts.direct_map_base + r->start : 0;
		p->p_filesz = p->p_memsz = r->size;
	}
	if (w->notes->len)
		memcpy(buf + l->notes_off, w->notes->blob, w->notes->len);
	ret = wr_pwrite_full(&w->sink, buf, size, 0, "ELF headers and notes",
			     &w->st->bytes_written, w->err);
out:
	free(buf);
	return ret;
}

/* The part of page pfn inside range i, written at its place in the file. */
static int put_page(struct wctx *w, const struct elf_layout *l,
		    struct wout *out, size_t i, uint64_t pfn)
{
	const struct lkcd_mem_range *r = &w->in->ranges[i];
	uint64_t addr = pfn << w->page_shift;
	uint64_t from = addr > r->start ? addr : r->start;
	uint64_t to = addr + w->page_size;
	int ret;

	if (to > r->start + r->size)
		to = r->start + r->size;
	ret = wout_seek(out, l->range_off[i] + (from - r->start), w->err);
	if (!ret)
		ret = wout_append(out, w->page + (from - addr), to - from, w->err);
	return ret;
}

/* Ranges that hold part of page pfn: [*first, *last]. */
static void ranges_of(const struct wctx *w, uint64_t pfn, size_t *cursor,
		      size_t *first, size_t *last)
{
	uint64_t a, b;

	while (*cursor < w->in->nr_ranges) {
		wr_range_pfns(w, *cursor, &a, &b);
		if (pfn < b)
			break;
		(*cursor)++;
	}
	*first = *last = *cursor;
	while (*last + 1 < w->in->nr_ranges) {
		wr_range_pfns(w, *last + 1, &a, &b);
		if (a > pfn)
			break;
		(*last)++;
	}
}

static int write_pages(struct wctx *w, const struct elf_layout *l)
{
	struct lkcd_page pg;
	struct wout out;
	size_t cursor = 0, first, last, i;
	int ret;

	ret = wout_init(&out, &w->sink, l->range_off[0], 1024 * 1024,
			"ELF memory", &w->st->bytes_written, w->err);
	if (ret)
		return ret;
	ret = wr_rewind(w);
	while (!ret && (ret = wr_next(w, &pg)) > 0) {
		ret = 0;
		if (pg.flags == LKCD_REC_UNREADABLE) {
			w->st->pages_unreadable += pg.count;
			continue;
		}
		w->st->pages_written += pg.count;
		if (pg.flags == LKCD_REC_ZERO) {
			w->st->pages_zero += pg.count;
			continue;	/* a hole reads as zeros */
		}
		ret = wr_expand(w, &pg, 0);
		if (ret)
			break;
		if (pg.flags == LKCD_REC_COMPRESSED)
			w->st->pages_recompressed++;
		ranges_of(w, pg.pfn, &cursor, &first, &last);
		for (i = first; !ret && i <= last; i++)
			ret = put_page(w, l, &out, i, pg.pfn);
	}
	if (!ret)
		ret = wout_flush(&out, w->err);
	wout_free(&out);
	return ret;
}

static int write_elf(struct wctx *w)
{
	struct elf_layout l = { 0 };
	uint16_t machine;
	int ret;

	ret = elf_machine(w, &machine);
	if (!ret && !w->in->nr_ranges)
		ret = lkcd_error_set(w->err, -EINVAL, "ELF: no RAM ranges to describe");
	if (!ret)
		ret = build_layout(w, &l);
	if (!ret)
		ret = write_pages(w, &l);
	if (!ret)
		ret = write_headers(w, &l);
	if (!ret)
		w->st->file_size = l.end;
	free(l.range_off);
	return ret;
}

const struct wr_format_ops wr_elf_ops = {
	.name = "elf",
	.write = write_elf,
};
