# Host part of panic-kern-lzo (see panic-kern-lzo.guest).
DESCRIPTION="panic -> lkcd save at level KERN, records lzo at panic, copied as they are into the kdump file (DUMP_DH_COMPRESSED_LZO); makedumpfile, crash, libkdumpfile judge it"
NEEDS="lkcd module"
VM_MEM=512M
VM_CRASHKERNEL=128M
VM_TIMEOUT=240

check() {
	local bad=0 n
	# up to 40 pages may differ, as in panic-kern
	check_cycle 40 || bad=1
	check_lkcd_left_out || bad=1
	check_header_compress lzo 5 || bad=1
	n=$(cat "$OUT/notes/dump-n")
	# the dump's pages went to ext4 around the page cache (LKCD_WRITE_DIRECT)
	grep -qE '^written direct: +[1-9][0-9]* of [0-9]+ bytes' "$OUT/dump/$n/analysis.$n" ||
		check_fail "analysis.$n: no byte of dump.$n written O_DIRECT ($(grep -a '^written direct' "$OUT/dump/$n/analysis.$n"))" || bad=1
	echo "  $(grep -a '^written direct' "$OUT/dump/$n/analysis.$n")"
	kdump_pages_noted "$OUT/dump/$n/dump.$n" "dump.$n" || return 1
	[[ $KDUMP_PAGES == *" lzo=0 "* ]] &&
		{ check_fail "dump.$n has no lzo pages: they were not copied as stored"; bad=1; }
	# DUMP_DH_COMPRESSED_LZO (0x2) in the header's status
	[[ $KDUMP_PAGES == *"status=0x"*[2367abef] ]] ||
		{ check_fail "dump.$n's header status lacks DUMP_DH_COMPRESSED_LZO: $KDUMP_PAGES"; bad=1; }
	return $bad
}
