/*
 * domu_tiny - the smallest useful domU: 1 MiB, no disk, and quiet.  The scale
 * tests (tests/scale_tests.py, tests/scale_bench.py) start hundreds of these
 * at once.  It says it is up, stops the 100 Hz tick every minios starts with
 * (a thousand domains ticking would be a hundred thousand wake-ups a second
 * of nothing), and then wakes once a second of its own clock to do a little
 * work: enough for `xm-lite sched` to show that every domain gets the CPU,
 * little enough that dom0 still answers its prompt beside a thousand of them.
 */
#include "xtf.h"
#include <public/vcpu.h>

const char test_title[] = "a 1 MiB domU that wakes once a second";

#define WAKE_PERIOD_NS 1000000000ull

void test_main(void)
{
    expect_rc(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop_periodic_timer");
    printf("XTF: %s: up, %u pages\n", start_info.cmd_line, start_info.nr_pages);
    for (uint64_t next = monotonic_ns();;) {
        next += WAKE_PERIOD_NS;
        HYPERVISOR_set_timer_op(next);
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
}
