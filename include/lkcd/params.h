/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Validation of lkcd's tunables (the sysctls under /proc/sys/kernel/dump/
 * and the matching DUMP_* config variables).  Shared by lkcd.ko and
 * userspace so that the module and `lkcd config` accept exactly the same
 * values.  Plain C, no library calls.
 */
#ifndef LKCD_PARAMS_H
#define LKCD_PARAMS_H

#include "format.h"

static inline int lkcd_level_valid(__u32 level)
{
	return level == LKCD_LEVEL_NONE || level == LKCD_LEVEL_HEADER ||
	       level == LKCD_LEVEL_KERN || level == LKCD_LEVEL_USED ||
	       level == LKCD_LEVEL_ALL_RAM;
}

static inline int lkcd_compress_valid(__u32 compress)
{
	return compress == LKCD_COMPRESS_NONE || compress == LKCD_COMPRESS_ZLIB ||
	       compress == LKCD_COMPRESS_ZSTD || compress == LKCD_COMPRESS_LZ4 ||
	       compress == LKCD_COMPRESS_LZO;
}

/* kernel.dump.compress_level: a zstd level, LKCD_ZSTD_LEVEL_MIN..MAX. */
static inline int lkcd_compress_level_valid(__s32 level)
{
	return level >= LKCD_ZSTD_LEVEL_MIN && level <= LKCD_ZSTD_LEVEL_MAX;
}

static inline int lkcd_flags_valid(__u32 flags)
{
	return (flags & ~LKCD_FLAGS_MASK) == 0;
}

static inline int lkcd_exclude_valid(__u32 exclude)
{
	return (exclude & ~LKCD_EXCLUDE_MASK) == 0;
}

/*
 * The classes each level leaves out, as makedumpfile -d bits.  KERN is the
 * kdump default -d 31; USED keeps everything but free pages; ALL_RAM keeps
 * every RAM page.  A nonzero kernel.dump.exclude overrides this.
 */
static inline __u32 lkcd_level_default_exclude(__u32 level)
{
	switch (level) {
	case LKCD_LEVEL_ALL_RAM:
		return 0;
	case LKCD_LEVEL_USED:
		return LKCD_EXCLUDE_FREE;
	default:
		return LKCD_EXCLUDE_MASK;
	}
}

static inline const char *lkcd_level_name(__u32 level)
{
	switch (level) {
	case LKCD_LEVEL_NONE:		return "none";
	case LKCD_LEVEL_HEADER:		return "header";
	case LKCD_LEVEL_KERN:		return "kern";
	case LKCD_LEVEL_USED:		return "used";
	case LKCD_LEVEL_ALL_RAM:	return "all_ram";
	default:			return "?";
	}
}

static inline const char *lkcd_compress_name(__u32 compress)
{
	switch (compress) {
	case LKCD_COMPRESS_NONE:	return "none";
	case LKCD_COMPRESS_ZLIB:	return "zlib";
	case LKCD_COMPRESS_ZSTD:	return "zstd";
	case LKCD_COMPRESS_LZ4:		return "lz4";
	case LKCD_COMPRESS_LZO:		return "lzo";
	default:			return "?";
	}
}

/*
 * The names of a dump's state and of the reason it stopped early (header
 * state, incomplete_reason), one table for lkcd.ko's console lines and for
 * what lkcd prints (lkcd show, analysis.N, save's messages).
 */
static inline const char *lkcd_state_name(__u32 state)
{
	switch (state) {
	case LKCD_STATE_EMPTY:		return "empty (armed, no dump taken)";
	case LKCD_STATE_IN_PROGRESS:	return "in progress (never finished)";
	case LKCD_STATE_COMPLETE:	return "complete";
	case LKCD_STATE_INCOMPLETE:	return "incomplete";
	default:			return "?";
	}
}

/*
 * Why a dump stopped early: word, the short form the kernel's console line
 * puts in parentheses ("dump INCOMPLETE (deadline)"); text, the sentence
 * lkcd prints ("incomplete: deadline passed").
 */
struct lkcd_reason_name {
	const char *word;
	const char *text;
};

static inline const struct lkcd_reason_name *lkcd_incomplete_reason(__u32 reason)
{
	static const struct lkcd_reason_name names[] = {
		[LKCD_INCOMPLETE_NONE]		= { "none", "none" },
		[LKCD_INCOMPLETE_NO_SPARE]	= { "out of spare pages", "ran out of spare pages" },
		[LKCD_INCOMPLETE_DEADLINE]	= { "deadline", "deadline passed" },
		[LKCD_INCOMPLETE_REENTERED]	= { "re-entered", "panic inside the dumper" },
		[LKCD_INCOMPLETE_ERROR]		= { "internal error", "internal error" },
		[LKCD_INCOMPLETE_CAP]		= { "cap reached", "live snapshot memory cap" },
		[LKCD_INCOMPLETE_LOCKDOWN]	= { "kernel locked down",
			"kernel locked down (confidentiality): memory not dumped" },
	};
	static const struct lkcd_reason_name unknown = { "?", "?" };

	if (reason >= sizeof(names) / sizeof(names[0]))
		return &unknown;
	return &names[reason];
}

/*
 * Parse an unsigned decimal or 0x-prefixed hex number of len bytes, with
 * optional surrounding white space (a sysctl write ends in '\n').  Returns 0,
 * or -1 when the text is empty, has junk, or overflows 32 bits.
 */
static inline int lkcd_parse_u32(const char *s, unsigned long len, __u32 *out)
{
	unsigned long i = 0, end = len;
	__u64 v = 0;
	unsigned int base = 10, digits = 0;

	while (i < end && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t' ||
			   s[end - 1] == '\n' || s[end - 1] == '\0'))
		end--;
	if (end - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	for (; i < end; i++, digits++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * base + d;
		if (v > 0xffffffffULL)
			return -1;
	}
	if (!digits)
		return -1;
	*out = (__u32)v;
	return 0;
}

/*
 * A signed decimal: an optional '-', then what lkcd_parse_u32 accepts
 * (spaces around it too), within -2^31..2^31-1.  0 or -1.
 */
static inline int lkcd_parse_s32(const char *s, unsigned long len, __s32 *out)
{
	unsigned long i = 0;
	__u32 v;
	int neg = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	if (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '-' || s[i] == '+'))
		return -1;
	if (lkcd_parse_u32(s + i, len - i, &v))
		return -1;
	if (neg ? v > 0x80000000U : v > 0x7fffffffU)
		return -1;
	*out = neg ? (__s32)(0U - v) : (__s32)v;
	return 0;
}

#endif /* LKCD_PARAMS_H */
