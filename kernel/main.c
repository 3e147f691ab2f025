// SPDX-License-Identifier: GPL-2.0
/*
 * lkcd.ko: LKCD-style crash dumps for today's Linux.  At panic the module
 * compresses a snapshot of memory into spare pages of the crashed kernel
 * and leaves a sealed header at a physical address fixed at load time
 * (/proc/sys/kernel/dump/addr); the kexec'd capture kernel, told that
 * address with crashdump=, finds the dump through /proc/vmcore.
 *
 * This file: load/unload and the tunables' defaults.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memory.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/workqueue.h>

#include "lkcd.h"

DEFINE_MUTEX(lkcd_config_lock);

struct lkcd_tunables lkcd_tun = {
	.level = LKCD_DEFAULT_LEVEL,
	.compress = LKCD_DEFAULT_COMPRESS,
	.compress_level = LKCD_DEFAULT_COMPRESS_LEVEL,
	.flags = 0,
	.exclude = 0,
	.deadline_ms = LKCD_DEFAULT_DEADLINE_MS,
};

/*
 * Memory hotplug changes the System RAM ranges: rebuild the header's range
 * table so that a dump describes memory as it is at panic.
 *
 * Lock order (issue 12, item 9): lkcd_snap.mutex, then lkcd_config_lock,
 * then the CPU-hotplug lock (a consistent snapshot's stop_machine() takes it
 * for reading with lkcd_config_lock held).  Memory hotplug calls this
 * notifier with the CPU-hotplug lock held (mem_hotplug_begin(): cpus_read_lock()
 * then mem_hotplug_lock), so taking lkcd_config_lock here would be the
 * reverse order: with a CPU hotplug writer queued between them, the
 * snapshot waits for the writer, the writer for this notifier, this
 * notifier for the snapshot.  The rebuild therefore runs from a work item,
 * outside the hotplug locks; until it has run (milliseconds), a panic dumps
 * with the old table: a block just offlined is still left out by classify
 * (OFFLINE), a block just added is missing from that one dump.
 */
static void lkcd_memory_rebuild(struct work_struct *work)
{
	mutex_lock(&lkcd_config_lock);
	if (lkcd_header_refresh())
		pr_err("memory hotplug: the range table could not be rebuilt\n");
	mutex_unlock(&lkcd_config_lock);
}

static DECLARE_WORK(lkcd_memory_work, lkcd_memory_rebuild);

static int lkcd_memory_event(struct notifier_block *nb, unsigned long action, void *arg)
{
	if (action == MEM_ONLINE || action == MEM_OFFLINE)
		schedule_work(&lkcd_memory_work);
	return NOTIFY_OK;
}

static struct notifier_block lkcd_memory_nb = {
	.notifier_call = lkcd_memory_event,
};

static int __init lkcd_init(void)
{
	int ret;

	/* a signed lkcd.ko loads under lockdown, but must not arm itself */
	if (lkcd_lockdown_check()) {
		lkcd_tun.level = LKCD_LEVEL_NONE;
		pr_warn("the kernel is locked down (confidentiality), which forbids dumping kernel memory: loaded with dumps disarmed (level none)\n");
	}
	ret = lkcd_header_init();
	if (ret)
		return ret;
	ret = lkcd_walk_init();
	if (ret)
		goto fail_walk;
	ret = lkcd_dump_init();
	if (ret)
		goto fail_dump;
	ret = lkcd_compress_init();
	if (ret)
		goto fail_compress;
	/* lkcd.ko's own memory is all in the NODUMP set: seal it, then refill
	 * the EMPTY header, which says how many pages that is */
	lkcd_walk_nodump_done();
	ret = lkcd_header_refresh();
	if (ret)
		goto fail_sysctl;
	ret = lkcd_sysctl_init();
	if (ret)
		goto fail_sysctl;
	ret = register_memory_notifier(&lkcd_memory_nb);
	if (ret)
		goto fail_memory;
	ret = lkcd_panic_init();
	if (ret)
		goto fail_panic;
	ret = lkcd_snapshot_init();
	if (ret)
		goto fail_snapshot;
	ret = lkcd_dev_init();
	if (ret)
		goto fail_dev;

	pr_info("armed: header at 0x%llx, level %s, compress %s, %llu MiB of RAM; %u pages of its own left out of dumps\n",
		(unsigned long long)lkcd_header_paddr(), lkcd_level_name(lkcd_tun.level),
		lkcd_compress_name(lkcd_tun.compress),
		(unsigned long long)(lkcd_header()->memory_size >> 20), lkcd_walk_own_pages());
	return 0;

fail_dev:
	lkcd_snapshot_exit();
fail_snapshot:
	lkcd_panic_exit();
fail_panic:
	unregister_memory_notifier(&lkcd_memory_nb);
	flush_work(&lkcd_memory_work);
fail_memory:
	lkcd_sysctl_exit();
fail_sysctl:
	lkcd_compress_exit();
fail_compress:
	lkcd_dump_exit();
fail_dump:
	lkcd_walk_exit();
fail_walk:
	lkcd_header_exit();
	return ret;
}

static void __exit lkcd_exit(void)
{
	lkcd_dev_exit();
	lkcd_snapshot_exit();
	lkcd_panic_exit();
	unregister_memory_notifier(&lkcd_memory_nb);
	flush_work(&lkcd_memory_work);
	lkcd_sysctl_exit();
	lkcd_compress_exit();
	lkcd_dump_exit();
	lkcd_walk_exit();
	lkcd_header_exit();
}

module_init(lkcd_init);
module_exit(lkcd_exit);

MODULE_DESCRIPTION("LKCD-style crash dumps: compress memory at panic for a kexec'd capture kernel");
MODULE_LICENSE("GPL");
