"""tests/vm/kdcompat.py: open a dump with libkdumpfile's Python binding,
whichever API the release ships: kdumpfile.kdumpfile(path) and
KDUMP_MACHPHYSADDR up to 0.5.4 (bookworm, trixie); a kdumpfile.Context
with open(path) and MACHPHYSADDR from 0.5.6 (sid), where the old names
are gone.  open_dump(path) -> (object with .read(space, addr, size),
the machine-physical address space)."""
import kdumpfile


def open_dump(path):
    if hasattr(kdumpfile, "kdumpfile"):
        return kdumpfile.kdumpfile(path), kdumpfile.KDUMP_MACHPHYSADDR
    ctx = kdumpfile.Context()
    ctx.open(path)
    return ctx, kdumpfile.MACHPHYSADDR
