#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Compare dump files page by page through libkdumpfile.

usage: kdumpfile_compare.py REFERENCE PAGE_SIZE FILE...
For each FILE prints "<FILE> same <n> diff <n> missing <n> missing_zero <n>":
pages the reference reads (by physical address, up to its max_pfn) that FILE
reads the same, reads differently, or cannot read (split by whether the
reference page is all zeros: libkdumpfile reads the page just below an ELF
segment as zeros, and a dump may leave zero pages out).  The first line that is not of this
form is an error message.
"""
import sys

import kdumpfile


def readable(k, addr, size):
    try:
        return bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, addr, size))
    except Exception:
        return None


def main():
    ref_path, page_size = sys.argv[1], int(sys.argv[2])
    try:
        ref = kdumpfile.kdumpfile(ref_path)
        outs = [(p, kdumpfile.kdumpfile(p)) for p in sys.argv[3:]]
    except Exception as e:
        print("open failed: %s: %s" % (type(e).__name__, e))
        return 1
    max_pfn = ref.attr["max_pfn"]
    counts = {p: [0, 0, 0, 0] for p, _ in outs}
    for pfn in range(max_pfn):
        a = readable(ref, pfn * page_size, page_size)
        if a is None:
            continue
        for p, k in outs:
            b = readable(k, pfn * page_size, page_size)
            if b is None:
                counts[p][3 if a.count(0) == len(a) else 2] += 1
            else:
                counts[p][0 if b == a else 1] += 1
    for p, _ in outs:
        print("%s same %d diff %d missing %d missing_zero %d" % (p, *counts[p]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
