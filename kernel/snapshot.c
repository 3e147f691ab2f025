// SPDX-License-Identifier: GPL-2.0
/*
 * Live snapshots: SysRq d, /proc/sys/kernel/dump/snapshot or LKCD_IOC_SNAPSHOT
 * on /dev/lkcd dump memory with the panic path's packer while the machine
 * keeps running, into pages allocated for the purpose and held until
 * userspace has saved them (`lkcd save` reads them through /dev/lkcd, see
 * lkcd_dev.c) and released them.
 *
 * A request only checks and queues; the snapshot runs from a workqueue in
 * process context.  One at a time: a request while one is in progress or
 * held is refused with EBUSY, never queued.
 *
 *   storage   a pool of pages allocated before the run, at most the cap
 *             (snapshot_cap_mb, 0 = a quarter of MemFree at request time);
 *             the packer runs with LKCD_PACKER_POOL_ONLY, so it writes
 *             nowhere else, and stops INCOMPLETE/CAP when the pool is full.
 *             Pool pages no block ended up in are freed right after the run.
 *   header    a page of its own, never the panic header: a panic while a
 *             snapshot is held or being taken still dumps through the panic
 *             header (the snapshot's pages are then ordinary kernel pages).
 *   modes     live (default): the run is preemptible and never stops the
 *             machine; pages change while they are copied and struct page
 *             may change under classify(), so the copy is fuzzy and its
 *             header says so (LKCD_DUMP_MAGIC_LIVE).  Reads are fault
 *             tolerant (lkcd_copy_page_live(), with machine-check recovery
 *             like the panic path, after a direct-map check).
 *             consistent: the packer runs under stop_machine(), every other
 *             CPU spinning with interrupts off, so the copy is one instant;
 *             the time stopped is reported (status, console).
 *   CPUs      each online CPU's registers and current task, as the kernel's
 *             crash notes have them (struct elf_prstatus), handed to
 *             userspace as NT_PRSTATUS notes (LKCD_IOC_NOTES): consistent
 *             mode in the stop_machine() callback, which runs on every CPU
 *             and stays there until the copy is done, so each stack is
 *             copied as its registers say; live mode in the worker for its
 *             own CPU and through an IPI for the others, each recording
 *             what the IPI interrupted (a fuzzy copy: stacks move on).
 *
 * Locks: lkcd_snap.lock (spinlock) guards the state, since SysRq requests
 * come from interrupt context; lkcd_snap.mutex guards the pages (run,
 * device reads, release).  The run also holds lkcd_config_lock so the
 * compressor and the tunables stay put under it.  Order: lkcd_snap.mutex,
 * lkcd_config_lock, then the CPU-hotplug lock (stop_machine() takes it for
 * reading); nothing of lkcd's is taken under the hotplug locks (the memory
 * hotplug notifier defers its work, see main.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/elfcore.h>
#include <linux/kexec.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nmi.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include <linux/sysctl.h>
#include <linux/sysrq.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <asm/pgtable_types.h>
#include <asm/unwind.h>

#include "compat.h"
#include "lkcd.h"
#include "packer.h"

/* The longest a consistent snapshot keeps the machine stopped. */
#define LKCD_SNAP_STOP_MAX_MS	20000

/* Default cap: this share of MemFree at request time (1/4). */
#define LKCD_SNAP_CAP_SHIFT	2

static struct {
	spinlock_t lock;		/* state, mode, percent, error */
	struct mutex mutex;		/* the pages below */
	struct work_struct work;

	u32 state;			/* enum lkcd_snap_state */
	u32 mode;			/* mode of the current/last one */
	u32 percent;
	u32 error;			/* FAILED: errno */
	u64 cap_pages;			/* fixed at request time */
	char who[32];			/* "SysRq d", "lkcd snapshot" */

	/* while held (and during the run) */
	struct page *hdr_pg;
	struct page *read_pg, *comp_pg;	/* scratch, during the run only */
	u64 *pool;			/* sorted pfns; after the run: the chain's */
	u32 nr_pool;
	u64 stopped_ns, run_ns;
	struct lkcd_snapshot_status last;	/* filled when it became held */

	/* the CPUs (allocated with the pool, notes built after the run) */
	struct elf_prstatus *cpus;	/* nr_cpu_ids slots, filled by each CPU */
	struct cpumask online;		/* online at the snapshot */
	struct cpumask saved;		/* slots filled */
	struct cpumask noregs;		/* did not answer the IPI (live), or the
					 * consistent mode's probe */
	u32 snap_cpu;			/* the CPU that took it */
	u8 *notes;			/* while held: NT_PRSTATUS per online CPU */
	u32 notes_len, nr_notes;
} lkcd_snap = {
	.lock = __SPIN_LOCK_UNLOCKED(lkcd_snap.lock),
	.mutex = __MUTEX_INITIALIZER(lkcd_snap.mutex),
};

/* tunables: /proc/sys/kernel/dump/snapshot_{mode,cap_mb} */
static u32 lkcd_snap_mode_tun = LKCD_SNAP_LIVE;
static u32 lkcd_snap_cap_mb;		/* 0 = a quarter of MemFree */

static struct lkcd_packer lkcd_snap_pk;
static struct lkcd_packer_ops lkcd_snap_ops;

/*
 * Pages the snapshot has from the page allocator now (header, scratch,
 * pool): read-only knob snapshot_pages.  Every page goes through the two
 * helpers below, so a page kept after a release shows here as a count that
 * is not 0 -- exact, where MemFree moves by tens of MiB on its own.
 */
static atomic_long_t lkcd_snap_pages = ATOMIC_LONG_INIT(0);

static struct page *lkcd_snap_page_alloc(gfp_t gfp)
{
	struct page *pg = alloc_page(gfp);

	if (pg)
		atomic_long_inc(&lkcd_snap_pages);
	return pg;
}

static void lkcd_snap_page_free(struct page *pg)
{
	__free_page(pg);
	atomic_long_dec(&lkcd_snap_pages);
}

#ifdef LKCD_TEST
/*
 * Test build only (snapshot_measure=1): how far a snapshot's copy is from
 * one instant, counted exactly, with a CRC per page (a collision, one in
 * 2^32 per page, would hide a change).  Just before the run every RAM page
 * is read once ("start"); as the packer reads a page its CRC is kept
 * ("copy"); right after the run every page copied is read again ("end").
 * Counted over the pages copied: the copy differs from the start, from the
 * end, from both (a state of neither instant: caught between two changes
 * or mid-change), and start differs from end (the page changed during the
 * run).  The start and end passes take a while themselves (said): the
 * instants are that smeared.  In live mode the machine runs on throughout.
 * In consistent mode the copy is its own start, and the end pass runs
 * inside the stop, on the packing CPU, so only what the run itself writes
 * differs (its stack, lkcd.ko's counters): the floor both modes share.
 * (A start pass there would read all of RAM with the machine stopped:
 * 10 s and more under TCG, eating the stop's 20 s.)  The arrays are
 * physically contiguous and NODUMP (lkcd_snap_scratch()): never in the
 * copy, never counted.  tests/vm snapshot-regs prints the figures.
 */
static bool snapshot_measure;
module_param(snapshot_measure, bool, 0600);
MODULE_PARM_DESC(snapshot_measure,
		 "test build only: count the pages of a snapshot's copy that differ from memory at its run's start and end (default N)");

struct lkcd_test_pass {
	u32 *crc;			/* by pfn */
	unsigned long *seen;		/* pfns read */
};

static struct {
	struct lkcd_test_pass start, copy;
	u64 npfn;
	size_t crc_bytes, seen_bytes;
	int (*read)(void *ctx, __u64 pfn, void *buf);	/* the mode's own */
	u64 copied, d_start, d_end, d_both, d_run, unreadable;
	u64 slab, anon, file, other;	/* the pages that differ from the end */
	u64 start_ns, end_ns;		/* the passes' own time */
} lkcd_test_m;

static bool lkcd_test_in(const void *p, size_t bytes, u64 pfn)
{
	u64 first = PHYS_PFN(virt_to_phys((void *)p));

	return p && pfn >= first && pfn < first + PFN_UP(bytes);
}

static bool lkcd_test_snap_own(u64 pfn)
{
	return lkcd_test_in(lkcd_test_m.start.crc, lkcd_test_m.crc_bytes, pfn) ||
	       lkcd_test_in(lkcd_test_m.start.seen, lkcd_test_m.seen_bytes, pfn) ||
	       lkcd_test_in(lkcd_test_m.copy.crc, lkcd_test_m.crc_bytes, pfn) ||
	       lkcd_test_in(lkcd_test_m.copy.seen, lkcd_test_m.seen_bytes, pfn);
}

static int lkcd_test_read_page(void *ctx, __u64 pfn, void *buf)
{
	int ret = lkcd_test_m.read(ctx, pfn, buf);

	if (!ret && pfn < lkcd_test_m.npfn) {
		lkcd_test_m.copy.crc[pfn] = crc32_le(~0U, buf, PAGE_SIZE);
		__set_bit(pfn, lkcd_test_m.copy.seen);
		lkcd_test_m.copied++;
	}
	return ret;
}

static void lkcd_test_pass_free(struct lkcd_test_pass *ps)
{
	if (ps->crc)
		free_pages_exact(ps->crc, lkcd_test_m.crc_bytes);
	if (ps->seen)
		free_pages_exact(ps->seen, lkcd_test_m.seen_bytes);
}

