/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Running the lkcd program from a unit test: a shell command line, its
 * standard output and error captured together.
 */
#ifndef LKCD_TEST_RUNCMD_H
#define LKCD_TEST_RUNCMD_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Run fmt (printf-style) with sh, stdout and stderr into out (NUL-terminated,
 * cut at size - 1).  Its exit status; 128 when a signal ended it; -1 when it
 * could not be started or the command line did not fit.
 */
int vrun_capture(char *out, size_t size, const char *fmt, va_list ap);

/*
 * vrun_capture into run_out: what a test then looks for in the output.  Its
 * exit status, as vrun_capture's.
 */
extern char run_out[65536];
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A suite's work directory, removed with everything in it unless
 * LKCD_TEST_KEEP is set (to look at what a failing test left).  0 or -1;
 * nothing to do for an empty name.
 */
int remove_workdir(const char *dir);

/* Create or truncate path with text.  0 or -1. */
int write_file(const char *path, const char *text);

#endif /* LKCD_TEST_RUNCMD_H */
