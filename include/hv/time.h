/*
 * time.h - system time (nanoseconds since boot, from the TSC: hv/time.c) and
 * the timers that raise VIRQ_TIMER (hv/timer.c).
 */
#ifndef HV_TIME_H
#define HV_TIME_H

#include <stdint.h>

struct vcpu;
struct vcpu_time_info;

void time_init(void);
uint64_t NOW(void);
uint64_t tsc_ticks_to_ns(uint64_t ticks); /* a TSC interval in ns */
void time_fill_vcpu_info(struct vcpu_time_info *t);
void timer_interrupt(void);
/* hv/timer.c: the vCPUs' timers, in a heap ordered by their earliest deadline */
void fire_timers(uint64_t now);    /* due VIRQ_TIMERs, poll timeouts */
int timer_reserve(uint32_t vcpus); /* room in the heap for this many vCPUs: 0 or -XEN_ENOMEM */
void timer_update(struct vcpu *v); /* after any of v's deadlines or its state changed */
void timer_forget(struct vcpu *v); /* v is going away */
extern uint64_t tsc_hz;
extern uint64_t jiffies;

#endif
