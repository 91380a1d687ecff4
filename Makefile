# pvlab - top-level build.
#
#   make          build the hypervisor, minios and the test guests
#   make run      build and boot pvlab in QEMU, dom0's prompt on this terminal
#   make run-native  boot minios alone, natively (no hypervisor), to native#
#   make test     build and run every test; ends with "N passed, N failed"
#   make iso      build a GRUB rescue ISO; make run-iso boots it
#   make bench    measure the figures in docs/benchmarks.md
#   make bench-scale  a thousand 1 MiB domUs at once: creates, list, CPU, destroy (SCALE_DOMAINS)
#   make bench-xen  the same paths in real Xen 4.17, side by side (tools/xenpeer/)
#   make lab      the Xen homework's measurements and report (docs/lab.md)
#   make fuzz     10 million random hypercalls from a guest (FUZZ_COUNT, FUZZ_SEED)
#   make fuzz-host  the host fuzzers of tests/fuzz/ (libFuzzer), FUZZ_HOST_SECONDS each
#
# Everything is built into build/.  Freestanding code (hypervisor, guests) is
# compiled -m32 without a libc; host unit tests link against cmocka.

B        := build
# `make` alone builds everything: the toolchain rule below comes first, and would be the goal.
.DEFAULT_GOAL := all
Q        := $(if $(V),,@)
CC       := gcc
LD       := ld
QEMU     := qemu-system-i386
PYTHON   := python3

FREESTANDING := -m32 -march=i686 -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-pie \
                -fno-stack-protector -fno-asynchronous-unwind-tables -mgeneral-regs-only \
                -fno-tree-loop-distribute-patterns -fno-omit-frame-pointer
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS   := -O2 -g -std=gnu11 $(FREESTANDING) $(WARN) -Iinclude -MMD -MP
ASFLAGS  := -m32 -g -D__ASSEMBLY__ -Iinclude -MMD -MP
LDFLAGS  := -m elf_i386 -z noexecstack --no-warn-rwx-segments

# Facts that exist only once the Debian packages are installed (LIBGCC, the
# 32-bit libgcc.a) live in build/toolchain.mk, made by a rule that first runs
# ensure-deps.sh; make then restarts and reads them.  Nothing above this line
# may query an installed tool.  Goals that build nothing skip it.
NO_TOOLCHAIN_GOALS := clean format
ifneq ($(filter-out $(NO_TOOLCHAIN_GOALS),$(or $(MAKECMDGOALS),all)),)
include $(B)/toolchain.mk
ifneq ($(TOOLCHAIN_MK_READ),)
ifeq ($(wildcard $(LIBGCC)),)
$(error LIBGCC '$(LIBGCC)' from $(B)/toolchain.mk is not a file; run 'make clean' then build again)
endif
endif
endif
$(B)/toolchain.mk: scripts/ensure-deps.sh scripts/toolchain.sh
	@mkdir -p $(B)
	@scripts/ensure-deps.sh
	$(Q)scripts/toolchain.sh $(CC) >$@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------- hypervisor
