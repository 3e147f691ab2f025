# tests/vm/lib.sh: the real-kernel test harness (bash, sourced by tests/vm/run).
#
# A scenario boots Debian's cloud kernel under QEMU (TCG) with a busybox
# initramfs, usually panics it, lets kexec soft-boot the same kernel image as
# the capture kernel, and reads the results back from an ext4 disk image.
#
# Initramfs pieces (build/vm/initramfs/), built once and reused:
#   base.cpio.gz        busybox + applet links, kexec and its libraries, the
#                       guest helpers (/init, /lib/vmtest.sh, /sbin/vmexit),
#                       the kernel modules the guest needs, and lkcd + lkcd.ko
#                       when they are built
#   <scenario>.cpio.gz  /scenario.sh
# The capture initrd is base + scenario (concatenated archives: the kernel
# unpacks them in turn).  The production initrd is the capture initrd plus
# /boot/vmlinuz and /boot/initrd.img (= the capture initrd), so the guest can
# `kexec -p` the same kernel with the same /init.

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_SCENARIOS=$VM_TOP/tests/vm/scenarios
VM_CACHE=${LKCD_CACHE:-/var/cache/lkcd-dev}

# The Debian release whose kernel the guest boots and whose tools (crash,
# makedumpfile, libkdumpfile, drgn) judge the dumps: LKCD_RELEASE, else the
# host's own.  The host's release uses the host's packages (scripts/deps);
# any other runs them in its build root (scripts/release-root: a cached
# mmdebstrap root with that release's compiler, headers and judges), through
# vm_judge.  Each release has its own build/vm/<release>/, so runs on two
# releases never share an initramfs, a work directory or a log.
VM_HOST_RELEASE=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
vm_set_release() { # release
	[[ $1 =~ ^[a-z][a-z0-9-]*$ ]] ||
		vm_die "release '$1' is not a Debian codename (bookworm, trixie, sid, ...)"
	VM_RELEASE=$1
	VM_BUILD=$VM_TOP/build/vm/$1
	VM_INITRAMFS=$VM_BUILD/initramfs
	VM_LOGS=$VM_BUILD/logs
	VM_WORK=$VM_BUILD/work
}

# QEMU settings; a scenario may override VM_MEM, VM_CRASHKERNEL, VM_APPEND,
# VM_TIMEOUT (per QEMU run), VM_SMP, VM_DISK_SIZE, and ask for
# VM_DUMPDEV_SIZE (a raw /dev/vdb) and VM_BOOTS (boot again after a reboot).
VM_MEM_DEFAULT=1G
VM_CRASHKERNEL_DEFAULT=256M
VM_TIMEOUT_DEFAULT=120		# seconds for both boots together
VM_DISK_SIZE_DEFAULT=2G		# sparse; room for a full dump and a vmcore copy

# The fault handshake (tests/vm/guestfwd-handshake): a scenario with a user
# netdev adds this to it, its guest asks with vm_host_fault WORD before it
# crashes, its during() waits with vm_fault_asked WORD, makes the fault and
# answers with vm_fault_in_place WORD.  vm_boot gives each run's handshake
# its own directory ($work/handshake, VM_HANDSHAKE_DIR in QEMU's
# environment, which guestfwd's commands inherit).
# shellcheck disable=SC2034 # read by the scenarios' .inc files
VM_HANDSHAKE_GUESTFWD="guestfwd=tcp:10.0.2.100:7-cmd:$VM_TOP/tests/vm/guestfwd-handshake"

# Kernel modules the guest loads (and their dependencies, from modules.dep).
# On the cloud kernel ext4 is built in, virtio_blk and virtio_pci are not.
VM_MODULES=(virtio_pci virtio_blk)

# QEMU exit statuses: isa-debug-exit turns a guest write of v into (v<<1)|1;
# the codes match VM_EXIT_* in guest/vmtest.sh.
VM_STATUS_PASS=33
VM_STATUS_FAIL=35
VM_STATUS_SKIP=37

vm_die() { echo "vm: $*" >&2; exit 1; }

vm_set_release "${LKCD_RELEASE:-$VM_HOST_RELEASE}"

# Load the release's environment: KABI, VMLINUZ, KMODDIR, KDIR, VMLINUX and,
# for a release other than the host's, ROOT (its build root).  scripts/deps
# writes it (build/vm/env for the host's release, build/vm/<release>/env for
# the others) and is run first when it is missing.  Sets VM_ROOT: the root
# the judges run in, empty for the host's release.
vm_load_env() {
	local env=$VM_TOP/build/vm/$VM_RELEASE/env deps=(--release "$VM_RELEASE")
	[[ $VM_RELEASE == "$VM_HOST_RELEASE" ]] && env=$VM_TOP/build/vm/env deps=()
	if [[ ! -f $env ]]; then
		"$VM_TOP/scripts/deps" "${deps[@]}" || vm_die "scripts/deps ${deps[*]} failed"
	fi
	ROOT=
	# shellcheck source=/dev/null
	. "$env"
	VM_ROOT=$ROOT
	# where make -C kernel test [RELEASE=] puts the test build of lkcd.ko
	VM_MODULE=$VM_TOP/build/kernel-test/kernel/lkcd.ko
	[[ -z $VM_ROOT ]] || VM_MODULE=$VM_TOP/build/kernel-$VM_RELEASE-test/kernel/lkcd.ko
	[[ -f ${VMLINUZ:-} && -d ${KMODDIR:-} ]] ||
		vm_die "${env#"$VM_TOP"/} names no kernel image ($VMLINUZ); run scripts/deps ${deps[*]}"
	[[ $VM_RELEASE == "$VM_HOST_RELEASE" || -x $VM_ROOT/usr/bin/python3 ]] ||
		vm_die "${env#"$VM_TOP"/} names no build root with python3 (ROOT='$VM_ROOT'); run scripts/deps ${deps[*]}"
}

