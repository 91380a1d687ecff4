/*
 * sched.h - the scheduler (hv/sched.c).  Its hypercall is in hv/hypercall.h.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <stdint.h>
#include <hv/domain.h>

void sched_init(void);
int sched_add_vcpu(struct vcpu *v); /* 0, or -XEN_ENOMEM: no room for its timers */
void sched_remove_vcpu(struct vcpu *v);
/* Make v, blocked, runnable.  v in %eax: an event's sender (hv/event_channel.c: set_pending())
 * has it there, and passing it on the stack cost the sender a frame.  The sender has looked at
 * v's state already (a runnable peer is the common case), so it calls this; others call: */
void __attribute__((regparm(1))) vcpu_wake_blocked(struct vcpu *v);

/* Make v runnable if it is blocked; a runnable or down vCPU stays as it is. */
static inline void vcpu_wake(struct vcpu *v)
{
    if (v->state == VCPU_blocked)
        vcpu_wake_blocked(v);
}
void __attribute__((regparm(1))) vcpu_block(struct vcpu *v); /* sleep until an event (v in %eax) */
void vcpu_update_state(struct vcpu *v); /* recompute runnable/down from the domain's state */
uint64_t sched_cpu_time_ns(const struct vcpu *v); /* CPU time it has had */
/* A copy of a domain's counters, its wake waits (kept in TSC ticks) made ns for the reader. */
void sched_wake_wait_ns(struct pvlab_counters *c);
void sched_tick(void);     /* from the timer interrupt */
void sched_trace(int on);  /* record every switch in the trace (hv/trace.c) */
void raise_schedule(void); /* reschedule on the next exit to a guest */
void idle_loop(void) __attribute__((noreturn));
void start_scheduler(void) __attribute__((noreturn));

/* For the exit path (hv/exit.c): a switch was asked for; make it. */
extern int need_resched;
void schedule(void);

#endif
