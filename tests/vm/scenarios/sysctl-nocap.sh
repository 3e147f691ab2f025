# Host part of sysctl-nocap (see sysctl-nocap.guest).
DESCRIPTION="uid 0 without CAP_SYS_ADMIN cannot write any kernel.dump sysctl (EPERM), root with it can"
NEEDS="module"
CORE=1
BINARIES="/usr/bin/setpriv"
