# Host part of lockdown-confidentiality (see lockdown-confidentiality.guest).
DESCRIPTION="booted with lockdown=confidentiality: lkcd config refuses and says why, a panic leaves no dump"
NEEDS="lkcd module"
VM_BOOTS=2
VM_APPEND_FIRST="lockdown=confidentiality"

check() {
	local bad=0
	check_log "lockdown=confidentiality" "the locked-down first boot" || bad=1
	check_log "Kernel panic - not syncing: sysrq triggered crash" "the panic of the locked-down boot" || bad=1
	if grep -aq "lkcd: dumping at level" "$LOG"; then
		check_fail "the dumper ran under lockdown"; bad=1
	fi
	check_eq "boots" 2 "$VM_BOOTS_DONE" || bad=1
	return $bad
}
