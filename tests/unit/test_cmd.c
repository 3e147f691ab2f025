// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The lkcd program end to end, off any VM: a dump packed by the real packer
 * over simulated memory (simmem.c) is written as an ELF vmcore (elfcore.c),
 * and build/bin/lkcd saves, shows and lists it; lkcd config runs against a
 * fake /proc and /sys ($LKCD_SYSROOT) with a fake kexec on PATH.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "elfcore.h"
#include "simmem.h"
#include "runcmd.h"
#include "unit.h"

#ifndef LKCD_BIN
#define LKCD_BIN "build/bin/lkcd"
#endif

#define HEADER_PADDR	0x100000ull	/* sim_new_standard's header pfn 0x100 */

static char work[64];
static char core[128];
static char conf[128];
static char dumps[128];



static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/*
 * The header as the panic path seals it when it refuses to dump (the
 * kernel was locked down): INCOMPLETE with reason, no blocks, no pages.
 */
static void reseal_refused(struct lkcd_dump_header *h, uint32_t reason)
{
	lkcd_packer_header_empty(h, reason);
	h->crc = 0;
	h->crc = (uint32_t)crc32(0, (const Bytef *)h, LKCD_PAGE_SIZE);
}

/*
 * Pack a dump in simulated memory and write that memory as an ELF vmcore;
 * refused != 0: then reseal the header as refused for that reason.
 */
static int make_core_as(uint32_t level, uint32_t exclude, uint32_t refused, const char *dest)
{
	struct simmem *sm;
	int ret;

	sm = sim_new_standard(4096, 7);
	if (!sm)
		return -1;
	if (sim_pack(sm, level, exclude, LKCD_COMPRESS_ZLIB,
		     60000000000ull) != 0 || sim_header(sm)->state != LKCD_STATE_COMPLETE ||
	    sm->header_pfn * 4096 != HEADER_PADDR) {
		sim_free(sm);
		return -1;
	}
	if (refused)
		reseal_refused(sim_header(sm), refused);
	ret = elfcore_write_sim(sm, dest);
	sim_free(sm);
	return ret;
}

static int make_core(uint32_t level, uint32_t exclude, const char *dest)
{
	return make_core_as(level, exclude, 0, dest);
}

static int suite_init(void)
{
	if (access(LKCD_BIN, X_OK) != 0) {
		fprintf(stderr, "%s is not built\n", LKCD_BIN);
		return -1;
	}
	strcpy(work, "/tmp/lkcd-cmd-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	snprintf(core, sizeof(core), "%s/vmcore", work);
	if (make_core(LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, core))
		return -1;
	snprintf(conf, sizeof(conf), "%s/lkcd.conf", work);
	snprintf(dumps, sizeof(dumps), "%s/dumps", work);
	return write_file(conf, "DUMP_FORMAT=kdump\nKEEP_DUMPS=0\n");
}

static int suite_clean(void)
{
	return remove_workdir(work);
}

static void test_save_show_list(void)
{
	char p[256];
	struct stat st;

	CU_ASSERT_EQUAL(run("%s -c %s save --vmcore %s --address 0x%llx --dumpdir %s",
			    LKCD_BIN, conf, core, HEADER_PADDR, dumps), 0);
	if (!strstr(run_out, "saved"))
		fprintf(stderr, "\n%s", run_out);
	snprintf(p, sizeof(p), "%s/0", dumps);
	CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s/0/dump.0", dumps);
	CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_TRUE(st.st_size > 4096);
	snprintf(p, sizeof(p), "%s/0/analysis.0", dumps);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	/* bounds is the next index; no temporary directory left */
	CU_ASSERT_EQUAL(run("cat %s/bounds; ls -a %s", dumps, dumps), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "1\n"));
	CU_ASSERT_PTR_NULL(strstr(run_out, ".tmp"));
	/* the analysis is readable */
	CU_ASSERT_EQUAL(run("cat %s/0/analysis.0", dumps), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "panic string:     sysrq triggered crash (simulated)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "state:            complete"));

	/* show reads the dump file itself: remove analysis.0 first */
	snprintf(p, sizeof(p), "%s/0/analysis.0", dumps);
	CU_ASSERT_EQUAL(unlink(p), 0);
	CU_ASSERT_EQUAL(run("%s -c %s show --dumpdir %s 0", LKCD_BIN, conf, dumps), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "format:           kdump"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "panic string:     sysrq triggered crash (simulated)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kernel release:   6.1.0-sim"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "header address:   0x100000"));
	/* by path, the directory or the file */
	CU_ASSERT_EQUAL(run("%s -c %s show %s/0", LKCD_BIN, conf, dumps), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kernel release:   6.1.0-sim"));

	/* a second save gets the next index */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --format elf",
			    LKCD_BIN, conf, core, HEADER_PADDR, dumps), 0);
	CU_ASSERT_EQUAL(run("%s -c %s show %s/1/dump.1", LKCD_BIN, conf, dumps), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "format:           elf"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "panic string:     sysrq triggered crash (simulated)"));
	CU_ASSERT_EQUAL(run("cat %s/bounds", dumps), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "2\n");

	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --format lkcd",
			    LKCD_BIN, conf, core, HEADER_PADDR, dumps), 0);
	CU_ASSERT_EQUAL(run("%s -c %s show -d %s 2", LKCD_BIN, conf, dumps), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "format:           lkcd"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "panic string:     sysrq triggered crash (simulated)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kernel release:   6.1.0-sim"));

	CU_ASSERT_EQUAL(run("%s -c %s list -d %s", LKCD_BIN, conf, dumps), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "0    "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "2    "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "6.1.0-sim  sysrq triggered crash"));

	/* --json: list an array (kdump, elf, lkcd alike), show an object per dump */
	CU_ASSERT_EQUAL(run("%s -c %s list --json -d %s | python3 -c 'import json, sys; "
			    "print([(d[\"index\"], d[\"format\"], d[\"kernel_release\"], "
			    "d[\"panic_string\"]) for d in json.load(sys.stdin)])'",
			    LKCD_BIN, conf, dumps), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "[(0, 'kdump', '6.1.0-sim', 'sysrq triggered crash (simulated)'), "
			       "(1, 'elf', '6.1.0-sim', 'sysrq triggered crash (simulated)'), "
			       "(2, 'lkcd', '6.1.0-sim', 'sysrq triggered crash (simulated)')]\n");
	CU_ASSERT_EQUAL(run("%s -c %s show -j -d %s 0 | python3 -c 'import json, sys; "
			    "d = json.load(sys.stdin); print(d[\"level_name\"], d[\"state\"], "
			    "d[\"pages_dumped\"] > 0, d[\"file\"].endswith(\"/0/dump.0\"))'",
			    LKCD_BIN, conf, dumps), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "kern complete True True\n");
	CU_ASSERT_EQUAL(run("%s -c %s show -j -d %s 0 1 | python3 -c 'import json, sys; "
			    "print(len(json.load(sys.stdin)))'", LKCD_BIN, conf, dumps), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "2\n");
}

/*
 * No usable lkcd dump: save falls back to the vmcore itself, says why,
 * labels the dump (analysis, the header lkcd show reads); SAVE_FALLBACK=0
 * refuses.
 */
static void test_save_fallback(void)
{
	char p[256], noconf[256], source[384], from[384];

	/* -f FILE: the label names FILE, never /proc/vmcore, which was not read */
	snprintf(source, sizeof(source), "source:           %s fallback (no lkcd dump: ", core);
	snprintf(from, sizeof(from), "dump type:        crash, saved from %s (no lkcd dump)", core);

	snprintf(p, sizeof(p), "%s/fallback", work);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x200000 -d %s", LKCD_BIN, conf, core, p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no usable lkcd dump: no lkcd dump header at 0x200000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "bad magic 0x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "falling back to saving"));
	CU_ASSERT_EQUAL(run("cat %s/0/analysis.0", p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, source));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no lkcd dump header at 0x200000"));
	CU_ASSERT_PTR_NULL(strstr(run_out, "/proc/vmcore"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "written: "));
	CU_ASSERT_EQUAL(run("%s -c %s show -d %s 0", LKCD_BIN, conf, p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, from));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "flags:            0x100"));
	CU_ASSERT_EQUAL(run("%s -c %s show %s/0/dump.0", LKCD_BIN, conf, p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, source + 18));
	/* --output: the dump file alone, labelled in its header */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x200000 -o %s/fallback.kdump", LKCD_BIN,
			    conf, core, work), 0);
	CU_ASSERT_EQUAL(run("%s -c %s show %s/fallback.kdump", LKCD_BIN, conf, work), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, from));
	/* the config can refuse it */
	snprintf(noconf, sizeof(noconf), "%s/nofallback.conf", work);
	CU_ASSERT_EQUAL(write_file(noconf, "SAVE_FALLBACK=0\n"), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x200000 -d %s", LKCD_BIN, noconf, core, p), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "fallback is off (SAVE_FALLBACK=0)"));
	CU_ASSERT_EQUAL(count_entries(p), 2);	/* still only 0/ and bounds */

	/*
	 * With DUMPDEV the fallback goes onto the device, and the next boot's
	 * save still labels it: the flag and the reason travel in the header.
	 */
	{
		char devconf[256], root[256];

		snprintf(root, sizeof(root), "%s/root-fbdev", work);
		snprintf(devconf, sizeof(devconf), "%s/fbdev.conf", work);
		CU_ASSERT_EQUAL_FATAL(run("truncate -s 64M %s/fbdev.img && mkdir -p %s/proc && "
					  "echo 'root=/dev/vda1' >%s/proc/cmdline", work, root, root), 0);
		snprintf(noconf, sizeof(noconf), "DUMPDEV=%s/fbdev.img\nDUMPDIR=%s/fbdev-dumps\n",
			 work, work);
		CU_ASSERT_EQUAL_FATAL(write_file(devconf, noconf), 0);
		CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x200000", LKCD_BIN, devconf, core), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "falling back to saving"));
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMPDEV"));
		CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save", root, LKCD_BIN, devconf), 0);
		CU_ASSERT_EQUAL(run("cat %s/fbdev-dumps/0/analysis.0", work), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, source));
	}
}

/*
 * The crashed kernel was locked down (confidentiality) and dumped nothing
 * on purpose: save records the panic with no pages and never falls back
 * to reading the vmcore itself.
 */
static void test_save_lockdown_no_fallback(void)
{
	char lcore[160], d[160];

	snprintf(lcore, sizeof(lcore), "%s/vmcore.lockdown", work);
	snprintf(d, sizeof(d), "%s/ldumps", work);
	CU_ASSERT_EQUAL_FATAL(make_core_as(LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK,
					   LKCD_INCOMPLETE_LOCKDOWN, lcore), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s", LKCD_BIN, conf, lcore,
			    HEADER_PADDR, d), 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "falling back"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "saved "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, ": 0 pages"));
	CU_ASSERT_EQUAL(run("cat %s/0/analysis.0", d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kernel locked down (confidentiality): memory not dumped"));
	/* the same header with another reason is no usable dump: fallback */
	CU_ASSERT_EQUAL_FATAL(make_core_as(LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK,
					   LKCD_INCOMPLETE_REENTERED, lcore), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s", LKCD_BIN, conf, lcore,
			    HEADER_PADDR, d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "falling back"));
}

