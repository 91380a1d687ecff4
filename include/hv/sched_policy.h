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
struct vcpu *sched_pick(struct vcpu *runq, struct vcpu *prev, uint64_t *floor);
int sched_slice_over(struct vcpu *runq, const struct vcpu *cur, uint64_t ran);

/* Charge `v` for the time since it was last charged: CPU time, and vt by weight. */
static inline void sched_charge(struct vcpu *v, uint64_t now)
{
    uint64_t ran = now - v->last_charge;
    v->last_charge = now;
    v->cpu_time += ran;
    if (v->weight == SCHED_WEIGHT_DEFAULT || v->weight == 0)
        v->vt += ran; /* the common case, without a 64-bit division */
    else
        v->vt += ran * SCHED_WEIGHT_DEFAULT / v->weight;
}

/* A vCPU (re)joins the runnable ones: it may be at most `lag` behind the floor. */
static inline void sched_place(struct vcpu *v, uint64_t floor, uint64_t lag)
{
    uint64_t lowest = floor > lag ? floor - lag : 0;
    if (v->vt < lowest)
        v->vt = lowest;
}

/* Should `next` take the CPU from `cur` before cur's slice is over? */
static inline int sched_preempts(const struct vcpu *next, const struct vcpu *cur)
{
    return next->vt + sched_tun.margin < cur->vt;
}

#endif
