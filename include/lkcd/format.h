/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * lkcd preserved-dump format: the bytes the crashed kernel leaves in memory
 * for the capture kernel.  Shared verbatim by lkcd.ko and userspace; the
 * specification is Documentation/format.rst.
 *
 * Every field is fixed-width and little-endian (lkcd only runs on
 * little-endian machines today; readers still convert with le*toh so the
 * format stays portable).  Sizes are pinned with static asserts.
 *
 * Layout in physical memory:
 *
 *   header page (at the address in /proc/sys/kernel/dump/addr, passed to the
 *   capture kernel as crashdump=0x...)
 *     struct lkcd_dump_header  (crc over the page, written last)
 *     struct lkcd_mem_range[nr_ranges] (System RAM as the crashed kernel saw it)
 *
 *   storage chain: spare pages, one struct lkcd_block_header each, linked by
 *   next_paddr from header.first_block_paddr.  The block payloads, taken in
 *   chain order, form one stream of records:
 *     struct lkcd_record_header + stored_size bytes, in ascending pfn order.
 *   Records may straddle blocks; first_record_offset in every block lets a
 *   reader resynchronise after a damaged block.
 */
#ifndef LKCD_FORMAT_H
#define LKCD_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/build_bug.h>
#define LKCD_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
/*
 * The kernel's own UAPI types, as every header shared with userspace uses
 * them: glibc 2.43's <fcntl.h> includes <linux/types.h> itself, so a
 * private typedef of the same names (uint64_t is unsigned long, __u64
 * unsigned long long) no longer compiles next to it.
 */
#include <linux/types.h>
#include <stdint.h>
#include <stddef.h>
#define LKCD_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* "LKCDDUMP" read as a little-endian u64. */
#define LKCD_DUMP_MAGIC		0x504d554444434b4cULL
/* Same, last byte 'L': a live (SysRq d) snapshot, a fuzzy copy. */
#define LKCD_DUMP_MAGIC_LIVE	0x4c4d554444434b4cULL
#define LKCD_FORMAT_VERSION	1

#define LKCD_PAGE_SIZE		4096u
#define LKCD_HEADER_AREA_SIZE	LKCD_PAGE_SIZE	/* the whole header page is checksummed */

/* dump state (header.state) */
enum lkcd_state {
	LKCD_STATE_EMPTY	= 0,	/* armed, no dump taken */
	LKCD_STATE_IN_PROGRESS	= 1,	/* never seen by a reader: header is written last */
	LKCD_STATE_COMPLETE	= 2,
	LKCD_STATE_INCOMPLETE	= 3,	/* valid prefix; see incomplete_reason */
};

/* why a dump stopped early (header.incomplete_reason) */
enum lkcd_incomplete_reason {
	LKCD_INCOMPLETE_NONE		= 0,
	LKCD_INCOMPLETE_NO_SPARE	= 1,	/* ran out of spare pages */
	LKCD_INCOMPLETE_DEADLINE	= 2,	/* dump_deadline_ms passed */
	LKCD_INCOMPLETE_REENTERED	= 3,	/* panic inside the dumper */
	LKCD_INCOMPLETE_ERROR		= 4,	/* internal error (compressor failed, ...) */
	LKCD_INCOMPLETE_CAP		= 5,	/* live snapshot hit its memory cap */
	LKCD_INCOMPLETE_LOCKDOWN	= 6,	/* kernel locked down (confidentiality) at panic: nothing dumped */
};

/*
 * Dump levels, LKCD's values (sysctl kernel.dump.level, DUMP_LEVEL).
 * ALL (0x10) of old LKCD is not offered: it meant ALL_RAM plus I/O memory.
 */
#define LKCD_LEVEL_NONE		0x0
#define LKCD_LEVEL_HEADER	0x1
#define LKCD_LEVEL_KERN		0x2
#define LKCD_LEVEL_USED		0x4
#define LKCD_LEVEL_ALL_RAM	0x8

/*
 * Page classes left out, makedumpfile's -d bits (sysctl kernel.dump.exclude).
 * hwpoison and offline pages are always left out, whatever the mask.
 */
#define LKCD_EXCLUDE_ZERO	0x01
#define LKCD_EXCLUDE_CACHE	0x02	/* page cache without private data */
#define LKCD_EXCLUDE_CACHE_PRI	0x04	/* all page cache */
#define LKCD_EXCLUDE_USER	0x08	/* anon, hugetlb */
#define LKCD_EXCLUDE_FREE	0x10
#define LKCD_EXCLUDE_MASK	0x1f

