// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The NFS target: DUMP_NFS=server:/export.  Only the mount is this file's:
 *
 *   1. mount(2) of server:/export on a private directory with the kernel's
 *      text options (lkcd_conf_nfs_options: addr=, vers=3, proto=tcp,
 *      mountproto=tcp, nolock, soft, then DUMP_NFS_OPTIONS), so the kernel
 *      sends the MNT request itself and the capture initramfs needs no
 *      mount.nfs, rpcbind or rpc.statd; each try runs in a child that is
 *      killed after what is left of DUMP_NET_WAIT, NFS_TRY_MIN to
 *      NFS_TRY_MAX seconds (an NFS mount can wait long);
 *      tried again with backoff (1, 2, 4, 8, 8 ... s) for DUMP_NET_WAIT
 *      seconds while the failure is the network's, final at once otherwise
 *      (the export refused, no NFS in this kernel, a bad option);
 *   2. the dump is written there by the DUMPDIR sink itself (cmd_save.c,
 *      write_dumpdir): its temporary directory, fsync and rename, with the
 *      final name <hostname>-<time> (save_net_name, as DUMP_SSH's) in place
 *      of the next N; the dump file synced every NFS_SYNC_PAGES pages of
 *      data on the way (save_nfs_sync_wrap), so a server that disappears
 *      ends the save after one round of the soft mount's timeouts;
 *   3. unmounted: at once after a save; forced and detached after a
 *      failure (a server gone must not hold the capture).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "save.h"

#define NFS_TRY_MAX	15	/* s for one mount(2), at most ... */
#define NFS_TRY_MIN	5	/* ... and at least, when less of DUMP_NET_WAIT is left */
#define NFS_DELAY_MAX	8	/* s between two tries, at most */
#define NFS_TIMED_OUT	ETIME	/* a try's errno when NFS_TRY_MAX passed */
/*
 * Pages of data (4 MiB) written between two syncs of the dump file.  The
 * kernel reports a failed write-back only to a sync (or the close), and a
 * writer that only writes goes on filling the page cache while the
 * write-backs before fail one soft timeout round (timeo=100,retrans=2:
 * about 30 s) after another: capture-nfs-down's cut, unsynced, was still
 * writing after 150 s.  Synced, the save ends at the first round, with the
 * reason.
 */
#define NFS_SYNC_PAGES	1024

struct save_nfs {
	const struct lkcd_conf *conf;
	char dir[PATH_MAX];		/* the private mount point */
	bool mounted;
};

/* The server's IPv4 address (a literal in the capture: no DNS there). */
static int nfs_address(const struct lkcd_conf *c, char *addr, size_t len, char *why,
		       size_t wlen)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	int ret = getaddrinfo(c->nfs_host, NULL, &hints, &res);

	if (ret) {
		snprintf(why, wlen, "cannot resolve %s: %s", c->nfs_host, gai_strerror(ret));
		return -1;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, addr, (socklen_t)len);
	freeaddrinfo(res);
	return 0;
}

/*
 * One mount(2) in a child, killed after limit seconds (an RPC wait is
 * killable: a server that resets every connection keeps the kernel's MNT
 * call retrying for its whole timeout).  0, or the errno (NFS_TIMED_OUT
 * when it took too long).
 */
static int mount_once(const char *source, const char *dir, const char *opts, double limit)
{
	double end = save_net_now() + limit;
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(mount(source, dir, "nfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0 ?
		      (errno & 0xff) : 0);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
		if (r < 0 && errno != EINTR)
			return errno;
		if (save_net_now() >= end) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			/* killed as it succeeded: the mount is there, take it */
			return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : NFS_TIMED_OUT;
		}
		usleep(100 * 1000);
	}
}

/* A failure that waiting can mend: the network's or the server's absence. */
static bool nfs_network_failure(int err)
{
	switch (err) {
	case ECONNREFUSED: case ETIMEDOUT: case EHOSTUNREACH: case ENETUNREACH:
	case EHOSTDOWN: case ECONNRESET: case ECONNABORTED: case EIO: case EAGAIN:
	case NFS_TIMED_OUT:
		return true;
	default:
		return false;
	}
}

/* Why a mount failed, in the words of what the admin can check. */
static const char *nfs_reason(int err, char *buf, size_t len)
{
	switch (err) {
	case NFS_TIMED_OUT:
		snprintf(buf, len, "no answer to the mount (the server down, or the network)");
		break;
	case ENODEV:
		snprintf(buf, len, "%s (no NFS client in this kernel: the nfs modules are "
			 "not loaded)", strerror(err));
		break;
	case EACCES:
	case EPERM:
		snprintf(buf, len, "%s (the server refuses the export to this client)",
			 strerror(err));
		break;
	case ENOENT:
		snprintf(buf, len, "%s (the server has no such export)", strerror(err));
		break;
	case EPROTONOSUPPORT:
		snprintf(buf, len, "%s (the server does not serve this NFS version or "
			 "transport: DUMP_NFS_OPTIONS)", strerror(err));
		break;
	default:
		snprintf(buf, len, "%s", strerror(err));
	}
	return buf;
}

const char *save_nfs_dir(const struct save_nfs *n)
{
	return n->dir;
}

static int nfs_sync_next(void *ctx, struct lkcd_page *pg, struct lkcd_error *err)
{
	struct save_nfs_sync *s = ctx;
	int ret = s->inner.next(s->inner.ctx, pg, err);

	if (ret <= 0 || pg->flags == LKCD_REC_ZERO || pg->flags == LKCD_REC_UNREADABLE)
		return ret;
	s->pages += pg->count;
	if (s->pages < NFS_SYNC_PAGES)
		return ret;
	s->pages = 0;
	if (fdatasync(s->fd) < 0) {
		int e = errno;

		return lkcd_error_set(err, -e, "%s%s", strerror(e),
				      e == EIO || e == ETIMEDOUT ?
				      " (the server stopped answering: the soft mount's timeo and "
				      "retrans ran out)" : "");
	}
	return ret;
}

static int nfs_sync_rewind(void *ctx, struct lkcd_error *err)
{
	struct save_nfs_sync *s = ctx;

	return s->inner.rewind(s->inner.ctx, err);
}

void save_nfs_sync_wrap(struct save_nfs_sync *s, int fd, const struct lkcd_page_iter *inner,
			struct lkcd_page_iter *out)
{
	memset(s, 0, sizeof(*s));
	s->inner = *inner;
	s->fd = fd;
	out->ctx = s;
	out->next = nfs_sync_next;
	out->rewind = nfs_sync_rewind;
}

/*
 * Mount DUMP_NFS, trying for wait seconds; n, or NULL after saying which
 * server and why not.
 */
static struct save_nfs *nfs_mount_within(const struct lkcd_conf *c, unsigned int wait)
{
	struct save_nfs *n = calloc(1, sizeof(*n));
	char addr[INET_ADDRSTRLEN], source[LKCD_CONF_STR + 64], opts[2 * LKCD_CONF_STR] = "";
	char why[PATH_MAX + 512] = "", reason[256];
	const char *tmpdir = getenv("TMPDIR");
	double deadline = save_net_now() + wait;
	unsigned int delay = 1, tries = 0;
	int err;

	if (!n) {
		errmsg("out of memory");
		return NULL;
	}
	n->conf = c;
	if (nfs_address(c, addr, sizeof(addr), why, sizeof(why)) < 0)
		goto unreachable;
	snprintf(source, sizeof(source), "%s:%s", addr, c->nfs_path);
	if (lkcd_conf_nfs_options(c, addr, opts, sizeof(opts)) < 0) {
		snprintf(why, sizeof(why), "the mount options are too long");
		goto unreachable;
	}
	if ((size_t)snprintf(n->dir, sizeof(n->dir), "%s/lkcd-nfs-XXXXXX",
			     tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp") >= sizeof(n->dir) ||
	    !mkdtemp(n->dir)) {
		snprintf(why, sizeof(why), "cannot create a mount point %s: %s", n->dir,
			 strerror(errno));
		n->dir[0] = '\0';
		goto unreachable;
	}
	for (;;) {
		double left = deadline - save_net_now();

		tries++;
		err = mount_once(source, n->dir, opts,
				 left > NFS_TRY_MAX ? NFS_TRY_MAX : left < NFS_TRY_MIN ? NFS_TRY_MIN : left);
		if (!err)
			break;
		nfs_reason(err, reason, sizeof(reason));
		if (!nfs_network_failure(err) || save_net_now() + delay > deadline) {
			snprintf(why, sizeof(why), "%s%s", reason,
				 wait && nfs_network_failure(err) ? " (gave up after DUMP_NET_WAIT)" : "");
			goto unreachable;
		}
		fprintf(stderr, "%s: NFS server %s not reached yet (%s); trying again in %u s\n",
			prog, c->nfs_host, reason, delay);
		sleep(delay);
		delay = delay * 2 > NFS_DELAY_MAX ? NFS_DELAY_MAX : delay * 2;
	}
	n->mounted = true;
	return n;
unreachable:
	errmsg("cannot save to the NFS server %s (DUMP_NFS %s, mount options %s): %s",
	       c->nfs_host, c->nfs, opts[0] ? opts : "-", why);
	save_nfs_close(n, false);
	return NULL;
}

struct save_nfs *save_nfs_open(const struct save_request *req)
{
	return nfs_mount_within(req->conf, req->conf->net_wait);
}

void save_nfs_close(struct save_nfs *n, bool saved)
{
	if (!n)
		return;
	if (n->mounted) {
		/* saved: the data is synced, a plain unmount; else the server may be gone */
		if ((saved || umount2(n->dir, MNT_FORCE) < 0) && umount(n->dir) < 0 &&
		    umount2(n->dir, MNT_DETACH) < 0)
			warnmsg("cannot unmount the NFS export at %s: %s", n->dir, strerror(errno));
	}
	if (n->dir[0])
		rmdir(n->dir);
	free(n);
}

int save_nfs_check(const struct lkcd_conf *c)
{
	struct save_nfs *n = nfs_mount_within(c, 0);
	char probe[PATH_MAX + 32];
	int fd, ret = -1;

	if (!n)
		return -1;
	snprintf(probe, sizeof(probe), "%s/.lkcd-probe-%ld", n->dir, (long)getpid());
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "lkcd\n", 5) != 5 || fsync(fd) < 0) {
		errmsg("DUMP_NFS %s: mounted, but a file cannot be written there: %s", c->nfs,
		       strerror(errno));
	} else if (unlink(probe) < 0) {
		errmsg("DUMP_NFS %s: mounted and written, but the file cannot be removed: %s",
		       c->nfs, strerror(errno));
	} else {
		ret = 0;
	}
	if (fd >= 0)
		close(fd);
	save_nfs_close(n, ret == 0);
	return ret;
}
