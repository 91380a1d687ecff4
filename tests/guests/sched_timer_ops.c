/*
 * sched_timer_ops - yield returns; the periodic timer can be stopped and a
 * one-shot set_timer_op deadline then wakes a blocked vCPU through
 * VIRQ_TIMER; SCHEDOP_poll returns when its deadline passes, and at once if a
 * polled port is already pending; vcpu_op restarts the periodic timer.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] =
    "sched_op yield/block/poll, set_timer_op and the periodic timer work (XSA-20/21 class)";

void test_main(void)
{
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0, "yield");
    expect_rc(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop periodic timer");

    /* One-shot: 5 ms from now, then block until the tick arrives. */
    uint32_t ticks = timer_ticks;
    uint64_t t0 = monotonic_ns();
    expect_rc(HYPERVISOR_set_timer_op(t0 + 5000000), 0, "set_timer_op");
    block_until(&timer_ticks, ticks);
    uint64_t waited = monotonic_ns() - t0;
    if (waited < 5000000 || waited > 50000000)
        xtf_failure("the one-shot timer woke us after %u us, expected ~5000",
                    (uint32_t)(waited / 1000));
    /* No periodic ticks now: 30 ms of polling sees no timer event. */
    ticks = timer_ticks;
    evtchn_port_t port = timer_port;
    struct sched_poll p = {(uint32_t)&port, 1, monotonic_ns() + 30000000};
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &p), 0, "poll with a deadline");
    if (monotonic_ns() < p.timeout)
        xtf_failure("poll returned before its deadline with nothing pending");
    if (timer_ticks != ticks)
        xtf_failure("timer events arrived with the periodic timer stopped");

    /* Poll on a port that is already pending returns at once. */
    mask_evtchn(port);
    expect_rc(HYPERVISOR_set_timer_op(monotonic_ns() + 1000000), 0, "set_timer_op");
    struct sched_poll p2 = {(uint32_t)&port, 1, monotonic_ns() + 1000000000ull};
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &p2), 0, "poll until the timer port is pending");
    if (monotonic_ns() > p2.timeout)
        xtf_failure("poll waited for its deadline although the port became pending");
    unmask_evtchn(port);

    /* Bad arguments. */
    struct sched_poll bad = {(uint32_t)&port, 1000, 0};
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &bad), -XEN_EINVAL, "poll on 1000 ports");
    struct vcpu_set_periodic_timer tiny = {1000};
    expect_rc(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &tiny), -XEN_EINVAL,
              "a 1 us periodic timer");
    expect_rc(HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS, "sched_op 99");

    /* The periodic timer comes back at 10 ms. */
    struct vcpu_set_periodic_timer ten = {10000000};
    expect_rc(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &ten), 0, "periodic timer");
    ticks = timer_ticks;
    t0 = monotonic_ns();
    while (timer_ticks - ticks < 5)
        block_until(&timer_ticks, timer_ticks);
    waited = monotonic_ns() - t0;
    if (waited < 40000000 || waited > 100000000)
        xtf_failure("5 periodic ticks took %u us, expected ~50000", (uint32_t)(waited / 1000));
}