static void lkcd_test_measure_free(void)
{
	lkcd_test_pass_free(&lkcd_test_m.start);
	lkcd_test_pass_free(&lkcd_test_m.copy);
	memset(&lkcd_test_m, 0, sizeof(lkcd_test_m));
}

static bool lkcd_test_pass_alloc(struct lkcd_test_pass *ps)
{
	ps->crc = alloc_pages_exact(lkcd_test_m.crc_bytes, GFP_KERNEL | __GFP_NOWARN);
	ps->seen = alloc_pages_exact(lkcd_test_m.seen_bytes,
				     GFP_KERNEL | __GFP_NOWARN | __GFP_ZERO);
	return ps->crc && ps->seen;
}

/* before the run: wrap the mode's read_page */
static void lkcd_test_measure_setup(struct lkcd_packer_ops *ops, u64 max_pfn)
{
	lkcd_test_measure_free();
	if (!READ_ONCE(snapshot_measure))
		return;
	lkcd_test_m.npfn = max_pfn;
	lkcd_test_m.crc_bytes = max_pfn * sizeof(u32);
	lkcd_test_m.seen_bytes = BITS_TO_LONGS(max_pfn) * sizeof(long);
	if (!lkcd_test_pass_alloc(&lkcd_test_m.start) ||
	    !lkcd_test_pass_alloc(&lkcd_test_m.copy)) {
		pr_warn("test: no memory to measure this snapshot\n");
		lkcd_test_measure_free();
		return;
	}
	lkcd_test_m.read = ops->read_page;
	ops->read_page = lkcd_test_read_page;
}

static void lkcd_test_keepalive(u64 n, bool stopped)
{
	if (n & 1023)
		return;
	if (stopped)
		touch_nmi_watchdog();
	else
		cond_resched();
}

/*
 * Just before the packer's run: every RAM page the mode's read can read
 * (buf: a page of scratch).  Consistent mode: inside the stop.
 */
static void lkcd_test_measure_start(void *ctx, void *buf, bool stopped)
{
	u64 t0 = lkcd_clock_ns(), pfn;

	if (!lkcd_test_m.start.crc)
		return;
	for (pfn = 0; pfn < lkcd_test_m.npfn; pfn++) {
		lkcd_test_keepalive(pfn, stopped);
		if (!pfn_valid(pfn) || lkcd_test_snap_own(pfn) || lkcd_test_m.read(ctx, pfn, buf))
			continue;
		lkcd_test_m.start.crc[pfn] = crc32_le(~0U, buf, PAGE_SIZE);
		__set_bit(pfn, lkcd_test_m.start.seen);
	}
	lkcd_test_m.start_ns = lkcd_clock_ns() - t0;
}

/* Right after the packer's run: every page copied, again. */
static void lkcd_test_measure_end(void *ctx, void *buf, bool stopped)
{
	u64 t0 = lkcd_clock_ns(), pfn, n = 0;

	if (!lkcd_test_m.copy.crc)
		return;
	for_each_set_bit(pfn, lkcd_test_m.copy.seen, lkcd_test_m.npfn) {
		struct page *pg = pfn_to_page(pfn);
		bool have0 = test_bit(pfn, lkcd_test_m.start.seen);
		u32 c = lkcd_test_m.copy.crc[pfn], c0 = lkcd_test_m.start.crc[pfn], c1;

		lkcd_test_keepalive(++n, stopped);
		if (have0 && c != c0)
			lkcd_test_m.d_start++;
		if (lkcd_test_m.read(ctx, pfn, buf)) {
			lkcd_test_m.unreadable++;
			continue;
		}
		c1 = crc32_le(~0U, buf, PAGE_SIZE);
		if (have0 && c0 != c1)
			lkcd_test_m.d_run++;
		if (c == c1)
			continue;
		lkcd_test_m.d_end++;
		if (have0 && c != c0)
			lkcd_test_m.d_both++;
		if (PageSlab(pg))
			lkcd_test_m.slab++;
		else if (PageAnon(pg))
			lkcd_test_m.anon++;
		else if (READ_ONCE(pg->mapping))
			lkcd_test_m.file++;
		else
			lkcd_test_m.other++;
	}
	lkcd_test_m.end_ns = lkcd_clock_ns() - t0;
}

/* after the run, in the worker: the figures, then the arrays go */
static void lkcd_test_measure_report(u32 mode)
{
	if (!lkcd_test_m.copy.crc)
		return;
	if (mode == LKCD_SNAP_CONSISTENT)
		pr_info("test: measure consistent: copied %llu, differ from end %llu (what the run wrote itself; no start pass: the copy is the start); the end's by kind: slab %llu, anon %llu, file %llu, other %llu; unreadable at the end %llu; end pass %llu ms\n",
			lkcd_test_m.copied, lkcd_test_m.d_end,
			lkcd_test_m.slab, lkcd_test_m.anon, lkcd_test_m.file, lkcd_test_m.other,
			lkcd_test_m.unreadable,
			(unsigned long long)div_u64(lkcd_test_m.end_ns, NSEC_PER_MSEC));
	else
		pr_info("test: measure live: copied %llu, differ from start %llu, from end %llu, from both %llu, changed start to end %llu; the end's by kind: slab %llu, anon %llu, file %llu, other %llu; unreadable at the end %llu; start pass %llu ms, end pass %llu ms\n",
			lkcd_test_m.copied, lkcd_test_m.d_start,
			lkcd_test_m.d_end, lkcd_test_m.d_both, lkcd_test_m.d_run,
			lkcd_test_m.slab, lkcd_test_m.anon, lkcd_test_m.file, lkcd_test_m.other,
			lkcd_test_m.unreadable,
			(unsigned long long)div_u64(lkcd_test_m.start_ns, NSEC_PER_MSEC),
			(unsigned long long)div_u64(lkcd_test_m.end_ns, NSEC_PER_MSEC));
	lkcd_test_measure_free();
}
#else
static inline bool lkcd_test_snap_own(u64 pfn) { return false; }
static inline void lkcd_test_measure_setup(struct lkcd_packer_ops *ops, u64 max_pfn) { }
static inline void lkcd_test_measure_start(void *ctx, void *buf, bool stopped) { }
static inline void lkcd_test_measure_end(void *ctx, void *buf, bool stopped) { }
static inline void lkcd_test_measure_report(u32 mode) { }
static inline void lkcd_test_measure_free(void) { }
#endif

/* ---- the packer's ops for a snapshot: the panic ones, with our pages ---- */

static bool lkcd_snap_scratch(u64 pfn)
{
	return (lkcd_snap.read_pg && pfn == page_to_pfn(lkcd_snap.read_pg)) ||
	       (lkcd_snap.comp_pg && pfn == page_to_pfn(lkcd_snap.comp_pg)) ||
	       lkcd_test_snap_own(pfn);
}

/*
 * The snapshot's scratch pages are NODUMP; the pool and the header page the
 * packer knows itself.  Runs never extend over a scratch page.
 */
static unsigned int lkcd_snap_classify(void *ctx, __u64 pfn, __u64 *run)
{
	unsigned int cls;
	u64 r, s;

	if (lkcd_snap_scratch(pfn)) {
		*run = 1;
		return LKCD_PC_NODUMP;
	}
	cls = lkcd_walk_ops.classify(ctx, pfn, run);
	for (r = 1; r < *run; r++) {
		s = pfn + r;
		if (lkcd_snap_scratch(s)) {
			*run = r;
			break;
		}
	}
	return cls;
}

#ifdef LKCD_TEST
/*
 * Test build only: the live copy of this pfn reads an address that is never
 * mapped (the guard page after a one-page vmalloc area) instead, so that
 * the copy itself takes a fault on a chosen page, as it would on a page
 * unmapped under it; with ERMS, inside copy_mc_to_kernel()
 * (tests/vm snapshot-copy-fault).  0: off (pfn 0 is never dumped).
 */
static unsigned long snapshot_fault_pfn;
module_param(snapshot_fault_pfn, ulong, 0600);
MODULE_PARM_DESC(snapshot_fault_pfn,
		 "test build only: a live snapshot's copy of this pfn reads an unmapped page instead (default 0: none)");
static void *lkcd_test_unmapped;

static void lkcd_test_snap_init(void)
{
	lkcd_test_unmapped = vmalloc(PAGE_SIZE);
}

static void lkcd_test_spin_stop(void);

static void lkcd_test_measure_free(void);

static void lkcd_test_snap_exit(void)
{
	lkcd_test_measure_free();
	lkcd_test_spin_stop();
	vfree(lkcd_test_unmapped);
}

static const void *lkcd_test_copy_src(u64 pfn, const void *addr)
{
	if (pfn != READ_ONCE(snapshot_fault_pfn) || !lkcd_test_unmapped)
		return addr;
	pr_info("test: the live copy of pfn 0x%llx reads the unmapped %px instead\n",
		pfn, lkcd_test_unmapped + PAGE_SIZE);
	return lkcd_test_unmapped + PAGE_SIZE;
}

/*
 * Test build only: a kernel thread bound to CPU snapshot_spin_cpu spins in
 * lkcd_test_spin_loop() with preemption off, interrupts on, until the next
 * live snapshot's IPI has recorded that CPU, and on until that snapshot's
 * copy is done, so that it is the CPU's current task in the copy as well
 * (18 s at most in all: soft lockups are reported at 20); then it sleeps
 * in the same frame until the knob goes back to -1.  What the snapshot
 * records for that CPU is exactly that loop (tests/vm snapshot-regs).
 */
