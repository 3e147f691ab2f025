// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Helpers for the lkcd commands: messages, small files, kernel command line, exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>


#include "lkcd.h"

void errmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void warnmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_option(int c, cmd_usage_fn *usage, const char *cmd)
{
	switch (c) {
	case 'c':
		conf_path = optarg;
		conf_path_given = true;
		return -1;
	case 'h':
		usage(stdout, cmd);
		return EXIT_OK;
	default:
		usage(stderr, cmd);
		return EXIT_FAIL;
	}
}

int cmd_operands(int argc, char **argv, int max)
{
	if (argc - optind <= max)
		return EXIT_OK;
	errmsg("%s: unexpected argument '%s'", argv[0], argv[optind + max]);
	return EXIT_FAIL;
}

static void print_report(void *ctx, const char *msg)
{
	(void)ctx;
	errmsg("%s", msg);
}

int load_config(struct lkcd_conf *conf)
{
	int ret;

	lkcd_conf_defaults(conf);
	if (!conf_path_given && access(conf_path, F_OK) != 0 && errno == ENOENT)
		return 0;	/* no /etc/lkcd.conf: the defaults */
	ret = lkcd_conf_load(conf_path, conf, print_report, NULL);
	if (ret == -EINVAL)
		errmsg("%s: not applied (fix the lines above)", conf_path);
	return ret ? -1 : 0;
}

const char *sys_path(const char *path)
{
	static char bufs[4][4096];
	static unsigned int slot;
	const char *root = getenv("LKCD_SYSROOT");
	char *b;

	if (!root || !*root)
		return path;
	b = bufs[slot++ % 4];
	snprintf(b, sizeof(bufs[0]), "%s%s", root, path);
	return b;
}

const char *kexec_sysfs(const char *name)
{
	/*
	 * "kexec: move sysfs entries to /sys/kernel/kexec" (2025): the old
	 * files became links, documented as obsolete and to be removed.
	 */
	static const struct {
		const char *name, *now, *old;
	} files[] = {
		{ "loaded", "/sys/kernel/kexec/loaded", "/sys/kernel/kexec_loaded" },
		{ "crash_loaded", "/sys/kernel/kexec/crash_loaded", "/sys/kernel/kexec_crash_loaded" },
		{ "crash_size", "/sys/kernel/kexec/crash_size", "/sys/kernel/kexec_crash_size" },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(name, files[i].name))
			return access(sys_path(files[i].now), F_OK) == 0 ? files[i].now : files[i].old;
	return name;	/* not a kexec file: the caller's bug, seen as ENOENT */
}

int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return 0;
}

int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	/* O_TRUNC is a no-op on /proc and /sys, and keeps test trees honest */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* one write(2): sysctls take one value per write */
	n = write(fd, text, len);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (close(fd) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

const char *lockdown_level(void)
{
	static const char *const levels[] = { "none", "integrity", "confidentiality" };
	char text[128], *open_br, *close_br;
	size_t i;

	if (read_text(sys_path("/sys/kernel/security/lockdown"), text, sizeof(text)) < 0)
		return NULL;
	open_br = strchr(text, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (!close_br)
		return NULL;
	*close_br = '\0';
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(open_br + 1, levels[i]))
			return levels[i];
	return NULL;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * Next parameter of a kernel command line: [*start, *end).  Double quotes
 * group spaces, as the kernel's next_arg() does.  false at the end.
 */
static bool next_param(const char **p, const char **start, const char **end)
{
	const char *s = *p;
	bool quoted = false;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!*s)
		return false;
	*start = s;
	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && (*s == ' ' || *s == '\t' || *s == '\n'))
			break;
	}
	*end = s;
	*p = s;
	return true;
}

/* name, or with a trailing '*' every name it begins (hugepages*) */
static bool param_is(const char *start, const char *end, const char *name)
{
	size_t n = strlen(name);

	if (n && name[n - 1] == '*')
		return (size_t)(end - start) >= n - 1 && !strncmp(start, name, n - 1);
	return (size_t)(end - start) >= n && !strncmp(start, name, n) &&
	       (start + n == end || start[n] == '=');
}

int cmdline_get(const char *cmdline, const char *key, char *val, size_t size)
{
	const char *p = cmdline, *s, *e;
	size_t n = strlen(key);

	while (next_param(&p, &s, &e)) {
		if (param_is(s, e, key) && s + n < e && s[n] == '=') {
			size_t len = (size_t)(e - (s + n + 1));

			if (len >= size)
				len = size - 1;
			memcpy(val, s + n + 1, len);
			val[len] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

int cmdline_filter(const char *cmdline, const char *const *drop, char *out,
		   size_t size)
{
	const char *p = cmdline, *s, *e;
	size_t used = 0;

	out[0] = '\0';
	while (next_param(&p, &s, &e)) {
		const char *const *d;
		size_t len = (size_t)(e - s);

		for (d = drop; *d; d++)
			if (param_is(s, e, *d))
				break;
		if (*d)
			continue;
		if (used + (used ? 1 : 0) + len + 1 > size)
			return -ENOSPC;
		if (used)
			out[used++] = ' ';
		memcpy(out + used, s, len);
		used += len;
		out[used] = '\0';
	}
	return 0;
}

int run_command(char *const argv[])
{
	int status, pipefd[2], child_errno = 0;
	pid_t pid;

	/* a close-on-exec pipe tells us whether execvp itself failed */
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		errmsg("pipe: %s", strerror(errno));
		return 127;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		errmsg("cannot fork to run %s: %s", argv[0], strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return 127;
	}
	if (pid == 0) {
		int e;

		close(pipefd[0]);
		execvp(argv[0], argv);
		e = errno;
		if (write(pipefd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	while (read(pipefd[0], &child_errno, sizeof(child_errno)) < 0 && errno == EINTR)
		;
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			errmsg("waiting for %s: %s", argv[0], strerror(errno));
			return 127;
		}
	}
	if (child_errno) {
		errmsg("cannot run %s: %s%s", argv[0], strerror(child_errno),
		       child_errno == ENOENT ? " (not installed or not in PATH)" : "");
		return 127;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void json_print(struct json_object *o)
{
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text = o ? json_object_to_json_string_ext(o, flags) : NULL;

	if (text)
		puts(text);
	else
		errmsg("out of memory building the JSON output");
	json_object_put(o);
}
