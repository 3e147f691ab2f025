/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkcd.ko internals shared between its files.  The preserved-dump format
 * itself is include/lkcd/format.h.
 */
#ifndef LKCD_KERNEL_H
#define LKCD_KERNEL_H

#include <linux/mutex.h>
#include <linux/sched/clock.h>
#include <linux/security.h>
#include <linux/types.h>
#include <lkcd/format.h>
#include <lkcd/params.h>
#include <lkcd/snapshot.h>

struct lkcd_packer;		/* packer.h */
struct lkcd_packer_ops;

/*
 * The tunables behind /proc/sys/kernel/dump/.  Written only in process
 * context with lkcd_config_lock held; read at panic without the lock
 * (READ_ONCE: each field is a single u32, any value seen is a valid one).
 */
struct lkcd_tunables {
	u32 level;		/* LKCD_LEVEL_* */
	u32 compress;		/* LKCD_COMPRESS_*, only ones available */
	s32 compress_level;	/* zstd's level; the others have none */
	u32 flags;		/* LKCD_FLAG_* */
	u32 exclude;		/* LKCD_EXCLUDE_*; 0 = the level's default */
	u32 deadline_ms;	/* the dump stops INCOMPLETE after this long */
};

#define LKCD_DEFAULT_LEVEL	LKCD_LEVEL_KERN
#define LKCD_DEFAULT_COMPRESS	LKCD_COMPRESS_LZO	/* performance.rst: issue 18 */
#define LKCD_DEFAULT_COMPRESS_LEVEL 3
#define LKCD_DEFAULT_DEADLINE_MS 60000

extern struct lkcd_tunables lkcd_tun;
extern struct mutex lkcd_config_lock;

/* The exclude mask a dump at this level with this setting applies. */
static inline u32 lkcd_effective_exclude(u32 level, u32 exclude)
{
	return exclude ? exclude : lkcd_level_default_exclude(level);
}

/*
 * May kernel memory leave this kernel (a crash dump, a live snapshot,
 * /dev/lkcd)?  0, or -EPERM when the kernel is locked down at a level that
 * forbids reading kernel memory: confidentiality, whose reason
 * LOCKDOWN_KCORE is the one /proc/kcore is refused for.  Lockdown only
 * rises, and can rise at run time (/sys/kernel/security/lockdown), so
 * every path checks when it acts, not once at load.
 *
 * Any context, panic included: the lockdown LSM's hook compares one
 * variable and prints a rate-limited notice (trylock only); it allocates
 * nothing and takes no lock.
 */
static inline int lkcd_lockdown_check(void)
{
	return security_locked_down(LOCKDOWN_KCORE);
}

/* header.c */
int lkcd_header_init(void);
void lkcd_header_exit(void);
phys_addr_t lkcd_header_paddr(void);
struct lkcd_dump_header *lkcd_header(void);
int lkcd_header_refresh(void);
void lkcd_header_build(struct lkcd_dump_header *h);
void lkcd_header_start(struct lkcd_dump_header *h, u32 level);
void lkcd_header_seal(struct lkcd_dump_header *h);
void lkcd_header_seal_empty(struct lkcd_dump_header *h, u32 reason);
u64 lkcd_header_max_pfn(void);

/* pagewalk.c: the packer's view of memory, from struct page */

int lkcd_walk_init(void);
void lkcd_walk_exit(void);
int lkcd_walk_nodump_add(u64 pfn, u64 count);
int lkcd_walk_nodump_own(u64 pfn, u64 count);
int lkcd_walk_nodump_own_vmalloc(const void *addr, size_t size);
void lkcd_walk_nodump_done(void);
u32 lkcd_walk_own_pages(void);
void lkcd_walk_prepare(void);
void lkcd_walk_held_set(const u64 *pfns, u32 nr, u64 hdr_pfn);
void lkcd_walk_held_clear(void);
extern const struct lkcd_packer_ops lkcd_walk_ops;
void *lkcd_walk_ctx(void);

/* compress.c: the page compressors, workspaces allocated at load */
int lkcd_compress_init(void);
void lkcd_compress_exit(void);
int lkcd_compress_available(u32 compress);
int lkcd_compress_select(u32 compress);
int lkcd_compress_set_level(s32 level);
u32 lkcd_compress_begin(void);
int lkcd_compress_page(const void *src, void *dst, u32 dst_cap);

/* dump.c: the packer's set-up (panic and snapshot) and the panic-time run */
int lkcd_dump_init(void);
void lkcd_dump_exit(void);
void lkcd_dump_setup(struct lkcd_packer *pk, struct lkcd_dump_header *h,
		     u64 header_pfn, u32 deadline_ms, void *read_buf, void *comp_buf,
		     u64 *pool, u32 nr_pool);
int lkcd_dump_run(struct lkcd_dump_header *h);
int lkcd_dump_seal_reentered(void);
void lkcd_dump_report_phases(void);
#ifdef LKCD_TEST
void lkcd_dump_test_damage(void);
void lkcd_dump_test_alloc(void);
#else
static inline void lkcd_dump_test_damage(void) { }
static inline void lkcd_dump_test_alloc(void) { }
#endif

/* sysctl.c */
int lkcd_sysctl_init(void);
void lkcd_sysctl_exit(void);
/* Hand text out to a sysctl read (snapshot.c's sysctls too). */
int lkcd_sysctl_emit(const char *text, void *buffer, size_t *lenp, loff_t *ppos);

/* panic.c */
int lkcd_panic_init(void);
void lkcd_panic_exit(void);

/* snapshot.c: live snapshots (SysRq d), see include/lkcd/snapshot.h */
struct lkcd_snapshot_status;
struct lkcd_snapshot_notes;
int lkcd_snapshot_init(void);
void lkcd_snapshot_exit(void);
int lkcd_snapshot_request(u32 mode, const char *who);
int lkcd_snapshot_release(void);
void lkcd_snapshot_status(struct lkcd_snapshot_status *st);
int lkcd_snapshot_read_page(u64 pfn, u32 off, void __user *buf, u32 len);
int lkcd_snapshot_size(u64 *size);
int lkcd_snapshot_notes(struct lkcd_snapshot_notes *req);

/* lkcd_dev.c: /dev/lkcd */
int lkcd_dev_init(void);
void lkcd_dev_exit(void);

/*
 * The dumper's clock, for its deadline, progress and the header's start and
 * end times.  sched_clock() reads the TSC directly on x86_64, so it keeps
 * counting with interrupts off for as long as a dump takes.  The timekeeping
 * fast accessors do not: they extrapolate from the last tick, and with no
 * tick for longer than the clocksource's wrap (hpet under QEMU: 43 s) they
 * go backwards, which made a long ALL_RAM dump end before it began.
 */
static inline notrace u64 lkcd_clock_ns(void)
{
	return sched_clock();
}

#endif /* LKCD_KERNEL_H */
