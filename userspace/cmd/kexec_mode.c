// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * How lkcd config loads the capture kernel: which kexec system call, and
 * whether the kernel then keeps the capture image's view of memory current
 * on hotplug by itself.
 *
 * kexec_load (kexec -p): kexec-tools builds the capture kernel's ELF core
 * header (elfcorehdr) and memory map in userspace, from /proc/iomem.
 * kexec_file_load (kexec -p -s): the kernel builds them.  Two cases need
 * the second:
 *   - lockdown (either level) refuses kexec_load;
 *   - crashkernel=SIZE,cma (6.16+): only the kernel's own loader hands the
 *     capture kernel the CMA ranges as memory (x86's
 *     crash_setup_memmap_entries()); kexec-tools (2.0.32 included) does not
 *     know them, so after kexec_load the capture kernel would run in the
 *     crashkernel= range alone, which a ,cma user sized for the kernel and
 *     initramfs only.
 *
 * CONFIG_CRASH_HOTPLUG (6.6+): on memory or CPU hotplug the kernel rewrites
 * the loaded image's elfcorehdr itself when the image allows it: always
 * after kexec_file_load, after kexec_load only when it was loaded with
 * KEXEC_UPDATE_ELFCOREHDR (kexec-tools' --hotplug, which bookworm's 2.0.25
 * lacks and trixie's has).  The kernel says which in
 * /sys/devices/system/{memory,cpu}/crash_hotplug (1: it updates the loaded
 * image), and lkcd's udev rule (99-lkcd.rules) then leaves the image alone
 * instead of reloading it after every hotplug event.  lkcd.ko itself needs
 * no reload either way: it rebuilds its own range table on memory hotplug.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lkcd.h"

#define MEMORY_CRASH_HOTPLUG	"/sys/devices/system/memory/crash_hotplug"
#define CPU_CRASH_HOTPLUG	"/sys/devices/system/cpu/crash_hotplug"

/*
 * Does the command line reserve crash kernel memory from CMA (a
 * crashkernel=SIZE,cma parameter; there may be a plain crashkernel= too)?
 */
static bool cmdline_has_crash_cma(const char *cmdline)
{
	const char *p = cmdline;

	while ((p = strstr(p, "crashkernel="))) {
		size_t len;

		/* a parameter of its own, not the tail of another's name */
		if (p != cmdline && p[-1] != ' ') {
			p++;
			continue;
		}
		len = strcspn(p, " \n");
		if (len >= 4 && !strncmp(p + len - 4, ",cma", 4))
			return true;
		p += len;
	}
	return false;
}

/* Does this kernel update a capture image on hotplug (CONFIG_CRASH_HOTPLUG)? */
static bool kernel_has_crash_hotplug(void)
{
	return access(sys_path(MEMORY_CRASH_HOTPLUG), F_OK) == 0 ||
	       access(sys_path(CPU_CRASH_HOTPLUG), F_OK) == 0;
}

/* Does the kexec on PATH take --hotplug (its --help names it)? */
static bool kexec_takes_hotplug(void)
{
	char line[256];
	bool found = false;
	FILE *p;

	fflush(NULL);
	p = popen("kexec --help 2>/dev/null", "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, "--hotplug"))
			found = true;
	pclose(p);
	return found;
}

void kexec_mode_pick(const char *lockdown, struct kexec_mode *m)
{
	char cmdline[4096];

	memset(m, 0, sizeof(*m));
	if (lockdown && strcmp(lockdown, "none")) {
		m->file = true;
		m->why = "the kernel is locked down, which refuses kexec_load";
	} else if (read_text(sys_path("/proc/cmdline"), cmdline, sizeof(cmdline)) == 0 &&
		   cmdline_has_crash_cma(cmdline)) {
		m->file = true;
		m->why = "crashkernel=...,cma: only kexec_file_load gives the capture kernel "
			 "the CMA ranges";
	}
	/* kexec_file_load images are updated on hotplug without asking */
	m->hotplug = !m->file && kernel_has_crash_hotplug() && kexec_takes_hotplug();
}

int kernel_updates_capture_image(void)
{
	char buf[16];

	if (read_text(sys_path(MEMORY_CRASH_HOTPLUG), buf, sizeof(buf)) < 0 &&
	    read_text(sys_path(CPU_CRASH_HOTPLUG), buf, sizeof(buf)) < 0)
		return -1;
	return !strcmp(buf, "1");
}