static void test_save_refuses(void)
{
	char sysroot[128], p[256];
	int before;

	snprintf(p, sizeof(p), "%s/refuse", work);
	/*
	 * Without a usable lkcd dump, --no-fallback (and SAVE_FALLBACK=0)
	 * refuse as before: nothing at that address, bad magic, nothing created.
	 */
	CU_ASSERT_EQUAL(run("%s -c %s save --no-fallback -f %s -a 0x200000 -d %s", LKCD_BIN,
			    conf, core, p), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no lkcd dump header at 0x200000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "bad magic 0x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "fallback is off (--no-fallback)"));
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
	/* an address in a hole */
	CU_ASSERT_EQUAL(run("%s -c %s save --no-fallback -f %s -a 0x40000000000 -d %s", LKCD_BIN,
			    conf, core, p), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "not in the dump"));
	/* a bad address */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 12zz -d %s", LKCD_BIN, conf, core, p), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "12zz"));
	/* no vmcore */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s/none -a 0x100000 -d %s", LKCD_BIN, conf, work, p), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "No such file"));
	/* no crashdump= on the command line */
	snprintf(sysroot, sizeof(sysroot), "%s/root-nocd", work);
	CU_ASSERT_EQUAL(run("mkdir -p %s/proc && echo 'root=/dev/vda quiet' > %s/proc/cmdline",
			    sysroot, sysroot), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save --no-fallback -f %s -d %s", sysroot,
			    LKCD_BIN, conf, core, p), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no crashdump="));
	/* ... and with no vmcore to fall back on (not a capture kernel) */
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save -d %s", sysroot, LKCD_BIN, conf, p), 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "nothing to save: this is not a capture kernel (no "
				      "crashdump= on the command line, no /proc/vmcore)"));
	CU_ASSERT_PTR_NULL(strstr(run_out, "falling back"));
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
	/* crashdump= is read from the command line */
	CU_ASSERT_EQUAL(run("echo 'root=/dev/vda crashdump=0x100000 quiet' > %s/proc/cmdline",
			    sysroot), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s save -f %s -d %s", sysroot, LKCD_BIN,
			    conf, core, p), 0);
	CU_ASSERT_EQUAL(count_entries(p), 2);	/* 0/ and bounds */

	/* a damaged header (a byte of the panic string): checksum refused */
	before = count_entries(dumps);
	{
		/* the header page is the file bytes of paddr 0x100000 */
		char bad[160];
		FILE *f;
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		long off = -1;

		snprintf(bad, sizeof(bad), "%s/bad", work);
		CU_ASSERT_EQUAL_FATAL(run("cp %s %s", core, bad), 0);
		f = fopen(bad, "r+b");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(fread(&eh, sizeof(eh), 1, f), 1);
		for (int i = 0; i < eh.e_phnum; i++) {
			CU_ASSERT_EQUAL(fseek(f, (long)(eh.e_phoff + i * sizeof(ph)), SEEK_SET), 0);
			CU_ASSERT_EQUAL(fread(&ph, sizeof(ph), 1, f), 1);
			if (ph.p_type == PT_LOAD && ph.p_paddr <= HEADER_PADDR &&
			    HEADER_PADDR - ph.p_paddr < ph.p_filesz)
				off = (long)(ph.p_offset + (HEADER_PADDR - ph.p_paddr));
		}
		CU_ASSERT_FATAL(off > 0);
		CU_ASSERT_EQUAL(fseek(f, off + 600, SEEK_SET), 0);
		CU_ASSERT_EQUAL(fputc('#', f), '#');
		fclose(f);
		CU_ASSERT_EQUAL(run("%s -c %s save --no-fallback -f %s -a 0x100000 -d %s", LKCD_BIN,
				    conf, bad, dumps), 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "checksum mismatch"));
		CU_ASSERT_EQUAL(count_entries(dumps), before);
		/* the same damaged header, fallback on: the vmcore itself, and why */
		snprintf(p, sizeof(p), "%s/fallback-crc", work);
		CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x100000 -d %s", LKCD_BIN, conf, bad,
				    p), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no usable lkcd dump: no lkcd dump header at "
					       "0x100000 in"));
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "checksum mismatch"));
		CU_ASSERT_EQUAL(count_entries(p), 2);
	}

	/* DUMPDIR cannot be created: exit 3, nothing left */
	snprintf(p, sizeof(p), "%s/afile", work);
	CU_ASSERT_EQUAL(write_file(p, "x"), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x100000 -d %s/afile/dumps", LKCD_BIN,
			    conf, core, work), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "cannot create DUMPDIR"));
}

static void test_config_bad_file(void)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/bad.conf", work);
	CU_ASSERT_EQUAL(write_file(p, "DUMP_LEVEL=kern\nDUMP_COMPRESS=rle\n"), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x100000 -d %s/x", LKCD_BIN, p, core, work), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "bad.conf:2: DUMP_COMPRESS=\"rle\""));
	CU_ASSERT_EQUAL(run("%s -c %s/missing.conf query", LKCD_BIN, work), 4);
	CU_ASSERT_EQUAL(run("%s -c %s/missing.conf config", LKCD_BIN, work), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "missing.conf: No such file"));
	/* lkcd-save.service's condition: no DUMPDEV is nothing to save (2),
	 * a bad file an error (1) */
	CU_ASSERT_EQUAL(run("%s -c /dev/null dumpdev", LKCD_BIN), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "nothing to save"));
	CU_ASSERT_EQUAL(run("%s -c /dev/null dumpdev -q", LKCD_BIN), 2);
	CU_ASSERT_STRING_EQUAL(run_out, "");
	CU_ASSERT_EQUAL(run("%s -c %s dumpdev", LKCD_BIN, p), 1);
	CU_ASSERT_EQUAL(run("%s frobnicate", LKCD_BIN), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "unknown command 'frobnicate'"));
}

/* A fake production kernel: /proc, /sys files, a kexec that logs its argv. */
static void make_fake_root(const char *root, const char *crash_size)
{
	CU_ASSERT_EQUAL(run("mkdir -p %s/proc/sys/kernel/dump %s/sys/kernel "
			    "%s/sys/module/kernel/parameters %s/bin %s/boot", root, root, root,
			    root, root), 0);
	CU_ASSERT_EQUAL(run("cd %s && echo 'BOOT_IMAGE=/vmlinuz root=/dev/vda crashkernel=256M "
			    "console=ttyS0 crashdump=0x1' > proc/cmdline.prod && "
			    "echo 'root=/dev/vda console=ttyS0' > proc/cmdline && "
			    "echo 0x7f000000 > proc/sys/kernel/dump/addr && "
			    "for f in level compress flags exclude; do echo 9 > proc/sys/kernel/dump/$f; done && "
			    "echo 0 > proc/sys/kernel/panic && echo %s > sys/kernel/kexec_crash_size && "
			    "echo 1 > sys/kernel/kexec_crash_loaded && "
			    "echo N > sys/module/kernel/parameters/crash_kexec_post_notifiers && "
			    "echo kernel > boot/vmlinuz && mkdir -p initrd/sbin && : >initrd/sbin/lkcd && "
			    "(cd initrd && echo sbin/lkcd | cpio -o -H newc --quiet | gzip) >boot/initrd.img && "
			    "printf '#!/bin/sh\\necho \"$@\" > %s/kexec.args\\n' > bin/kexec && chmod +x bin/kexec",
			    root, crash_size, root), 0);
}

/*
 * make_fake_root under work/NAME, and work/NAME.conf naming its kernel and
 * initramfs (root and cf get the paths).
 */
static void make_fake_armable(const char *name, const char *crash_size, char *root,
			      size_t root_size, char *cf, size_t cf_size)
{
	char text[600];

	snprintf(root, root_size, "%s/%s", work, name);
	make_fake_root(root, crash_size);
	snprintf(cf, cf_size, "%s/%s.conf", work, name);
	snprintf(text, sizeof(text), "KEXEC_KERNEL=%s/boot/vmlinuz\nKEXEC_INITRD=%s/boot/initrd.img\n",
		 root, root);
	CU_ASSERT_EQUAL(write_file(cf, text), 0);
}

/* The fake kexec was run with the capture command line kept + append. */
static void expect_kexec_append(const char *root, const char *kept)
{
	char want[512];

	CU_ASSERT_EQUAL(run("cat %s/kexec.args", root), 0);
	snprintf(want, sizeof(want), "-p %s/boot/vmlinuz --initrd=%s/boot/initrd.img --append "
		 "%s nr_cpus=1 irqpoll crashdump=0x7f000000\n", root, root, kept);
	CU_ASSERT_STRING_EQUAL(run_out, want);
	if (strcmp(run_out, want))
		fprintf(stderr, "\n got  %s want %s", run_out, want);
}

