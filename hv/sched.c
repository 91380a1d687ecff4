/*
 * sched.c - switching vCPUs.
 *
 * The hypervisor never switches vCPUs in the middle of its own work.  Anything
 * that wants a different vCPU to run (a timer tick that ends a 10 ms slice, a
 * vCPU that blocks, an event that wakes one) calls raise_schedule(); the switch
 * happens in schedule(), called by leave_hypervisor() (hv/exit.c) on the way
 * out to the guest, where the outgoing vCPU's registers are simply the frame
 * at the top of the stack.
 * When nothing is runnable the CPU runs idle_loop(): it scrubs free frames
 * (hv/frame_alloc.c) while there are dirty ones, a batch at a time, and then
 * halts until an interrupt makes a vCPU runnable.
 *
 * *Which* vCPU runs is hv/sched_policy.c's business (virtual time, as Xen
 * 2.0's BVT): this file charges the running vCPU, asks the policy, and
 * switches.  The policy looks only at the run queue, which holds the
 * runnable vCPUs: a vCPU joins it when it wakes or its domain is unpaused and
 * leaves it when it blocks or goes down.  The two switches of an event round
 * trip between domains need no walk of it (sched_pick_quick()): the vCPU a
 * blocking one leaves alone on it, and the vCPU vcpu_wake() already judged
 * far enough behind the running one to take the CPU, when those two are all
 * that can run.  It also measures each domain's wake
 * latency - from an event waking a blocked vCPU to that vCPU running - which
 * the tests bound.
 * What guests ask of the scheduler (sched_op: yield, block, poll, shutdown)
 * is hv/sched_op.c; the timers that wake them, hv/timer.c.
 *
 * Tour 14/37 - after arch/x86/pit.c, before hv/sched_policy.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <hv/arch.h>
#include <hv/config.h>
#include <hv/fpu.h>
#include <hv/initial_domain.h>
#include <hv/sched.h>
#include <hv/sched_policy.h>
#include <hv/time.h>
#include <hv/trace.h>
#include <hv/x86.h>

struct vcpu idle_vcpu;
struct vcpu *current = &idle_vcpu;
/* The runnable vCPUs, in the order they became runnable: a switch looks only at these, where it
 * used to look at every vCPU (a thousand tiny domUs are blocked nearly all the time). */
static struct vcpu *runq, **runq_end = &runq; /* the head, and the link after the last */
static uint32_t runq_len;                     /* how many are on it: the quick pick's cases */
int need_resched;
static uint64_t slice_start; /* when current was picked */
static uint64_t vt_floor;    /* the smallest vt of the runnable vCPUs, never decreasing */
static struct vcpu *woken;   /* woken since the last switch, judged to preempt current, queued */
/* The initial domain is down (shut down or crashed): no vCPU may run, the idle loop must, to
 * reap it, which ends the machine or the chain step.  Set where its vCPU goes down, cleared
 * once reaped, so that a switch tests one word rather than follow initial_domain. */
static int initial_domain_down;

/*
 * The scheduler's clock is the raw TSC: one instruction to read, where NOW()
 * would scale it to ns on every wake and switch.  Its lengths are converted
 * once, here; cpu_time is converted when someone asks (sched_cpu_time_ns()).
 */
static inline uint64_t sched_clock(void)
{
    return rdtsc();
}

void sched_init(void)
{
    current = &idle_vcpu;
    sched_tun.slice = tsc_hz * SCHED_SLICE_MS / 1000;
    sched_tun.lag = tsc_hz * (SCHED_WAKE_LAG_NS / 1000) / 1000000;
    sched_tun.margin = tsc_hz * (SCHED_PREEMPT_MARGIN_NS / 1000) / 1000000;
}

uint64_t sched_cpu_time_ns(const struct vcpu *v)
{
    return tsc_ticks_to_ns(v->cpu_time);
}

void sched_wake_wait_ns(struct pvlab_counters *c)
{
    c->wake_wait_total = tsc_ticks_to_ns(c->wake_wait_total);
    c->wake_wait_max = tsc_ticks_to_ns(c->wake_wait_max);
}

/*
 * v became runnable: it joins the run queue at the end.  A vCPU is on the queue exactly while it
 * is runnable (sched_pick_quick() relies on it): v->state becomes VCPU_runnable only from
 * another state and together with a runq_add(), so v is never on the queue already, and stops
 * being VCPU_runnable only together with a runq_del() (here, vcpu_block() and
 * vcpu_update_state(); a new vCPU starts down, hv/domain.c).
 */
static void runq_add(struct vcpu *v)
{
    v->on_runq = 1;
    runq_len++;
    v->next_in_runq = NULL;
    v->pprev_in_runq = runq_end;
    *runq_end = v;
    runq_end = &v->next_in_runq;
}

/* v, on the run queue, blocked or went down: it leaves the queue, linked both ways so that no
 * walk finds it (a block is one of every event round trip between domains).  Each vCPU knows
 * the link that points at it, so neither end needs a test of its own. */
