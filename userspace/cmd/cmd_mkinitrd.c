// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd mkinitrd: the capture kernel's initramfs, holding only what the
 * capture needs:
 *
 *   /init                 lkcd-utils/capture-init (busybox sh): mounts,
 *                         loads the modules, runs lkcd save, then the
 *                         configured action
 *   /bin/busybox + links  the shell and tools of /init
 *   /sbin/lkcd            this program and the libraries its ELF header names
 *   /etc/lkcd.conf        the configuration as lkcd validated it, written back
 *                         canonically (lkcd save reads it; /init sources it)
 *   /etc/lkcd/modules     the modules to insmod, dependencies first
 *   /lib/modules/<kver>/  the dump target's drivers and filesystem, resolved
 *                         with their dependencies from modules.dep
 *   /sbin/kexec, /boot/...  only for DUMP_ACTION=kexec / DUMP_FAIL_ACTION=kexec
 *
 * The drivers come from the targets themselves: for DUMPDEV and
 * DUMPDIR_DEVICE (or --target) the sysfs path of the block device is walked
 * up and every driver's module taken.  When no target can be examined
 * (building on a host for another kernel) and no module is named
 * (--add-module, CAPTURE_MODULES), a generic storage set is used.
 *
 * A stamp next to the output (OUTPUT.stamp) holds a hash of every input;
 * with --if-stale (what lkcd config uses) nothing is rebuilt while it
 * matches, so a new kernel, config, target or lkcd rebuilds it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "initrd.h"
#include "lkcd.h"

#define MAX_MODULES	256

/* Storage drivers for when no target can be examined (host builds). */
static const char *const generic_modules[] = {
	"virtio_pci", "virtio_blk", "virtio_scsi", "nvme", "ahci", "sd_mod",
	"usb_storage", "uas", "xhci_pci", "ehci_pci", NULL,
};
/* busybox applets /init uses, when busybox cannot list its own */
static const char *const needed_applets[] = {
	"sh", "mount", "umount", "mkdir", "sleep", "cat", "echo", "insmod", "reboot",
	"poweroff", "findfs", "sync", "grep", "sed", "ls", "setsid", "cttyhack", "dmesg",
	"test", "[", "mknod", "readlink", NULL,
};

struct build {
	struct initrd_entry *ents;
	size_t n, cap;
	char kver[128];
	char moddir[PATH_MAX];
	/* modules: names asked for, and the resolved paths in load order */
	char *want[MAX_MODULES];
	bool want_required[MAX_MODULES];
	const char *want_why[MAX_MODULES];
	size_t nwant;
	char *order[MAX_MODULES];
	size_t norder;
	char *skipped;			/* generic modules this kernel lacks, for the report */
	bool need_lvm;			/* a target is an LVM volume: /init runs lvm */
	int failed;
};

/* ---- the entry list ---- */

static struct initrd_entry *find_entry(struct build *b, const char *path)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->ents[i].path, path))
			return &b->ents[i];
	return NULL;
}

/* Add an entry; a second one for the same path is dropped (returns 1). */
static int add_entry(struct build *b, const struct initrd_entry *e)
{
	struct initrd_entry *n;
	const char *p = e->path;

	while (*p == '/')
		p++;
	if (find_entry(b, p))
		return 1;
	/* parents first (sorting puts them before their children) */
	for (const char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", (int)(s - p), p);
		if (!find_entry(b, dir)) {
			struct initrd_entry d = { .path = dir, .type = 'd', .mode = 0755 };

			if (add_entry(b, &d) < 0)
				return -ENOMEM;
		}
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;

		n = realloc(b->ents, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->ents = n;
		b->cap = cap;
	}
	n = &b->ents[b->n];
	*n = *e;
	n->path = strdup(p);
	n->src = e->src ? strdup(e->src) : NULL;
	n->link = e->link ? strdup(e->link) : NULL;
	if (e->data) {
		n->data = malloc(e->size ? e->size : 1);
		if (n->data)
			memcpy(n->data, e->data, e->size);
	}
	if (!n->path || (e->src && !n->src) || (e->link && !n->link) || (e->data && !n->data))
		return -ENOMEM;
	b->n++;
	return 0;
}

static int add_dir(struct build *b, const char *path)
{
	struct initrd_entry e = { .path = (char *)path, .type = 'd', .mode = 0755 };

	return add_entry(b, &e) < 0 ? -1 : 0;
}

/* A host file at dest; its size is taken now. */
static int add_file(struct build *b, const char *src, const char *dest, unsigned int mode,
		    const char *why)
{
	struct initrd_entry e = { .path = (char *)dest, .type = 'f', .mode = mode,
				  .src = (char *)src, .why = why };
	struct stat st;

	if (stat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
		errmsg("mkinitrd: %s (%s): %s", src, why, errno ? strerror(errno) : "not a file");
		b->failed = 1;
		return -1;
	}
	e.size = (uint64_t)st.st_size;
	return add_entry(b, &e) < 0 ? -1 : 0;
}

static int add_text(struct build *b, const char *dest, unsigned int mode, const char *text,
		    size_t len, const char *why)
{
	struct initrd_entry e = { .path = (char *)dest, .type = 'f', .mode = mode,
				  .data = (void *)text, .size = len, .why = why };

	return add_entry(b, &e) < 0 ? -1 : 0;
}

static int add_link(struct build *b, const char *dest, const char *target)
{
	struct initrd_entry e = { .path = (char *)dest, .type = 'l', .mode = 0777,
				  .link = (char *)target };

	return add_entry(b, &e) < 0 ? -1 : 0;
}

static int add_chardev(struct build *b, const char *dest, unsigned int maj, unsigned int min)
{
	struct initrd_entry e = { .path = (char *)dest, .type = 'c', .mode = 0600,
				  .rdev = makedev(maj, min) };

	return add_entry(b, &e) < 0 ? -1 : 0;
}

/* initrd_elf_deps callback: each library at its own path (a copy, not a link). */
static int add_lib(void *ctx, const char *path)
{
	struct build *b = ctx;

	if (find_entry(b, path + 1))
		return 1;
	return add_file(b, path, path, 0755, "library") ? -1 : 0;
}

static int add_program(struct build *b, const char *src, const char *dest, const char *why)
{
	char msg[512];

	if (add_file(b, src, dest, 0755, why) < 0)
		return -1;
	if (initrd_elf_deps(src, "", add_lib, b, msg, sizeof(msg)) < 0) {
		errmsg("mkinitrd: %s", msg);
		b->failed = 1;
		return -1;
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct initrd_entry *)a)->path,
		      ((const struct initrd_entry *)b)->path);
}

