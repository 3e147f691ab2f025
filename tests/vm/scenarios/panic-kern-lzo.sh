# Host part of panic-kern-lzo (see panic-kern-lzo.guest).
DESCRIPTION="panic -> lkcd save at level KERN, records lzo at panic, copied as they are into the kdump file (DUMP_DH_COMPRESSED_LZO); makedumpfile, crash, libkdumpfile judge it"
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

check() {
	local n dump enc bad=0
	# up to 40 pages may differ, as in panic-kern
	check_cycle 40 || bad=1
	check_lkcd_left_out || bad=1
	grep -q '^compress: *lzo (5)' "$WORK/lkcd-show.txt" ||
		check_fail "the dump's header does not say lzo: $(grep '^compress' "$WORK/lkcd-show.txt")" || bad=1
	n=$(cat "$OUT/notes/dump-n")
	dump=$OUT/dump/$n/dump.$n
	enc=$(kdump_page_flags "$dump") || { check_fail "cannot read dump.$n's page descriptors"; return 1; }
	echo "  dump.$n: $enc, $(stat -c %s "$dump") bytes"
	[[ $enc == *" lzo=0 "* ]] && { check_fail "dump.$n has no lzo pages: they were not copied as stored"; bad=1; }
	[[ $enc == *"status=0x"*[2367abef] ]] || { check_fail "dump.$n's header status lacks DUMP_DH_COMPRESSED_LZO: $enc"; bad=1; }
	return $bad
}
