// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The globals main.c defines for the lkcd program, for the targets that link
 * userspace/cmd/ files (util.c, summary.c, cmd_show.c) without main.c. */
#include <stdbool.h>

const char *prog = "lkcd-fuzz";
const char *conf_path = "/nonexistent/lkcd.conf";
bool conf_path_given;