static void test_config_arms(void)
{
	char root[128], cf[256];

	snprintf(root, sizeof(root), "%s/prod", work);
	make_fake_root(root, "268435456");
	/* the production cmdline has crashkernel= and a stale crashdump= */
	CU_ASSERT_EQUAL(run("cp %s/proc/cmdline.prod %s/proc/cmdline", root, root), 0);
	/* crashdump= on the command line means capture kernel: use a clean one */
	/* quiet and the huge page pools go (KEXEC_CMDLINE_REMOVE's default) */
	CU_ASSERT_EQUAL(run("echo 'BOOT_IMAGE=/vmlinuz quiet root=/dev/vda crashkernel=256M "
			    "hugepagesz=1G hugepages=16 console=ttyS0 \"quoted=a b\" splash' > "
			    "%s/proc/cmdline", root), 0);
	snprintf(cf, sizeof(cf), "%s/arm.conf", work);
	{
		char text[600];

		snprintf(text, sizeof(text),
			 "KEXEC_KERNEL=%s/boot/vmlinuz\nKEXEC_INITRD=%s/boot/initrd.img\n"
			 "DUMP_LEVEL=used\nDUMP_COMPRESS=zlib\nDUMP_FLAGS=0x2\nDUMP_EXCLUDE=17\n"
			 "PANIC_TIMEOUT=5\nKEXEC_CMDLINE_APPEND=\"nr_cpus=1 irqpoll\"\n",
			 root, root);
		CU_ASSERT_EQUAL(write_file(cf, text), 0);
	}
	/* dry run changes nothing */
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config --dry-run",
			    root, root, LKCD_BIN, cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "would run:"));
	CU_ASSERT_EQUAL(run("cat %s/proc/sys/kernel/dump/level", root), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "9\n");

	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 0);
	if (!strstr(run_out, "armed:"))
		fprintf(stderr, "\n%s", run_out);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "armed: level used"));
	CU_ASSERT_EQUAL(run("cd %s/proc/sys/kernel/dump && cat level compress flags exclude "
			    "../panic %s/sys/module/kernel/parameters/crash_kexec_post_notifiers",
			    root, root), 0);
	/* values are written without a newline, one write(2) each */
	CU_ASSERT_STRING_EQUAL(run_out, "422175Y");
	expect_kexec_append(root, "BOOT_IMAGE=/vmlinuz root=/dev/vda console=ttyS0 \"quoted=a b\"");
	/* a list of one's own, with a prefix */
	CU_ASSERT_EQUAL(run("echo 'KEXEC_CMDLINE_REMOVE=\"BOOT_IMAGE huge*\"' >>%s", cf), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 0);
	expect_kexec_append(root, "quiet root=/dev/vda console=ttyS0 \"quoted=a b\" splash");
	/* query sees it armed */
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s query --json | python3 -c 'import json, sys; "
			    "d = json.load(sys.stdin); print(d[\"armed\"], d[\"header_address\"], "
			    "d[\"reasons\"], d[\"level_name\"])'", root, LKCD_BIN), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "True 2130706432 [] used\n");
	/* not armed: status says why, in JSON too (exit 4) */
	CU_ASSERT_EQUAL(run("echo 0 >%s/sys/kernel/kexec_crash_loaded", root), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s status --json >%s/st.json; echo $?; python3 -c "
			    "'import json, sys; d = json.load(open(sys.argv[1])); print(d[\"armed\"], "
			    "d[\"reasons\"])' %s/st.json", root, LKCD_BIN, work, work), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "4\nFalse ['no capture kernel loaded (run lkcd config)']\n");
	CU_ASSERT_EQUAL(run("echo 1 >%s/sys/kernel/kexec_crash_loaded", root), 0);

	/* a sysctl the kernel refuses: named with its value */
	CU_ASSERT_EQUAL(run("chmod 0444 %s/proc/sys/kernel/dump/flags", root), 0);
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
				    root, root, LKCD_BIN, cf), 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "dump/flags to 2"));
	}
	CU_ASSERT_EQUAL(run("rm -f %s/proc/sys/kernel/dump/flags", root), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "cannot set "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "dump/flags to 2: No such file"));
}

static void test_config_refuses(void)
{
	char root[128], cf[256], text[600];

	/* no crashkernel reservation */
	make_fake_armable("nores", "0", root, sizeof(root), cf, sizeof(cf));
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no crashkernel reservation"));
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s status", root, LKCD_BIN), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no crashkernel= reservation"));

	/* no kexec binary */
	CU_ASSERT_EQUAL(run("echo 268435456 > %s/sys/kernel/kexec_crash_size && rm %s/bin/kexec",
			    root, root), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "cannot run kexec"));

	/* no module and no way to load it */
	CU_ASSERT_EQUAL(run("rm -rf %s/proc/sys/kernel/dump", root), 0);
	snprintf(text, sizeof(text), "KEXEC_KERNEL=%s/boot/vmlinuz\nLKCD_MODULE=%s/lkcd.ko\n"
		 "KEXEC_INITRD=%s/boot/initrd.img\n", root, root, root);
	CU_ASSERT_EQUAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "LKCD_MODULE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "lkcd.ko: No such file"));

	/* MKINITRD=0: an initramfs without lkcd would boot and save nothing */
	CU_ASSERT_EQUAL(run("echo 'a distribution initrd' >%s/boot/other.img", root), 0);
	snprintf(text, sizeof(text), "KEXEC_KERNEL=%s/boot/vmlinuz\nKEXEC_INITRD=%s/boot/other.img\n",
		 root, root);
	CU_ASSERT_EQUAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config --dry-run", root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "other.img is not a capture initramfs: at offset 0 it "
				      "is neither a cpio archive"));
	CU_ASSERT_EQUAL(run("cd %s && mkdir -p d/usr/sbin && : >d/usr/sbin/lkcdx && (cd d && "
			    "find . | cpio -o -H newc --quiet | zstd -q) >boot/other.img", root), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config --dry-run", root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "it holds no lkcd program"));
	/* the same with lkcd, after an uncompressed early archive, zstd: accepted */
	CU_ASSERT_EQUAL(run("cd %s && mv d/usr/sbin/lkcdx d/usr/sbin/lkcd && mkdir -p e/kernel && "
			    ": >e/kernel/ucode && (cd e && find . | cpio -o -H newc --quiet) "
			    ">boot/other.img && (cd d && find . | cpio -o -H newc --quiet | zstd -q) "
			    ">>boot/other.img", root), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config --dry-run", root, LKCD_BIN, cf), 0);
	/* no initramfs at all */
	CU_ASSERT_EQUAL(run("mv %s/boot/initrd.img %s/boot/initrd.keep", root, root), 0);
	snprintf(text, sizeof(text), "KEXEC_KERNEL=%s/boot/vmlinuz\n", root);
	CU_ASSERT_EQUAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config --dry-run", root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "KEXEC_INITRD: none (MKINITRD=0"));
	CU_ASSERT_EQUAL(run("mv %s/boot/initrd.keep %s/boot/initrd.img", root, root), 0);
	/* MKINITRD=1 with DUMPDIR on tmpfs: the dump would be lost at reboot */
	CU_ASSERT_EQUAL(run("mkdir -p %s/proc/self && echo '30 1 0:25 / /run rw - tmpfs tmpfs rw' "
			    ">%s/proc/self/mountinfo", root, root), 0);
	snprintf(text, sizeof(text), "KEXEC_KERNEL=%s/boot/vmlinuz\nMKINITRD=1\nDUMPDIR=/run/dumps\n",
		 root);
	CU_ASSERT_EQUAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config --dry-run", root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMPDIR /run/dumps is on tmpfs (mounted on /run): a "
				      "dump saved there is lost at reboot"));

	/* missing capture kernel image */
	snprintf(text, sizeof(text), "KEXEC_KERNEL=%s/boot/nothere\n", root);
	CU_ASSERT_EQUAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config", root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "boot/nothere: No such file"));
}

/*
 * A kernel with /sys/kernel/kexec/ (late 2025 on): the new files are read.
 * The old names are left with other values, which a real kernel never has
 * (they are links there), so the test tells which path was read.
 */
static void test_config_kexec_sysfs_dir(void)
{
	char root[128], cf[256];

	make_fake_armable("kexecdir", "0", root, sizeof(root), cf, sizeof(cf));
	CU_ASSERT_EQUAL(run("cd %s/sys/kernel && mkdir kexec && echo 268435456 > kexec/crash_size && "
			    "echo 1 > kexec/crash_loaded && echo 0 > kexec_crash_loaded", root), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "armed:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "crashkernel 256 MiB"));
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s query --json", root, LKCD_BIN), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "\"armed\": true"));
	/* and without the directory, the old files again */
	CU_ASSERT_EQUAL(run("rm -r %s/sys/kernel/kexec", root), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config", root, LKCD_BIN, cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "sys/kernel/kexec_crash_size is 0"));
}

/*
 * How the capture kernel is loaded (kexec_mode.c): crashkernel=...,cma on the
 * command line takes kexec_file_load (-s), else kexec_load; --hotplug only
 * where the kernel has crash_hotplug and the kexec on PATH names --hotplug;
 * a refused -s (no lockdown) falls back to kexec_load; what crash_hotplug
 * says after the load is reported.
 */
static void test_config_kexec_mode(void)
{
	char root[128], cf[256];

	make_fake_armable("kexecmode", "268435456", root, sizeof(root), cf, sizeof(cf));
	/* a kexec that takes --hotplug (its --help says so) and logs a load */
	CU_ASSERT_EQUAL(run("printf '#!/bin/sh\\n[ \"$1\" = --help ] && "
			    "{ echo \" --hotplug   Do in-kernel update\"; exit 0; }\\n"
			    "echo \"$@\" >%s/kexec.args\\n' >%s/bin/kexec", root, root), 0);

	/* no crash_hotplug file (6.1, or no CONFIG_CRASH_HOTPLUG): plain -p */
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 0);
	CU_ASSERT_EQUAL(run("grep -c '^-p %s/boot/vmlinuz ' %s/kexec.args", root, root), 0);

	/* CONFIG_CRASH_HOTPLUG: --hotplug, and the kernel's answer reported */
	CU_ASSERT_EQUAL(run("mkdir -p %s/sys/devices/system/memory && "
			    "echo 1 >%s/sys/devices/system/memory/crash_hotplug", root, root), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "running: kexec -p --hotplug "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "the kernel updates the loaded capture kernel itself"));
	CU_ASSERT_EQUAL(run("grep -c '^-p --hotplug ' %s/kexec.args", root), 0);

	/* crashkernel=...,cma: kexec_file_load, and why; no --hotplug with it */
	CU_ASSERT_EQUAL(run("echo 'root=/dev/vda crashkernel=64M crashkernel=256M,cma' "
			    ">%s/proc/cmdline", root), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "only kexec_file_load gives the capture kernel the CMA"));
	CU_ASSERT_EQUAL(run("grep -c '^-p -s %s/boot/vmlinuz ' %s/kexec.args", root, root), 0);
	/* not a ,cma parameter: a name that merely ends in crashkernel= */
	CU_ASSERT_EQUAL(run("echo 'root=/dev/vda xcrashkernel=256M,cma' >%s/proc/cmdline", root), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 0);
	CU_ASSERT_EQUAL(run("grep -c '^-p --hotplug ' %s/kexec.args", root), 0);

	/* -s refused without lockdown: kexec_load after all, said */
	CU_ASSERT_EQUAL(run("echo 'root=/dev/vda crashkernel=256M,cma' >%s/proc/cmdline && "
			    "printf '#!/bin/sh\\n[ \"$1\" = --help ] && exit 0\\n"
			    "[ \"$2\" = -s ] && exit 1\\necho \"$@\" >%s/kexec.args\\n' "
			    ">%s/bin/kexec", root, root, root), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s -c %s config",
			    root, root, LKCD_BIN, cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "loading with kexec_load instead"));
	CU_ASSERT_EQUAL(run("grep -c '^-p %s/boot/vmlinuz ' %s/kexec.args", root, root), 0);
}

