# lkcd top-level Makefile.
#
#   make          build userspace (build/bin/lkcd, build/lib/liblkcd.a) and,
#                 when the target kernel's headers are installed, kernel/lkcd.ko
#   make deps     install packages, target kernel headers and image (scripts/deps)
#   make check    deps (with the debug vmlinux) + build + unit tests + docs +
#                 fuzz corpus replay + sanitizer (ASan/UBSan) unit tests +
#                 real-kernel VM tests + summary: the whole VM suite on
#                 CHECK_RELEASE's kernel (trixie, 6.12), its core (CORE=1)
#                 on each of CORE_RELEASES' (bookworm, 6.1), every dump judged
#                 by its own release's tools; one summary row per kernel;
#                 the Debian packages on a systemd guest of each of
#                 SYSTEM_RELEASES (tests/system/run; the longest leg runs
#                 beside the core VM legs and the other systemd legs)
#   make unit     the unit tests; T=PROG[:NAME] runs one program, or one
#                 suite or test of it (tests/unit/README)
#   make check-next  the core of the VM suite on NEXT_RELEASE's newest
#                 kernel (sid), plus NEXT_SCENARIOS (crashkernel-cma: a
#                 6.16+ feature); not in CI: the archive moves under it
#   make demo     deps + build + one panic -> capture -> save cycle in a VM
#                 (LKCD_RELEASE's kernel, default trixie); the saved dump
#                 lands in build/demo/
#   make bench    lkcd against kdump + makedumpfile in the same VM runs
#                 (tests/bench/run on LKCD_RELEASE's kernel, default trixie;
#                 LKCD_RELEASE=bookworm for 6.1; table in build/bench/, see
#                 Documentation/performance.rst)
#   make fuzz     run every libFuzzer target for FUZZ_SECONDS (tests/fuzz)
#   make deb      Debian packages lkcd + lkcd-dkms (+ liblkcd-dev) into build/deb/
#                 (scripts/deb: dpkg-buildpackage -us -uc -b, lintian)
#   make install  tools, module source + dkms.conf, units, udev rules, man
#                 pages, default config, liblkcd + its headers + liblkcd.pc
#                 (DESTDIR=, PREFIX= as usual)
#   make clean
#
# build/ (never committed; `make clean` removes it):
#   bin/lkcd, lib/liblkcd.a, obj/     userspace (userspace/Makefile)
#   tests/                           unit test programs (tests/unit/Makefile)
#   results/counts                   `suite passed failed skipped` per runner
#   vm/env                           KABI, VMLINUZ, KMODDIR, KDIR, VMLINUX
#                                    (the host's release)
#   vm/kernel/                       its cloud kernel image, unpacked
#   vm/<release>/env                 another release's (scripts/deps
#                                    --release; its image and build root
#                                    are cached in /var/cache/lkcd-dev)
#   vm/<release>/initramfs/, guest/  guest initramfs pieces, guest helpers
#   vm/<release>/kernel-test/        the test build of lkcd.ko for its kernel
#   vm/<release>/work/<scenario>/    per-scenario files
#   vm/<release>/logs/               console logs; times: seconds per scenario
#   demo/                            make demo's saved dump and console log
# Downloads are cached outside the tree, in /var/cache/lkcd-dev.
#
# The module is built against Debian's cloud kernel that scripts/deps
# resolves (KDIR in build/vm/env), never against the host's `uname -r`.
# Override with `make KDIR=/path/to/headers`.

ENVFILE := build/vm/env
KDIR ?= $(or $(shell sed -n 's/^KDIR=//p' $(ENVFILE) 2>/dev/null),$(lastword $(sort $(wildcard /usr/src/linux-headers-*-cloud-amd64))))
# Every runner appends `suite passed failed skipped` here; override to keep
# a run of your own apart from others' in a shared tree.
LKCD_RESULTS ?= $(CURDIR)/build/results/counts
export LKCD_RESULTS
COUNTS := $(LKCD_RESULTS)

