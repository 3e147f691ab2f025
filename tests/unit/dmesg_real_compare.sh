#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The dmesg decoder against a real 6.1 kernel: boot Debian's cloud kernel
# under QEMU/TCG with a throwaway busybox initramfs, load qemu_fw_cfg so
# QEMU learns the guest's VMCOREINFO (-device vmcoreinfo), write log lines,
# panic it (sysrq c), `dump-guest-memory` to an ELF core, and check that
# build/tests/test_dmesg (suite dmesg-real: our ELF source + VMCOREINFO +
# ring decoder) prints byte for byte what `makedumpfile --dump-dmesg` prints.
#
# Four guests: the static 128 KiB ring; log_buf_len=1M (a memblock ring in
# the direct map, reached by the page-table walk); 3000 extra lines so both
# rings wrap and the oldest records are recycled; log_buf_len=1M again with
# 5-level paging (-cpu max).
#
#   tests/unit/dmesg_real_compare.sh        (about 45 s, 550 MB at a time in $TMPDIR)
#   KEEP=1 tests/unit/dmesg_real_compare.sh keep the dumps and outputs
#
# Needs: qemu-system-x86_64, busybox (static), cpio, makedumpfile,
# /usr/bin/python3, the kernel image .deb (scripts/deps) and the unit tests
# built (make -C tests/unit).  Exit 0 when all four match, 1 if not,
# 77 when something it needs is missing.
#
# makedumpfile 1.7.2 reads the program headers right after the ELF header,
# where QEMU 7.2 writes section headers; it gets a copy with the program
# headers moved there.  It also prints bytes >= 0x80 sign-extended
# ("\xffffffc3"); the test folds those back to "\xc3" before comparing.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
TEST=$BUILD/tests/test_dmesg
PY=/usr/bin/python3
DEB=${LKCD_KERNEL_DEB:-$(ls /var/cache/lkcd-dev/linux-image-*-cloud-amd64_*.deb 2>/dev/null | grep -v dbg | tail -n 1)}

skip() { echo "dmesg_real_compare: SKIP: $*" >&2; exit 77; }
for t in qemu-system-x86_64 busybox cpio makedumpfile gzip; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -x "$PY" ] || skip "$PY missing"
[ -x "$TEST" ] || skip "$TEST not built (make -C tests/unit)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lkcd-dmesg-real.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

# The kernel: the unpacked image of scripts/deps, else the .deb.
KDIR=$BUILD/vm/kernel
if [ ! -d "$KDIR/boot" ]; then
	[ -n "$DEB" ] && [ -f "$DEB" ] || skip "no kernel image .deb (run scripts/deps)"
	KDIR=$WORK/kernel
	dpkg -x "$DEB" "$KDIR"
fi
VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -n 1)
FWCFG=$(find "$KDIR/lib/modules" -name qemu_fw_cfg.ko | head -n 1)
[ -n "$FWCFG" ] || skip "qemu_fw_cfg.ko not in $KDIR"