#define LKCD_TEST_SPIN_NS	(18 * NSEC_PER_SEC)
#define LKCD_TEST_SPIN_IPI_NS	(8 * NSEC_PER_SEC)
static struct task_struct *lkcd_test_spinner;
static bool lkcd_test_spin_hit;

/*
 * Test build only, with snapshot_spin_irqs_off=1 when the spinner starts:
 * it spins with preemption off (interrupts on) until a snapshot is about
 * to ask the CPUs for their registers (the worker is running by then,
 * elsewhere), then turns interrupts off until that snapshot has stopped
 * waiting for its IPI, 8 s at most (RCU reports a stall at 21 s); the IPI
 * it did not take then comes in late (tests/vm snapshot-irqsoff).  The
 * worker waits for it to be spinning with interrupts off before it sends,
 * so that what is tested is exactly a CPU that does not answer.
 */
static bool snapshot_spin_irqs_off;
module_param(snapshot_spin_irqs_off, bool, 0600);
MODULE_PARM_DESC(snapshot_spin_irqs_off,
		 "test build only: the snapshot_spin_cpu thread started next turns interrupts off while a snapshot waits for its IPI (default N)");
#define LKCD_TEST_SPIN_WANT_NS		(10 * NSEC_PER_SEC)
#define LKCD_TEST_SPIN_IRQSOFF_NS	(8 * NSEC_PER_SEC)
static bool lkcd_test_spin_irqsoff;	/* the running spinner's mode */
static bool lkcd_test_spin_want;	/* a snapshot is about to send its IPIs */
static bool lkcd_test_spin_ready;	/* the spinner has interrupts off */
static bool lkcd_test_spin_release;	/* the snapshot stopped waiting */

static noinline void lkcd_test_spin_irqsoff_loop(void)
{
	u64 t0 = lkcd_clock_ns(), t1 = 0;
	bool want, released = false;

	preempt_disable();
	pr_info("test: CPU %d spins in lkcd_test_spin_irqsoff_loop until a snapshot asks for registers, then with interrupts off\n",
		smp_processor_id());
	while (!(want = READ_ONCE(lkcd_test_spin_want)) &&
	       lkcd_clock_ns() - t0 < LKCD_TEST_SPIN_WANT_NS)
		cpu_relax();
	if (want) {
		local_irq_disable();
		t1 = lkcd_clock_ns();
		smp_store_release(&lkcd_test_spin_ready, true);
		while (!(released = READ_ONCE(lkcd_test_spin_release)) &&
		       lkcd_clock_ns() - t1 < LKCD_TEST_SPIN_IRQSOFF_NS)
			cpu_relax();
		t1 = lkcd_clock_ns() - t1;
		local_irq_enable();
	}
	preempt_enable();
	pr_info("test: the spinner %s%llu ms%s\n",
		want ? "had interrupts off for " : "saw no snapshot in ",
		(unsigned long long)div_u64(want ? t1 : LKCD_TEST_SPIN_WANT_NS, NSEC_PER_MSEC),
		!want ? "" : released ? ", until the snapshot stopped waiting for its IPI" :
		", and the snapshot did not stop waiting (8 s)");
	while (!kthread_should_stop())
		msleep(100);
}

/* in the worker, before the register IPIs: an interrupts-off spinner first */
static void lkcd_test_snap_before_ipi(void)
{
	u64 t0 = lkcd_clock_ns();

	if (!READ_ONCE(lkcd_test_spinner) || !READ_ONCE(lkcd_test_spin_irqsoff))
		return;
	WRITE_ONCE(lkcd_test_spin_want, true);
	while (!smp_load_acquire(&lkcd_test_spin_ready) &&
	       lkcd_clock_ns() - t0 < LKCD_TEST_SPIN_WANT_NS)
		msleep(1);
}

/* in the worker, after the wait for the answers */
static void lkcd_test_snap_after_ipi(void)
{
	WRITE_ONCE(lkcd_test_spin_release, true);
}

static noinline void lkcd_test_spin_loop(void)
{
	u64 t0 = lkcd_clock_ns();
	bool hit, through = false;

	preempt_disable();
	pr_info("test: CPU %d spins in lkcd_test_spin_loop until a live snapshot's IPI\n",
		smp_processor_id());
	while (!(hit = READ_ONCE(lkcd_test_spin_hit)) &&
	       lkcd_clock_ns() - t0 < LKCD_TEST_SPIN_IPI_NS)
		cpu_relax();
	while (hit && !(through = READ_ONCE(lkcd_snap.state) != LKCD_SNAP_IN_PROGRESS) &&
	       lkcd_clock_ns() - t0 < LKCD_TEST_SPIN_NS)
		cpu_relax();
	preempt_enable();
	pr_info("test: the spinner %s%s\n",
		hit ? "was interrupted by the snapshot's IPI" : "saw no snapshot IPI in 8 s",
		!hit ? "" : through ? " and spun until its copy was done" :
		" but stopped spinning (18 s) before its copy was done");
	while (!kthread_should_stop())
		msleep(100);
}

static int lkcd_test_spin_fn(void *unused)
{
	if (lkcd_test_spin_irqsoff)
		lkcd_test_spin_irqsoff_loop();
	else
		lkcd_test_spin_loop();
	return 0;
}

static void lkcd_test_spin_stop(void)
{
	if (lkcd_test_spinner) {
		kthread_stop(lkcd_test_spinner);
		put_task_struct(lkcd_test_spinner);
	}
	lkcd_test_spinner = NULL;
}

static int lkcd_test_spin_set(const char *val, const struct kernel_param *kp)
{
	struct task_struct *t;
	int cpu, ret;

	ret = kstrtoint(val, 0, &cpu);
	if (ret)
		return ret;
	lkcd_test_spin_stop();
	if (cpu < 0)
		return param_set_int(val, kp);
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	WRITE_ONCE(lkcd_test_spin_hit, false);
	WRITE_ONCE(lkcd_test_spin_want, false);
	WRITE_ONCE(lkcd_test_spin_ready, false);
	WRITE_ONCE(lkcd_test_spin_release, false);
	lkcd_test_spin_irqsoff = READ_ONCE(snapshot_spin_irqs_off);
	t = kthread_create(lkcd_test_spin_fn, NULL, "lkcd-spin/%d", cpu);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, cpu);
	get_task_struct(t);
	lkcd_test_spinner = t;
	wake_up_process(t);
	return param_set_int(val, kp);
}

static const struct kernel_param_ops lkcd_test_spin_ops = {
	.set = lkcd_test_spin_set,
	.get = param_get_int,
};
static int snapshot_spin_cpu = -1;
module_param_cb(snapshot_spin_cpu, &lkcd_test_spin_ops, &snapshot_spin_cpu, 0600);
MODULE_PARM_DESC(snapshot_spin_cpu,
		 "test build only: a thread on this CPU spins until a live snapshot's IPI (default -1: none)");

/* in the IPI, on the CPU recorded */
static void lkcd_test_snap_ipi(void)
{
	if (smp_processor_id() == READ_ONCE(snapshot_spin_cpu))
		WRITE_ONCE(lkcd_test_spin_hit, true);
}
#else
static inline void lkcd_test_snap_init(void) { }
static inline void lkcd_test_snap_exit(void) { }
static inline const void *lkcd_test_copy_src(u64 pfn, const void *addr) { return addr; }
static inline void lkcd_test_snap_ipi(void) { }
static inline void lkcd_test_spin_stop(void) { }
static inline void lkcd_test_snap_before_ipi(void) { }
static inline void lkcd_test_snap_after_ipi(void) { }
#endif

/*
 * Copy a page that may go away under us, with machine-check recovery where
 * the kernel has it (issue 12, item 11).  copy_mc_to_kernel() is the panic
 * path's copy: its fragile and ERMS variants carry MCE-safe exception table
 * entries, which the page-fault handler honours too, so they survive a page
 * unmapped meanwhile as well as a poisoned line.  On a CPU where it would
 * be a plain memcpy() (neither variant: no ERMS, no MCE recovery), a page
 * unmapped between the check and the copy would oops the snapshot's
 * worker, and there copy_from_kernel_nofault() is the copy that survives.
 * 0, or non-zero when the page could not be read whole.
 */
static unsigned long lkcd_copy_page_live(void *dst, const void *src)
{
	if (boot_cpu_has(X86_FEATURE_ERMS))
		return copy_mc_to_kernel(dst, src, PAGE_SIZE);
	return copy_from_kernel_nofault(dst, src, PAGE_SIZE) ? 1 : 0;
}

/*
 * Live mode: the page may be freed and unmapped from the direct map (or
 * remapped) between any two instructions, so read it only through a
 * fault-tolerant copy after checking it is mapped.
 */
static int lkcd_snap_read_live(void *ctx, __u64 pfn, void *buf)
{
	unsigned int level;
	void *addr;
	pte_t *pte;

	if (!pfn_valid(pfn))
		return -1;
	addr = page_address(pfn_to_page(pfn));
	pte = lookup_address((unsigned long)addr, &level);
	if (!pte || !pte_present(*pte))
		return -1;
	return lkcd_copy_page_live(buf, lkcd_test_copy_src(pfn, addr)) ? -1 : 0;
}

