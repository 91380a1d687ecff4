/*
 * fuzz.h - what every host fuzz target in tests/fuzz/ shares.
 *
 * A target is one C file that feeds untrusted bytes to one of pvlab's parsers
 * (the same source files the guests and the hypervisor are built from,
 * compiled for the host as in tests/unit/unit.mk) through libFuzzer's entry
 * point, LLVMFuzzerTestOneInput().  Besides letting AddressSanitizer and
 * UndefinedBehaviorSanitizer watch every access, a target checks what the
 * parser promises about what it accepted (a segment inside the file, a
 * string that ends, a sector inside the disk) with FUZZ_CHECK, which aborts
 * with the broken promise: a parser that says yes to something it should
 * have refused is a crash too.
 *
 * The same file links two ways (tests/fuzz/fuzz.mk): with clang's libFuzzer
 * for `make fuzz-host`, and with replay.c and gcc's sanitizers for `make
 * test`, which runs every file of the target's seed corpus once.
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, what)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz check failed: %s (%s)\n", __FILE__, __LINE__, what,       \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
