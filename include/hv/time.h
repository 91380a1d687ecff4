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
void fire_timers(uint64_t now); /* hv/timer.c: due VIRQ_TIMERs, poll timeouts */
extern uint64_t tsc_hz;
extern uint64_t jiffies;

#endif