static void free_build(struct build *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->ents[i].path);
		free(b->ents[i].src);
		free(b->ents[i].data);
		free(b->ents[i].link);
	}
	free(b->ents);
	for (size_t i = 0; i < b->nwant; i++)
		free(b->want[i]);
	for (size_t i = 0; i < b->norder; i++)
		free(b->order[i]);
	free(b->skipped);
}

/* ---- kernel modules ---- */

/* Module name as modprobe compares it: basename, no .ko*, '-' as '_'. */
static void module_name(const char *s, char *out, size_t len)
{
	const char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
	size_t i;

	for (i = 0; base[i] && i + 1 < len; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[i] = '\0';
	if (strstr(out, ".ko"))
		*strstr(out, ".ko") = '\0';
}

static void want_module(struct build *b, const char *name, bool required, const char *why)
{
	char n[128];

	module_name(name, n, sizeof(n));
	if (!n[0])
		return;
	for (size_t i = 0; i < b->nwant; i++)
		if (!strcmp(b->want[i], n)) {
			b->want_required[i] |= required;
			return;
		}
	if (b->nwant < MAX_MODULES) {
		b->want_required[b->nwant] = required;
		b->want_why[b->nwant] = why;
		b->want[b->nwant++] = strdup(n);
	}
}

struct moddep {
	char *text;		/* modules.dep, lines split in place */
	char **line;		/* "path: dep dep" per module */
	size_t n;
	char *builtin;		/* modules.builtin */
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, r;

	if (!f)
		return NULL;
	do {
		if (len + 65536 + 1 > cap) {
			char *g = realloc(buf, cap = cap * 2 + 65536 + 1);

			if (!g) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = g;
		}
		r = fread(buf + len, 1, cap - len - 1, f);
		len += r;
	} while (r > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* The modules.dep line of module name, or NULL. */
static char *dep_line(const struct moddep *md, const char *name)
{
	char n[128];

	for (size_t i = 0; i < md->n; i++) {
		const char *colon = strchr(md->line[i], ':');
		char path[PATH_MAX];

		if (!colon)
			continue;
		snprintf(path, sizeof(path), "%.*s", (int)(colon - md->line[i]), md->line[i]);
		module_name(path, n, sizeof(n));
		if (!strcmp(n, name))
			return md->line[i];
	}
	return NULL;
}

static bool is_builtin(const struct moddep *md, const char *name)
{
	char n[128], *s, *save = NULL, *copy;
	bool found = false;

	if (!md->builtin)
		return false;
	copy = strdup(md->builtin);
	for (s = copy ? strtok_r(copy, "\n", &save) : NULL; s && !found; s = strtok_r(NULL, "\n", &save)) {
		module_name(s, n, sizeof(n));
		found = !strcmp(n, name);
	}
	free(copy);
	return found;
}

/* Depth-first: the dependencies of path, then path. */
static int order_module(struct build *b, const struct moddep *md, const char *path, int depth)
{
	char n[128], line[8192], *deps, *tok, *save = NULL;
	const char *l;

	for (size_t i = 0; i < b->norder; i++)
		if (!strcmp(b->order[i], path))
			return 0;
	if (depth > 32 || b->norder >= MAX_MODULES) {
		errmsg("mkinitrd: module dependencies of %s too deep or too many", path);
		return -1;
	}
	module_name(path, n, sizeof(n));
	l = dep_line(md, n);
	if (l) {
		snprintf(line, sizeof(line), "%s", l);
		deps = strchr(line, ':') + 1;
		/* modules.dep lists the deepest dependency last: load it first */
		char *list[64];
		int nl = 0;

		for (tok = strtok_r(deps, " \t", &save); tok && nl < 64; tok = strtok_r(NULL, " \t", &save))
			list[nl++] = tok;
		for (int i = nl - 1; i >= 0; i--)
			if (order_module(b, md, list[i], depth + 1) < 0)
				return -1;
	}
	b->order[b->norder] = strdup(path);
	return b->order[b->norder++] ? 0 : -1;
}

static int resolve_modules(struct build *b)
{
	struct moddep md = { 0 };
	char path[PATH_MAX + 32], *s, *save = NULL;
	size_t cap = 0;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/modules.dep", b->moddir);
	md.text = slurp(path);
	if (!md.text) {
		errmsg("mkinitrd: %s: %s (give the module tree with --moddir)", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/modules.builtin", b->moddir);
	md.builtin = slurp(path);
	for (s = strtok_r(md.text, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		if (md.n == cap) {
			char **g = realloc(md.line, (cap = cap * 2 + 1024) * sizeof(*g));

			if (!g) {
				ret = -1;
				goto out;
			}
			md.line = g;
		}
		md.line[md.n++] = s;
	}
	for (size_t i = 0; i < b->nwant; i++) {
		char *l = dep_line(&md, b->want[i]);

		if (l) {
			*strchr(l, ':') = '\0';
			snprintf(path, sizeof(path), "%s", l);
			*strchr(l, '\0') = ':';
			if (order_module(b, &md, path, 0) < 0) {
				ret = -1;
				goto out;
			}
		} else if (is_builtin(&md, b->want[i])) {
			continue;	/* nothing to load */
		} else if (b->want_required[i]) {
			errmsg("mkinitrd: module %s (%s) is neither in %s/modules.dep nor built in",
			       b->want[i], b->want_why[i], b->moddir);
			ret = -1;
		} else {
			size_t old = b->skipped ? strlen(b->skipped) : 0;
			char *g = realloc(b->skipped, old + strlen(b->want[i]) + 2);

			if (g) {
				sprintf(g + old, "%s%s", old ? " " : "", b->want[i]);
				b->skipped = g;
			}
		}
	}
out:
	free(md.line);
	free(md.text);
	free(md.builtin);
	return ret;
}

/*
 * The drivers of a block device, from its sysfs directory: walk the path
 * up, taking the module of every driver on the way (virtio_blk, then
 * virtio_pci; sd_mod, then ahci or usb_storage ...).  Built-in drivers have
 * no module link.  A device-mapper device (LVM) has no driver of its own:
 * dm_mod, then the drivers of every device under it (slaves/), and for an
 * LVM volume the lvm tool /init activates it with.
 */
static int sysfs_modules(struct build *b, const char *dir, const char *dev, int depth)
{
	char real[PATH_MAX], link[PATH_MAX], sysdevices[PATH_MAX], p[PATH_MAX + 32];
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (depth > 8 || !realpath(dir, real))
		return -1;
	snprintf(p, sizeof(p), "%s/dm/uuid", real);
	if (read_text(p, link, sizeof(link)) == 0) {
		want_module(b, "dm_mod", true, dev);
		if (!strncmp(link, "LVM-", 4))
			b->need_lvm = true;
		found++;
	}
	snprintf(p, sizeof(p), "%s/slaves", real);
	d = opendir(p);
	while (d && (de = readdir(d))) {
		char slave[PATH_MAX + 300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(slave, sizeof(slave), "%s/slaves/%s", real, de->d_name);
		if (sysfs_modules(b, slave, dev, depth + 1) > 0)
			found++;
	}
	if (d)
		closedir(d);
	snprintf(sysdevices, sizeof(sysdevices), "%s", sys_path("/sys/devices"));
	while (strlen(real) > strlen(sysdevices)) {
		ssize_t n;

		snprintf(p, sizeof(p), "%s/driver/module", real);
		n = readlink(p, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			want_module(b, link, true, dev);
			found++;
		}
		*strrchr(real, '/') = '\0';
	}
	return found;
}

static int target_modules(struct build *b, const char *dev)
{
	char syspath[PATH_MAX];
	struct stat st;

	if (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode))
		return -1;
	snprintf(syspath, sizeof(syspath), "%s/%u:%u", sys_path("/sys/dev/block"),
		 major(st.st_rdev), minor(st.st_rdev));
	return sysfs_modules(b, syspath, dev, 0);
}

/* UUID=, LABEL= or a path, as the running system names it (udev links). */
static void device_path(const char *spec, char *out, size_t len)
{
	int n;

	if (!strncmp(spec, "UUID=", 5))
		n = snprintf(out, len, "/dev/disk/by-uuid/%s", spec + 5);
	else if (!strncmp(spec, "LABEL=", 6))
		n = snprintf(out, len, "/dev/disk/by-label/%s", spec + 6);
	else
		n = snprintf(out, len, "%s", spec);
	if (n < 0 || (size_t)n >= len)
		out[0] = '\0';		/* too long to be a device: none */
}

/* The filesystem type DUMPDIR is mounted with now, from /proc/mounts. */
static void mounted_fstype(const char *dir, char *out, size_t len)
{
	char line[4096], mnt[PATH_MAX], type[64];
	FILE *f = fopen(sys_path("/proc/mounts"), "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %4095s %63s", mnt, type) == 2 && !strcmp(mnt, dir))
			snprintf(out, len, "%s", type);
	fclose(f);
}

/* Append s and a newline to the malloc'ed *buf; 0, or -1 (no message) on ENOMEM. */
static int append_line(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);
	char *g = realloc(*buf, *len + n + 2);

	if (!g)
		return -1;
	memcpy(g + *len, s, n);
	g[*len + n] = '\n';
	g[*len + n + 1] = '\0';
	*buf = g;
	*len += n + 1;
	return 0;
}

/* ---- the stamp: FNV-1a over every entry and its content ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;

	while (n--)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h;
}

static uint64_t stamp_of(const struct build *b, const char *extra)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char buf[65536];

	h = fnv(h, extra, strlen(extra) + 1);
	for (size_t i = 0; i < b->n; i++) {
		const struct initrd_entry *e = &b->ents[i];

		h = fnv(h, e->path, strlen(e->path) + 1);
		h = fnv(h, &e->type, 1);
		h = fnv(h, &e->mode, sizeof(e->mode));
		if (e->link)
			h = fnv(h, e->link, strlen(e->link) + 1);
		if (e->type == 'c')
			h = fnv(h, &e->rdev, sizeof(e->rdev));
		if (e->data)
			h = fnv(h, e->data, e->size);
		if (e->src) {
			int fd = open(e->src, O_RDONLY | O_CLOEXEC);
			ssize_t n;

			while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
				h = fnv(h, buf, (size_t)n);
			if (fd >= 0)
				close(fd);
		}
	}
	return h;
}

/* ---- options ---- */

struct opts {
	const char *kver, *moddir, *output, *init, *busybox, *lkcd_bin;
	const char *targets[8];
	int ntargets;
	const char *modules[32];
	int nmodules;
	const char *includes[16];
	int nincludes;
	const char *fstype;
	enum initrd_compress comp;
	bool list, if_stale, quiet, generic;
};

static void mkinitrd_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options]\n"
		"\n"
		"Build the capture kernel's initramfs: busybox, lkcd, the configuration, and\n"
		"the kernel modules the dump target needs (from modules.dep), nothing else.\n"
		"\n"
		"  -k, --kver VER         kernel release (default: the running one)\n"
		"  -m, --moddir DIR       its module tree (default /lib/modules/VER)\n"
		"  -o, --output FILE      (default KEXEC_INITRD, else\n"
		"                         /var/lib/lkcd/capture-initrd-VER.img)\n"
		"  -t, --target DEV       a block device whose drivers to include (repeatable;\n"
		"                         default DUMPDEV and DUMPDIR_DEVICE)\n"
		"  -a, --add-module NAME  one more module (repeatable; also CAPTURE_MODULES)\n"
		"  -f, --fstype TYPE      DUMPDIR's filesystem (default DUMPDIR_FSTYPE, else as\n"
		"                         mounted now)\n"
		"  -g, --generic          the generic storage drivers (virtio, nvme, ahci,\n"
		"                         sd_mod, usb-storage), as when no target can be seen\n"
		"  -Z, --compress ALG     gzip (default), xz, zstd or none\n"
		"  -i, --include SRC[:DEST]  add a file (a hook in /etc/lkcd/hooks/, ...)\n"
		"      --init FILE        the /init template (default lkcd-utils/capture-init)\n"
		"      --busybox FILE     (default /bin/busybox; a static one)\n"
		"      --lkcd FILE        the lkcd program to include (default this one)\n"
		"  -s, --if-stale         rebuild only when an input changed (OUTPUT.stamp)\n"
		"  -l, --list             print the contents and sizes\n"
		"  -q, --quiet            print nothing but errors\n"
		"  -c, --config FILE      configuration file (default %s)\n"
		"  -h, --help             show this help\n"
		"\n"
		"Exit: 0 built (or up to date), 1 failure.\n", prog, cmd, LKCD_CONF_PATH);
}

static const char *find_init_template(char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;
	const char *env = getenv("LKCD_DATADIR");
	ssize_t n;

	if (env) {
		snprintf(buf, len, "%s/capture-init", env);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* build tree: build/bin/lkcd -> lkcd-utils/ */
			if (snprintf(buf, len, "%s/../../lkcd-utils/capture-init", exe) < (int)len &&
			    access(buf, R_OK) == 0)
				return buf;
			/* installed: /usr/sbin/lkcd -> /usr/share/lkcd/ */
			if (snprintf(buf, len, "%s/../share/lkcd/capture-init", exe) < (int)len &&
			    access(buf, R_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, len, "/usr/share/lkcd/capture-init");
	return access(buf, R_OK) == 0 ? buf : NULL;
}

static bool action_is_kexec(const struct lkcd_conf *c)
{
	return c->dump_action == LKCD_ACTION_KEXEC || c->fail_action == LKCD_ACTION_KEXEC;
}

/* The first of dirs/name that is a program, into out; 0 or -1. */
static int find_program(const char *name, char *out, size_t len)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin", NULL };

	for (int i = 0; dirs[i]; i++)
		if ((size_t)snprintf(out, len, "%s/%s", dirs[i], name) < len &&
		    access(out, X_OK) == 0)
			return 0;
	return -1;
}

/*
 * DUMP_SSH_KEY in dropbear's form (dbclient reads no OpenSSH key), by
 * dropbearconvert; malloc'ed (*len bytes), NULL after saying why.
 */
static char *dropbear_key(const char *key, size_t *len)
{
	char conv[PATH_MAX], tmp[] = "/tmp/lkcd-key-XXXXXX", *buf = NULL;
	int fd, status;
	struct stat st;
	pid_t pid;

	if (find_program("dropbearconvert", conv, sizeof(conv)) < 0) {
		errmsg("mkinitrd: DUMP_SSH: no dropbearconvert (Debian: dropbear-bin) to give "
		       "dbclient the key %s", key);
		return NULL;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		errmsg("mkinitrd: %s: %s", tmp, strerror(errno));
		return NULL;
	}
	close(fd);
	unlink(tmp);		/* dropbearconvert will not write over a file */
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 1);
		execl(conv, "dropbearconvert", "openssh", "dropbear", key, tmp, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || stat(tmp, &st) < 0) {
		errmsg("mkinitrd: DUMP_SSH_KEY %s: dropbearconvert could not read it (an OpenSSH "
		       "private key without a passphrase is needed; lkcd propagate makes one)", key);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0 || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		errmsg("mkinitrd: reading the converted key: %s", strerror(errno ? errno : EIO));
		free(buf);
		buf = NULL;
	}
	if (fd >= 0)
		close(fd);
	*len = (size_t)st.st_size;
out:
	unlink(tmp);
	return buf;
}

static const char root_passwd[] = "root:x:0:0:root:/root:/bin/sh\n";

/*
 * The network target: the NIC's drivers and the address configuration
 * (initrd_net.c found what; this adds it); DUMP_SSH: dbclient, the key,
 * the host key; DUMP_NFS: the kernel's NFS client (the modules and their
 * dependencies from this kernel's modules.dep: nothing in userspace, the
 * mount is lkcd's own mount(2)).
 */
static int collect_net(struct build *b, const struct initrd_net *net)
{
	const struct lkcd_conf *conf = net->conf;	/* not the capture's copy */
	const char *var = conf->nfs[0] ? "DUMP_NFS" : "DUMP_SSH";
	char path[PATH_MAX], text[1024], why[512], *hosts, *key;
	size_t klen = 0;
	int ret;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", net->ifname);
	if (sysfs_modules(b, sys_path(path), "the network target's interface", 0) < 0) {
		errmsg("mkinitrd: %s: the route to %s is on %s, which has no device in "
		       "sysfs (a bridge, bond or VLAN: not carried yet)", var, net->ip,
		       net->ifname);
		return -1;
	}
	if (conf->nfs[0]) {
		want_module(b, "nfs", true, "DUMP_NFS");
		want_module(b, lkcd_conf_nfs_v4(conf) ? "nfsv4" : "nfsv3", true, "DUMP_NFS");
		goto address;
	}
	if (find_program("dbclient", path, sizeof(path)) < 0) {
		errmsg("mkinitrd: DUMP_SSH: no dbclient (Debian: dropbear-bin), the SSH client "
		       "the capture initramfs carries");
		return -1;
	}
	if (add_program(b, path, "bin/dbclient", "the SSH client (DUMP_SSH)") < 0)
		return -1;
	key = dropbear_key(conf->ssh_key, &klen);
	if (!key)
		return -1;
	ret = add_text(b, "etc/lkcd/id_lkcd", 0600, key, klen, "DUMP_SSH_KEY, dropbear's form");
	free(key);
	if (ret < 0)
		return -1;
	hosts = initrd_net_known_hosts(conf, net, why, sizeof(why));
	if (!hosts) {
		errmsg("mkinitrd: DUMP_SSH: %s", why);
		return -1;
	}
	ret = add_text(b, "etc/lkcd/dbclient/.ssh/known_hosts", 0644, hosts, strlen(hosts),
		       "the server's host key, for dbclient");
	free(hosts);
	/* dbclient looks its own user up */
	if (ret == 0)
		ret = add_text(b, "etc/passwd", 0644, root_passwd, sizeof(root_passwd) - 1,
			       "root, for dbclient");
	if (ret < 0)
		return -1;
address:
	if (add_text(b, "etc/lkcd/udhcpc.script", 0755, initrd_net_udhcpc_script,
		     strlen(initrd_net_udhcpc_script), "DHCP lease -> address") < 0)
		return -1;
	snprintf(text, sizeof(text), "NET_MAC='%s'\nNET_ADDRESS='%s'\nNET_IP='%s'\nNET_GW='%s'\n",
		 net->mac, net->dhcp ? "dhcp" : "static", net->address, net->gw);
	return add_text(b, "etc/lkcd/net", 0644, text, strlen(text),
			"the interface (by MAC) and its address configuration") < 0 ? -1 : 0;
}

/* Gather everything into b. */
static int collect(struct build *b, const struct lkcd_conf *conf, const struct opts *o,
		   const struct dumpdir_target *t, const struct initrd_net *net,
		   const char *conf_text, size_t conf_len)
{
	char path[PATH_MAX], line[PATH_MAX + 64], tmpl[PATH_MAX], fstype[64];
	const char *init;
	bool saw_target = false;
	char *mods = NULL;
	size_t modlen = 0;

	/* the skeleton: the console must exist before devtmpfs is mounted */
	for (const char *const *d = (const char *const[]){ "dev", "proc", "sys", "tmp", "run",
			"mnt", "etc/lkcd/hooks", "root", NULL }; *d; d++)
		if (add_dir(b, *d) < 0)
			return -1;
	if (add_chardev(b, "dev/console", 5, 1) < 0 || add_chardev(b, "dev/null", 1, 3) < 0 ||
	    add_chardev(b, "dev/kmsg", 1, 11) < 0)
		return -1;

	/* /init */
	init = o->init ? o->init : find_init_template(tmpl, sizeof(tmpl));
	if (!init) {
		errmsg("mkinitrd: no capture-init template (lkcd-utils/capture-init); give --init");
		return -1;
	}
	if (add_file(b, init, "init", 0755, "the capture environment's /init") < 0)
		return -1;

	/* busybox and its applets */
	if (add_program(b, o->busybox, "bin/busybox", "shell and tools") < 0)
		return -1;
	{
		char cmd[PATH_MAX + 32], app[128];
		FILE *p;
		int n = 0;

		snprintf(cmd, sizeof(cmd), "'%s' --list 2>/dev/null", o->busybox);
		p = popen(cmd, "r");
		while (p && fgets(app, sizeof(app), p)) {
			app[strcspn(app, "\n")] = '\0';
			if (!app[0] || strchr(app, '/') || !strcmp(app, "busybox"))
				continue;
			snprintf(line, sizeof(line), "bin/%s", app);
			if (add_link(b, line, "busybox") < 0)
				return -1;
			n++;
		}
		if (p)
			pclose(p);
		for (int i = 0; !n && needed_applets[i]; i++) {
			snprintf(line, sizeof(line), "bin/%s", needed_applets[i]);
			if (add_link(b, line, "busybox") < 0)
				return -1;
		}
	}
	if (add_link(b, "sbin", "bin") < 0)
		return -1;
	/* lkcd itself */
	if (add_program(b, o->lkcd_bin, "bin/lkcd", "saves the dump") < 0)
		return -1;

	/* the configuration, as lkcd save and /init read it */
	if (add_text(b, "etc/lkcd.conf", 0644, conf_text, conf_len, "the configuration") < 0)
		return -1;

	/* what the targets need */
	for (int i = 0; i < o->ntargets; i++) {
		if (target_modules(b, o->targets[i]) < 0) {
			errmsg("mkinitrd: --target %s: not a block device whose drivers can be read from sysfs",
			       o->targets[i]);
			return -1;
		}
		saw_target = true;
	}
	if (!o->ntargets) {
		if (conf->dumpdev[0] && target_modules(b, conf->dumpdev) >= 0)
			saw_target = true;
		if (t->automatic) {
			if (target_modules(b, t->node) < 0) {
				errmsg("mkinitrd: DUMPDIR's filesystem %s (%s): its drivers cannot be "
				       "read from sysfs", t->device, t->node);
				return -1;
			}
			saw_target = true;
		} else if (conf->dumpdir_device[0]) {
			device_path(conf->dumpdir_device, path, sizeof(path));
			if (target_modules(b, path) >= 0)
				saw_target = true;
		}
	}
	/*
	 * A network target's driver comes from the route (collect_net); without
	 * the fallback nothing local is written, so no storage driver either.
	 * With it, DUMPDIR_DEVICE (LABEL=, UUID=) may not be found here: then
	 * the generic set, as without a network target.
	 */
	if (net && !conf->net_fallback)
		saw_target = true;
	/* generic drivers only when nothing says what the target needs */
	if ((!saw_target && !o->nmodules && !conf->capture_modules[0]) || o->generic)
		for (int i = 0; generic_modules[i]; i++)
			want_module(b, generic_modules[i], false, "generic storage");
	if (conf->capture_modules[0]) {
		char copy[LKCD_CONF_STR], *tok, *save = NULL;

		snprintf(copy, sizeof(copy), "%s", conf->capture_modules);
		for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			want_module(b, tok, true, "CAPTURE_MODULES");
	}
	for (int i = 0; i < o->nmodules; i++)
		want_module(b, o->modules[i], true, "--add-module");
	if (net && collect_net(b, net) < 0)
		return -1;
	/* DUMPDIR's filesystem, when the capture mounts it */
	snprintf(fstype, sizeof(fstype), "%s", o->fstype ? o->fstype : conf->dumpdir_fstype);
	if (!fstype[0] && conf->dumpdir_device[0])
		mounted_fstype(conf->dumpdir, fstype, sizeof(fstype));
	if (fstype[0] && !conf->dumpdev[0])
		want_module(b, fstype, true, "DUMPDIR's filesystem");
	if (resolve_modules(b) < 0)
		return -1;
	for (size_t i = 0; i < b->norder; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", b->moddir, b->order[i]) >= (int)sizeof(path) ||
		    snprintf(line, sizeof(line), "lib/modules/%s/%s", b->kver, b->order[i]) >= (int)sizeof(line)) {
			errmsg("mkinitrd: module path too long: %s", b->order[i]);
			free(mods);
			return -1;
		}
		if (add_file(b, path, line, 0644, "kernel module") < 0) {
			free(mods);
			return -1;
		}
		if (append_line(&mods, &modlen, b->order[i]) < 0) {
			errmsg("mkinitrd: out of memory listing the modules");
			free(mods);
			return -1;
		}
	}
	if (add_text(b, "etc/lkcd/modules", 0644, mods ? mods : "", modlen,
		     "modules /init loads, in order") < 0) {
		free(mods);
		return -1;
	}
	free(mods);
	snprintf(line, sizeof(line), "%s\n", b->kver);
	if (add_text(b, "etc/lkcd/kver", 0644, line, strlen(line), "kernel release") < 0)
		return -1;
	if (b->need_lvm) {
		const char *lvm = access("/usr/sbin/lvm", X_OK) == 0 ? "/usr/sbin/lvm" : "/sbin/lvm";

		if (add_program(b, lvm, "bin/lvm", "activates the LVM volume of the target") < 0)
			return -1;
	}
	/* DUMPDIR's place inside the filesystem /init mounts (found, not configured) */
	if (t->automatic) {
		char q[2 * PATH_MAX + 3];

		if (lkcd_conf_quote(t->subdir, q, sizeof(q)) < 0 ||
		    (size_t)snprintf(path, sizeof(path), "DUMPDIR_SUBDIR=%s\n", q) >= sizeof(path)) {
			errmsg("mkinitrd: DUMPDIR %s: path too long", conf->dumpdir);
			return -1;
		}
		if (add_text(b, "etc/lkcd/target", 0644, path, strlen(path),
			     "DUMPDIR inside its filesystem") < 0)
			return -1;
	}

	/* kexec back into the production kernel */
	if (action_is_kexec(conf)) {
		char cmdline[4096], kernel[PATH_MAX], initrd[PATH_MAX];
		static const char *const drop[] = { "crashdump", NULL };
		char kept[4096];

		if (add_program(b, "/sbin/kexec", "bin/kexec", "DUMP_ACTION=kexec") < 0)
			return -1;
		if (conf->kexec_kernel[0])
			snprintf(kernel, sizeof(kernel), "%s", conf->kexec_kernel);
		else
			snprintf(kernel, sizeof(kernel), "/boot/vmlinuz-%s", b->kver);
		if (add_file(b, kernel, "boot/vmlinuz", 0644, "the production kernel") < 0)
			return -1;
		if (conf->production_initrd[0]) {
			if (add_file(b, conf->production_initrd, "boot/initrd.img", 0644,
				     "the production initrd (PRODUCTION_INITRD)") < 0)
				return -1;
		} else {
			snprintf(initrd, sizeof(initrd), "/boot/initrd.img-%s", b->kver);
			if (access(initrd, R_OK) == 0 &&
			    add_file(b, initrd, "boot/initrd.img", 0644, "the production initrd") < 0)
				return -1;
		}
		if (read_text(sys_path("/proc/cmdline"), cmdline, sizeof(cmdline)) < 0 ||
		    cmdline_filter(cmdline, drop, kept, sizeof(kept)) < 0)
			kept[0] = '\0';
		if ((size_t)snprintf(cmdline, sizeof(cmdline), "%s\n", kept) >= sizeof(cmdline)) {
			errmsg("mkinitrd: the production kernel's command line is longer than %zu bytes",
			       sizeof(cmdline) - 2);
			return -1;
		}
		if (add_text(b, "etc/lkcd/kexec-cmdline", 0644, cmdline, strlen(cmdline),
			     "the production kernel's command line") < 0)
			return -1;
	}

	/* extra files */
	for (int i = 0; i < o->nincludes; i++) {
		char src[PATH_MAX], *colon;

		snprintf(src, sizeof(src), "%s", o->includes[i]);
		colon = strchr(src, ':');
		if (colon)
			*colon++ = '\0';
		if (add_program(b, src, colon ? colon : src, "--include") < 0)
			return -1;
	}
	return b->failed ? -1 : 0;
}

