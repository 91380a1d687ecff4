/*
 * sched_policy.c - who runs next: borrowed virtual time, as in Xen 2.0.
 *
 * Every vCPU has a virtual time, vt: the CPU time it has had, divided by its
 * weight.  The runnable vCPU with the smallest vt runs next; equal vts take
 * turns in run-queue order, starting after the vCPU that ran last, so two
 * spinners alternate slice by slice whatever other vCPUs do meanwhile.
 *
 * A vCPU that sleeps does not gain vt, so it comes back "behind" the others
 * and runs first: that is how an interactive dom0 answers at once while domUs
 * spin.  But the credit a sleeper can bring back is capped: on waking, its vt
 * is raised to at least (floor - lag), where floor is the smallest vt of the
 * vCPUs that kept running.  So a guest that arms an already-due timer and
 * blocks, again and again, wakes with the vt it had and gains nothing, and a
 * long sleeper gets at most `lag` of CPU ahead of the others.  Without this
 * cap, Xen's credit scheduler BOOST could be farmed exactly that way.
 *
 * A running vCPU keeps the CPU for its slice unless another vCPU is behind it
 * by more than a margin (a woken dom0 is), so slices are not cut into
 * thrashing pieces.  The slice is measured from when the vCPU was picked and
 * is never restarted by switches of other vCPUs.
 *
 * Everything here is arithmetic on the run queue with the time passed in:
 * hv/sched.c does the switching, tests/unit/test_sched_policy.c the checking.
 * The three rules a switch between domains applies every time (charge,
 * place, preempt) are inline in hv/sched_policy.h: a call with 64-bit
 * arguments costs more than each of them.
 *
 * Tour 15/37 - after hv/sched.c, before hv/timer.c.
 */
#include <stddef.h>
#include <hv/sched_policy.h>

/* Lengths in the scheduler's clock (hv/sched.c: TSC ticks; the host tests: ns). */
struct sched_tunables sched_tun = {
    .slice = SCHED_SLICE_MS * 1000000ull,
    .lag = SCHED_WAKE_LAG_NS,
    .margin = SCHED_PREEMPT_MARGIN_NS,
};

/* sched_charge()'s vt for a weight other than the default: ran scaled by weight. */
__attribute__((cold)) void sched_charge_weighted(struct vcpu *v, uint64_t ran)
{
    v->vt += ran * SCHED_WEIGHT_DEFAULT / v->weight;
}

/* The smallest vt of the runnable vCPUs, never less than the previous floor. */
uint64_t sched_floor(struct vcpu *runq, uint64_t floor)
{
    uint64_t min = UINT64_MAX;
    for (struct vcpu *v = runq; v; v = v->next_in_runq)
        if (v->state == VCPU_runnable && v->vt < min)
            min = v->vt;
    return min != UINT64_MAX && min > floor ? min : floor;
}

/*
 * The runnable vCPU with the smallest vt, looking in run-queue order from the
 * one after `prev` (which must be on the queue, or NULL) so that ties take
 * turns.  A vCPU that yielded is picked only when nothing else can run.
 * NULL: nothing is runnable.  *floor is raised to the smallest runnable vt on
 * the way, so the caller needs no second pass (see sched_floor()).
 */
struct vcpu *sched_pick(struct vcpu *runq, struct vcpu *prev, uint64_t *floor)
{
    struct vcpu *start = prev && prev->next_in_runq ? prev->next_in_runq : runq;
    struct vcpu *best = NULL, *yielder = NULL, *v = start;
    uint64_t min = UINT64_MAX;
    if (!v)
        return NULL;
    do {
        if (v->state == VCPU_runnable) {
            if (v->vt < min)
                min = v->vt;
            if (v->yielded)
                yielder = yielder ? yielder : v;
            else if (!best || v->vt < best->vt)
                best = v;
        }
        v = v->next_in_runq ? v->next_in_runq : runq;
    } while (v != start);
    if (floor && min != UINT64_MAX && min > *floor)
        *floor = min;
    return best ? best : yielder;
}

/* `cur` has run `ran` since it was picked: is its slice over, with another to run? */
int sched_slice_over(struct vcpu *runq, const struct vcpu *cur, uint64_t ran)
{
    if (ran < sched_tun.slice)
        return 0;
    for (struct vcpu *v = runq; v; v = v->next_in_runq)
        if (v != cur && v->state == VCPU_runnable && v->vt <= cur->vt)
            return 1;
    return 0;
}
