// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: what `lkcd show` and `lkcd list` read from a saved dump
 * file: the ELF path (source + LKCD note + header decode), the kdump path
 * (disk_dump_header, sub header, notes) and the LKCD v8 path
 * (dump_header_t).  Input: the dump file (seeds: lkcd save's three output
 * formats, written by the real writers from a packed dump).
 *
 * show_file() is static in userspace/cmd/cmd_show.c, so the file is
 * included here; stdout goes to /dev/null and errmsg()'s stderr is closed
 * by libFuzzer's -close_fd_mask when fuzzing.
 */
#include "../../userspace/cmd/cmd_show.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char p[64];
	int fd = fuzz_memfile(data, size, p, sizeof(p));

	if (fd < 0)
		abort();
	show_file(p, fuzz_null_file(), false);
	show_file(p, fuzz_null_file(), true);
	close(fd);
	return 0;
}