static int parse_compress(const char *s, enum initrd_compress *c)
{
	if (!strcmp(s, "gzip"))
		*c = INITRD_GZIP;
	else if (!strcmp(s, "xz"))
		*c = INITRD_XZ;
	else if (!strcmp(s, "zstd"))
		*c = INITRD_ZSTD;
	else if (!strcmp(s, "none"))
		*c = INITRD_NONE;
	else
		return -1;
	return 0;
}

static void print_list(const struct build *b, FILE *out)
{
	uint64_t total = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct initrd_entry *e = &b->ents[i];

		if (e->type == 'f') {
			fprintf(out, "%10llu  /%s%s%s\n", (unsigned long long)e->size, e->path,
				e->why ? "   " : "", e->why ? e->why : "");
			total += e->size;
		} else if (e->type == 'l') {
			fprintf(out, "%10s  /%s -> %s\n", "", e->path, e->link);
		} else if (e->type == 'c') {
			fprintf(out, "%10s  /%s (char %u:%u)\n", "", e->path, major(e->rdev),
				minor(e->rdev));
		}
	}
	fprintf(out, "%10llu  total of the files\n", (unsigned long long)total);
}

static int mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0755);
			*p = '/';
		}
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/*
 * Build (or, with o->if_stale, keep) the initramfs.  out (may be NULL) gets
 * the output path.  EXIT_OK or EXIT_FAIL.
 */
