# xenpeer.mk - make bench-xen: pvlab's paths beside real Xen 4.17's, measured
# the same way (included from the top-level Makefile; docs/benchmarks.md,
# section "pvlab beside Xen", tells how to read it).
#
#   make bench-xen    fetch Debian's xen-hypervisor-4.17-amd64 and a Linux 6.1
#                     amd64 kernel with its headers (apt-get download, into
#                     build/xenpeer), build tools/xenpeer/'s module and program,
#                     boot Xen, bare Linux and pvlab under -icount with the
#                     plugin, and print the table (build/xenpeer/report.txt).
#                     Each boot takes the QEMU lock itself: do not wrap it in flock.
#   make bench-xen XENPEER_ARGS="--twice --hold-lock"
#                     the figures of record: every boot twice, compared, with
#                     the QEMU lock held from the first boot to the last
#                     (tools/xenpeer/bench_xen.py's usage lists the options)
#
# The packages it needs beyond the build's: qemu-system-x86 (qemu-system-x86_64,
# already there for the build) and gcc-12, the compiler Debian's headers name.

XENPEER_PACKAGES := qemu-system-x86 gcc-12 make
XENPEER_ARGS ?=

bench-xen: all
	@scripts/ensure-deps.sh $(XENPEER_PACKAGES)
	$(PYTHON) tools/xenpeer/bench_xen.py $(XENPEER_ARGS)

.PHONY: bench-xen