static void test_config_in_capture_kernel(void)
{
	char root[128], cf[256], text[600], d[160];

	snprintf(root, sizeof(root), "%s/capture", work);
	CU_ASSERT_EQUAL(run("mkdir -p %s/proc && echo 'root=/dev/vda crashdump=0x100000' > "
			    "%s/proc/cmdline && cp %s %s/proc/vmcore", root, root, core, root), 0);
	snprintf(d, sizeof(d), "%s/capdumps", work);
	snprintf(cf, sizeof(cf), "%s/cap.conf", work);
	snprintf(text, sizeof(text), "DUMPDIR=%s\nDUMP_FORMAT=elf\n", d);
	CU_ASSERT_EQUAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config", root, LKCD_BIN, cf), 0);
	CU_ASSERT_EQUAL(run("%s -c %s show 0", LKCD_BIN, cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "format:           elf"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kernel release:   6.1.0-sim"));
	/* DUMP_SAVE=0: left alone */
	snprintf(text, sizeof(text), "DUMPDIR=%s/nosave\nDUMP_SAVE=0\n", work);
	CU_ASSERT_EQUAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config", root, LKCD_BIN, cf), 0);
	snprintf(d, sizeof(d), "%s/nosave", work);
	CU_ASSERT_EQUAL(access(d, F_OK), -1);
}

static void test_header_level_and_keep(void)
{
	char hcore[160], d[160], cf[160];

	snprintf(hcore, sizeof(hcore), "%s/vmcore.header", work);
	CU_ASSERT_EQUAL_FATAL(make_core(LKCD_LEVEL_HEADER, LKCD_EXCLUDE_MASK, hcore), 0);
	snprintf(d, sizeof(d), "%s/hdumps", work);
	snprintf(cf, sizeof(cf), "%s/keep.conf", work);
	CU_ASSERT_EQUAL(write_file(cf, "KEEP_DUMPS=2\n"), 0);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x100000 -d %s", LKCD_BIN, cf,
				    hcore, d), 0);
	CU_ASSERT_EQUAL(run("%s -c %s show -d %s 3", LKCD_BIN, cf, d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "level:            header (1)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "panic string:     sysrq triggered crash (simulated)"));
	/* KEEP_DUMPS=2: 0 and 1 are gone, 2 and 3 stay, bounds says 4 */
	CU_ASSERT_EQUAL(run("ls %s | tr '\\n' ' '; cat %s/bounds", d, d), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "2 3 bounds 4\n");

	/* a save killed half-way left a temporary directory: the next one removes it */
	CU_ASSERT_EQUAL(run("mkdir -m 0700 %s/.tmp-4-AbCdEf && echo x > %s/.tmp-4-AbCdEf/dump.4",
			    d, d), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x100000 -d %s", LKCD_BIN, cf, hcore, d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "left by an interrupted save"));
	CU_ASSERT_EQUAL(run("ls -A %s | tr '\\n' ' '", d), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "3 4 bounds ");
}

/*
 * KEEP_DUMPS never leaves a damaged or incomplete dump as the only one:
 * after such a save the older dumps stay; the next good save prunes.
 */
static void test_keep_spares_the_good_dump(void)
{
	char bad[160], d[160], cf[160];

	snprintf(bad, sizeof(bad), "%s/vmcore.damaged", work);
	snprintf(d, sizeof(d), "%s/kdumps", work);
	snprintf(cf, sizeof(cf), "%s/keep1.conf", work);
	CU_ASSERT_EQUAL(write_file(cf, "KEEP_DUMPS=1\n"), 0);
	/* one byte of the first storage block's payload flipped */
	CU_ASSERT_EQUAL(run("cp %s %s && off=$(grep -obUa LKBK %s | head -n1 | cut -d: -f1) && "
			    "[ -n \"$off\" ] && printf '\\377' | "
			    "dd of=%s bs=1 seek=$((off + 200)) conv=notrunc status=none",
			    core, bad, bad, bad), 0);

	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s", LKCD_BIN, cf, core,
			    HEADER_PADDR, d), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s", LKCD_BIN, cf, bad,
			    HEADER_PADDR, d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "older dumps kept, this one is damaged"));
	CU_ASSERT_EQUAL(run("ls %s | tr '\\n' ' '", d), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "0 1 bounds ");

	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s", LKCD_BIN, cf, core,
			    HEADER_PADDR, d), 0);
	CU_ASSERT_EQUAL(run("ls %s | tr '\\n' ' '", d), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "2 bounds ");
}

/* show on files lkcd did not write: a foreign kdump file, junk */
static void test_show_foreign(void)
{
	uint8_t blk[8192];
	char p[160];
	FILE *f;

	memset(blk, 0, sizeof(blk));
	memcpy(blk, "KDUMP   ", 8);
	blk[8] = 6;				/* header_version */
	strcpy((char *)blk + 12 + 65, "nodeA");
	strcpy((char *)blk + 12 + 130, "9.9.9-test");
	blk[428 + 1] = 0x10;			/* block_size 4096 */
	snprintf(p, sizeof(p), "%s/foreign.kdump", work);
	f = fopen(p, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(blk, sizeof(blk), 1, f), 1);
	fclose(f);
	CU_ASSERT_EQUAL(run("%s show %s", LKCD_BIN, p), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no usable notes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kernel release:   9.9.9-test"));

	snprintf(p, sizeof(p), "%s/junk", work);
	CU_ASSERT_EQUAL(write_file(p, "this is not a dump at all"), 0);
	CU_ASSERT_EQUAL(run("%s show %s", LKCD_BIN, p), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "not a dump lkcd knows"));
	CU_ASSERT_EQUAL(run("%s show %s/nothere", LKCD_BIN, work), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "No such file"));
}

/*
 * lkcd test crashes the kernel only when a dump would be taken and the
 * admin said yes; the fake tree's sysrq-trigger shows whether it wrote.
 */
static void test_crash_test_guarded(void)
{
	char root[128];

	snprintf(root, sizeof(root), "%s/crashtest", work);
	make_fake_root(root, "268435456");
	CU_ASSERT_EQUAL(run("cd %s && echo Y > sys/module/kernel/parameters/crash_kexec_post_notifiers"
			    " && : > proc/sysrq-trigger", root), 0);

	/* armed, but nobody confirmed: no terminal, no --yes */
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s test </dev/null", root, LKCD_BIN), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "standard input is not a terminal"));
	CU_ASSERT_EQUAL(run("test -s %s/proc/sysrq-trigger", root), 1);

	/* armed and --yes: it writes c */
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s test --yes", root, LKCD_BIN), 0);
	CU_ASSERT_EQUAL(run("grep -qx c %s/proc/sysrq-trigger", root), 0);

	/* no capture kernel: a crash would save nothing, so it refuses */
	CU_ASSERT_EQUAL(run("cd %s && echo 0 > sys/kernel/kexec_crash_loaded && : > proc/sysrq-trigger",
			    root), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s test --yes", root, LKCD_BIN), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "no capture kernel loaded"));
	CU_ASSERT_EQUAL(run("test -s %s/proc/sysrq-trigger", root), 1);

	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s test --yes extra", root, LKCD_BIN), 1);
}

/* ---- lkcd save --level/--exclude, --output, progress ---- */

/* "pages written:    N (zero Z, ..." of an analysis file; -1 when absent. */
static long long analysis_pages(const char *path, long long *zero)
{
	char *p;
	long long n = -1;

	*zero = -1;
	if (run("cat %s", path) != 0)
		return -1;
	p = strstr(run_out, "pages written:");
	if (p && sscanf(p, "pages written: %lld (zero %lld", &n, zero) != 2)
		n = -1;
	return n;
}

static void test_save_level_filter(void)
{
	char used[160], d[160], p[256];
	long long all, allz, kept, keptz;

	/* a used dump (exclude 0x10: free pages) holds zero pages as ZERO records */
	snprintf(used, sizeof(used), "%s/vmcore-used", work);
	CU_ASSERT_EQUAL_FATAL(make_core(LKCD_LEVEL_USED, LKCD_EXCLUDE_FREE, used), 0);
	snprintf(d, sizeof(d), "%s/lvl", work);
	CU_ASSERT_EQUAL_FATAL(run("%s -c %s save -f %s -a 0x%llx -d %s", LKCD_BIN, conf, used,
				  HEADER_PADDR, d), 0);
	snprintf(p, sizeof(p), "%s/0/analysis.0", d);
	all = analysis_pages(p, &allz);
	CU_ASSERT_TRUE(all > 0);
	CU_ASSERT_TRUE_FATAL(allz > 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "filtered on save"));

	/* --exclude 0x11: the zero pages go, everything else stays, in every format */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --exclude 0x11", LKCD_BIN,
			    conf, used, HEADER_PADDR, d), 0);
	snprintf(p, sizeof(p), "%s/1/analysis.1", d);
	kept = analysis_pages(p, &keptz);
	CU_ASSERT_EQUAL(keptz, 0);
	CU_ASSERT_EQUAL(kept, all - allz);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "filtered on save: exclude 0x11 over the dump's exclude 0x10"));
	{
		char want[96];

		snprintf(want, sizeof(want), "%lld zero pages left out", allz);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, want));
	}
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s -e 17 -F %s", LKCD_BIN,
				    conf, used, HEADER_PADDR, d, i ? "elf" : "lkcd"), 0);
		snprintf(p, sizeof(p), "%s/%d/analysis.%d", d, 2 + i, 2 + i);
		kept = analysis_pages(p, &keptz);
		CU_ASSERT_EQUAL(keptz, 0);
		CU_ASSERT_EQUAL(kept, all - allz);
	}
	/* --level used on a used dump: nothing dropped */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --level used", LKCD_BIN,
			    conf, used, HEADER_PADDR, d), 0);
	snprintf(p, sizeof(p), "%s/4/analysis.4", d);
	kept = analysis_pages(p, &keptz);
	CU_ASSERT_EQUAL(kept, all);
	CU_ASSERT_EQUAL(keptz, allz);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "(level used) over the dump's exclude 0x10: 0 zero pages left out"));
	/* --level kern (by number): zeros dropped, cache/user pages cannot be: warned */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --level 2", LKCD_BIN,
			    conf, used, HEADER_PADDR, d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "records carry no page class"));
	snprintf(p, sizeof(p), "%s/5/analysis.5", d);
	kept = analysis_pages(p, &keptz);
	CU_ASSERT_EQUAL(keptz, 0);
	CU_ASSERT_EQUAL(kept, all - allz);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "not applied (records carry no page class"));

	/* refusals: nothing created */
	CU_ASSERT_EQUAL(count_entries(d), 7);	/* 0..5 and bounds */
	/* a kern dump has no user/cache pages left to keep */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --level used", LKCD_BIN,
			    conf, core, HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "the dump was taken at level kern (exclude 0x1f): "
				      "it holds no user/cache/private cache/zero pages to keep"));
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --exclude 0x1e", LKCD_BIN,
			    conf, core, HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "holds no zero pages to keep"));
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --exclude 1", LKCD_BIN,
			    conf, used, HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "the dump was taken at level used (exclude 0x10): "
				      "it holds no free pages to keep"));
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --level header", LKCD_BIN,
			    conf, used, HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "keeps no pages"));
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --level bogus", LKCD_BIN,
			    conf, used, HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "--level bogus"));
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --exclude 0x20", LKCD_BIN,
			    conf, used, HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "--exclude 0x20"));
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --exclude 1 --level kern",
			    LKCD_BIN, conf, used, HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "not both"));
	CU_ASSERT_EQUAL(count_entries(d), 7);
}

