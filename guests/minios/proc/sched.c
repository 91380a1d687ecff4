/*
 * sched.c - minios's process scheduler (not the hypervisor's: hv/sched.c
 * shares the CPU between domains, this shares a domain between processes).
 *
 * The scheduler is a loop on the boot stack, as in xv6: a process that
 * stops running (its slice ended, it sleeps, it exits) swtch()es back to
 * the loop, which runs dom0's services (console daemon, xenstore, domain
 * exits), the console's line discipline and the sleep timers, then picks
 * the next RUNNABLE process round-robin and switches to it.  Switching to a
 * process costs two hypercalls when it is not the one that ran last: one
 * stack_switch (where traps from its ring 3 land) and one validated CR3 load
 * (MMUEXT_NEW_BASEPTR).  Between processes the loop keeps whatever page
 * directory is loaded, since the kernel is mapped in all of them.
 *
 * Preemption happens on the way back to ring 3, as xv6's trap() calls
 * yield(), and never inside the kernel: an upcall that interrupts ring 1
 * only records its events.  Two ways lead back to ring 3:
 *   - an upcall that interrupted ring 3 ends in preempt(): if any event
 *     arrived since the process was switched in (the 100 Hz VIRQ_TIMER is
 *     one), it yields, so the loop runs the services at once;
 *   - a system call ends in preempt_after_syscall() (proc/syscall.c): if a
 *     timer tick arrived since the process was switched in and finds it
 *     past its slice (SLICE_NS of running), it yields.  Without this a
 *     process that lives in system calls (dbench's clients) is nearly
 *     always in ring 1 when the tick comes and would keep the CPU.  Only
 *     the tick counts here, so a disk completion does not cost a process
 *     switch after every read, and the slice spares a process that has just
 *     started (the shell, between spawn and waitpid).
 * swtch() is always called with events masked; whoever resumes restores
 * its own mask.
 *
 * Tour 31/58 - after proc/elf_prog.c, before proc/swtch.S.
 */
#include <os.h>
#include <control.h>
#include <proc.h>
#include <vfs.h>

/* The least a process runs before a timer tick ends its turn at a system call's return: with
 * 100 Hz ticks a turn then lasts 5-15 ms. */
#define SLICE_NS 5000000u

struct proc *current_proc;
uint32_t context_switches;
static uint32_t *scheduler_esp;
static int last_slot = -1;

/* With events masked: give the CPU back to the scheduler loop; returns when this process is
 * switched in again. */
void sched(void)
{
    struct proc *p = current_proc;
    swtch(&p->ctx_esp, scheduler_esp);
}

/* Let the other runnable processes run first; this one stays runnable. */
void yield(void)
{
    int old = local_events_disable();
    pt_set_state(&ptab, proc_slot(current_proc), PT_RUNNABLE);
    sched();
    local_events_restore(old);
}

/* Sleep until wakeup(chan), a kill, or (if wake_ns is set) the deadline. */
void sleep_on(void *chan)
{
    int old = local_events_disable();
    struct proc *p = current_proc;
    p->wait_chan = chan;
    pt_set_state(&ptab, proc_slot(p), PT_SLEEPING);
    sched();
    p->wait_chan = NULL;
    local_events_restore(old);
}

/* The lowest slot in set, which it leaves without; set must not be empty. */
static int take_lowest(uint32_t *set)
{
    int i = __builtin_ctz(*set);
    *set &= *set - 1;
    return i;
}

/* Make every process sleeping on chan runnable. */
void wakeup(void *chan)
{
    for (uint32_t set = ptab.sleeping; set;) {
        int i = take_lowest(&set);
        if (procs[i].wait_chan == chan)
            pt_set_state(&ptab, i, PT_RUNNABLE);
    }
}

/* nanosleep's deadlines: wake those whose time has come. */
static void wake_sleepers(void)
{
    uint64_t now = 0; /* read only if someone has a deadline: this runs after every event */
    for (uint32_t set = ptab.sleeping; set;) {
        int i = take_lowest(&set);
        if (!procs[i].wake_ns)
            continue;
        if (!now)
            now = monotonic_ns();
        if (now >= procs[i].wake_ns) {
            procs[i].wake_ns = 0;
            pt_set_state(&ptab, i, PT_RUNNABLE);
        }
    }
}

