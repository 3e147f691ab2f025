# Host part of snapshot-release-race (see snapshot-release-race.guest).
DESCRIPTION="a release racing the snapshot worker's report: the console line tells the snapshot as it was, never freed memory"
NEEDS="module"
CORE=1
VM_TIMEOUT=600
