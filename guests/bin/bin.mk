# bin.mk - the user-space C library (guests/libc) and the programs
# (guests/bin), included from the top-level Makefile.
#
# Programs are freestanding -m32 ELF executables linked at 0x08048000 by
# guests/libc/user.lds against the library: crt0, the system-call stubs,
# stdio and malloc, plus lib/'s string functions and vsnprintf.  They go into
# the boot archive under /bin, and into build/bin.cpio, which minios carries
# inside itself (proc/initfs.S) for domains that get no boot archive.

ULIBC_DIR   := guests/libc
UBIN_DIR    := guests/bin
UBIN_PROGS  := $(basename $(notdir $(wildcard $(UBIN_DIR)/*.c)))
UBIN_PROG_ELFS := $(patsubst %,$(B)/$(UBIN_DIR)/%.elf,$(UBIN_PROGS))
UBIN_ELFS   := $(UBIN_PROG_ELFS)
ULIBC_OBJS  := $(patsubst %,$(B)/%.o,$(basename $(wildcard $(ULIBC_DIR)/*.c $(ULIBC_DIR)/*.S))) \
               $(B)/lib/string.o $(B)/lib/vsnprintf.o
# xm-lite, dom0's toolstack, is a program too (tools/xm-lite): its parser and its looking
# commands, and hv/elf.c's checks of a kernel image, linked into it.
XM_ELF      := $(B)/tools/xm-lite/xm-lite.elf
XM_QUERY_OBJS := $(B)/tools/xm-lite/xm_query.o $(B)/tools/xm-lite/xm_privcmd.o
XM_PARTS    := $(patsubst %,$(B)/tools/xm-lite/%.o,xm xm_create xm_domain xm_store xm_bench xm_trace \
                                                    xm_monitor)
XM_OBJS     := $(XM_PARTS) $(XM_QUERY_OBJS) $(B)/tools/xm-lite/xmconfig.o \
               $(B)/hv/elf.o
UBIN_ELFS   += $(XM_ELF)
BIN_BOOTFS_FILES := $(foreach p,$(UBIN_PROGS),/bin/$(p)=$(B)/$(UBIN_DIR)/$(p).elf) \
                    /bin/xm-lite=$(XM_ELF)

$(patsubst %,$(B)/%.o,$(basename $(wildcard $(ULIBC_DIR)/*.c $(UBIN_DIR)/*.c))): \
    CFLAGS += -I$(ULIBC_DIR)/include

$(UBIN_PROG_ELFS): $(B)/$(UBIN_DIR)/%.elf: $(B)/$(UBIN_DIR)/%.o $(ULIBC_OBJS) $(ULIBC_DIR)/user.lds
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -S -T $(ULIBC_DIR)/user.lds -o $@ $(filter %.o,$^) $(LIBGCC)

$(XM_PARTS) $(B)/tools/xm-lite/xm_privcmd.o: \
    TOOLS_CFLAGS := $(CFLAGS) -I$(ULIBC_DIR)/include -Itools/xm-lite
$(XM_ELF): $(XM_OBJS) $(ULIBC_OBJS) $(ULIBC_DIR)/user.lds
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -S -T $(ULIBC_DIR)/user.lds -o $@ $(filter %.o,$^) $(LIBGCC)

# xl shares xm-lite's looking commands (tools/xm-lite/xm_query.c).
$(B)/$(UBIN_DIR)/xl.o: CFLAGS += -Itools/xm-lite
$(B)/$(UBIN_DIR)/xl.elf: $(XM_QUERY_OBJS)

$(B)/bin.cpio: $(UBIN_ELFS) scripts/mkbootfs.py
	@echo "  CPIO    $@"
	$(Q)$(PYTHON) scripts/mkbootfs.py $@ $(BIN_BOOTFS_FILES)

$(B)/$(MINIOS_DIR)/proc/initfs.o: $(B)/bin.cpio
$(B)/$(MINIOS_DIR)/proc/initfs.o: ASFLAGS += -DINITFS='"$(B)/bin.cpio"'