# A throwaway initramfs: load fw_cfg, log some lines, panic.
mkdir -p "$WORK/initrd/bin" "$WORK/initrd/lib"
cp "$(command -v busybox)" "$WORK/initrd/bin/busybox"
cp "$FWCFG" "$WORK/initrd/lib/qemu_fw_cfg.ko"
cat > "$WORK/initrd/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox insmod /lib/qemu_fw_cfg.ko
n=40
for w in $(/bin/busybox cat /proc/cmdline); do
	case $w in lkcd_fill=*) n=${w#lkcd_fill=};; esac
done
i=0
while [ $i -lt $n ]; do
	echo "lkcd-dmesg-test: filler line $i with some text to grow the ring and make it wrap around" > /dev/kmsg
	i=$((i + 1))
done
printf 'lkcd-dmesg-test: multi\nline message\n' > /dev/kmsg
echo "<3>lkcd-dmesg-test: an error-level line" > /dev/kmsg
printf 'lkcd-dmesg-test: utf8 caf\303\251 tab\there ctl\001x\n' > /dev/kmsg
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
/bin/busybox sleep 100000
EOF
chmod +x "$WORK/initrd/init"
(cd "$WORK/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip) > "$WORK/initrd.gz"

# Boot, wait for the end of the panic, dump the guest, quit.
cat > "$WORK/boot.py" <<'EOF'
import os, socket, subprocess, sys, time
vmlinuz, initrd, out, extra, cpu = sys.argv[1:6]
sock = out + ".mon"
cmd = ["qemu-system-x86_64", "-accel", "tcg", "-m", "512M", "-smp", "1",
       "-kernel", vmlinuz, "-initrd", initrd, "-device", "vmcoreinfo",
       "-nographic", "-no-reboot", "-append", "console=ttyS0 panic=0 " + extra,
       "-monitor", "unix:%s,server,nowait" % sock] + (["-cpu", cpu] if cpu else [])
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     stdin=subprocess.DEVNULL)
seen, t0 = b"", time.time()
with open(out + ".console", "wb") as log:
    while b"end Kernel panic" not in seen:
        chunk = p.stdout.read1(4096)
        if not chunk or time.time() - t0 > 300:
            p.kill()
            sys.exit("guest did not panic; see " + out + ".console")
        seen += chunk
        log.write(chunk)
time.sleep(1)
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
s.recv(4096)
s.sendall(("dump-guest-memory %s\n" % out).encode())
last = -1
while True:   # the monitor answers before the file is complete
    time.sleep(2)
    size = os.path.getsize(out) if os.path.exists(out) else 0
    if size == last and size > 0:
        break
    last = size
s.sendall(b"quit\n")
p.wait(timeout=60)
EOF

# makedumpfile wants the program headers right after the ELF header.
cat > "$WORK/fixelf.py" <<'EOF'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    eh = bytearray(f.read(64))
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    f.seek(phoff)
    ph = f.read(phentsize * phnum)
    first = min(struct.unpack_from("<Q", ph, i * phentsize + 8)[0] for i in range(phnum))
    assert 64 + len(ph) <= first, "no room to move the program headers"
    struct.pack_into("<QQ", eh, 32, 64, 0)           # e_phoff, e_shoff
    struct.pack_into("<H", eh, 52, 64)               # e_ehsize
    struct.pack_into("<HHH", eh, 58, 0, 0, 0)        # no section headers
    f.seek(0)
    f.write(eh)
    f.write(ph)
EOF

fail=0
run() {
	name=$1 extra=$2 cpu=${3:-}
	dump=$WORK/$name.elf
	echo "== $name: $extra${cpu:+ (-cpu $cpu)}"
	"$PY" "$WORK/boot.py" "$VMLINUZ" "$WORK/initrd.gz" "$dump" "$extra" "$cpu"
	chmod u+rw "$dump"
	cp "$dump" "$WORK/$name.md.elf"
	"$PY" "$WORK/fixelf.py" "$WORK/$name.md.elf"
	makedumpfile --dump-dmesg "$WORK/$name.md.elf" "$WORK/$name.makedumpfile.txt" >/dev/null
	rm -f "$WORK/$name.md.elf"
	echo "   makedumpfile: $(wc -l < "$WORK/$name.makedumpfile.txt") lines"
	if LKCD_RESULTS=${LKCD_DMESG_RESULTS:-$WORK/counts} \
	   LKCD_DMESG_ELF=$dump LKCD_DMESG_EXPECT=$WORK/$name.makedumpfile.txt \
	   "$TEST" > "$WORK/$name.test.log" 2>&1; then
		echo "   match: $(grep 'test_dmesg:' "$WORK/$name.test.log")"
	else
		echo "   MISMATCH or failure:"
		grep -A3 'FAILED\|difference' "$WORK/$name.test.log" | sed 's/^/     /'
		fail=1
	fi
	grep -q 'real 6.1 guest matches.*passed' "$WORK/$name.test.log" || fail=1
	[ "${KEEP:-0}" = 1 ] || rm -f "$dump"
}

run static "lkcd_fill=40"
run log_buf_len "log_buf_len=1M lkcd_fill=200"
run wrapped "lkcd_fill=3000"
run la57 "log_buf_len=1M lkcd_fill=100" max	# 5-level paging: -cpu max has LA57
[ $fail = 0 ] && echo "dmesg_real_compare: all match makedumpfile" || echo "dmesg_real_compare: FAILED"
exit $fail