/* Pool pages are ours and lowmem: the direct map. */
static void *lkcd_snap_map(void *ctx, __u64 pfn)
{
	return pfn_valid(pfn) ? page_address(pfn_to_page(pfn)) : NULL;
}

static void lkcd_snap_progress(void *ctx, __u64 done, __u64 total)
{
	WRITE_ONCE(lkcd_snap.percent, total ? (u32)div64_u64(done * 100, total) : 0);
}

/* live: be preemptible; consistent: nobody else runs, keep the watchdogs quiet */
static void lkcd_snap_keepalive_live(void *ctx)
{
	cond_resched();
}

static void lkcd_snap_keepalive_stopped(void *ctx)
{
	touch_nmi_watchdog();
}

/* ---- state ---- */

/*
 * Take a snapshot in mode (LKCD_SNAP_DEFAULT: the sysctl's).  Any context,
 * including SysRq from an interrupt: checks, marks it in progress and
 * queues the work.  0, -EBUSY (one is in progress or held), -EPERM
 * (lockdown), -EINVAL (bad mode, or dump level NONE).
 */
int lkcd_snapshot_request(u32 mode, const char *who)
{
	unsigned long flags;
	u64 cap;
	int ret;

	if (mode == LKCD_SNAP_DEFAULT)
		mode = READ_ONCE(lkcd_snap_mode_tun);
	if (mode != LKCD_SNAP_LIVE && mode != LKCD_SNAP_CONSISTENT)
		return -EINVAL;
	/* a snapshot reads all of memory, as /proc/kcore does */
	ret = lkcd_lockdown_check();
	if (ret) {
		pr_warn("%s: snapshot refused: the kernel is locked down (reading kernel memory is not allowed)\n",
			who);
		return ret;
	}
	if (READ_ONCE(lkcd_tun.level) == LKCD_LEVEL_NONE) {
		pr_warn("%s: snapshot refused: kernel.dump.level is 0 (none)\n", who);
		return -EINVAL;
	}
	cap = READ_ONCE(lkcd_snap_cap_mb) ?
	      (u64)READ_ONCE(lkcd_snap_cap_mb) << (20 - PAGE_SHIFT) :
	      global_zone_page_state(NR_FREE_PAGES) >> LKCD_SNAP_CAP_SHIFT;

	spin_lock_irqsave(&lkcd_snap.lock, flags);
	if (lkcd_snap.state == LKCD_SNAP_IN_PROGRESS || lkcd_snap.state == LKCD_SNAP_HELD) {
		u32 st = lkcd_snap.state;

		spin_unlock_irqrestore(&lkcd_snap.lock, flags);
		pr_warn("%s: snapshot refused: one is already %s (save it with `lkcd save`, or `lkcd release` it)\n",
			who, lkcd_snap_state_name(st));
		return -EBUSY;
	}
	lkcd_snap.state = LKCD_SNAP_IN_PROGRESS;
	lkcd_snap.mode = mode;
	lkcd_snap.percent = 0;
	lkcd_snap.error = 0;
	lkcd_snap.cap_pages = cap;
	strscpy(lkcd_snap.who, who, sizeof(lkcd_snap.who));
	spin_unlock_irqrestore(&lkcd_snap.lock, flags);

	pr_info("%s: %s snapshot requested (cap %llu MiB)\n", who, lkcd_snap_mode_name(mode),
		(unsigned long long)(cap >> (20 - PAGE_SHIFT)));
	queue_work(system_unbound_wq, &lkcd_snap.work);
	return 0;
}

static void lkcd_snap_set_state(u32 state, u32 error)
{
	unsigned long flags;

	spin_lock_irqsave(&lkcd_snap.lock, flags);
	lkcd_snap.state = state;
	lkcd_snap.error = error;
	spin_unlock_irqrestore(&lkcd_snap.lock, flags);
}

/* ---- pages ---- */

static int lkcd_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Publish the held snapshot's pages to the page walk (pagewalk.c), so that
 * a panic dump leaves them out; or withdraw them before they are freed.
 */
static void lkcd_snap_publish(bool held)
{
	if (held)
		lkcd_walk_held_set(lkcd_snap.pool, lkcd_snap.nr_pool,
				   page_to_pfn(lkcd_snap.hdr_pg));
	else
		lkcd_walk_held_clear();
}

/* Free every page the snapshot holds; mutex held. */
static void lkcd_snap_free(void)
{
	u32 i;

	lkcd_snap_publish(false);

	for (i = 0; i < lkcd_snap.nr_pool; i++)
		lkcd_snap_page_free(pfn_to_page(lkcd_snap.pool[i]));
	kvfree(lkcd_snap.pool);
	lkcd_snap.pool = NULL;
	lkcd_snap.nr_pool = 0;
	if (lkcd_snap.hdr_pg) {
		/* never mistaken for a dump afterwards */
		memset(page_address(lkcd_snap.hdr_pg), 0, PAGE_SIZE);
		lkcd_snap_page_free(lkcd_snap.hdr_pg);
	}
	if (lkcd_snap.read_pg)
		lkcd_snap_page_free(lkcd_snap.read_pg);
	if (lkcd_snap.comp_pg)
		lkcd_snap_page_free(lkcd_snap.comp_pg);
	lkcd_snap.hdr_pg = lkcd_snap.read_pg = lkcd_snap.comp_pg = NULL;
	kvfree(lkcd_snap.cpus);
	kvfree(lkcd_snap.notes);
	lkcd_snap.cpus = NULL;
	lkcd_snap.notes = NULL;
	lkcd_snap.notes_len = lkcd_snap.nr_notes = 0;
}

/*
 * Allocate up to cap pool pages without pressing on the system: no retry,
 * no OOM killer, no warning; fewer pages just mean an earlier CAP stop.
 */
static int lkcd_snap_alloc(u64 cap)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	u64 i;

	if (cap < 4)
		cap = 4;
	if (cap > U32_MAX)
		cap = U32_MAX;
	lkcd_snap.hdr_pg = lkcd_snap_page_alloc(GFP_KERNEL | __GFP_ZERO);
	lkcd_snap.read_pg = lkcd_snap_page_alloc(GFP_KERNEL);
	lkcd_snap.comp_pg = lkcd_snap_page_alloc(GFP_KERNEL);
	lkcd_snap.pool = kvmalloc_array(cap, sizeof(u64), GFP_KERNEL);
	lkcd_snap.cpus = kvcalloc(nr_cpu_ids, sizeof(*lkcd_snap.cpus), GFP_KERNEL);
	cpumask_clear(&lkcd_snap.saved);
	cpumask_clear(&lkcd_snap.noregs);
	if (!lkcd_snap.cpus || !lkcd_snap.hdr_pg || !lkcd_snap.read_pg || !lkcd_snap.comp_pg || !lkcd_snap.pool)
		return -ENOMEM;
	for (i = 0; i < cap; i++) {
		/* lowmem: the packer writes through the direct map */
		struct page *pg = lkcd_snap_page_alloc(gfp);

		if (!pg)
			break;
		lkcd_snap.pool[lkcd_snap.nr_pool++] = page_to_pfn(pg);
		if (!(i & 1023))
			cond_resched();
	}
	if (lkcd_snap.nr_pool < 4)
		return -ENOMEM;
	sort(lkcd_snap.pool, lkcd_snap.nr_pool, sizeof(u64), lkcd_u64_cmp, NULL);
	return 0;
}

