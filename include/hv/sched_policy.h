/*
 * sched_policy.h - which vCPU runs next (hv/sched_policy.c).  Pure logic over
 * the run queue, with time passed in, so it is unit-tested on the host.
 */
#ifndef HV_SCHED_POLICY_H
#define HV_SCHED_POLICY_H

#include <stdint.h>
#include <hv/config.h>
#include <hv/domain.h>

void sched_charge(struct vcpu *v, uint64_t now);
uint64_t sched_floor(struct vcpu *runq, uint64_t floor);
void sched_place(struct vcpu *v, uint64_t floor, uint64_t lag);
struct vcpu *sched_pick(struct vcpu *runq, struct vcpu *prev);
int sched_preempts(const struct vcpu *next, const struct vcpu *cur);
int sched_slice_over(struct vcpu *runq, const struct vcpu *cur, uint64_t ran);

#endif
