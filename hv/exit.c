/*
 * exit.c - the way out of the hypervisor to a guest.
 *
 * Every entry (hypercall, exception, interrupt) ends in arch/x86/entry.S:
 * ret_to_guest, just before the guest's registers are restored and the CPU
 * irets to ring 1 or 3.  ret_to_guest tests the frame once: if no switch is
 * asked for, the return address is inside the guest's segments and no upcall
 * is due, nothing is left to do.  Otherwise, and always after a switch from
 * the idle loop (return_to_guest), it calls leave_hypervisor(), where the
 * deferred work is done, in the order it must be:
 *
 *   1. a switch another vCPU asked for (raise_schedule) happens here, in
 *      schedule() (hv/sched.c): the frame then holds the next vCPU's
 *      registers, or the idle loop takes over and this call never returns;
 *   2. a return address beyond the guest's segment limit becomes the #GP the
 *      hardware would raise;
 *   3. a pending event is delivered as an upcall: a bounce frame onto the
 *      guest kernel's stack, aimed at its event callback, with events masked
 *      (the guest's "interrupt");
 *   4. eflags is made safe to iret with: no IOPL, nested task, virtual-8086
 *      or virtual-interrupt bits, and interrupts on.
 *
 * Steps 2 and 3 can wake a vCPU or crash the domain, which asks for a switch
 * again: the loop repeats until nothing more is asked.  Step 4 is needed only
 * here: a frame the CPU pushed holds the guest's own eflags, whose IOPL, VM,
 * VIF and VIP ring 1 and 3 cannot change and whose NT only the guest itself
 * set (the hypervisor's iret looks at its own NT, which the gate cleared).
 * Only a frame loaded by a switch can hold others (a context set with
 * domctl), and a switch always comes this way.
 *
 * Tour 27/37 - after hv/hypercall.c, before hv/sched_op.c.
 */
#include <public/xen.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/entry.h>
#include <hv/event.h>
#include <hv/sched.h>
#include <hv/trace.h>
#include <hv/x86.h>

/* Bits a guest may not iret with (step 4). */
#define GUEST_EFLAGS_REFUSED                                                                       \
    (X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_VM | X86_EFLAGS_VIF | X86_EFLAGS_VIP)

/* Deliver a pending event upcall: the guest's "interrupt".  Out of line: a switched exit asks
 * only the inline test (below), and its registers are not saved for this. */
static __attribute__((noinline)) void deliver_upcall(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    struct vcpu_info *vi = current_vcpu_info; /* v's, in its domain's window */
    if (!v->event_eip)
        return;
    if (create_bounce_frame(regs, v->event_cs, v->event_eip) == 0) {
        vi->evtchn_upcall_mask = 1;
        current_counters->upcalls++;
        trace(TRC_UPCALL, v->domain->domain_id, 0);
    }
}

/*
 * A guest whose next instruction lies beyond its segment limit (it ran up to
 * 0xFBFFFFFF, or a handler it set points there) takes #GP, as on hardware,
 * instead of an iret that the CPU would refuse (and QEMU would not).
 */
static __attribute__((noinline)) void bounce_bad_return_address(struct cpu_user_regs *regs)
{
    regs->error_code = 0;
    bounce_exception(regs, 13, 1);
    if (regs->eip >= HYPERVISOR_VIRT_START && current->domain->state < DOM_shutdown)
        domain_crash(current->domain, "its #GP handler lies beyond its segment limit");
}

/* Steps 2 and 3, if due: whether either ran and asked for a switch again.  Only they can ask:
 * schedule() returns with need_resched clear, so a switched exit with neither due (a woken
 * vCPU that sleeps masked) does not test it again. */
static inline int deferred_work(struct cpu_user_regs *regs)
{
    int ran = 0;
    if (regs->eip >= HYPERVISOR_VIRT_START) {
        bounce_bad_return_address(regs);
        ran = 1;
    }
    const struct vcpu_info *vi = current_vcpu_info;
    if (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask) {
        deliver_upcall(regs);
        ran = 1;
    }
    return ran && need_resched;
}

void leave_hypervisor(void)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs(); /* a constant: nothing kept for it */
    do {
        if (need_resched)
            schedule(); /* may not return: the idle loop takes over */
    } while (deferred_work(regs));
    regs->eflags = (regs->eflags & ~GUEST_EFLAGS_REFUSED) | X86_EFLAGS_IF;
}