static long lkcd_snap_pool_index(u64 pfn)
{
	u32 lo = 0, hi = lkcd_snap.nr_pool;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (lkcd_snap.pool[mid] == pfn)
			return mid;
		if (lkcd_snap.pool[mid] < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * After the run: keep only the pool pages the block chain goes through,
 * free the rest at once.  The chain is ours (written by the packer a moment
 * ago), but it is followed with bounds all the same.
 */
static void lkcd_snap_trim(const struct lkcd_dump_header *h)
{
	unsigned long *used;
	u64 paddr = h->first_block_paddr, steps = 0;
	u32 i, n = 0;

	used = bitmap_zalloc(lkcd_snap.nr_pool, GFP_KERNEL);
	if (!used)
		return;		/* keep them all: still correct, only bigger */
	while (paddr && steps++ <= h->nr_blocks) {
		long idx = lkcd_snap_pool_index(PHYS_PFN(paddr));
		const struct lkcd_block_header *bh;

		if (idx < 0 || test_bit(idx, used))
			break;
		set_bit(idx, used);
		bh = page_address(pfn_to_page(lkcd_snap.pool[idx]));
		paddr = bh->next_paddr;
	}
	for (i = 0; i < lkcd_snap.nr_pool; i++) {
		if (test_bit(i, used))
			lkcd_snap.pool[n++] = lkcd_snap.pool[i];
		else
			lkcd_snap_page_free(pfn_to_page(lkcd_snap.pool[i]));
	}
	lkcd_snap.nr_pool = n;
	bitmap_free(used);
}

/* ---- the run ---- */

/* The header a panic would start with, for "now" and a snapshot. */
static void lkcd_snap_fill_header(struct lkcd_dump_header *h, u32 level, u32 mode)
{
	lkcd_header_start(h, level);
	if (mode == LKCD_SNAP_LIVE)
		h->magic = LKCD_DUMP_MAGIC_LIVE;
	/* LKCD's "the system went on": tells a snapshot from a panic dump */
	h->flags |= LKCD_FLAG_NONDISRUPT;
	snprintf(h->panic_string, sizeof(h->panic_string), "%s snapshot (%s), no panic",
		 lkcd_snap_mode_name(mode), lkcd_snap.who);
}

/* ---- the CPUs: registers and current task, as crash_save_cpu() has them ---- */

/*
 * The caller's own registers, as crash_setup_regs() (asm/kexec.h) takes
 * the panicking CPU's for crash_kexec(); the flags popped into a register,
 * since crash_setup_regs()'s pop into a memory operand is a stack change
 * objtool refuses in a module.
 */
#define lkcd_snap_own_regs(r) do {						\
	asm volatile("movq %%rbx,%0" : "=m"((r)->bx));				\
	asm volatile("movq %%rcx,%0" : "=m"((r)->cx));				\
	asm volatile("movq %%rdx,%0" : "=m"((r)->dx));				\
	asm volatile("movq %%rsi,%0" : "=m"((r)->si));				\
	asm volatile("movq %%rdi,%0" : "=m"((r)->di));				\
	asm volatile("movq %%rbp,%0" : "=m"((r)->bp));				\
	asm volatile("movq %%rax,%0" : "=m"((r)->ax));				\
	asm volatile("movq %%rsp,%0" : "=m"((r)->sp));				\
	asm volatile("movq %%r8,%0" : "=m"((r)->r8));				\
	asm volatile("movq %%r9,%0" : "=m"((r)->r9));				\
	asm volatile("movq %%r10,%0" : "=m"((r)->r10));				\
	asm volatile("movq %%r11,%0" : "=m"((r)->r11));				\
	asm volatile("movq %%r12,%0" : "=m"((r)->r12));				\
	asm volatile("movq %%r13,%0" : "=m"((r)->r13));				\
	asm volatile("movq %%r14,%0" : "=m"((r)->r14));				\
	asm volatile("movq %%r15,%0" : "=m"((r)->r15));				\
	asm volatile("movl %%ss, %%eax;" : "=a"((r)->ss));			\
	asm volatile("movl %%cs, %%eax;" : "=a"((r)->cs));			\
	asm volatile("pushfq; popq %0" : "=r"((r)->flags));			\
	(r)->ip = _THIS_IP_;							\
} while (0)

/*
 * Fill CPU cpu's slot with regs, or with the caller's own registers when
 * regs is NULL, as crash_save_cpu() does -- but pr_pid is the CPU number
 * + 1, not the current task's pid: that is what QEMU's dump-guest-memory
 * writes for a running guest, and how drgn (0.0.27 and later) finds a
 * CPU's note in a dump without CRASHTIME in its VMCOREINFO (kdump's notes
 * it finds through crash_notes, which a snapshot does not fill); crash
 * takes the notes in order and ignores pr_pid.  The current task is the
 * one the CPU's runqueue names in the copy.
 * Always inlined: the stack pointer recorded is then the caller's frame,
 * which must stay put until the copy is done.  pr_reg is struct
 * user_regs_struct, whose first fields are struct pt_regs' in its order
 * (elf_core_copy_regs() would also read the segment bases, through a
 * function modules cannot call; crash and drgn do not need them).
 */
static __always_inline void lkcd_snap_save_cpu(unsigned int cpu, struct pt_regs *regs)
{
	struct elf_prstatus *pr = &lkcd_snap.cpus[cpu];

	BUILD_BUG_ON(sizeof(struct pt_regs) > sizeof(pr->pr_reg));
	memset(pr, 0, sizeof(*pr));
	pr->common.pr_pid = cpu + 1;
	/* straight into the slot: objtool takes a register stored on the stack for a save */
	if (regs)
		memcpy(&pr->pr_reg, regs, sizeof(*regs));
	else
		lkcd_snap_own_regs((struct pt_regs *)&pr->pr_reg);
	cpumask_set_cpu(cpu, &lkcd_snap.saved);
}

/*
 * The CPUs are asked for their registers with an asynchronous IPI each and
 * waited for at most LKCD_SNAP_IPI_WAIT_MS: a CPU spinning with interrupts
 * off never answers (smp_call_function() would wait for it forever), and
 * the snapshot goes on without its registers.  An answer may then come
 * after the snapshot has given up, even after it is freed, so the slots the
 * handler writes live from load to unload, one per possible CPU:
 *
 *   claim     the generation of the request waiting for this CPU's answer,
 *             0 when none is.  The handler and the waiter each take it to 0
 *             (xchg, cmpxchg): exactly one finds it set.  The handler
 *             finding it means answered (regs are valid, written before);
 *             the waiter finding it at its deadline means no answer, and a
 *             handler that runs later finds 0 and says so.  (An IPI left
 *             from an earlier snapshot that runs while a later one waits
 *             answers for the later one: its registers are of that moment.)
 *   csd       the IPI's call data, set up once at load: busy (a send fails
 *             with EBUSY, the CPU counts as not answering) while an
 *             earlier request is still queued there.
 *
 * Every IPI in flight holds a module reference (taken before the send,
 * put by the handler), and lkcd_snap_pending counts them: module unload
 * waits for it to reach 0 before the slots and the handler go away.
 */
#define LKCD_SNAP_IPI_WAIT_MS	2000

struct lkcd_snap_ipi {
	call_single_data_t csd;
	struct pt_regs regs;		/* what the IPI interrupted */
	u32 claim;
	u64 sent_ns;
};
static struct lkcd_snap_ipi *lkcd_snap_ipis;	/* nr_cpu_ids slots */
static atomic_t lkcd_snap_pending = ATOMIC_INIT(0);
static u32 lkcd_snap_gen;			/* the worker's, under lkcd_snap.mutex */

/*
 * On every other CPU, in the IPI: what the IPI interrupted is what this CPU
 * was doing, so record the entry's pt_regs, found by unwinding out of the
 * interrupt (the IPI's own frames are gone by the time the copy reaches
 * this stack).  Without an unwinder that knows entry frames, the handler's
 * own registers.  info is this CPU's slot.
 */
static void lkcd_snap_ipi(void *info)
{
	struct lkcd_snap_ipi *slot = info;
	struct unwind_state state;
	struct pt_regs *regs;
	bool partial, found = false;

	for (unwind_start(&state, current, NULL, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		regs = unwind_get_entry_regs(&state, &partial);
		if (regs && !partial) {
			found = true;
			break;
		}
	}
	if (found)
		memcpy(&slot->regs, regs, sizeof(*regs));
	else
		lkcd_snap_own_regs(&slot->regs);
	lkcd_test_snap_ipi();
	/* full barrier: the regs are written before the claim is dropped */
	if (!xchg(&slot->claim, 0))
		pr_warn("CPU %u answered a snapshot's register IPI %llu ms after it was sent, when no snapshot was waiting for it any more\n",
			smp_processor_id(),
			(unsigned long long)div_u64(lkcd_clock_ns() - READ_ONCE(slot->sent_ns),
						    NSEC_PER_MSEC));
	atomic_dec(&lkcd_snap_pending);
	module_put(THIS_MODULE);
}

/*
 * Send the register IPI to every CPU of cpus but this one and wait for their
 * answers, LKCD_SNAP_IPI_WAIT_MS at most in all.  With record, each answer
 * fills its CPU's slot of the snapshot (lkcd_snap_save_cpu()).  Returns the
 * CPUs that did not answer in missing (said in the kernel log).  Process
 * context, lkcd_snap.mutex held, CPU hotplug held off (cpus_read_lock()),
 * migration disabled.
 */
static void lkcd_snap_call_cpus(const struct cpumask *cpus, bool record,
				struct cpumask *missing)
{
	unsigned int self = smp_processor_id(), cpu;
	u64 t0, deadline;
	u32 gen;

	cpumask_clear(missing);
	gen = ++lkcd_snap_gen ?: ++lkcd_snap_gen;	/* never 0 */
	lkcd_test_snap_before_ipi();
	t0 = lkcd_clock_ns();
	for_each_cpu(cpu, cpus) {
		struct lkcd_snap_ipi *slot = &lkcd_snap_ipis[cpu];

		if (cpu == self)
			continue;
		if (!try_module_get(THIS_MODULE)) {
			cpumask_set_cpu(cpu, missing);
			continue;
		}
		WRITE_ONCE(slot->sent_ns, t0);
		WRITE_ONCE(slot->claim, gen);
		atomic_inc(&lkcd_snap_pending);
		if (smp_call_function_single_async(cpu, &slot->csd)) {
			/* an earlier request is still queued on it, unanswered */
			WRITE_ONCE(slot->claim, 0);
			atomic_dec(&lkcd_snap_pending);
			module_put(THIS_MODULE);
			cpumask_set_cpu(cpu, missing);
		}
	}
	deadline = t0 + LKCD_SNAP_IPI_WAIT_MS * NSEC_PER_MSEC;
	for (;;) {
		bool all = true;

		for_each_cpu(cpu, cpus)
			if (cpu != self && !cpumask_test_cpu(cpu, missing) &&
			    READ_ONCE(lkcd_snap_ipis[cpu].claim) == gen)
				all = false;
		if (all || lkcd_clock_ns() >= deadline)
			break;
		usleep_range(100, 200);
	}
	for_each_cpu(cpu, cpus) {
		struct lkcd_snap_ipi *slot = &lkcd_snap_ipis[cpu];

		if (cpu == self || cpumask_test_cpu(cpu, missing))
			continue;
		/* take it back from a CPU that has not answered; or it has */
		if (cmpxchg(&slot->claim, gen, 0) == gen) {
			cpumask_set_cpu(cpu, missing);
			continue;
		}
		if (record)
			lkcd_snap_save_cpu(cpu, &slot->regs);
	}
	lkcd_test_snap_after_ipi();
	if (!cpumask_empty(missing))
		pr_warn("%s: CPU %*pbl did not answer the snapshot's IPI within %u ms (interrupts off?)\n",
			lkcd_snap.who, cpumask_pr_args(missing), LKCD_SNAP_IPI_WAIT_MS);
}

/* One CPU's note: the header, "CORE" padded to 4, struct elf_prstatus. */
#define LKCD_NOTE_NAME_SZ	8
#define LKCD_CPU_NOTE_SZ	(sizeof(Elf64_Nhdr) + LKCD_NOTE_NAME_SZ + \
				 ALIGN(sizeof(struct elf_prstatus), 4))

/*
 * After the run: the NT_PRSTATUS notes, one per CPU online at the snapshot
 * in CPU order (crash maps the i-th note to the i-th online CPU); a CPU
 * whose slot is empty gets a note of zeros but for pr_pid, and is one of
 * lkcd_snap.noregs.  mutex held.
 */
static void lkcd_snap_build_notes(void)
{
	u32 n = cpumask_weight(&lkcd_snap.online), cpu;
	u8 *p;

	lkcd_snap.notes = kvzalloc((size_t)n * LKCD_CPU_NOTE_SZ, GFP_KERNEL);
	if (!lkcd_snap.notes) {
		pr_warn("%s: no memory for the CPU notes: the snapshot has no registers\n",
			lkcd_snap.who);
		return;
	}
	p = lkcd_snap.notes;
	for_each_cpu(cpu, &lkcd_snap.online) {
		Elf64_Nhdr nh = {
			.n_namesz = 5,
			.n_descsz = sizeof(struct elf_prstatus),
			.n_type = NT_PRSTATUS,
		};

		memcpy(p, &nh, sizeof(nh));
		memcpy(p + sizeof(nh), "CORE", 5);
		if (cpumask_test_cpu(cpu, &lkcd_snap.saved)) {
			memcpy(p + sizeof(nh) + LKCD_NOTE_NAME_SZ, &lkcd_snap.cpus[cpu],
			       sizeof(struct elf_prstatus));
		} else {
			/* registers all zero; still the CPU's note for drgn */
			struct elf_prstatus *pr = (void *)(p + sizeof(nh) + LKCD_NOTE_NAME_SZ);

			pr->common.pr_pid = cpu + 1;
			cpumask_set_cpu(cpu, &lkcd_snap.noregs);
		}
		p += LKCD_CPU_NOTE_SZ;
	}
	lkcd_snap.nr_notes = n;
	lkcd_snap.notes_len = n * LKCD_CPU_NOTE_SZ;
	if (!cpumask_empty(&lkcd_snap.noregs))
		pr_warn("%s: the snapshot has no registers for CPU %*pbl (their notes are zeros)\n",
			lkcd_snap.who, cpumask_pr_args(&lkcd_snap.noregs));
}

struct lkcd_snap_stop {
	int ret;
	u64 start_ns, end_ns;
	atomic_t nr_saved;
	bool done;			/* the packer is done: the others may go */
};

/* How long the packer's CPU waits for the others to record themselves. */
#define LKCD_SNAP_SAVE_WAIT_NS	(1000 * NSEC_PER_MSEC)

/*
 * Under stop_machine(), on every online CPU, interrupts off.  Each CPU
 * records its own registers; the first online CPU then runs the packer
 * while the others wait here, in the frame their registers point into, so
 * that the stacks copied are the ones recorded.
 */
static int lkcd_snap_stopped(void *arg)
{
	struct lkcd_snap_stop *s = arg;
	unsigned int cpu = smp_processor_id();
	u64 t0;

	lkcd_snap_save_cpu(cpu, NULL);
	atomic_inc(&s->nr_saved);
	/* the hotplug lock is held: the first online CPU stays the first */
	if (cpu != cpumask_first(cpu_online_mask)) {
		while (!smp_load_acquire(&s->done)) {
			touch_nmi_watchdog();
			cpu_relax();
		}
		return 0;
	}
	t0 = lkcd_clock_ns();
	lkcd_snap.snap_cpu = cpu;
	cpumask_copy(&lkcd_snap.online, cpu_online_mask);
	while (atomic_read(&s->nr_saved) < cpumask_weight(&lkcd_snap.online) &&
	       lkcd_clock_ns() - t0 < LKCD_SNAP_SAVE_WAIT_NS)
		cpu_relax();
	lkcd_walk_prepare();		/* the per-CPU free lists hold still now */
	s->start_ns = lkcd_clock_ns();
	s->ret = lkcd_packer_run(&lkcd_snap_pk);
	s->end_ns = lkcd_clock_ns();
	lkcd_test_measure_end(lkcd_snap_pk.ctx, page_address(lkcd_snap.read_pg), true);
	smp_store_release(&s->done, true);
	return 0;
}

/* The console line for a snapshot just taken; lkcd_snap.mutex held. */
static void lkcd_snap_report(const struct lkcd_dump_header *h, u32 mode)
{
	pr_info("%s snapshot held at 0x%llx: %s%s%s%s, %llu pages in %llu records, %u blocks (%llu KiB held), packer %llu ms\n",
		lkcd_snap_mode_name(mode), (unsigned long long)lkcd_snap.last.header_paddr,
		h->state == LKCD_STATE_COMPLETE ? "complete" : "INCOMPLETE",
		h->incomplete_reason ? " (" : "",
		h->incomplete_reason ? lkcd_incomplete_reason(h->incomplete_reason)->word : "",
		h->incomplete_reason ? ")" : "",
		(unsigned long long)h->pages_dumped, (unsigned long long)h->nr_records,
		lkcd_snap.nr_pool, (unsigned long long)(lkcd_snap.last.held_bytes >> 10),
		(unsigned long long)div_u64(lkcd_snap.run_ns, NSEC_PER_MSEC));
	if (mode == LKCD_SNAP_CONSISTENT)
		pr_info("the machine was stopped for %llu ms\n",
			(unsigned long long)div_u64(lkcd_snap.stopped_ns, NSEC_PER_MSEC));
}

#ifdef LKCD_TEST
/*
 * Test build only: sleep this long after a snapshot became held and its
 * mutex was dropped, where the console line used to read the header page
 * that a racing release frees (tests/vm snapshot-release-race).
 */
static unsigned int snapshot_report_delay_ms;
module_param(snapshot_report_delay_ms, uint, 0600);
MODULE_PARM_DESC(snapshot_report_delay_ms,
		 "test build only: sleep this long after a snapshot is held, before the worker returns (default 0)");

static void lkcd_test_snap_delay(void)
{
	u32 ms = READ_ONCE(snapshot_report_delay_ms);

	if (ms)
		msleep(ms);
}
#else
static inline void lkcd_test_snap_delay(void) { }
#endif

static void lkcd_snap_work(struct work_struct *work)
{
	struct lkcd_packer *pk = &lkcd_snap_pk;
	struct lkcd_dump_header *h;
	struct lkcd_snap_stop stop = { 0 };
	u32 mode = READ_ONCE(lkcd_snap.mode), level, deadline_ms;
	u64 t0, t1;
	int ret;

	mutex_lock(&lkcd_snap.mutex);
	mutex_lock(&lkcd_config_lock);
	ret = lkcd_snap_alloc(READ_ONCE(lkcd_snap.cap_pages));
	if (ret) {
		pr_err("%s: snapshot failed: not enough memory for it (%u pages)\n",
		       lkcd_snap.who, lkcd_snap.nr_pool);
		goto fail;
	}
	level = READ_ONCE(lkcd_tun.level);
	h = page_address(lkcd_snap.hdr_pg);
	lkcd_snap_fill_header(h, level, mode);

	deadline_ms = READ_ONCE(lkcd_tun.deadline_ms);
	/*
	 * Stopped, no CPU takes interrupts: never past the point where RCU
	 * starts reporting stalls (21 s by default) -- the snapshot stops
	 * INCOMPLETE/DEADLINE instead.
	 */
	if (mode == LKCD_SNAP_CONSISTENT && deadline_ms > LKCD_SNAP_STOP_MAX_MS)
		deadline_ms = LKCD_SNAP_STOP_MAX_MS;
	lkcd_dump_setup(pk, h, page_to_pfn(lkcd_snap.hdr_pg), deadline_ms,
			page_address(lkcd_snap.read_pg), page_address(lkcd_snap.comp_pg),
			lkcd_snap.pool, lkcd_snap.nr_pool);
	/* the panic path's ops, with our own pages and pace */
	lkcd_snap_ops = lkcd_walk_ops;
	lkcd_snap_ops.classify = lkcd_snap_classify;
	lkcd_snap_ops.map_spare = lkcd_snap_map;
	lkcd_snap_ops.progress = lkcd_snap_progress;
	if (mode == LKCD_SNAP_LIVE) {
		lkcd_snap_ops.read_page = lkcd_snap_read_live;
		lkcd_snap_ops.keepalive = lkcd_snap_keepalive_live;
	} else {
		lkcd_snap_ops.keepalive = lkcd_snap_keepalive_stopped;
	}
	lkcd_test_measure_setup(&lkcd_snap_ops, h->max_pfn);
	pk->ops = &lkcd_snap_ops;
	pk->flags = LKCD_PACKER_POOL_ONLY;

	t0 = lkcd_clock_ns();
	if (mode == LKCD_SNAP_CONSISTENT) {
		/*
		 * stop_machine() has no timeout: a CPU that never takes its
		 * stopper thread keeps every other one waiting in it, for as
		 * long as that lasts.  A CPU with interrupts off is the case
		 * that can be seen beforehand (it does not answer an IPI):
		 * refuse then.  One that spins with only preemption off, or
		 * turns interrupts off after the probe, still holds the stop.
		 */
		migrate_disable();
		cpus_read_lock();
		lkcd_snap_call_cpus(cpu_online_mask, false, &lkcd_snap.noregs);
		cpus_read_unlock();
		migrate_enable();
		if (!cpumask_empty(&lkcd_snap.noregs)) {
			pr_err("%s: consistent snapshot refused: CPU %*pbl does not answer interrupts, and stop_machine() would wait for it with every other CPU stopped; a live snapshot goes on without its registers\n",
			       lkcd_snap.who, cpumask_pr_args(&lkcd_snap.noregs));
			ret = -ETIMEDOUT;
			goto fail;
		}
		/* every CPU runs the callback; the first one online packs */
		t0 = lkcd_clock_ns();
		ret = stop_machine(lkcd_snap_stopped, &stop, cpu_online_mask);
		if (!ret)
			ret = stop.ret;
	} else {
		/*
		 * This CPU's registers here, in this function's frame (it
		 * stays for the whole run), the others' through an IPI; then
		 * the copy, while they all go on.  The worker stays on its
		 * CPU until the copy is done: that CPU's runqueue in the copy
		 * then names the task its registers are of.
		 */
		migrate_disable();
		cpus_read_lock();
		cpumask_copy(&lkcd_snap.online, cpu_online_mask);
		lkcd_snap.snap_cpu = smp_processor_id();
		lkcd_snap_save_cpu(lkcd_snap.snap_cpu, NULL);
		lkcd_snap_call_cpus(&lkcd_snap.online, true, &lkcd_snap.noregs);
		cpus_read_unlock();
		lkcd_test_measure_start(pk->ctx, page_address(lkcd_snap.read_pg), false);
		lkcd_walk_prepare();	/* racy, bounded: a fuzzy copy anyway */
		t0 = lkcd_clock_ns();
		ret = lkcd_packer_run(pk);
		t1 = lkcd_clock_ns();
		lkcd_test_measure_end(pk->ctx, page_address(lkcd_snap.read_pg), false);
		migrate_enable();
	}
	if (mode == LKCD_SNAP_CONSISTENT)
		t1 = lkcd_clock_ns();
	lkcd_test_measure_report(mode);
	if (ret || h->state == LKCD_STATE_IN_PROGRESS) {
		pr_err("%s: snapshot failed: the packer refused to run (%d)\n", lkcd_snap.who, ret);
		ret = ret ?: -EIO;
		goto fail;
	}
	lkcd_snap.run_ns = mode == LKCD_SNAP_CONSISTENT ? stop.end_ns - stop.start_ns : t1 - t0;
	lkcd_snap.stopped_ns = mode == LKCD_SNAP_CONSISTENT ? t1 - t0 : 0;

	/* scratch is no longer needed; unused pool pages go back now */
	lkcd_snap_page_free(lkcd_snap.read_pg);
	lkcd_snap_page_free(lkcd_snap.comp_pg);
	lkcd_snap.read_pg = lkcd_snap.comp_pg = NULL;
	lkcd_snap_trim(h);
	mutex_unlock(&lkcd_config_lock);
	lkcd_snap_build_notes();
	kvfree(lkcd_snap.cpus);
	lkcd_snap.cpus = NULL;

	memset(&lkcd_snap.last, 0, sizeof(lkcd_snap.last));
	lkcd_snap.last.mode = mode;
	lkcd_snap.last.dump_state = h->state;
	lkcd_snap.last.incomplete_reason = h->incomplete_reason;
	lkcd_snap.last.level = level;
	lkcd_snap.last.header_paddr = page_to_phys(lkcd_snap.hdr_pg);
	lkcd_snap.last.held_bytes = ((u64)lkcd_snap.nr_pool + 1) << PAGE_SHIFT;
	lkcd_snap.last.cap_bytes = lkcd_snap.cap_pages << PAGE_SHIFT;
	lkcd_snap.last.pages_dumped = h->pages_dumped;
	lkcd_snap.last.stored_bytes = h->stored_bytes;
	lkcd_snap.last.taken_sec = h->panic_time_sec;
	lkcd_snap.last.stopped_ns = lkcd_snap.stopped_ns;
	lkcd_snap.last.run_ns = lkcd_snap.run_ns;
	lkcd_snap.last.notes_len = lkcd_snap.notes_len;
	WRITE_ONCE(lkcd_snap.percent, 100);
	/*
	 * Report while the mutex is held: once it is dropped, a release may
	 * free (and zero) the header page and the pool at any moment.
	 */
	lkcd_snap_report(h, mode);
	lkcd_snap_publish(true);
	lkcd_snap_set_state(LKCD_SNAP_HELD, 0);
	mutex_unlock(&lkcd_snap.mutex);
	lkcd_test_snap_delay();
	return;

fail:
	lkcd_test_measure_free();
	lkcd_snap_free();
	mutex_unlock(&lkcd_config_lock);
	lkcd_snap_set_state(LKCD_SNAP_FAILED, -ret);
	mutex_unlock(&lkcd_snap.mutex);
}

/* ---- userspace-facing operations (lkcd_dev.c, sysctl) ---- */

/*
 * The held snapshot, locked for its reader or for the release: 0 with
 * lkcd_snap.mutex held (the caller unlocks it), -EBUSY while one is being
 * taken (never waits for a run, which holds the mutex), -ENODATA when none
 * is held.
 */
static int lkcd_snap_lock_held(void)
{
	if (READ_ONCE(lkcd_snap.state) == LKCD_SNAP_IN_PROGRESS)
		return -EBUSY;
	mutex_lock(&lkcd_snap.mutex);
	if (lkcd_snap.state != LKCD_SNAP_HELD) {
		mutex_unlock(&lkcd_snap.mutex);
		return -ENODATA;
	}
	return 0;
}

/* Give the held snapshot's memory back.  0, -ENODATA (none held), -EBUSY. */
int lkcd_snapshot_release(void)
{
	int ret;

	ret = lkcd_snap_lock_held();
	if (ret)
		return ret;
	lkcd_snap_free();
	lkcd_snap_set_state(LKCD_SNAP_RELEASED, 0);
	mutex_unlock(&lkcd_snap.mutex);
	pr_info("snapshot released\n");
	return 0;
}

/*
 * Never waits for a run (the run holds the mutex): last is written before
 * the state becomes HELD under the spinlock, and only read when HELD or
 * RELEASED.
 */
void lkcd_snapshot_status(struct lkcd_snapshot_status *st)
{
	unsigned long flags;

	spin_lock_irqsave(&lkcd_snap.lock, flags);
	if (lkcd_snap.state == LKCD_SNAP_HELD || lkcd_snap.state == LKCD_SNAP_RELEASED)
		*st = lkcd_snap.last;
	else
		memset(st, 0, sizeof(*st));
	if (lkcd_snap.state != LKCD_SNAP_HELD) {
		st->header_paddr = 0;
		st->held_bytes = 0;
	}
	st->state = lkcd_snap.state;
	st->mode = lkcd_snap.mode;
	st->percent = lkcd_snap.percent;
	st->error = lkcd_snap.error;
	if (lkcd_snap.state == LKCD_SNAP_IN_PROGRESS)
		st->cap_bytes = lkcd_snap.cap_pages << PAGE_SHIFT;
	spin_unlock_irqrestore(&lkcd_snap.lock, flags);
}

/*
 * Copy the snapshot's page at pfn (header or block) to user memory, at most
 * len bytes from off within the page.  -ENODATA when none is held, -EBUSY
 * while one is taken, -EIO for a page that is not the snapshot's.
 */
int lkcd_snapshot_read_page(u64 pfn, u32 off, void __user *buf, u32 len)
{
	struct page *pg = NULL;
	long idx;
	int ret;

	ret = lkcd_snap_lock_held();
	if (ret)
		return ret;
	if (pfn == page_to_pfn(lkcd_snap.hdr_pg)) {
		pg = lkcd_snap.hdr_pg;
	} else {
		idx = lkcd_snap_pool_index(pfn);
		if (idx >= 0)
			pg = pfn_to_page(lkcd_snap.pool[idx]);
	}
	if (!pg)
		ret = -EIO;
	else if (copy_to_user(buf, (u8 *)page_address(pg) + off, len))
		ret = -EFAULT;
	mutex_unlock(&lkcd_snap.mutex);
	return ret;
}

/*
 * Copy the held snapshot's CPU notes to req->buf (struct
 * lkcd_snapshot_notes, version checked by the caller).  -ENODATA when none
 * is held, -EBUSY while one is taken, -ERANGE when buf_len is too small
 * (notes_len says how much is needed), -EFAULT.
 */
int lkcd_snapshot_notes(struct lkcd_snapshot_notes *req)
{
	int ret;

	ret = lkcd_snap_lock_held();
	if (ret)
		return ret;
	req->notes_len = lkcd_snap.notes_len;
	req->nr_cpus = lkcd_snap.nr_notes;
	req->snap_cpu = lkcd_snap.snap_cpu;
	if (req->buf_len < lkcd_snap.notes_len)
		ret = -ERANGE;
	else if (lkcd_snap.notes_len &&
		 copy_to_user(u64_to_user_ptr(req->buf), lkcd_snap.notes, lkcd_snap.notes_len))
		ret = -EFAULT;
	mutex_unlock(&lkcd_snap.mutex);
	return ret;
}

/* The size of the /dev/lkcd view: max_pfn of the held snapshot, in bytes. */
int lkcd_snapshot_size(u64 *size)
{
	int ret;

	ret = lkcd_snap_lock_held();
	if (ret)
		return ret;
	*size = ((const struct lkcd_dump_header *)page_address(lkcd_snap.hdr_pg))->max_pfn
		<< PAGE_SHIFT;
	mutex_unlock(&lkcd_snap.mutex);
	return 0;
}

/* ---- SysRq d ---- */

static void lkcd_sysrq_snapshot(lkcd_sysrq_key_t key)
{
	/* messages are printed by the request itself */
	lkcd_snapshot_request(LKCD_SNAP_DEFAULT, "SysRq d");
}

static const struct sysrq_key_op lkcd_sysrq_op = {
	.handler = lkcd_sysrq_snapshot,
	.help_msg = "lkcd-snapshot(d)",
	.action_msg = "lkcd: memory snapshot",
	/* kernel.sysrq value 8, "debugging dumps of processes etc." */
	.enable_mask = SYSRQ_ENABLE_DUMP,
};

/* ---- sysctl: snapshot (state / request / release), snapshot_state, mode, cap ---- */

/*
 * snapshot: reads the state number; writing 1 takes a snapshot in
 * snapshot_mode (EBUSY while one is held), 0 releases the held one.
 */
static int lkcd_snap_handler(lkcd_ctl_table *table, int write, void *buffer,
			     size_t *lenp, loff_t *ppos)
{
	char text[16];
	u32 v;
	int ret;

	if (!write) {
		snprintf(text, sizeof(text), "%u\n", READ_ONCE(lkcd_snap.state));
		return lkcd_sysctl_emit(text, buffer, lenp, ppos);
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (*ppos || lkcd_parse_u32(buffer, *lenp, &v) || v > 1)
		return -EINVAL;
	ret = v ? lkcd_snapshot_request(LKCD_SNAP_DEFAULT, "sysctl") : lkcd_snapshot_release();
	if (ret)
		return ret;
	*ppos += *lenp;
	return 0;
}

/* snapshot_pages: the count above */
static int lkcd_snap_pages_handler(lkcd_ctl_table *table, int write, void *buffer,
				   size_t *lenp, loff_t *ppos)
{
	char text[24];

	if (write)
		return -EPERM;
	snprintf(text, sizeof(text), "%ld\n", atomic_long_read(&lkcd_snap_pages));
	return lkcd_sysctl_emit(text, buffer, lenp, ppos);
}

/* snapshot_state: one line for people and scripts */
static int lkcd_snap_state_handler(lkcd_ctl_table *table, int write, void *buffer,
				   size_t *lenp, loff_t *ppos)
{
	struct lkcd_snapshot_status st;
	char text[256];
	int n;

	if (write)
		return -EPERM;
	lkcd_snapshot_status(&st);
	switch (st.state) {
	case LKCD_SNAP_IN_PROGRESS:
		snprintf(text, sizeof(text), "in progress %u%% %s\n", st.percent,
			 lkcd_snap_mode_name(st.mode));
		return lkcd_sysctl_emit(text, buffer, lenp, ppos);
	case LKCD_SNAP_HELD:
		/* physical addresses are for root only, as in /proc/iomem */
		if (!capable(CAP_SYS_ADMIN))
			st.header_paddr = 0;
		n = scnprintf(text, sizeof(text),
			     "held %llu bytes taken %llu %s %s stopped_ns %llu header 0x%llx",
			     (unsigned long long)st.held_bytes, (unsigned long long)st.taken_sec,
			     lkcd_snap_mode_name(st.mode),
			     st.dump_state == LKCD_STATE_COMPLETE ? "complete" :
			     st.incomplete_reason == LKCD_INCOMPLETE_CAP ? "incomplete-cap" : "incomplete",
			     (unsigned long long)st.stopped_ns, (unsigned long long)st.header_paddr);
		break;
	case LKCD_SNAP_FAILED:
		n = scnprintf(text, sizeof(text), "failed errno %u", st.error);
		break;
	default:
		snprintf(text, sizeof(text), "%s\n", lkcd_snap_state_name(st.state));
		return lkcd_sysctl_emit(text, buffer, lenp, ppos);
	}
	/*
	 * held or failed: the CPUs that did not answer the register IPI (live:
	 * their notes are zeros; consistent: the probe that refused it).
	 * Read without the mutex, written by the worker before the state
	 * changed; a release and a new run in between only make it stale.
	 */
	if (!cpumask_empty(&lkcd_snap.noregs))
		n += scnprintf(text + n, sizeof(text) - n, " noregs %*pbl",
			       cpumask_pr_args(&lkcd_snap.noregs));
	scnprintf(text + n, sizeof(text) - n, "\n");
	return lkcd_sysctl_emit(text, buffer, lenp, ppos);
}

static int lkcd_snap_u32_handler(lkcd_ctl_table *table, int write, void *buffer,
				 size_t *lenp, loff_t *ppos)
{
	u32 *val = table->data;
	u32 max = (u32)(unsigned long)table->extra1;
	char text[16];
	u32 v;

	if (!write) {
		snprintf(text, sizeof(text), "%u\n", READ_ONCE(*val));
		return lkcd_sysctl_emit(text, buffer, lenp, ppos);
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (*ppos || lkcd_parse_u32(buffer, *lenp, &v) || v > max)
		return -EINVAL;
	WRITE_ONCE(*val, v);
	*ppos += *lenp;
	return 0;
}

#define LKCD_NR_SNAP_SYSCTL	5
static struct ctl_table lkcd_snap_sysctl[LKCD_SYSCTL_SLOTS(LKCD_NR_SNAP_SYSCTL)] = {
	{ .procname = "snapshot", .mode = 0644, .proc_handler = lkcd_snap_handler },
	{ .procname = "snapshot_state", .mode = 0444, .proc_handler = lkcd_snap_state_handler },
	{ .procname = "snapshot_pages", .mode = 0444, .proc_handler = lkcd_snap_pages_handler },
	{ .procname = "snapshot_mode", .mode = 0644, .data = &lkcd_snap_mode_tun,
	  .extra1 = (void *)(unsigned long)LKCD_SNAP_CONSISTENT,
	  .proc_handler = lkcd_snap_u32_handler },
	{ .procname = "snapshot_cap_mb", .mode = 0644, .data = &lkcd_snap_cap_mb,
	  .extra1 = (void *)(unsigned long)(1u << 24),
	  .proc_handler = lkcd_snap_u32_handler },
};
static struct ctl_table_header *lkcd_snap_sysctl_hdr;

int lkcd_snapshot_init(void)
{
	unsigned int cpu;
	int ret;

	INIT_WORK(&lkcd_snap.work, lkcd_snap_work);
	lkcd_snap_ipis = kcalloc(nr_cpu_ids, sizeof(*lkcd_snap_ipis), GFP_KERNEL);
	if (!lkcd_snap_ipis)
		return -ENOMEM;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		INIT_CSD(&lkcd_snap_ipis[cpu].csd, lkcd_snap_ipi, &lkcd_snap_ipis[cpu]);
	lkcd_snap_sysctl_hdr = lkcd_register_sysctl("kernel/dump", lkcd_snap_sysctl,
						    LKCD_NR_SNAP_SYSCTL);
	if (!lkcd_snap_sysctl_hdr) {
		kfree(lkcd_snap_ipis);
		lkcd_snap_ipis = NULL;
		return -ENOMEM;
	}
	lkcd_test_snap_init();
	ret = register_sysrq_key('d', &lkcd_sysrq_op);
	if (ret)
		/* another handler has d (lockdep's show-all-locks): keep the rest */
		pr_warn("SysRq d is taken (%d): snapshots only through lkcd snapshot\n", ret);
	return 0;
}

void lkcd_snapshot_exit(void)
{
	unregister_sysrq_key('d', &lkcd_sysrq_op);
	unregister_sysctl_table(lkcd_snap_sysctl_hdr);
	cancel_work_sync(&lkcd_snap.work);
	mutex_lock(&lkcd_snap.mutex);
	lkcd_snap_free();
	mutex_unlock(&lkcd_snap.mutex);
	lkcd_test_snap_exit();
	/*
	 * A register IPI still queued on a CPU holds a module reference, so
	 * unload is refused while one is; one sent while the unload began
	 * is waited for here (its CPU has interrupts off: as long as that).
	 */
	if (atomic_read(&lkcd_snap_pending))
		pr_warn("unload waits for %d register IPI(s) not answered yet\n",
			atomic_read(&lkcd_snap_pending));
	while (atomic_read(&lkcd_snap_pending))
		msleep(20);
	kfree(lkcd_snap_ipis);
	lkcd_snap_ipis = NULL;
}
