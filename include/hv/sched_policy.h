/*
 * sched_policy.h - which vCPU runs next (hv/sched_policy.c).  Pure logic over
 * the run queue, with time passed in, so it is unit-tested on the host.
 */
#ifndef HV_SCHED_POLICY_H
#define HV_SCHED_POLICY_H

#include <stdint.h>
#include <hv/config.h>
#include <hv/domain.h>

struct sched_tunables {
    uint64_t slice;  /* a CPU-bound vCPU's turn */
    uint64_t lag;    /* the most credit a waking vCPU brings back */
    uint64_t margin; /* how far behind a waking vCPU must be to preempt */
};
extern struct sched_tunables sched_tun;

uint64_t sched_floor(struct vcpu *runq, uint64_t floor);
void sched_charge_weighted(struct vcpu *v, uint64_t ran);
struct vcpu *sched_pick(struct vcpu *runq, struct vcpu *prev, uint64_t *floor);
int sched_slice_over(struct vcpu *runq, const struct vcpu *cur, uint64_t ran);

/* Charge `v` for the time since it was last charged: CPU time, and vt by weight.  A weight
 * other than the default takes a 64-bit division, out of line, so that the common charge keeps
 * nothing in memory for it (each switch between domains charges once, each wake judged once). */
static inline void sched_charge(struct vcpu *v, uint64_t now)
{
    uint64_t ran = now - v->last_charge;
    v->last_charge = now;
    v->cpu_time += ran;
    if (__builtin_expect(v->weight == SCHED_WEIGHT_DEFAULT || v->weight == 0, 1))
        v->vt += ran;
    else
        sched_charge_weighted(v, ran);
}

/* A vCPU (re)joins the runnable ones: it may be at most `lag` behind the floor.  (A floor below
 * the lag leaves every vt as it is; the subtraction's borrow tells, with no compare before it.) */
static inline void sched_place(struct vcpu *v, uint64_t floor, uint64_t lag)
{
    uint64_t lowest = floor - lag;
    if (lowest <= floor && v->vt < lowest)
        v->vt = lowest;
}

/* Should `next` take the CPU from `cur` before cur's slice is over? */
static inline int sched_preempts(const struct vcpu *next, const struct vcpu *cur)
{
    return next->vt + sched_tun.margin < cur->vt;
}

/* `pick` is picked: the floor rises to its vt if that is higher (sched_pick()'s floor). */
static inline struct vcpu *sched_raise_floor(struct vcpu *pick, uint64_t *floor)
{
    if (pick->vt > *floor)
        *floor = pick->vt;
    return pick;
}

/*
 * The pick when it is known without a walk, else NULL (then sched_pick() looks).  `queued` is
 * how many vCPUs are on the run queue, and every one of them is runnable (hv/sched.c keeps
 * both true: a vCPU joins the queue as it becomes runnable and leaves it as it stops being
 * so).  The same vCPU and floor as sched_pick() in two cases, the two switches of every event
 * round trip between domains:
 * - a lone vCPU on the queue is the pick;
 * - `woken`, unless NULL, is a vCPU vcpu_wake() judged to preempt `prev`: it is on the queue,
 *   is not prev, has not yielded (only the running vCPU can have), and is behind prev by more
 *   than the margin.  When prev is on the queue too and they are its only two, woken is the
 *   pick, whether prev yielded or not: the wake and the switch are one decision, made once.
 */
static inline struct vcpu *sched_pick_quick(struct vcpu *runq, uint32_t queued,
                                            const struct vcpu *prev, struct vcpu *woken,
                                            uint64_t *floor)
{
    if (woken && queued == 2 && prev->on_runq)
        return sched_raise_floor(woken, floor);
    if (queued == 1)
        return sched_raise_floor(runq, floor);
    return NULL;
}

#endif
