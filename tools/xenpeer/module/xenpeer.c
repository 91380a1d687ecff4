// SPDX-License-Identifier: GPL-2.0
/*
 * xenpeer.c - the real Xen's side of `make bench-xen`: a Linux kernel module,
 * built here against Debian's linux-headers, that runs in Xen 4.17's 64-bit
 * PV dom0 and times the paths pvlab's own bench times in minios.
 *
 * pvlab's dom0 is a ring-1 kernel that enters its hypervisor with int $0x82;
 * Xen's 64-bit PV dom0 runs its kernel in ring 3 and enters Xen with
 * `syscall` (Linux's hypercall static call).  Nothing in the guest can read
 * an instruction count, so the module marks each measured window with the
 * magic instruction `xchg %bx,%bx` (Simics' convention, docs/instruments.md):
 * pvlab's QEMU plugin, loaded into qemu-system-x86_64 under -icount, starts
 * a window at one marker and ends it at the next, and counts every
 * instruction between them, in Xen, in this kernel and in user space.
 *
 * Each window runs one path N times; after it the module logs one line,
 *   xenpeer: window name=NAME n=N check=C
 * (C: the upcalls its handler saw, or the last hypercall result), so the
 * host pairs the plugin's windows with these lines in order
 * (tools/xenpeer/xenpeer_report.py).  Each path runs REPEATS times and the
 * host keeps the smallest window: a timer tick that lands in one window
 * does not land in all of them.
 *
 * The paths: an empty loop (the floor), `xen_version` (pvlab's null
 * hypercall), an unknown hypercall number (Xen's shortest round trip, an
 * -ENOSYS), EVTCHNOP_send to a masked port (the send alone) and
 * EVTCHNOP_send to a port bound to an interrupt handler here (the send, the
 * upcall, Linux's event dispatch to the handler, and the iret hypercall
 * back).  The two ports are a loopback pair: alloc_unbound for ourselves,
 * then bind_interdomain to it, so an event sent on one is raised on the
 * other in the same domain.  Hypercall windows run with the virtual
 * interrupt flag off, so Linux's timer does not run inside them; the
 * upcall window must leave it on.
 *
 * GPL-2.0 because the event-channel binding functions it calls are
 * exported to GPL modules only.
 */
#include <linux/module.h>
#include <linux/interrupt.h>
#include <linux/irqflags.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <xen/interface/xen.h>
#include <xen/interface/version.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>
#include "xenpeer.h"

#define N       XENPEER_N
#define REPEATS XENPEER_REPEATS

/* Unused by Xen 4.17 (below NR_hypercalls, no handler): answers -ENOSYS. */
#define __HYPERVISOR_xenpeer_unknown 63

static atomic_t upcalls = ATOMIC_INIT(0);

static inline void marker(void)
{
    asm volatile("xchg %%bx, %%bx" ::: "memory");
}

static void report(const char *name, long check)
{
    pr_info(XENPEER_LINE, name, N, check);
}

static irqreturn_t on_event(int irq, void *dev_id)
{
    atomic_inc(&upcalls);
    return IRQ_HANDLED;
}

static long run_empty(evtchn_port_t port)
{
    int i;
    marker();
    for (i = 0; i < N; i++)
        barrier();
    marker();
    return 0;
}

static long run_xen_version(evtchn_port_t port)
{
    long r = 0;
    int i;
    marker();
    for (i = 0; i < N; i++)
        r = HYPERVISOR_xen_version(XENVER_version, NULL);
    marker();
    return r;
}

static long run_unknown(evtchn_port_t port)
{
    long r = 0;
    int i;
    marker();
    for (i = 0; i < N; i++)
        r = _hypercall1(long, xenpeer_unknown, 0);
    marker();
    return r;
}

static long run_send(evtchn_port_t port)
{
    struct evtchn_send send = {.port = port};
    long r = 0;
    int i;
    marker();
    for (i = 0; i < N; i++)
        r = HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
    marker();
    return r;
}

/* One path, REPEATS windows: with the virtual interrupt flag off unless `irqs`. */
static void measure(const char *name, long (*run)(evtchn_port_t), evtchn_port_t port, bool irqs)
{
    unsigned long flags;
    long check;
    int k;
    for (k = 0; k < REPEATS; k++) {
        local_irq_save(flags);
        if (irqs)
            local_irq_enable();
        check = run(port);
        local_irq_restore(flags);
        report(name, check);
    }
}

/* The upcall window: its check is the number of upcalls the handler saw. */
static void measure_upcall(evtchn_port_t port)
{
    int k, before;
    for (k = 0; k < REPEATS; k++) {
        before = atomic_read(&upcalls);
        run_send(port);
        report("send_upcall", atomic_read(&upcalls) - before);
    }
}

/* A loopback pair: *sender's events are raised on the returned port. */
static int loopback_pair(evtchn_port_t *sender, evtchn_port_t *receiver)
{
    struct evtchn_alloc_unbound alloc = {.dom = DOMID_SELF, .remote_dom = 0};
    struct evtchn_bind_interdomain bind = {.remote_dom = DOMID_SELF};
    int rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &alloc);
    if (rc)
        return rc;
    bind.remote_port = alloc.port;
    rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bind);
    if (rc)
        return rc;
    *sender = alloc.port;
    *receiver = bind.local_port;
    return 0;
}

static void close_port(evtchn_port_t port)
{
    struct evtchn_close close = {.port = port};
    HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
}

static int measure_events(void)
{
    evtchn_port_t sender, receiver;
    int irq, rc = loopback_pair(&sender, &receiver);
    if (rc) {
        pr_err("xenpeer: no loopback event channel pair (%d)\n", rc);
        return rc;
    }
    irq = bind_evtchn_to_irqhandler(receiver, on_event, 0, "xenpeer", NULL);
    if (irq < 0) {
        pr_err("xenpeer: cannot bind port %u to a handler (%d)\n", receiver, irq);
        close_port(receiver);
        close_port(sender);
        return irq;
    }
    disable_irq(irq); /* masks the receiver: the sends below raise no upcall */
    measure("evtchn_send", run_send, sender, false);
    enable_irq(irq);
    measure_upcall(sender);
    unbind_from_irqhandler(irq, NULL); /* closes the receiver */
    close_port(sender);
    return 0;
}

static int __init xenpeer_init(void)
{
    if (!xen_pv_domain() || !xen_initial_domain()) {
        pr_err("xenpeer: not Xen's PV dom0: nothing measured\n");
        return -ENODEV;
    }
    measure("empty_loop", run_empty, 0, false);
    measure("xen_version", run_xen_version, 0, false);
    measure("unknown_hypercall", run_unknown, 0, false);
    return measure_events();
}

static void __exit xenpeer_exit(void) {}

module_init(xenpeer_init);
module_exit(xenpeer_exit);
MODULE_DESCRIPTION("pvlab bench-xen: Xen PV dom0 path lengths between plugin markers");
MODULE_LICENSE("GPL");
