# crashkernel-cma: crashkernel=SIZE,cma (6.16+).  The guest boots with a
# ordinary reservation (crashkernel=128M: the capture kernel's image
# and initramfs) and 256 MiB of crash kernel memory from CMA, which the
# production kernel lends to movable allocations.  After a panic the
# capture kernel runs in those CMA ranges too, and the kernel leaves them
# out of /proc/vmcore (the capture kernel overwrites them).  lkcd config
# must load with kexec_file_load (kexec -s: only the kernel's own loader
# gives the capture kernel the CMA ranges), and lkcd.ko must store no dump
# block there (it keeps every MIGRATE_CMA pageblock out of its spare pages,
# kernel/compat.h): a block there would be overwritten and unreadable.
#
# Checked on the host: the dump is judged like panic-kern (makedumpfile,
# crash, libkdumpfile page by page against /proc/vmcore); its header says
# complete; lkcd config ran kexec -p -s and said why; the capture kernel's
# System RAM holds memory outside the crashkernel= range (the CMA ranges:
# it ran there); /proc/vmcore has no byte of those ranges; and the chain of
# storage blocks, walked here from the header in /proc/vmcore, has every
# block the header counts and none in a CMA range.
#
# sid's kernel only (make check-next): older kernels have no ,cma.
DESCRIPTION="crashkernel=256M,cma (6.16+): kexec -s, the capture kernel runs in CMA, no dump block stored there, the dump complete"
NEEDS="lkcd module"
IN_SUITE=0	# make check-next runs it on sid's kernel (tests/vm/README)
VM_MEM=1G
VM_CRASHKERNEL=128M
VM_APPEND="crashkernel=256M,cma"
VM_TIMEOUT=300

check() {
	local bad=0 out
	if ! vm_kernel_at_least 6.16; then
		check_fail "$KABI has no crashkernel=...,cma (6.16+): run this on sid (make check-next)"
		return 1
	fi
	check_cycle 40 || bad=1
	grep -q '^state: *complete' "$WORK/lkcd-show.txt" ||
		check_fail "the dump is not complete: $(grep -m1 '^state' "$WORK/lkcd-show.txt")" || bad=1
	grep -q '^running: kexec -p -s ' "$LOG" ||
		check_fail "lkcd config did not load with kexec -p -s: $(grep -m1 '^running: kexec' "$LOG")" || bad=1
	grep -q '^kexec_file_load (kexec -s): crashkernel=...,cma' "$LOG" ||
		check_fail "lkcd config did not say why it used kexec_file_load" || bad=1
	check_file notes/prod-iomem && check_file notes/capture-iomem || return 1
	if ! out=$(/usr/bin/python3 - "$OUT/notes/prod-iomem" "$OUT/notes/capture-iomem" \
		"$OUT/vmcore" "$(cat "$OUT/notes/dump-addr")" <<'PY'
import struct, sys

PAGE = 4096
BLOCK_MAGIC = 0x4b424b4c

def ranges(path, name, top_only):
    out = []
    for line in open(path):
        if top_only and line.startswith(" "):
            continue
        rng, _, what = line.strip().partition(" : ")
        if what == name:
            a, b = rng.split("-")
            out.append((int(a, 16), int(b, 16) + 1))
    return out

def overlap(a, b):
    return max(a[0], b[0]) < min(a[1], b[1])

crashk = ranges(sys.argv[1], "Crash kernel", False)
if not crashk:
    sys.exit("no 'Crash kernel' range in the production kernel's /proc/iomem")
# the capture kernel's RAM outside the crashkernel= range and the first MiB
# (x86 hands the capture kernel the low 640 KiB too): the CMA ranges
cma = []
for r in ranges(sys.argv[2], "System RAM", True):
    parts = [r]
    for c in crashk:
        nxt = []
        for p in parts:
            if p[0] < c[0]:
                nxt.append((p[0], min(p[1], c[0])))
            if p[1] > c[1]:
                nxt.append((max(p[0], c[1]), p[1]))
        parts = nxt
    cma += [p for p in parts if p[0] >= 1 << 20 and p[1] > p[0]]
cma_bytes = sum(b - a for a, b in cma)
if cma_bytes < 128 << 20:
    sys.exit("the capture kernel has %d MiB of RAM outside the crashkernel= range: it did not get the CMA ranges (%s)"
             % (cma_bytes >> 20, sys.argv[2]))

with open(sys.argv[3], "rb") as core:
    eh = core.read(64)
    if eh[:4] != b"\x7fELF":
        sys.exit("vmcore is not an ELF file")
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    segs = []
    for i in range(phnum):
        core.seek(phoff + i * phentsize)
        p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz = struct.unpack("<IIQQQQ", core.read(40))
        if p_type == 1:
            segs.append((p_paddr, p_paddr + p_filesz, p_offset))
    for s in segs:
        for c in cma:
            if overlap(s[:2], c):
                sys.exit("/proc/vmcore holds 0x%x-0x%x, inside the CMA range 0x%x-0x%x" % (s[0], s[1], c[0], c[1]))

    def read(paddr, n):
        for a, b, off in segs:
            if a <= paddr and paddr + n <= b:
                core.seek(off + paddr - a)
                return core.read(n)
        return None

    hdr = read(int(sys.argv[4], 0), PAGE)
    if hdr is None:
        sys.exit("the lkcd header is not in /proc/vmcore")
    first, nr_blocks = struct.unpack_from("<QQ", hdr, 120)
    blocks, paddr = [], first
    while paddr and len(blocks) <= nr_blocks:
        for c in cma:
            if c[0] <= paddr < c[1]:
                sys.exit("block %d at 0x%x lies in the CMA range 0x%x-0x%x" % (len(blocks), paddr, c[0], c[1]))
        b = read(paddr, 40)
        if b is None or struct.unpack_from("<I", b, 0)[0] != BLOCK_MAGIC:
            sys.exit("block %d at 0x%x is not in /proc/vmcore or not a block" % (len(blocks), paddr))
        blocks.append(paddr)
        paddr, = struct.unpack_from("<Q", b, 16)
    if len(blocks) != nr_blocks or nr_blocks == 0:
        sys.exit("the chain has %d blocks, the header says %d" % (len(blocks), nr_blocks))
# blocks between the lowest and highest CMA address: spare pages were
# taken around the CMA ranges, not merely below them
lo, hi = min(a for a, b in cma), max(b for a, b in cma)
print("CMA %s (%d MiB); %d blocks, 0x%x..0x%x, none in CMA (%d above its start)"
      % (" ".join("0x%x-0x%x" % c for c in cma), cma_bytes >> 20, len(blocks),
         min(blocks), max(blocks), sum(1 for p in blocks if p >= lo)))
PY
	); then
		check_fail "${out:-the CMA check failed}"
		return 1
	fi
	echo "  $out"
	[[ $out == *"(0 above its start)"* ]] &&
		echo "  note: no block lies at or above the CMA range's start: the spare pages this dump needed were all below it, so this run shows where the capture kernel ran and that the chain avoided CMA, not that the MIGRATE_CMA exclusion was needed"
	echo "  capture kernel: $(cat "$OUT/notes/capture-memtotal" 2>/dev/null); production: $(paste -sd' ' "$OUT/notes/prod-meminfo-cma" 2>/dev/null)"
	return $bad
}
