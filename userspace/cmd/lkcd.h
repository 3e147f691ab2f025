/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The lkcd program: one file per command (cmd_*.c), helpers in util.c and
 * summary.c; the save pipeline in save.h.  Commands return an exit code
 * (below); only this layer prints.
 */
#ifndef LKCD_CMD_H
#define LKCD_CMD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "liblkcd.h"

/* Exit codes, documented in lkcd(8). */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* usage, config file, system setup */
#define EXIT_NODUMP	2	/* no dump: no crashdump=, no vmcore, no or bad header */
#define EXIT_WRITE	3	/* the dump could not be written out */
#define EXIT_NOTARMED	4	/* query/status: not armed */
#define EXIT_NOTHING	5	/* save: nothing to save (not a capture kernel, no
				 * dump on DUMPDEV, no snapshot held): not an error */

extern const char *prog;	/* "lkcd" */
extern const char *conf_path;	/* -c FILE, default /etc/lkcd.conf */
extern bool conf_path_given;

void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * What every command's getopt_long() loop answers alike, for the default:
 * label of its switch: 'c' (-c FILE, the configuration file: parsing goes
 * on, -1); 'h' (usage on stdout: EXIT_OK); anything else, a bad option
 * getopt has already named (usage on stderr: EXIT_FAIL).  usage(out, cmd)
 * prints the command's help, cmd being its argv[0].  Returns -1, or the
 * exit code the command returns.
 */
typedef void cmd_usage_fn(FILE *out, const char *cmd);
int cmd_option(int c, cmd_usage_fn *usage, const char *cmd);
/* At most max operands after the options: EXIT_OK, or EXIT_FAIL said. */
int cmd_operands(int argc, char **argv, int max);

/*
 * Load the configuration: defaults, then the file.  A missing default file
 * is fine (defaults); a missing -c file or any bad line is an error
 * (messages printed).  0 or -1.
 */
int load_config(struct lkcd_conf *conf);

/*
 * /proc and /sys paths, prefixed with $LKCD_SYSROOT when set (tests run the
 * commands against a fake tree).  Returns a static buffer per call slot.
 */
const char *sys_path(const char *path);

/*
 * A kexec sysfs file by its name under /sys/kernel/kexec/ ("crash_size",
 * "crash_loaded", "loaded"): that path where the kernel has it (late 2025
 * on), else the old /sys/kernel/kexec_<name> (which newer kernels keep as
 * an obsolete link).  Unprefixed, for sys_path().
 */
const char *kexec_sysfs(const char *name);

/* Read a small file (NUL-terminated, trailing newline stripped). 0 or -errno. */
int read_text(const char *path, char *buf, size_t size);
/* Write text to an existing file (sysctl, sysfs). 0 or -errno. */
int write_text(const char *path, const char *text);
/*
 * The kernel's lockdown level, the bracketed word of
 * /sys/kernel/security/lockdown: "none", "integrity" or "confidentiality";
 * NULL when it cannot be read (no lockdown LSM, securityfs not mounted).
 */
const char *lockdown_level(void);
/* strtoull with end check; 0 or -EINVAL. */
int parse_u64(const char *s, uint64_t *out);

/*
 * The value of key= on a kernel command line (first occurrence), copied to
 * val; 0, or -ENOENT when absent.
 */
int cmdline_get(const char *cmdline, const char *key, char *val, size_t size);
/*
 * Copy cmdline to out without the parameters whose names are listed in
 * drop (NULL-terminated; "NAME*" drops every name beginning NAME); quoting
 * ("a b") is kept as is.  0 or -ENOSPC.
 */
int cmdline_filter(const char *cmdline, const char *const *drop, char *out,
		   size_t size);

/*
 * Run argv[0] from PATH with fork/execvp and wait.  Returns its exit status
 * (0..255), 127 when it could not be run (message printed), or 128 + signal.
 */
int run_command(char *const argv[]);

/*
 * How lkcd config loads the capture kernel (kexec_mode.c): file = kexec -s
 * (kexec_file_load; why says for what), hotplug = kexec --hotplug (the
 * kernel then updates the loaded image on memory and CPU hotplug).
 */
struct kexec_mode {
	bool file;
	bool hotplug;
	const char *why;
};
void kexec_mode_pick(const char *lockdown, struct kexec_mode *m);
/*
 * Does the kernel update the loaded capture image on hotplug by itself
 * (/sys/devices/system/{memory,cpu}/crash_hotplug is 1)?  1, 0, or -1 when
 * the kernel has no such file (no CONFIG_CRASH_HOTPLUG).
 */
int kernel_updates_capture_image(void);

/* Print the summary of a decoded header (what analysis.N and show print). */
void print_summary(FILE *out, const struct lkcd_dump_header *h,
		   const struct lkcd_mem_range *ranges, uint64_t header_paddr);
/*
 * A fallback dump's panic string: SOURCE LKCD_FALLBACK_MARK REASON ")", the
 * source being what was read (/proc/vmcore, or lkcd save -f FILE).
 */
