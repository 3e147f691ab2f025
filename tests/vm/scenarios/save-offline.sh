# Host part of save-offline (see save-offline.guest).
DESCRIPTION="lkcd save of a real vmcore off the VM: --scrub zeroes the log marker in dump and dmesg; -F elf keeps the direct map's p_vaddr"
CORE=1	# the core: every supported kernel runs it (tests/vm/README)
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

# Physical "START+LEN" of every copy of the text $2 in the ELF vmcore $1
# (PT_LOAD segments parsed here, independently of liblkcd).
marker_ranges() { # vmcore text
	vm_judge /usr/bin/python3 - "$1" "$2" <<'PY'
import mmap, struct, sys
path, text = sys.argv[1], sys.argv[2].encode()
with open(path, "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    phoff, = struct.unpack_from("<Q", m, 32)
    phentsize, phnum = struct.unpack_from("<HH", m, 54)
    segs = []
    for i in range(phnum):
        p_type, _, off, _, paddr, filesz = struct.unpack_from("<IIQQQQ", m, phoff + i * phentsize)
        if p_type == 1 and filesz:
            segs.append((off, filesz, paddr))
    out, pos = [], m.find(text)
    while pos >= 0:
        for off, size, paddr in segs:
            if off <= pos < off + size:
                out.append(paddr + pos - off)
        pos = m.find(text, pos + 1)
# segments may overlap (the kernel image is mapped twice): one range each
print(",".join("0x%x+%d" % (a, len(text)) for a in sorted(set(out))))
PY
}

# "paddr vaddr" of every RAM PT_LOAD (not the kernel image's) of an ELF core.
ram_loads() { # elf
	vm_judge /usr/bin/python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], "rb") as f:
    eh = f.read(64)
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        p_type, _, _, vaddr, paddr, _ = struct.unpack("<IIQQQQ", f.read(40))
        if p_type == 1 and vaddr < 0xffffffff80000000:
            print("0x%x 0x%x" % (paddr, vaddr))
PY
}

# -F elf from the real vmcore: every RAM load at the vaddr the kernel's own
# /proc/vmcore gives that paddr; drgn reads the file.
check_elf_vaddr() { # addr
	local edir=$WORK/elf out
	rm -rf "$edir"
	if ! "$VM_TOP/build/bin/lkcd" -c "$WORK/scrub.conf" save -q -F elf -f "$OUT/vmcore" -a "$1" \
		-d "$edir" >"$WORK/save-elf.out" 2>&1; then
		check_fail "lkcd save -F elf failed: $(tail -n3 "$WORK/save-elf.out" | paste -sd' ')"
		return 1
	fi
	ram_loads "$OUT/vmcore" | sort >"$WORK/loads-vmcore.txt"
	ram_loads "$edir/0/dump.0" | sort >"$WORK/loads-elf.txt"
	echo "  ELF output: $(wc -l <"$WORK/loads-elf.txt") RAM loads, first $(head -n1 "$WORK/loads-elf.txt")"
	[[ -s $WORK/loads-elf.txt ]] || check_fail "the ELF output has no RAM load" || return 1
	# ours are merged ranges: each must start where one of /proc/vmcore's does, at its vaddr
	out=$(join -j1 -o 1.2,2.2 "$WORK/loads-elf.txt" "$WORK/loads-vmcore.txt" | awk '$1 != $2' | head -n3)
	[[ -z $out ]] || check_fail "ELF p_vaddr differs from /proc/vmcore's: $out" || return 1
	(( $(join -j1 "$WORK/loads-elf.txt" "$WORK/loads-vmcore.txt" | wc -l) > 0 )) ||
		check_fail "no ELF RAM load starts where a /proc/vmcore load does" || return 1
	if [[ -n ${VMLINUX:-} && -s $VMLINUX ]]; then
		out=$(vm_judge /usr/bin/python3 "$VM_TOP/tests/unit/drgn_check.py" "$VMLINUX" "$edir/0/dump.0" 2>&1)
		grep -q " OK $KABI" <<<"$out" || check_fail "drgn cannot read the ELF output: $out" || return 1
	fi
}

