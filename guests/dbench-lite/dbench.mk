# dbench.mk - dbench-lite, pvlab's own dbench (guests/dbench-lite), included
# from the top-level Makefile.
#
#   build/host/dbench-lite    the Linux build: the portable core plus host.c
#   build/guests/dbench-lite/dbench.elf
#                             the minios build: the core plus minios.c
#                             over guests/libc, linked at
#                             0x08048000 like the programs of guests/bin,
#                             installed as /bin/dbench in the boot archive and
#                             in build/bin.cpio (the programs a domU carries
#                             inside minios)
#
# The core (loadfile.c exec.c client.c report.c dbench.c) is plain C over
# struct dbl_os (dbench.h); only host.c knows Linux and only minios.c knows
# minios.  The unit tests compile the same core again (tests/unit/unit.mk).
# docs/dbench.md tells how to run it.

DBL_DIR       := guests/dbench-lite
DBL_CORE      := loadfile exec client report dbench
DBL_HOST      := $(B)/host/dbench-lite
DBL_HOST_OBJS := $(patsubst %,$(B)/host/dbench-lite-obj/%.o,$(DBL_CORE) host)
DBL_HOST_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP

all: $(DBL_HOST)

$(DBL_HOST_OBJS): $(B)/host/dbench-lite-obj/%.o: $(DBL_DIR)/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) $(DBL_HOST_CFLAGS) -c $< -o $@

$(DBL_HOST): $(DBL_HOST_OBJS)
	@echo "  HOSTLD  $@"
	$(Q)$(CC) -o $@ $^

# The minios build: compiled freestanding like guests/bin (bin.mk), with
# dbench.h including ulib.h, and /lab/client.txt as the default loadfile.
DBL_MINIOS      := $(B)/$(DBL_DIR)/dbench.elf
DBL_MINIOS_OBJS := $(patsubst %,$(B)/$(DBL_DIR)/%.o,$(DBL_CORE) minios)

$(DBL_MINIOS_OBJS): CFLAGS += -DDBL_MINIOS -I$(ULIBC_DIR)/include \
                              -DDBL_DEFAULT_LOADFILE='"/lab/client.txt"'

$(DBL_MINIOS): $(DBL_MINIOS_OBJS) $(ULIBC_OBJS) $(ULIBC_DIR)/user.lds
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -S -T $(ULIBC_DIR)/user.lds -o $@ $(filter %.o,$^) $(LIBGCC)

BIN_BOOTFS_FILES += /bin/dbench=$(DBL_MINIOS)
$(B)/bin.cpio $(B)/bootfs.cpio: $(DBL_MINIOS)

# The tests' loadfiles, beside the program in both archives (a domU has no
# other file until its ext2 disk is mounted): load.txt is genload.py's body
# twice, bench.txt the same without its Sleep (make bench's loadfile,
# tests/dbench_bench.py), timed.txt the fixed-work pass (genload.py --timed,
# one pass per client with -t 2), many.txt a fixed-work pass holding 24 files
# open (with -t 4: its body may take seconds on minios's disk), bad.txt a
# malformed line 2.
DBL_LOADS := $(patsubst %,$(B)/$(DBL_DIR)/%.txt,load bench timed many bad)

$(B)/$(DBL_DIR)/load.txt: $(DBL_DIR)/genload.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) $< --repeat 2 -o $@
$(B)/$(DBL_DIR)/bench.txt: $(DBL_DIR)/genload.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) $< --repeat 2 --no-sleep -o $@
$(B)/$(DBL_DIR)/timed.txt: $(DBL_DIR)/genload.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) $< --timed 1.5 3.5 -o $@
$(B)/$(DBL_DIR)/many.txt: $(DBL_DIR)/genload.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) $< --open-files 24 --timed 1.5 9.5 -o $@
$(B)/$(DBL_DIR)/bad.txt:
	@mkdir -p $(dir $@)
	$(Q)printf 'Mkdir "\\clients" NT_STATUS_OK\nClose 12x NT_STATUS_OK\n' >$@

BIN_BOOTFS_FILES += $(foreach f,$(DBL_LOADS),/etc/dbench/$(notdir $(f))=$(f))
$(B)/bin.cpio $(B)/bootfs.cpio: $(DBL_LOADS)
# Named by `all` too: under tests/guests/guests.mk's .SECONDARY, a file that
# is missing would not be made for an archive already newer than the rest.
all: $(DBL_MINIOS) $(DBL_LOADS)
