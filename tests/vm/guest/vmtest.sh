# vmtest.sh, /lib/vmtest.sh in the guest: helpers for scenario scripts in the lkcd test VM (busybox sh).
#
# Verdicts (each one ends the VM):
#   pass              the scenario passed
#   fail "reason"     it failed, with the reason
#   skip "reason"     it cannot run here (counted as skipped)
# Each prints a marker line the host looks for AND exits QEMU through
# isa-debug-exit with a matching code; the host requires both to agree.
#
# Other helpers:
#   vm_log msg...            a line on the console, tagged
#   run cmd...               log the command, run it, log its status; returns it
#   expect_fail cmd...       run a command that must fail; fail the test if not
#   out                      /out: the ext4 disk the host reads back
#   note name text           write text to /out/notes/name (host can read it)
#   arm_kdump [append...]    plain `kexec -p` of /boot/vmlinuz with this initrd
#                            (no lkcd): for harness tests
#   crash                    echo c > /proc/sysrq-trigger (never returns)
#   vm_kabi                  the running kernel's release

VM_EXIT_PASS=16
VM_EXIT_FAIL=17
VM_EXIT_SKIP=18
OUT=/out

vm_log() {
	echo "lkcd-vm: $*"
}

vm_finish() { # status code reason
	vm_log "finishing: $1${3:+ ($3)}"
	# the marker is what the host parses; keep its shape in sync with lib.sh
	echo "LKCD-VM-RESULT: $1${3:+: $3}"
	if grep -q " $OUT " /proc/mounts; then
		sync
		umount "$OUT" 2>/dev/null || mount -o remount,ro "$OUT" 2>/dev/null
	fi
	sync
	/sbin/vmexit "$2"
	# no debug-exit device: power off, the host sees no status
	poweroff -f
}

# A kexec sysfs file by its name under /sys/kernel/kexec/ (late 2025 on),
# else the old /sys/kernel/kexec_NAME (an obsolete link on newer kernels).
kexec_sysfs() { # name
	if [ -e "/sys/kernel/kexec/$1" ]; then
		echo "/sys/kernel/kexec/$1"
	else
		echo "/sys/kernel/kexec_$1"
	fi
}

pass() { vm_finish PASS $VM_EXIT_PASS "$*"; }
fail() { vm_finish FAIL $VM_EXIT_FAIL "$*"; }
skip() { vm_finish SKIP $VM_EXIT_SKIP "$*"; }

run() {
	local rc
	vm_log "+ $*"
	"$@"
	rc=$?
	[ $rc -eq 0 ] || vm_log "exit status $rc: $*"
	return $rc
}

expect_fail() {
	vm_log "+ (must fail) $*"
	if "$@"; then
		fail "succeeded but must fail: $*"
	fi
	return 0
}

note() { # name text
	mkdir -p "$OUT/notes"
	printf '%s\n' "$2" >"$OUT/notes/$1"
}

vm_kabi() { uname -r; }

# Which QEMU run this is (1, 2, ... with VM_BOOTS): vm_boot=<n> on the
# production kernel's command line; empty in a capture kernel.
vm_boot_number() { sed -n 's/.*\bvm_boot=\([0-9]*\).*/\1/p' /proc/cmdline; }

# eth0 up with its address and route by DHCP from QEMU's user networking
# (udhcpc; its script takes the lease's address and router); 0 once
# leased.  Bounded at 60 tries a second apart, not 10: a loaded host's TCG
# guest has once had no lease within 10 s in a production boot
# (capture-ssh-down's second), and how long the production system waits
# for its address says nothing of lkcd; a failure says what eth0 was.
vm_dhcp_eth0() {
	cat >/tmp/udhcpc.sh <<'S'
#!/bin/sh
case "$1" in
bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip route add default via "$r" dev "$interface"; done ;;
esac
S
	chmod 755 /tmp/udhcpc.sh
	ip link set lo up
	ip link set eth0 up
	udhcpc -i eth0 -s /tmp/udhcpc.sh -q -n -t 60 -T 1 >/dev/null 2>&1 && return 0
	vm_log "no DHCP lease on eth0 in 60 s: $(ip -o link show eth0 2>&1) (interfaces: $(ls /sys/class/net | paste -sd' '))"
	return 1
}

