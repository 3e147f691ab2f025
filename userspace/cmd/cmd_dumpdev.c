// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DUMPDEV, the raw dump device of the three-boot flow (LKCD's):
 *
 *   capture kernel  lkcd save (or lkcd config) writes the preserved dump
 *                   onto DUMPDEV and the capture environment reboots;
 *   next boot       lkcd save (lkcd-save.service) saves it to DUMPDIR/N/
 *                   and marks the device SAVED (save_source_dumpdev.c);
 *                   the data stays until the next capture overwrites it;
 *   any time        lkcd dumpdev [DEV] says what the device holds;
 *                   lkcd dumpdev --init DEV claims a device that holds
 *                   data no known format explains (never one with a
 *                   signature libblkid knows), so captures may write it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dumpdev_io.h"
#include "save.h"

/*
 * O_EXCL on a block device fails with EBUSY while it is mounted or in use
 * by another exclusive holder: never write a dump over a mounted filesystem.
 */
int dumpdev_open_dev(const char *dev, bool write)
{
	struct stat st;
	int flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC;

	if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode) && write)
		flags |= O_EXCL;
	return open(dev, flags);
}

/*
 * "written <when>, panic "<string>"" of the dump waiting on fd, for the
 * message that keeps it; what cannot be read is left out.
 */
static void describe_waiting(int fd, const char *dev, char *buf, size_t size)
{
	struct lkcd_dumpdev_info info;
	struct lkcd_dumpdev *d = NULL;
	struct lkcd_error err = { 0 };
	char when[64];

	buf[0] = '\0';
	if (lkcd_dumpdev_read_super(fd, dev, &info, &err) < 0)
		return;
	format_utc(info.written_sec, when, sizeof(when));
	if (lkcd_dumpdev_open(fd, dev, &d, &err) < 0) {
		snprintf(buf, size, "written %s", when);
		return;
	}
	snprintf(buf, size, "written %s, panic \"%s\"", when, lkcd_dumpdev_header(d)->panic_string);
	lkcd_dumpdev_close(d);
}

/*
 * DUMPDEV holds a dump nobody has saved yet (a second panic before the
 * boot that would have saved the first): the first is usually the one that
 * explains the rest, so it is kept, and this dump goes to DUMPDIR instead.
 * The capture environment mounts DUMPDIR_DEVICE there when it is set;
 * without it DUMPDIR is in the initramfs and this dump is lost at reboot.
 */
static int dumpdev_keep_unsaved(const struct save_request *req, const struct save_input *si,
				const char *what)
{
	const struct lkcd_conf *conf = req->conf;
	struct save_input to_dir = *si;
	unsigned long n;
	int rc;

	warnmsg("DUMPDEV %s holds a dump not yet saved (%s): kept, not overwritten; "
		"this dump goes to DUMPDIR %s instead", conf->dumpdev, what, conf->dumpdir);
	to_dir.capture = false;		/* so the sink is DUMPDIR, in the format asked for */
	rc = save_write(req, &to_dir, &n);
	if (rc == EXIT_OK)
		fprintf(stderr, "%s: saved to %s/%lu; the dump on DUMPDEV %s is saved at the next boot\n",
			prog, conf->dumpdir, n, conf->dumpdev);
	return rc;
}

int dumpdev_capture(const struct save_request *req, const struct save_input *si)
{
	const struct lkcd_conf *conf = req->conf;
	struct lkcd_dumpdev_input in;
	struct lkcd_dumpdev_info info;
	struct lkcd_error err = { 0 };
	const char *dev = conf->dumpdev;
	time_t t0 = time(NULL);
	int fd, ret;

	fd = dumpdev_open_dev(dev, true);
	if (fd < 0) {
		errmsg("DUMPDEV %s: %s%s", dev, strerror(errno),
		       errno == EBUSY ? " (mounted or in use: not a raw dump device)" : "");
		return EXIT_WRITE;
	}
	memset(&in, 0, sizeof(in));
	in.header_page = si->header_page;
	in.header_paddr = si->header_paddr;
	in.notes = si->notes;
	in.notes_len = si->notes_len;
	in.pages = si->pages;
	in.problems = si->problems;
	in.problems_ctx = si->problems_ctx;
	in.now_sec = (uint64_t)t0;
	fprintf(stderr, "%s: writing the dump at 0x%llx (%llu pages) to DUMPDEV %s\n", prog,
		(unsigned long long)si->header_paddr,
		(unsigned long long)si->hdr->pages_dumped, dev);
	ret = lkcd_dumpdev_write(fd, dev, &in, &info, &err);
	if (close(fd) < 0 && ret == 0) {
		errmsg("DUMPDEV %s: %s", dev, strerror(errno));
		return EXIT_WRITE;
	}
	if (ret == -EEXIST) {
		char what[LKCD_PANIC_LEN + 128];

		fd = dumpdev_open_dev(dev, false);
		what[0] = '\0';
		if (fd >= 0) {
			describe_waiting(fd, dev, what, sizeof(what));
			close(fd);
		}
		return dumpdev_keep_unsaved(req, si, what[0] ? what : "unreadable");
	}
	if (ret < 0) {
		errmsg("DUMPDEV: %s", err.msg);
		return ret == -EPERM ? EXIT_FAIL : EXIT_WRITE;
	}
	fprintf(stderr, "%s: DUMPDEV %s: %llu records, %llu pages, %llu bytes, %llu damaged parts, %lld s; "
		"lkcd save will copy it to %s at the next boot\n", prog, dev,
		(unsigned long long)info.nr_records, (unsigned long long)info.pages,
		(unsigned long long)(info.records_offset + info.records_size),
		(unsigned long long)info.nr_problems, (long long)(time(NULL) - t0),
		conf->dumpdir);
	printf("%s\n", dev);
	return EXIT_OK;
}

/* lkcd dumpdev --init DEV: claim it unless libblkid knows what it holds. */
static int dumpdev_init(const char *dev, bool quiet)
{
	struct lkcd_dumpdev_info info;
	struct lkcd_error err = { 0 };
	int fd, ret;

	fd = dumpdev_open_dev(dev, true);
	if (fd < 0) {
		errmsg("%s: %s%s", dev, strerror(errno),
		       errno == EBUSY ? " (mounted or in use: not a free raw device)" : "");
		return EXIT_FAIL;
	}
	ret = lkcd_dumpdev_read_super(fd, dev, &info, &err);
	if (ret != -ENODATA && ret != -EIO && ret != -ENOTBLK) {
		/* ours already, readable or not: a capture may write it as it is */
		if (!quiet)
			printf("%s: already an lkcd dump device (%s); nothing changed\n", dev,
			       ret == 0 ? lkcd_dumpdev_state_name(info.state) : err.msg);
		close(fd);
		return EXIT_OK;
	}
	ret = lkcd_dumpdev_init(fd, dev, &err);
	if (close(fd) < 0 && ret == 0)
		ret = lkcd_error_set(&err, -errno, "%s: %s", dev, strerror(errno));
	if (ret < 0) {
		errmsg("dumpdev --init: %s", err.msg);
		return EXIT_FAIL;
	}
	if (!quiet)
		printf("%s: claimed as an lkcd dump device (no dump yet)\n", dev);
	return EXIT_OK;
}

/*
 * What lkcd dumpdev reports: the superblock (when there is one), the dump
 * (when it opens) and the one state that sums them up.  Read once, then
 * printed as text or JSON, so both always say the same.
 */
enum report_state { R_NONE, R_CLAIMED, R_UNUSABLE, R_WRITING, R_COMPLETE, R_SAVED };

/* --json's "state" keywords, in enum report_state's order */
static const char *const report_state_key[] = {
	"none", "claimed", "unusable", "writing", "complete", "saved",
};

struct dumpdev_report {
	const char *dev;
	enum report_state state;
	struct lkcd_dumpdev_info info;
	struct lkcd_dumpdev *d;	/* NULL unless the dump opened */
	struct lkcd_error err;	/* why it is unusable */
};

/* Read DEV into r; the exit code the report carries (0 only when a dump waits). */
static int dumpdev_read(struct dumpdev_report *r, int fd)
{
	int ret = lkcd_dumpdev_read_super(fd, r->dev, &r->info, &r->err);

	if (ret == -ENODATA) {
		r->state = R_NONE;
		return EXIT_NODUMP;
	}
	if (ret == 0 && r->info.state == LKCD_DUMPDEV_EMPTY) {
		r->state = R_CLAIMED;
		return EXIT_NODUMP;
	}
	if (ret == 0 && r->info.state != LKCD_DUMPDEV_WRITING)
		ret = lkcd_dumpdev_open(fd, r->dev, &r->d, &r->err);
	if (ret < 0) {
		r->state = R_UNUSABLE;
		return EXIT_NODUMP;
	}
	if (!r->d) {
		r->state = R_WRITING;
		return EXIT_NODUMP;
	}
	if (r->info.state == LKCD_DUMPDEV_COMPLETE) {
		r->state = R_COMPLETE;
		return EXIT_OK;
	}
	r->state = R_SAVED;
	return EXIT_NODUMP;
}

static void dumpdev_print_text(const struct dumpdev_report *r, const struct lkcd_conf *conf)
{
	const struct lkcd_dumpdev_info *info = &r->info;
	char when[64];

	switch (r->state) {
	case R_NONE:
		printf("%s: no lkcd dump\n", r->dev);
		return;
	case R_CLAIMED:
		printf("%s: no lkcd dump (claimed by lkcd dumpdev --init; captures write here)\n",
		       r->dev);
		return;
	case R_UNUSABLE:
		printf("%s: unusable: %s\n", r->dev, r->err.msg);
		return;
	case R_WRITING:
		printf("%s: half-written dump (the capture kernel did not finish it)\n", r->dev);
		return;
	case R_COMPLETE:
	case R_SAVED:
		break;
	}
	format_utc(info->written_sec, when, sizeof(when));
	printf("%s: %s, written %s\n", r->dev, lkcd_dumpdev_state_name(info->state), when);
	if (r->state == R_SAVED) {
		format_utc(info->saved_sec, when, sizeof(when));
		printf("saved as:         %s/%u on %s\n", conf->dumpdir, info->saved_index, when);
	}
	printf("records:          %llu (%llu pages, %llu bytes), notes %llu bytes, %llu damaged parts\n\n",
	       (unsigned long long)info->nr_records, (unsigned long long)info->pages,
	       (unsigned long long)info->records_size, (unsigned long long)info->notes_size,
	       (unsigned long long)info->nr_problems);
	print_summary(stdout, lkcd_dumpdev_header(r->d), NULL, info->header_paddr);
}

/*
 * One object: "device", "state" (the keyword of struct dumpdev_report),
 * "waiting" (a dump lkcd save would copy), the superblock's figures when
 * one was read, and the dump's summary (lkcd show --json's keys) as "dump".
 */
static void dumpdev_print_json(const struct dumpdev_report *r, const struct lkcd_conf *conf)
{
	const struct lkcd_dumpdev_info *info = &r->info;
	struct json_object *o = json_object_new_object();
	char when[64], path[PATH_MAX + 16];

	if (!o) {
		json_print(NULL);
		return;
	}
#define S(k, v) json_object_object_add(o, k, json_object_new_string(v))
#define N(k, v) json_object_object_add(o, k, json_object_new_uint64(v))
	S("device", r->dev);
	S("state", report_state_key[r->state]);
	json_object_object_add(o, "waiting", json_object_new_boolean(r->state == R_COMPLETE));
	if (r->state == R_UNUSABLE)
		S("error", r->err.msg);
	if (r->d) {
		N("written", info->written_sec);
		format_utc(info->written_sec, when, sizeof(when));
		S("written_utc", when);
		if (r->state == R_SAVED) {
			N("saved_index", info->saved_index);
			snprintf(path, sizeof(path), "%s/%u", conf->dumpdir, info->saved_index);
			S("saved_as", path);
			N("saved", info->saved_sec);
			format_utc(info->saved_sec, when, sizeof(when));
			S("saved_utc", when);
		}
		N("records", info->nr_records);
		N("pages", info->pages);
		N("records_bytes", info->records_size);
		N("notes_bytes", info->notes_size);
		N("damaged_parts", info->nr_problems);
		json_object_object_add(o, "dump", summary_json(lkcd_dumpdev_header(r->d),
							       info->header_paddr));
	}
#undef S
#undef N
	json_print(o);
}

