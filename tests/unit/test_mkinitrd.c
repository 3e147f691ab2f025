// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd mkinitrd end to end over a fake module tree: what goes in the
 * archive (and nothing else), module load order from modules.dep, built-in
 * and missing modules, a dependency loop, the stamp (--if-stale rebuilds
 * when the config or a module changes), compressions, DUMP_ACTION=kexec's
 * extra files.  The archive is read back with cpio(1), not with our code.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runcmd.h"
#include "unit.h"

#ifndef LKCD_BIN
#define LKCD_BIN "build/bin/lkcd"
#endif

static char work[64];
static char moddir[128], conf[128], tmpl[128], img[128], sysroot[128];



/*
 * The fake tree: a_mod needs b_mod and c-mod (c-mod needs b_mod); x is
 * built in; loop1 and loop2 need each other.
 */
static int suite_init(void)
{
	char p[256];

	if (access(LKCD_BIN, X_OK) != 0 || access("/bin/busybox", X_OK) != 0) {
		fprintf(stderr, "needs %s and /bin/busybox\n", LKCD_BIN);
		return -1;
	}
	strcpy(work, "/tmp/lkcd-mki-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	snprintf(moddir, sizeof(moddir), "%s/modules", work);
	snprintf(conf, sizeof(conf), "%s/lkcd.conf", work);
	snprintf(tmpl, sizeof(tmpl), "%s/init.tmpl", work);
	snprintf(img, sizeof(img), "%s/out/capture.img", work);
	snprintf(sysroot, sizeof(sysroot), "%s/root", work);
	if (run("mkdir -p %s/kernel/drivers/x %s/proc && echo 'root=/dev/sda1 crashkernel=80M quiet' >%s/proc/cmdline",
		moddir, sysroot, sysroot))
		return -1;
	for (const char *const *m = (const char *const[]){ "a_mod", "b_mod", "c-mod", "loop1", "loop2",
			"unused", NULL }; *m; m++) {
		snprintf(p, sizeof(p), "%s/kernel/drivers/x/%s.ko", moddir, *m);
		if (write_file(p, *m))
			return -1;
	}
	snprintf(p, sizeof(p), "%s/modules.dep", moddir);
	if (write_file(p,
		       "kernel/drivers/md/dm-mod.ko:\n"
		       "kernel/drivers/block/virtio_blk.ko:\n"
		       "kernel/drivers/net/virtio_net.ko:\n"
		       "kernel/drivers/x/unused.ko:\n"
		       "kernel/drivers/x/a_mod.ko: kernel/drivers/x/c-mod.ko kernel/drivers/x/b_mod.ko\n"
		       "kernel/drivers/x/c-mod.ko: kernel/drivers/x/b_mod.ko\n"
		       "kernel/drivers/x/b_mod.ko:\n"
		       "kernel/drivers/x/loop1.ko: kernel/drivers/x/loop2.ko\n"
		       "kernel/drivers/x/loop2.ko: kernel/drivers/x/loop1.ko\n"
		       "kernel/net/sunrpc/sunrpc.ko:\n"
		       "kernel/fs/nfs_common/grace.ko:\n"
		       "kernel/fs/lockd/lockd.ko: kernel/fs/nfs_common/grace.ko kernel/net/sunrpc/sunrpc.ko\n"
		       "kernel/fs/nfs/nfs.ko: kernel/fs/lockd/lockd.ko kernel/fs/nfs_common/grace.ko "
		       "kernel/net/sunrpc/sunrpc.ko\n"
		       "kernel/fs/nfs/nfsv3.ko: kernel/fs/nfs/nfs.ko kernel/net/sunrpc/sunrpc.ko\n"
		       "kernel/fs/nfs/nfsv4.ko: kernel/fs/nfs/nfs.ko kernel/net/sunrpc/sunrpc.ko\n"))
		return -1;
	if (run("cd %s && mkdir -p kernel/net/sunrpc kernel/fs/nfs_common kernel/fs/lockd kernel/fs/nfs && "
		"for m in net/sunrpc/sunrpc fs/nfs_common/grace fs/lockd/lockd fs/nfs/nfs fs/nfs/nfsv3 "
		"fs/nfs/nfsv4; do echo $m >kernel/$m.ko; done", moddir))
		return -1;
	snprintf(p, sizeof(p), "%s/modules.builtin", moddir);
	if (write_file(p, "kernel/fs/ext4/ext4.ko\nkernel/fs/xfs/xfs.ko\nkernel/drivers/x/x.ko\n"))
		return -1;
	if (run("mkdir -p %s/kernel/drivers/md %s/kernel/drivers/block %s/kernel/drivers/net && "
		": >%s/kernel/drivers/md/dm-mod.ko && : >%s/kernel/drivers/block/virtio_blk.ko && "
		": >%s/kernel/drivers/net/virtio_net.ko", moddir, moddir, moddir, moddir, moddir, moddir))
		return -1;
	/*
	 * The running system: / on ext4 (7:0), /var on xfs on a device-mapper
	 * volume (253:3) over virtio's vda2; tmpfs, NFS, and an ext4 without
	 * a UUID link.  The device nodes need root (mknod).
	 */
	if (run("cd %s && mkdir -p proc/self dev/disk/by-uuid sys/dev/block sys/module/virtio_blk "
		"sys/devices/virtual/block/loop0 sys/devices/virtual/block/dm-3/dm "
		"sys/devices/virtual/block/dm-3/slaves sys/devices/pci0/virtio1/block/vda/vda2 && "
		"printf '%%s\\n' '30 1 7:0 / / rw - ext4 /dev/fake0 rw' "
		"'31 30 253:3 / /var rw - xfs /dev/mapper/vg-var rw' '32 30 0:25 / /run rw - tmpfs tmpfs rw' "
		"'33 30 0:50 / /mnt/net rw - nfs4 srv:/x rw' '34 30 7:2 / /srv rw - ext4 /dev/fake2 rw' "
		">proc/self/mountinfo && mknod %s/blk0 b 7 0 && mknod %s/blk3 b 253 3 && "
		"ln -s %s/blk0 dev/disk/by-uuid/aaaa-1111 && ln -s %s/blk3 dev/disk/by-uuid/bbbb-2222 && "
		"ln -s ../../devices/virtual/block/loop0 sys/dev/block/7:0 && "
		"ln -s ../../devices/virtual/block/dm-3 sys/dev/block/253:3 && "
		"echo mpath-3600a0 >sys/devices/virtual/block/dm-3/dm/uuid && "
		"ln -s ../../../../pci0/virtio1/block/vda/vda2 sys/devices/virtual/block/dm-3/slaves/vda2 && "
		"mkdir -p sys/devices/pci0/virtio1/driver && "
		"ln -s ../../../module/virtio_blk sys/devices/pci0/virtio1/driver/module",
		sysroot, work, work, work, work)) {
		fprintf(stderr, "cannot make the fake system (mknod needs root)\n");
		return -1;
	}
	if (write_file(tmpl, "#!/bin/sh\necho capture init template\n"))
		return -1;
	return write_file(conf, "DUMPDIR=/var/crash\nDUMPDIR_DEVICE=LABEL=dumps\n");
}

static int suite_clean(void)
{
	return remove_workdir(work);
}

/* mkinitrd with the common arguments plus extra */
static int mki(const char *extra)
{
	return run("LKCD_SYSROOT=%s %s -c %s mkinitrd -k 9.9.9-test -m %s --init %s -o %s %s",
		   sysroot, LKCD_BIN, conf, moddir, tmpl, img, extra);
}

static bool listed(const char *list, const char *path)
{
	char line[512];

	snprintf(line, sizeof(line), "\n%s\n", path);
	return strstr(list, line) != NULL;
}

static void test_contents(void)
{
	static char list[65536 + 2];

	CU_ASSERT_EQUAL_FATAL(mki("-a a_mod -a x -f ext4"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "3 modules for 9.9.9-test"));
	CU_ASSERT_EQUAL_FATAL(run("zcat %s | cpio -t --quiet", img), 0);
	snprintf(list, sizeof(list), "\n%s", run_out);
	CU_ASSERT(listed(list, "init"));
	CU_ASSERT(listed(list, "bin/busybox"));
	CU_ASSERT(listed(list, "bin/sh"));
	CU_ASSERT(listed(list, "bin/lkcd"));
	CU_ASSERT(listed(list, "dev/console"));
	CU_ASSERT(listed(list, "etc/lkcd.conf"));
	CU_ASSERT(listed(list, "etc/lkcd/modules"));
	CU_ASSERT(listed(list, "lib/modules/9.9.9-test/kernel/drivers/x/a_mod.ko"));
	CU_ASSERT(listed(list, "lib/modules/9.9.9-test/kernel/drivers/x/b_mod.ko"));
	CU_ASSERT(listed(list, "lib/modules/9.9.9-test/kernel/drivers/x/c-mod.ko"));
	/* nothing else: not the unused module, no kexec without DUMP_ACTION=kexec */
	CU_ASSERT(!strstr(list, "unused.ko"));
	CU_ASSERT(!strstr(list, "bin/kexec\n"));
	CU_ASSERT(!strstr(list, "boot/"));
	/* lkcd's libraries, found from its ELF header */
	CU_ASSERT_PTR_NOT_NULL(strstr(list, "libz.so.1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(list, "libzstd.so.1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(list, "libc.so.6\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(list, "ld-linux-x86-64.so.2\n"));

	/* load order: every dependency before its user */
	CU_ASSERT_EQUAL_FATAL(run("zcat %s | cpio -i --quiet --to-stdout etc/lkcd/modules", img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "kernel/drivers/x/b_mod.ko\nkernel/drivers/x/c-mod.ko\n"
			       "kernel/drivers/x/a_mod.ko\n");
	/* the files are the files */
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout init | cmp - %s", img, tmpl), 0);
	/* the configuration as lkcd validated it, canonical: what config --print shows */
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout etc/lkcd.conf >%s/in-initrd.conf",
			    img, work), 0);
	CU_ASSERT_EQUAL(run("%s -c %s config --print | cmp - %s/in-initrd.conf", LKCD_BIN, conf, work), 0);
	CU_ASSERT_EQUAL(run("grep -qx \"DUMPDIR='/var/crash'\" %s/in-initrd.conf", work), 0);
	CU_ASSERT_EQUAL(run("grep -qx \"DUMPDIR_DEVICE='LABEL=dumps'\" %s/in-initrd.conf", work), 0);
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout bin/lkcd | cmp - %s", img, LKCD_BIN), 0);
	CU_ASSERT_EQUAL(run("zcat %s | cpio -tv --quiet dev/console | grep -q '^c.* 5, *1 '", img), 0);
	/* --list prints sizes and the total */
	CU_ASSERT_EQUAL(mki("-a a_mod -l"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "total of the files"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "/lib/modules/9.9.9-test/kernel/drivers/x/a_mod.ko"));
}

static void test_refused(void)
{
	/* a module the kernel does not have */
	CU_ASSERT_EQUAL(mki("-a nosuch"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "module nosuch (--add-module) is neither in"));
	/* a dependency loop ends with a reason */
	CU_ASSERT_EQUAL(mki("-a loop1"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "too deep"));
	/* no module tree */
	CU_ASSERT_EQUAL(run("%s -c %s mkinitrd -k 9.9.9-test -m %s/none --init %s -o %s -a a_mod",
			    LKCD_BIN, conf, work, tmpl, img), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "modules.dep"));
	/* a target that is not a block device */
	CU_ASSERT_EQUAL(mki("-t /etc/passwd"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "--target /etc/passwd"));
	/* a bad compression name */
	CU_ASSERT_EQUAL(mki("-Z lzo"), 1);
	/* a failed build leaves no half-written image behind */
	CU_ASSERT_EQUAL(run("test -e %s.tmp", img), 1);
}

/* mkinitrd -c ssh.conf into img.ssh; its exit code */
static int mki_ssh(void)
{
	return run("LKCD_SYSROOT=%s %s -c %s/ssh.conf mkinitrd -k 9.9.9-test -m %s --init %s -o %s.ssh",
		   sysroot, LKCD_BIN, work, moddir, tmpl, img);
}

/*
 * mki_ssh's image for a network target: built, the route said as said, its
 * file list in list ("\n"-led), each of files in it (the missing ones
 * said).  0, or -1 when it could not be built or listed.
 */
static int net_image(const char *said, const char *const *files, char *list, size_t size)
{
	if (mki_ssh() != 0)
		return -1;
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, said));
	if (run("zcat %s.ssh | cpio -t --quiet", img) != 0)
		return -1;
	snprintf(list, size, "\n%s", run_out);
	for (const char *const *f = files; *f; f++)
		if (!listed(list, *f)) {
			fprintf(stderr, "\n  not in the initramfs: %s", *f);
			CU_FAIL("a file the network target needs is missing");
		}
	return 0;
}