#define LKCD_FALLBACK_MARK	" fallback (no lkcd dump: "
/* The same as a JSON object (json-c), NULL on ENOMEM. */
struct json_object;
struct json_object *summary_json(const struct lkcd_dump_header *h, uint64_t header_paddr);
/* Print a JSON value (pretty, one trailing newline) and drop it. */
void json_print(struct json_object *o);
/* UTC "YYYY-MM-DD HH:MM:SS UTC" */
void format_utc(uint64_t sec, char *buf, size_t size);

/* The lkcd note lkcd save adds to every saved dump (see summary.c). */
#define LKCD_NOTE_NAME		"LKCD"
#define LKCD_NOTE_HEADER	0x4c4b4344u	/* not 1: tools take type 1 as NT_PRSTATUS */
struct lkcd_note_header {
	uint64_t header_paddr;			/* where the header page was */
	uint64_t reserved;			/* zero */
	uint8_t page[LKCD_PAGE_SIZE];		/* the header page as preserved */
};
/* Build the note (malloc'ed, *len bytes). NULL on ENOMEM. */
void *lkcd_note_build(const void *header_page, uint64_t header_paddr, size_t *len);
/* Find it in a notes blob: pointer to its desc (struct lkcd_note_header), or NULL. */
const void *lkcd_note_find(const void *notes, size_t len);
/* Offsets inside the desc (may be unaligned: memcpy them out). */
#define LKCD_NOTE_PADDR_OFF	0
#define LKCD_NOTE_PAGE_OFF	16

int cmd_config(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_query(int argc, char **argv);
/* Would a dump be taken at the next panic?  If not, *why says why. */
bool dumper_armed(const char **why);
int cmd_test(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_estimate(int argc, char **argv);
/* DUMP_SSH: the key made and installed, the host key kept, the login checked */
int cmd_propagate(int argc, char **argv);
/* Disarm: unload the capture kernel, set the dump level to none; EXIT_* code. */
int disarm(bool dry_run);

/*
 * Progress where a save runs under systemd (notify.c): sd_notify(3)'s
 * STATUS=, sent by the documented NOTIFY_SOCKET datagram protocol; nothing
 * when NOTIFY_SOCKET is unset.
 */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * DUMPDIR (open as dirfd) and the directories above it are root's (or the
 * caller's) and closed to writing by others (dumpdir_safe.c); 0, or
 * -errno with the path and the reason said.
 */
int dumpdir_check_safe(int dirfd, const char *dumpdir);

/* DUMPDEV opened for reading or writing: O_EXCL on a block device (cmd_dumpdev.c). */
int dumpdev_open_dev(const char *dev, bool write);
int cmd_dumpdev(int argc, char **argv);
/* lkcd config: DUMPDEV is a free block device a capture may write; 0 or -1 (said). */
int dumpdev_check_config(const struct lkcd_conf *conf);
int cmd_mkinitrd(int argc, char **argv);

/*
 * What the capture environment mounts to save into DUMPDIR
 * (dumpdir_target.c).  With DUMPDEV: nothing (device empty).  With
 * DUMPDIR_DEVICE: that, mounted on DUMPDIR.  Otherwise (the shipped
 * configuration) the filesystem holding DUMPDIR now, by UUID, with
 * DUMPDIR's path inside it.
 */
struct dumpdir_target {
	char device[LKCD_CONF_STR];	/* UUID=..., LABEL=... or a path; "" = none */
	char fstype[64];		/* "" = as mount finds it */
	char subdir[PATH_MAX];		/* automatic: DUMPDIR inside the filesystem */
	char node[PATH_MAX];		/* automatic: its device node here */
	char mountpoint[PATH_MAX];	/* automatic: where it is mounted here */
	bool automatic;
};
/*
 * 0, or -1 after saying why no capture could keep the dump there (DUMPDIR
 * on tmpfs, on a filesystem the capture cannot mount, no UUID found).
 */
int dumpdir_target_find(const struct lkcd_conf *conf, struct dumpdir_target *t);
/*
 * MKINITRD=1: build the capture initramfs unless it is up to date (its
 * stamp); output gets its path (KEXEC_INITRD, else
 * /var/lib/lkcd/capture-initrd-<release>.img).  EXIT_OK or EXIT_FAIL.
 */
int mkinitrd_for_config(const struct lkcd_conf *conf, char *output, size_t len);

/* live snapshots (cmd_snapshot.c) */
int cmd_snapshot(int argc, char **argv);
int cmd_release(int argc, char **argv);
bool snapshot_held(void);
/* /dev/lkcd open (said why not), and its status; fd or -1, 0 or -1 (cmd_snapshot.c). */
int snapshot_dev_open(void);
struct lkcd_snapshot_status;
int snapshot_dev_status(int fd, struct lkcd_snapshot_status *st);
/* "snapshot state: ..." for lkcd status; nothing without the module. */
void snapshot_state_line(FILE *out);
/* The module's snapshot_state text (buf), for lkcd status --json; NULL without it. */
const char *snapshot_state_text(char *buf, size_t len);

#endif /* LKCD_CMD_H */