/* The upcall's last word before it returns to ring 3 (user_preempt_hook). */
static void preempt(void)
{
    struct proc *p = current_proc;
    if (!p)
        return;
    if (p->killed)
        proc_exit(128 + p->killed);
    if (event_count != p->events_seen) {
        pt_set_state(&ptab, proc_slot(p), PT_RUNNABLE);
        sched();
        if (p->killed)
            proc_exit(128 + p->killed);
    }
}

/* A system call's last word once a timer tick has come since ticks_seen (dispatch() compares):
 * a tick that finds the process past its slice ends its turn. */
void preempt_after_syscall(struct proc *p)
{
    if (monotonic_ns() - p->ran_since >= SLICE_NS)
        yield();
    else
        p->ticks_seen = timer_ticks; /* look again at the next tick */
}

/* Called by proc_entry on a new process's first switch-in. */
void proc_first_run(void)
{
    if (current_proc->killed)
        proc_exit(128 + current_proc->killed);
    local_events_enable();
}

/* Round-robin: the first runnable slot after the one that ran last, or -1. */
static int pick_next(void)
{
    uint32_t all = ptab.runnable;
    if (!all)
        return -1; /* before the mask is made: the idle domain's answer, at each of its events */
    uint32_t after = all & (~0u << ((last_slot + 1) % NPROC));
    return __builtin_ctz(after ? after : all);
}

/* Switch to the process in slot (its ring-1 stack and page directory) until it stops running;
 * charge it the CPU time. */
static void run(int slot)
{
    struct proc *p = &procs[slot];
    pt_set_state(&ptab, slot, PT_RUNNING);
    if (set_kernel_stack((uint32_t)(p->kstack + KSTACK_PAGES * PAGE_SIZE)) ||
        set_base_ptr(virt_to_mfn(p->l2)))
        crash("cannot switch to a process's stack or page directory");
    if (slot != last_slot)
        context_switches++;
    last_slot = slot;
    current_proc = p;
    p->events_seen = event_count;
    p->ticks_seen = timer_ticks;
    p->ran_since = monotonic_ns();
    swtch(&scheduler_esp, p->ctx_esp);
    p->cpu_ns += monotonic_ns() - p->ran_since;
    current_proc = NULL;
}

/* Zombies no parent will wait for, and init's restart; only after a process ended (an idle
 * domain wakes for every event, and the scans are most of its housekeeping). */
static void reap_orphans(void)
{
    static uint32_t exits_seen;
    if (proc_exits == exits_seen)
        return;
    exits_seen = proc_exits;
    for (int z; (z = pt_orphan_zombie(&ptab)) >= 0;)
        proc_reap(z);
    proc_keep_init();
}

/* The work that waits for a time (a sleeper's deadline, the write-back's period, the toolstack's
 * poll): only when a timer tick has come since it last ran, not after every event (an idle
 * domU wakes for each event sent to it, a ping-pong's ping among them). */
static void timed_work(void)
{
    static uint32_t ticks_done;
    if (timer_ticks == ticks_done)
        return;
    ticks_done = timer_ticks;
    wake_sleepers();
    vfs_periodic(); /* the file systems' write-back, every few seconds */
    control_poll(); /* a domU: the toolstack's shutdown request */
}

/* Everything the kernel does between processes: with events enabled. */
static void housekeeping(void)
{
    local_events_enable();
    run_services();
    tty_poll();
    timed_work();
    reap_orphans();
}

/* The boot stack's last job: housekeeping, then the next process, forever; block the domain when
 * none can run. */
void scheduler(void)
{
    user_preempt_hook = preempt;
    for (;;) {
        uint32_t seen = event_count;
        housekeeping();
        local_events_disable();
        int slot = pick_next();
        if (slot >= 0)
            run(slot);
        else if (event_count == seen)
            wait_for_events(); /* events stay masked: the ports are dispatched here */
    }
}
