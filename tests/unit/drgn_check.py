#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Open dump files with drgn (a debugger nobody here wrote).

usage: drgn_check.py VMLINUX FILE...
prints per FILE "<FILE> OK <utsname release> <printk records> <crashed thread's
top functions, comma-separated>" or "<FILE> FAILED <reason>".
"""
import sys

import drgn
from drgn.helpers.linux.printk import get_printk_records


def check(vmlinux, path):
    prog = drgn.Program()
    prog.set_core_dump(path)
    prog.load_debug_info([vmlinux], default=False, main=False)
    release = prog["init_uts_ns"].name.release.string_().decode()
    records = len(get_printk_records(prog))
    try:
        frames = [f.name or "?" for f in prog.crashed_thread().stack_trace()][:6]
    except Exception as e:  # no crashed thread in a live or idle dump
        frames = ["no-trace:%s" % type(e).__name__]
    return "OK %s %d %s" % (release, records, ",".join(frames))


def main():
    for path in sys.argv[2:]:
        try:
            print(path, check(sys.argv[1], path))
        except Exception as e:
            print(path, "FAILED", type(e).__name__, str(e).replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
