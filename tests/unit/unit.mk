# unit.mk - host unit tests for the hypervisor's pure logic (included from
# tests/tests.mk).
#
# The parsers and validation rules in hv/ (and the toolstack's parsers in
# tools/xm-lite/) reach memory only through small interfaces, so they are
# compiled a second time for the 64-bit host (without -m32, and without lib/,
# whose helpers the host libc provides) and linked with cmocka and a fake of
# whatever they need.  Host objects live under build/tests/unit/, apart from
# the freestanding objects in build/hv/.
# Each binary runs one cmocka group and exits non-zero if any test fails;
# `make unit-tests` builds and runs them all.

UNIT_DIR    := $(B)/tests/unit
UNIT_CC     := gcc
UNIT_CFLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror -DHOST_TEST -Iinclude -Itests/unit -MMD -MP
UNIT_LDLIBS := -lcmocka

# `make test-asan` builds everything again under build/asan/ with AddressSanitizer and
# UndefinedBehaviorSanitizer, any finding fatal, by running this file with
# UNIT_DIR=$(B)/asan UNIT_SANITIZE=1 (tests/sanitizer_tests.py runs each binary).
UNIT_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifdef UNIT_SANITIZE
UNIT_CFLAGS  += $(UNIT_SAN_FLAGS)
UNIT_LDFLAGS += $(UNIT_SAN_FLAGS)
endif

UNIT_TESTS := $(UNIT_DIR)/test_multiboot $(UNIT_DIR)/test_elf $(UNIT_DIR)/test_mm \
              $(UNIT_DIR)/test_guest_access $(UNIT_DIR)/test_xmconfig $(UNIT_DIR)/test_bootfs
