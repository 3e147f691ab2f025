// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Where the capture environment saves: the filesystem that holds DUMPDIR in
 * production, found when lkcd config or lkcd mkinitrd runs, so that with the
 * shipped configuration (no DUMPDEV, no DUMPDIR_DEVICE) the dump lands in
 * DUMPDIR on disk, never in the initramfs's RAM.
 *
 * From /proc/self/mountinfo: the mount that holds DUMPDIR (the longest
 * mount point above it, the last one mounted when they are stacked), its
 * type, and DUMPDIR's path inside that filesystem (mountinfo's root field:
 * a btrfs subvolume or a bind mount is not the filesystem's root).  Its
 * UUID from /dev/disk/by-uuid, the link whose device is the mount's (else
 * from the device itself with libblkid), so the capture kernel, whose
 * device names may differ, finds it by UUID.
 */
#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lkcd.h"

/* Filesystems whose contents do not survive a reboot. */
static const char *const volatile_fs[] = { "tmpfs", "ramfs", "rootfs", "devtmpfs", NULL };
/* Filesystems on a local block device the capture environment can mount. */
static const char *const block_fs[] = { "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* mountinfo escapes blanks and backslashes as \ooo */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* Is mnt the path itself or a directory above it? */
static bool holds(const char *mnt, const char *path)
{
	size_t n = strlen(mnt);

	if (!strcmp(mnt, "/"))
		return true;
	return !strncmp(mnt, path, n) && (path[n] == '/' || path[n] == '\0');
}

/*
 * DUMPDIR with symbolic links resolved; a part that does not exist yet
 * (lkcd config creates it) is kept as written.
 */
static int resolve_path(const char *dir, char *out, size_t size)
{
	char head[PATH_MAX], real[PATH_MAX];
	const char *tail = "";
	char *slash;

	snprintf(head, sizeof(head), "%s", dir);
	while (!realpath(head, real)) {
		if (errno != ENOENT)
			return -errno;
		slash = strrchr(head, '/');
		if (!slash || slash == head) {
			snprintf(real, sizeof(real), "/");
			tail = dir + 1;
			break;
		}
		*slash = '\0';
		tail = dir + strlen(head) + 1;
	}
	if ((size_t)snprintf(out, size, "%s%s%s", real, strcmp(real, "/") && *tail ? "/" : "",
			     tail) >= size)
		return -ENAMETOOLONG;
	return 0;
}

struct mount_entry {
	unsigned int major, minor;
	char root[PATH_MAX], mnt[PATH_MAX], type[64], source[PATH_MAX];
};

/* The mount holding path; 0, or -errno (-ENOENT: none). */
static int find_mount(const char *path, struct mount_entry *best)
{
	FILE *f = fopen(sys_path("/proc/self/mountinfo"), "re");
	char line[3 * PATH_MAX];
	size_t best_len = 0;
	bool found = false;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct mount_entry e;
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*u %*u %u:%u %4095s %4095s", &e.major, &e.minor,
				   e.root, e.mnt) != 4 ||
		    sscanf(sep + 3, "%63s %4095s", e.type, e.source) != 2)
			continue;
		unescape(e.root);
		unescape(e.mnt);
		unescape(e.source);
		if (!holds(e.mnt, path) || strlen(e.mnt) < best_len)
			continue;
		best_len = strlen(e.mnt);
		*best = e;
		found = true;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/*
 * The UUID of the block device dev (major:minor), or of the device node
 * source (btrfs reports an anonymous device in mountinfo).  0 or -ENOENT.
 */
