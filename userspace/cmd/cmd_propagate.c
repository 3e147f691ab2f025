// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd propagate: what kdumpctl propagate and kdump-config propagate do for
 * DUMP_SSH's server, then the proof that the save will be able to log in:
 *
 *   1. DUMP_SSH_KEY: made when missing (ssh-keygen, ed25519, no
 *      passphrase: the capture kernel has nobody to type one), 0600;
 *   2. the server's host key into /etc/lkcd/known_hosts when it has none
 *      (ssh-keyscan: accepted on first use, its fingerprint printed to be
 *      compared with the server's);
 *   3. the public key appended to the user's ~/.ssh/authorized_keys on the
 *      server, unless already there, through one ordinary ssh login (a
 *      password or the admin's own key);
 *   4. a login with DUMP_SSH_KEY alone, as lkcd save does it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "initrd.h"
#include "save.h"

/* Run argv with stdin from in_fd (-1: inherited), stdout into out_fd (-1: ours). */
static int run_io(char *const argv[], int in_fd, int out_fd)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if ((in_fd >= 0 && dup2(in_fd, 0) < 0) || (out_fd >= 0 && dup2(out_fd, 1) < 0))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int make_key(const struct lkcd_conf *c)
{
	char comment[300], dir[PATH_MAX], *slash, host[256] = "localhost";
	char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f",
			 (char *)c->ssh_key, NULL };

	if (access(c->ssh_key, F_OK) == 0) {
		printf("key: %s (there already)\n", c->ssh_key);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", c->ssh_key);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			errmsg("cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(comment, sizeof(comment), "lkcd@%s", host);
	if (run_io(argv, -1, -1) != 0) {
		errmsg("ssh-keygen could not make %s", c->ssh_key);
		return -1;
	}
	printf("key: %s made (ed25519, no passphrase: the capture kernel cannot type one)\n",
	       c->ssh_key);
	return 0;
}

/* The server's host key, when /etc/lkcd/known_hosts has none for it. */
static int host_key(const struct lkcd_conf *c)
{
	const char *kh = sys_path(LKCD_CONF_KNOWN_HOSTS);
	char port[16], line[8192], tmp[PATH_MAX];
	char *scan[] = { "ssh-keyscan", "-T", "10", "-p", port, (char *)c->ssh_host, NULL };
	char *fp[] = { "ssh-keygen", "-l", "-f", tmp, NULL };
	FILE *f = fopen(kh, "re"), *in;
	int fd, st, added = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (sp && initrd_net_names_host(line, (size_t)(sp - line), c->ssh_host, c->ssh_port)) {
			fclose(f);
			printf("host key: %s has one for %s\n", LKCD_CONF_KNOWN_HOSTS, c->ssh_host);
			return 0;
		}
	}
	if (f)
		fclose(f);
	snprintf(port, sizeof(port), "%u", c->ssh_port);
	snprintf(tmp, sizeof(tmp), "%s.scan-XXXXXX", kh);
	fd = mkstemp(tmp);
	if (fd < 0) {
		errmsg("cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	st = run_io(scan, -1, fd);
	close(fd);
	in = fopen(tmp, "re");
	f = fopen(kh, "ae");
	while (st == 0 && in && f && fgets(line, sizeof(line), in))
		if (line[0] != '#' && strchr(line, ' ') && fputs(line, f) >= 0)
			added++;
	if (f && fclose(f) != 0)
		added = 0;
	if (in)
		fclose(in);
	if (!added) {
		unlink(tmp);
		errmsg("ssh-keyscan found no host key at %s port %u", c->ssh_host, c->ssh_port);
		return -1;
	}
	printf("host key: %s port %u accepted on first use into %s; compare with the server's "
	       "own (ssh-keygen -l -f /etc/ssh/ssh_host_*.pub there):\n", c->ssh_host,
	       c->ssh_port, LKCD_CONF_KNOWN_HOSTS);
	fflush(stdout);
	run_io(fp, -1, -1);
	unlink(tmp);
	return 0;
}

/* The public key into the user's authorized_keys, through one ordinary login. */
static int install_key(const struct lkcd_conf *c)
{
	char pub[PATH_MAX + 8], port[16], kh[PATH_MAX + 32];
	char *argv[] = { "ssh", "-o", "StrictHostKeyChecking=yes", "-o", kh, "-p", port,
			 "-l", (char *)c->ssh_user, "--", (char *)c->ssh_host,
			 "umask 077; mkdir -p ~/.ssh && k=$(cat) && "
			 "if grep -qxF \"$k\" ~/.ssh/authorized_keys 2>/dev/null; then echo present; "
			 "else echo \"$k\" >>~/.ssh/authorized_keys && echo added; fi", NULL };
	int fd, st;

	snprintf(pub, sizeof(pub), "%s.pub", c->ssh_key);
	snprintf(port, sizeof(port), "%u", c->ssh_port);
	snprintf(kh, sizeof(kh), "UserKnownHostsFile=%s", sys_path(LKCD_CONF_KNOWN_HOSTS));
	fd = open(pub, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errmsg("%s: %s", pub, strerror(errno));
		return -1;
	}
	printf("installing %s for %s@%s (this login may ask for a password):\n", pub, c->ssh_user,
	       c->ssh_host);
	fflush(stdout);
	st = run_io(argv, fd, -1);
	close(fd);
	if (st) {
		errmsg("installing the key on %s@%s failed (ssh exit status %d)", c->ssh_user,
		       c->ssh_host, st);
		return -1;
	}
	return 0;
}

int cmd_propagate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lkcd_conf conf;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: %s propagate\n\n"
			       "Make DUMP_SSH_KEY if missing, accept the server's host key into %s\n"
			       "if it has none, install the key on DUMP_SSH's server, and check that\n"
			       "lkcd save can log in with it.\n", prog, LKCD_CONF_KNOWN_HOSTS);
			return EXIT_OK;
		}
		return EXIT_FAIL;
	}
	if (optind < argc) {
		errmsg("propagate takes no arguments");
		return EXIT_FAIL;
	}
	if (load_config(&conf) < 0)
		return EXIT_FAIL;
	if (!conf.ssh[0]) {
		errmsg("DUMP_SSH is not set in %s: no server to propagate to", conf_path);
		return EXIT_FAIL;
	}
	umask(077);
	if (make_key(&conf) < 0 || host_key(&conf) < 0 || install_key(&conf) < 0)
		return EXIT_FAIL;
	if (save_net_check(&conf) < 0) {
		errmsg("the key is installed but lkcd save's login (BatchMode, this key only) fails");
		return EXIT_FAIL;
	}
	printf("login checked: %s@%s port %u with %s, %s writable\n", conf.ssh_user, conf.ssh_host,
	       conf.ssh_port, conf.ssh_key, conf.ssh_path);
	return EXIT_OK;
}
