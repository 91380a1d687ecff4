# guests.mk - build the hostile-guest tests (included from the top-level
# Makefile).  Each tests/guests/NAME.c is linked with minios's core and the
# XTF-style framework (xtf.c) into build/tests/guests/NAME.elf.

TEST_GUEST_DIR  := tests/guests
TEST_GUEST_SRCS := $(filter-out $(TEST_GUEST_DIR)/xtf.c,$(wildcard $(TEST_GUEST_DIR)/*.c))
TEST_GUESTS     := $(patsubst $(TEST_GUEST_DIR)/%.c,$(B)/$(TEST_GUEST_DIR)/%.elf,$(TEST_GUEST_SRCS))

$(B)/$(TEST_GUEST_DIR)/%.o: $(TEST_GUEST_DIR)/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(MINIOS_CFLAGS) -c $< -o $@

$(B)/$(TEST_GUEST_DIR)/%.elf: $(B)/$(TEST_GUEST_DIR)/%.o $(B)/$(TEST_GUEST_DIR)/xtf.o $(MINIOS_CORE) $(MINIOS_LDS)
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -T $(MINIOS_LDS) -o $@ $< $(B)/$(TEST_GUEST_DIR)/xtf.o $(MINIOS_CORE) $(LIBGCC)

test-guests: $(TEST_GUESTS)
.SECONDARY:
