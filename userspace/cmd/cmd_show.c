// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd show N|PATH, lkcd list: read saved dumps back.  The summary comes
 * from the dump file itself:
 *   - kdump-compressed and ELF dumps written by lkcd save carry the
 *     preserved header page in an "LKCD" ELF note (summary.c);
 *   - LKCD v8 dumps carry panic string, time and utsname in dump_header_t.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lkcd.h"

#define KDUMP_SIG		"KDUMP   "
#define LKCD_V8_MAGIC		0xa8190173618f23edULL
#define LKCD_V8_MAGIC_LIVE	0xa8190173618f23cdULL
#define MAX_NOTES		(64u << 20)

/* The header page from an "LKCD" note in a notes blob, decoded. */
static int from_note(const char *path, const void *notes, size_t len,
		     struct lkcd_dump_header *h, uint64_t *addr)
{
	const uint8_t *d = lkcd_note_find(notes, len);
	struct lkcd_error err = { 0 };

	if (!d) {
		errmsg("%s: no LKCD note (not saved by lkcd save?)", path);
		return -ENOENT;
	}
	memcpy(addr, d + LKCD_NOTE_PADDR_OFF, sizeof(*addr));
	*addr = le64toh(*addr);
	if (lkcd_header_decode(d + LKCD_NOTE_PAGE_OFF, LKCD_PAGE_SIZE, h, NULL, 0, &err) < 0) {
		errmsg("%s: the saved dump header is bad: %s", path, err.msg);
		return -EBADMSG;
	}
	return 0;
}

static int show_elf(const char *path, struct lkcd_dump_header *h, uint64_t *addr)
{
	struct lkcd_source *src;
	struct lkcd_error err = { 0 };
	const void *notes;
	size_t len;
	int ret;

	ret = lkcd_source_open(path, LKCD_SOURCE_ELF, &src, &err);
	if (ret < 0) {
		errmsg("%s", err.msg);
		return ret;
	}
	lkcd_source_notes(src, &notes, &len);
	ret = from_note(path, notes, len, h, addr);
	lkcd_source_close(src);
	return ret;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

/* kdump-compressed: disk_dump_header, then kdump_sub_header in block 1. */
static int show_kdump(int fd, const char *path, struct lkcd_dump_header *h, uint64_t *addr)
{
	uint8_t hdr[464], sub[104];
	uint64_t off, len;
	uint32_t block;
	void *notes;
	int ret;

	if (lkcd_pread_full(fd, hdr, sizeof(hdr), 0) < 0) {
		errmsg("%s: truncated kdump header", path);
		return -EINVAL;
	}
	block = rd32(hdr + 428);
	if (block < sizeof(hdr) || block > (1u << 20) ||
	    lkcd_pread_full(fd, sub, sizeof(sub), block) < 0) {
		errmsg("%s: bad kdump block size %u or truncated sub header", path, block);
		return -EINVAL;
	}
	off = rd64(sub + 48);
	len = rd64(sub + 56);
	if (!len || len > MAX_NOTES) {
		errmsg("%s: kdump sub header has no usable notes (size %llu)", path,
		       (unsigned long long)len);
		return -ENOENT;
	}
	notes = malloc(len);
	if (!notes)
		return -ENOMEM;
	if (lkcd_pread_full(fd, notes, len, off) < 0) {
		errmsg("%s: notes at offset 0x%llx run past the end of the file", path,
		       (unsigned long long)off);
		free(notes);
		return -EINVAL;
	}
	ret = from_note(path, notes, len, h, addr);
	free(notes);
	return ret;
}

/*
 * A kdump file lkcd did not write (makedumpfile's): what its header says,
 * after the "no LKCD note" error.
 */
static void kdump_basics(int fd, const char *path, FILE *out)
{
	uint8_t hdr[464];
	char release[66], version[66], node[66], when[64];

	if (lkcd_pread_full(fd, hdr, sizeof(hdr), 0) < 0)
		return;
	memcpy(node, hdr + 12 + 65, 65);
	memcpy(release, hdr + 12 + 130, 65);
	memcpy(version, hdr + 12 + 195, 65);
	node[65] = release[65] = version[65] = '\0';
	format_utc(rd64(hdr + 408), when, sizeof(when));
	fprintf(out, "dump file:        %s\n", path);
	fprintf(out, "format:           kdump (no lkcd header: what its own header says)\n");
	fprintf(out, "dump time:        %s\n", when);
	fprintf(out, "kernel release:   %s\n", release);
	fprintf(out, "kernel version:   %s\n", version);
	fprintf(out, "node name:        %s\n", node);
}

static void copy_str(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n - 1] = '\0';
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

/*
 * LKCD v8 dump_header_t (packed, Documentation/output-formats.rst); into jo
 * when not NULL.
 */
static int show_lkcd_v8(int fd, const char *path, FILE *out, struct json_object *jo)
{
	uint8_t dh[734];
	char panic[257], release[66], version[66], machine[66], node[66], when[64];

	if (lkcd_pread_full(fd, dh, sizeof(dh), 0) < 0) {
		errmsg("%s: truncated LKCD header", path);
		return -EINVAL;
	}
	copy_str(panic, dh + 52, 257);
	copy_str(node, dh + 324 + 65, 66);
	copy_str(release, dh + 324 + 130, 66);
	copy_str(version, dh + 324 + 195, 66);
	copy_str(machine, dh + 324 + 260, 66);
	format_utc(rd64(dh + 308), when, sizeof(when));
	if (jo) {
#define S(k, v) json_object_object_add(jo, k, json_object_new_string(v))
		S("panic_string", panic);
		json_object_object_add(jo, "panic_time", json_object_new_uint64(rd64(dh + 308)));
		S("panic_time_utc", when);
		S("kernel_release", release);
		S("kernel_version", version);
		S("machine", machine);
		S("node_name", node);
		S("dump_type", rd64(dh) == LKCD_V8_MAGIC_LIVE ? "live snapshot" : "crash");
		json_object_object_add(jo, "level", json_object_new_uint64(rd32(dh + 16)));
		json_object_object_add(jo, "pages_dumped", json_object_new_uint64(rd32(dh + 48)));
#undef S
		return 0;
	}
	fprintf(out, "panic string:     %s\n", panic);
	fprintf(out, "panic time:       %s\n", when);
	fprintf(out, "kernel release:   %s\n", release);
	fprintf(out, "kernel version:   %s\n", version);
	fprintf(out, "machine:          %s\n", machine);
	fprintf(out, "node name:        %s\n", node);
	fprintf(out, "dump type:        %s\n",
		rd64(dh) == LKCD_V8_MAGIC_LIVE ? "live snapshot" : "crash");
	fprintf(out, "level:            0x%x\n", rd32(dh + 16));
	fprintf(out, "pages dumped:     %u\n", rd32(dh + 48));
	return 0;
}

/* Resolve N or PATH (a dump file or a dump directory) to the dump file. */
static int resolve(const char *arg, const char *dumpdir, char *path, size_t size)
{
	struct stat st;
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (*arg >= '0' && *arg <= '9' && !*end && !errno) {
		snprintf(path, size, "%s/%lu/dump.%lu", dumpdir, n, n);
		return 0;
	}
	if (stat(arg, &st) < 0) {
		errmsg("%s: %s", arg, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(arg);
		struct dirent *de;

		if (!d) {
			errmsg("%s: %s", arg, strerror(errno));
			return -1;
		}
		path[0] = '\0';
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, "dump.", 5)) {
				snprintf(path, size, "%s/%s", arg, de->d_name);
				break;
			}
		closedir(d);
		if (!path[0]) {
			errmsg("%s: no dump.N file in this directory", arg);
			return -1;
		}
		return 0;
	}
	snprintf(path, size, "%s", arg);
	return 0;
}

