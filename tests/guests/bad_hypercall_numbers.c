/*
 * bad_hypercall_numbers - hypercall numbers the hypervisor does not implement
 * (unassigned, out of the table, huge, "negative") must return -ENOSYS, and
 * each must be counted against this domain.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] = "unknown hypercall numbers return -ENOSYS and are counted";

static const uint32_t numbers[] = {2,  6,  7,  13,  16,   19,         21,         22,
                                   23, 25, 27, 28,  30,   31,         34,         37,
                                   63, 64, 65, 130, 1000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};

void test_main(void)
{
    struct pvlab_counters before = read_counters();
    for (unsigned int i = 0; i < ARRAY_SIZE(numbers); i++) {
        char what[40];
        snprintf(what, sizeof(what), "hypercall %u", numbers[i]);
        expect_rc(hypercall5(numbers[i], 1, 2, 3, 4, 5), -XEN_ENOSYS, what);
    }
    struct pvlab_counters after = read_counters();
    uint64_t refused = after.hypercall_errors - before.hypercall_errors;
    if (refused != ARRAY_SIZE(numbers))
        xtf_failure("%u refusals counted, expected %u", (uint32_t)refused,
                    (uint32_t)ARRAY_SIZE(numbers));
}
