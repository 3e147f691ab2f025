// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gen_corpus DIR: write the seed corpus of every fuzz target into
 * DIR/<target>/, generated from the real code rather than checked-in blobs:
 *
 *   reader, header  dumps packed by kernel/packer.c over simulated memory
 *                   (tests/unit/simmem.c), every compressor, several levels
 *   elf             ELF vmcores built by tests/unit/elfcore.c, and the ELF
 *                   writer's output
 *   show            the three formats lkcd save writes (kdump, lkcd, elf),
 *                   written by the real writers with the LKCD and
 *                   VMCOREINFO notes lkcd save adds
 *   vmcoreinfo      VMCOREINFO text and note blobs
 *   dmesg           a printk ring buffer laid out as dmesg_layout.h says
 *   config          lkcd-utils/lkcd.conf-style files
 *
 * Deterministic: the same tree gives the same files.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "dmesg_layout.h"
#include "internal.h"
#include "simmem.h"
#include "elfcore.h"
#include "lkcd.h"
#include "dumpdev_io.h"

#define PS	LKCD_PAGE_SIZE

static const char *outdir;

static void die(const char *what)
{
	fprintf(stderr, "gen_corpus: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put(const char *target, const char *name, const void *a, size_t alen,
		const void *b, size_t blen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "w");
	if (!f || (alen && fwrite(a, 1, alen, f) != alen) ||
	    (blen && fwrite(b, 1, blen, f) != blen) || fclose(f))
		die(path);
}

static void put_file(const char *target, const char *name, const char *src)
{
	int fd = open(src, O_RDONLY);
	struct stat st;
	void *buf;

	if (fd < 0 || fstat(fd, &st) < 0)
		die(src);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf || lkcd_pread_full(fd, buf, st.st_size, 0) < 0)
		die(src);
	put(target, name, buf, st.st_size, NULL, 0);
	free(buf);
	close(fd);
}

/* ---- notes ---- */

static size_t note_append(uint8_t *buf, size_t off, const char *name, uint32_t type,
			  const void *desc, size_t dlen)
{
	Elf64_Nhdr nh = {
		.n_namesz = (uint32_t)strlen(name) + 1,
		.n_descsz = (uint32_t)dlen,
		.n_type = type,
	};

	memcpy(buf + off, &nh, sizeof(nh));
	off += sizeof(nh);
	memset(buf + off, 0, (nh.n_namesz + 3) & ~3u);
	memcpy(buf + off, name, nh.n_namesz);
	off += (nh.n_namesz + 3) & ~3u;
	memset(buf + off, 0, (dlen + 3) & ~3u);
	memcpy(buf + off, desc, dlen);
	return off + ((dlen + 3) & ~3u);
}

static uint8_t dl_note[PS];
static size_t dl_note_n;

static const void *dl_vmcoreinfo_note(void)
{
	if (!dl_note_n)
		dl_note_n = note_append(dl_note, 0, "VMCOREINFO", 0, dl_vmcoreinfo,
					sizeof(dl_vmcoreinfo) - 1);
	return dl_note;
}

static size_t dl_vmcoreinfo_note_len(void)
{
	dl_vmcoreinfo_note();
	return dl_note_n;
}

/* ---- packed dumps ---- */

/*
 * A small machine: header at pfn 0, the pool (spare pages for the blocks)
 * right after it, then the pages to dump; so the reader's input is just
 * the first pages of memory.
 */
#define NR_PFN		40
#define NR_POOL		12

