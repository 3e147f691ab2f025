// SPDX-License-Identifier: GPL-2.0 OR MIT
/* See runcmd.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "runcmd.h"

int vrun_capture(char *out, size_t size, const char *fmt, va_list ap)
{
	char cmd[4096];
	size_t n = 0, r;
	FILE *p;
	int len, st;

	len = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	if (len < 0 || (size_t)len + sizeof(" 2>&1") > sizeof(cmd))
		return -1;
	strcat(cmd, " 2>&1");
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < size && (r = fread(out + n, 1, size - 1 - n, p)) > 0)
		n += r;
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f) ? -1 : 0;
}

int remove_workdir(const char *dir)
{
	char cmd[512];

	if (!dir[0] || getenv("LKCD_TEST_KEEP"))
		return 0;
	if ((size_t)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) >= sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

char run_out[65536];

int run(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vrun_capture(run_out, sizeof(run_out), fmt, ap);
	va_end(ap);
	return ret;
}