vm_modprobe() {
	local m
	for m in "$@"; do
		modprobe "$m" 2>/dev/null || grep -q "^$m\$" "/lib/modules/$(uname -r)/modules.builtin.names" 2>/dev/null ||
			vm_log "modprobe $m failed"
	done
}

# The output disk is the only virtio disk: /dev/vda, ext4, made by the host.
vm_mount_out() {
	local i
	vm_modprobe virtio_pci virtio_blk
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -b /dev/vda ] || { vm_log "no /dev/vda"; return 1; }
	mount -t ext4 /dev/vda "$OUT"
}

arm_kdump() {
	run kexec -p /boot/vmlinuz --initrd=/boot/initrd.img \
		--append="$(vm_capture_cmdline) $*"
}

# What a capture kernel needs on its command line in this VM.
vm_capture_cmdline() {
	echo "console=ttyS0 panic=1 reset_devices nr_cpus=1 irqpoll"
}

# vm_host_fault WORD: ask the host's during() for fault WORD through the
# fault handshake port (10.0.2.100:7, tests/vm/guestfwd-handshake; eth0 up)
# and return once it answers that the fault is in place: the crash that
# follows meets the fault, however slow or fast host and guest are.
vm_host_fault() {
	rm -f /tmp/fault.reply
	vm_log "asking the host for fault $1"
	nc 10.0.2.100 7 -e sh -c "echo $1; read -r r; echo \"\$r\" >/tmp/fault.reply"
	[ "$(cat /tmp/fault.reply 2>/dev/null)" = "in-place $1" ] ||
		fail "the host did not put fault $1 in place (its answer: '$(cat /tmp/fault.reply 2>/dev/null)')"
	vm_log "fault $1 in place"
}

crash() {
	vm_log "crashing via sysrq c"
	echo 1 >/proc/sys/kernel/sysrq
	sync
	echo c >/proc/sysrq-trigger
	fail "still alive after echo c > /proc/sysrq-trigger"
}

# ---- lkcd in the guest ----
# The one place that knows how scenarios drive lkcd; keep it in step with
# userspace/cmd.  The config file (userspace/include/config.h) is LKCD's
# variables plus the capture kernel that `lkcd config` loads with kexec -p.
LKCD_CONF=/etc/lkcd.conf
LKCD_DUMPDIR=/out/dump

# lkcd_conf [VAR=value...]: write $LKCD_CONF with defaults for the test VM,
# overridden by the arguments.  Called at the top of scenario scripts, so
# both the production and the capture boot see the same file.
lkcd_conf() {
	local line key arg override
	{
		echo "# written by the lkcd VM test harness"
		# DUMP_ACTION=shell: lkcd save returns to this script, which
		# gives the verdict (reboot would end the VM without one)
		for line in DUMP_ACTIVE=1 "DUMPDIR=$LKCD_DUMPDIR" DUMP_LEVEL=1 \
			DUMP_COMPRESS=2 DUMP_FLAGS=0x2 PANIC_TIMEOUT=1 DUMP_ACTION=shell \
			KEXEC_KERNEL=/boot/vmlinuz KEXEC_INITRD=/boot/initrd.img \
			"KEXEC_CMDLINE_APPEND=\"$(vm_capture_cmdline)\"" \
			LKCD_MODULE=/lib/lkcd.ko; do
			key=${line%%=*}
			override=
			for arg in "$@"; do
				[ "${arg%%=*}" = "$key" ] && override=1
			done
			[ -n "$override" ] || echo "$line"
		done
		for arg in "$@"; do echo "$arg"; done
	} >"$LKCD_CONF"
}