static struct simmem *pack(uint32_t level, uint32_t exclude, uint32_t compress,
			   uint64_t seed, int unreadable)
{
	struct simmem *sm = sim_new(NR_PFN);

	sim_add_range(sm, 0, NR_PFN * PS);
	sim_set_header(sm, 0);
	for (uint32_t i = 1; i <= NR_POOL; i++)
		sim_add_pool(sm, i);
	sim_fill(sm, 13, 4, SIM_TEXT, seed);
	sim_fill(sm, 17, 2, SIM_RANDOM, seed + 1);
	/* 19..21 zero */
	sim_fill(sm, 22, 3, SIM_SPARSE, seed + 2);
	sim_fill(sm, 25, 5, SIM_TEXT, seed + 3);
	if (unreadable)
		sim_set_unreadable(sm, 27, 2);
	sim_set_class(sm, 30, 4, LKCD_PC_USER);
	sim_fill(sm, 30, 4, SIM_TEXT, seed + 4);
	sim_free_block(sm, 36, 2);
	/* An incomplete dump (the pool ran out) is a good seed too. */
	if (sim_pack(sm, level, exclude, compress, 0) < 0 ||
	    (sim_header(sm)->state != LKCD_STATE_COMPLETE &&
	     sim_header(sm)->state != LKCD_STATE_INCOMPLETE)) {
		fprintf(stderr, "gen_corpus: packing failed (level %u compress %u)\n",
			level, compress);
		exit(1);
	}
	return sm;
}

/* Bytes of memory the reader needs: through the last block of the chain. */
static size_t used_len(struct simmem *sm)
{
	uint64_t end = PS, paddr = sim_header(sm)->first_block_paddr;

	while (paddr) {
		struct lkcd_block_header bh;

		memcpy(&bh, sm->mem + paddr, sizeof(bh));
		if (paddr + PS > end)
			end = paddr + PS;
		paddr = bh.next_paddr;
	}
	return end;
}

static void write_formats(struct simmem *sm, const char *tag)
{
	static const char *const fmt_name[] = { "kdump", "lkcd", "elf" };
	struct lkcd_source *src;
	struct lkcd_dump *d;
	struct lkcd_error err = { 0 };
	struct lkcd_write_input in;
	const struct lkcd_mem_range *ranges;
	static uint8_t notes[3 * PS + sizeof(dl_vmcoreinfo) + 256];
	size_t nlen = 0, lnote_len;
	void *lnote;

	lnote = lkcd_note_build(sm->mem, 0, &lnote_len);
	if (!lnote)
		die("lkcd_note_build");
	memcpy(notes, lnote, lnote_len);
	nlen = note_append(notes, lnote_len, "VMCOREINFO", 0, dl_vmcoreinfo,
			   sizeof(dl_vmcoreinfo) - 1);
	free(lnote);

	for (int f = LKCD_OUT_KDUMP; f <= LKCD_OUT_ELF; f++) {
		char path[4096], name[64];
		int fd, rc;

		if (sim_source(sm, &src) < 0 || lkcd_dump_open(src, 0, &d, &err) < 0) {
			fprintf(stderr, "gen_corpus: reopening the packed dump: %s\n", err.msg);
			exit(1);
		}
		memset(&in, 0, sizeof(in));
		in.hdr = lkcd_dump_header(d);
		in.nr_ranges = lkcd_dump_ranges(d, &ranges);
		in.ranges = ranges;
		in.notes = notes;
		in.notes_len = nlen;
		lkcd_dump_page_iter(d, &in.pages);
		snprintf(path, sizeof(path), "%s/.tmp-%s", outdir, fmt_name[f]);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			die(path);
		rc = lkcd_write_dump(fd, (enum lkcd_out_format)f, &in, NULL, NULL, &err);
		close(fd);
		if (rc < 0) {
			fprintf(stderr, "gen_corpus: writing %s: %s\n", fmt_name[f], err.msg);
			exit(1);
		}
		snprintf(name, sizeof(name), "%s-%s", fmt_name[f], tag);
		put_file("show", name, path);
		if (f == LKCD_OUT_ELF)
			put_file("elf", name, path);
		unlink(path);
		lkcd_dump_close(d);
		lkcd_source_close(src);
	}
}