/* Compression (sysctl kernel.dump.compress, DUMP_COMPRESS).  2 = LKCD's GZIP. */
#define LKCD_COMPRESS_NONE	0
#define LKCD_COMPRESS_ZLIB	2	/* zlib format (RFC 1950), as compress2() */
#define LKCD_COMPRESS_ZSTD	3	/* zstd frame */
#define LKCD_COMPRESS_LZ4	4	/* lz4 block, raw */
#define LKCD_COMPRESS_LZO	5	/* lzo1x block, raw, as lzo1x_decompress_safe() reads it */

/*
 * The zstd level (sysctl kernel.dump.compress_level, DUMP_COMPRESS_LEVEL),
 * a signed number: negative levels are zstd's fast ones, 0 is zstd's
 * default (3).  Only zstd has levels at panic; the others ignore it.
 */
#define LKCD_ZSTD_LEVEL_MIN	(-131072)	/* ZSTD_minCLevel() of zstd 1.4-1.5 */
#define LKCD_ZSTD_LEVEL_MAX	22

/* LKCD's DUMP_FLAGS (sysctl kernel.dump.flags) */
#define LKCD_FLAG_NONDISRUPT	0x1
#define LKCD_FLAG_SOFTBOOT	0x2
#define LKCD_FLAGS_MASK		0x3
/*
 * Not a DUMP_FLAGS bit (outside LKCD_FLAGS_MASK, refused by the sysctl):
 * set only by lkcd save in the header it makes up when there was no usable
 * preserved dump and it saved /proc/vmcore itself.  Such a header is never
 * in the crashed kernel's memory, only in a saved file's LKCD note (and on
 * DUMPDEV).  Readers that predate it ignore it.
 */
#define LKCD_FLAG_VMCORE_FALLBACK	0x100

#define LKCD_UTS_LEN		65	/* __NEW_UTS_LEN + 1 */
#define LKCD_PANIC_LEN		256

/* struct lkcd_dump_header.uts, in struct new_utsname order */
struct lkcd_uts {
	char sysname[LKCD_UTS_LEN];
	char nodename[LKCD_UTS_LEN];
	char release[LKCD_UTS_LEN];
	char version[LKCD_UTS_LEN];
	char machine[LKCD_UTS_LEN];
	char domainname[LKCD_UTS_LEN];
};
LKCD_STATIC_ASSERT(sizeof(struct lkcd_uts) == 390, "lkcd_uts size");

/* One range of System RAM, in bytes: [start, start + size). */
struct lkcd_mem_range {
	__u64 start;
	__u64 size;
};
LKCD_STATIC_ASSERT(sizeof(struct lkcd_mem_range) == 16, "lkcd_mem_range size");

/*
 * The header, at offset 0 of the header page; the ranges array follows at
 * offset header_size, in the same page.  crc is CRC-32 (IEEE 802.3, the
 * value of zlib's crc32(0, ...); in the kernel crc32_le(~0, ...) ^ ~0) of
 * the whole header page with the crc field taken as zero.  The dumper
 * writes it last, so a reader that sees a good crc sees a finished header.
 */
#define LKCD_MAX_RANGES	((LKCD_HEADER_AREA_SIZE - 1024) / 16)

struct lkcd_dump_header {
	__u64 magic;			/*   0 LKCD_DUMP_MAGIC or _LIVE */
	__u32 version;			/*   8 LKCD_FORMAT_VERSION */
	__u32 header_size;		/*  12 sizeof(struct lkcd_dump_header) */
	__u32 crc;			/*  16 see above */
	__u32 state;			/*  20 enum lkcd_state */
	__u32 incomplete_reason;	/*  24 enum lkcd_incomplete_reason */
	__u32 page_size;		/*  28 bytes per page of the crashed kernel */

	__u32 level;			/*  32 LKCD_LEVEL_* */
	__u32 exclude;			/*  36 LKCD_EXCLUDE_* actually applied */
	__u32 compress;			/*  40 LKCD_COMPRESS_* used for records */
	__u32 flags;			/*  44 LKCD_FLAG_* */

