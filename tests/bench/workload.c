// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * workload: the reference memory picture of `make bench` (tests/bench/run),
 * the same on both sides of the comparison (lkcd and kdump + makedumpfile).
 *
 *   workload gen DIR [--scale=S]
 *       on the host: write the 48 x S seeded 4 MiB files DIR/fNNN (2/3
 *       log-like text, 1/3 random) that go into the guest's ext4 disk image
 *   workload run DATADIR TMPDIR DIRTYFILE [--scale=S] [--crash]
 *       in the guest: fill memory as a busy server would, then (with
 *       --crash) panic the kernel through /proc/sysrq-trigger while still
 *       holding everything, per unit of scale (S = 1, the reference, by
 *       default; tests/bench/run passes the guest's GiB):
 *         192 MiB clean page cache  every DATADIR/fNNN read once
 *         128 MiB private anon      per page 25% zero, 25% random, 50% text
 *          32 MiB tmpfs file        TMPDIR/fill (text), plus 20,000 empty
 *                                   files TMPDIR/slab/NNNNNNN (inodes, dentries)
 *          16 MiB unsynced ext4     DIRTYFILE written, never synced
 *
 * Everything is generated from fixed seeds, so every run and both sides
 * see the same bytes; scale S is the first S units' bytes of a larger
 * scale (file i, page i of the anonymous memory are the same at every
 * scale).  Each step prints one "bench-workload:" line with the
 * time it took; the last is "bench-workload: ready".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB		(1024u * 1024u)
#define PAGE		4096u
/* per unit of scale */
#define NR_FILES	48
#define FILE_SIZE	(4 * MIB)
#define ANON_SIZE	(128 * MIB)
#define TMPFS_SIZE	(32 * MIB)
#define NR_EMPTY	20000
#define DIRTY_SIZE	(16 * MIB)
#define MAX_SCALE	64	/* a 64 GiB guest; keeps every size in size_t */

static unsigned int scale = 1;

/* splitmix64: small, seedable, good enough for test data */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill_random(uint8_t *buf, size_t len, uint64_t *s)
{
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t r = next_rand(s);

		memcpy(buf + i, &r, 8);
	}
	for (; i < len; i++)
		buf[i] = (uint8_t)next_rand(s);
}

static const char *const words[] = {
	"connection", "accepted", "closed", "request", "GET", "POST", "/api/v1/items",
	"/healthz", "user", "session", "timeout", "retry", "backend", "upstream",
	"cache", "miss", "hit", "error", "warning", "info", "debug", "worker",
	"queue", "latency", "bytes", "status", "ok", "failed", "database", "commit",
	"rollback", "lock", "acquired", "released", "shard", "replica", "primary",
};
static const char *const levels[] = { "INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR" };
static const char *const services[] = { "nginx", "api", "db-proxy", "cron", "auth", "sshd" };
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Log-like text: timestamped lines of words and numbers, as syslog holds. */
static void fill_text(uint8_t *buf, size_t len, uint64_t *s)
{
	char line[256];
	size_t off = 0;

	while (off < len) {
		uint64_t r = next_rand(s);
		int n = snprintf(line, sizeof(line),
				 "2026-11-24T%02u:%02u:%02u.%06u lkcd-bench %s[%u]: %s",
				 (unsigned)(r % 24), (unsigned)((r >> 5) % 60),
				 (unsigned)((r >> 11) % 60), (unsigned)((r >> 17) % 1000000),
				 services[(r >> 37) % NELEM(services)],
				 (unsigned)(1000 + (r >> 40) % 30000),
				 levels[(r >> 56) % NELEM(levels)]);
		int nw = 3 + (int)(next_rand(s) % 8);

		for (int w = 0; w < nw && n < (int)sizeof(line) - 40; w++) {
			r = next_rand(s);
			if (r % 4 == 0)
				n += snprintf(line + n, sizeof(line) - n, " id=%llu",
					      (unsigned long long)(r >> 20) % 100000000ull);
			else
				n += snprintf(line + n, sizeof(line) - n, " %s",
					      words[(r >> 8) % NELEM(words)]);
		}
		line[n++] = '\n';
		if ((size_t)n > len - off)
			n = (int)(len - off);
		memcpy(buf + off, line, n);
		off += n;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const uint8_t *buf, size_t len, const char *path)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "workload: write %s: %s\n", path, strerror(errno));
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		fprintf(stderr, "workload: create %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (write_all(fd, buf, len, path) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* File i of the data set: every third one random, the others text. */
static void data_file(uint8_t *buf, unsigned int i)
{
	uint64_t s = 0x6c6b6364ull * 1000 + (uint64_t)i;

	if (i % 3 == 2)
		fill_random(buf, FILE_SIZE, &s);
	else
		fill_text(buf, FILE_SIZE, &s);
}

/* f00..f47 at scale 1 (the reference's names), f048.. past it */
static void data_path(char *path, size_t size, const char *dir, unsigned int i)
{
	snprintf(path, size, i < NR_FILES ? "%s/f%02u" : "%s/f%03u", dir, i);
}

static int gen(const char *dir)
{
	uint8_t *buf = malloc(FILE_SIZE);
	char path[4096];

	if (!buf)
		return 1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "workload: mkdir %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (unsigned int i = 0; i < NR_FILES * scale; i++) {
		data_file(buf, i);
		data_path(path, sizeof(path), dir, i);
		if (write_file(path, buf, FILE_SIZE) < 0)
			return 1;
	}
	free(buf);
	return 0;
}