/* A dump device image as the capture kernel writes it, trimmed to its data. */
static void write_dumpdev(struct simmem *sm, const char *tag)
{
	struct lkcd_source *src;
	struct lkcd_dump *d;
	struct lkcd_error err = { 0 };
	struct lkcd_dumpdev_input in;
	struct lkcd_dumpdev_info info;
	char path[4096], name[64];
	uint64_t size = 1u << 20;
	uint8_t mode = FUZZ_FIX_BLOCKS | FUZZ_FIX_HEADER;

	snprintf(path, sizeof(path), "%s/.tmp-dumpdev", outdir);
	for (int pass = 0; pass < 2; pass++) {
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
			die(path);
		if (sim_source(sm, &src) < 0 || lkcd_dump_open(src, 0, &d, &err) < 0) {
			fprintf(stderr, "gen_corpus: reopening the packed dump: %s\n", err.msg);
			exit(1);
		}
		memset(&in, 0, sizeof(in));
		in.header_page = sm->mem;
		in.notes = dl_vmcoreinfo_note();
		in.notes_len = dl_vmcoreinfo_note_len();
		lkcd_dump_page_iter(d, &in.pages);
		in.now_sec = 1795000100;
		if (lkcd_dumpdev_write(fd, path, &in, &info, &err) < 0) {
			fprintf(stderr, "gen_corpus: dumpdev: %s\n", err.msg);
			exit(1);
		}
		close(fd);
		lkcd_dump_close(d);
		lkcd_source_close(src);
		/* again on a device just big enough */
		size = (info.records_offset + info.records_size + PS - 1) / PS * PS;
	}
	{
		int fd = open(path, O_RDONLY);
		static uint8_t img[1u << 20];

		if (fd < 0 || size > sizeof(img) || lkcd_pread_full(fd, img, size, 0) < 0)
			die(path);
		close(fd);
		snprintf(name, sizeof(name), "%s", tag);
		put("dumpdev", name, &mode, 1, img, size);
	}
	unlink(path);
}

static void gen_dumps(void)
{
	static const struct {
		uint32_t level, exclude, compress;
		int unreadable, formats;
		const char *tag;
	} v[] = {
		{ LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_NONE, 0, 1, "raw-all" },
		{ LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_ZLIB, 1, 1, "zlib-all" },
		{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZSTD, 0, 1, "zstd-kern" },
		{ LKCD_LEVEL_USED, LKCD_EXCLUDE_ZERO, LKCD_COMPRESS_LZ4, 1, 0, "lz4-used" },
		{ LKCD_LEVEL_HEADER, 0, LKCD_COMPRESS_ZLIB, 0, 0, "header-only" },
	};
	uint8_t mode = FUZZ_FIX_ALL;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct simmem *sm = pack(v[i].level, v[i].exclude, v[i].compress,
					 i * 100 + 1, v[i].unreadable);
		size_t len = used_len(sm);
		uint8_t hmode = FUZZ_FIX_HEADER;

		put("reader", v[i].tag, &mode, 1, sm->mem, len);
		for (uint8_t f = 0; f < 4; f++) {	/* the save target: format in bits 3-4 */
			uint8_t smode = FUZZ_FIX_ALL | (uint8_t)(f << 3) | (i & 1 ? 0x60 : 0);
			char name[64];

			snprintf(name, sizeof(name), "%s-f%u", v[i].tag, f);
			put("save", name, &smode, 1, sm->mem, len);
		}
		put("header", v[i].tag, &hmode, 1, sm->mem, PS);
		if (v[i].formats)
			write_formats(sm, v[i].tag);
		write_dumpdev(sm, v[i].tag);
		sim_free(sm);
	}
	/* The chain's CRCs checked as they are: mode 0. */
	{
		struct simmem *sm = pack(LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_ZLIB, 7, 0);
		uint8_t m0 = 0;

		put("reader", "zlib-all-nofix", &m0, 1, sm->mem, used_len(sm));
		put("header", "zlib-all-nofix", &m0, 1, sm->mem, PS);
		sim_free(sm);
	}
	/* A header with a full range table. */
	{
		struct lkcd_dump_header h = { 0 };
		static struct lkcd_mem_range r[LKCD_MAX_RANGES];
		static uint8_t page[PS];
		uint8_t hmode = FUZZ_FIX_HEADER;

		h.magic = LKCD_DUMP_MAGIC_LIVE;
		h.version = LKCD_FORMAT_VERSION;
		h.state = LKCD_STATE_INCOMPLETE;
		h.incomplete_reason = LKCD_INCOMPLETE_CAP;
		h.page_size = PS;
		for (uint32_t i = 0; i < LKCD_MAX_RANGES; i++) {
			r[i].start = (uint64_t)i * 2 * PS;
			r[i].size = PS;
		}
		strcpy(h.uts.release, "6.1.0-fuzz");
		strcpy(h.panic_string, "live snapshot");
		lkcd_header_encode(&h, r, LKCD_MAX_RANGES, page);
		put("header", "max-ranges", &hmode, 1, page, PS);
	}
}