check() {
	local bad=0 id addr ranges n dump=$OUT/dump/0/dump.0 sdir=$WORK/scrubbed pfns
	check_file notes/boot-id && check_file notes/dump-addr && check_file vmcore || return 1
	id=$(cat "$OUT/notes/boot-id")
	addr=$(cat "$OUT/notes/dump-addr")
	ranges=$(marker_ranges "$OUT/vmcore" "cycle marker $id")
	n=$(tr ',' '\n' <<<"$ranges" | grep -c .)
	echo "  the marker is in memory $n time(s): $ranges"
	(( n > 0 )) || check_fail "the cycle marker is nowhere in /proc/vmcore" || return 1
	# the check can fail: the capture kernel's own, unscrubbed save has it
	check_makedumpfile_dmesg "$dump" "$WORK/dmesg-plain.txt" "cycle marker $id" || bad=1

	rm -rf "$sdir"
	printf 'DUMP_FORMAT=kdump\n' >"$WORK/scrub.conf"
	if ! "$VM_TOP/build/bin/lkcd" -c "$WORK/scrub.conf" save -q -f "$OUT/vmcore" -a "$addr" \
		-d "$sdir" --scrub "$ranges" >"$WORK/save.out" 2>&1; then
		check_fail "lkcd save --scrub failed: $(tail -n3 "$WORK/save.out" | paste -sd' ')"
		return 1
	fi
	grep -q "^scrubbed: *$n range(s)" "$sdir/0/analysis.0" ||
		check_fail "analysis.0 does not list $n scrubbed ranges: $(grep -A1 scrubbed "$sdir/0/analysis.0")" || bad=1
	grep -A1 '^scrubbed:' "$sdir/0/analysis.0" | sed 's/^/  /'
	# makedumpfile still walks the log; the marker's bytes are zeros now
	if vm_judge makedumpfile --dump-dmesg "$sdir/0/dump.0" "$WORK/dmesg-scrubbed.txt" >/dev/null 2>&1; then
		if grep -aq "cycle marker $id" "$WORK/dmesg-scrubbed.txt"; then
			check_fail "makedumpfile still finds the scrubbed marker in the log"
			bad=1
		fi
		grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg-scrubbed.txt" ||
			check_fail "the scrubbed dump's log lost the panic line too" || bad=1
	else
		check_fail "makedumpfile --dump-dmesg cannot read the scrubbed dump" || bad=1
	fi
	if grep -aq "cycle marker $id" "$sdir/0/dmesg.0"; then
		check_fail "dmesg.0 of the scrubbed save holds the marker"
		bad=1
	fi
	grep -q 'sysrq triggered crash' "$sdir/0/dmesg.0" ||
		check_fail "dmesg.0 of the scrubbed save lost the panic line" || bad=1
	# every other page as the crashed kernel left it: only the scrubbed
	# pages (and the usual late writers) may differ, and those must
	pfns=$(tr ',' '\n' <<<"$ranges" | while IFS=+ read -r a l; do
		printf '%d\n' $(( a >> 12 )) $(( (a + l - 1) >> 12 )); done | sort -un)
	check_pages_match "$sdir/0/dump.0" "$OUT/vmcore" $((64 + n * 2)) "$addr" || bad=1
	for p in $pfns; do
		grep -qxiE "(0x)?$(printf '%x' "$p")|$p" "$WORK/differ.txt" ||
			check_fail "scrubbed pfn $p reads the same as /proc/vmcore" || bad=1
	done
	check_crash "$sdir/0/dump.0" 'sysrq: Trigger a crash' || bad=1
	check_elf_vaddr "$addr" || bad=1
	return $bad
}
