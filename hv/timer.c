/*
 * timer.c - the guests' timers: what each timer tick of hv/time.c fires.
 *
 * A vCPU has a one-shot timer it sets with set_timer_op (a deadline in system
 * time, 0 to cancel) and a periodic one (every 10 ms from its creation, until
 * it changes or stops it with vcpu_op); both raise VIRQ_TIMER when due.  A vCPU blocked in
 * SCHEDOP_poll with a deadline (hv/sched_op.c) is woken when the deadline passes.  The checks run
 * at each PIT tick, so a timer fires up to one tick (1/HZ) late, never early.
 *
 * Tour 16/37 - after hv/sched_policy.c, before hv/initial_domain.c.
 */
#include <lib.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/time.h>

long do_set_timer_op(uint32_t lo, uint32_t hi)
{
    current->timer_deadline = ((uint64_t)hi << 32) | lo;
    return 0;
}

/* From the timer interrupt: fire due timers, time out polls. */
void fire_timers(uint64_t now)
{
    for (struct vcpu *v = sched_runq(); v; v = v->next_in_runq) {
        if (v->state == VCPU_down)
            continue;
        if (v->timer_deadline && now >= v->timer_deadline) {
            v->timer_deadline = 0;
            send_guest_virq(v, VIRQ_TIMER);
        }
        if (v->periodic_period && now >= v->periodic_next) {
            v->periodic_next += v->periodic_period; /* stay on the grid: no drift */
            if (v->periodic_next <= now)
                v->periodic_next = now + v->periodic_period; /* we were late: skip ahead */
            send_guest_virq(v, VIRQ_TIMER);
        }
        if (v->state == VCPU_blocked && v->poll_nr && v->poll_deadline && now >= v->poll_deadline)
            vcpu_wake(v);
    }
}