/* ---- ELF vmcores ---- */

static void gen_elf(void)
{
	static uint8_t notes[PS];
	size_t nlen = note_append(notes, 0, "VMCOREINFO", 0, dl_vmcoreinfo,
				  sizeof(dl_vmcoreinfo) - 1);
	uint8_t prstatus[336] = { 0 };
	char *path;

	nlen = note_append(notes, nlen, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	{
		struct elfcore_seg s[] = {
			{ PT_NOTE, 0, 0, nlen, notes, 0 },
			{ PT_LOAD, 0x1000, 0x3000, 0x3000, NULL, 0 },
			{ PT_LOAD, 0x10000, 0x2000, 0x1000, NULL, 0 },	/* zero tail */
			{ PT_LOAD, 0x100000, 0x1000, 0x1000, NULL, 0 },
		};

		if (elfcore_write(&path, s, 4) < 0)
			die("elfcore_write");
		put_file("elf", "vmcore-3loads", path);
		put_file("fallback", "vmcore-3loads", path);
		unlink(path);
		free(path);
	}
	{
		/* Overlapping and adjacent loads, a load past the end of the file. */
		struct elfcore_seg s[] = {
			{ PT_LOAD, 0x2000, 0x2000, 0x2000, NULL, 0 },
			{ PT_LOAD, 0x3000, 0x2000, 0x2000, NULL, 0 },
			{ PT_NOTE, 0, 0, nlen, notes, 0 },
			{ PT_LOAD, 0x5000, 0x1000, 0x1000, NULL, 0 },
			{ PT_LOAD, 0x9000, 0x4000, 0x4000, NULL, 0 },
		};

		if (elfcore_write(&path, s, 5) < 0)
			die("elfcore_write");
		put_file("elf", "vmcore-overlap", path);
		/* the same cut short: the last load loses its tail */
		if (truncate(path, 0x9000) < 0)
			die(path);
		put_file("elf", "vmcore-truncated", path);
		unlink(path);
		free(path);
	}
}

/* ---- VMCOREINFO ---- */

static void gen_vmcoreinfo(void)
{
	static uint8_t notes[2 * PS];
	uint8_t text_mode = 0, note_mode = 1;
	uint8_t nt[16] = { 0 };
	size_t n;

	put("vmcoreinfo", "text", &text_mode, 1, dl_vmcoreinfo, sizeof(dl_vmcoreinfo) - 1);
	put("vmcoreinfo", "text-crashtime", &text_mode, 1,
	    "OSRELEASE=6.1.0\nCRASHTIME=1795000000\nKERNELOFFSET=2a000000\n"
	    "NUMBER(phys_base)=-1090519040\nPAGESIZE=4096\nCRASHTIME=1795000001\n"
	    "bad line\n=empty\nSYMBOL(x)=zz\n", 131);
	n = note_append(notes, 0, "CORE", NT_PRSTATUS, nt, sizeof(nt));
	n = note_append(notes, n, "VMCOREINFO", 0, dl_vmcoreinfo, sizeof(dl_vmcoreinfo) - 1);
	put("vmcoreinfo", "notes", &note_mode, 1, notes, n);
	/* final_note() terminator, then padding: the kernel's raw note page */
	memset(notes + n, 0, 12);
	put("vmcoreinfo", "notes-final", &note_mode, 1, notes, n + 12);
}

/* ---- dmesg ---- */

static void w64(uint8_t *m, uint64_t off, uint64_t v) { memcpy(m + off, &v, 8); }
static void w32(uint8_t *m, uint64_t off, uint32_t v) { memcpy(m + off, &v, 4); }
static void w16(uint8_t *m, uint64_t off, uint16_t v) { memcpy(m + off, &v, 2); }

/*
 * A ring the way printk leaves it: ids and lpos from first_id / 0,
 * finalized descriptors, each data block [id][text] padded to 8 bytes; a
 * block that does not fit before the end of the data ring wraps (its
 * begin stays in the last lap, the data goes to offset 0).
 */
#define ID_MASK	((1ull << 62) - 1)	/* descriptor ids: the state takes the top 2 bits */

#define DMAP_BASE	0xffff888000000000ull	/* page_offset_base without KASLR */

/*
 * vbase: the kernel address of physical 0 the ring's pointers use: the
 * kernel image (DL_KIMG, translated with phys_base) or the direct map
 * (DMAP_BASE, translated by walking init_top_pgt: a PGD at DL_PGT and a
 * PUD after it mapping the first GiB with one 1 GiB page).
 */
static void gen_ring(const char *name, const char *const *texts, size_t n,
		     uint64_t first_id, uint64_t lpos0, size_t mem_len, uint64_t vbase)
{
	static uint8_t m[3 * PS];
	const uint64_t count = 1u << DL_COUNT_BITS, size = 1u << DL_SIZE_BITS;
	uint64_t lpos = lpos0, id = first_id, tail_lpos = lpos0;

	memset(m, 0, sizeof(m));
	if (vbase == DMAP_BASE) {
		w64(m, DL_PGT + ((DMAP_BASE >> 39) & 511) * 8, (DL_PGT + PS) | 0x63);
		w64(m, DL_PGT + PS + ((DMAP_BASE >> 30) & 511) * 8, 0x80 | 0x63);
	}
#undef DL_KV
#define DL_KV(pa)	(vbase + (pa))
	w64(m, DL_PRB_PTR, DL_KV(DL_PRB));
	w32(m, DL_PRB + DL_O_DESC_RING + DL_O_COUNT_BITS, DL_COUNT_BITS);
	w64(m, DL_PRB + DL_O_DESC_RING + DL_O_DESCS, DL_KV(DL_DESCS));
	w64(m, DL_PRB + DL_O_DESC_RING + DL_O_INFOS, DL_KV(DL_INFOS));
	w32(m, DL_PRB + DL_O_TEXT_RING + DL_O_SIZE_BITS, DL_SIZE_BITS);
	w64(m, DL_PRB + DL_O_TEXT_RING + DL_O_DATA, DL_KV(DL_DATA));
	for (size_t i = 0; i < n && i < count; i++, id = (id + 1) & ID_MASK) {
		size_t len = strlen(texts[i]);
		uint64_t need = (8 + len + 7) & ~7ull;
		uint64_t begin = lpos, next, at = lpos % size;
		uint64_t d = DL_DESCS + (id % count) * DL_SZ_DESC;
		uint64_t in = DL_INFOS + (id % count) * DL_SZ_INFO;

		if (at + need >= size) {	/* wraps (ending at the edge too, as in printk) */
			next = lpos - at + size + need;
			w64(m, DL_DATA + at, id);	/* the id is at begin as well */
			at = 0;
		} else {
			next = lpos + need;
		}
		w64(m, DL_DATA + at, id);
		memcpy(m + DL_DATA + at + 8, texts[i], len);
		w64(m, d + DL_O_STATE, (2ull << 62) | id);	/* finalized */
		w64(m, d + DL_O_LPOS + DL_O_BEGIN, begin);
		w64(m, d + DL_O_LPOS + DL_O_NEXT, next);
		w64(m, in + DL_O_SEQ, 128 + first_id % count + i);	/* seq and id share the slot */
		w64(m, in + DL_O_TS, 1000000ull * (i + 1) + 123);
		w16(m, in + DL_O_TEXT_LEN, (uint16_t)len);
		m[in + DL_O_TEXT_LEN + 3] = (uint8_t)(i % 8);	/* level */
		w32(m, in + DL_O_CALLER, i & 1 ? 0x80000001u : 42 + i);
		if (i == 2) {
			strcpy((char *)m + in + DL_O_DEV_INFO, "pci");
			strcpy((char *)m + in + DL_O_DEV_INFO + 16, "+pci:0000:00:01.0");
		}
		lpos = next;
	}
	w64(m, DL_PRB + DL_O_DESC_RING + DL_O_HEAD_ID, (id - 1) & ID_MASK);
	w64(m, DL_PRB + DL_O_DESC_RING + DL_O_TAIL_ID, first_id);
	w64(m, DL_PRB + DL_O_TEXT_RING + DL_O_HEAD_LPOS, lpos);
	w64(m, DL_PRB + DL_O_TEXT_RING + DL_O_TAIL_LPOS, tail_lpos);
	put("dmesg", name, m, mem_len, NULL, 0);
#undef DL_KV
#define DL_KV(pa)	(DL_KIMG + (pa))
}

static void gen_dmesg(void)
{
	static const char *const texts[] = {
		"Linux version 6.1.0-fuzz (lkcd@fuzz) #1 SMP",
		"Command line: console=ttyS0 crashdump=0x7f000000",
		"pci 0000:00:01.0: [8086:7000] type 00 class 0x060100",
		"multi-line\nsecond line\tand a tab \x01\xe9",
		"",
		"sysrq: Trigger a crash",
		"Kernel panic - not syncing: sysrq triggered crash",
	};

	gen_ring("ring", texts, 7, 16, 0, 0x700, DL_KIMG);
	gen_ring("ring-wrap", texts, 7, 1, 400, 0x700, DL_KIMG);
	/* ids one lap below zero, as prb_init() starts them */
	gen_ring("ring-lap", texts, 5, (1ull << 62) - 3, (uint64_t)0 - 512, 0x700, DL_KIMG);
	gen_ring("ring-pgt-page", texts, 3, 8, 0, 2 * PS, DL_KIMG);
	/* the ring reached through the direct map: a page-table walk */
	gen_ring("ring-dmap", texts, 6, 3, 0, 3 * PS, DMAP_BASE);
}

/* ---- config ---- */

static void gen_config(void)
{
	static const char *const confs[][2] = {
		{ "all-set",
		  "# lkcd.conf\nDUMP_ACTIVE=1\nDUMPDIR=/var/log/dump\nDUMPDEV=\"\"\n"
		  "DUMP_SAVE=1\nDUMP_LEVEL=kern\nDUMP_COMPRESS=zlib\nDUMP_FLAGS=0\n"
		  "DUMP_EXCLUDE=0\nKEXEC_KERNEL=\"\"\nKEXEC_INITRD=\"\"\n"
		  "KEXEC_CMDLINE_APPEND=\"nr_cpus=1 irqpoll reset_devices\"\n"
		  "LKCD_MODULE=\"\"\nDUMP_FORMAT=kdump\nKEEP_DUMPS=0\nDUMP_ACTION=reboot\n" },
		{ "numeric",
		  "DUMP_LEVEL=0x8\nDUMP_COMPRESS=3\nDUMP_EXCLUDE=31\nPANIC_TIMEOUT=-1\n"
		  "DUMP_FORMAT=elf\nDUMP_ACTION=shell\nKEEP_DUMPS=5\n" },
		{ "quoting",
		  "  DUMPDIR='/srv/dumps dir' # trailing comment\n\n\t# indented comment\n"
		  "DUMP_LEVEL=\"used\"\nDUMP_COMPRESS=lz4\nDUMP_FORMAT=lkcd\nDUMP_ACTION=poweroff\n" },
		{ "bad-lines",
		  "DUMP_LEVEL=bogus\nNOT_A_NAME=1\nDUMPDIR=$HOME\nDUMPDIR=`id`\nDUMP_ACTIVE=2\n"
		  "DUMP_COMPRESS=\"zlib\nKEEP_DUMPS=99999999999\n" },
		{ "no-newline", "DUMP_SAVE=0" },
		{ "scrub", "SCRUB=\"0x100000+4M, 0x7f000000-0x7f000fff\"\nSCRUB=0x1000+0\n" },
	};

	for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++)
		put("config", confs[i][0], confs[i][1], strlen(confs[i][1]), NULL, 0);
}

