# Host part of lockdown-integrity (see lockdown-integrity.guest).
DESCRIPTION="lockdown integrity: sysctls work, lkcd config uses kexec -s and says why it fails without a trusted signature"
NEEDS="lkcd module"
VM_BOOTS=2
