// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd mkinitrd for DUMP_SSH and DUMP_NFS: what the capture kernel needs to reach the
 * server, found on the running system when the initramfs is built (lkcd
 * config):
 *
 *   - the server's IPv4 address (the capture has no DNS);
 *   - the interface that carries the route to it (/proc/net/route, the
 *     longest prefix, then the lowest metric), named by its MAC address
 *     (the capture kernel, without udev, names interfaces its own way),
 *     and through it the NIC's driver in sysfs (cmd_mkinitrd.c);
 *   - its address: DHCP, or with DUMP_NET_ADDRESS=static the address it
 *     has now and the route's gateway;
 *   - DUMP_SSH: the server's host key, from /etc/lkcd/known_hosts, in the
 *     form dropbear's dbclient reads (the address, the key).
 *
 * IPv4 only: an IPv6 server is refused with that reason.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "initrd.h"
#include "lkcd.h"

#define RTF_UP_BIT	0x1
#define RTF_GATEWAY_BIT	0x2

static int fail(char *why, size_t len, const char *fmt, const char *a, const char *b)
{
	snprintf(why, len, fmt, a, b);
	return -1;
}

/* The best route to ip (network order) from /proc/net/route. */
static int route_to(uint32_t ip, struct initrd_net *n, char *why, size_t len)
{
	FILE *f = fopen(sys_path("/proc/net/route"), "re");
	char line[512], ifname[64];
	unsigned int dst, gw, flags, metric, mask;
	int best_bits = -1;
	unsigned int best_metric = 0;

	if (!f)
		return fail(why, len, "cannot read %s: %s", "/proc/net/route", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		int bits;

		if (sscanf(line, "%63s %x %x %x %*d %*d %u %x", ifname, &dst, &gw, &flags, &metric,
			   &mask) != 6 || !(flags & RTF_UP_BIT))
			continue;
		if ((ip & mask) != (dst & mask))
			continue;
		bits = __builtin_popcount(mask);
		if (bits < best_bits || (bits == best_bits && metric >= best_metric))
			continue;
		best_bits = bits;
		best_metric = metric;
		snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
		n->gw[0] = '\0';
		if (flags & RTF_GATEWAY_BIT) {
			struct in_addr a = { .s_addr = gw };

			inet_ntop(AF_INET, &a, n->gw, sizeof(n->gw));
		}
	}
	fclose(f);
	if (best_bits < 0)
		return fail(why, len, "no route to %s%s", n->ip, " in /proc/net/route");
	if (!strcmp(n->ifname, "lo"))
		return fail(why, len, "%s is this machine (its route is on %s): a dump server "
			    "must be another machine", n->ip, n->ifname);
	return 0;
}

/* The interface's IPv4 address now, as a.b.c.d/prefix. */
static int current_address(struct initrd_net *n, char *why, size_t len)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return fail(why, len, "getifaddrs: %s%s", strerror(errno), "");
	for (i = ifa; i; i = i->ifa_next) {
		char a[INET_ADDRSTRLEN];
		uint32_t m;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask ||
		    strcmp(i->ifa_name, n->ifname))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof(a));
		m = ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr;
		snprintf(n->address, sizeof(n->address), "%s/%d", a, __builtin_popcount(m));
		break;
	}
	freeifaddrs(ifa);
	if (!n->address[0])
		return fail(why, len, "DUMP_NET_ADDRESS=static: %s has no IPv4 address%s",
			    n->ifname, "");
	return 0;
}