static void dumpdev_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options] [DEV]\n"
		"       %s %s --init DEV\n"
		"\n"
		"Say what the raw dump device (DEV, default DUMPDEV) holds: no dump, a\n"
		"half-written one, one waiting for lkcd save, or one already saved.\n"
		"A capture writes only to a device whose first MiB is zero and where\n"
		"libblkid finds no signature, or to one lkcd already wrote.\n"
		"\n"
		"  -i, --init           claim DEV for dumps though it holds data no known\n"
		"                       format explains; refused (nothing written) when\n"
		"                       libblkid finds any signature on it (as wipefs -n)\n"
		"  -j, --json           print one JSON object (\"state\": none, claimed,\n"
		"                       unusable, writing, complete or saved)\n"
		"  -q, --quiet          print nothing; the exit code says it\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit: 0 a dump waits to be saved, 2 nothing to save (no DUMPDEV, none,\n"
		"saved, half-written or damaged), 1 usage, a bad configuration or the\n"
		"device cannot be read.\n"
		"--init: 0 claimed (or already lkcd's), 1 refused or failed.\n",
		prog, cmd, prog, cmd, LKCD_CONF_PATH);
}

int cmd_dumpdev(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "init", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dumpdev_report r = { 0 };
	struct lkcd_conf conf;
	bool quiet = false, init = false, json = false;
	int c, fd, rc;

	while ((c = getopt_long(argc, argv, "ijqc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			init = true;
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			if ((rc = cmd_option(c, dumpdev_usage, argv[0])) >= 0)
				return rc;
		}
	}
	if (cmd_operands(argc, argv, 1) != EXIT_OK)
		return EXIT_FAIL;
	if (json && (quiet || init)) {
		errmsg("dumpdev: --json reports what DEV holds; it goes with neither --quiet nor --init");
		return EXIT_FAIL;
	}
	if (init) {
		if (optind >= argc) {
			errmsg("dumpdev --init: name the device (it is never taken from the config)");
			return EXIT_FAIL;
		}
		return dumpdev_init(argv[optind], quiet);
	}
	if (load_config(&conf) < 0)
		return EXIT_FAIL;
	r.dev = optind < argc ? argv[optind] : conf.dumpdev;
	if (!r.dev[0]) {
		/* the shipped configuration: no device, so nothing waits there
		 * (lkcd-save.service skips on 2; a failure would fail it at
		 * every boot of a system that keeps dumps in DUMPDIR) */
		if (!quiet)
			printf("dumpdev: no DUMPDEV in %s and no device given: nothing to save\n",
			       conf_path);
		return EXIT_NODUMP;
	}
	fd = dumpdev_open_dev(r.dev, false);
	if (fd < 0) {
		errmsg("%s: %s", r.dev, strerror(errno));
		return EXIT_FAIL;
	}
	rc = dumpdev_read(&r, fd);
	if (json)
		dumpdev_print_json(&r, &conf);
	else if (!quiet)
		dumpdev_print_text(&r, &conf);
	lkcd_dumpdev_close(r.d);
	close(fd);
	return rc;
}

int dumpdev_check_config(const struct lkcd_conf *conf)
{
	struct lkcd_error err = { 0 };
	const char *dev = conf->dumpdev;
	struct stat st;
	int fd, ret;

	/* say it now, at arming time, not on the capture console after a crash */
	if (stat(dev, &st) < 0) {
		errmsg("DUMPDEV %s: %s", dev, strerror(errno));
		return -1;
	}
	if (!S_ISBLK(st.st_mode)) {
		errmsg("DUMPDEV %s is not a block device (the capture kernel sees no files)", dev);
		return -1;
	}
	fd = open(dev, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		errmsg("DUMPDEV %s: %s%s", dev, strerror(errno),
		       errno == EBUSY ? " (mounted or in use: not a free raw device)" : "");
		return -1;
	}
	ret = lkcd_dumpdev_check_target(fd, dev, false, &err);
	close(fd);
	if (ret == -EEXIST) {
		warnmsg("DUMPDEV: %s; the next capture keeps it and writes its own dump to "
			"DUMPDIR instead (the capture environment must mount DUMPDIR_DEVICE to keep it)",
			err.msg);
		return 0;
	}
	if (ret < 0) {
		errmsg("DUMPDEV: %s", err.msg);
		return -1;
	}
	return 0;
}
