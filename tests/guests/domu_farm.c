/*
 * domu_farm - a domU that tries to farm the scheduler's wake-up priority.
 *
 * A scheduler that boosts every vCPU woken from a block can be gamed: compute
 * for a little under a tick, arm a timer that is already due, block, and be
 * woken - and boosted ahead of everyone - at the very next tick.  This guest
 * does exactly that, forever.  The test runs it beside an honest spinner and
 * checks that it gets no more than its share (hv/sched_policy.c caps what a
 * wake can bring back), and that dom0 still answers.
 */
#include "xtf.h"

const char test_title[] = "a domU that arms due timers and blocks cannot take more than its share";

void test_main(void)
{
    printf("XTF: %s: farming now\n", start_info.cmd_line);
    for (;;) {
        uint64_t start = monotonic_ns();
        while (monotonic_ns() - start < 900000) /* 0.9 ms of work */
            ;
        HYPERVISOR_set_timer_op(monotonic_ns()); /* due at once: wakes at the next tick */
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
}
