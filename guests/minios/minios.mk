# minios.mk - build minios (included from the top-level Makefile).
#
# MINIOS_CORE is the kernel every guest built from minios shares: start of day, traps, events,
# memory, grants, the xenstore client, console, time.  minios.elf adds MINIOS_OS, the operating
# system on top of it: its own start of day (app_main), the block drivers, processes and file
# systems, and the kernel's benchmarks; each test guest in tests/guests adds its own app_main
# instead.

MINIOS_DIR   := guests/minios
MINIOS_CFLAGS := $(CFLAGS) -I$(MINIOS_DIR)/include
MINIOS_OS    := $(MINIOS_DIR)/startup.c $(MINIOS_DIR)/bench.c $(MINIOS_DIR)/bench_scripts.c \
                $(MINIOS_DIR)/blkdev.c $(MINIOS_DIR)/ide.c $(MINIOS_DIR)/blkback.c \
                $(MINIOS_DIR)/blkif_check.c $(MINIOS_DIR)/blkfront.c \
                $(MINIOS_DIR)/ramdisk.c $(MINIOS_DIR)/simg.c
MINIOS_OS    += $(wildcard $(MINIOS_DIR)/proc/*.c $(MINIOS_DIR)/proc/*.S) # processes
# dom0's services, in the same kernel (they run only in dom0): the xenstore, the console
# service, and the boot-archive reader the VFS mounts.  xm-lite itself is a program (bin.mk).
TOOLS_SRCS   := $(wildcard tools/console/*.c tools/xenstore/*.c) tools/xm-lite/bootfs.c
TOOLS_CFLAGS := $(CFLAGS) -I$(MINIOS_DIR)/include -Itools/xm-lite -Itools/xenstore -Itools/console
MINIOS_CORE_SRCS := $(filter-out $(MINIOS_OS),$(wildcard $(MINIOS_DIR)/*.c $(MINIOS_DIR)/*.S))
MINIOS_CORE_SRCS += $(wildcard $(MINIOS_DIR)/fs/*.c) # ext2 and its buffer cache (also host-tested)
# the operations table's two sides (include/machine.h): hypercalls, and the bare machine
MINIOS_CORE_SRCS += $(wildcard $(MINIOS_DIR)/arch/pv/*.c $(MINIOS_DIR)/arch/native/*.c \
                               $(MINIOS_DIR)/arch/native/*.S)
MINIOS_CORE  := $(patsubst %,$(B)/%.o,$(basename $(MINIOS_CORE_SRCS))) $(LIB_OBJS)
MINIOS_OS_OBJS := $(patsubst %,$(B)/%.o,$(basename $(MINIOS_OS) $(TOOLS_SRCS))) $(B)/hv/elf.o
MINIOS_LDS   := $(MINIOS_DIR)/minios.lds

$(B)/$(MINIOS_DIR)/%.o: $(MINIOS_DIR)/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(MINIOS_CFLAGS) -Itools/xm-lite -Itools/xenstore -Itools/console -c $< -o $@

$(B)/tools/%.o: tools/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(TOOLS_CFLAGS) -c $< -o $@

$(B)/$(MINIOS_DIR)/%.o: $(MINIOS_DIR)/%.S | deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) -I$(MINIOS_DIR)/include -c $< -o $@

$(B)/minios.elf: $(MINIOS_CORE) $(MINIOS_OS_OBJS) $(MINIOS_LDS)
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -T $(MINIOS_LDS) -o $@ $(MINIOS_CORE) $(MINIOS_OS_OBJS) $(LIBGCC)
	@# Debug information goes to minios.debug (gdb finds it through the debuglink), as a
	@# distribution's kernels ship it apart: it was half the image every domU build copies twice.
	$(Q)objcopy --only-keep-debug $@ $(B)/minios.debug
	$(Q)objcopy --strip-debug --add-gnu-debuglink=$(B)/minios.debug $@

minios: $(B)/minios.elf