static void test_save_output(void)
{
	char o[160], p[256];
	struct stat st, st2;

	snprintf(o, sizeof(o), "%s/outdir", work);
	CU_ASSERT_EQUAL_FATAL(mkdir(o, 0755), 0);
	snprintf(p, sizeof(p), "%s/copy.kdump", o);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s/never -o %s", LKCD_BIN, conf,
			    core, HEADER_PADDR, work, p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, p));
	CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_TRUE(st.st_size > 4096);
	/* exactly PATH: nothing else in its directory, no DUMPDIR */
	CU_ASSERT_EQUAL(count_entries(o), 1);
	CU_ASSERT_EQUAL(run("test -e %s/never", work), 1);
	CU_ASSERT_EQUAL(run("%s -c %s show %s", LKCD_BIN, conf, p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "format:           kdump"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "panic string:     sysrq triggered crash (simulated)"));

	/* an existing PATH is refused, untouched, nothing left */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -o %s -F elf", LKCD_BIN, conf, core,
			    HEADER_PADDR, p), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "exists; give --force"));
	CU_ASSERT_EQUAL(stat(p, &st2), 0);
	CU_ASSERT_EQUAL(st2.st_ino, st.st_ino);
	CU_ASSERT_EQUAL(count_entries(o), 1);
	/* --force replaces it (the elf one now) */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -o %s -F elf --force", LKCD_BIN, conf,
			    core, HEADER_PADDR, p), 0);
	CU_ASSERT_EQUAL(count_entries(o), 1);
	CU_ASSERT_EQUAL(run("%s -c %s show %s", LKCD_BIN, conf, p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "format:           elf"));
	CU_ASSERT_EQUAL(stat(p, &st2), 0);
	CU_ASSERT_EQUAL(st2.st_mode & 07777, 0600);
	/* not a regular file, even with --force */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -o %s --force", LKCD_BIN, conf, core,
			    HEADER_PADDR, o), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "not a regular file"));
	/* a directory that does not exist: nothing written */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -o %s/nodir/x", LKCD_BIN, conf, core,
			    HEADER_PADDR, o), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "cannot create a temporary file"));
	/* --force without --output */
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --force", LKCD_BIN, conf, core,
			    HEADER_PADDR, o), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "--force only goes with --output"));
	/* a refused filter with --output creates nothing either */
	snprintf(p, sizeof(p), "%s/filtered", o);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -o %s --level used", LKCD_BIN, conf,
			    core, HEADER_PADDR, p), 1);
	CU_ASSERT_EQUAL(count_entries(o), 1);
}

static void test_save_progress(void)
{
	char p[256];

	if (run("command -v script") != 0) {
		CU_PASS("util-linux script not installed: no pty to test with");
		return;
	}
	/* on a terminal: the bar, ending at 100% */
	snprintf(p, sizeof(p), "%s/prog-tty.kdump", work);
	CU_ASSERT_EQUAL(run("script -qec '%s -c %s save -f %s -a 0x%llx -o %s' /dev/null",
			    LKCD_BIN, conf, core, HEADER_PADDR, p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "\r" "lkcd: [##############################] 100%"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "MB/s ETA 0:00"));
	/* --quiet on a terminal: none */
	snprintf(p, sizeof(p), "%s/prog-quiet.kdump", work);
	CU_ASSERT_EQUAL(run("script -qec '%s -c %s save -q -f %s -a 0x%llx -o %s' /dev/null",
			    LKCD_BIN, conf, core, HEADER_PADDR, p), 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "MB/s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "saved"));
	/*
	 * stderr not a terminal (a pipe here, a journal under systemd): no bar,
	 * plain lines at every 10 %, and sd_notify STATUS= to NOTIFY_SOCKET
	 */
	snprintf(p, sizeof(p), "%s/prog-pipe.kdump", work);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char msg[512], all[8192] = "";
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		ssize_t n;

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify.sock", work);
		CU_ASSERT_FATAL(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		CU_ASSERT_EQUAL(run("NOTIFY_SOCKET=%s %s -c %s save -f %s -a 0x%llx -o %s", sa.sun_path,
				    LKCD_BIN, conf, core, HEADER_PADDR, p), 0);
		while ((n = recv(fd, msg, sizeof(msg) - 1, 0)) > 0) {
			msg[n] = '\0';
			strncat(all, msg, sizeof(all) - strlen(all) - 2);
			strcat(all, "\n");
		}
		close(fd);
		CU_ASSERT_PTR_NOT_NULL(strstr(all, "STATUS=saving the dump: 100% ("));
		CU_ASSERT_PTR_NOT_NULL(strstr(all, "STATUS=saving the dump: 10% ("));
	}
	CU_ASSERT_PTR_NULL(strchr(run_out, '\r'));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "lkcd: saving: 100% ("));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "lkcd: saving: 50% ("));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "saved"));
}

/*
 * The bash completion (lkcd-utils/lkcd.bash-completion) with bash-completion's
 * helpers stubbed: commands, global options, each command's options from its
 * --help, option values.
 */
static void test_bash_completion(void)
{
	char script[256];

	snprintf(script, sizeof(script), "%s/comp.sh", work);
	CU_ASSERT_EQUAL_FATAL(write_file(script,
		"_init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; "
		"words=(\"${COMP_WORDS[@]}\"); cword=$COMP_CWORD; }\n"
		"_filedir() { :; }\ncomplete() { :; }\n. \"$1\"\n"
		"c() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _lkcd; "
		"echo \"${COMPREPLY[*]}\"; }\n"
		"c lkcd st\nc lkcd -c /x un\nc lkcd save --fo\nc lkcd save -F ''\n"
		"c lkcd status --j\nc lkcd estimate -\n"), 0);
	/* the completion file from the source tree (beside this file), not
	 * from LKCD_BIN's: the sanitizer build's bin/ is one level deeper */
	CU_ASSERT_EQUAL(run("PATH=$(dirname %s):$PATH bash %s $(dirname %s)/../../lkcd-utils/lkcd.bash-completion",
			    LKCD_BIN, script, __FILE__), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "status\nunload\n--force --format\nkdump lkcd elf\n--json\n"
			       "--config --help --quiet\n");
}

/*
 * lkcd-generator (lkcd-utils): a network target in lkcd.conf orders
 * lkcd-config.service after network-online.target (and wants it); a local
 * one, an empty or commented-out value, or the last assignment emptying
 * it, writes nothing, so a local-only boot waits for no network.
 */
