// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The network sink: DUMP_SSH=user@host:/path.  The server needs sshd and a
 * POSIX shell with cat, mkdir, mv, tail, od and tr, nothing of lkcd's:
 *
 *   1. reach it: `mkdir -p PATH/.NAME.part` over ssh, retried with backoff
 *      (1, 2, 4, 8, 8 ... s) for DUMP_NET_WAIT seconds while the failure is
 *      the network's (a refused or timed-out connection, no route); a
 *      host key that does not match or a refused login is final at once;
 *   2. the dump in makedumpfile's flattened format (crash reads it as it
 *      is, `makedumpfile -R` lays it out) streamed into .NAME.part/dump.flat
 *      by `cat`, then dmesg and analysis beside it;
 *   3. .NAME.part renamed to NAME only when the stream's last 16 bytes are
 *      the flattened end marker, which the writer puts last and only after
 *      every page: an incomplete dump never gets the final name.
 *
 * NAME is <hostname>-<YYYYMMDD-HHMMSS>: the crashed kernel's nodename and
 * panic time (UTC) from the dump's header, so a save done twice meets the
 * first one's directory and is refused rather than written over.
 *
 * ssh runs with BatchMode (no password prompt), the key DUMP_SSH_KEY and the
 * host key in LKCD_CONF_KNOWN_HOSTS only (StrictHostKeyChecking=yes): lkcd
 * propagate puts both in place.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "save.h"

#define NET_DELAY_MAX	8	/* s between two tries, at most */
#define NET_OUT_MAX	4096	/* what is kept of a session's stdout/stderr */
#define NET_SESSION_MAX	60	/* s for a session other than the dump's */
/* dbclient's HOME in the capture initramfs: .ssh/known_hosts (lkcd mkinitrd) */
#define LKCD_DBCLIENT_HOME	"/etc/lkcd/dbclient"

struct save_net {
	const struct lkcd_conf *conf;
	bool dbclient;			/* dropbear's client: no ssh in PATH */
	char known_hosts[PATH_MAX + 32];	/* UserKnownHostsFile=LKCD_CONF_KNOWN_HOSTS */
	char name[128];			/* <hostname>-<time> */
	char where[2 * LKCD_CONF_STR];	/* user@host:/path/NAME, for messages */
	char part[2 * LKCD_CONF_STR];	/* user@host:/path/.NAME.part, until published */
	pid_t pid;			/* the dump's session while it streams */
	int stream;			/* its stdin */
};

/* The crashed machine's name as a file name part: [A-Za-z0-9._-] only. */
static void host_part(const struct save_input *si, char *out, size_t size)
{
	const char *n = si->hdr->uts.nodename;
	size_t i = 0, j;

	for (j = 0; j < sizeof(si->hdr->uts.nodename) && n[j] && i + 1 < size; j++)
		if (isalnum((unsigned char)n[j]) || n[j] == '-' || n[j] == '_' ||
		    (n[j] == '.' && i))
			out[i++] = n[j];
	out[i] = '\0';
	if (!i && gethostname(out, size - 1) == 0) {
		out[size - 1] = '\0';
		for (i = 0; out[i]; i++)
			if (!isalnum((unsigned char)out[i]) && out[i] != '-')
				out[i] = '_';
	}
	if (!out[0] || !strcmp(out, "_none_"))
		snprintf(out, size, "unknown");
}

void save_net_name(const struct save_input *si, char *out, size_t size)
{
	time_t t = si->hdr->panic_time_sec ? (time_t)si->hdr->panic_time_sec : time(NULL);
	char host[64], when[32];
	struct tm tm;

	host_part(si, host, sizeof(host));
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
	snprintf(out, size, "%s-%s", host, when);
}

/*
 * Every session's options: no prompt, the host key lkcd propagate accepted
 * and no other, only DUMP_SSH_KEY, bounded connects, a dead peer noticed.
 */
static const char *const ssh_options[] = {
	"BatchMode=yes",
	"StrictHostKeyChecking=yes",
	"IdentitiesOnly=yes",
	"ConnectTimeout=10",
	"ServerAliveInterval=10",
	"ServerAliveCountMax=3",
};
#define NR_SSH_OPTIONS	(sizeof(ssh_options) / sizeof(ssh_options[0]))

/* Is name a program in PATH? */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		if (n && (size_t)snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, p, name) < sizeof(dir) &&
		    access(dir, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/*
 * argv for one session running cmd on the server.  dbclient (the capture
 * initramfs's client, lkcd mkinitrd): the same choices its own way: the
 * host keys under HOME (LKCD_DBCLIENT_HOME, set by ssh_start), no prompt
 * without a terminal, keepalives every 10 s, 60 s without a word ends it.
 */
static void ssh_argv(const struct save_net *n, const char *cmd, char *port, size_t plen,
		     const char **argv)
{
	const struct lkcd_conf *c = n->conf;
	size_t i = 0;

	snprintf(port, plen, "%u", c->ssh_port);
	if (n->dbclient) {
		argv[i++] = "dbclient";
		argv[i++] = "-T";
		argv[i++] = "-K";
		argv[i++] = "10";
		argv[i++] = "-I";
		argv[i++] = "60";
	} else {
		argv[i++] = "ssh";
		argv[i++] = "-T";
		for (size_t o = 0; o < NR_SSH_OPTIONS; o++) {
			argv[i++] = "-o";
			argv[i++] = ssh_options[o];
		}
		argv[i++] = "-o";
		argv[i++] = n->known_hosts;
	}
	argv[i++] = "-i";
	argv[i++] = c->ssh_key;
	argv[i++] = "-p";
	argv[i++] = port;
	argv[i++] = "-l";
	argv[i++] = c->ssh_user;
	if (!n->dbclient)
		argv[i++] = "--";	/* dbclient has no "--": the host never starts with '-' */
	argv[i++] = c->ssh_host;
	argv[i++] = cmd;
	argv[i] = NULL;
}

#define SSH_ARGV_MAX	(2 * NR_SSH_OPTIONS + 14)
#define NET_CMD_MAX	(6 * LKCD_CONF_STR)	/* room for the path and the name, 5 times */

/* pipe2(O_CLOEXEC) without _GNU_SOURCE (save_output.c says why not) */
static int pipe_cloexec(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

/*
 * Start ssh running cmd: its stdin from in_fd (-1: a pipe, returned in
 * *stream), stdout and stderr into pipes (out_fd, err_fd; -1: inherited).
 * The child's pid, or -1 with errno.
 */
static pid_t ssh_start(const struct save_net *n, const char *cmd, int in_fd, int *stream,
		       int *out_fd, int *err_fd)
{
	const char *argv[SSH_ARGV_MAX];
	char port[16];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t pid;

	ssh_argv(n, cmd, port, sizeof(port), argv);
	if ((in_fd < 0 && pipe_cloexec(in) < 0) ||
	    (out_fd && pipe_cloexec(out) < 0) || (err_fd && pipe_cloexec(err) < 0))
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		/* without a pipe, what the remote side prints goes to the console */
		if (dup2(in_fd >= 0 ? in_fd : in[0], 0) < 0 ||
		    dup2(out_fd ? out[1] : 2, 1) < 0 ||
		    (err_fd && dup2(err[1], 2) < 0))
			_exit(127);
		if (n->dbclient)
			setenv("HOME", sys_path(LKCD_DBCLIENT_HOME), 1);	/* .ssh/known_hosts */
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "ssh: %s\n", strerror(errno));
		_exit(127);
	}
	if (in[0] >= 0)
		close(in[0]);
	if (stream)
		*stream = in[1];
	if (out_fd) {
		close(out[1]);
		*out_fd = out[0];
	}
	if (err_fd) {
		close(err[1]);
		*err_fd = err[0];
	}
	return pid;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return -1;
}

/* The child's exit status (0-255), or 256 + signal; errno kept. */
static int ssh_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 256;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 256 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

double save_net_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Read both pipes to their end (at most NET_OUT_MAX kept of each), for at
 * most NET_SESSION_MAX seconds: false when that passed first.
 */
