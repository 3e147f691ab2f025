# Host part of snapshot-regs (see snapshot-regs.guest).
DESCRIPTION="CPU registers at a snapshot: crash bt -a / ps and drgn on a consistent one; a live one shows the CPU spinning in a kernel loop"
NEEDS="lkcd module"
VM_TIMEOUT=600

# crash's bt -a: per CPU, the functions of its stack, one line "CPU name name ..."
bt_by_cpu() { # crash-output
	awk '/^PID: .* CPU: [0-9]+ / { if (cpu != "") print cpu, fns; cpu = $0; sub(/.* CPU: /, "", cpu); sub(/ .*/, "", cpu); fns = ""; next }
	     /\[exception RIP: / && cpu != "" { f = $0; sub(/.*exception RIP: /, "", f); sub(/[+\]].*/, "", f); fns = fns " " f }
	     /^ *#[0-9]+ \[/ && cpu != "" { fns = fns " " $3 }
	     END { if (cpu != "") print cpu, fns }' "$1"
}

# crash 8.0.2 (Debian 12) builds no task table on Debian's 6.1.192
# (crash_no_tasks in lib.sh): on such output only what it does find is
# checked: ps marks the two running tasks, named.

check() {
	local bad=0 nc nl nk cons live rc bt out m
	check_file notes/dump-consistent || return 1
	check_file notes/dump-live || return 1
	nc=$(cat "$OUT/notes/dump-consistent")
	nl=$(cat "$OUT/notes/dump-live")
	cons=$OUT/dump/$nc/dump.$nc
	live=$OUT/dump/$nl/dump.$nl
	echo "  consistent: $(cat "$OUT/notes/consistent") (with the measurement's end pass inside the stop)"
	# how far each copy is from the instant its run ended (test build's
	# snapshot_measure): figures only, they depend on what the guest did
	for m in consistent-idle live-idle live-busy consistent-busy; do
		[[ -f $OUT/notes/measure-$m ]] && echo "  measure $m: $(cat "$OUT/notes/measure-$m")"
	done
	[[ -f $OUT/notes/run-live-busy ]] && echo "  live-busy: $(cat "$OUT/notes/run-live-busy")"

	# the consistent snapshot (kdump): every CPU in the stop_machine
	# callback, the first one packing; both tasks marked running
	run_crash_snapshot "$cons" $'sys\nbt -a\nps' "$WORK/crash-consistent.txt"
	rc=$?
	if (( rc == 0 )); then
		bt=$(bt_by_cpu "$WORK/crash-consistent.txt")
		echo "  crash bt -a (consistent):"; sed 's/^/    /' <<<"$bt"
		if crash_no_tasks "$WORK/crash-consistent.txt"; then
			echo "  note: this crash builds no task table on $KABI: bt not checked, ps's running tasks only"
			[[ $(grep -E '^> ' "$WORK/crash-consistent.txt" | grep -oE '\[migration/[01]\]' | sort | paste -sd' ') == '[migration/0] [migration/1]' ]] ||
				check_fail "crash ps does not mark migration/0 and migration/1 running (see $WORK/crash-consistent.txt)" || bad=1
		else
		[[ $(grep -c . <<<"$bt") == 2 ]] ||
			check_fail "crash bt -a shows $(grep -c . <<<"$bt") CPUs, not 2 (see $WORK/crash-consistent.txt)" || bad=1
		[[ $(grep -c ' lkcd_snap_stopped .*multi_cpu_stop' <<<"$bt") == 2 ]] ||
			check_fail "crash bt -a does not show both CPUs in lkcd_snap_stopped under multi_cpu_stop" || bad=1
		grep -qE '^0 .*lkcd_snap_stopped' <<<"$bt" ||
			check_fail "crash bt -a does not show CPU 0 (the snapshot's own) in lkcd_snap_stopped" || bad=1
		[[ $(grep -cE '^> ' "$WORK/crash-consistent.txt") == 2 ]] ||
			check_fail "crash ps marks $(grep -cE '^> ' "$WORK/crash-consistent.txt") tasks running, not 2" || bad=1
		grep -qE '^>? +1 +0 +[0-9]+ +[0-9a-f]+ +[A-Z]+ .* init$' "$WORK/crash-consistent.txt" ||
			check_fail "crash ps does not list PID 1 init" || bad=1
		fi
	elif (( rc != 2 )); then
		check_fail "crash on the consistent snapshot failed (status $rc): $(tail -n3 "$WORK/crash-consistent.txt" | paste -sd' ')" || bad=1
	fi

	# drgn on it: the task list, PID 1, and each CPU's running task's stack
	if [[ -n ${VMLINUX:-} && -s $VMLINUX ]]; then
		if ! out=$(vm_judge timeout 300 /usr/bin/python3 - "$cons" "$VMLINUX" "$VM_MODULE" 2>&1 <<'PY'
import sys, drgn
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.pid import find_task, for_each_task
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
# the module too: its frames unwind through its own ORC data
prog.load_debug_info([sys.argv[2], sys.argv[3]])
# drgn 0.0.27 and later find a CPU's note of a running kernel's dump by
# pr_pid == CPU + 1 (what the module writes); 0.0.22 (Debian 12) wants the
# pid of the task instead, and unwinds no running task of such a dump
v = tuple(int(x) for x in drgn.__version__.split("+")[0].split(".")[:3])
print("running-stacks", "yes" if v >= (0, 0, 27) else "no")
print("tasks", sum(1 for _ in for_each_task(prog)))
print("pid1", find_task(prog, 1).comm.string_().decode())
print("pid1-stack", len(prog.stack_trace(find_task(prog, 1))))
for cpu in for_each_online_cpu(prog) if v >= (0, 0, 27) else ():
    t = per_cpu(prog["runqueues"], cpu).curr
    trace = str(prog.stack_trace(t)).replace("\n", " | ")
    print("cpu", cpu, t.comm.string_().decode(), trace)
PY
		); then
			check_fail "drgn cannot walk dump.$nc: $(tail -n2 <<<"$out" | paste -sd' ')"
			bad=1
		else
			echo "  drgn: $(grep -E '^(tasks|pid1)' <<<"$out" | paste -sd' ')"
			grep -E '^cpu' <<<"$out" | cut -c1-200 | sed 's/^/    /'
			grep -qx "pid1 init" <<<"$out" || { check_fail "drgn: PID 1 is not init"; bad=1; }
			grep -qE '^tasks ([2-9][0-9]|[0-9]{3,})$' <<<"$out" || { check_fail "drgn walks fewer than 20 tasks"; bad=1; }
			grep -qE '^pid1-stack [1-9]' <<<"$out" || { check_fail "drgn: no stack for PID 1"; bad=1; }
			if grep -qx "running-stacks no" <<<"$out"; then
				echo "  note: this drgn ($(vm_judge /usr/bin/python3 -c 'import drgn; print(drgn.__version__)')) takes pr_pid for the task's pid: running tasks' stacks not checked"
			elif [[ $(grep -cE '^cpu [0-9]+ .*lkcd_snap_stopped.*multi_cpu_stop' <<<"$out") != 2 ]]; then
				check_fail "drgn: not both CPUs' running tasks in lkcd_snap_stopped under multi_cpu_stop"
				bad=1
			fi
		fi
	fi

	# the consistent snapshot as LKCD v8: crash takes each active task's
	# RIP and RSP from the header's per-CPU pt_regs (nothing else of them)
	# and walks the stack from RSP: both CPUs under multi_cpu_stop, the
	# frame of the RIP itself (lkcd_snap_stopped) not listed
	check_file notes/dump-lkcd || return 1
	nk=$(cat "$OUT/notes/dump-lkcd")
	run_crash_snapshot_lkcd "$OUT/dump/$nk/dump.$nk" "$cons" $'bt -a' "$WORK/crash-lkcd.txt"
	rc=$?
	if (( rc == 0 )); then
		# (crash 8.0.2 on 6.1 walks these too: the RSP comes from the
		# header, not from a task it cannot find)
		bt=$(bt_by_cpu "$WORK/crash-lkcd.txt")
		echo "  crash bt -a (consistent, LKCD v8):"; sed 's/^/    /' <<<"$bt"
		[[ $(grep -c ' multi_cpu_stop cpu_stopper_thread' <<<"$bt") == 2 ]] ||
			check_fail "crash bt -a on the LKCD file does not show both CPUs' stacks under multi_cpu_stop (see $WORK/crash-lkcd.txt)" || bad=1
	elif (( rc != 2 )); then
		check_fail "crash on the LKCD file failed (status $rc): $(tail -n3 "$WORK/crash-lkcd.txt" | paste -sd' ')" || bad=1
	fi

	# the live snapshot (ELF): CPU 1 in the spinner's loop, the snapshot's
	# own CPU in its worker
	run_crash_snapshot "$live" $'sys\nbt -a\nps' "$WORK/crash-live.txt"
	rc=$?
	if (( rc == 0 )); then
		bt=$(bt_by_cpu "$WORK/crash-live.txt")
		echo "  crash bt -a (live):"; sed 's/^/    /' <<<"$bt"
		if crash_no_tasks "$WORK/crash-live.txt"; then
			grep -qE '^> +[0-9]+ +-?[0-9]+ +1 .*\[lkcd-spin/1\]$' "$WORK/crash-live.txt" ||
				check_fail "crash ps does not mark lkcd-spin/1 running on CPU 1 (see $WORK/crash-live.txt)" || bad=1
		else
		grep -qE '^1 +lkcd_test_spin_loop ' <<<"$bt" ||
			check_fail "crash bt -a on the live snapshot does not show CPU 1 in lkcd_test_spin_loop (see $WORK/crash-live.txt)" || bad=1
		grep -qE '^0 .*lkcd_snap_work' <<<"$bt" ||
			check_fail "crash bt -a on the live snapshot does not show CPU 0 in lkcd_snap_work" || bad=1
		fi
	elif (( rc != 2 )); then
		check_fail "crash on the live snapshot failed (status $rc): $(tail -n3 "$WORK/crash-live.txt" | paste -sd' ')" || bad=1
	fi
	return $bad
}