HV_SRCS := $(filter-out %.lds.S,$(wildcard arch/x86/*.S arch/x86/*.c hv/*.c))
LIB_SRCS := $(wildcard lib/*.c)
HV_OBJS := $(patsubst %,$(B)/%.o,$(basename $(HV_SRCS)))
LIB_OBJS := $(patsubst %,$(B)/%.o,$(basename $(LIB_SRCS)))
# The hypervisor keeps no frame pointer: nothing walks its frames (gdb unwinds from the debug
# information), and on its short paths (an exception, a switch between domains, a grant map)
# saving and restoring %ebp in every call was a tenth of the instructions.  Nor does it pad
# loops and jump targets to 16 bytes: a padding nop that is run counts as an instruction too
# (the event round trip ran about twenty).  Its stack is kept 4-byte aligned, as Linux's i386
# kernel keeps its own: with 16 (GCC's default) a function that calls another reserved and gave
# back padding, two instructions in each, for data nothing here needs aligned (no SSE: the
# hypervisor is built -mgeneral-regs-only).
$(HV_OBJS): CFLAGS += -fomit-frame-pointer -falign-loops=1 -falign-jumps=1 \
                      -mpreferred-stack-boundary=2
# The switch and the wake (hv/sched.c) are tuned for a generic x86 rather than for -march's i686:
# i686's tuning stores a constant to memory in two instructions (a register zeroed or loaded,
# then stored) and saves registers with a stack adjustment and moves, where generic tuning
# stores the constant and pushes (the event round trip 742 -> 724).  The whole hypervisor so
# tuned gained little more on the measured paths (a create 10,000 of 1.55 M, an upcall 4) and
# cost the boot 554,000 instructions more, so the flag stays on this one file.
$(B)/hv/sched.o: CFLAGS += -mtune=generic
# Those flags are this file's: a change to them rebuilds the hypervisor (a pulled flag change
# otherwise left an hv/sched.o built without it, and the event round trip measured 742, not 724).
$(HV_OBJS): Makefile

all: $(B)/hv.elf minios $(B)/bootfs.cpio test-guests tests-build

$(B)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(B)/%.o: %.S | deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

# The linker script goes through the C preprocessor, for the layout constants of hv/config.h.
$(B)/arch/x86/hv.lds: arch/x86/hv.lds.S | deps
	@mkdir -p $(dir $@)
	@echo "  CPP     $<"
	$(Q)$(CC) -E -P -undef -x assembler-with-cpp -D__ASSEMBLY__ -Iinclude -MMD -MP -MT $@ \
	    -MF $@.d $< -o $@

$(B)/hv.elf: $(HV_OBJS) $(LIB_OBJS) $(B)/arch/x86/hv.lds
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -T $(B)/arch/x86/hv.lds -o $@ $(HV_OBJS) $(LIB_OBJS) $(LIBGCC)

include guests/minios/minios.mk
include guests/bin/bin.mk
include tests/guests/guests.mk
include tests/tests.mk
include tools/plugin/plugin.mk
include guests/dbench-lite/dbench.mk
include lab/lab.mk
include tools/xenpeer/xenpeer.mk

# ---------------------------------------------------------------- running
DOM0_MEM ?= 64M
QEMU_MEM ?= 256
QEMU_BASE := $(QEMU) -m $(QEMU_MEM) -display none -no-reboot -serial mon:stdio -monitor none

# The boot archive: dom0's second module, with domU kernels and xm configs.
BOOTFS_FILES := /boot/minios.elf=$(B)/minios.elf \
                $(foreach c,$(wildcard tools/xm-lite/etc/*.cfg),/etc/xm/$(notdir $(c))=$(c)) \
                $(DOMU_TEST_FILES) $(BIN_BOOTFS_FILES)
$(B)/bootfs.cpio: $(B)/minios.elf $(wildcard tools/xm-lite/etc/*.cfg) scripts/mkbootfs.py \
                  $(DOMU_TEST_DEPS) $(UBIN_ELFS)
	@echo "  CPIO    $@"
	$(Q)$(PYTHON) scripts/mkbootfs.py $@ $(BOOTFS_FILES)

# The disk dom0 drives, ext2 on both partitions: created once, kept between boots
# (make disk makes it again, make fsck checks it, make clean removes it).
include guests/rootfs/rootfs.mk

PVLAB_BOOT := -kernel $(B)/hv.elf -append "dom0_mem=$(DOM0_MEM)" \
              -drive file=$(B)/disk.img,format=raw,if=ide,index=0 \
              -initrd "$(B)/minios.elf dom0,$(B)/bootfs.cpio"

run: all $(B)/disk.img
	@echo "pvlab: booting in QEMU. Leave with Ctrl-A X (or type 'halt' at dom0#)."
	$(QEMU_BASE) $(PVLAB_BOOT) $(PLUGIN_QEMU_ARGS)

# make gdb: QEMU stopped before its first instruction, with a gdbstub on
# GDB_PORT, and GDB (scripts/pvlab.gdb: hv.elf and minios.elf symbols, pv-*
# commands) in a tmux pane beside it; outside tmux, run `make gdb-attach` in a
# second terminal, as xv6's make qemu-gdb.
GDB_PORT ?= 1234
GDB_CMD   = gdb -q -nx -x scripts/pvlab.gdb -ex "target remote 127.0.0.1:$(GDB_PORT)"
gdb: all $(B)/disk.img
	@scripts/ensure-deps.sh gdb
	@if [ -n "$$TMUX" ]; then tmux split-window -h '$(GDB_CMD)'; \
	 else echo "pvlab: QEMU waits for GDB: run 'make gdb-attach' in another terminal."; fi
	$(QEMU_BASE) -S -gdb tcp:127.0.0.1:$(GDB_PORT) $(PVLAB_BOOT)

gdb-attach:
	@scripts/ensure-deps.sh gdb
	$(GDB_CMD)

$(B)/pvlab.iso: $(B)/hv.elf $(B)/minios.elf $(B)/bootfs.cpio scripts/grub.cfg
	@rm -rf $(B)/iso && mkdir -p $(B)/iso/boot/grub
	cp $(B)/hv.elf $(B)/minios.elf $(B)/bootfs.cpio $(B)/iso/boot/
	cp scripts/grub.cfg $(B)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(B)/iso >$(B)/grub-mkrescue.log 2>&1 || \
	    { cat $(B)/grub-mkrescue.log; exit 1; }

iso: $(B)/pvlab.iso

run-iso: $(B)/pvlab.iso
	@echo "pvlab: booting the GRUB ISO. Leave with Ctrl-A X."
	$(QEMU_BASE) -cdrom $(B)/pvlab.iso

# make run-native: the same minios.elf alone on the bare (emulated) machine, as a
# multiboot kernel in ring 0, driving the same disk (docs/native.md).
run-native: minios $(B)/disk.img
	@echo "minios natively: no hypervisor. Leave with Ctrl-A X (or type 'halt' at native#)."
	$(QEMU_BASE) -kernel $(B)/minios.elf -drive file=$(B)/disk.img,format=raw,if=ide,index=0

test: all iso
	$(PYTHON) tests/run_tests.py

# make fuzz: 10 million random hypercalls from a privileged guest (FUZZ_SEED, FUZZ_COUNT);
# FUZZ_STRETCH=1 runs them under -icount with the lab's plugin and prints the longest
# single hypervisor entry among them, in instructions.
fuzz: all
	$(PYTHON) tests/fuzz_tests.py --seed $(or $(FUZZ_SEED),1) --count $(or $(FUZZ_COUNT),10000000) \
	    $(if $(FUZZ_STRETCH),--stretch)

bench: all
	$(PYTHON) tests/bench.py
	$(PYTHON) tests/fs_bench.py
	$(PYTHON) tests/blk_bench.py
	$(PYTHON) tests/dbench_bench.py
	$(PYTHON) tests/scale_bench.py $(or $(SCALE_DOMAINS),1000)

bench-scale: all
	$(PYTHON) tests/scale_bench.py $(or $(SCALE_DOMAINS),1000)

deps:
	@scripts/ensure-deps.sh

format:
	@scripts/ensure-deps.sh clang-format
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)

.PHONY: all run run-native gdb gdb-attach iso run-iso test fuzz bench bench-scale deps format clean minios test-guests tests-build

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)
