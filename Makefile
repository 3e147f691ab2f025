# lkcd top-level Makefile.
#
#   make          build userspace (build/bin/lkcd, build/lib/liblkcd.a) and,
#                 when the target kernel's headers are installed, kernel/lkcd.ko
#   make deps     install packages, target kernel headers and image (scripts/deps)
#   make check    deps (with the debug vmlinux) + build + unit tests +
#                 fuzz corpus replay + sanitizer (ASan/UBSan) unit tests +
#                 real-kernel VM tests + summary
#   make demo     deps + build + one panic -> capture -> save cycle in a VM;
#                 the saved dump lands in build/demo/
#   make bench    lkcd against kdump + makedumpfile in the same VM runs
#                 (tests/bench/run; table in build/bench/, see
#                 Documentation/performance.rst)
#   make fuzz     run every libFuzzer target for FUZZ_SECONDS (tests/fuzz)
#   make deb      Debian packages lkcd + lkcd-dkms into build/deb/
#                 (scripts/deb: dpkg-buildpackage -us -uc -b, lintian)
#   make install  tools, module source + dkms.conf, units, udev rules, man
#                 pages, default config (DESTDIR=, PREFIX= as usual)
#   make clean
#
# build/ (never committed; `make clean` removes it):
#   bin/lkcd, lib/liblkcd.a, obj/     userspace (userspace/Makefile)
#   tests/                           unit test programs (tests/unit/Makefile)
#   results/counts                   `suite passed failed skipped` per runner
#   vm/env                           KABI, VMLINUZ, KMODDIR, KDIR, VMLINUX
#   vm/kernel/                       the cloud kernel image, unpacked
#   vm/initramfs/, vm/guest/         guest initramfs pieces, guest helpers
#   vm/work/<scenario>/, vm/logs/    per-scenario files, console logs
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

.PHONY: all userspace module deps check unit vm demo bench fuzz deb install clean

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
	$(MAKE) all
	-scripts/step unit $(MAKE) -C tests/unit check
	-scripts/step fuzz $(MAKE) -C tests/fuzz check-all
	-scripts/step vm tests/vm/run
	scripts/summary

unit:
	scripts/step unit $(MAKE) -C tests/unit check

vm:
	tests/vm/run

demo:
	$(MAKE) deps
	$(MAKE) all
	tests/vm/run demo

bench:
	$(MAKE) deps
	$(MAKE) all
	tests/bench/run

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
