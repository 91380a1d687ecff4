# fuzz.mk - the host fuzz targets of tests/fuzz/ (included from tests/tests.mk).
#
# Each target (tests/fuzz/fuzz_NAME.c) is linked with the parser it feeds,
# compiled for the 64-bit host as tests/unit/unit.mk compiles it, two ways:
#   build/fuzz/libfuzzer/NAME  clang -fsanitize=fuzzer,address,undefined, for
#                              `make fuzz-host` (scripts/ensure-deps.sh installs
#                              clang and libFuzzer's runtime on first use);
#   build/fuzz/replay/NAME     gcc's ASan+UBSan with replay.c, for `make test`
#                              (tests/corpus_tests.py), which needs no clang.
# Seeds live in tests/fuzz/corpus/NAME/ (tests/fuzz/make_seeds.py writes
# them).  `make fuzz-host` runs every target for FUZZ_HOST_SECONDS (default
# 60) from a copy of its seeds in build/fuzz/corpus/NAME, and prints each
# target's executions, exec/s and coverage (tests/fuzz/run_fuzzers.py); a
# crash leaves its input in build/fuzz/crashes/.

FUZZ_DIR      := $(B)/fuzz
FUZZ_TARGETS  := elf multiboot bootfs xmconfig blkif xenstore ext2 elf_prog simg
FUZZ_CFLAGS   := -O1 -g -std=gnu11 -Wall -Wextra -Werror -DHOST_TEST -Iinclude -Itests/fuzz \
                 -fno-omit-frame-pointer
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_HOST_SECONDS ?= 60
# lib.h declares strtoul as the freestanding lib/ defines it (const char **end).
FUZZ_CLANG_NOWARN := -Wno-incompatible-library-redeclaration

# The code each target feeds, and where its headers are.
FUZZ_SRCS_elf       := hv/elf.c
FUZZ_SRCS_multiboot := hv/multiboot.c
FUZZ_SRCS_bootfs    := tools/xm-lite/bootfs.c
FUZZ_SRCS_xmconfig  := tools/xm-lite/xmconfig.c
FUZZ_SRCS_blkif     := guests/minios/blkif_check.c
FUZZ_SRCS_xenstore  := tools/xenstore/xs_store.c
FUZZ_SRCS_ext2      := $(wildcard guests/minios/fs/*.c)
FUZZ_SRCS_elf_prog  := guests/minios/proc/elf_prog.c
FUZZ_SRCS_simg      := guests/minios/simg.c
FUZZ_INC := -Itools/xm-lite -Itools/xenstore -Iguests/minios/include
FUZZ_HDRS := $(wildcard tests/fuzz/*.h include/*.h include/*/*.h include/public/*/*.h \
                        tools/xm-lite/*.h tools/xenstore/*.h guests/minios/include/*.h \
                        guests/minios/fs/*.h)

FUZZ_REPLAY_BINS := $(patsubst %,$(FUZZ_DIR)/replay/%,$(FUZZ_TARGETS))
FUZZ_LF_BINS     := $(patsubst %,$(FUZZ_DIR)/libfuzzer/%,$(FUZZ_TARGETS))

# One replay and one libFuzzer binary per target.
define FUZZ_RULES
$(FUZZ_DIR)/replay/$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/replay.c $(FUZZ_SRCS_$(1)) \
                         $(FUZZ_HDRS) | deps
	@mkdir -p $$(dir $$@)
	@echo "  FUZZ    $$@ (replay, gcc ASan+UBSan)"
	$$(Q)$$(UNIT_CC) $$(FUZZ_CFLAGS) $$(FUZZ_SAN) $$(FUZZ_INC) -o $$@ $$(filter %.c,$$^)

$(FUZZ_DIR)/libfuzzer/$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(FUZZ_HDRS) | fuzz-deps
	@mkdir -p $$(dir $$@)
	@echo "  FUZZ    $$@ (libFuzzer, clang)"
	$$(Q)clang $$(FUZZ_CFLAGS) $$(FUZZ_CLANG_NOWARN) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    $$(FUZZ_INC) -o $$@ $$(filter %.c,$$^)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULES,$(t))))

fuzz-deps:
	@scripts/ensure-deps.sh clang libclang-rt-dev

fuzz-replay-build: $(FUZZ_REPLAY_BINS)

fuzz-host: $(FUZZ_LF_BINS)
	$(PYTHON) tests/fuzz/run_fuzzers.py --seconds $(FUZZ_HOST_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz-deps fuzz-replay-build fuzz-host