/*
 * DUMP_SSH: the route to the server (a fake /proc/net/route: eth0 is the
 * default route, eth1 has 192.0.2.0/24) picks the interface, sysfs its
 * driver; dbclient, the key in dropbear's form, the host key and the
 * interface's MAC go in.  Refused: the server's route on lo, no host key.
 */
static void test_ssh_target(void)
{
	static char list[65536 + 2];

	if (access("/usr/bin/dbclient", X_OK) || access("/usr/bin/dropbearconvert", X_OK)) {
		CU_FAIL("dbclient and dropbearconvert are not installed (Debian: dropbear-bin; make deps)");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(run(
		"cd %s && mkdir -p proc/net etc/lkcd sys/class/net/eth0 sys/class/net/eth1 "
		"sys/devices/pci0/virtio2/driver sys/module/virtio_net && "
		"ln -s ../../../module/virtio_net sys/devices/pci0/virtio2/driver/module && "
		"ln -sf ../../../devices/pci0/virtio2 sys/class/net/eth1/device && "
		"echo 52:54:00:12:34:56 >sys/class/net/eth1/address && "
		"printf 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
		"eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\n"
		"eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n"
		"lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\n' >proc/net/route && "
		"printf 'other.example ssh-ed25519 AAAAother\n"
		"192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIthekey\n' >etc/lkcd/known_hosts && "
		"rm -f %s/key %s/key.pub && ssh-keygen -q -t ed25519 -N '' -f %s/key && "
		"printf 'DUMP_SSH=dumps@192.0.2.10:/srv/crash\nDUMP_SSH_KEY=%s/key\n"
		"DUMP_NET_FALLBACK=0\n' >%s/ssh.conf", sysroot, work, work, work, work, work), 0);
	CU_ASSERT_EQUAL_FATAL(net_image("DUMP_SSH 192.0.2.10: through eth1 (52:54:00:12:34:56), "
				        "address by DHCP, on-link",
				        (const char *const[]){ "bin/dbclient", "etc/lkcd/id_lkcd",
					"etc/lkcd/udhcpc.script", "etc/passwd",
					"lib/modules/9.9.9-test/kernel/drivers/net/virtio_net.ko", NULL },
				        list, sizeof(list)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(list, "libtomcrypt.so.1\n"));
	CU_ASSERT(!strstr(list, "bin/ssh\n"));
	CU_ASSERT_EQUAL(run("zcat %s.ssh | cpio -i --quiet --to-stdout etc/lkcd/net "
			    "etc/lkcd/dbclient/.ssh/known_hosts", img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIthekey\n"
			       "NET_MAC='52:54:00:12:34:56'\nNET_ADDRESS='dhcp'\nNET_IP=''\nNET_GW=''\n");
	CU_ASSERT_EQUAL(run("zcat %s.ssh | cpio -tv --quiet etc/lkcd/id_lkcd | grep -q '^-rw------- '",
			    img), 0);
	CU_ASSERT_EQUAL(run("zcat %s.ssh | cpio -i --quiet --to-stdout etc/lkcd.conf | grep DUMP_SSH",
			    img), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMP_SSH='dumps@192.0.2.10:/srv/crash'\n"
				      "DUMP_SSH_KEY='/etc/lkcd/id_lkcd'\n"));
	/* no host key for the server: refused, said */
	CU_ASSERT_EQUAL(run("sed -i /192.0.2.10/d %s/etc/lkcd/known_hosts", sysroot), 0);
	CU_ASSERT_EQUAL(mki_ssh(), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no host key for 192.0.2.10 in /etc/lkcd/known_hosts"));
	/* the server on this machine (its route on lo) */
	CU_ASSERT_EQUAL(run("sed -i s/192.0.2.10/127.0.0.2/ %s/ssh.conf", work), 0);
	CU_ASSERT_EQUAL(mki_ssh(), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "127.0.0.2 is this machine (its route is on lo)"));
}

/*
 * DUMP_NFS: the same network as DUMP_SSH's (the route's interface and
 * driver, DHCP), the kernel's NFS client with its dependencies from
 * modules.dep in load order, and nothing of SSH's; the capture's copy of
 * the configuration names the server by its address.  NFS version 4 asked
 * for brings nfsv4 instead of nfsv3.
 */
static void test_nfs_target(void)
{
	static const char *const order[] = { "kernel/drivers/net/virtio_net.ko",
		"kernel/net/sunrpc/sunrpc.ko", "kernel/fs/nfs_common/grace.ko",
		"kernel/fs/lockd/lockd.ko", "kernel/fs/nfs/nfs.ko", "kernel/fs/nfs/nfsv3.ko", NULL };
	static char list[65536 + 2];
	char want[512] = "";

	CU_ASSERT_EQUAL_FATAL(run(
		"cd %s && mkdir -p proc/net sys/class/net/eth1 sys/devices/pci0/virtio2/driver "
		"sys/module/virtio_net && "
		"ln -sf ../../../module/virtio_net sys/devices/pci0/virtio2/driver/module && "
		"ln -sfn ../../../devices/pci0/virtio2 sys/class/net/eth1/device && "
		"echo 52:54:00:12:34:56 >sys/class/net/eth1/address && "
		"printf 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
		"eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n' >proc/net/route && "
		"printf 'DUMP_NFS=192.0.2.20:/srv/crash\nDUMP_NFS_OPTIONS=port=2049,mountport=20048\n"
		"DUMP_NET_FALLBACK=0\n' >%s/ssh.conf", sysroot, work), 0);
	CU_ASSERT_EQUAL_FATAL(net_image("DUMP_NFS 192.0.2.20: through eth1 (52:54:00:12:34:56), "
				        "address by DHCP, on-link",
				        (const char *const[]){ "etc/lkcd/udhcpc.script", "etc/lkcd/net",
					"lib/modules/9.9.9-test/kernel/fs/nfs/nfsv3.ko",
					"lib/modules/9.9.9-test/kernel/net/sunrpc/sunrpc.ko", NULL },
				        list, sizeof(list)), 0);
	/* nothing of SSH's, no v4 client, no mount.nfs */
	CU_ASSERT(!strstr(list, "dbclient") && !strstr(list, "id_lkcd") && !strstr(list, "nfsv4.ko") &&
		  !strstr(list, "mount.nfs") && !listed(list, "etc/passwd"));
	CU_ASSERT_EQUAL(run("zcat %s.ssh | cpio -i --quiet --to-stdout etc/lkcd/modules", img), 0);
	for (const char *const *m = order; *m; m++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\n", *m);
	if (strcmp(run_out, want))
		fprintf(stderr, "\n  modules: %s", run_out);
	CU_ASSERT_STRING_EQUAL(run_out, want);
	CU_ASSERT_EQUAL(run("zcat %s.ssh | cpio -i --quiet --to-stdout etc/lkcd.conf | grep DUMP_NFS",
			    img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "DUMP_NFS='192.0.2.20:/srv/crash'\n"
			       "DUMP_NFS_OPTIONS='port=2049,mountport=20048'\n");
	/* NFS version 4: its own module */
	CU_ASSERT_EQUAL(run("echo DUMP_NFS_OPTIONS=vers=4.2 >>%s/ssh.conf", work), 0);
	CU_ASSERT_EQUAL_FATAL(mki_ssh(), 0);
	CU_ASSERT_EQUAL(run("zcat %s.ssh | cpio -t --quiet | grep -c 'nfsv4.ko\\|nfsv3.ko'", img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "1\n");
	CU_ASSERT_EQUAL(run("zcat %s.ssh | cpio -t --quiet | grep -q nfsv4.ko", img), 0);
	/* the server on this machine (its route on lo): refused, said */
	CU_ASSERT_EQUAL(run("printf 'lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\n' "
			    ">>%s/proc/net/route && echo DUMP_NFS=127.0.0.3:/srv >>%s/ssh.conf",
			    sysroot, work), 0);
	CU_ASSERT_EQUAL(mki_ssh(), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMP_NFS=127.0.0.3:/srv: 127.0.0.3 is this machine"));
}

static void test_stamp(void)
{
	CU_ASSERT_EQUAL_FATAL(mki("-a a_mod -s"), 0);
	CU_ASSERT_EQUAL(mki("-a a_mod -s"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "is up to date"));
	/* the config changed */
	CU_ASSERT_EQUAL_FATAL(run("echo KEEP_DUMPS=3 >>%s", conf), 0);
	CU_ASSERT_EQUAL(mki("-a a_mod -s"), 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "is up to date"));
	CU_ASSERT_EQUAL(mki("-a a_mod -s"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "is up to date"));
	/* a module's content changed */
	CU_ASSERT_EQUAL_FATAL(run("echo v2 >>%s/kernel/drivers/x/b_mod.ko", moddir), 0);
	CU_ASSERT_EQUAL(mki("-a a_mod -s"), 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "is up to date"));
	/* another target set */
	CU_ASSERT_EQUAL(mki("-a b_mod -s"), 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "is up to date"));
	/* the image was removed */
	CU_ASSERT_EQUAL(run("rm %s", img), 0);
	CU_ASSERT_EQUAL(mki("-a b_mod -s"), 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "is up to date"));
	CU_ASSERT_EQUAL(run("test -s %s", img), 0);
}

static void test_compressions(void)
{
	CU_ASSERT_EQUAL(mki("-a b_mod -Z none"), 0);
	CU_ASSERT_EQUAL(run("cpio -t --quiet <%s | grep -qx init", img), 0);
	CU_ASSERT_EQUAL(mki("-a b_mod -Z xz"), 0);
	CU_ASSERT_EQUAL(run("xzcat %s | cpio -t --quiet | grep -qx init", img), 0);
	CU_ASSERT_EQUAL(mki("-a b_mod -Z zstd"), 0);
	CU_ASSERT_EQUAL(run("zstdcat %s 2>/dev/null | cpio -t --quiet | grep -qx init || "
			    "{ command -v zstdcat >/dev/null || exit 0; exit 1; }", img), 0);
}

static void test_kexec_action(void)
{
	char c2[256], kernel[256];

	snprintf(c2, sizeof(c2), "%s/kexec.conf", work);
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", work);
	CU_ASSERT_EQUAL_FATAL(write_file(kernel, "a kernel image"), 0);
	{
		FILE *f = fopen(c2, "w");

		CU_ASSERT_FATAL(f != NULL);
		fprintf(f, "DUMP_ACTION=kexec\nKEXEC_KERNEL=%s\n", kernel);
		fclose(f);
	}
	if (access("/sbin/kexec", X_OK) != 0) {
		CU_PASS("no /sbin/kexec here");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(run("LKCD_SYSROOT=%s %s -c %s mkinitrd -k 9.9.9-test -m %s --init %s -o %s -a b_mod",
				  sysroot, LKCD_BIN, c2, moddir, tmpl, img), 0);
	CU_ASSERT_EQUAL(run("zcat %s | cpio -t --quiet | grep -qx bin/kexec", img), 0);
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout boot/vmlinuz | cmp - %s", img, kernel), 0);
	/* the production command line, crashkernel= kept so it can re-arm */
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout etc/lkcd/kexec-cmdline", img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "root=/dev/sda1 crashkernel=80M quiet\n");
}

/* mkinitrd with the config text given */
static int mki_conf(const char *text)
{
	char c[256];

	snprintf(c, sizeof(c), "%s/found.conf", work);
	if (write_file(c, text))
		return -1;
	return run("LKCD_SYSROOT=%s %s -c %s mkinitrd -k 9.9.9-test -m %s --init %s -o %s",
		   sysroot, LKCD_BIN, c, moddir, tmpl, img);
}

/* The shipped configuration: DUMPDIR's filesystem found by UUID, with its drivers. */
static void test_dumpdir_found(void)
{
	CU_ASSERT_EQUAL_FATAL(mki_conf("DUMPDIR=/var/log/dump\n"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMPDIR /var/log/dump is on UUID=bbbb-2222 (xfs, "
				      "mounted on /var here)"));
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout etc/lkcd.conf | grep -x "
			    "-e \"DUMPDIR_DEVICE='UUID=bbbb-2222'\" -e \"DUMPDIR_FSTYPE='xfs'\" | wc -l",
			    img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "2\n");
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout etc/lkcd/target", img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "DUMPDIR_SUBDIR='/log/dump'\n");
	/* device-mapper: dm_mod, then the drivers of the disk under it */
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout etc/lkcd/modules", img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "kernel/drivers/md/dm-mod.ko\nkernel/drivers/block/virtio_blk.ko\n");
	/* on the root filesystem: the whole path */
	CU_ASSERT_EQUAL_FATAL(mki_conf("DUMPDIR=/opt/lkcd-test-dumps\n"), 0);
	CU_ASSERT_EQUAL(run("zcat %s | cpio -i --quiet --to-stdout etc/lkcd/target", img), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "DUMPDIR_SUBDIR='/opt/lkcd-test-dumps'\n");
	/* where no capture could keep it: refused, saying why */
	CU_ASSERT_EQUAL(mki_conf("DUMPDIR=/run/dumps\n"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMPDIR /run/dumps is on tmpfs (mounted on /run): a dump "
				      "saved there is lost at reboot"));
	CU_ASSERT_EQUAL(mki_conf("DUMPDIR=/mnt/net/d\n"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "is on nfs4 (srv:/x on /mnt/net), which the capture "
				      "environment cannot mount"));
	CU_ASSERT_EQUAL(mki_conf("DUMPDIR=/srv/d\n"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMPDIR_DEVICE: no UUID found for /dev/fake2"));
	/* the admin's DUMPDIR_DEVICE is taken as it is, and DUMPDEV needs no mount */
	CU_ASSERT_EQUAL(mki_conf("DUMPDIR=/run/dumps\nDUMPDIR_DEVICE=LABEL=x\n"), 0);
	CU_ASSERT_EQUAL(run("zcat %s | cpio -t --quiet | grep -c etc/lkcd/target", img), 1);
}

static CU_TestInfo tests[] = {
	{ "DUMPDIR's filesystem found by UUID; tmpfs, NFS, no UUID refused", test_dumpdir_found },
	{ "contents, nothing else, module order", test_contents },
	{ "missing module, loop, no tree, bad target refused", test_refused },
	{ "DUMP_SSH: the route's NIC driver, dbclient, key, host key; refusals", test_ssh_target },
	{ "DUMP_NFS: the route's NIC driver, the NFS client modules in order; refusals",
	  test_nfs_target },
	{ "stamp: rebuilt when an input changes", test_stamp },
	{ "gzip, xz, zstd, none", test_compressions },
	{ "DUMP_ACTION=kexec brings kexec and the kernel", test_kexec_action },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("mkinitrd", suite_init, suite_clean, tests);
}

LKCD_TEST_MAIN(register_suites)