# Run a command the way the release's own userspace would: on the host for
# the host's release, else in the release's build root (scripts/release-root
# --run: chrooted, in a private mount namespace, with this tree and the
# machine-wide cache -- dumps, work files, the debug vmlinux -- at their host
# paths, so arguments need no translation).  Standard input, output and the
# exit status are the command's.
vm_judge() { # command [args...]
	if [[ -z ${VM_ROOT:-} ]]; then
		"$@"
	else
		"$VM_TOP/scripts/release-root" "$VM_RELEASE" --bind "$VM_TOP" --run "$@"
	fi
}

# Is the guest's kernel at least version $1 (major.minor)?  For scenarios
# whose expectations differ between kernels: say so where it matters, with
# the reason, rather than loosen the check for every kernel.
vm_kernel_at_least() { # major.minor
	local want=$1 have=${KABI%%-*}
	have=$(cut -d. -f1,2 <<<"${have%%+*}")
	[[ $(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1) == "$want" ]]
}

# The module the guests load ($VM_MODULE): the test build of lkcd.ko
# (make -C kernel test), with the fault-injection knobs (corrupt_records,
# inject_panic_at) the fault-* scenarios use.  `make` and `make install`
# ship kernel/lkcd.ko, built without them.  For the host's release it is
# built whenever kernel/lkcd.ko is (same headers); for another release it is
# always built, in the release's root with its compiler (make -C kernel test
# RELEASE=...), and a build that fails is no skip: VM_MODULE_ERROR says why,
# and every scenario that needs the module fails with that reason.
vm_build_test_module() {
	local log=$VM_BUILD/kernel-test.log rel=()
	VM_MODULE_ERROR=
	if [[ -n ${VM_ROOT:-} ]]; then
		rel=(RELEASE="$VM_RELEASE")
	elif [[ ! -f $VM_TOP/kernel/lkcd.ko ]]; then
		rm -f "$VM_MODULE"
		return 0
	fi
	mkdir -p "$VM_BUILD"
	if ! make -C "$VM_TOP/kernel" test KDIR="$KDIR" "${rel[@]}" >"$log" 2>&1; then
		rm -f "$VM_MODULE"
		VM_MODULE_ERROR="lkcd.ko does not build for $KABI (make -C kernel test, ${log#"$VM_TOP"/}): $({ grep -m1 -E 'error:' "$log" || tail -n1 "$log"; } | cut -c1-160)"
		[[ -n ${VM_ROOT:-} ]] || vm_die "$VM_MODULE_ERROR"
		echo "vm: $VM_MODULE_ERROR" >&2
	fi
}

# Is $1 newer than the file $2 (or $2 missing)?
vm_newer() { [[ ! -e $2 || $1 -nt $2 ]]; }

# The static isa-debug-exit helper.
vm_build_vmexit() {
	local src=$VM_TOP/tests/vm/guest/vmexit.c out=$VM_BUILD/guest/vmexit
	if vm_newer "$src" "$out"; then
		mkdir -p "$VM_BUILD/guest"
		${CC:-cc} -static -O2 -Wall -Wextra -Werror -o "$out.tmp" "$src" &&
			mv "$out.tmp" "$out" || vm_die "cannot build $out"
	fi
}