static void runq_del(struct vcpu *v)
{
    struct vcpu *after = v->next_in_runq;
    *v->pprev_in_runq = after;
    if (after)
        after->pprev_in_runq = v->pprev_in_runq;
    else
        runq_end = v->pprev_in_runq;
    v->on_runq = 0;
    runq_len--;
}

static uint32_t nr_vcpus; /* the timer heap has room for them all */

int sched_add_vcpu(struct vcpu *v)
{
    if (timer_reserve(nr_vcpus + 1))
        return -XEN_ENOMEM;
    nr_vcpus++;
    v->weight = SCHED_WEIGHT_DEFAULT;
    v->vt = vt_floor; /* a new vCPU starts level with the others, not ahead or behind */
    if (v->state == VCPU_runnable)
        runq_add(v);
    timer_update(v);
    return 0;
}

void sched_remove_vcpu(struct vcpu *v)
{
    if (v->on_runq)
        runq_del(v);
    if (woken == v)
        woken = NULL;
    timer_forget(v);
    timer_reserve(--nr_vcpus); /* gives pages back */
}

void raise_schedule(void)
{
    need_resched = 1;
}

void vcpu_update_state(struct vcpu *v)
{
    if (v->domain->state != DOM_running) {
        if (v->on_runq)
            runq_del(v);
        v->state = VCPU_down;
        if (woken == v) /* a preempter is on the run queue (sched_pick_quick()) */
            woken = NULL;
        if (v->domain == initial_domain && v->domain->state >= DOM_shutdown)
            initial_domain_down = 1;
    } else if (v->state == VCPU_down) {
        v->state = VCPU_runnable;
        sched_place(v, vt_floor, 0); /* paused time earns no credit */
        runq_add(v);
    }
    timer_update(v); /* a vCPU that is down has no timer armed */
    raise_schedule();
}

/* `v` became runnable at `now`: take the CPU now if the policy says it is far enough behind
 * (and tell schedule() whom it judged, so that the switch need not judge again). */
static void maybe_preempt(struct vcpu *v, uint64_t now)
{
    if (is_idle_vcpu(current)) {
        raise_schedule();
        return;
    }
    sched_charge(current, now);
    if (sched_preempts(v, current)) {
        woken = v;
        raise_schedule();
    }
}

void __attribute__((regparm(1))) vcpu_wake_blocked(struct vcpu *v)
{
    v->state = VCPU_runnable;
    v->poll_nr = 0;
    runq_add(v);
    sched_place(v, vt_floor, sched_tun.lag);
    uint64_t now = sched_clock();
    v->woken_at = now;
    v->domain->counters.wakeups++;
    trace(TRC_WAKE, v->domain->domain_id, 0);
    maybe_preempt(v, now);
}

/* v is the running vCPU, so it is on the run queue: a vCPU that stops being runnable is switched
 * away on the way out of the same entry, before it can ask for anything more. */
void __attribute__((regparm(1))) vcpu_block(struct vcpu *v)
{
    v->state = VCPU_blocked;
    runq_del(v);
    trace(TRC_BLOCK, v->domain->domain_id, 0);
    raise_schedule();
}

/* The vCPU the policy would run after `prev` (NULL from the idle loop), or NULL for idle: what
 * the tick and the idle loop ask (a switch asks choose_next()). */
static inline __attribute__((always_inline)) struct vcpu *pick_next(struct vcpu *prev)
{
    if (initial_domain_down)
        return NULL; /* the idle loop must run now */
    struct vcpu *v = sched_pick_quick(runq, runq_len, prev, NULL, &vt_floor);
    return v ? v : sched_pick(runq, prev && prev->on_runq ? prev : NULL, &vt_floor);
}

/* Account a wake-to-run delay to the woken vCPU's domain, in TSC ticks until someone asks
 * (sched_wake_wait_ns()): a conversion at every switch would cost more than the rest. */
static void note_wake_latency(struct vcpu *v, uint64_t now)
{
    if (!v->woken_at)
        return;
    uint64_t waited = now - v->woken_at;
    v->woken_at = 0;
    v->domain->counters.wake_wait_total += waited;
    if (waited > v->domain->counters.wake_wait_max)
        v->domain->counters.wake_wait_max = waited;
}

/* The trace's records of a switch (and of next's CR3 load), out of line and tested once: their
 * domain ids are read only while it runs. */
static __attribute__((cold, noinline)) void trace_switch(struct vcpu *prev, struct vcpu *next)
{
    trace(TRC_SWITCH, is_idle_vcpu(prev) ? TRC_IDLE_DOMAIN : prev->domain->domain_id,
          is_idle_vcpu(next) ? TRC_IDLE_DOMAIN : next->domain->domain_id);
    if (!is_idle_vcpu(next))
        trace(TRC_CR3, next->domain->domain_id, next->cr3_mfn);
}

/* While the trace runs, a switch to a vCPU loads its page tables here: the loads, then their
 * records (current is still the vCPU left). */
static void __attribute__((regparm(1))) load_guest_pagetable_traced(struct vcpu *next)
{
    load_guest_pagetable(next);
    trace_switch(current, next);
}

