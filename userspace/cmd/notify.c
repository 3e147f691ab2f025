// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sd_notify(3)'s STATUS= without libsystemd: the capture initramfs carries
 * lkcd and the libraries its ELF header names, and libsystemd would bring
 * more than the rest of lkcd together.  The protocol is documented and
 * stable (sd_notify(3), "NOTIFY_SOCKET"): one datagram of NAME=value lines
 * to the AF_UNIX socket named by $NOTIFY_SOCKET, an abstract one when the
 * name begins with '@'.  Failures are ignored: progress is a courtesy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lkcd.h"

void notify_status(const char *fmt, ...)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[512];
	size_t len;
	va_list ap;
	int fd, n;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	n = snprintf(msg, sizeof(msg), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	len = strlen(path);
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)!sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}
