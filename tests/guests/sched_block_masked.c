/*
 * sched_block_masked - pvlab's masked block (SCHEDOP_pvlab_block_masked), the
 * wait minios's kernel uses for every event (events.c: wait_for_events()):
 * the vCPU sleeps with its events masked, an event wakes it all the same, and
 * the hypervisor makes no upcall on the way out (the guest dispatches the port
 * itself); an event made pending just before the block is not lost (the
 * block returns at once); and the plain SCHEDOP_block still unmasks events.
 *
 * Nothing else wakes the vCPU: the periodic timer is stopped, so only the
 * one-shots set here raise an event (for the event that comes before the
 * block, the guest spins with events masked until the one-shot's is pending).  An event pending
 * before the block and lost by it cannot be caught by a later one (a vCPU with an upcall already
 * pending is not woken again: hv/event_channel.c sets the selector bit once),
 * so that failure is a guest that never gives its verdict, which the runner
 * reports.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] = "a masked SCHEDOP block wakes on an event, makes no upcall, loses none";

static long block_masked(void)
{
    return HYPERVISOR_sched_op(SCHEDOP_pvlab_block_masked, NULL);
}

static uint8_t upcall_mask(void)
{
    return HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask;
}

static uint8_t upcall_pending(void)
{
    return HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_pending;
}

/* The timer's one-shot wakes a masked block, which returns masked, with no upcall made. */
static void timer_wakes_a_masked_block(void)
{
    local_events_disable();
    do_hypervisor_callback(); /* whatever came before: only the timer's event may be pending */
    uint32_t ticks = timer_ticks;
    uint64_t upcalls = read_counters().upcalls;
    uint64_t t0 = monotonic_ns();
    expect_rc(HYPERVISOR_set_timer_op(t0 + 5000000), 0, "set_timer_op");
    expect_rc(block_masked(), 0, "the masked block");
    uint64_t waited = monotonic_ns() - t0;
    if (waited < 5000000 || waited > 500000000)
        xtf_failure("the masked block returned after %u us, expected ~5000 (the timer's event)",
                    (uint32_t)(waited / 1000));
    if (!upcall_mask())
        xtf_failure("the masked block unmasked events");
    if (!upcall_pending())
        xtf_failure("the masked block returned with no event pending");
    if (timer_ticks != ticks || read_counters().upcalls != upcalls)
        xtf_failure("the hypervisor made an upcall although events were masked");
    do_hypervisor_callback(); /* the guest's own dispatch, as wait_for_events() does */
    if (timer_ticks == ticks)
        xtf_failure("the timer's port was not pending after the masked block");
    local_events_enable();
}

/* Events masked: a one-shot 1 ms away, then spin until its event is pending (no upcall). */
static int make_timer_event_pending(void)
{
    uint64_t t0 = monotonic_ns();
    if (HYPERVISOR_set_timer_op(t0 + 1000000))
        return -1;
    while (!upcall_pending())
        if (monotonic_ns() - t0 > 1000000000ull)
            return -1;
    return 0;
}

/* An event that arrived just before the block, with events masked: the block must not sleep. */
static void pending_event_is_not_lost(void)
{
    uint32_t ticks = timer_ticks;
    local_events_disable();
    if (make_timer_event_pending())
        return xtf_error("the one-shot timer raised no event within a second");
    expect_rc(block_masked(), 0, "the masked block with an event pending"); /* returns at once */
    if (timer_ticks != ticks)
        xtf_failure("the timer's event was delivered as an upcall while masked");
    do_hypervisor_callback();
    if (timer_ticks != ticks + 1)
        xtf_failure("the timer's event was not pending after the masked block");
    local_events_enable();
}

/* SCHEDOP_block keeps Xen's meaning: it enables events, and the event comes as an upcall. */
static void plain_block_unmasks(void)
{
    uint32_t ticks = timer_ticks;
    local_events_disable();
    if (make_timer_event_pending())
        return xtf_error("the one-shot timer raised no event within a second");
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_block, NULL), 0, "SCHEDOP_block with an event pending");
    if (upcall_mask())
        xtf_failure("SCHEDOP_block left events masked");
    if (timer_ticks != ticks + 1)
        xtf_failure("SCHEDOP_block's pending event came as no upcall (%u)", timer_ticks - ticks);
}

void test_main(void)
{
    expect_rc(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop periodic timer");
    timer_wakes_a_masked_block();
    pending_event_is_not_lost();
    plain_block_unmasks();
    struct vcpu_set_periodic_timer ten = {10000000};
    expect_rc(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &ten), 0, "periodic timer");
}