static int step_page_cache(const char *dir)
{
	uint8_t *buf = malloc(MIB);
	char path[4096];
	size_t total = 0;

	if (!buf)
		return -1;
	for (unsigned int i = 0; i < NR_FILES * scale; i++) {
		int fd;
		ssize_t n;

		data_path(path, sizeof(path), dir, i);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "workload: open %s: %s\n", path, strerror(errno));
			return -1;
		}
		while ((n = read(fd, buf, MIB)) > 0)
			total += n;
		close(fd);
		if (n < 0) {
			fprintf(stderr, "workload: read %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	free(buf);
	if (total != (size_t)NR_FILES * FILE_SIZE * scale) {
		fprintf(stderr, "workload: read %zu bytes of data, expected %zu\n",
			total, (size_t)NR_FILES * FILE_SIZE * scale);
		return -1;
	}
	return 0;
}

/* The anonymous memory stays mapped (and is never freed) until the panic. */
static int step_anon(void)
{
	size_t size = (size_t)ANON_SIZE * scale;
	uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t s = 0xa404ull;

	if (mem == MAP_FAILED) {
		fprintf(stderr, "workload: mmap %zu MiB: %s\n", size / MIB, strerror(errno));
		return -1;
	}
	for (size_t off = 0; off < size; off += PAGE) {
		unsigned int kind = (unsigned int)(next_rand(&s) % 4);

		if (kind == 0)
			memset(mem + off, 0, PAGE);	/* a written, private zero page */
		else if (kind == 1)
			fill_random(mem + off, PAGE, &s);
		else
			fill_text(mem + off, PAGE, &s);
	}
	return 0;
}

static int step_tmpfs(const char *tmpdir)
{
	size_t size = (size_t)TMPFS_SIZE * scale;
	uint8_t *buf = malloc(size);
	char path[4096];
	uint64_t s = 0x7357ull;

	if (!buf)
		return -1;
	fill_text(buf, size, &s);
	snprintf(path, sizeof(path), "%s/fill", tmpdir);
	if (write_file(path, buf, size) < 0)
		return -1;
	free(buf);
	snprintf(path, sizeof(path), "%s/slab", tmpdir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "workload: mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (unsigned int i = 0; i < NR_EMPTY * scale; i++) {
		int fd;

		snprintf(path, sizeof(path), i < NR_EMPTY ? "%s/slab/%05u" : "%s/slab/%07u", tmpdir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			fprintf(stderr, "workload: create %s: %s\n", path, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int step_dirty(const char *path)
{
	size_t size = (size_t)DIRTY_SIZE * scale;
	uint8_t *buf = malloc(size);
	uint64_t s = 0xd1e7ull;

	if (!buf)
		return -1;
	fill_text(buf, size, &s);
	/* no fsync: these pages are still dirty at the panic */
	if (write_file(path, buf, size) < 0)
		return -1;
	free(buf);
	return 0;
}

static int run(const char *datadir, const char *tmpdir, const char *dirty, int crash)
{
	double t0 = now(), t;

	t = now();
	if (step_page_cache(datadir) < 0)
		return 1;
	printf("bench-workload: page cache %u MiB read in %.2f s\n",
	       NR_FILES * FILE_SIZE / MIB * scale, now() - t);
	t = now();
	if (step_anon() < 0)
		return 1;
	printf("bench-workload: anon %u MiB filled in %.2f s\n", ANON_SIZE / MIB * scale, now() - t);
	t = now();
	if (step_tmpfs(tmpdir) < 0)
		return 1;
	printf("bench-workload: tmpfs %u MiB + %u empty files in %.2f s\n",
	       TMPFS_SIZE / MIB * scale, NR_EMPTY * scale, now() - t);
	t = now();
	if (step_dirty(dirty) < 0)
		return 1;
	printf("bench-workload: %u MiB unsynced to %s in %.2f s\n", DIRTY_SIZE / MIB * scale, dirty, now() - t);
	printf("bench-workload: ready after %.2f s\n", now() - t0);
	fflush(stdout);
	if (crash) {
		int fd = open("/proc/sysrq-trigger", O_WRONLY);

		if (fd < 0 || write(fd, "c", 1) != 1) {
			fprintf(stderr, "workload: /proc/sysrq-trigger: %s\n", strerror(errno));
			return 1;
		}
		fprintf(stderr, "workload: still alive after the sysrq crash\n");
		return 1;
	}
	return 0;
}

/* --scale=S: 1..MAX_SCALE, digits only */
static int parse_scale(const char *arg)
{
	char *end;
	unsigned long long v;

	if (arg[0] < '0' || arg[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || v < 1 || v > MAX_SCALE)
		return -1;
	scale = (unsigned int)v;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: workload gen DIR [--scale=S]\n"
			"       workload run DATADIR TMPDIR DIRTYFILE [--scale=S] [--crash]\n"
			"       (S: 1 to %u units of the reference workload, default 1)\n", MAX_SCALE);
	return 2;
}

int main(int argc, char **argv)
{
	int nargs = 0, crash = 0;
	char *args[5];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--crash"))
			crash = 1;
		else if (!strncmp(argv[i], "--scale=", 8)) {
			if (parse_scale(argv[i] + 8) < 0) {
				fprintf(stderr, "workload: bad scale '%s' (1 to %u)\n", argv[i] + 8, MAX_SCALE);
				return 2;
			}
		} else if (nargs < 4)
			args[nargs++] = argv[i];
		else
			return usage();
	}
	if (nargs == 2 && !strcmp(args[0], "gen") && !crash)
		return gen(args[1]);
	if (nargs == 4 && !strcmp(args[0], "run"))
		return run(args[1], args[2], args[3], crash);
	return usage();
}