	__u64 panic_time_sec;		/*  48 wall clock at panic, s since epoch */
	__u32 panic_time_nsec;		/*  56 */
	__u32 crashing_cpu;		/*  60 smp_processor_id() in the notifier */
	__u32 nr_cpus;			/*  64 CPUs online at panic */
	__u32 nr_ranges;		/*  68 entries of the range table */
	__u64 memory_size;		/*  72 bytes of System RAM in the ranges */
	__u64 max_pfn;			/*  80 one past the highest RAM pfn */
	__u64 vmcoreinfo_paddr;		/*  88 paddr_vmcoreinfo_note() */
	__u32 vmcoreinfo_size;		/*  96 VMCOREINFO_NOTE_SIZE */
	__u32 pages_lkcd;		/* 100 pages of lkcd.ko's own working memory
					 *     left out (header, packer scratch and
					 *     pool, compressor workspaces); since
					 *     2026-12, 0 in older dumps: not recorded */

	__u64 dump_start_ns;		/* 104 local_clock() when dumping began */
	__u64 dump_end_ns;		/* 112 local_clock() when the header was sealed */
	__u64 first_block_paddr;	/* 120 first storage block, 0 = none */
	__u64 nr_blocks;		/* 128 blocks in the chain */
	__u64 nr_records;		/* 136 records in the stream */
	__u64 pages_dumped;		/* 144 pages covered by records (zero runs too) */
	__u64 pages_zero;		/* 152 of those, zero pages */
	__u64 pages_excluded;		/* 160 RAM pages left out by level/exclude */
	__u64 pages_unreadable;		/* 168 pages the dumper could not read */
	__u64 stored_bytes;		/* 176 record bytes (headers + data) */
	__u64 next_pfn;			/* 184 first pfn not examined (== max_pfn when complete) */
	__u64 current_task;		/* 192 kernel address of the panicking task */

	struct lkcd_uts uts;		/* 200 utsname of the crashed kernel */
	char panic_string[LKCD_PANIC_LEN]; /* 590 NUL-terminated */
	__u8 reserved1[1024 - 846];	/* 846 zero; room for later versions */
};
LKCD_STATIC_ASSERT(sizeof(struct lkcd_dump_header) == 1024, "lkcd_dump_header size");
LKCD_STATIC_ASSERT(offsetof(struct lkcd_dump_header, uts) == 200, "uts offset");
LKCD_STATIC_ASSERT(offsetof(struct lkcd_dump_header, panic_string) == 590, "panic offset");

/*
 * A storage block: one spare page.  header_crc covers this struct with
 * header_crc taken as zero, so a damaged payload does not break the chain;
 * payload_crc covers the payload_size bytes that follow the struct.
 */
#define LKCD_BLOCK_MAGIC	0x4b424b4cU	/* "LKBK" */
#define LKCD_NO_RECORD		0xffffU

struct lkcd_block_header {
	__u32 magic;			/*  0 LKCD_BLOCK_MAGIC */
	__u32 header_crc;		/*  4 */
	__u64 seq;			/*  8 position in the chain, from 0 */
	__u64 next_paddr;		/* 16 next block, 0 = last */
	__u32 payload_size;		/* 24 bytes used after this struct */
	__u32 payload_crc;		/* 28 */
	__u16 first_record_offset;	/* 32 payload offset of the first record
					 *    that starts here, LKCD_NO_RECORD */
	__u16 reserved0;		/* 34 zero */
	__u32 reserved1;		/* 36 zero */
};
LKCD_STATIC_ASSERT(sizeof(struct lkcd_block_header) == 40, "lkcd_block_header size");
#define LKCD_BLOCK_PAYLOAD	(LKCD_PAGE_SIZE - sizeof(struct lkcd_block_header))

/*
 * A record: one page (or a run of zero / unreadable pages) of the dump.
 * Records appear in strictly ascending pfn order and never overlap.
 */
#define LKCD_REC_RAW		0x1	/* stored_size == page_size bytes, as is */
#define LKCD_REC_COMPRESSED	0x2	/* compressed with record.compress */
#define LKCD_REC_ZERO		0x4	/* count zero pages, no data */
#define LKCD_REC_UNREADABLE	0x8	/* count pages the dumper could not read */
#define LKCD_REC_FLAGS_MASK	0xf

struct lkcd_record_header {
	__u64 pfn;			/*  0 first page */
	__u32 stored_size;		/*  8 data bytes following this struct */
	__u16 flags;			/* 12 exactly one LKCD_REC_* */
	__u16 compress;			/* 14 LKCD_COMPRESS_* when COMPRESSED */
	__u32 count;			/* 16 pages covered: 1 unless ZERO/UNREADABLE */
	__u32 crc;			/* 20 CRC-32 of the data, 0 when none */
};
LKCD_STATIC_ASSERT(sizeof(struct lkcd_record_header) == 24, "lkcd_record_header size");

#endif /* LKCD_FORMAT_H */
