# guests.mk - build the hostile-guest tests (included from the top-level
# Makefile).  Each tests/guests/NAME.c is linked with minios's core and the
# XTF-style framework (xtf.c) into build/tests/guests/NAME.elf.

TEST_GUEST_DIR  := tests/guests
TEST_GUEST_SRCS := $(filter-out $(TEST_GUEST_DIR)/xtf.c,$(wildcard $(TEST_GUEST_DIR)/*.c))
TEST_GUESTS     := $(patsubst $(TEST_GUEST_DIR)/%.c,$(B)/$(TEST_GUEST_DIR)/%.elf,$(TEST_GUEST_SRCS)) \
                   $(B)/$(TEST_GUEST_DIR)/crash_first.elf
# Guests run as domUs by xm-lite: their kernels and configs go in the boot archive.
DOMU_TESTS      := $(patsubst $(TEST_GUEST_DIR)/%.c,%,$(wildcard $(TEST_GUEST_DIR)/domu_*.c)) crash_first

# Kernels made of one assembly file.
$(B)/$(TEST_GUEST_DIR)/%.elf: $(TEST_GUEST_DIR)/%.S $(MINIOS_LDS) | deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) -c $< -o $(B)/$(TEST_GUEST_DIR)/$*.o
	$(Q)$(LD) $(LDFLAGS) -T $(MINIOS_LDS) -o $@ $(B)/$(TEST_GUEST_DIR)/$*.o

# One config per domU test: /etc/xm/tests/NAME.cfg runs /boot/tests/NAME.elf.
$(B)/etc/tests/%.cfg:
	@mkdir -p $(dir $@)
	$(Q)printf 'kernel = "/boot/tests/%s.elf"\nname = "%s"\nmemory = %s\nextra = "%s"\non_crash = "%s"\n' \
	    $* $* $(if $(filter domu_tiny,$*),1,16) $* $(if $(filter crash_first,$*),preserve,destroy) > $@
# Broken configs and a kernel that is not PV, for xm-lite's error messages.
BAD_CONFIGS     := $(wildcard $(TEST_GUEST_DIR)/configs/*.cfg)
DOMU_TEST_FILES := $(foreach t,$(DOMU_TESTS),/boot/tests/$(t).elf=$(B)/$(TEST_GUEST_DIR)/$(t).elf \
                     /etc/xm/tests/$(t).cfg=$(B)/etc/tests/$(t).cfg) \
                   $(foreach c,$(BAD_CONFIGS),/etc/xm/tests/$(notdir $(c))=$(c)) \
                   /boot/tests/notpv.elf=$(B)/$(TEST_GUEST_DIR)/notpv.elf
DOMU_TEST_DEPS  := $(foreach t,$(DOMU_TESTS),$(B)/$(TEST_GUEST_DIR)/$(t).elf $(B)/etc/tests/$(t).cfg) \
                   $(BAD_CONFIGS) $(B)/$(TEST_GUEST_DIR)/notpv.elf

$(B)/$(TEST_GUEST_DIR)/%.o: $(TEST_GUEST_DIR)/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(MINIOS_CFLAGS) -c $< -o $@

$(B)/$(TEST_GUEST_DIR)/%.elf: $(B)/$(TEST_GUEST_DIR)/%.o $(B)/$(TEST_GUEST_DIR)/xtf.o $(MINIOS_CORE) $(MINIOS_LDS)
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -T $(MINIOS_LDS) -o $@ $< $(B)/$(TEST_GUEST_DIR)/xtf.o $(MINIOS_CORE) $(LIBGCC)

test-guests: $(TEST_GUESTS)
.SECONDARY:
