/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Live snapshots (SysRq d, `lkcd snapshot`): the /dev/lkcd interface shared
 * by lkcd.ko (kernel/snapshot.c, kernel/lkcd_dev.c) and the lkcd program.
 *
 * /dev/lkcd (misc device, mode 0600, every open needs CAP_SYS_ADMIN) reads
 * like physical memory that holds only the snapshot: file offset ==
 * physical address; the snapshot's header page and its storage blocks read
 * as they are, every other page fails with EIO, and the size (SEEK_END) is
 * max_pfn * page size.  The library's raw source (file offset == physical
 * address) and the dump reader therefore read a snapshot unchanged, given
 * header_paddr from LKCD_IOC_STATUS.  With no snapshot held, read and
 * llseek fail with ENODATA (EBUSY while one is being taken).
 */
#ifndef LKCD_SNAPSHOT_H
#define LKCD_SNAPSHOT_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif
#include "format.h"

#define LKCD_DEV_PATH		"/dev/lkcd"

/* struct lkcd_snapshot_status.state (also /proc/sys/kernel/dump/snapshot) */
enum lkcd_snap_state {
	LKCD_SNAP_NONE		= 0,	/* never taken since load */
	LKCD_SNAP_IN_PROGRESS	= 1,	/* requested or running; see percent */
	LKCD_SNAP_HELD		= 2,	/* in memory, readable through /dev/lkcd */
	LKCD_SNAP_RELEASED	= 3,	/* taken, saved or not, memory given back */
	LKCD_SNAP_FAILED	= 4,	/* the last request could not run; see error */
};

/* snapshot modes (sysctl kernel.dump.snapshot_mode, LKCD_IOC_SNAPSHOT) */
#define LKCD_SNAP_LIVE		0	/* never stops the machine: a fuzzy copy,
					 * header magic LKCD_DUMP_MAGIC_LIVE */
#define LKCD_SNAP_CONSISTENT	1	/* stop_machine() for the packer run */
#define LKCD_SNAP_DEFAULT	0xffffffffu	/* LKCD_IOC_SNAPSHOT: the sysctl's mode */

/* The names of the states and modes, for the sysctl, the console and lkcd. */
static inline const char *lkcd_snap_state_name(__u32 state)
{
	switch (state) {
	case LKCD_SNAP_NONE:		return "none";
	case LKCD_SNAP_IN_PROGRESS:	return "in progress";
	case LKCD_SNAP_HELD:		return "held";
	case LKCD_SNAP_RELEASED:	return "released";
	case LKCD_SNAP_FAILED:		return "failed";
	default:			return "?";
	}
}

static inline const char *lkcd_snap_mode_name(__u32 mode)
{
	return mode == LKCD_SNAP_CONSISTENT ? "consistent" : "live";
}

struct lkcd_snapshot_status {
	__u32 state;		/* enum lkcd_snap_state */
	__u32 mode;		/* LKCD_SNAP_LIVE or _CONSISTENT of the last one */
	__u32 percent;		/* progress while IN_PROGRESS */
	__u32 dump_state;	/* header state of the held one: COMPLETE/INCOMPLETE */
	__u32 incomplete_reason;/* LKCD_INCOMPLETE_* (CAP: the cap was reached) */
	__u32 level;		/* LKCD_LEVEL_* it was taken at */
	__u64 header_paddr;	/* its header page; 0 when none is held */
	__u64 held_bytes;	/* memory it holds: header page + blocks */
	__u64 cap_bytes;	/* storage it was allowed */
	__u64 pages_dumped;
	__u64 stored_bytes;
	__u64 taken_sec;	/* wall clock when it was taken, s since epoch */
	__u64 stopped_ns;	/* consistent: how long the machine was stopped */
	__u64 run_ns;		/* how long the packer ran */
	__u32 error;		/* FAILED: the errno (positive) */
	__u32 notes_len;	/* bytes of CPU notes held (LKCD_IOC_NOTES); since
				 * notes version 1, zero from an older module */
};

/*
 * The CPUs at the snapshot (LKCD_IOC_NOTES), as the kernel's own crash notes
 * record them: one ELF note "CORE" NT_PRSTATUS (struct elf_prstatus with
 * pr_reg) per CPU online at the snapshot, in CPU order, each note 4-byte
 * aligned as in /proc/vmcore; pr_pid is the CPU number + 1, as QEMU's
 * dump-guest-memory has it, which is how drgn finds a CPU's note in a dump
 * of a running kernel (the current task is the one the CPU's runqueue
 * names in the copy).  Consistent mode:
 * each CPU's registers in the stop_machine() callback, where its stack stays
 * until the copy is done.  Live mode: the CPU that takes it in the worker;
 * every other CPU through an IPI, the registers of what the IPI
 * interrupted (the entry's pt_regs).  A CPU that did not answer has a note
 * of zeros.
 *
 * version and size make the exchange explicit: a reader passes the version
 * it knows and sizeof() of this struct; a module that speaks another
 * version answers EPROTONOSUPPORT with its own version in version, and a
 * module that predates the notes answers ENOTTY.
 */
#define LKCD_SNAP_NOTES_VERSION	1

struct lkcd_snapshot_notes {
	__u32 version;		/* in: LKCD_SNAP_NOTES_VERSION; out: the module's */
	__u32 size;		/* in: sizeof(struct lkcd_snapshot_notes) */
	__u64 buf;		/* in: where to copy the notes (user address) */
	__u32 buf_len;		/* in: its size; ERANGE when notes_len is more */
	__u32 notes_len;	/* out: bytes of notes */
	__u32 nr_cpus;		/* out: NT_PRSTATUS notes in them */
	__u32 snap_cpu;		/* out: the CPU that took the snapshot */
};

#define LKCD_IOC_MAGIC		'L'
#define LKCD_IOC_STATUS		_IOR(LKCD_IOC_MAGIC, 1, struct lkcd_snapshot_status)
/* take a snapshot in the given mode (a __u32); EBUSY while one is held */
#define LKCD_IOC_SNAPSHOT	_IOW(LKCD_IOC_MAGIC, 2, __u32)
/* give the held snapshot's memory back; ENODATA when none is held */
#define LKCD_IOC_RELEASE	_IO(LKCD_IOC_MAGIC, 3)
/* copy the held snapshot's CPU notes out; ENODATA when none is held */
#define LKCD_IOC_NOTES		_IOWR(LKCD_IOC_MAGIC, 4, struct lkcd_snapshot_notes)

#endif /* LKCD_SNAPSHOT_H */
