# Host part of panic-numa (see panic-numa.guest).
DESCRIPTION="two NUMA nodes: panic -> lkcd save at level KERN; judged as panic-kern, and node 1's kernel pages are in the dump"
NEEDS="lkcd module"
VM_MEM=1G
VM_SMP=2
VM_CRASHKERNEL=128M
VM_TIMEOUT=240
VM_QEMU_ARGS="-object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M
 -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1"

check() {
	local bad=0 n dump node start size got
	check_cycle 64 || bad=1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	for node in 0 1; do
		check_file "notes/node$node" || return 1
		read -r start size <"$OUT/notes/node$node"
		got=$(dump_pages_in "$dump" "$start" "$size") ||
			check_fail "libkdumpfile could not read dump.$n: $got" || return 1
		echo "  node $node at $start ($((size >> 20)) MiB): $got of its pages in dump.$n"
		(( got > 0 )) || check_fail "dump.$n holds no page of node $node" || bad=1
	done
	return $bad
}
