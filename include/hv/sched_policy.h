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

void sched_charge(struct vcpu *v, uint64_t now);
uint64_t sched_floor(struct vcpu *runq, uint64_t floor);
void sched_place(struct vcpu *v, uint64_t floor, uint64_t lag);
struct vcpu *sched_pick(struct vcpu *runq, struct vcpu *prev, uint64_t *floor);
int sched_preempts(const struct vcpu *next, const struct vcpu *cur);
int sched_slice_over(struct vcpu *runq, const struct vcpu *cur, uint64_t ran);

#endif