static int find_uuid(dev_t dev, const char *source, char *uuid, size_t size, char *node,
		     size_t nsize)
{
	const char *dir = sys_path("/dev/disk/by-uuid");
	struct stat st;
	struct dirent *de;
	DIR *d;
	int ret = -ENOENT;

	if (stat(source, &st) == 0 && S_ISBLK(st.st_mode))
		dev = st.st_rdev;
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		char link[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		if (stat(link, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != dev)
			continue;
		snprintf(uuid, size, "%s", de->d_name);
		snprintf(node, nsize, "%s", link);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

/* No udev link (a system without udev): the UUID from the device itself. */
static int probe_uuid(const char *source, char *uuid, size_t size, char *node, size_t nsize)
{
	blkid_probe pr;
	const char *val;
	struct stat st;
	int ret = -ENOENT;

	if (stat(source, &st) < 0 || !S_ISBLK(st.st_mode))
		return -ENOENT;
	pr = blkid_new_probe_from_filename(source);
	if (!pr)
		return -ENOENT;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID);
	if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "UUID", &val, NULL) == 0 &&
	    *val) {
		snprintf(uuid, size, "%s", val);
		snprintf(node, nsize, "%s", source);
		ret = 0;
	}
	blkid_free_probe(pr);
	return ret;
}

int dumpdir_target_find(const struct lkcd_conf *conf, struct dumpdir_target *t)
{
	char path[PATH_MAX], uuid[256];
	struct mount_entry m;
	const char *rel;
	int ret;

	memset(t, 0, sizeof(*t));
	if (conf->dumpdev[0])
		return 0;	/* the capture writes DUMPDEV; DUMPDIR is the next boot's */
	if (conf->dumpdir_device[0]) {
		/* the admin's choice: that filesystem is mounted on DUMPDIR */
		snprintf(t->device, sizeof(t->device), "%s", conf->dumpdir_device);
		snprintf(t->fstype, sizeof(t->fstype), "%s", conf->dumpdir_fstype);
		return 0;
	}
	ret = resolve_path(conf->dumpdir, path, sizeof(path));
	if (ret == 0)
		ret = find_mount(path, &m);
	if (ret < 0) {
		errmsg("DUMPDIR %s: cannot tell which filesystem holds it (%s: %s): set "
		       "DUMPDIR_DEVICE", conf->dumpdir, sys_path("/proc/self/mountinfo"),
		       strerror(-ret));
		return -1;
	}
	if (in_list(volatile_fs, m.type)) {
		errmsg("DUMPDIR %s is on %s (mounted on %s): a dump saved there is lost at reboot; "
		       "set DUMPDIR to a directory on a disk filesystem, or set DUMPDEV or "
		       "DUMPDIR_DEVICE", conf->dumpdir, m.type, m.mnt);
		return -1;
	}
	if (!in_list(block_fs, m.type)) {
		errmsg("DUMPDIR %s is on %s (%s on %s), which the capture environment cannot mount "
		       "(it mounts ext4, xfs, btrfs or vfat on a local disk): set DUMPDIR_DEVICE "
		       "or DUMPDEV", conf->dumpdir, m.type, m.source, m.mnt);
		return -1;
	}
	if (find_uuid(makedev(m.major, m.minor), m.source, uuid, sizeof(uuid), t->node,
		      sizeof(t->node)) < 0 &&
	    probe_uuid(m.source, uuid, sizeof(uuid), t->node, sizeof(t->node)) < 0) {
		errmsg("DUMPDIR_DEVICE: no UUID found for %s (%s, device %u:%u), the filesystem "
		       "holding DUMPDIR %s: %s has no link to it and libblkid finds none on it; "
		       "set DUMPDIR_DEVICE", m.source, m.type, m.major, m.minor, conf->dumpdir,
		       sys_path("/dev/disk/by-uuid"));
		return -1;
	}
	/* DUMPDIR inside that filesystem: its mount's root, then the rest */
	rel = path + (strcmp(m.mnt, "/") ? strlen(m.mnt) : 0);
	if ((size_t)snprintf(t->subdir, sizeof(t->subdir), "%s%s",
			     strcmp(m.root, "/") ? m.root : "", rel) >= sizeof(t->subdir)) {
		errmsg("DUMPDIR %s: path too long", conf->dumpdir);
		return -1;
	}
	if (!t->subdir[0])
		snprintf(t->subdir, sizeof(t->subdir), "/");
	snprintf(t->device, sizeof(t->device), "UUID=%s", uuid);
	snprintf(t->fstype, sizeof(t->fstype), "%s", m.type);
	snprintf(t->mountpoint, sizeof(t->mountpoint), "%s", m.mnt);
	t->automatic = true;
	return 0;
}