/* How a switch loads next's page tables: swapping the pointer (sched_trace()) rather than
 * testing trace_on at every switch keeps the trace's cost there at zero while it is off, as at
 * the entries (arch/x86/traps.c: entry_handler): an indirect call is one instruction, as a
 * direct one is. */
static void(__attribute__((regparm(1))) * switch_pagetable)(struct vcpu *) = load_guest_pagetable;

void sched_trace(int on)
{
    switch_pagetable = on ? load_guest_pagetable_traced : load_guest_pagetable;
}

static void context_switch(struct vcpu *prev, struct vcpu *next, uint64_t now)
{
    slice_start = now;
    if (is_idle_vcpu(next)) {
        current = next;
        if (__builtin_expect(trace_on, 0))
            trace_switch(prev, next);
        load_idle_pagetable(); /* and entry.S's frame page: prev's may be freed while idle runs */
        reset_stack_and_jump(idle_loop);
    }
    next->last_charge = now;
    note_wake_latency(next, now);
    switch_pagetable(next); /* its frame page and windows too: the frame is next's from here */
    current = next;         /* only now: the traced loader records prev as current */
    desc_load_ring1(next->kernel_ss, next->kernel_sp, next->syscall_gate);
    fpu_switch_to(&next->fpu);
    current_counters->cr3_loads++; /* next's, through the window just mapped */
}

/* Keep `prev` rather than switch to `next`?  Only if its slice is not over.  (The idle vCPU is
 * never on the run queue, so it is never kept.) */
static int keep_running(struct vcpu *prev, struct vcpu *next, uint64_t now)
{
    return next && next != prev && prev->on_runq && !prev->yielded && !sched_preempts(next, prev) &&
           !sched_slice_over(runq, prev, now - slice_start);
}

/*
 * Charge prev, and choose the vCPU to run after it (NULL: idle).  A vCPU that vcpu_wake() judged
 * to preempt prev has had prev charged just then (maybe_preempt()), in this same entry, so prev
 * is not charged again: the instructions from that wake to here (the rest of one entry) are
 * charged to no vCPU.  Nor is the idle vCPU charged: it has no time of its own to keep.
 * The preempter was judged after that charge, and prev has run no guest instruction since (current
 * changes only here), so nothing can have undone the judgment and sched_pick_quick() takes it
 * without comparing again: it is still on the run queue (only the running vCPU blocks; one that
 * goes down or away stops being the preempter: vcpu_update_state(), sched_remove_vcpu()); its vt
 * has not moved (only the running vCPU is charged, only a vCPU becoming runnable is placed); prev's
 * can only have grown; and it has not yielded (only the running vCPU yields, and every switch
 * clears it). Another wake since lengthens the queue past the pair, and prev's block or going down
 * takes prev off it: either way the walk decides.  When the quick pick answers, keep_running()
 * could only say no (a lone runnable vCPU is prev itself or prev cannot run; a preempter preempts),
 * so it is asked only after the walk.
 */
static struct vcpu *choose_next(struct vcpu *prev, uint64_t now)
{
    struct vcpu *preempter = woken;
    if (preempter)
        woken = NULL;
    else if (!is_idle_vcpu(prev))
        sched_charge(prev, now); /* here, where GCC knows woken was NULL: one test of it */
    if (initial_domain_down)
        return NULL; /* the idle loop must run now */
    struct vcpu *next = sched_pick_quick(runq, runq_len, prev, preempter, &vt_floor);
    if (next)
        return next;
    next = sched_pick(runq, prev->on_runq ? prev : NULL, &vt_floor);
    return keep_running(prev, next, now) ? prev : next;
}

/* Switch to the vCPU choose_next() chooses, unless it is prev (from leave_hypervisor()). */
void schedule(void)
{
    need_resched = 0;
    uint64_t now = sched_clock();
    struct vcpu *prev = current;
    struct vcpu *next = choose_next(prev, now);
    prev->yielded = 0;
    if (!next)
        next = &idle_vcpu;
    if (next != prev)
        context_switch(prev, next, now);
}

/* From the timer interrupt: charge the running vCPU and end its slice if it is over. */
void sched_tick(void)
{
    if (is_idle_vcpu(current))
        return;
    uint64_t now = sched_clock();
    sched_charge(current, now);
    struct vcpu *next = pick_next(current);
    if (next && next != current &&
        (sched_preempts(next, current) || sched_slice_over(runq, current, now - slice_start)))
        raise_schedule();
}

void idle_loop(void)
{
    for (;;) {
        local_irq_disable();
        reap_initial_domain(); /* the machine may end here; if not, no initial domain is down */
        initial_domain_down = 0;
        if (pick_next(NULL)) {
            schedule();
            return_to_guest();
        }
        if (scrub_free_frames(SCRUB_IDLE_BATCH)) {
            local_irq_enable(); /* an interrupt waiting since the batch began comes in here */
            continue;
        }
        safe_halt();
    }
}

void start_scheduler(void)
{
    reset_stack_and_jump(idle_loop);
}
