# Host part of panic-kern-lzo (see panic-kern-lzo.guest).
DESCRIPTION="panic -> lkcd save at level KERN, records lzo at panic, copied as they are into the kdump file (DUMP_DH_COMPRESSED_LZO); makedumpfile, crash, libkdumpfile judge it"
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

# kdump_flags FILE: "zlib=N lzo=N zstd=N raw=N" over the page descriptors
# of a kdump-compressed file (layout as in panic-kern-zstd.sh)
kdump_flags() {
	vm_judge /usr/bin/python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"KDUMP   ", "not a kdump-compressed file"
bs, sub, bmb = struct.unpack_from("<iiI", d, 428)
status = struct.unpack_from("<I", d, 424)[0]
start = (1 + sub + bmb) * bs
end = struct.unpack_from("<q", d, start)[0]
n = {"zlib": 0, "lzo": 0, "zstd": 0, "raw": 0}
for o in range(start, end, 24):
    off, size, flags = struct.unpack_from("<qII", d, o)
    n["zstd" if flags & 0x20 else "lzo" if flags & 0x2 else "zlib" if flags & 0x1 else "raw"] += 1
print(" ".join("%s=%d" % kv for kv in n.items()), "status=0x%x" % status)
PY
}

check() {
	local n dump enc bad=0
	# up to 40 pages may differ, as in panic-kern
	check_cycle 40 || bad=1
	check_lkcd_left_out || bad=1
	grep -q '^compress: *lzo (5)' "$WORK/lkcd-show.txt" ||
		check_fail "the dump's header does not say lzo: $(grep '^compress' "$WORK/lkcd-show.txt")" || bad=1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	enc=$(kdump_flags "$dump") || { check_fail "cannot read dump.$n's page descriptors"; return 1; }
	echo "  dump.$n: $enc, $(stat -c %s "$dump") bytes"
	[[ $enc == *" lzo=0 "* ]] && { check_fail "dump.$n has no lzo pages: they were not copied as stored"; bad=1; }
	[[ $enc == *"status=0x"*[2367abef] ]] || { check_fail "dump.$n's header status lacks DUMP_DH_COMPRESSED_LZO: $enc"; bad=1; }
	return $bad
}