# The kernels the VM suite runs on, by Debian release (tests/vm/README):
# make check runs the whole suite on CHECK_RELEASE and the core on each of
# CORE_RELEASES; make check-next runs the core on NEXT_RELEASE.
CHECK_RELEASE ?= trixie
CORE_RELEASES ?= bookworm
# the releases whose Debian packages make check proves on a systemd guest
SYSTEM_RELEASES ?= bookworm trixie
# make check's tail keeps two QEMUs busy on 2 cores: the longest systemd
# leg (SYSTEM_ALONE: trixie's, with its network part) runs beside the core
# VM legs and, after them, the other systemd legs.  Its output is printed
# when both sides are done.
SYSTEM_ALONE ?= trixie
SYSTEM_ALONE_RUN = $(filter $(SYSTEM_ALONE),$(SYSTEM_RELEASES))
SYSTEM_AFTER_CORE = $(filter-out $(SYSTEM_ALONE),$(SYSTEM_RELEASES))
SYSTEM_ALONE_OUT = $(dir $(COUNTS))system-alone.out
NEXT_RELEASE ?= sid
# make check-next: these besides the core (IN_SUITE=0 scenarios for
# features only the newest kernel has)
NEXT_SCENARIOS ?= crashkernel-cma
# make demo and make bench: LKCD_RELEASE=bookworm for 6.1
LKCD_RELEASE ?= trixie

.PHONY: all userspace module deps check check-next unit vm demo bench fuzz deb install clean

all: userspace module

userspace:
	@test -f userspace/Makefile || { echo "make: userspace/Makefile is missing: cannot build build/bin/lkcd and build/lib/liblkcd.a" >&2; exit 1; }
	$(MAKE) -C userspace

module:
	@test -f kernel/Makefile || { echo "make: kernel/Makefile is missing: cannot build kernel/lkcd.ko" >&2; exit 1; }
	@if [ -z "$(KDIR)" ] || [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "make: no target kernel headers (KDIR='$(KDIR)'): skipping kernel/lkcd.ko; run 'make deps'" >&2; \
	else \
		echo "$(MAKE) -C kernel KDIR=$(KDIR)"; \
		$(MAKE) -C kernel KDIR=$(KDIR); \
	fi

deps:
	scripts/deps

# Every step runs, even after a failure, so that the summary shows them all;
# scripts/step records a failure for a step that dies without counting.  The
# summary's exit status is make check's.
# The debug vmlinux (~280 MB once, then cached machine-wide) is part of
# check: crash with it is one of the judges of a dump.
check:
	@mkdir -p $(dir $(COUNTS)) && : > $(COUNTS)
	scripts/deps --debug-vmlinux
	set -e; for r in $(CHECK_RELEASE) $(CORE_RELEASES); do scripts/deps --release $$r --debug-vmlinux; done
	$(MAKE) all
	-scripts/step unit $(MAKE) -C tests/unit check
	-scripts/step docs scripts/check-docs
	-scripts/step fuzz $(MAKE) -C tests/fuzz check-all
	-scripts/step vm@$(CHECK_RELEASE) tests/vm/run -r $(CHECK_RELEASE)
	-alone=; $(if $(SYSTEM_ALONE_RUN),scripts/step system tests/system/run $(SYSTEM_ALONE_RUN) \
	   >$(SYSTEM_ALONE_OUT) 2>&1 & alone=$$!;) \
	 for r in $(CORE_RELEASES); do scripts/step vm@$$r tests/vm/run -r $$r -c; done; \
	 $(if $(SYSTEM_AFTER_CORE),scripts/step system tests/system/run $(SYSTEM_AFTER_CORE);) \
	 if [ -n "$$alone" ]; then wait $$alone; cat $(SYSTEM_ALONE_OUT); fi
	scripts/summary

check-next:
	@mkdir -p $(dir $(COUNTS)) && : > $(COUNTS)
	scripts/deps --release $(NEXT_RELEASE) --debug-vmlinux
	$(MAKE) all
	-scripts/step vm@$(NEXT_RELEASE) tests/vm/run -r $(NEXT_RELEASE) \
		$$(tests/vm/run -l | awk '$$2 == "C" { print $$1 }') $(NEXT_SCENARIOS)
	scripts/summary

unit:
	scripts/step unit $(MAKE) -C tests/unit check

vm:
	tests/vm/run

demo:
	$(MAKE) deps
	scripts/deps --release $(LKCD_RELEASE) --debug-vmlinux
	$(MAKE) all
	tests/vm/run -r $(LKCD_RELEASE) demo

bench:
	$(MAKE) deps
	scripts/deps --release $(LKCD_RELEASE)
	$(MAKE) all
	LKCD_RELEASE=$(LKCD_RELEASE) tests/bench/run

fuzz:
	$(MAKE) -C tests/fuzz fuzz

deb:
	scripts/deb

install: all
	$(MAKE) -C lkcd-utils install

clean:
	-test -f userspace/Makefile && $(MAKE) -C userspace clean
	-test -f kernel/Makefile && $(MAKE) -C kernel clean KDIR=$(KDIR)
	-test -f tests/unit/Makefile && $(MAKE) -C tests/unit clean
	rm -rf build
