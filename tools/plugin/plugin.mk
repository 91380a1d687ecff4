# plugin.mk - the lab's QEMU TCG plugin and the kernels that test it (included
# from the top-level Makefile).
#
#   build/plugins/pvlab-cache.so          the plugin: a host shared object that
#                                         qemu-system-i386 dlopen()s (no glib,
#                                         no QEMU headers: qemu_plugin_api.h)
#   build/tests/instrument/native_haps.elf
#                                         a tiny native multiboot kernel whose
#                                         marker windows hold known counts of
#                                         haps and a known memory pattern
#   make run PLUGIN=cache [PLUGIN_ARGS=sizes=16K:64K,assoc=2] [PLUGIN_LOG=file]
#   make bench-plugin                     the plugin's figures (tests/bench_plugin.py)
#
# docs/instruments.md tells how to use the plugin by hand.

PLUGIN_DIR    := tools/plugin
PLUGIN_SO     := $(B)/plugins/pvlab-cache.so
PLUGIN_OBJS   := $(patsubst $(PLUGIN_DIR)/%.c,$(B)/plugins/%.o, \
                   $(PLUGIN_DIR)/pvlab_cache.c $(PLUGIN_DIR)/cachesim.c $(PLUGIN_DIR)/x86_haps.c)
PLUGIN_CFLAGS := -O2 -g -std=gnu11 -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
                 -Wno-unused-parameter -MMD -MP

all: $(PLUGIN_SO) $(B)/tests/instrument/native_haps.elf

$(PLUGIN_OBJS): $(B)/plugins/%.o: $(PLUGIN_DIR)/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -c $< -o $@

$(PLUGIN_SO): $(PLUGIN_OBJS)
	@echo "  HOSTLD  $@"
	$(Q)$(CC) -shared -o $@ $^

# The native test kernel: linked at 0xC0100000, loaded at 1 MiB.
$(B)/tests/instrument/native_haps.elf: tests/instrument/native_haps.S tests/instrument/native.lds | deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) -c $< -o $(B)/tests/instrument/native_haps.o
	$(Q)$(LD) $(LDFLAGS) -T tests/instrument/native.lds -o $@ $(B)/tests/instrument/native_haps.o

# make run PLUGIN=cache: QEMU's log (-d plugin) goes to stderr unless PLUGIN_LOG names a file.
comma := ,
PLUGIN_QEMU_ARGS = $(if $(PLUGIN),-plugin $(B)/plugins/pvlab-$(PLUGIN).so$(if $(PLUGIN_ARGS),$(comma)$(PLUGIN_ARGS)) \
                   -d plugin $(if $(PLUGIN_LOG),-D $(PLUGIN_LOG)))

bench-plugin: all
	$(PYTHON) tests/bench_plugin.py

.PHONY: bench-plugin
