// SPDX-License-Identifier: GPL-2.0
/*
 * The panic notifier: takes the dump, then lets panic() go on to kexec the
 * capture kernel.  It runs before the kexec only with
 * crash_kexec_post_notifiers=1 (`lkcd config` sets it).
 *
 * Panic path rules for everything called from here: no allocation, no
 * sleeping lock, no lock at all that another (now stopped) CPU may hold,
 * clocks read only through the NMI-safe fast accessors, and notrace on
 * every function of ours on the path (no ftrace hook while memory is being
 * dumped).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kdebug.h>
#include <linux/kexec.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "lkcd.h"

/*
 * 0 until the first entry; a second entry (a panic inside the dumper, or a
 * panic on another CPU racing in) returns at once and lets the kexec run.
 */
static atomic_t lkcd_panic_entered = ATOMIC_INIT(0);

/* The CPU that entered the panic notifier first (the dumper's), or -1. */
static atomic_t lkcd_panic_cpu = ATOMIC_INIT(-1);

/*
 * An oops on the dumper's CPU, from the dumper or from anything later in
 * panic() (issue 12, item 7).  panic() is already running there, so the
 * oops does not panic by itself: with crash_kexec_post_notifiers=1
 * kexec_should_crash() is false, and with panic_on_oops=0 (Debian's
 * default) oops_end() would kill the task that holds the panic, with every
 * other CPU stopped: no seal, no kexec, a hung machine.  Turn it into a
 * panic instead.  panic() lets its own CPU in again and runs the notifiers
 * once more, so the second entry below seals the committed prefix (as for
 * a panic inside the dumper), and panic() then kexecs the capture kernel.
 * Any other die event, and any oops on another CPU, is left alone.
 */
static notrace int lkcd_die_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct die_args *args = data;

	if (action != DIE_OOPS || atomic_read(&lkcd_panic_cpu) != raw_smp_processor_id())
		return NOTIFY_DONE;
	panic("lkcd: oops inside the dumper: %s", args && args->str ? args->str : "?");
	return NOTIFY_STOP;	/* not reached */
}

static struct notifier_block lkcd_die_nb = {
	.notifier_call = lkcd_die_event,
	.priority = INT_MAX,
};

/* Panic path.  The header of a dump starting now, for the panic msg. */
static notrace void lkcd_fill_panic(struct lkcd_dump_header *h, const char *msg, u32 level)
{
	lkcd_header_start(h, level);
	if (msg)
		strscpy(h->panic_string, msg, sizeof(h->panic_string));
}

/* Entries after the first: the second seals from the packer's state. */
static atomic_t lkcd_panic_reentries = ATOMIC_INIT(0);

/*
 * Panic path, second entry: panic() lets only one CPU through, so this is
 * a panic inside the dumper (or a later notifier) on this CPU and the first
 * run will never finish.  The packer commits after every finished step what
 * is complete (the chain up to the last whole record, counts that agree),
 * so the header is sealed INCOMPLETE/REENTERED with that valid prefix.
 * When the packer never started, or the seal itself faulted (a third
 * entry), the dump is sealed with no blocks: the capture kernel still
 * learns what panicked and why the dump is empty.
 */
static notrace void lkcd_reentered(void)
{
	struct lkcd_dump_header *h = lkcd_header();

	if (atomic_inc_return(&lkcd_panic_reentries) == 1 &&
	    lkcd_dump_seal_reentered() == 0) {
		if (h->state == LKCD_STATE_INCOMPLETE &&
		    h->incomplete_reason == LKCD_INCOMPLETE_REENTERED)
			pr_emerg("panic inside the dumper: dump sealed INCOMPLETE (re-entered) with what was written: %llu pages in %llu records, %llu blocks, below pfn 0x%llx\n",
				 (unsigned long long)h->pages_dumped,
				 (unsigned long long)h->nr_records,
				 (unsigned long long)h->nr_blocks,
				 (unsigned long long)h->next_pfn);
		else
			pr_emerg("panic after the dump was sealed: dump left as it is\n");
		return;
	}
	if (READ_ONCE(h->state) != LKCD_STATE_IN_PROGRESS)
		return;		/* finished, or never started: leave it */
	lkcd_header_seal_empty(h, LKCD_INCOMPLETE_REENTERED);
	pr_emerg("panic inside the dumper: header sealed INCOMPLETE (re-entered) with no pages (the dumper had not started, or sealing its prefix faulted)\n");
}

/*
 * Panic path.  Lockdown (confidentiality) may have been raised after the
 * dumper was armed: no page of memory may leave, so seal the header as
 * INCOMPLETE/LOCKDOWN with no blocks.  The capture kernel then learns that
 * there was a panic and why nothing was dumped, rather than finding an
 * EMPTY header and going after /proc/vmcore itself.
 */
static notrace void lkcd_refuse_locked_down(struct lkcd_dump_header *h)
{
	lkcd_header_seal_empty(h, LKCD_INCOMPLETE_LOCKDOWN);
	pr_emerg("no dump: the kernel is locked down (confidentiality), which forbids dumping kernel memory; header sealed INCOMPLETE\n");
}

static notrace int lkcd_panic_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct lkcd_dump_header *h;
	u32 level;
	int ret;

	if (atomic_cmpxchg(&lkcd_panic_entered, 0, 1) != 0) {
		lkcd_reentered();
		return NOTIFY_DONE;
	}
	/* from here on an oops on this CPU panics (lkcd_die_event) */
	atomic_set(&lkcd_panic_cpu, raw_smp_processor_id());

	level = READ_ONCE(lkcd_tun.level);
	/*
	 * Disarmed, but locked down: a capture kernel loaded before lockdown
	 * was raised would find an EMPTY header and read /proc/vmcore itself
	 * (lkcd save's fallback); the sealed LOCKDOWN header below stops it.
	 */
	if (level == LKCD_LEVEL_NONE && !lkcd_lockdown_check())
		return NOTIFY_DONE;
	if (!kexec_crash_loaded()) {
		/* nobody would ever read it: spend no time at panic */
		pr_emerg("no capture kernel loaded (kexec -p): no dump\n");
		return NOTIFY_DONE;
	}

	h = lkcd_header();
	lkcd_fill_panic(h, data, level);
	if (lkcd_lockdown_check()) {
		lkcd_refuse_locked_down(h);
		return NOTIFY_DONE;
	}
	pr_emerg("dumping at level %s to the header at 0x%llx\n",
		 lkcd_level_name(level), (unsigned long long)lkcd_header_paddr());

	ret = lkcd_dump_run(h);
	if (ret) {
		/* the packer refused its setup; it seals INCOMPLETE/ERROR itself,
		 * but a sealed header must exist whatever happened */
		pr_emerg("the packer refused to run (%d)\n", ret);
		if (h->state == LKCD_STATE_IN_PROGRESS)
			lkcd_header_seal_empty(h, LKCD_INCOMPLETE_ERROR);
	}
	pr_emerg("dump %s%s%s%s: %llu pages in %llu records, %llu blocks, %llu ms\n",
		 h->state == LKCD_STATE_COMPLETE ? "complete" : "INCOMPLETE",
		 h->incomplete_reason ? " (" : "",
		 h->incomplete_reason ? lkcd_incomplete_reason(h->incomplete_reason)->word : "",
		 h->incomplete_reason ? ")" : "",
		 (unsigned long long)h->pages_dumped,
		 (unsigned long long)h->nr_records, (unsigned long long)h->nr_blocks,
		 (unsigned long long)div_u64(h->dump_end_ns - h->dump_start_ns, NSEC_PER_MSEC));
	if (!ret)
		lkcd_dump_report_phases();
	lkcd_dump_test_damage();
	lkcd_dump_test_alloc();
	return NOTIFY_DONE;
}

static struct notifier_block lkcd_panic_nb = {
	.notifier_call = lkcd_panic_event,
	/* first: other notifiers may disturb memory the dump should show */
	.priority = INT_MAX,
};

int lkcd_panic_init(void)
{
	int ret = register_die_notifier(&lkcd_die_nb);

	if (ret)
		return ret;
	ret = atomic_notifier_chain_register(&panic_notifier_list, &lkcd_panic_nb);
	if (ret)
		unregister_die_notifier(&lkcd_die_nb);
	return ret;
}

void lkcd_panic_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &lkcd_panic_nb);
	unregister_die_notifier(&lkcd_die_nb);
}
