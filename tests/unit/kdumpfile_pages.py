#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Read pages of a dump file with libkdumpfile, a reader lkcd did not write.

usage: kdumpfile_pages.py FILE PAGE_SIZE NR_PFNS
prints one line per pfn below NR_PFNS: "<pfn> <crc32 as 8 hex digits>", or
"<pfn> ERR" when libkdumpfile cannot read that page (excluded, not in the
dump).  The first line that is not of this form is an error message.
"""
import sys
import zlib

import kdumpfile


def main():
    path, page_size, nr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    try:
        k = kdumpfile.kdumpfile(path)
    except Exception as e:  # the file did not open at all
        print("open failed: %s: %s" % (type(e).__name__, e))
        return 1
    for pfn in range(nr):
        try:
            data = k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * page_size,
                          page_size)
        except Exception:
            print("%d ERR" % pfn)
            continue
        print("%d %08x" % (pfn, zlib.crc32(bytes(data)) & 0xffffffff))
    return 0


if __name__ == "__main__":
    sys.exit(main())