/* ---- scrub ranges ---- */

static void gen_scrub(void)
{
	static const char *const specs[][2] = {
		{ "forms", "0x1000-0x1fff,0x100000+4M 4096+4K" },
		{ "overlaps", "0x2000-0x2fff,0x1000+0x1000,0x3000-0x3fff,0x1100+0x10" },
		{ "edges", "0-0xfffffffffffffffe,0xffffffffffffff00+0xff" },
		{ "bad", "0x2000-0x1000,0x1000+0,abc,0x1+0xfffffffffffffffffff" },
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		put("scrub", specs[i][0], specs[i][1], strlen(specs[i][1]), NULL, 0);
}

/* ---- stopped dumps (tail) and plain vmcores (fallback) ---- */

/* sm's memory as an ELF vmcore, a seed of target as name. */
static void put_core(const char *target, const char *name, struct simmem *sm)
{
	char path[] = "/tmp/gen-corpus-core-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		die("mkstemp");
	close(fd);
	if (elfcore_write_sim(sm, path) < 0)
		die("elfcore_write_sim");
	put_file(target, name, path);
	unlink(path);
}

/*
 * The small machine of pack(), stopped by the deadline after a few page
 * reads: its blocks sit in the pool right after the header, below and
 * above next_pfn, so the tail must leave them out.
 */
static void gen_tail(void)
{
	static const struct { uint32_t level, exclude; unsigned int reads; const char *tag; } v[] = {
		{ LKCD_LEVEL_ALL_RAM, 0, 6, "all-stopped-early" },
		{ LKCD_LEVEL_ALL_RAM, 0, 20, "all-stopped-late" },
		{ LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, 8, "kern-stopped" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct simmem *sm = sim_new(NR_PFN);

		sim_add_range(sm, 0, NR_PFN * PS);
		sim_set_header(sm, 0);
		for (uint32_t p = 1; p <= NR_POOL; p++)
			sim_add_pool(sm, p);
		sim_fill(sm, 13, 10, SIM_TEXT, i + 7);
		sim_fill(sm, 25, 5, SIM_RANDOM, i + 8);
		sim_set_class(sm, 30, 4, LKCD_PC_USER);
		sm->clock_ns = 1000000;
		sm->ns_per_read = 1000;
		if (sim_pack(sm, v[i].level, v[i].exclude, LKCD_COMPRESS_ZLIB,
			     1000000 + v[i].reads * 1000ull) < 0 ||
		    sim_header(sm)->state != LKCD_STATE_INCOMPLETE)
			die("packing a stopped dump");
		put_core("tail", v[i].tag, sm);
		/* the same memory for the fallback: a vmcore with no usable lkcd dump */
		put_core("fallback", v[i].tag, sm);
		sim_free(sm);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST)
		die(outdir);
	gen_dumps();
	gen_elf();
	gen_vmcoreinfo();
	gen_dmesg();
	gen_config();
	gen_scrub();
	gen_tail();
	return 0;
}