lkcd_insmod() {
	# loaded already (a scenario set a module parameter first): keep it
	[ -d /sys/module/lkcd ] && return 0
	[ -f /lib/lkcd.ko ] || skip "no /lib/lkcd.ko in the initramfs"
	# its compression libraries, where they are modules (lib.sh lists them)
	[ ! -s /lib/lkcd.deps ] || vm_modprobe $(cat /lib/lkcd.deps)
	run insmod /lib/lkcd.ko || fail "insmod /lib/lkcd.ko failed"
	[ -d /proc/sys/kernel/dump ] || fail "lkcd.ko loaded but /proc/sys/kernel/dump is missing"
}

# Read a lkcd sysctl: sysctl_get level
sysctl_get() { cat "/proc/sys/kernel/dump/$1"; }

# ---- memory hotplug ----

# vm_hotplug_online N: say "ready for memory hotplug" (the host's during()
# plugs DIMMs then), wait for N new memory blocks, online them movable (so
# they can go offline again).  Sets HP_BS (block size), HP_FIRST and
# HP_LAST (the new blocks' numbers); fails the test when they do not come.
vm_hotplug_online() {
	local before after i b blk
	before=$(ls -d /sys/devices/system/memory/memory* | wc -l)
	vm_log "ready for memory hotplug"
	i=0 after=$before
	while [ "$after" -lt $((before + $1)) ] && [ $i -lt 300 ]; do
		sleep 0.2
		after=$(ls -d /sys/devices/system/memory/memory* | wc -l)
		i=$((i + 1))
	done
	[ "$after" -ge $((before + $1)) ] || fail "$1 new memory blocks expected, $((after - before)) appeared"
	sleep 1
	HP_BS=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	HP_FIRST= HP_LAST=
	for b in /sys/devices/system/memory/memory*; do
		[ "$(cat "$b/state")" = offline ] || continue
		echo online_movable >"$b/state" || fail "cannot online $b movable"
		blk=${b##*memory}
		{ [ -z "$HP_FIRST" ] || [ "$blk" -lt "$HP_FIRST" ]; } && HP_FIRST=$blk
		{ [ -z "$HP_LAST" ] || [ "$blk" -gt "$HP_LAST" ]; } && HP_LAST=$blk
	done
	[ -n "$HP_FIRST" ] && [ $((HP_LAST - HP_FIRST + 1)) = "$1" ] ||
		fail "expected $1 offline new blocks, got ${HP_FIRST:-none}..${HP_LAST:-none}"
	vm_log "new memory online (movable): blocks $HP_FIRST..$HP_LAST of $HP_BS bytes"
}

# vm_hotplug_arm N: load lkcd.ko, mark the log (note boot-id, for the
# host's crash and makedumpfile checks), arm, take N new memory blocks
# online (vm_hotplug_online), and re-arm so that the range table and the
# capture kernel's memory map cover them.
vm_hotplug_arm() {
	lkcd_cycle_arm
	vm_hotplug_online "$1"
	run lkcd config || fail "lkcd config (re-arm) failed"
	note dump-addr "$(sysctl_get addr)"
}

# ---- reading the crashed kernel's memory without lkcd ----

# vmcore_u PATH OFFSET BYTES: an unsigned little-endian number from a file
vmcore_u() {
	od -A n -t "u$3" -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# vmcore_offset PADDR: the /proc/vmcore file offset of physical address
# PADDR, from the ELF program headers (PT_LOAD, ELF64); empty when no
# segment holds it.  Independent of lkcd's own ELF reader on purpose.
vmcore_offset() {
	local want=$(($1)) core=/proc/vmcore phoff phnum phsz i ph type off paddr filesz
	phoff=$(vmcore_u $core 32 8)
	phsz=$(vmcore_u $core 54 2)
	phnum=$(vmcore_u $core 56 2)
	i=0
	while [ "$i" -lt "$phnum" ]; do
		ph=$((phoff + i * phsz))
		type=$(vmcore_u $core $ph 4)
		if [ "$type" = 1 ]; then
			off=$(vmcore_u $core $((ph + 8)) 8)
			paddr=$(vmcore_u $core $((ph + 24)) 8)
			filesz=$(vmcore_u $core $((ph + 32)) 8)
			if [ "$want" -ge "$paddr" ] && [ "$want" -lt $((paddr + filesz)) ]; then
				echo $((off + want - paddr))
				return 0
			fi
		fi
		i=$((i + 1))
	done
	return 1
}

# vmcore_copy PADDR LEN DEST: copy LEN bytes of the crashed kernel's
# physical memory at PADDR to DEST (e.g. the lkcd header page, for the host
# to decode on its own).
vmcore_copy() {
	local off
	off=$(vmcore_offset "$1") || { vm_log "paddr $1 is in no PT_LOAD of /proc/vmcore"; return 1; }
	dd if=/proc/vmcore of="$3" bs=4096 iflag=skip_bytes,count_bytes skip="$off" count="$2" 2>/dev/null
}

# ---- the whole cycle at one dump level (panic-kern, panic-used, ...) ----

# Load lkcd.ko, put "cycle marker <boot id>" in the kernel log (noted as
# boot-id: the host looks for it with makedumpfile and crash), lkcd config.
lkcd_cycle_arm() {
	local id
	lkcd_insmod
	id=$(cat /proc/sys/kernel/random/boot_id)
	echo "lkcd-vm: cycle marker $id" >/dev/kmsg
	note boot-id "$id"
	run lkcd config || fail "lkcd config failed"
}

# Production half: load lkcd.ko, mark the kernel log, `lkcd config` at the
# level $LKCD_LEVEL that the scenario set with lkcd_conf, dirty some user
# memory (so USED and ALL_RAM have user pages to save), panic.
lkcd_cycle_production() { # level
	lkcd_cycle_arm
	[ "$(sysctl_get level)" = "$1" ] || fail "kernel.dump.level is $(sysctl_get level), not $1 after lkcd config"
	[ "$(cat "$(kexec_sysfs crash_loaded)")" = 1 ] || fail "lkcd config did not load a capture kernel"
	note dump-addr "$(sysctl_get addr)"
	# 32 MiB of page cache in tmpfs, non-zero, stays until the panic
	dd if=/dev/urandom of=/tmp/fill bs=1M count=32 2>/dev/null
	# a scenario's last step before the panic, once the capture kernel is loaded
	if type cycle_before_crash >/dev/null 2>&1; then
		cycle_before_crash
	fi
	note production-time "$(date +%s)"
	crash
}

# Capture half: lkcd save (timed), then the raw /proc/vmcore for the host's
# page-by-page comparison.
# The capture half of the fault scenarios: lkcd save, whatever its status;
# the status, its stderr and the dump's number noted (save-status,
# save-stderr, dump-n) for the host's check, the analysis on the console.
lkcd_save_noted() {
	local n
	lkcd save 2>/tmp/save.err
	note save-status "$?"
	cat /tmp/save.err
	cp /tmp/save.err "$OUT/notes/save-stderr"
	n=$(ls "$LKCD_DUMPDIR" | grep -E '^[0-9]+$' | head -n1)
	[ -n "$n" ] || fail "lkcd save left no numbered directory in $LKCD_DUMPDIR"
	note dump-n "$n"
	cat "$LKCD_DUMPDIR/$n/analysis.$n"
	pass
}
lkcd_cycle_capture() {
	local n t0 t1
	t0=$(date +%s)
	run lkcd save || fail "lkcd save failed"
	t1=$(date +%s)
	note save-seconds "$((t1 - t0))"
	n=$(ls "$LKCD_DUMPDIR" | grep -E '^[0-9]+$' | head -n1)
	[ -n "$n" ] || fail "lkcd save left no numbered directory in $LKCD_DUMPDIR"
	note dump-n "$n"
	ls -la "$LKCD_DUMPDIR/$n"
	run dd if=/proc/vmcore of="$OUT/vmcore" bs=1M 2>/dev/null || fail "cannot copy /proc/vmcore"
	pass
}
