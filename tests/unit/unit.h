/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The CUnit runner shared by every tests/unit/test_*.c (unit.c, linked into
 * each).  A test file defines a function that registers its suites (returns
 * 0, or non-zero on a registration error) and ends with
 *
 *	LKCD_TEST_MAIN(register_suites)
 *
 * The program then runs every suite with the verbose basic runner, or only
 * what its arguments name:
 *
 *	test_X              every suite
 *	test_X NAME         the suite called NAME, or every test called NAME
 *	                    (in whichever suites have one)
 *	test_X --list       the suites and tests, one "suite: test" a line
 *
 * It appends "<name> <passed> <failed> <skipped>" to the counts file (env
 * LKCD_RESULTS, else build/results/counts as set by tests/unit/Makefile)
 * and exits non-zero when anything failed (2 when NAME names nothing).
 * Tests left out by NAME are not counted.  A suite whose init function
 * fails counts all of its tests as failed, so a broken fixture cannot pass
 * silently.
 */
#ifndef LKCD_UNIT_H
#define LKCD_UNIT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <CUnit/Basic.h>

/* Register one suite with a NULL-terminated CU_TestInfo array. */
int lkcd_unit_add_suite(const char *name, CU_InitializeFunc init,
			CU_CleanupFunc cleanup, const CU_TestInfo *tests);

/* Run the suites register_suites() adds, as the arguments select. */
int lkcd_unit_run(int argc, char **argv, int (*register_suites)(void));

#define LKCD_TEST_MAIN(register_suites)				\
	int main(int argc, char **argv)				\
	{							\
		return lkcd_unit_run(argc, argv, register_suites); \
	}

#endif /* LKCD_UNIT_H */