int initrd_net_find(const struct lkcd_conf *c, const char *host, struct initrd_net *n,
		    char *why, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	char p[PATH_MAX];
	uint32_t ip;
	int ret;

	memset(n, 0, sizeof(*n));
	n->conf = c;
	if (strchr(host, ':'))
		return fail(why, len, "%s: an IPv6 server; the capture initramfs configures "
			    "IPv4 only%s", host, "");
	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret)
		return fail(why, len, "cannot resolve %s: %s", host, gai_strerror(ret));
	ip = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, n->ip, sizeof(n->ip));
	freeaddrinfo(res);
	if (route_to(ip, n, why, len) < 0)
		return -1;
	snprintf(p, sizeof(p), "/sys/class/net/%s/address", n->ifname);
	if (read_text(sys_path(p), n->mac, sizeof(n->mac)) < 0 || strlen(n->mac) != 17)
		return fail(why, len, "%s: no MAC address in %s", n->ifname, p);
	for (char *m = n->mac; *m; m++)
		*m = (char)tolower((unsigned char)*m);
	n->dhcp = c->net_static ? false : true;
	if (!n->dhcp && current_address(n, why, len) < 0)
		return -1;
	return 0;
}

bool initrd_net_names_host(const char *patterns, size_t plen, const char *host,
			   unsigned int port)
{
	char want[300];
	size_t wlen;

	if (port == 22)
		snprintf(want, sizeof(want), "%s", host);
	else
		snprintf(want, sizeof(want), "[%s]:%u", host, port);
	wlen = strlen(want);
	for (size_t i = 0; i < plen;) {
		size_t j = i;

		while (j < plen && patterns[j] != ',')
			j++;
		if (j - i == wlen && !memcmp(patterns + i, want, wlen))
			return true;
		i = j + 1;
	}
	return false;
}

char *initrd_net_known_hosts(const struct lkcd_conf *c, const struct initrd_net *n,
			     char *why, size_t len)
{
	const char *path = sys_path(LKCD_CONF_KNOWN_HOSTS);
	FILE *f = fopen(path, "re");
	char line[8192], *out = NULL;
	size_t olen = 0;
	bool hashed = false;

	if (!f) {
		fail(why, len, "%s: %s (lkcd propagate puts the server's host key there)",
		     LKCD_CONF_KNOWN_HOSTS, strerror(errno));
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' '), *key, *grown;
		size_t need;

		if (line[0] == '#' || !sp)
			continue;
		if (line[0] == '|') {
			hashed = true;
			continue;
		}
		if (!initrd_net_names_host(line, (size_t)(sp - line), c->ssh_host, c->ssh_port) &&
		    !initrd_net_names_host(line, (size_t)(sp - line), n->ip, c->ssh_port))
			continue;
		key = sp + 1;
		key[strcspn(key, "\r\n")] = '\0';
		/* dbclient compares the name it connects to (the address), no port */
		need = strlen(n->ip) + strlen(key) + 3;
		grown = realloc(out, olen + need);
		if (!grown) {
			free(out);
			fclose(f);
			fail(why, len, "out of memory%s%s", "", "");
			return NULL;
		}
		out = grown;
		olen += (size_t)snprintf(out + olen, need, "%s %s\n", n->ip, key);
	}
	fclose(f);
	if (!out)
		fail(why, len, "no host key for %s in " LKCD_CONF_KNOWN_HOSTS "%s (run lkcd "
		     "propagate)", c->ssh_host, hashed ? ", only hashed entries that cannot be "
		     "matched" : "");
	return out;
}

/*
 * The udhcpc script: the lease's address and router, nothing else.  It
 * says the lease on /dev/console: a late lease comes to udhcpc in the
 * background, whose stdout is /dev/null.
 */
const char initrd_net_udhcpc_script[] =
	"#!/bin/sh\n"
	"# udhcpc's script in the lkcd capture initramfs (lkcd mkinitrd)\n"
	"case \"$1\" in\n"
	"deconfig) ip addr flush dev \"$interface\" ;;\n"
	"bound|renew)\n"
	"\tip addr flush dev \"$interface\"\n"
	"\tip addr add \"$ip/${mask:-24}\" dev \"$interface\"\n"
	"\tfor r in $router; do ip route add default via \"$r\" dev \"$interface\" && break; done\n"
	"\techo \"lkcd-capture: $interface has $ip/${mask:-24} (DHCP)\" >/dev/console ;;\n"
	"esac\n"
	"exit 0\n";
