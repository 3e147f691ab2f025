# Host part of unpriv-access (see unpriv-access.guest).
DESCRIPTION="an unprivileged user cannot read kernel.dump.addr, write dump sysctls, open /dev/lkcd or take a snapshot"
NEEDS="lkcd module"
