/*
 * sched_op.c - what a guest asks of the scheduler: the sched_op hypercall.
 *
 * A vCPU yields its slice (SCHEDOP_yield), sleeps until an event
 * (SCHEDOP_block, which enables events first, as in Xen, so an upcall that
 * is already pending keeps it awake; or pvlab's SCHEDOP_pvlab_block_masked,
 * which leaves them masked and makes no upcall on waking), or sleeps until one of a few ports
 * fires or a deadline passes (SCHEDOP_poll; hv/timer.c times it out).  A
 * domain shuts itself down, or asks to be crashed (SCHEDOP_shutdown), and dom0
 * does either to another domain (SCHEDOP_remote_shutdown).  Nothing here
 * switches vCPUs: blocking and yielding only ask for a switch, which
 * schedule() (hv/sched.c) makes on the way out of the hypervisor.
 *
 * Tour 28/37 - after hv/exit.c, before hv/frame_table.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <public/sched.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/time.h>

static long sched_poll(struct vcpu *v, uint32_t arg)
{
    struct sched_poll p;
    if (copy_from_guest(&p, arg, sizeof(p)))
        return -XEN_EFAULT;
    if (p.nr_ports > SCHED_POLL_MAX_PORTS)
        return -XEN_EINVAL;
    if (p.nr_ports == 0 || copy_from_guest(v->poll_port, p.ports, p.nr_ports * 4))
        return p.nr_ports ? -XEN_EFAULT : -XEN_EINVAL;
    for (uint32_t i = 0; i < p.nr_ports; i++)
        if (v->poll_port[i] >= NR_EVENT_CHANNELS)
            return -XEN_EINVAL;
    v->poll_nr = p.nr_ports;
    v->poll_deadline = p.timeout;
    if (!evtchn_poll_ready(v))
        vcpu_block(v);
    else
        v->poll_nr = 0;
    timer_update(v); /* its poll's deadline, if it blocked */
    return 0;
}

static __attribute__((noinline)) long other_op(uint32_t cmd, uint32_t arg)
{
    struct vcpu *v = current;
    switch (cmd) {
    case SCHEDOP_yield:
        v->yielded = 1;
        raise_schedule();
        return 0;
    case SCHEDOP_poll:
        return sched_poll(v, arg);
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -XEN_EFAULT;
        if (s.reason > SHUTDOWN_crash)
            return -XEN_EINVAL;
        if (s.reason == SHUTDOWN_crash)
            domain_crash(v->domain, "the guest asked to crash");
        else
            domain_shutdown(v->domain, s.reason);
        return 0;
    }
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown r;
        if (!v->domain->is_privileged)
            return -XEN_EPERM;
        if (copy_from_guest(&r, arg, sizeof(r)))
            return -XEN_EFAULT;
        struct domain *d = domain_by_id(r.domain_id);
        if (!d || d == v->domain)
            return -XEN_ESRCH;
        if (r.reason > SHUTDOWN_crash)
            return -XEN_EINVAL;
        if (r.reason == SHUTDOWN_crash)
            domain_crash(d, "dom0 asked for it to be crashed");
        else
            domain_shutdown(d, r.reason);
        return 0;
    }
    default:
        return -XEN_ENOSYS;
    }
}

/*
 * SCHEDOP_block and SCHEDOP_pvlab_block_masked, the end of every idle guest's turn (and of a
 * domU's half of an event round trip), ahead of the other operations: their path saves none of
 * the registers those need.  The two differ only in the mask: SCHEDOP_block enables events
 * first, as in Xen, so the event that wakes the vCPU is delivered as an upcall on the way out;
 * the masked flavour leaves the mask alone, and the guest, back from the hypercall, dispatches
 * its pending ports with a plain call (no bounce frame, no register save, no iret).  Either way
 * the vCPU sleeps only if no upcall is pending, and set_pending() (hv/event_channel.c) wakes a
 * blocked vCPU whatever its mask: an event set before this test keeps the vCPU awake, one set
 * after it wakes it (the hypervisor runs with interrupts off, so nothing comes between).
 */
long do_sched_op(uint32_t cmd, uint32_t arg)
{
    struct vcpu_info *vi = current_vcpu_info; /* in the running domain's window */
    if (cmd != SCHEDOP_pvlab_block_masked) {  /* minios's, asked first */
        if (cmd != SCHEDOP_block)
            return other_op(cmd, arg);
        vi->evtchn_upcall_mask = 0;
    }
    if (!vi->evtchn_upcall_pending)
        vcpu_block(current);
    return 0;
}
