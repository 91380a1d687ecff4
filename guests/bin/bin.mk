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
UBIN_ELFS   := $(patsubst %,$(B)/$(UBIN_DIR)/%.elf,$(UBIN_PROGS))
ULIBC_OBJS  := $(patsubst %,$(B)/%.o,$(basename $(wildcard $(ULIBC_DIR)/*.c $(ULIBC_DIR)/*.S))) \
               $(B)/lib/string.o $(B)/lib/vsnprintf.o
BIN_BOOTFS_FILES := $(foreach p,$(UBIN_PROGS),/bin/$(p)=$(B)/$(UBIN_DIR)/$(p).elf)

$(patsubst %,$(B)/%.o,$(basename $(wildcard $(ULIBC_DIR)/*.c $(UBIN_DIR)/*.c))): \
    CFLAGS += -I$(ULIBC_DIR)/include

$(UBIN_ELFS): $(B)/$(UBIN_DIR)/%.elf: $(B)/$(UBIN_DIR)/%.o $(ULIBC_OBJS) $(ULIBC_DIR)/user.lds
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -S -T $(ULIBC_DIR)/user.lds -o $@ $(filter %.o,$^) $(LIBGCC)

# xl shares xm-lite's looking commands with the kernel (tools/xm-lite/xm_query.c).
$(B)/$(UBIN_DIR)/xl.o: CFLAGS += -Itools/xm-lite
$(B)/$(UBIN_DIR)/xl.elf: $(B)/tools/xm-lite/xm_query.o

$(B)/bin.cpio: $(UBIN_ELFS) scripts/mkbootfs.py
	@echo "  CPIO    $@"
	$(Q)$(PYTHON) scripts/mkbootfs.py $@ $(BIN_BOOTFS_FILES)

$(B)/$(MINIOS_DIR)/proc/initfs.o: $(B)/bin.cpio
$(B)/$(MINIOS_DIR)/proc/initfs.o: ASFLAGS += -DINITFS='"$(B)/bin.cpio"'