# Copy an executable and the shared libraries ldd names into root $1.
# With $4, a release's build root, the program and its libraries are that
# root's (its ldd, its paths).
vm_copy_binary() { # root src dest [sysroot]
	local root=$1 src=$2 dest=$3 sys=${4:-} lib ldd=(ldd)
	[[ -n $sys ]] && ldd=(chroot "$sys" ldd)
	[[ -f $sys$src ]] || vm_die "no program $sys$src"
	install -D -m 0755 "$sys$src" "$root$dest"
	while read -r lib; do
		[[ -e $root$lib ]] || install -D -m 0755 "$sys$lib" "$root$lib"
		# sid's ldd names /usr/lib/x86_64-linux-gnu/libc.so.6, where the
		# base (bookworm) has /lib/...: a library only there would leave
		# the base's older one first in the loader's path, beside the
		# release's ld.so (every dynamic program then segfaults at start:
		# seen 2026-12-06).  The release's goes to both.
		if [[ -n $sys && $lib == /usr/lib*/* ]]; then
			[[ -e $root${lib#/usr} ]] || install -D -m 0755 "$sys$lib" "$root${lib#/usr}"
		fi
	done < <("${ldd[@]}" "$src" 2>/dev/null | grep -o '/[^ ]*' | grep -v '^/$')
}

# Print the modules (paths relative to KMODDIR) for names "$@", with their
# dependencies; built-in ones are skipped.
vm_module_closure() {
	local name path
	for name in "$@"; do
		path=$(grep -E "(^|/)${name//_/[_-]}\.ko(\.[gx]z|\.zst)?:" "$KMODDIR/modules.dep" | head -n1)
		if [[ -z $path ]]; then
			grep -qE "/${name//_/[_-]}\.ko$" "$KMODDIR/modules.builtin" ||
				vm_die "module $name: neither in modules.dep nor built in"
			continue
		fi
		echo "${path%%:*}"
		echo "${path#*:}" | tr ' ' '\n' | sed '/^$/d'
	done | sort -u
}

# The modules lkcd.ko needs (the compression libraries where the kernel has
# them as modules): insmod does not load them, the guest modprobes them first.
vm_lkcd_depends() {
	[[ -f $VM_MODULE ]] || return 0
	modinfo -F depends "$VM_MODULE" | tr ',' ' '
}

# Inputs of the base initramfs; it is rebuilt when any of them is newer.
vm_base_inputs() {
	echo /bin/busybox /sbin/kexec "$VMLINUZ" "$VM_BUILD/guest/vmexit"
	echo "$VM_TOP/tests/vm/guest/init" "$VM_TOP/tests/vm/guest/vmtest.sh"
	echo "$VM_TOP/tests/vm/lib.sh"
	[[ -f $VM_TOP/build/bin/lkcd ]] && echo "$VM_TOP/build/bin/lkcd"
	[[ -f $VM_MODULE ]] && echo "$VM_MODULE"
	return 0
}

# Pad file $1 with zeros to a multiple of 512 bytes.  The kernel unpacks
# concatenated initramfs archives, skipping zeros between them, but it only
# recognises an uncompressed cpio header at a 4-byte aligned offset.
vm_pad() {
	local size
	size=$(stat -c %s "$1")
	(( size % 512 == 0 )) || head -c $((512 - size % 512)) /dev/zero >>"$1"
}

vm_cpio() { # dir -> gzip'd newc archive on stdout, reproducible order, owned by root
	(cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet -R 0:0) | gzip -6 -n
}

vm_build_base() {
	local out=$VM_INITRAMFS/base.cpio.gz root=$VM_INITRAMFS/base.root f stale=0 link m
	vm_build_vmexit
	vm_build_test_module
	for f in $(vm_base_inputs); do
		vm_newer "$f" "$out" && stale=1
	done
	# lkcd or lkcd.ko appeared or went away since the last build
	[[ "$(vm_base_inputs | xargs -n1 basename | tr '\n' ' ')" == "$(cat "$out.inputs" 2>/dev/null)" ]] || stale=1
	(( stale )) || return 0

	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,etc,proc,sys,dev,tmp,run,out,boot,root,var/crash}
	install -m 0755 /bin/busybox "$root/bin/busybox"
	while read -r link; do
		[[ -e $root/$link ]] || ln -s /bin/busybox "$root/$link"
	done < <(/bin/busybox --list-full)
	vm_copy_binary "$root" /sbin/kexec /sbin/kexec
	install -m 0755 "$VM_BUILD/guest/vmexit" "$root/sbin/vmexit"
	install -m 0755 "$VM_TOP/tests/vm/guest/init" "$root/init"
	install -m 0644 "$VM_TOP/tests/vm/guest/vmtest.sh" "$root/lib/vmtest.sh"

	# modules, with a modules.dep of their own for busybox modprobe
	local kmod=$root/lib/modules/$KABI
	mkdir -p "$kmod"
	for m in $(vm_module_closure "${VM_MODULES[@]}" $(vm_lkcd_depends)); do
		install -D -m 0644 "$KMODDIR/$m" "$kmod/$m"
	done
	cp "$KMODDIR/modules.builtin" "$KMODDIR/modules.order" "$kmod/"
	[[ -f $KMODDIR/modules.builtin.modinfo ]] && cp "$KMODDIR/modules.builtin.modinfo" "$kmod/"
	depmod -b "$root" "$KABI" || vm_die "depmod for the guest failed"
	sed 's|.*/||; s|\.ko$||' "$kmod/modules.builtin" >"$kmod/modules.builtin.names"

	# the project's pieces, when built
	if [[ -f $VM_TOP/build/bin/lkcd ]]; then
		vm_copy_binary "$root" "$VM_TOP/build/bin/lkcd" /sbin/lkcd
	fi
	if [[ -f $VM_MODULE ]]; then
		install -m 0644 "$VM_MODULE" "$root/lib/lkcd.ko"
		vm_lkcd_depends >"$root/lib/lkcd.deps"
	fi
	echo "lkcd-vm" >"$root/etc/hostname"

	mkdir -p "$VM_INITRAMFS"
	vm_cpio "$root" >"$out.tmp" && mv "$out.tmp" "$out" || vm_die "cannot write $out"

	# /boot/vmlinuz for the production initrd (uncompressed archive: the
	# image is compressed already), shared by every scenario
	local vroot=$VM_INITRAMFS/vmlinuz.root
	rm -rf "$vroot"
	mkdir -p "$vroot/boot"
	cp "$VMLINUZ" "$vroot/boot/vmlinuz"
	(cd "$vroot" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
		>"$VM_INITRAMFS/vmlinuz.cpio" || vm_die "cannot write vmlinuz.cpio"
	rm -rf "$vroot"
	vm_base_inputs | xargs -n1 basename | tr '\n' ' ' >"$out.inputs"
}

# Does the base initramfs carry the project's lkcd program / module?
vm_have_lkcd() { [[ -x $VM_INITRAMFS/base.root/sbin/lkcd ]]; }
vm_have_module() { [[ -f $VM_INITRAMFS/base.root/lib/lkcd.ko ]]; }

# Build the two initrds of scenario $1 into $2/{capture,production}.img.
vm_build_initrds() { # name workdir
	local name=$1 work=$2 sroot=$2/scenario.root
	rm -rf "$sroot"
	mkdir -p "$sroot"
	install -m 0755 "$VM_SCENARIOS/$name.guest" "$sroot/scenario.sh"
	echo "$name" >"$sroot/scenario.name"
	# BINARIES of the scenario (host programs, with their libraries)
	local b
	for b in ${BINARIES:-}; do
		[[ -x $b ]] || vm_die "$name: BINARIES names $b, which is not an executable here"
		vm_copy_binary "$sroot" "$b" "$b"
	done
	# RELEASE_BINARIES: the release's own build of a program (its root's;
	# the host's for the host's release), for the peers whose knowledge of
	# the kernel is what the scenario measures (makedumpfile)
	for b in ${RELEASE_BINARIES:-}; do
		[[ -x ${VM_ROOT:-}$b ]] || vm_die "$name: RELEASE_BINARIES names $b, not an executable in ${VM_ROOT:-the host} (install it with scripts/deps)"
		vm_copy_binary "$sroot" "$b" "$b" "${VM_ROOT:-}"
	done
	# MODULES of the scenario: the base's modules plus these, with a
	# modules.dep for all (this archive's files replace the base's)
	if [[ -n ${MODULES:-} ]]; then
		local kmod=$sroot/lib/modules/$KABI m
		mkdir -p "$kmod"
		cp -a "$VM_INITRAMFS/base.root/lib/modules/$KABI/." "$kmod/"
		# shellcheck disable=SC2086
		for m in $(vm_module_closure $MODULES); do
			install -D -m 0644 "$KMODDIR/$m" "$kmod/$m"
		done
		depmod -b "$sroot" "$KABI" || vm_die "depmod for $name's modules failed"
	fi
	cat "$VM_INITRAMFS/base.cpio.gz" >"$work/capture.img"
	vm_pad "$work/capture.img"
	vm_cpio "$sroot" >>"$work/capture.img"
	vm_pad "$work/capture.img"

	# initrd.img: a copy, not a hard link (newc archives store link counts,
	# and a link whose partner is outside the archive unpacks empty)
	local broot=$work/boot.root
	rm -rf "$broot"
	mkdir -p "$broot/boot"
	cp "$work/capture.img" "$broot/boot/initrd.img"
	cat "$work/capture.img" "$VM_INITRAMFS/vmlinuz.cpio" >"$work/production.img"
	# uncompressed: the file is compressed already
	(cd "$broot" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
		>>"$work/production.img"
}

# Boot scenario $1's VM once (production boot, and the capture boot the
# guest kexecs into).  Sets VM_QEMU_STATUS and VM_SECONDS.
vm_boot() { # name workdir
	local name=$1 work=$2 log=$2/console.log start end boot=1 drives=()
	rm -f "$work/disk.img" "$work/dumpdev.img" "$log" "$work"/console.*.log "$work/qemu.out"
	truncate -s "${VM_DISK_SIZE:-$VM_DISK_SIZE_DEFAULT}" "$work/disk.img"
	mkfs.ext4 -q -F -L lkcdout -E lazy_itable_init=1,lazy_journal_init=1 "$work/disk.img" ||
		vm_die "mkfs.ext4 failed"
	drives=(-drive "file=$work/disk.img,format=raw,if=virtio,cache=unsafe")
	# VM_DUMPDEV_SIZE: a second, raw (zeroed) disk, /dev/vdb in the guest,
	# for DUMPDEV; the host reads it back as $WORK/dumpdev.img
	if [[ -n ${VM_DUMPDEV_SIZE:-} ]]; then
		truncate -s "$VM_DUMPDEV_SIZE" "$work/dumpdev.img"
		drives+=(-drive "file=$work/dumpdev.img,format=raw,if=virtio,cache=unsafe")
	fi
	# VM_CRASHKERNEL=none: no crashkernel= at all
	local ck="crashkernel=${VM_CRASHKERNEL:-$VM_CRASHKERNEL_DEFAULT}"
	[[ ${VM_CRASHKERNEL:-} == none ]] && ck=
	# during(), when the scenario defines it: run on the host in the
	# background while the VM runs (e.g. keys sent on QEMU's monitor,
	# $WORK/monitor.sock), with WORK and LOG (the live console log of the
	# first boot) set; stopped when the last QEMU run ends.
	local during_pid='' serial append
	rm -rf "$work/handshake"
	mkdir -m 700 "$work/handshake"
	if declare -F during >/dev/null; then
		( WORK=$work LOG=$log; during ) >"$work/during.out" 2>&1 &
		during_pid=$!
	fi
	start=$(date +%s.%N)
	# VM_BOOTS=N: when the guest reboots (QEMU's -no-reboot turns that into
	# an exit with status 0) before any verdict, boot it again on the same
	# disks, up to N QEMU runs in all.  Every run has its own hard timeout;
	# the guest sees which run it is as vm_boot=<n> on its command line.
	while :; do
		serial=$log
		(( boot > 1 )) && serial=$work/console.$boot.log
		# VM_APPEND_FIRST: the first run's command line only (a later
		# run, without it, can then give the verdict)
		append=${VM_APPEND:-}
		(( boot == 1 )) && append="$append ${VM_APPEND_FIRST:-}"
		rm -f "$work/monitor.sock"
		# no_timer_check: under TCG on a loaded host the kernel's IO-APIC
		# timer calibration can lose ("IO-APIC + timer doesn't work!")
		# and panic at boot; the check proves nothing about lkcd.
		# thread=single: multi-threaded TCG runs each vCPU on its own
		# host thread and does not give x86's guarantee for code one CPU
		# patches while another runs it (text_poke_bp's int3, then the
		# sync IPIs): 6.12 guests trapped on an int3 already patched away
		# ("Oops: int3" in urandom_read_iter right after "crng init done"
		# flipped its static key; once in an initcall).  One host thread
		# taking the vCPUs in turn serialises them as the kernel expects.
		set +e
		VM_HANDSHAKE_DIR=$work/handshake timeout -k 5 "${VM_TIMEOUT:-$VM_TIMEOUT_DEFAULT}" \
			qemu-system-x86_64 -accel tcg,thread=single -m "${VM_MEM:-$VM_MEM_DEFAULT}" -smp "${VM_SMP:-2}" \
			-no-user-config -nodefaults -display none -no-reboot \
			-serial "file:$serial" \
			-monitor unix:"$work/monitor.sock",server=on,wait=off \
			-kernel "$VMLINUZ" -initrd "$work/production.img" \
			-append "console=ttyS0 no_timer_check $ck panic=1 oops=panic vm_boot=$boot $append" \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
			"${drives[@]}" ${VM_QEMU_ARGS:-} \
			</dev/null >>"$work/qemu.out" 2>&1
		VM_QEMU_STATUS=$?
		set -e
		(( boot > 1 )) && { cat "$serial" >>"$log" 2>/dev/null || true; }
		if (( VM_QEMU_STATUS == 0 && boot < ${VM_BOOTS:-1} )) &&
			[[ -z $(vm_marker "$serial") ]]; then
			echo "lkcd-vm-host: the guest rebooted; boot $((boot + 1)) of at most ${VM_BOOTS:-1}" >>"$log"
			boot=$((boot + 1))
			continue
		fi
		break
	done
	if [[ -n $during_pid ]]; then
		# a few seconds to finish what it was doing, then stop it
		local i
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$during_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill "$during_pid" 2>/dev/null || true
		wait "$during_pid" 2>/dev/null || true
	fi
	VM_BOOTS_DONE=$boot
	end=$(date +%s.%N)
	VM_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
}

# ---- helpers for during() ----

# Wait (up to $2 seconds, default 300) until the live console log $LOG
# matches the extended regex $1.  Fails when it never does.
vm_wait_log() { # regex [seconds]
	local i
	for i in $(seq 1 $((${2:-300} * 5))); do
		grep -aqE "$1" "$LOG" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# The fault handshake (VM_HANDSHAKE_GUESTFWD): vm_fault_asked waits (up to
# $2 seconds, default 300) until the guest has asked for fault $1, and fails
# when it never does; vm_fault_in_place tells the guest, still waiting, that
# the fault is made: it crashes only then.
vm_fault_asked() { # word [seconds]
	local i
	for i in $(seq 1 $((${2:-300} * 10))); do
		[[ -e $WORK/handshake/asked.$1 ]] && { echo "the guest asked for fault $1"; return 0; }
		sleep 0.1
	done
	echo "the guest never asked for fault $1"
	return 1
}

vm_fault_in_place() { # word
	: >"$WORK/handshake/done.$1"
	echo "fault $1 in place"
}

# Send each argument as one command to QEMU's human monitor
# ($WORK/monitor.sock) and print the replies.
vm_monitor() { # command...
	/usr/bin/python3 - "$WORK/monitor.sock" "$@" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
for _ in range(50):
    try:
        s.connect(sys.argv[1])
        break
    except OSError:
        time.sleep(0.2)
time.sleep(0.3)
s.recv(4096)                      # the monitor's banner and prompt
for cmd in sys.argv[2:]:
    s.sendall(cmd.encode() + b"\n")
    time.sleep(0.5)
    print(s.recv(65536).decode(errors="replace"))
s.close()
PY
}

# QEMU's set_link: the guest's NIC on netdev $1 loses (off) or regains (on)
# its link, as a pulled or plugged cable.  Says "link NETDEV off|on", or
# fails with the monitor's reply when QEMU did not take it.
vm_set_link() { # netdev on|off
	local reply
	reply=$(vm_monitor "set_link $1 $2" | tr -d '\r' | sed 's/\x1b\[[0-9]*[A-Za-z]//g')
	if grep -qiE 'error|not found|invalid|usage' <<<"$reply"; then
		echo "set_link $1 $2: $(tail -n2 <<<"$reply" | paste -sd' ')"
		return 1
	fi
	echo "link $1 $2"
}

# Copy the output disk's files to $2 (host-readable).
vm_extract_disk() { # workdir dest
	rm -rf "$2"
	mkdir -p "$2"
	debugfs -R "rdump / $2" "$1/disk.img" >/dev/null 2>"$1/debugfs.err" ||
		{ cat "$1/debugfs.err" >&2; return 1; }
	rm -rf "$2/lost+found"
}

# The guest's verdict from the console log: PASS, FAIL, SKIP or NONE.
vm_marker() { # log
	local line
	line=$(grep -a -m1 -o 'LKCD-VM-RESULT: [A-Z]*' "$1" 2>/dev/null | head -n1) || true
	echo "${line#LKCD-VM-RESULT: }"
}
vm_marker_reason() { # log
	{ grep -a -m1 'LKCD-VM-RESULT: ' "$1" 2>/dev/null || true; } |
		sed 's/.*LKCD-VM-RESULT: [A-Z]*:\{0,1\} \{0,1\}//' | tr -d '\r'
}

# ---- helpers for the host side of scenarios (check() functions) ----
# Each prints what is wrong and returns 1; check() returns non-zero on any.

check_fail() { echo "  check: $*" >&2; return 1; }

# The console log contains an (extended) regular expression.
check_log() { # regex [what]
	grep -aqE "$1" "$LOG" || check_fail "console log lacks ${2:-/$1/}"
}

# The console of QEMU run N (a production boot and the capture boot it
# kexecs) holds the extended regular expression; run 1's is console.log up
# to the harness's reboot line, run N's console.N.log
check_log_boot() { # N regex what
	local f=$WORK/console.$1.log
	(( $1 > 1 )) || f=$LOG
	# grep reads to the end (no -q): quitting at the first match could
	# leave sed writing into a closed pipe, and under pipefail its
	# SIGPIPE would fail a check whose line is there
	sed '/^lkcd-vm-host: the guest rebooted/q' "$f" | grep -aE "$2" >/dev/null ||
		check_fail "run $1's console lacks $3"
}

# Capture N of a *-down scenario, armed without the fallback and with
# DUMP_FAIL_ACTION=poweroff: "not saved", status 3, the machine powered
# off; neither the fallback nor a reboot, nothing in DUMPDIR/M (default 1).
check_capture_fail_action() { # N [M]
	local n=$1 bad=0
	check_log_boot "$n" 'lkcd: the dump is not saved \(DUMP_NET_FALLBACK=0\)' "capture $n's 'not saved'" || bad=1
	check_log_boot "$n" 'lkcd-capture: lkcd save finished with status 3' "capture $n's status 3" || bad=1
	check_log_boot "$n" 'lkcd-capture: action: poweroff' "capture $n taking DUMP_FAIL_ACTION" || bad=1
	check_log_boot "$n" 'reboot: Power down' "the kernel powering off" || bad=1
	grep -aqE 'saving into DUMPDIR|reboot: Restarting system' "$WORK/console.$n.log" &&
		{ check_fail "run $n's capture fell back or rebooted: $(grep -aE 'saving into DUMPDIR|Restarting system' "$WORK/console.$n.log" | head -n1)"; bad=1; }
	[[ ! -e $OUT/${2:-1} ]] || check_fail "capture $n saved DUMPDIR/${2:-1}" || bad=1
	return $bad
}

# A dump the capture saved into DUMPDIR (the fallback), judged the same
# way: lkcd show, makedumpfile --dump-dmesg, crash, libkdumpfile.
check_dumpdir_dump() { # path relative to OUT
	local bad=0 pages
	check_file "$1" || return 1
	lkcd_show_check "$OUT/$1" || bad=1
	check_makedumpfile_dmesg "$OUT/$1" "$WORK/dmesg.txt" 'sysrq triggered crash' || bad=1
	check_crash "$OUT/$1" 'sysrq triggered crash' || bad=1
	pages=$(dump_pages_in "$OUT/$1" 0x1000000 0x200000)
	(( ${pages:-0} > 0 )) || check_fail "libkdumpfile reads no page of $1's first 2 MiB at 16 MiB" || bad=1
	echo "  DUMPDIR: $1 $(stat -c %s "$OUT/$1") bytes; libkdumpfile read ${pages:-no} pages at 16 MiB"
	return $bad
}

check_file() { # path (relative to OUT)
	[[ -f $OUT/$1 ]] || check_fail "guest left no $1 on the output disk"
}

check_eq() { # what expected actual
	[[ $2 == "$3" ]] || check_fail "$1: expected '$2', got '$3'"
}

# `lkcd show FILE` of the project's own reader (build/bin/lkcd) must name the
# panic string and the kernel release of a saved dump.
lkcd_show_check() { # dumpfile
	local out
	if ! out=$("$VM_TOP/build/bin/lkcd" show "$1" 2>&1); then
		check_fail "build/bin/lkcd show $(basename "$1") failed: $(head -n3 <<<"$out" | paste -sd' ')"
		return 1
	fi
	echo "$out" >"$WORK/lkcd-show.txt"
	grep -q 'sysrq triggered crash' <<<"$out" ||
		check_fail "lkcd show does not print the panic string 'sysrq triggered crash'" || return 1
	grep -qF "$KABI" <<<"$out" ||
		check_fail "lkcd show does not print the kernel release $KABI" || return 1
}

# One field of a saved dump for the demo's printout: from `lkcd show`'s
# "Field: value" lines, else the independent reader, else the summary file.
demo_field() { # field dumpfile
	local v
	v=$(grep -i -m1 -E "^[[:space:]]*([a-z]+ )?$1[a-z _]*[:=]" "$WORK/lkcd-show.txt" 2>/dev/null |
		sed -E 's/^[^:=]*[:=][[:space:]]*//')
	[[ -n $v ]] || v=$("$VM_TOP/tests/vm/dumpinfo" "$2" 2>/dev/null | sed -n "s/^$1=//p")
	[[ -n $v ]] || v=$(grep -i -m1 -E "^[[:space:]]*([a-z]+ )?$1[a-z _]*[:=]" "$(dirname "$2")"/analysis.* 2>/dev/null |
		sed -E 's/^[^:=]*[:=][[:space:]]*//')
	echo "${v:-?}"
}

# ---- third-party readers of a dump file (the judges) ----
# Each runs through vm_judge: the release's own crash, makedumpfile and
# /usr/bin/python3 (libkdumpfile, drgn), as a user of that release has them.

# makedumpfile --dump-dmesg of a dump into $2; the log must hold regex $3.
check_makedumpfile_dmesg() { # dumpfile outfile regex
	local err
	if ! err=$(vm_judge makedumpfile --dump-dmesg "$1" "$2" 2>&1); then
		check_fail "makedumpfile --dump-dmesg $(basename "$1") failed: $(tail -n2 <<<"$err" | paste -sd' ')"
		return 1
	fi
	grep -aqE "$3" "$2" || check_fail "makedumpfile --dump-dmesg of $(basename "$1") lacks /$3/"
}

# crash with the debug vmlinux, running the commands in $2 (one per line);
# output in $3.  Returns 2 (after saying so) when there is no debug vmlinux:
# run `scripts/deps --debug-vmlinux`.
run_crash() { # dumpfile commands outfile [crash-options...]
	if [[ -z ${VMLINUX:-} || ! -s $VMLINUX ]]; then
		echo "  note: no debug vmlinux (scripts/deps --debug-vmlinux); crash not run" >&2
		return 2
	fi
	crash_run "$3" "$2" "${@:4}" "$VMLINUX" "$1"
}

# crash on a snapshot, as a user opens one (design.rst, lkcd(8)): there was
# no panic, and --no_panic tells crash so.  Without it crash hunts for a
# panic task through the active tasks' stacks; on a live copy an active
# task can be half-switched, and with crash 8.0.2 on 6.1 (no task table)
# every active task is unknown, and the hunt can stop
# crash at startup ("invalid kernel virtual address: 0") -- depending on
# what the other CPU ran at the snapshot, a chance failure of the judge.
run_crash_snapshot() { # dumpfile commands outfile
	run_crash "$1" "$2" "$3" --no_panic
}

# crash 8.0.2 (Debian 12) builds no task table on Debian's 6.1.192
# (design.rst, "Tested"): it finds the CPUs' running tasks but no stack of
# any task ("active task ... not found in PID hash"; bt reads the stack at
# 0).  Scenarios check less on such output, and say so.
crash_no_tasks() { grep -q 'not found in PID hash' "$1"; }

# The same for a snapshot saved as LKCD v8, which has no VMCOREINFO: crash
# needs the relocation, KERNELOFFSET and phys_base, taken here from a kdump
# (or ELF) file of the same boot.
run_crash_snapshot_lkcd() { # lkcd-file file-of-the-same-boot commands outfile
	local off pb
	[[ -n ${VMLINUX:-} && -s $VMLINUX ]] || { echo "  note: no debug vmlinux; crash not run" >&2; return 2; }
	off=$(grep -a -m1 -o 'KERNELOFFSET=[0-9a-f]*' "$2" | cut -d= -f2)
	pb=$(grep -a -m1 -o 'NUMBER(phys_base)=-*[0-9]*' "$2" | cut -d= -f2)
	[[ -n $off && -n $pb ]] || { check_fail "no KERNELOFFSET/phys_base in $(basename "$2")"; return 1; }
	crash_run "$4" "$3" --no_panic --kaslr "0x$off" --machdep "phys_base=0x$(printf '%x' "$pb")" "$VMLINUX" "$1"
}

# crash -s ARGS... (the release's, through vm_judge) running the commands
# in $2, output in $1.  sid's crash 9.0.2 stops on 7.2's struct module
# ("invalid structure member offset: module_num_gpl_syms", on the kernel's
# own /proc/vmcore too, seen 2026-12-06): that crash's limit, not the
# dump's.  Said, and the same commands run again without module access.
crash_run() { # outfile commands crash-args...
	local out=$1 cmds=$2
	shift 2
	printf '%s\nquit\n' "$cmds" | vm_judge timeout 300 crash -s "$@" >"$out" 2>&1 && return 0
	grep -q 'invalid structure member offset: module_' "$out" || return 1
	echo "  note: $(grep -m1 "invalid structure member offset" "$out" | head -c 120); run again with --no_modules" >&2
	printf '%s\nquit\n' "$cmds" | vm_judge timeout 300 crash -s --no_modules "$@" >"$out" 2>&1
}

# crash (sys, bt, ps, log) must show the sysrq panic, the release, the
# panicking task's stack, PID 1 and the log line $2; output in
# $WORK/crash.txt.  Without the debug vmlinux: said, and not a failure.
check_crash() { # dumpfile log-marker
	local bad=0 rc
	run_crash "$1" $'sys\nbt\nps\nlog' "$WORK/crash.txt"
	rc=$?
	if (( rc == 0 )); then
		grep -qE 'PANIC: ".*sysrq triggered crash"' "$WORK/crash.txt" ||
			check_fail "crash sys does not show the panic (see $WORK/crash.txt)" || bad=1
		grep -qF "RELEASE: $KABI" "$WORK/crash.txt" ||
			check_fail "crash sys does not show RELEASE: $KABI" || bad=1
		grep -q 'sysrq_handle_crash' "$WORK/crash.txt" ||
			check_fail "crash bt does not show sysrq_handle_crash" || bad=1
		grep -qE '^>? +1 +0 +[0-9]+ +[0-9a-f]+ +[A-Z]+ .* init$' "$WORK/crash.txt" ||
			check_fail "crash ps does not list PID 1 init" || bad=1
		grep -q "$2" "$WORK/crash.txt" ||
			check_fail "crash log lacks '$2'" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash failed (status $rc): $(tail -n3 "$WORK/crash.txt" | paste -sd' ')" || bad=1
	fi
	return $bad
}

# How many pages of [start, start+size) libkdumpfile reads from a dump
# (physical addresses; pages the level left out do not count).
dump_pages_in() { # dumpfile start size
	vm_judge /usr/bin/python3 - "$@" "$VM_TOP/tests/vm" <<'PY'
import sys
sys.path.insert(0, sys.argv[4])
from kdcompat import open_dump
k, phys = open_dump(sys.argv[1])
start, size = int(sys.argv[2], 0), int(sys.argv[3], 0)
got = 0
for addr in range(start, start + size, 4096):
    try:
        k.read(phys, addr, 4096)
        got += 1
    except Exception:
        pass
print(got)
PY
}

# The guest copied /proc/vmcore to $OUT/vmcore: every page libkdumpfile
# reads from the dump must match it.  At most $3 pages may differ (pages the
# crashed kernel legitimately wrote after dumping them: crash notes, the
# dumper's own stack); their pfns are listed in $WORK/differ.txt.
check_pages_match() { # dumpfile vmcore max-differ [lkcd-header-paddr]
	local out compared differ chain=()
	[[ -n ${4:-} ]] && chain=(--chain "$4")
	if ! out=$(vm_judge "$VM_TOP/tests/vm/comparepages" "${chain[@]}" "$1" "$2" "$WORK/differ.txt" 2>&1); then
		check_fail "comparing $(basename "$1") with /proc/vmcore: $out"
		return 1
	fi
	echo "  pages of $(basename "$1") vs /proc/vmcore: $out"
	compared=$(sed -n 's/^compared \([0-9]*\),.*/\1/p' <<<"$out")
	differ=$(sed -n 's/.*differ \([0-9]*\),.*/\1/p' <<<"$out")
	(( compared > 0 )) || check_fail "no page of $(basename "$1") could be compared" || return 1
	(( differ <= $3 )) ||
		check_fail "$differ pages of $(basename "$1") differ from /proc/vmcore (at most $3 may): first $(head -n5 "$WORK/differ.txt" | paste -sd' ')"
}

# Host half of the cycle (guest: lkcd_cycle_production/_capture): the dump
# judged by makedumpfile --dump-dmesg, crash (sys, bt, ps, log) and
# libkdumpfile page by page against /proc/vmcore.  $1: pages allowed to
# differ (written by the crashed kernel after the dumper saved them).
check_cycle() { # max-differ
	local bad=0 n dump id
	check_file notes/dump-n || return 1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	check_file "dump/$n/dump.$n" || return 1
	id=$(cat "$OUT/notes/boot-id")

	"$VM_TOP/tests/vm/dumpinfo" "$dump" >"$WORK/dumpinfo.txt" ||
		check_fail "dump.$n is not a dump file" || bad=1
	grep -qx "release=$KABI" "$WORK/dumpinfo.txt" ||
		check_fail "dump.$n's header does not name $KABI" || bad=1
	lkcd_show_check "$dump" || bad=1
	# the dumper's own clock: start and end stamps in the header
	local took
	took=$(sed -n 's/^dump took: *\([0-9]*\) ms.*/\1/p' "$WORK/lkcd-show.txt" 2>/dev/null)
	if [[ -z $took ]]; then
		check_fail "lkcd show prints no 'dump took: N ms'" || bad=1
	elif (( ${#took} > 7 || took > 600000 )); then
		check_fail "the dump took $took ms by its header (end before start?)" || bad=1
	fi

	# CYCLE_MDF_DUMP: the file makedumpfile reads instead, when dump.N has
	# pages it cannot (zstd kept; makedumpfile built without zstd)
	check_makedumpfile_dmesg "${CYCLE_MDF_DUMP:-$dump}" "$WORK/dmesg.txt" "cycle marker $id" &&
		{ grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" ||
		check_fail "dump.$n's kernel log (makedumpfile) lacks the panic line"; } || bad=1

	# dmesg.N is lkcd's own decoding of the log, read in the capture kernel,
	# so it runs on to the jump; the log makedumpfile reads from dump.N stops
	# at the dump.  Byte for byte, makedumpfile's must be a prefix of ours
	# (it prints bytes >= 0x80 sign-extended: \xffffffc3 for \xc3).
	# makedumpfile 1.7.5 and later (trixie's, sid's) also print each
	# record's caller ("[     T42]", "[      C1]") after the time stamp when
	# the kernel keeps one (CONFIG_PRINTK_CALLER: Debian's 6.12, not its
	# 6.1); dmesg.N reads like dmesg(1), without it: that field alone is
	# taken out (and its 11 columns from the indent of a record's further
	# lines), only when makedumpfile printed it (its first line).
	if [[ -s $WORK/dmesg.txt && -f $OUT/dump/$n/dmesg.$n ]]; then
		local caller=() stamp='^(\[ *[0-9]+\.[0-9]+\]) \[ *[TC][0-9]+\]'
		head -n1 "$WORK/dmesg.txt" | grep -qE "$stamp" &&
			caller=(-e "s/$stamp/\\1/" -e 's/^ {11}( +)/\1/')
		sed -E -e 's/\\xffffff/\\x/g' "${caller[@]}" "$WORK/dmesg.txt" >"$WORK/dmesg.mdf"
		head -c "$(stat -c %s "$WORK/dmesg.mdf")" "$OUT/dump/$n/dmesg.$n" | cmp -s - "$WORK/dmesg.mdf" ||
			check_fail "dmesg.$n does not begin with makedumpfile's log of dump.$n (diff $WORK/dmesg.mdf)" || bad=1
	else
		check_fail "no dmesg.$n, or makedumpfile printed no log" || bad=1
	fi
	check_log 'lkcd: dumping: [0-9]+% \([0-9]+ of [0-9]+ pages\)' "the dumper's progress lines" || bad=1

	# storage blocks (spare pages reused after saving them) are left out
	check_pages_match "$dump" "$OUT/vmcore" "$1" "$(cat "$OUT/notes/dump-addr")" || bad=1

	check_crash "$dump" "cycle marker $id" || bad=1
	echo "  lkcd save in the guest: $(cat "$OUT/notes/save-seconds")s, dump.$n $(stat -c %s "$dump") bytes"
	return $bad
}

# kdump_page_flags FILE: "zlib=N lzo=N zstd=N raw=N status=0xS" over the
# page descriptors of a kdump-compressed file, from the published layout
# (disk_dump_header: status at 424, block_size at 428, sub_hdr_size at 432,
# bitmap_blocks at 436; descriptors of 24 bytes after the bitmaps, up to the
# first page's data)
kdump_page_flags() {
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

# check_header_compress NAME ID: lkcd show (check_cycle's) names the
# compressor the dump's records used
check_header_compress() {
	grep -q "^compress: *$1 ($2)" "$WORK/lkcd-show.txt" ||
		check_fail "the dump's header does not say $1: $(grep '^compress' "$WORK/lkcd-show.txt")"
}

# kdump_pages_noted FILE LABEL: kdump_page_flags of FILE into KDUMP_PAGES,
# printed with LABEL and the file's size
kdump_pages_noted() {
	KDUMP_PAGES=$(kdump_page_flags "$1") || { check_fail "cannot read $2's page descriptors"; return 1; }
	echo "  $2: $KDUMP_PAGES, $(stat -c %s "$1") bytes"
}

# After check_cycle: the header says how many pages of lkcd.ko's own working
# memory (header, scratch, pool, every compressor's workspace) the dump left
# out, and lkcd show and analysis.N print it (issue 12, item 13).  At least
# the header page, 2 scratch pages, the 64-page pool and the three
# workspaces (zlib 7 pages on x86_64, zstd and lz4 more than 1 each).
check_lkcd_left_out() {
	local n pages re="^left out: *([0-9]+) pages of lkcd.ko's own working memory"
	n=$(cat "$OUT/notes/dump-n")
	pages=$(sed -En "s/$re.*/\\1/p" "$WORK/lkcd-show.txt")
	echo "  left out of the dump: ${pages:-?} pages of lkcd.ko's own memory"
	[[ -n $pages ]] || { check_fail "lkcd show does not say how many pages of lkcd.ko's own memory were left out"; return 1; }
	(( pages >= 1 + 2 + 64 + 7 + 2 + 2 )) ||
		{ check_fail "only $pages pages of lkcd.ko's own memory left out: the compressor workspaces are missing"; return 1; }
	grep -qE "$re" "$OUT/dump/$n/analysis.$n" ||
		{ check_fail "analysis.$n does not say what of lkcd.ko was left out"; return 1; }
}