UNIT_TESTS += $(UNIT_DIR)/test_xs_store
UNIT_TESTS += $(UNIT_DIR)/test_ring $(UNIT_DIR)/test_evtchn $(UNIT_DIR)/test_grant
UNIT_TESTS += $(UNIT_DIR)/test_blkif $(UNIT_DIR)/test_simg
UNIT_TESTS += $(UNIT_DIR)/test_sched_policy $(UNIT_DIR)/test_io_decode
UNIT_TESTS += $(UNIT_DIR)/test_proc_table $(UNIT_DIR)/test_elf_prog $(UNIT_DIR)/test_uaccess
UNIT_TESTS += $(UNIT_DIR)/test_ext2 $(UNIT_DIR)/test_table $(UNIT_DIR)/test_grant_slots $(UNIT_DIR)/test_page_runs
UNIT_TESTS += $(UNIT_DIR)/test_io_pool
UNIT_TESTS += $(UNIT_DIR)/test_evtchn_dispatch $(UNIT_DIR)/test_minios_alloc
UNIT_FS_OBJS := $(patsubst %.c,$(UNIT_DIR)/%.o,$(wildcard guests/minios/fs/*.c))
UNIT_TESTS += $(UNIT_DIR)/test_cachesim $(UNIT_DIR)/test_x86_haps
UNIT_TESTS += $(patsubst %,$(UNIT_DIR)/test_dbench_%,parse exec report)
# (All of UNIT_TESTS before the unit-tests rule below: make expands a rule's prerequisites
# where it reads the rule, so a test added after it was run but never built.)

# Each binary: its test file, plus the hypervisor code under test and any fake it needs.
$(UNIT_DIR)/test_multiboot: $(UNIT_DIR)/test_multiboot.o $(UNIT_DIR)/hv/multiboot.o
$(UNIT_DIR)/test_elf: $(UNIT_DIR)/test_elf.o $(UNIT_DIR)/hv/elf.o
# test_mm's frame allocator is hv/frame_alloc.c compiled with a read of its private summary.
$(UNIT_DIR)/test_mm: $(UNIT_DIR)/test_mm.o $(UNIT_DIR)/hv/frame_table.o $(UNIT_DIR)/frame_alloc_view.o \
                     $(UNIT_DIR)/fake_machine.o
$(UNIT_DIR)/test_guest_access: $(UNIT_DIR)/test_guest_access.o
$(UNIT_DIR)/test_xmconfig: $(UNIT_DIR)/test_xmconfig.o $(UNIT_DIR)/tools/xm-lite/xmconfig.o
$(UNIT_DIR)/test_bootfs: $(UNIT_DIR)/test_bootfs.o $(UNIT_DIR)/tools/xm-lite/bootfs.o
$(UNIT_DIR)/test_xs_store: $(UNIT_DIR)/test_xs_store.o $(UNIT_DIR)/tools/xenstore/xs_store.o
$(UNIT_DIR)/test_ring: $(UNIT_DIR)/test_ring.o
$(UNIT_DIR)/test_evtchn: $(UNIT_DIR)/test_evtchn.o $(UNIT_DIR)/hv/event_channel.o \
                         $(UNIT_DIR)/hv/frame_alloc.o $(UNIT_DIR)/fake_domain.o $(UNIT_DIR)/fake_machine.o
$(UNIT_DIR)/test_grant: $(UNIT_DIR)/test_grant.o $(UNIT_DIR)/hv/grant_table.o $(UNIT_DIR)/hv/frame_table.o \
                        $(UNIT_DIR)/hv/frame_alloc.o $(UNIT_DIR)/fake_domain.o $(UNIT_DIR)/fake_machine.o
# The real frame allocator runs under the fakes' checks: frees reach the fakes first.
$(UNIT_DIR)/test_mm $(UNIT_DIR)/test_evtchn $(UNIT_DIR)/test_grant: \
    UNIT_LDFLAGS += -Wl,--wrap=free_frame -Wl,--wrap=free_xenheap_pages
$(UNIT_DIR)/test_blkif: $(UNIT_DIR)/test_blkif.o $(UNIT_DIR)/guests/minios/blkif_check.o
$(UNIT_DIR)/test_simg: $(UNIT_DIR)/test_simg.o $(UNIT_DIR)/guests/minios/simg.o
$(UNIT_DIR)/test_sched_policy: $(UNIT_DIR)/test_sched_policy.o $(UNIT_DIR)/hv/sched_policy.o
$(UNIT_DIR)/test_io_decode: $(UNIT_DIR)/test_io_decode.o $(UNIT_DIR)/arch/x86/io_decode.o
$(UNIT_DIR)/test_proc_table: $(UNIT_DIR)/test_proc_table.o $(UNIT_DIR)/guests/minios/proc/proc_table.o
$(UNIT_DIR)/test_elf_prog: $(UNIT_DIR)/test_elf_prog.o $(UNIT_DIR)/guests/minios/proc/elf_prog.o
$(UNIT_DIR)/test_uaccess: $(UNIT_DIR)/test_uaccess.o $(UNIT_DIR)/guests/minios/proc/uaccess.o
$(UNIT_DIR)/test_ext2: $(UNIT_DIR)/test_ext2.o $(UNIT_FS_OBJS)
$(UNIT_DIR)/test_table: $(UNIT_DIR)/test_table.o $(UNIT_DIR)/guests/minios/table.o
$(UNIT_DIR)/test_grant_slots: $(UNIT_DIR)/test_grant_slots.o
$(UNIT_DIR)/test_page_runs: $(UNIT_DIR)/test_page_runs.o
$(UNIT_DIR)/test_io_pool: $(UNIT_DIR)/test_io_pool.o
$(UNIT_DIR)/test_evtchn_dispatch: $(UNIT_DIR)/test_evtchn_dispatch.o
$(UNIT_DIR)/test_minios_alloc: $(UNIT_DIR)/test_minios_alloc.o
$(UNIT_DIR)/test_cachesim: $(UNIT_DIR)/test_cachesim.o $(UNIT_DIR)/tools/plugin/cachesim.o
$(UNIT_DIR)/test_x86_haps: $(UNIT_DIR)/test_x86_haps.o $(UNIT_DIR)/tools/plugin/x86_haps.o

$(UNIT_TESTS):
	@echo "  HOSTLD  $@"
	$(Q)$(UNIT_CC) $(UNIT_LDFLAGS) -o $@ $^ $(UNIT_LDLIBS)

UNIT_HV_OBJS   := $(UNIT_DIR)/hv/multiboot.o $(UNIT_DIR)/hv/elf.o $(UNIT_DIR)/hv/frame_table.o
UNIT_HV_OBJS   += $(UNIT_DIR)/hv/frame_alloc.o
UNIT_HV_OBJS   += $(UNIT_DIR)/hv/event_channel.o $(UNIT_DIR)/hv/grant_table.o
UNIT_HV_OBJS   += $(UNIT_DIR)/hv/sched_policy.o $(UNIT_DIR)/arch/x86/io_decode.o
UNIT_TOOL_OBJS := $(UNIT_DIR)/tools/xm-lite/xmconfig.o $(UNIT_DIR)/tools/xm-lite/bootfs.o
UNIT_TOOL_OBJS += $(UNIT_DIR)/tools/xenstore/xs_store.o $(UNIT_DIR)/guests/minios/blkif_check.o
UNIT_TOOL_OBJS += $(UNIT_DIR)/guests/minios/simg.o $(UNIT_DIR)/guests/minios/table.o
UNIT_PROC_OBJS := $(patsubst %,$(UNIT_DIR)/guests/minios/proc/%.o,proc_table elf_prog uaccess)
UNIT_TOOL_OBJS += $(UNIT_PROC_OBJS)
UNIT_TOOL_OBJS += $(UNIT_FS_OBJS)
UNIT_TOOL_OBJS += $(UNIT_DIR)/tools/plugin/cachesim.o $(UNIT_DIR)/tools/plugin/x86_haps.o
UNIT_TEST_OBJS := $(patsubst tests/unit/%.c,$(UNIT_DIR)/%.o,$(wildcard tests/unit/*.c))

# The toolstack's parsers include their own headers from tools/xm-lite/; so do their tests.
$(UNIT_DIR)/test_xmconfig.o $(UNIT_DIR)/test_bootfs.o: UNIT_CFLAGS += -Itools/xm-lite
$(UNIT_DIR)/test_xs_store.o: UNIT_CFLAGS += -Itools/xenstore
$(UNIT_DIR)/test_cachesim.o $(UNIT_DIR)/test_x86_haps.o: UNIT_CFLAGS += -Itools/plugin
$(UNIT_DIR)/test_blkif.o $(UNIT_DIR)/guests/minios/blkif_check.o: UNIT_CFLAGS += -Iguests/minios/include
$(UNIT_DIR)/test_simg.o $(UNIT_DIR)/guests/minios/simg.o: UNIT_CFLAGS += -Iguests/minios/include
$(UNIT_DIR)/test_grant_slots.o $(UNIT_DIR)/test_page_runs.o $(UNIT_DIR)/test_io_pool.o: UNIT_CFLAGS += -Iguests/minios/include
$(UNIT_DIR)/test_evtchn_dispatch.o: UNIT_CFLAGS += -Iguests/minios/include
# mm.c itself, over the fake os.h: its page-table half casts 32-bit addresses to pointers, which
# the 64-bit host warns of (that half is compiled, never called).
$(UNIT_DIR)/test_minios_alloc.o: UNIT_CFLAGS += -Itests/unit/fake_minios_mm -Iguests/minios/include \
    -Wno-int-to-pointer-cast -Wno-pointer-to-int-cast
$(UNIT_PROC_OBJS) $(patsubst %,$(UNIT_DIR)/test_%.o,proc_table elf_prog uaccess): \
    UNIT_CFLAGS += -Iguests/minios/include
# table.c needs only a page allocator from minios's os.h: the test's fake os.h comes first.
$(UNIT_DIR)/test_table.o $(UNIT_DIR)/guests/minios/table.o: \
    UNIT_CFLAGS += -Itests/unit/fake_os -Iguests/minios/include

# Event channels and grant tables copy through guest pointers, which
# include/hv/guest_access.h declares only for the real machine: their fake
# (fake_domain.h) is forced in.
$(UNIT_DIR)/hv/event_channel.o $(UNIT_DIR)/hv/grant_table.o: UNIT_CFLAGS += -include tests/unit/fake_domain.h

$(UNIT_HV_OBJS) $(UNIT_TOOL_OBJS): $(UNIT_DIR)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@

$(UNIT_TEST_OBJS): $(UNIT_DIR)/%.o: tests/unit/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@

unit-tests: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

.PHONY: unit-tests


# dbench-lite's portable core (guests/dbench-lite), with the fake OS of test_dbench_fake.c.
UNIT_DBL_OBJS := $(patsubst %,$(UNIT_DIR)/guests/dbench-lite/%.o,loadfile exec client report)
$(UNIT_DIR)/test_dbench_parse: $(UNIT_DIR)/test_dbench_parse.o $(UNIT_DIR)/test_dbench_fake.o $(UNIT_DBL_OBJS)
$(UNIT_DIR)/test_dbench_exec: $(UNIT_DIR)/test_dbench_exec.o $(UNIT_DIR)/test_dbench_fake.o $(UNIT_DBL_OBJS)
$(UNIT_DIR)/test_dbench_report: $(UNIT_DIR)/test_dbench_report.o $(UNIT_DBL_OBJS)
$(UNIT_DBL_OBJS) $(patsubst %,$(UNIT_DIR)/test_dbench_%.o,parse exec report fake): \
    UNIT_CFLAGS += -Iguests/dbench-lite -Wno-unused-parameter
$(UNIT_DBL_OBJS): $(UNIT_DIR)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@

# The same binaries under the sanitizers, in their own directory.
ASAN_DIR := $(B)/asan
asan-build:
	$(Q)$(MAKE) --no-print-directory UNIT_DIR=$(ASAN_DIR) UNIT_SANITIZE=1 unit-tests-build
unit-tests-build: $(UNIT_TESTS)
test-asan: asan-build
	@fail=0; for t in $(patsubst $(UNIT_DIR)/%,$(ASAN_DIR)/%,$(UNIT_TESTS)); do \
	    $$t >$$t.log 2>&1 && echo "  ASAN OK $$t" || { echo "  ASAN FAIL $$t (see $$t.log)"; fail=1; }; done; \
	exit $$fail

.PHONY: asan-build unit-tests-build test-asan
