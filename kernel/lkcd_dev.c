// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/lkcd: the held live snapshot, read like physical memory (file offset
 * == physical address; only the snapshot's header page and storage blocks
 * are there, any other page reads as EIO), and the ioctls that take,
 * describe and release snapshots (include/lkcd/snapshot.h).
 *
 * Root only: the node is 0600 and every open needs CAP_SYS_ADMIN, since a
 * snapshot holds what /proc/kcore would show.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/security.h>
#include <linux/uaccess.h>

#include "lkcd.h"

static int lkcd_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	/*
	 * A snapshot taken before lockdown was raised is still kernel memory:
	 * refused as /proc/kcore is.
	 */
	return lkcd_lockdown_check();
}

static ssize_t lkcd_dev_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	size_t done = 0;
	u64 size;
	int ret;

	ret = lkcd_snapshot_size(&size);
	if (ret)
		return ret;
	if (*ppos < 0)
		return -EINVAL;
	while (done < count && (u64)*ppos < size) {
		u64 pos = *ppos;
		u32 off = offset_in_page(pos);
		u32 len = min_t(u64, PAGE_SIZE - off, count - done);

		len = min_t(u64, len, size - pos);
		ret = lkcd_snapshot_read_page(PHYS_PFN(pos), off, buf + done, len);
		if (ret)
			return done ? done : ret;
		done += len;
		*ppos += len;
		if (fatal_signal_pending(current))
			break;
	}
	return done;
}

static loff_t lkcd_dev_llseek(struct file *file, loff_t offset, int whence)
{
	u64 size;
	int ret = lkcd_snapshot_size(&size);

	if (ret)
		return ret;
	return fixed_size_llseek(file, offset, whence, size);
}

/*
 * LKCD_IOC_NOTES: the version and size first; the answer (lengths, CPU
 * count) is copied back on ERANGE too, so a reader can size its buffer.
 */
static long lkcd_dev_notes(struct lkcd_snapshot_notes __user *arg)
{
	struct lkcd_snapshot_notes req;
	int ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.version != LKCD_SNAP_NOTES_VERSION || req.size != sizeof(req)) {
		req.version = LKCD_SNAP_NOTES_VERSION;
		req.size = sizeof(req);
		return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : -EPROTONOSUPPORT;
	}
	ret = lkcd_snapshot_notes(&req);
	if (ret && ret != -ERANGE)
		return ret;
	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

static long lkcd_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct lkcd_snapshot_status st;
	u32 mode;

	switch (cmd) {
	case LKCD_IOC_STATUS:
		lkcd_snapshot_status(&st);
		return copy_to_user((void __user *)arg, &st, sizeof(st)) ? -EFAULT : 0;
	case LKCD_IOC_SNAPSHOT:
		if (get_user(mode, (u32 __user *)arg))
			return -EFAULT;
		return lkcd_snapshot_request(mode, "lkcd snapshot");
	case LKCD_IOC_RELEASE:
		return lkcd_snapshot_release();
	case LKCD_IOC_NOTES:
		return lkcd_dev_notes((struct lkcd_snapshot_notes __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations lkcd_dev_fops = {
	.owner = THIS_MODULE,
	.open = lkcd_dev_open,
	.read = lkcd_dev_read,
	.llseek = lkcd_dev_llseek,
	.unlocked_ioctl = lkcd_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice lkcd_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "lkcd",
	.fops = &lkcd_dev_fops,
	.mode = 0600,
};

int lkcd_dev_init(void)
{
	return misc_register(&lkcd_dev);
}

void lkcd_dev_exit(void)
{
	misc_deregister(&lkcd_dev);
}
