# lab.mk - the lab: the Xen homework's measurements (included from the
# top-level Makefile; docs/lab.md tells how to run it and read the report).
#
#   make lab              every configuration: Linux (real dbench 4.0), minios
#                         native, pvlab's dom0 and domU; checkpoints, windows,
#                         trace windows, build/lab/report.*
#   make lab-quick        the same with short runs and small windows (make test
#                         runs its native and pvlab parts: tests/lab_tests.py)
#   make lab-checkpoint [LAB_CONFIG=pvlab|native|linux|native-test]
#                         boot one configuration and save its checkpoints
#   make lab-measure LAB_CONFIG=... LAB_CHECKPOINT=...
#                         measure one window from one saved checkpoint
#
# build/lab/pvlab-gate.so is the lab's second QEMU plugin (lab/plugin/gate.c),
# built with everything else because the checkpoint test in make test uses it.

LAB_GATE     := $(B)/lab/pvlab-gate.so
LAB_PACKAGES := gnuplot-nox e2fsprogs qemu-utils
LAB_CONFIG   ?= pvlab
LAB_CHECKPOINT ?= dom0-1

all: $(LAB_GATE)

$(LAB_GATE): lab/plugin/gate.c $(PLUGIN_DIR)/qemu_plugin_api.h | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -I$(PLUGIN_DIR) -shared -o $@ $<

lab-deps:
	@scripts/ensure-deps.sh $(LAB_PACKAGES)

lab: all lab-deps
	$(PYTHON) lab/lab.py

lab-quick: all lab-deps
	$(PYTHON) lab/lab.py --quick

lab-checkpoint: all lab-deps
	$(PYTHON) lab/checkpoint.py $(LAB_CONFIG)

lab-measure: all lab-deps
	$(PYTHON) lab/measure.py $(LAB_CONFIG) $(LAB_CHECKPOINT)

.PHONY: lab lab-quick lab-checkpoint lab-measure lab-deps