/*
 * Print the summary of one dump file, or with jo add it there (file, format
 * and the summary's fields); 0 or negative.
 */
static int show_dump(const char *path, FILE *out, bool brief, struct json_object *jo)
{
	struct lkcd_dump_header h;
	uint8_t magic[8];
	uint64_t addr = 0;
	const char *fmt;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		errmsg("%s: %s", path, strerror(errno));
		return ret;
	}
	if (lkcd_pread_full(fd, magic, sizeof(magic), 0) < 0) {
		errmsg("%s: too short to be a dump", path);
		close(fd);
		return -EINVAL;
	}
	if (!memcmp(magic, "\177ELF", 4)) {
		fmt = "elf";
		ret = show_elf(path, &h, &addr);
	} else if (!memcmp(magic, KDUMP_SIG, 8)) {
		fmt = "kdump";
		ret = show_kdump(fd, path, &h, &addr);
		if (ret == -ENOENT && !brief && !jo)
			kdump_basics(fd, path, out);
	} else if (rd64(magic) == LKCD_V8_MAGIC || rd64(magic) == LKCD_V8_MAGIC_LIVE) {
		if (jo) {
			json_object_object_add(jo, "file", json_object_new_string(path));
			json_object_object_add(jo, "format", json_object_new_string("lkcd"));
		} else if (!brief) {
			fprintf(out, "dump file:        %s\n", path);
			fprintf(out, "format:           lkcd\n");
		}
		ret = show_lkcd_v8(fd, path, out, jo);
		close(fd);
		return ret;
	} else {
		errmsg("%s: not a dump lkcd knows (no ELF, KDUMP or LKCD magic)", path);
		close(fd);
		return -EINVAL;
	}
	close(fd);
	if (ret < 0)
		return ret;
	if (jo) {
		struct json_object *sum = summary_json(&h, addr);

		json_object_object_add(jo, "file", json_object_new_string(path));
		json_object_object_add(jo, "format", json_object_new_string(fmt));
		json_object_object_foreach(sum, key, val)
			json_object_object_add(jo, key, json_object_get(val));
		json_object_put(sum);
		return 0;
	}
	if (brief) {
		char when[64];

		format_utc(h.panic_time_sec, when, sizeof(when));
		fprintf(out, "%s  %s  %s\n", when, h.uts.release, h.panic_string);
		return 0;
	}
	fprintf(out, "dump file:        %s\n", path);
	fprintf(out, "format:           %s\n", fmt);
	print_summary(out, &h, NULL, addr);
	return 0;
}

/* The text summary (brief: one line for list); 0 or negative. */
static int show_file(const char *path, FILE *out, bool brief)
{
	return show_dump(path, out, brief, NULL);
}

/* show and list share their options; show takes dumps as operands */
static void show_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s%s\n\n"
		"  -d, --dumpdir DIR    where dumps are (default DUMPDIR)\n"
		"  -j, --json           print JSON (show: an object per dump, list: an array)\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -h, --help           show this help\n"
		"\nExit: 0 ok, 1 usage or config error, 2 a dump could not be read.\n",
		prog, cmd, strcmp(cmd, "show") ? "" : " N|PATH...", LKCD_CONF_PATH);
}

static int show_list_opts(int argc, char **argv, const char *what, int need_args,
			  struct lkcd_conf *conf, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "dumpdir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dumpdir = NULL;
	int c, rc;

	*json = false;
	while ((c = getopt_long(argc, argv, "jc:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'd':
			dumpdir = optarg;
			break;
		default:
			/* this helper's own convention: 1 done (help), -1 failed */
			if ((rc = cmd_option(c, show_usage, argv[0])) >= 0)
				return rc == EXIT_OK ? 1 : -1;
		}
	}
	if (need_args && optind >= argc) {
		errmsg("%s: which dump? (N or a path)", what);
		return -1;
	}
	if (!need_args && cmd_operands(argc, argv, 0) != EXIT_OK)
		return -1;
	if (load_config(conf) < 0)
		return -1;
	if (dumpdir)
		snprintf(conf->dumpdir, sizeof(conf->dumpdir), "%s", dumpdir);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct lkcd_conf conf;
	char path[PATH_MAX];
	int ret, rc = EXIT_OK;

	struct json_object *all = NULL;
	bool json;

	ret = show_list_opts(argc, argv, "show", 1, &conf, &json);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_FAIL;
	if (json)
		all = json_object_new_array();
	for (int i = optind; i < argc; i++) {
		struct json_object *one = json ? json_object_new_object() : NULL;

		if (i > optind && !json)
			printf("\n");
		if (resolve(argv[i], conf.dumpdir, path, sizeof(path)) < 0 ||
		    (one ? show_dump(path, stdout, false, one) : show_file(path, stdout, false)) < 0) {
			rc = EXIT_NODUMP;
			if (one)
				json_object_object_add(one, "error",
						       json_object_new_string("unreadable (see stderr)"));
		}
		if (json)
			json_object_array_add(all, one);
	}
	if (json) {
		/* one dump: its object; several: the array */
		if (json_object_array_length(all) == 1) {
			struct json_object *one = json_object_get(json_object_array_get_idx(all, 0));

			json_object_put(all);
			all = one;
		}
		json_print(all);
	}
	return rc;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

int cmd_list(int argc, char **argv)
{
	struct lkcd_conf conf;
	unsigned long idx[4096];
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int ret, rc = EXIT_OK;

	struct json_object *all = NULL;
	bool json;

	ret = show_list_opts(argc, argv, "list", 0, &conf, &json);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_FAIL;
	d = opendir(conf.dumpdir);
	if (!d) {
		if (errno == ENOENT) {
			if (json)
				json_print(json_object_new_array());
			else
				printf("no dumps (%s does not exist)\n", conf.dumpdir);
			return EXIT_OK;
		}
		errmsg("%s: %s", conf.dumpdir, strerror(errno));
		return EXIT_FAIL;
	}
	while ((de = readdir(d)) && n < sizeof(idx) / sizeof(idx[0])) {
		char *end;
		unsigned long v;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		v = strtoul(de->d_name, &end, 10);
		if (!*end)
			idx[n++] = v;
	}
	closedir(d);
	qsort(idx, n, sizeof(idx[0]), cmp_ulong);
	if (json)
		all = json_object_new_array();
	else if (!n)
		printf("no dumps in %s\n", conf.dumpdir);
	for (size_t i = 0; i < n; i++) {
		struct json_object *one = json ? json_object_new_object() : NULL;
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%lu/dump.%lu", conf.dumpdir, idx[i], idx[i]);
		if (one) {
			json_object_object_add(one, "index", json_object_new_uint64(idx[i]));
		} else {
			printf("%-4lu ", idx[i]);
			fflush(stdout);
		}
		if ((one ? show_dump(path, stdout, true, one) : show_file(path, stdout, true)) < 0) {
			if (one)
				json_object_object_add(one, "error",
						       json_object_new_string("unreadable (see stderr)"));
			else
				printf("(unreadable)\n");
			rc = EXIT_NODUMP;
		}
		if (one)
			json_object_array_add(all, one);
	}
	if (json)
		json_print(all);
	return rc;
}
