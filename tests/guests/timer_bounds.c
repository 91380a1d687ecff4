/*
 * timer_bounds - timers and scheduler operations at their bounds (the class
 * of XSA-20/XSA-21's timer bugs and of interrupt storms a guest could ask
 * for): a periodic timer of 0 ns, 1 ns and 2^63 ns, a one-shot timer in the
 * past and at the end of time, vCPUs that do not exist, unknown vcpu_op and
 * sched_op commands, a poll on ports past the table.  The bad ones are
 * refused; the ones that are merely extreme must not flood the guest: a 1 ns
 * period still delivers at most one tick per hypervisor tick.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/vcpu.h>

const char test_title[] =
    "timer periods, deadlines, vCPU ids and sched_op commands at their bounds (XSA-20/21 class)";

static long periodic(uint64_t ns)
{
    struct vcpu_set_periodic_timer t = {.period_ns = ns};
    return HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &t);
}

void test_main(void)
{
    struct vcpu_set_periodic_timer t = {.period_ns = 10000000};
    expect_refused(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 1, &t), "a timer for vCPU 1");
    expect_refused(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, -1, &t), "a timer for vCPU -1");
    expect_refused(HYPERVISOR_vcpu_op(99, 0, &t), "an unknown vcpu_op");
    long rc = periodic(0);
    if (rc != -XEN_EINVAL && rc != 0)
        xtf_failure("a 0 ns period returned %ld", rc);

    /* 1 ns: accepted or refused, but never more than one tick per millisecond. */
    uint32_t before = timer_ticks;
    uint64_t t0 = monotonic_ns();
    if (periodic(1) == 0) {
        while (monotonic_ns() - t0 < 50000000ull) /* 50 ms */
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        uint32_t got = timer_ticks - before;
        if (got > 60)
            xtf_failure("a 1 ns period delivered %u ticks in 50 ms", got);
    }
    rc = periodic(1ull << 63);
    if (rc != -XEN_EINVAL && rc != 0)
        xtf_failure("a 2^63 ns period returned %ld", rc);
    expect_rc(periodic(10000000), 0, "back to a 10 ms period");

    expect_rc(HYPERVISOR_set_timer_op(1), 0, "a one-shot timer long past");
    expect_rc(HYPERVISOR_set_timer_op(~0ull), 0, "a one-shot timer at the end of time");
    expect_rc(HYPERVISOR_set_timer_op(0), 0, "cancelling it");

    expect_rc(HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS, "an unknown sched_op");
    uint32_t ports[2] = {2000, 0xFFFFFFFF};
    struct sched_poll p = {.ports = (uint32_t)ports, .nr_ports = 2, .timeout = 1};
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &p), -XEN_EINVAL, "a poll on ports past the table");
    struct sched_shutdown s = {99};
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_shutdown, &s), -XEN_EINVAL, "an unknown shutdown reason");
}
