// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The CUnit runner of every unit test program: see unit.h. */
#include "unit.h"

#ifndef LKCD_RESULTS_DEFAULT
#define LKCD_RESULTS_DEFAULT "build/results/counts"
#endif

int lkcd_unit_add_suite(const char *name, CU_InitializeFunc init,
			CU_CleanupFunc cleanup, const CU_TestInfo *tests)
{
	CU_pSuite s = CU_add_suite(name, init, cleanup);

	if (!s)
		return -1;
	for (; tests->pName; tests++)
		if (!CU_add_test(s, tests->pName, tests->pTestFunc))
			return -1;
	return 0;
}

static void list_tests(void)
{
	CU_pSuite s;
	CU_pTest t;

	for (s = CU_get_registry()->pSuite; s; s = s->pNext)
		for (t = s->pTest; t; t = t->pNext)
			printf("%s: %s\n", s->pName, t->pName);
}

/*
 * Leave out everything but the suite called name, or the tests called name.
 * Tests the program itself made inactive (a missing tool: skipped) stay so.
 * Returns how many active tests were left out (so that they are not counted
 * as skipped), or -1 when name selects nothing.
 */
static int select_only(const char *name)
{
	CU_pSuite s;
	CU_pTest t;
	int left_out = 0, chosen = 0;

	for (s = CU_get_registry()->pSuite; s; s = s->pNext) {
		int whole = strcmp(s->pName, name) == 0, any = whole;

		for (t = s->pTest; t && !any; t = t->pNext)
			any = strcmp(t->pName, name) == 0;
		if (!any) {
			/* neither its init nor its tests run, none is counted */
			CU_set_suite_active(s, CU_FALSE);
			continue;
		}
		for (t = s->pTest; t; t = t->pNext) {
			if (whole || strcmp(t->pName, name) == 0) {
				chosen++;
			} else if (t->fActive) {
				CU_set_test_active(t, CU_FALSE);
				left_out++;
			}
		}
	}
	if (!chosen)
		return -1;
	CU_set_fail_on_inactive(CU_FALSE);
	return left_out;
}

static unsigned int active_tests(CU_pSuite s)
{
	unsigned int n = 0;
	CU_pTest t;

	for (t = s->pTest; t; t = t->pNext)
		n += t->fActive != CU_FALSE;
	return n;
}

static void append_counts(const char *name, unsigned int passed,
			  unsigned int failed, unsigned int skipped)
{
	const char *path = getenv("LKCD_RESULTS");
	FILE *out;

	if (!path || !*path)
		path = LKCD_RESULTS_DEFAULT;
	out = fopen(path, "a");
	if (!out) {
		fprintf(stderr, "%s: cannot append to %s: %s\n", name, path,
			strerror(errno));
		return;
	}
	fprintf(out, "%s %u %u %u\n", name, passed, failed, skipped);
	fclose(out);
}

int lkcd_unit_run(int argc, char **argv, int (*register_suites)(void))
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	unsigned int run, failed, skipped, init_failed = 0;
	int left_out = 0;
	CU_pFailureRecord f;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [--list | SUITE | TEST]\n", name);
		return 2;
	}
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
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		list_tests();
		CU_cleanup_registry();
		return 0;
	}
	if (argc == 2 && (left_out = select_only(argv[1])) < 0) {
		fprintf(stderr, "%s: no suite or test is called \"%s\"; these are (suite: test):\n",
			name, argv[1]);
		list_tests();
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();

	/* Tests of suites whose init failed were never run: count them failed. */
	for (f = CU_get_failure_list(); f; f = f->pNext)
		if (f->type == CUF_SuiteInitFailed && f->pSuite)
			init_failed += active_tests(f->pSuite);
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed() + init_failed;
	skipped = CU_get_number_of_tests_inactive() - (unsigned int)left_out;
	if (CU_get_number_of_failures() && !failed)
		failed = 1;	/* an assertion outside any test */

	append_counts(name, run - CU_get_number_of_tests_failed(), failed, skipped);
	printf("%s: %u passed, %u failed, %u skipped\n", name,
	       run - CU_get_number_of_tests_failed(), failed, skipped);
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
