// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lkcd query / status: is a dump going to be taken at the next panic?
 * Armed = the module is loaded (/proc/sys/kernel/dump), it has a header
 * address, a capture kernel is loaded (/sys/kernel/kexec/crash_loaded, before
 * late 2025 /sys/kernel/kexec_crash_loaded) and
 * crash_kexec_post_notifiers is on (else kexec runs before the dumper),
 * and the kernel is not locked down at confidentiality (then the panic
 * dumps no memory, see Documentation/security.rst).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lkcd.h"
#include "lkcd/params.h"

struct state {
	bool module;
	bool have_addr, have_level, have_compress, have_flags, have_exclude;
	uint64_t addr;
	uint32_t level, compress, flags, exclude;
	uint64_t crash_size;
	bool crash_loaded;
	bool post_notifiers;
	bool have_panic;
	long panic;
	const char *lockdown;	/* lockdown_level(), NULL when unknown */
};

static bool read_u64(const char *file, uint64_t *v)
{
	char buf[64];

	return read_text(sys_path(file), buf, sizeof(buf)) == 0 && parse_u64(buf, v) == 0;
}

static bool read_u32(const char *file, uint32_t *v)
{
	uint64_t x;

	if (!read_u64(file, &x) || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static void gather(struct state *s)
{
	char buf[64];
	uint64_t v;

	memset(s, 0, sizeof(*s));
	s->module = access(sys_path("/proc/sys/kernel/dump"), F_OK) == 0;
	s->have_addr = read_u64("/proc/sys/kernel/dump/addr", &s->addr) && s->addr;
	s->have_level = read_u32("/proc/sys/kernel/dump/level", &s->level);
	s->have_compress = read_u32("/proc/sys/kernel/dump/compress", &s->compress);
	s->have_flags = read_u32("/proc/sys/kernel/dump/flags", &s->flags);
	s->have_exclude = read_u32("/proc/sys/kernel/dump/exclude", &s->exclude);
	read_u64(kexec_sysfs("crash_size"), &s->crash_size);
	s->crash_loaded = read_u64(kexec_sysfs("crash_loaded"), &v) && v == 1;
	s->lockdown = lockdown_level();
	s->post_notifiers = read_text(sys_path("/sys/module/kernel/parameters/crash_kexec_post_notifiers"),
				      buf, sizeof(buf)) == 0 && (buf[0] == 'Y' || buf[0] == '1');
	if (read_text(sys_path("/proc/sys/kernel/panic"), buf, sizeof(buf)) == 0) {
		char *end;

		s->panic = strtol(buf, &end, 10);
		s->have_panic = !*end;
	}
}

static bool confidential(const struct state *s)
{
	return s->lockdown && !strcmp(s->lockdown, "confidentiality");
}

static bool armed(const struct state *s)
{
	return s->module && s->have_addr && s->crash_loaded && s->post_notifiers &&
	       s->have_level && s->level != LKCD_LEVEL_NONE && !confidential(s);
}

/*
 * Why no dump would be taken at the next panic: up to max reasons, worded
 * for an admin.  Empty when armed.
 */
static size_t why_not(const struct state *s, const char *out[], size_t max)
{
	size_t n = 0;

#define WHY(cond, text) do { if ((cond) && n < max) out[n++] = (text); } while (0)
	WHY(!s->module, "lkcd module not loaded (no /proc/sys/kernel/dump)");
	WHY(s->module && !s->have_addr, "no header address (cannot read /proc/sys/kernel/dump/addr)");
	WHY(s->module && s->have_level && s->level == LKCD_LEVEL_NONE, "DUMP_LEVEL is none");
	WHY(!s->crash_size, "no crashkernel= reservation");
	WHY(s->crash_size && !s->crash_loaded, "no capture kernel loaded (run lkcd config)");
	WHY(!s->post_notifiers, "crash_kexec_post_notifiers is off");
	WHY(confidential(s), "the kernel is locked down (confidentiality): a panic dumps no memory");
#undef WHY
	return n;
}

bool dumper_armed(const char **why)
{
	const char *reasons[1];
	struct state s;

	gather(&s);
	if (armed(&s))
		return true;
	*why = why_not(&s, reasons, 1) ? reasons[0] : "not armed";
	return false;
}

static void print_text(const struct state *s)
{
	const char *reasons[8];
	size_t n = why_not(s, reasons, 8);

	printf("armed:                %s\n", armed(s) ? "yes" : "no");
	for (size_t i = 0; i < n; i++)
		printf("  why not:            %s\n", reasons[i]);
	printf("module loaded:        %s\n", s->module ? "yes" : "no");
	if (s->have_addr)
		printf("header address:       0x%llx\n", (unsigned long long)s->addr);
	if (s->have_level)
		printf("level:                %s (%u)\n", lkcd_level_name(s->level), s->level);
	if (s->have_compress)
		printf("compress:             %s (%u)\n", lkcd_compress_name(s->compress), s->compress);
	if (s->have_flags)
		printf("flags:                0x%x\n", s->flags);
	if (s->have_exclude)
		printf("exclude:              0x%x%s\n", s->exclude,
		       s->exclude ? "" : " (the level's default)");
	printf("crashkernel size:     %llu bytes\n", (unsigned long long)s->crash_size);
	printf("capture kernel:       %s\n", s->crash_loaded ? "loaded" : "not loaded");
	printf("post notifiers:       %s\n", s->post_notifiers ? "on" : "off");
	if (s->have_panic)
		printf("panic timeout:        %ld\n", s->panic);
	if (s->lockdown)
		printf("lockdown:             %s\n", s->lockdown);
	snapshot_state_line(stdout);
}

static void print_json(const struct state *s)
{
	struct json_object *o = json_object_new_object(), *why = json_object_new_array();
	const char *reasons[8], *ss;
	size_t n = why_not(s, reasons, 8);
	char snap[256];

#define B(k, v) json_object_object_add(o, k, json_object_new_boolean(v))
#define N(k, v) json_object_object_add(o, k, json_object_new_uint64(v))
#define S(k, v) json_object_object_add(o, k, json_object_new_string(v))
	B("armed", armed(s));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(why, json_object_new_string(reasons[i]));
	json_object_object_add(o, "reasons", why);
	B("module_loaded", s->module);
	if (s->have_addr)
		N("header_address", s->addr);
	if (s->have_level) {
		N("level", s->level);
		S("level_name", lkcd_level_name(s->level));
	}
	if (s->have_compress) {
		N("compress", s->compress);
		S("compress_name", lkcd_compress_name(s->compress));
	}
	if (s->have_flags)
		N("flags", s->flags);
	if (s->have_exclude)
		N("exclude", s->exclude);
	N("crashkernel_size", s->crash_size);
	B("capture_kernel_loaded", s->crash_loaded);
	B("post_notifiers", s->post_notifiers);
	if (s->have_panic)
		json_object_object_add(o, "panic_timeout", json_object_new_int64(s->panic));
	if (s->lockdown)
		S("lockdown", s->lockdown);
	ss = snapshot_state_text(snap, sizeof(snap));
	if (ss)
		S("snapshot_state", ss);
#undef B
#undef N
#undef S
	json_print(o);
}

static void query_usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s [options]\n\n"
		"Show whether a dump will be taken at the next panic, and the settings.\n\n"
		"  -j, --json           print one JSON object (with \"reasons\": why not armed)\n"
		"  -h, --help           show this help\n"
		"\nExit: 0 armed, 4 not armed, 1 usage error.\n", prog, cmd);
}

int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	struct state s;
	int c, rc;

	while ((c = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		default:
			if ((rc = cmd_option(c, query_usage, argv[0])) >= 0)
				return rc;
		}
	}
	if (cmd_operands(argc, argv, 0) != EXIT_OK)
		return EXIT_FAIL;
	gather(&s);
	if (json)
		print_json(&s);
	else
		print_text(&s);
	return armed(&s) ? EXIT_OK : EXIT_NOTARMED;
}