static void test_generator(void)
{
	static const struct {
		const char *conf, *keys;	/* keys: NULL when nothing is written */
	} cases[] = {
		{ "DUMP_SSH=root@h:/var/crash\n", "DUMP_SSH" },
		{ "  export DUMP_NFS='srv:/export'\n", "DUMP_NFS" },
		{ "DUMP_NFS=\"srv:/e\"\nDUMP_SSH=\n", "DUMP_NFS" },
		{ "DUMPDIR=/var/log/dump\n", NULL },
		{ "DUMP_SSH=\"\"\nDUMP_NFS=''\n", NULL },
		{ "DUMP_SSH= # none\n#DUMP_NFS=srv:/e\n", NULL },
		{ "DUMP_SSH=root@h:/x\nDUMP_SSH=\n", NULL },
	};
	char conf[256], dropin[300];
	size_t i;

	snprintf(conf, sizeof(conf), "%s/gen.conf", work);
	snprintf(dropin, sizeof(dropin), "%s/gen/lkcd-config.service.d/50-lkcd-network.conf", work);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(run("rm -rf %s/gen && printf \"%s\" >%s && LKCD_GENERATOR_CONF=%s "
				    "sh $(dirname %s)/../../lkcd-utils/lkcd-generator %s/gen",
				    work, cases[i].conf, conf, conf, __FILE__, work), 0);
		if (!cases[i].keys) {
			CU_ASSERT_NOT_EQUAL(access(dropin, F_OK), 0);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(run("cat %s", dropin), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "\nWants=network-online.target\n"
						      "After=network-online.target\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, cases[i].keys));
	}
	/* no config file, no directory argument: nothing, and no failure */
	CU_ASSERT_EQUAL(run("rm -rf %s/gen && LKCD_GENERATOR_CONF=%s/none sh "
			    "$(dirname %s)/../../lkcd-utils/lkcd-generator %s/gen && test ! -e %s/gen",
			    work, work, __FILE__, work, work), 0);
}

/* lkcd unload: the capture kernel unloaded, the level none; estimate: the floor and why */
static void test_unload_estimate(void)
{
	char root[128];

	snprintf(root, sizeof(root), "%s/unload", work);
	make_fake_root(root, "268435456");
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s unload", root, root, LKCD_BIN), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "disarmed: capture kernel unloaded, dump level none"));
	CU_ASSERT_EQUAL(run("cat %s/kexec.args %s/proc/sys/kernel/dump/level", root, root), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "-p -u\n0");
	/* kexec refusing is a failure, said */
	CU_ASSERT_EQUAL(run("printf '#!/bin/sh\\nexit 3\\n' >%s/bin/kexec", root), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:$PATH LKCD_SYSROOT=%s %s unload", root, root, LKCD_BIN), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "kexec -p -u exited with status 3"));

	/* 2 GiB, the measured initramfs size: the floor plus headroom */
	CU_ASSERT_EQUAL(run("echo 'MemTotal:        2000000 kB' >%s/proc/meminfo && "
			    "head -c 3000000 /dev/zero >%s/boot/small.img", root, root), 0);
	CU_ASSERT_EQUAL(run("echo 'KEXEC_INITRD=%s/boot/small.img' >%s/est.conf", root, root), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s/est.conf estimate", root, LKCD_BIN, root), 0);
	CU_ASSERT(!strncmp(run_out, "crashkernel=96M\n", 16));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "80 MiB  measured floor"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "this boot reserves 256 MiB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, ": enough"));
	/* 64 GiB and a 10 MiB initramfs: each part said */
	CU_ASSERT_EQUAL(run("echo 'MemTotal:       67108864 kB' >%s/proc/meminfo && "
			    "head -c 10485760 /dev/zero >%s/boot/small.img", root, root), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s/est.conf estimate -q", root, LKCD_BIN, root), 0);
	/* 80 + 4 x (10240 - 3195) KiB = 28 MiB + 4 doublings x 8 + 16 = 156 -> 160 */
	CU_ASSERT_STRING_EQUAL(run_out, "crashkernel=160M\n");
}

/* ---- lkcd save --scrub, SCRUB= ---- */

/* Read an ELF dump's page at pfn into buf; 0, or -1 when it is not there. */
static int elf_page(const char *path, uint64_t pfn, uint8_t *buf)
{
	struct lkcd_source *src;
	int ret;

	if (lkcd_source_open(path, LKCD_SOURCE_ELF, &src, NULL) < 0)
		return -1;
	ret = lkcd_source_read(src, pfn * 4096, buf, 4096, NULL);
	lkcd_source_close(src);
	return ret < 0 ? -1 : 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return !p[0] && !memcmp(p, p + 1, n - 1);
}

static void test_save_scrub(void)
{
	char d[160], plain[256], scrubbed[256], p[256], cf[160];
	uint8_t a[4096], b[4096];
	uint64_t whole = 0, part = 0;

	/* an unscrubbed ELF save shows which pages hold data */
	snprintf(d, sizeof(d), "%s/scrub", work);
	CU_ASSERT_EQUAL_FATAL(run("%s -c %s save -f %s -a 0x%llx -d %s -F elf", LKCD_BIN, conf,
				  core, HEADER_PADDR, d), 0);
	snprintf(plain, sizeof(plain), "%s/0/dump.0", d);
	for (uint64_t pfn = 0x200; pfn < 4096 && !part; pfn++) {
		if (elf_page(plain, pfn, a) || all_zero(a, 4096) || all_zero(a + 0x100, 0x80))
			continue;
		if (!whole)
			whole = pfn;
		else if (pfn > whole + 1)
			part = pfn;
	}
	CU_ASSERT_FATAL(whole && part);

	/* all of one page, 0x80 bytes of another (END inclusive) */
	CU_ASSERT_EQUAL_FATAL(run("%s -c %s save -f %s -a 0x%llx -d %s -F elf -q --scrub 0x%llx+4K "
				  "--scrub 0x%llx-0x%llx", LKCD_BIN, conf, core, HEADER_PADDR, d,
				  (unsigned long long)whole * 4096,
				  (unsigned long long)part * 4096 + 0x100,
				  (unsigned long long)part * 4096 + 0x17f), 0);
	snprintf(scrubbed, sizeof(scrubbed), "%s/1/dump.1", d);
	CU_ASSERT_EQUAL_FATAL(elf_page(scrubbed, whole, b), 0);
	CU_ASSERT_TRUE(all_zero(b, 4096));
	CU_ASSERT_EQUAL_FATAL(elf_page(plain, part, a), 0);
	CU_ASSERT_EQUAL_FATAL(elf_page(scrubbed, part, b), 0);
	CU_ASSERT_TRUE(all_zero(b + 0x100, 0x80));
	CU_ASSERT_FALSE(all_zero(a + 0x100, 0x80));
	CU_ASSERT_EQUAL(memcmp(a, b, 0x100), 0);
	CU_ASSERT_EQUAL(memcmp(a + 0x180, b + 0x180, 4096 - 0x180), 0);
	/* every other page is as it was */
	for (uint64_t pfn = 0; pfn < 4096; pfn++) {
		int ra = elf_page(plain, pfn, a), rb = elf_page(scrubbed, pfn, b);

		if (pfn == whole || pfn == part)
			continue;
		if (ra != rb || (!ra && memcmp(a, b, 4096))) {
			CU_FAIL("a page outside the scrubbed ranges changed");
			break;
		}
	}
	snprintf(p, sizeof(p), "%s/1/analysis.1", d);
	CU_ASSERT_EQUAL(run("cat %s", p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "scrubbed:         2 range(s), 4224 bytes:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "1 pages written as zero pages, 1 partly zeroed (128 bytes)"));

	/* SCRUB= in the config does the same; a bad range fails before anything is made */
	snprintf(cf, sizeof(cf), "%s/scrub.conf", work);
	snprintf(p, sizeof(p), "DUMP_FORMAT=elf\nSCRUB=\"0x%llx+4096\"\n",
		 (unsigned long long)whole * 4096);
	CU_ASSERT_EQUAL_FATAL(write_file(cf, p), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s -q", LKCD_BIN, cf, core,
			    HEADER_PADDR, d), 0);
	snprintf(p, sizeof(p), "%s/2/dump.2", d);
	CU_ASSERT_EQUAL(elf_page(p, whole, b), 0);
	CU_ASSERT_TRUE(all_zero(b, 4096));
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s --scrub 0x2000-0x1000", LKCD_BIN,
			    conf, core, HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "--scrub: scrub range '0x2000-0x1000': END below START"));
	CU_ASSERT_EQUAL_FATAL(write_file(cf, "SCRUB=0x1000\n"), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s", LKCD_BIN, cf, core,
			    HEADER_PADDR, d), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "scrub.conf:1: SCRUB=\"0x1000\": scrub range '0x1000'"));
	CU_ASSERT_EQUAL(count_entries(d), 4);	/* 0, 1, 2 and bounds */
}

/*
 * Entries someone else planted in DUMPDIR (symlinks named like a dump, the
 * bounds file, a leftover of a killed save) are never followed: nothing is
 * written or removed outside DUMPDIR, and the save still completes.
 */
static void test_save_hostile_dumpdir(void)
{
	char d[160], outside[160], p[256], link[256];
	struct stat st;

	snprintf(d, sizeof(d), "%s/hostile", work);
	snprintf(outside, sizeof(outside), "%s/outside", work);
	CU_ASSERT_EQUAL_FATAL(run("mkdir -p %s %s && echo keep >%s/file && "
				  "ln -s %s %s/0 && ln -s %s/bounds-target %s/bounds && "
				  "ln -s %s %s/.tmp-3-abcdef && ln -s %s/file %s/.tmp-4-ghijkl",
				  d, outside, outside, outside, d, outside, d, outside, d,
				  outside, d), 0);
	CU_ASSERT_EQUAL_FATAL(run("%s -c %s save -f %s -a 0x%llx -d %s -q", LKCD_BIN, conf, core,
				  HEADER_PADDR, d), 0);
	/* the next free index after the planted "0"; a real directory, 0700 */
	snprintf(p, sizeof(p), "%s/1", d);
	CU_ASSERT_EQUAL_FATAL(lstat(p, &st), 0);
	CU_ASSERT_TRUE(S_ISDIR(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	/* outside DUMPDIR: only what was there */
	CU_ASSERT_EQUAL(count_entries(outside), 1);
	CU_ASSERT_EQUAL(run("cat %s/file", outside), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "keep\n");
	/* the planted links are still links (not followed, not replaced by dumps) */
	snprintf(link, sizeof(link), "%s/0", d);
	CU_ASSERT_EQUAL(lstat(link, &st), 0);
	CU_ASSERT_TRUE(S_ISLNK(st.st_mode));
	/* bounds is now DUMPDIR's own regular file, 0600 */
	snprintf(p, sizeof(p), "%s/bounds", d);
	CU_ASSERT_EQUAL(lstat(p, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
}

/* ELF output: RAM loads at the direct-map address /proc/vmcore stated. */
static void test_save_elf_vaddr(void)
{
	char d[160], p[256];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, ram = 0;

	snprintf(d, sizeof(d), "%s/vaddr", work);
	CU_ASSERT_EQUAL_FATAL(run("%s -c %s save -f %s -a 0x%llx -d %s -F elf -q", LKCD_BIN, conf,
				  core, HEADER_PADDR, d), 0);
	snprintf(p, sizeof(p), "%s/0/dump.0", d);
	fd = open(p, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(pread(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
	for (int i = 0; i < eh.e_phnum; i++) {
		CU_ASSERT_EQUAL_FATAL(pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))),
				      (ssize_t)sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_vaddr >= 0xffffffff80000000ull)
			continue;	/* the kernel image's own load */
		CU_ASSERT_EQUAL(ph.p_vaddr, 0xffff888000000000ull + ph.p_paddr);
		ram++;
	}
	close(fd);
	CU_ASSERT_TRUE(ram > 0);
}

/*
 * --output -: the flattened stream through a pipe; makedumpfile -R (a tool
 * nobody here wrote) lays it out byte for byte as the file --output writes.
 */
static void test_save_flattened_pipe(void)
{
	static const char *const fmts[] = { "kdump", "elf", "lkcd" };
	char d[160];

	if (run("command -v makedumpfile") != 0) {
		CU_FAIL("makedumpfile is not installed (make deps)");
		return;
	}
	snprintf(d, sizeof(d), "%s/flat", work);
	CU_ASSERT_EQUAL_FATAL(run("mkdir -p %s", d), 0);
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -F %s -q -o %s/%s.file", LKCD_BIN,
				    conf, core, HEADER_PADDR, fmts[i], d, fmts[i]), 0);
		/* a pipe for real: lkcd's status kept aside (sh has no pipefail) */
		CU_ASSERT_EQUAL(run("{ %s -c %s save -f %s -a 0x%llx -F %s -q -o - 2>%s/err; "
				    "echo $? >%s/rc; } | makedumpfile -R %s/%s.flat", LKCD_BIN, conf,
				    core, HEADER_PADDR, fmts[i], d, d, d, fmts[i]), 0);
		CU_ASSERT_EQUAL(run("cat %s/rc", d), 0);
		CU_ASSERT_STRING_EQUAL(run_out, "0\n");
		CU_ASSERT_EQUAL(run("cat %s/err", d), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "flattened"));
		if (run("cmp %s/%s.file %s/%s.flat", d, fmts[i], d, fmts[i]) != 0) {
			fprintf(stderr, "\n  %s: %s", fmts[i], run_out);
			CU_FAIL("the flattened stream laid out by makedumpfile -R differs from --output FILE");
		}
	}
	/*
	 * (A stream cut short is not tried here: makedumpfile 1.7.2's -R then
	 * polls its empty stdin for 10 minutes before it gives up.)
	 */
}

/* ---- DUMP_SSH: the network sink, against a fake ssh whose "server" is here ---- */

/*
 * The fake ssh runs the remote command with sh on this machine, so the
 * server side (mkdir, cat, the end-marker check, mv) is the real shell
 * code; FAKE_SSH picks a fault: down (connection refused every time), late
 * (the first two tries find no network), hostkey (a host key mismatch),
 * dbhostkey (the same in dropbear's dbclient's words, advice last), cut
 * (the dump's session dies after 20000 bytes).  What it was asked goes to
 * FAKE_SSH_LOG.
 */
static const char fake_ssh[] =
	"#!/bin/sh\n"
	"log=${FAKE_SSH_LOG:-/dev/null}\n"
	"while [ $# -gt 1 ]; do\n"
	"	case $1 in\n"
	"	-o|-i|-p|-l) printf '%s %s ' \"$1\" \"$2\" >>\"$log\"; shift 2 ;;\n"
	"	--) shift; printf 'host %s\\n' \"$1\" >>\"$log\"; shift ;;\n"
	"	*) printf '%s ' \"$1\" >>\"$log\"; shift ;;\n"
	"	esac\n"
	"done\n"
	"n=$(cat \"$FAKE_SSH_COUNT\" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >\"$FAKE_SSH_COUNT\"\n"
	"case $FAKE_SSH in\n"
	"down) echo 'ssh: connect to host server.test port 2222: Connection refused' >&2; exit 255 ;;\n"
	"late) if [ $n -le 2 ]; then echo 'ssh: connect to host server.test port 2222: "
	"Network is unreachable' >&2; exit 255; fi ;;\n"
	"hostkey) echo 'Host key verification failed.' >&2; exit 255 ;;\n"
	"dbhostkey) printf 'dbclient: Connection to dumps@server.test:2222 exited: \\n\\n"
	"ssh-ed25519 host key mismatch for server.test !\\nFingerprint is SHA256:A\\n"
	"Expected SHA256:B\\nIf you know that the host key is correct you can\\n"
	"remove the bad entry from ~/.ssh/known_hosts\\n' >&2; exit 1 ;;\n"
	"cut) case $1 in *cat*dump.flat*) head -c 20000 >/dev/null; "
	"echo 'Connection closed by 127.0.0.1' >&2; exit 255 ;; esac ;;\n"
	"esac\n"
	"exec sh -c \"$1\"\n";

/* lkcd save with DUMP_SSH and the fake ssh; its exit code. */
static int net_save(const char *fault, const char *netconf)
{
	return run("cd %s && rm -f count && PATH=%s/bin:$PATH FAKE_SSH=%s FAKE_SSH_LOG=%s/log "
		   "FAKE_SSH_COUNT=%s/count TMPDIR=%s/stage %s -c %s save -q -f %s -a 0x%llx",
		   work, work, fault, work, work, work, LKCD_BIN, netconf, core, HEADER_PADDR);
}

/* work/bin/ssh (the fake), work/stage, work/server; 0 or -1 */
static int fake_ssh_setup(void)
{
	char bin[160];

	snprintf(bin, sizeof(bin), "%s/bin/ssh", work);
	if (run("mkdir -p %s/bin %s/stage %s/server", work, work, work) || write_file(bin, fake_ssh))
		return -1;
	return chmod(bin, 0755);
}

static void test_save_ssh(void)
{
	char cf[160], srv[160], text[1024];

	snprintf(srv, sizeof(srv), "%s/server", work);
	CU_ASSERT_EQUAL_FATAL(fake_ssh_setup(), 0);
	snprintf(cf, sizeof(cf), "%s/net.conf", work);
	snprintf(text, sizeof(text),
		 "DUMP_SSH=dumps@server.test:%s/crash\nDUMP_SSH_PORT=2222\n"
		 "DUMP_SSH_KEY=/etc/lkcd/test_key\nDUMP_NET_WAIT=20\nDUMPDIR=%s/netlocal\n",
		 srv, work);
	CU_ASSERT_EQUAL_FATAL(write_file(cf, text), 0);

	/*
	 * saved: <path>/<host>-<time>/ with the flattened dump and analysis
	 * (no dmesg: this vmcore has no VMCOREINFO); what makedumpfile -R lays
	 * out is the dump
	 */
	CU_ASSERT_EQUAL(net_save("", cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "saved dumps@server.test:"));
	CU_ASSERT_EQUAL(run("cd %s/crash && ls -A && ls -A */", srv), 0);
	CU_ASSERT_EQUAL(count_entries(srv), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "simmem-20261118-110640\nanalysis\ndump.flat\n"));
	CU_ASSERT_PTR_NULL(strstr(run_out, ".part"));
	CU_ASSERT_EQUAL(run("makedumpfile -R %s/laid-out < %s/crash/simmem-20261118-110640/dump.flat && "
			    "%s -c %s show %s/laid-out", work, srv, LKCD_BIN, conf, work), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "panic string:     sysrq triggered crash (simulated)"));
	CU_ASSERT_EQUAL(run("cd %s/crash/*/ && stat -c '%%a' dump.flat . && "
			    "grep -c 'flattened' analysis", srv), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "600\n700\n1\n");
	/* what ssh was given: batch mode, the known host and key, port, user */
	CU_ASSERT_EQUAL(run("cat %s/log", work), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "-o BatchMode=yes -o StrictHostKeyChecking=yes "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, " -o UserKnownHostsFile=/etc/lkcd/known_hosts "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "-i /etc/lkcd/test_key -p 2222 -l dumps host server.test"));
	CU_ASSERT_EQUAL(run("test -e %s/netlocal", work), 1);	/* no local copy */
	snprintf(text, sizeof(text), "%s/stage", work);
	CU_ASSERT_EQUAL(count_entries(text), 0);		/* the staging copy is gone */
	/* the same dump again meets its directory: not overwritten, saved locally */
	CU_ASSERT_EQUAL(net_save("", cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "simmem-20261118-110640 exists already"));
	CU_ASSERT_EQUAL(run("ls %s/netlocal/0/dump.0 && rm -rf %s/crash %s/netlocal", work, srv,
			    work), 0);

	/* a network that comes up late: tried again, saved */
	CU_ASSERT_EQUAL(net_save("late", cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "not reached yet (ssh: connect to host "
				      "server.test port 2222: Network is unreachable); trying again in 1 s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "trying again in 2 s"));
	CU_ASSERT_EQUAL(run("ls %s/crash/*/dump.flat", srv), 0);
	CU_ASSERT_EQUAL(run("rm -rf %s/crash", srv), 0);

	/* a host key that does not match: refused at once, said, then the fallback */
	CU_ASSERT_EQUAL(net_save("hostkey", cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "cannot save to the dump server dumps@server.test "
				      "port 2222 ("));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "): Host key verification failed."));
	CU_ASSERT_PTR_NULL(strstr(run_out, "trying again"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "saving into DUMPDIR"));
	CU_ASSERT_EQUAL(run("ls %s/netlocal/0/dump.0 && cat %s/count", work, work), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "\n1\n"));	/* one try */
	CU_ASSERT_EQUAL(run("test -e %s/crash", srv), 1);
	/* dbclient's words: the mismatch is the reason, not the advice after it */
	CU_ASSERT_EQUAL(net_save("dbhostkey", cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "port 2222 (" ));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "): ssh-ed25519 host key mismatch for server.test !\n"));
	CU_ASSERT_PTR_NULL(strstr(run_out, "trying again"));
	CU_ASSERT_EQUAL(run("rm -rf %s/netlocal", work), 0);

	/* server down, no fallback: bounded tries, said, exit 3 (DUMP_FAIL_ACTION) */
	snprintf(text, sizeof(text),
		 "DUMP_SSH=dumps@server.test:%s/crash\nDUMP_NET_WAIT=2\nDUMP_NET_FALLBACK=0\n", srv);
	CU_ASSERT_EQUAL_FATAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(net_save("down", cf), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "Connection refused (gave up after DUMP_NET_WAIT)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "the dump is not saved (DUMP_NET_FALLBACK=0)"));
	CU_ASSERT_EQUAL(run("cat %s/count", work), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "2\n");	/* at 0 s and 1 s; 1 + 2 s is past 2 s */

	/* the dump's session dies: no final name, the .part stays, exit 3 */
	CU_ASSERT_EQUAL(net_save("cut", cf), 3);
	/* named as the server has it: the .part, never the final name */
	snprintf(text, sizeof(text), "sending the dump to dumps@server.test:%s/crash/"
		 ".simmem-20261118-110640.part failed (ssh exit status 255)", srv);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, text));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "the dump is not saved (DUMP_NET_FALLBACK=0)"));
	CU_ASSERT_EQUAL(run("ls -A %s/crash", srv), 0);
	CU_ASSERT_STRING_EQUAL(run_out, ".simmem-20261118-110640.part\n");
	/* ... and with the fallback: read again, saved into DUMPDIR */
	snprintf(text, sizeof(text), "DUMP_SSH=dumps@server.test:%s/crash\nDUMPDIR=%s/netlocal\n",
		 srv, work);
	CU_ASSERT_EQUAL_FATAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(net_save("cut", cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "netlocal instead (DUMP_NET_FALLBACK=1), "
				      "reading the dump again"));
	CU_ASSERT_EQUAL(run("%s -c %s show %s/netlocal/0/dump.0", LKCD_BIN, conf, work), 0);
	CU_ASSERT_EQUAL(run("ls -A %s/crash", srv), 0);
	CU_ASSERT_STRING_EQUAL(run_out, ".simmem-20261118-110640.part\n");
	snprintf(text, sizeof(text), "%s/stage", work);
	CU_ASSERT_EQUAL(count_entries(text), 0);		/* no staging left behind */
}