static int mkinitrd_build(const struct lkcd_conf *conf, const struct opts *o,
			  char *out, size_t outlen)
{
	struct build b = { 0 };
	struct utsname u;
	struct stat st;
	char output[PATH_MAX], tmp[PATH_MAX + 16], stampfile[PATH_MAX + 16], exe[PATH_MAX];
	char stamp[32], old[64], why[512];
	char *conf_text = NULL;
	size_t conf_len = 0;
	uint64_t h;
	ssize_t n;
	int fd, ret, rc = EXIT_FAIL;
	struct opts oo = *o;
	struct dumpdir_target target;
	struct initrd_net net;
	struct lkcd_conf capture = *conf;

	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	snprintf(b.kver, sizeof(b.kver), "%s", o->kver ? o->kver : u.release);
	if (o->moddir)
		snprintf(b.moddir, sizeof(b.moddir), "%s", o->moddir);
	else
		snprintf(b.moddir, sizeof(b.moddir), "/lib/modules/%s", b.kver);
	if (o->output)
		snprintf(output, sizeof(output), "%s", o->output);
	else if (conf->kexec_initrd[0])
		snprintf(output, sizeof(output), "%s", conf->kexec_initrd);
	else
		snprintf(output, sizeof(output), "/var/lib/lkcd/capture-initrd-%s.img", b.kver);
	if (out)
		snprintf(out, outlen, "%s", output);
	if (!oo.lkcd_bin) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0) {
			errmsg("mkinitrd: cannot find this program (/proc/self/exe): %s", strerror(errno));
			return EXIT_FAIL;
		}
		exe[n] = '\0';
		oo.lkcd_bin = exe;
	}
	/*
	 * With no DUMPDEV and no DUMPDIR_DEVICE, the capture mounts the
	 * filesystem holding DUMPDIR now, by UUID; nowhere to keep the dump
	 * is an error here, not a console line after the crash.
	 */
	memset(&target, 0, sizeof(target));
	if ((!(conf->ssh[0] || conf->nfs[0]) || conf->net_fallback) &&
	    dumpdir_target_find(conf, &target) < 0)
		return EXIT_FAIL;
	/* DUMP_SSH: the route, the interface, its address, found now */
	if (conf->ssh[0]) {
		if (initrd_net_find(conf, conf->ssh_host, &net, why, sizeof(why)) < 0) {
			errmsg("mkinitrd: DUMP_SSH=%s: %s", conf->ssh, why);
			return EXIT_FAIL;
		}
		/* the capture has no DNS, and its key is in dbclient's form */
		snprintf(capture.ssh_host, sizeof(capture.ssh_host), "%s", net.ip);
		if ((size_t)snprintf(capture.ssh, sizeof(capture.ssh), "%s@%s:%s", conf->ssh_user,
				     net.ip, conf->ssh_path) >= sizeof(capture.ssh)) {
			errmsg("mkinitrd: DUMP_SSH=%s: too long with the address", conf->ssh);
			return EXIT_FAIL;
		}
		snprintf(capture.ssh_key, sizeof(capture.ssh_key), "/etc/lkcd/id_lkcd");
		if (!o->quiet)
			printf("DUMP_SSH %s: through %s (%s), address by %s%s%s\n", conf->ssh_host,
			       net.ifname, net.mac, net.dhcp ? "DHCP" : "static ",
			       net.dhcp ? "" : net.address, net.gw[0] ? "" : ", on-link");
	}
	/* DUMP_NFS: the same network; the capture mounts the address */
	if (conf->nfs[0]) {
		if (initrd_net_find(conf, conf->nfs_host, &net, why, sizeof(why)) < 0) {
			errmsg("mkinitrd: DUMP_NFS=%s: %s", conf->nfs, why);
			return EXIT_FAIL;
		}
		snprintf(capture.nfs_host, sizeof(capture.nfs_host), "%s", net.ip);
		if ((size_t)snprintf(capture.nfs, sizeof(capture.nfs), "%s:%s", net.ip,
				     conf->nfs_path) >= sizeof(capture.nfs)) {
			errmsg("mkinitrd: DUMP_NFS=%s: too long with the address", conf->nfs);
			return EXIT_FAIL;
		}
		if (!o->quiet)
			printf("DUMP_NFS %s: through %s (%s), address by %s%s%s\n", conf->nfs_host,
			       net.ifname, net.mac, net.dhcp ? "DHCP" : "static ",
			       net.dhcp ? "" : net.address, net.gw[0] ? "" : ", on-link");
	}
	if (target.automatic) {
		snprintf(capture.dumpdir_device, sizeof(capture.dumpdir_device), "%s", target.device);
		snprintf(capture.dumpdir_fstype, sizeof(capture.dumpdir_fstype), "%.31s", target.fstype);
		if (!o->quiet)
			printf("DUMPDIR %s is on %s (%s, mounted on %s here): the capture mounts it by "
			       "UUID\n", conf->dumpdir, target.device, target.fstype,
			       target.mountpoint);
	}
	/*
	 * Not the file as written: the values lkcd validated, written back in
	 * the canonical form that /init's shell and lkcd save read alike.
	 */
	conf_text = lkcd_conf_format(&capture);
	conf_len = conf_text ? strlen(conf_text) : 0;
	if (!conf_text) {
		errmsg("mkinitrd: out of memory");
		return EXIT_FAIL;
	}
	if (collect(&b, &capture, &oo, &target, conf->ssh[0] || conf->nfs[0] ? &net : NULL,
		    conf_text, conf_len) < 0)
		goto out;
	qsort(b.ents, b.n, sizeof(*b.ents), cmp_entry);

	/* up to date? */
	snprintf(why, sizeof(why), "kver=%s compress=%d", b.kver, (int)o->comp);
	h = stamp_of(&b, why);
	snprintf(stamp, sizeof(stamp), "%016llx", (unsigned long long)h);
	snprintf(stampfile, sizeof(stampfile), "%s.stamp", output);
	if (o->if_stale && stat(output, &st) == 0 &&
	    read_text(stampfile, old, sizeof(old)) == 0 && !strcmp(old, stamp)) {
		if (!o->quiet)
			printf("%s is up to date (%lld bytes)\n", output, (long long)st.st_size);
		if (o->list)
			print_list(&b, stdout);
		rc = EXIT_OK;
		goto out;
	}

	ret = mkdir_parent(output);
	if (ret < 0) {
		errmsg("mkinitrd: cannot create the directory of %s: %s", output, strerror(-ret));
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", output);
	ret = initrd_write_archive(tmp, o->comp, b.ents, b.n, why, sizeof(why));
	if (ret < 0) {
		errmsg("mkinitrd: %s", why);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, output) < 0) {
		errmsg("mkinitrd: %s: %s", output, strerror(errno));
		unlink(tmp);
		goto out;
	}
	fd = open(stampfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, stamp, strlen(stamp)) != (ssize_t)strlen(stamp))
		warnmsg("mkinitrd: %s not written: %s (it will be rebuilt next time)", stampfile,
			strerror(errno));
	if (fd >= 0)
		close(fd);
	if (o->list)
		print_list(&b, stdout);
	if (!o->quiet && stat(output, &st) == 0) {
		printf("%s: %lld bytes (%.1f MiB), %zu entries, %zu modules for %s\n", output,
		       (long long)st.st_size, st.st_size / 1048576.0, b.n, b.norder, b.kver);
		if (b.skipped)
			printf("not in this kernel (skipped): %s\n", b.skipped);
	}
	rc = EXIT_OK;