static bool drain(int ofd, char *out, int efd, char *err)
{
	double end = save_net_now() + NET_SESSION_MAX;
	bool in_time = true;
	struct pollfd p[2] = { { .fd = ofd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
	size_t len[2] = { 0, 0 };
	char *buf[2] = { out, err }, junk[512];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		double left = end - save_net_now();
		int r;

		if (left <= 0) {
			in_time = false;
			break;
		}
		r = poll(p, 2, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (len[i] < NET_OUT_MAX - 1)
				n = read(p[i].fd, buf[i] + len[i], NET_OUT_MAX - 1 - len[i]);
			else
				n = read(p[i].fd, junk, sizeof(junk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			if (len[i] < NET_OUT_MAX - 1)
				len[i] += (size_t)n;
		}
	}
	for (int i = 0; i < 2; i++) {
		if (p[i].fd >= 0)
			close(p[i].fd);
		buf[i][len[i]] = '\0';
		while (len[i] && (buf[i][len[i] - 1] == '\n' || buf[i][len[i] - 1] == '\r'))
			buf[i][--len[i]] = '\0';
	}
	return in_time;
}

/*
 * One session: cmd with stdin from in_fd (-1: /dev/null).  Its exit
 * status (255: ssh's own failure, 127: no ssh), what it printed.
 */
static int ssh_run(const struct save_net *n, const char *cmd, int in_fd, char *out, char *err)
{
	int ofd = -1, efd = -1, null = -1, status;
	pid_t pid;

	if (in_fd < 0)
		in_fd = null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid = ssh_start(n, cmd, in_fd, NULL, &ofd, &efd);
	if (null >= 0)
		close(null);
	if (pid < 0) {
		snprintf(err, NET_OUT_MAX, "cannot start ssh: %s", strerror(errno));
		out[0] = '\0';
		return 127;
	}
	if (!drain(ofd, out, efd, err)) {
		kill(pid, SIGKILL);
		ssh_wait(pid);
		snprintf(err, NET_OUT_MAX, "no answer within %d s", NET_SESSION_MAX);
		return 255;
	}
	status = ssh_wait(pid);
	if (status == 127 && !err[0])
		snprintf(err, NET_OUT_MAX, "no ssh client in PATH");
	return status;
}


/* The last line of s (what the server's shell printed last). */
static const char *last_line(const char *s)
{
	const char *nl = strrchr(s, '\n');

	return nl ? nl + 1 : s;
}

/*
 * What either client says when waiting cannot mend it (a host key that
 * does not match or is unknown, a refused login, the remote command's own
 * failure), and what the network says (no route yet, nothing listening
 * yet, a connection dropped before the login).
 */
static const char *const ssh_final[] = {
	"host key mismatch", "Didn't validate host key", "Host key", "HOST IDENTIFICATION",
	"trusted hosts", "Permission denied", "No auth methods", "exists already", NULL,
};
static const char *const ssh_network[] = {
	"Connection refused", "Network is unreachable", "No route to host", "timed out",
	"Connection closed", "closed the connection", "Connection reset",
	"Temporary failure in name resolution", "no answer within", NULL,
};

static bool has_any(const char *s, size_t len, const char *const *words)
{
	for (int i = 0; words[i]; i++) {
		size_t w = strlen(words[i]);

		for (size_t j = 0; j + w <= len; j++)
			if (!memcmp(s + j, words[i], w))
				return true;
	}
	return false;
}

/*
 * The reason in what ssh printed, one line into buf: the last line that
 * holds one of the words above, else the last line.  dbclient follows a
 * host key mismatch with advice ("remove the bad entry from
 * ~/.ssh/known_hosts"), which alone would hide the mismatch and the host.
 */
static const char *ssh_reason(const char *err, char *buf, size_t size)
{
	const char *end = err + strlen(err), *line = last_line(err);

	for (const char *e = end; e > err;) {
		const char *b = e;

		while (b > err && b[-1] != '\n')
			b--;
		if (has_any(b, (size_t)(e - b), ssh_final) || has_any(b, (size_t)(e - b), ssh_network)) {
			snprintf(buf, size, "%.*s", (int)(e - b), b);
			return buf;
		}
		e = b > err ? b - 1 : err;
	}
	snprintf(buf, size, "%s", line[0] ? line : "no reason given");
	return buf;
}

/*
 * A failure that waiting can mend: the network's, as either client words
 * it.  Anything else (ssh_final's, or no word of either list) is final.
 */
static bool network_failure(int status, const char *err)
{
	if (status == 0 || status == 127)
		return false;
	if (has_any(err, strlen(err), ssh_final))
		return false;
	return has_any(err, strlen(err), ssh_network);
}

/* n for DUMP_SSH's server: the client and the known hosts file chosen. */
static void net_init(struct save_net *n, const struct lkcd_conf *c)
{
	n->conf = c;
	n->dbclient = !in_path("ssh") && in_path("dbclient");
	snprintf(n->known_hosts, sizeof(n->known_hosts), "UserKnownHostsFile=%s",
		 sys_path(LKCD_CONF_KNOWN_HOSTS));
	n->pid = -1;
	n->stream = -1;
}

int save_net_check(const struct lkcd_conf *c)
{
	struct save_net n = { 0 };
	char cmd[NET_CMD_MAX], why[256], *out = malloc(NET_OUT_MAX), *err = malloc(NET_OUT_MAX);
	int status = -1;

	if (!out || !err) {
		errmsg("out of memory");
		goto out;
	}
	net_init(&n, c);
	snprintf(cmd, sizeof(cmd), "umask 077 && mkdir -p '%s' && test -w '%s' && echo lkcd-ready",
		 c->ssh_path, c->ssh_path);
	status = ssh_run(&n, cmd, -1, out, err);
	if (status == 0 && strcmp(last_line(out), "lkcd-ready"))
		status = -1;
	if (status)
		errmsg("DUMP_SSH %s@%s port %u (%s): %s", c->ssh_user, c->ssh_host, c->ssh_port,
		       c->ssh_path, err[0] ? ssh_reason(err, why, sizeof(why)) :
		       status == -1 ? "the server's shell did not answer as expected" :
		       "no reason given");
out:
	free(out);
	free(err);
	return status ? -1 : 0;
}

const char *save_net_where(const struct save_net *n)
{
	return n->where;
}

const char *save_net_part(const struct save_net *n)
{
	return n->part;
}

struct save_net *save_net_open(const struct save_request *req, const struct save_input *si)
{
	const struct lkcd_conf *c = req->conf;
	char cmd[NET_CMD_MAX], why[256];
	char *out = NULL, *err = NULL;
	struct save_net *n = calloc(1, sizeof(*n));
	double deadline = save_net_now() + c->net_wait;
	unsigned int delay = 1, tries = 0;
	int status;

	out = malloc(NET_OUT_MAX);
	err = malloc(NET_OUT_MAX);
	if (!n || !out || !err) {
		errmsg("out of memory");
		goto fail;
	}
	net_init(n, c);
	save_net_name(si, n->name, sizeof(n->name));
	snprintf(n->where, sizeof(n->where), "%s@%s:%s/%s", c->ssh_user, c->ssh_host,
		 c->ssh_path, n->name);
	snprintf(n->part, sizeof(n->part), "%s@%s:%s/.%s.part", c->ssh_user, c->ssh_host,
		 c->ssh_path, n->name);
	/* the path's characters need no quoting (config.c), the name's neither */
	snprintf(cmd, sizeof(cmd),
		 "umask 077 && mkdir -p '%s' && cd '%s' && "
		 "if test -e '%s'; then echo '%s exists already' >&2; exit 17; fi && "
		 "mkdir -p '.%s.part' && echo lkcd-ready",
		 c->ssh_path, c->ssh_path, n->name, n->name, n->name);
	for (;;) {
		tries++;
		status = ssh_run(n, cmd, -1, out, err);
		if (status == 0 && !strcmp(last_line(out), "lkcd-ready"))
			break;
		if (status == 0)
			snprintf(err, NET_OUT_MAX, "the server's shell did not answer as expected");
		if (!network_failure(status, err) || save_net_now() + delay > deadline)
			goto unreachable;
		fprintf(stderr, "%s: dump server %s@%s port %u not reached yet (%s); "
			"trying again in %u s\n", prog, c->ssh_user, c->ssh_host, c->ssh_port,
			ssh_reason(err, why, sizeof(why)), delay);
		sleep(delay);
		delay = delay * 2 > NET_DELAY_MAX ? NET_DELAY_MAX : delay * 2;
	}
	free(out);
	free(err);
	return n;
unreachable:
	errmsg("cannot save to the dump server %s@%s port %u (%s): %s%s", c->ssh_user,
	       c->ssh_host, c->ssh_port, c->ssh_path, ssh_reason(err, why, sizeof(why)),
	       tries > 1 ? " (gave up after DUMP_NET_WAIT)" : "");
fail:
	free(out);
	free(err);
	free(n);
	return NULL;
}

int save_net_dump_begin(struct save_net *n)
{
	char cmd[NET_CMD_MAX];

	snprintf(cmd, sizeof(cmd), "umask 077; cat > '%s/.%s.part/dump.flat'", n->conf->ssh_path, n->name);
	signal(SIGPIPE, SIG_IGN);	/* a session that dies is a write error, said */
	n->pid = ssh_start(n, cmd, -1, &n->stream, NULL, NULL);
	if (n->pid < 0) {
		errmsg("cannot start ssh: %s", strerror(errno));
		return -1;
	}
	return n->stream;
}

int save_net_dump_end(struct save_net *n)
{
	int status;

	if (n->stream >= 0)
		close(n->stream);
	n->stream = -1;
	if (n->pid < 0)
		return -1;
	status = ssh_wait(n->pid);
	n->pid = -1;
	if (status) {
		errmsg("sending the dump to %s failed (ssh exit status %d)", n->part, status);
		return -1;
	}
	return 0;
}

int save_net_put(struct save_net *n, int dirfd, const char *name, const char *as)
{
	char cmd[NET_CMD_MAX], why[256], *out = malloc(NET_OUT_MAX), *err = malloc(NET_OUT_MAX);
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), status = -1;

	if (fd < 0 || !out || !err) {
		errmsg("%s: %s", name, fd < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "umask 077; cat > '%s/.%s.part/%s'", n->conf->ssh_path, n->name, as);
	status = ssh_run(n, cmd, fd, out, err);
	if (status)
		errmsg("sending %s to %s failed: %s", as, n->part,
		       ssh_reason(err, why, sizeof(why)));
out:
	if (fd >= 0)
		close(fd);
	free(out);
	free(err);
	return status ? -1 : 0;
}

int save_net_publish(struct save_net *n)
{
	char cmd[NET_CMD_MAX], why[256], *out = malloc(NET_OUT_MAX), *err = malloc(NET_OUT_MAX);
	int status = -1;

	if (!out || !err) {
		errmsg("out of memory");
		goto out;
	}
	/* the flattened end marker: offset -1, size -1 (16 bytes of 0xff) */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && "
		 "end=$(tail -c 16 '.%s.part/dump.flat' | od -An -tx1 | tr -d ' \\n') && "
		 "if test \"$end\" != ffffffffffffffffffffffffffffffff; then "
		 "echo 'dump.flat does not end with the end marker: incomplete' >&2; exit 1; fi && "
		 "if test -e '%s'; then echo '%s exists already' >&2; exit 17; fi && "
		 "mv '.%s.part' '%s' && echo lkcd-saved",
		 n->conf->ssh_path, n->name, n->name, n->name, n->name, n->name);
	status = ssh_run(n, cmd, -1, out, err);
	if (status == 0 && strcmp(last_line(out), "lkcd-saved"))
		status = -1;
	if (status)
		errmsg("cannot complete the dump on %s: %s", n->where,
		       ssh_reason(err, why, sizeof(why)));
out:
	free(out);
	free(err);
	return status ? -1 : 0;
}

void save_net_close(struct save_net *n)
{
	if (!n)
		return;
	if (n->stream >= 0)
		close(n->stream);
	if (n->pid > 0) {
		kill(n->pid, SIGTERM);
		ssh_wait(n->pid);
	}
	free(n);
}
