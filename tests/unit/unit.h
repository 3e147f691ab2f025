/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The CUnit runner shared by every tests/unit/test_*.c.  A test file
 * defines a function that registers its suites (returns 0, or non-zero on a
 * registration error) and ends with
 *
 *	LKCD_TEST_MAIN(register_suites)
 *
 * which runs every suite with the verbose basic runner, appends
 * "<name> <passed> <failed> <skipped>" to the counts file (env LKCD_RESULTS,
 * else build/results/counts as set by tests/unit/Makefile), and exits
 * non-zero when anything failed.  A suite whose init function fails counts
 * all of its tests as failed, so a broken fixture cannot pass silently.
 */
#ifndef LKCD_UNIT_H
#define LKCD_UNIT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <CUnit/Basic.h>

#ifndef LKCD_RESULTS_DEFAULT
#define LKCD_RESULTS_DEFAULT "build/results/counts"
#endif

/* Register one suite with a NULL-terminated CU_TestInfo array. */
static inline int lkcd_unit_add_suite(const char *name, CU_InitializeFunc init,
				      CU_CleanupFunc cleanup,
				      const CU_TestInfo *tests)
{
	CU_pSuite s = CU_add_suite(name, init, cleanup);

	if (!s)
		return -1;
	for (; tests->pName; tests++)
		if (!CU_add_test(s, tests->pName, tests->pTestFunc))
			return -1;
	return 0;
}

static inline int lkcd_unit_run(const char *argv0, int (*register_suites)(void))
{
	const char *name = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	const char *path = getenv("LKCD_RESULTS");
	unsigned int run, failed, skipped, init_failed = 0;
	CU_pFailureRecord f;
	FILE *out;

	if (!path || !*path)
		path = LKCD_RESULTS_DEFAULT;
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "%s: CUnit: %s\n", name, CU_get_error_msg());
		return 2;
	}
	if (register_suites() != 0 || CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "%s: registering suites failed: %s\n", name,
			CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();

	/* Tests of suites whose init failed were never run: count them failed. */
	for (f = CU_get_failure_list(); f; f = f->pNext)
		if (f->type == CUF_SuiteInitFailed && f->pSuite)
			init_failed += f->pSuite->uiNumberOfTests;
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed() + init_failed;
	skipped = CU_get_number_of_tests_inactive();
	if (CU_get_number_of_failures() && !failed)
		failed = 1;	/* an assertion outside any test */

	out = fopen(path, "a");
	if (out) {
		fprintf(out, "%s %u %u %u\n", name,
			run - CU_get_number_of_tests_failed(), failed, skipped);
		fclose(out);
	} else {
		fprintf(stderr, "%s: cannot append to %s: %s\n", name, path,
			strerror(errno));
	}
	printf("%s: %u passed, %u failed, %u skipped\n", name,
	       run - CU_get_number_of_tests_failed(), failed, skipped);
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#define LKCD_TEST_MAIN(register_suites)				\
	int main(int argc, char **argv)				\
	{							\
		(void)argc;					\
		return lkcd_unit_run(argv[0], register_suites);	\
	}

#endif /* LKCD_UNIT_H */