/*
 * lkcd propagate against the fake ssh (the "server" is here, its ~ is
 * work/home) and a fake ssh-keyscan: the key made, the host key accepted
 * once, the public key installed once, the login checked; lkcd config
 * refuses to arm when the server cannot be reached, saying why.
 */
static void test_propagate(void)
{
	char cf[160], text[1024], root[128], acf[256];

	CU_ASSERT_EQUAL_FATAL(fake_ssh_setup(), 0);
	CU_ASSERT_EQUAL_FATAL(run("mkdir -p %s/prop/etc/lkcd %s/home && printf '#!/bin/sh\\n"
				  "echo \"# $5:22 SSH-2.0-fake\" >&2; echo \"$5 ssh-ed25519 AAAAfakehostkey\"\\n' "
				  ">%s/bin/ssh-keyscan && chmod 755 %s/bin/ssh-keyscan && rm -f %s/pkey*",
				  work, work, work, work, work), 0);
	snprintf(cf, sizeof(cf), "%s/prop.conf", work);
	snprintf(text, sizeof(text), "DUMP_SSH=dumps@server.test:%s/server/prop\nDUMP_SSH_KEY=%s/pkey\n",
		 work, work);
	CU_ASSERT_EQUAL_FATAL(write_file(cf, text), 0);
#define PROPAGATE "HOME=%s/home PATH=%s/bin:$PATH FAKE_SSH= FAKE_SSH_COUNT=%s/count " \
		  "LKCD_SYSROOT=%s/prop %s -c %s propagate"
	CU_ASSERT_EQUAL(run(PROPAGATE, work, work, work, work, LKCD_BIN, cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "key: " ));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "/pkey made (ed25519"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "host key: server.test port 22 accepted on first use"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "\nadded\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "login checked: dumps@server.test port 22 with "));
	CU_ASSERT_EQUAL(run("cat %s/prop/etc/lkcd/known_hosts && stat -c %%a %s/pkey && "
			    "cmp %s/pkey.pub %s/home/.ssh/authorized_keys && test -d %s/server/prop",
			    work, work, work, work, work), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "server.test ssh-ed25519 AAAAfakehostkey\n600\n");
	/* again: nothing made or added twice */
	CU_ASSERT_EQUAL(run(PROPAGATE, work, work, work, work, LKCD_BIN, cf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "/pkey (there already)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "host key: /etc/lkcd/known_hosts has one for server.test"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "\npresent\n"));
	CU_ASSERT_EQUAL(run("wc -l <%s/home/.ssh/authorized_keys && wc -l <%s/prop/etc/lkcd/known_hosts",
			    work, work), 0);
	CU_ASSERT_STRING_EQUAL(run_out, "1\n1\n");
	/* no DUMP_SSH: nothing to do, said */
	CU_ASSERT_EQUAL(run("%s -c %s propagate", LKCD_BIN, conf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMP_SSH is not set in"));
#undef PROPAGATE

	/* lkcd config: a server that refuses the host key is said, nothing armed */
	make_fake_armable("sshcfg", "268435456", root, sizeof(root), acf, sizeof(acf));
	CU_ASSERT_EQUAL(run("printf 'DUMP_SSH=dumps@server.test:/srv\\n' >>%s", acf), 0);
	CU_ASSERT_EQUAL(run("PATH=%s/bin:%s/bin:$PATH FAKE_SSH=hostkey LKCD_SYSROOT=%s %s -c %s config",
			    work, root, root, LKCD_BIN, acf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMP_SSH dumps@server.test port 22 (/srv): Host key "
				      "verification failed."));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "the dump server cannot be reached: not armed"));
	CU_ASSERT_EQUAL(run("test -e %s/kexec.args", root), 1);	/* kexec never ran */
}

/*
 * DUMP_NFS off any VM (the mount itself is the capture-nfs VM scenario's):
 * a server that cannot be resolved is final at once (no retry), said with
 * the server and the mount options, then DUMPDIR; without the fallback,
 * exit 3 (DUMP_FAIL_ACTION); a --dumpdir on the command line is where the
 * dump goes, not DUMP_NFS; lkcd config refuses to arm, saying why.
 */
static void test_save_nfs(void)
{
	char cf[160], text[512], root[128], acf[256];

	snprintf(cf, sizeof(cf), "%s/nfs.conf", work);
	snprintf(text, sizeof(text), "DUMP_NFS=dumps.invalid:/srv/crash\nDUMP_NFS_OPTIONS=port=2049\n"
		 "DUMP_NET_WAIT=20\nDUMPDIR=%s/nfslocal\n", work);
	CU_ASSERT_EQUAL_FATAL(write_file(cf, text), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -q -f %s -a 0x%llx", LKCD_BIN, cf, core, HEADER_PADDR), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "cannot save to the NFS server dumps.invalid (DUMP_NFS "
				      "dumps.invalid:/srv/crash, mount options -): cannot resolve "
				      "dumps.invalid: "));
	CU_ASSERT_PTR_NULL(strstr(run_out, "trying again"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "saving into DUMPDIR"));
	CU_ASSERT_EQUAL(run("%s -c %s show %s/nfslocal/0/dump.0 >/dev/null", LKCD_BIN, conf, work), 0);
	/* no fallback: not saved, exit 3 */
	CU_ASSERT_EQUAL(run("echo DUMP_NET_FALLBACK=0 >>%s && %s -c %s save -q -f %s -a 0x%llx", cf,
			    LKCD_BIN, cf, core, HEADER_PADDR), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "the dump is not saved (DUMP_NET_FALLBACK=0)"));
	CU_ASSERT_EQUAL(run("test -e %s/nfslocal/1", work), 1);
	/* -d names the place: DUMP_NFS is not tried */
	CU_ASSERT_EQUAL(run("%s -c %s save -q -d %s/nfslocal -f %s -a 0x%llx", LKCD_BIN, cf, work,
			    core, HEADER_PADDR), 0);
	CU_ASSERT_PTR_NULL(strstr(run_out, "NFS"));
	CU_ASSERT_EQUAL(run("rm -rf %s/nfslocal", work), 0);

	/* lkcd config: an export that cannot be mounted is said, nothing armed */
	make_fake_armable("nfscfg", "268435456", root, sizeof(root), acf, sizeof(acf));
	CU_ASSERT_EQUAL(run("printf 'DUMP_NFS=dumps.invalid:/srv\\n' >>%s", acf), 0);
	CU_ASSERT_EQUAL(run("LKCD_SYSROOT=%s %s -c %s config", root, LKCD_BIN, acf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "cannot save to the NFS server dumps.invalid"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "DUMP_NFS: the export cannot be mounted and written: "
				      "not armed"));
	CU_ASSERT_EQUAL(run("test -e %s/kexec.args", root), 1);	/* kexec never ran */
}

/*
 * A dump the dumper had to stop (the deadline, after 600 page reads): save
 * completes it from the vmcore, pfn next_pfn on, without the dumper's own
 * storage blocks and header page, and says so.  At level all_ram no class
 * is needed; at kern, without VMCOREINFO to classify, it is saved as is.
 */
static void test_save_completes_stopped_dump(void)
{
	char cpath[160], d[160], p[256];
	struct simmem *sm = sim_new_standard(4096, 7);
	const struct lkcd_dump_header *h;
	struct lkcd_source *dumpsrc;
	uint8_t page[4096];
	uint64_t tail = 0, blocks = 0;

	CU_ASSERT_FATAL(sm != NULL);
	/* all_ram's first blocks go to the pool: high, where the dump never gets */
	for (unsigned int i = 0; i < 16; i++)
		sim_add_pool(sm, 0xc00 + i);
	sm->clock_ns = 1000000;
	sm->ns_per_read = 1000;
	CU_ASSERT_EQUAL_FATAL(sim_pack(sm, LKCD_LEVEL_ALL_RAM, 0, LKCD_COMPRESS_ZLIB,
				       1000000 + 600 * 1000), 0);
	h = sim_header(sm);
	CU_ASSERT_EQUAL_FATAL(h->incomplete_reason, LKCD_INCOMPLETE_DEADLINE);
	CU_ASSERT_FATAL(h->next_pfn > 0x200 && h->next_pfn < sm->max_pfn);
	snprintf(cpath, sizeof(cpath), "%s/vmcore-stopped", work);
	CU_ASSERT_EQUAL_FATAL(elfcore_write_sim(sm, cpath), 0);
	snprintf(d, sizeof(d), "%s/stopped", work);
	CU_ASSERT_EQUAL_FATAL(run("%s -c %s save -f %s -a 0x%llx -d %s -F elf -q", LKCD_BIN, conf,
				  cpath, HEADER_PADDR, d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "the rest is read from"));
	snprintf(p, sizeof(p), "%s/0/dump.0", d);
	CU_ASSERT_EQUAL_FATAL(lkcd_source_open(p, LKCD_SOURCE_ELF, &dumpsrc, NULL), 0);
	for (uint64_t pfn = h->next_pfn; pfn < sm->max_pfn; pfn++) {
		const uint8_t *mem = sm->mem + pfn * 4096;
		/* a storage block (pool pages never used hold what they held) */
		bool own = (sm->state[pfn] & SIM_S_WRITTEN) || pfn == sm->header_pfn;

		if (!(sm->state[pfn] & SIM_S_RAM))
			continue;
		if (lkcd_source_read(dumpsrc, pfn * 4096, page, sizeof(page), NULL) < 0) {
			CU_FAIL("a RAM page after next_pfn is missing from the completed dump");
			break;
		}
		if (own) {
			blocks++;
			/* the dumper's writing, not the crashed kernel's memory: a hole */
			if (page[0] || memcmp(page, page + 1, sizeof(page) - 1)) {
				CU_FAIL("a storage block or the header page was copied into the dump");
				break;
			}
		} else if (memcmp(page, mem, sizeof(page))) {
			CU_FAIL("a page after next_pfn differs from memory");
			break;
		} else {
			tail++;
		}
	}
	lkcd_source_close(dumpsrc);
	CU_ASSERT(tail > 1000);
	CU_ASSERT(blocks > 0);
	CU_ASSERT_EQUAL(run("grep -c '^completed from:.*pfn 0x%llx on' %s/0/analysis.0",
			    (unsigned long long)h->next_pfn, d), 0);

	/* kern, no VMCOREINFO in this core: no class to filter by, saved as it stands */
	sim_free(sm);
	sm = sim_new_standard(4096, 7);
	CU_ASSERT_FATAL(sm != NULL);
	sm->clock_ns = 1000000;
	sm->ns_per_read = 1000;
	CU_ASSERT_EQUAL_FATAL(sim_pack(sm, LKCD_LEVEL_KERN, LKCD_EXCLUDE_MASK, LKCD_COMPRESS_ZLIB,
				       1000000 + 300 * 1000), 0);
	CU_ASSERT_EQUAL_FATAL(elfcore_write_sim(sm, cpath), 0);
	CU_ASSERT_EQUAL(run("%s -c %s save -f %s -a 0x%llx -d %s -q", LKCD_BIN, conf, cpath,
			    HEADER_PADDR, d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_out, "not completed from memory: cannot classify pages"));
	CU_ASSERT_EQUAL(run("grep -c '^completed from:' %s/1/analysis.1", d), 1);
	sim_free(sm);
}

static const CU_TestInfo cmd_tests[] = {
	{ "show on foreign files", test_show_foreign },
	{ "header-level dump, KEEP_DUMPS", test_header_level_and_keep },
	{ "KEEP_DUMPS keeps older dumps after a damaged save", test_keep_spares_the_good_dump },
	{ "save, show, list", test_save_show_list },
	{ "save refuses bad input, leaves nothing", test_save_refuses },
	{ "save without a usable lkcd dump falls back to the vmcore", test_save_fallback },
	{ "save never falls back after a lockdown refusal", test_save_lockdown_no_fallback },
	{ "bad config file, unknown command", test_config_bad_file },
	{ "config and query read /sys/kernel/kexec/ where it exists", test_config_kexec_sysfs_dir },
	{ "config arms (fake /proc, /sys, kexec)", test_config_arms },
	{ "config refuses: no reservation, kexec, module, kernel", test_config_refuses },
	{ "config in the capture kernel saves", test_config_in_capture_kernel },
	{ "config: kexec -s for crashkernel=,cma, --hotplug where it helps", test_config_kexec_mode },
	{ "test crashes only when armed and confirmed", test_crash_test_guarded },
	{ "save --level/--exclude drops zero pages, refuses missing classes", test_save_level_filter },
	{ "save --output PATH, --force", test_save_output },
	{ "save progress: a bar on a terminal, else lines and sd_notify STATUS=", test_save_progress },
	{ "unload disarms; estimate states each part", test_unload_estimate },
	{ "bash completion: commands, options, values", test_bash_completion },
	{ "generator: network-online for a network target only", test_generator },
	{ "save -F elf: RAM at the vmcore's direct-map addresses", test_save_elf_vaddr },
	{ "save never follows entries planted in DUMPDIR", test_save_hostile_dumpdir },
	{ "save -o - through a pipe, makedumpfile -R lays it out", test_save_flattened_pipe },
	{ "save completes a stopped dump from the vmcore", test_save_completes_stopped_dump },
	{ "save --scrub, SCRUB= zero the chosen ranges only", test_save_scrub },
	{ "save to DUMP_SSH: saved, late network, host key, down, cut", test_save_ssh },
	{ "propagate: key, host key, installed once, login; config checks the server", test_propagate },
	{ "save to DUMP_NFS: unresolved server final, fallback, exit 3; config refuses",
	  test_save_nfs },
	CU_TEST_INFO_NULL,
};

static int register_suites(void)
{
	return lkcd_unit_add_suite("lkcd program", suite_init, suite_clean, cmd_tests);
}

LKCD_TEST_MAIN(register_suites)