out:
	free(conf_text);
	free_build(&b);
	return rc;
}

int cmd_mkinitrd(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "kver", required_argument, NULL, 'k' },
		{ "moddir", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "target", required_argument, NULL, 't' },
		{ "add-module", required_argument, NULL, 'a' },
		{ "fstype", required_argument, NULL, 'f' },
		{ "generic", no_argument, NULL, 'g' },
		{ "compress", required_argument, NULL, 'Z' },
		{ "include", required_argument, NULL, 'i' },
		{ "init", required_argument, NULL, 1 },
		{ "busybox", required_argument, NULL, 2 },
		{ "lkcd", required_argument, NULL, 3 },
		{ "if-stale", no_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .busybox = "/bin/busybox", .comp = INITRD_GZIP };
	struct lkcd_conf conf;
	int c, rc;

	while ((c = getopt_long(argc, argv, "k:m:o:t:a:f:gZ:i:slqc:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'k': o.kver = optarg; break;
		case 'm': o.moddir = optarg; break;
		case 'o': o.output = optarg; break;
		case 't':
			if (o.ntargets == 8) {
				errmsg("mkinitrd: at most 8 --target");
				return EXIT_FAIL;
			}
			o.targets[o.ntargets++] = optarg;
			break;
		case 'a':
			if (o.nmodules == 32) {
				errmsg("mkinitrd: at most 32 --add-module");
				return EXIT_FAIL;
			}
			o.modules[o.nmodules++] = optarg;
			break;
		case 'f': o.fstype = optarg; break;
		case 'g': o.generic = true; break;
		case 'Z':
			if (parse_compress(optarg, &o.comp) < 0) {
				errmsg("mkinitrd: --compress %s: expected gzip, xz, zstd or none", optarg);
				return EXIT_FAIL;
			}
			break;
		case 'i':
			if (o.nincludes == 16) {
				errmsg("mkinitrd: at most 16 --include");
				return EXIT_FAIL;
			}
			o.includes[o.nincludes++] = optarg;
			break;
		case 1: o.init = optarg; break;
		case 2: o.busybox = optarg; break;
		case 3: o.lkcd_bin = optarg; break;
		case 's': o.if_stale = true; break;
		case 'l': o.list = true; break;
		case 'q': o.quiet = true; break;
		default:
			if ((rc = cmd_option(c, mkinitrd_usage, argv[0])) >= 0)
				return rc;
		}
	}
	if (cmd_operands(argc, argv, 0) != EXIT_OK)
		return EXIT_FAIL;
	if (load_config(&conf) < 0)
		return EXIT_FAIL;
	return mkinitrd_build(&conf, &o, NULL, 0);
}

int mkinitrd_for_config(const struct lkcd_conf *conf, char *output, size_t len)
{
	struct opts o = { .busybox = "/bin/busybox", .comp = INITRD_GZIP,
			  .if_stale = true };
	struct utsname u;

	if (uname(&u) < 0)
		return EXIT_FAIL;
	if (conf->kexec_initrd[0])
		snprintf(output, len, "%s", conf->kexec_initrd);
	else
		snprintf(output, len, "/var/lib/lkcd/capture-initrd-%s.img", u.release);
	o.output = output;
	return mkinitrd_build(conf, &o, output, len);
}
