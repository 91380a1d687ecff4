/*
 * event_channel.c - event channels, the virtual interrupt lines.
 *
 * Each domain has NR_EVENT_CHANNELS ports.  A port is bound to a virtual IRQ
 * (an event the hypervisor raises, like VIRQ_TIMER), or to a port of another
 * domain (interdomain: alloc_unbound on one side, bind_interdomain on the
 * other).  Raising an event sets the port's bit in shared_info's
 * evtchn_pending; if the port is not masked, the bit for its word in
 * evtchn_pending_sel and then evtchn_upcall_pending are set, and the vCPU is
 * woken.  On its way back to the guest the hypervisor then calls the guest's
 * event callback (sched.c: deliver_upcall).
 *
 * Tour 31/37 - after hv/pt_hypercalls.c, before hv/grant_table.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/irq.h>
#include <hv/mm.h>
#include <hv/sched.h>

/* Bit `bit` of a bitmap of any length set; was it set before?  One bts, as the send's path
 * takes three of these (the compiled shifts and masks took four times the instructions); the
 * answer is the carry flag itself (a flag output), which the branch tests with no setc. */
static inline int test_and_set(uint32_t *words, uint32_t bit)
{
    int old;
    __asm__ volatile("btsl %2, %0" : "+m"(*words), "=@ccc"(old) : "r"(bit) : "memory");
    return old;
}

static inline int test_bit(const uint32_t *words, uint32_t bit)
{
    int set;
    __asm__ volatile("btl %2, %1" : "=@ccc"(set) : "m"(*words), "r"(bit) : "memory");
    return set;
}

/* A port's record; a port in a page not yet taken reads as closed (and is never written). */
static struct evtchn *evtchn_of(struct domain *d, uint32_t port)
{
    static struct evtchn closed; /* all zero: EVTCHNSTAT_closed */
    if (port < EVTCHN_INLINE)
        return &d->evtchn_inline[port];
    struct evtchn *page = d->evtchn_page[(port - EVTCHN_INLINE) / EVTCHNS_PER_PAGE];
    return page ? &page[(port - EVTCHN_INLINE) % EVTCHNS_PER_PAGE] : &closed;
}

/* Most domains use a handful of ports: those live in struct domain, no page is taken. */
int evtchn_init(struct domain *d)
{
    memset(d->evtchn_inline, 0, sizeof(d->evtchn_inline));
    memset(d->evtchn_page, 0, sizeof(d->evtchn_page));
    d->evtchn_free_hint = 1;
    return 0;
}

static int polling_on(const struct vcpu *v, uint32_t port)
{
    for (uint32_t i = 0; i < v->poll_nr; i++)
        if (v->poll_port[i] == port)
            return 1;
    return 0;
}

/* A vCPU polling (SCHEDOP_poll) wakes for a port it polls, masked or not. */
static __attribute__((cold, noinline)) long wake_poller(struct vcpu *v, uint32_t port)
{
    if (polling_on(v, port))
        vcpu_wake(v);
    return 0;
}

/*
 * Raise `port` in `d`: the body of evtchn_set_pending(), and the last act of every send, which
 * jumps here (arguments in registers, so neither it nor the send saves one; hence the 0, the
 * send's answer).  A vCPU blocked on an unmasked port wakes; one polling the port wakes
 * whether it is masked or not.
 */
static __attribute__((regparm(2), noinline)) long set_pending(struct domain *d, uint32_t port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v = d->vcpu;
    if (test_and_set(s->evtchn_pending, port))
        return 0;
    if (!test_bit(s->evtchn_mask, port) &&
        !test_and_set(&s->vcpu_info[0].evtchn_pending_sel, port / 32)) {
        s->vcpu_info[0].evtchn_upcall_pending = 1;
        if (v->state == VCPU_blocked) { /* vcpu_wake() would look, but a runnable peer is common */
            vcpu_wake_blocked(v);
            return 0;
        }
    }
    return v->poll_nr ? wake_poller(v, port) : 0;
}

void evtchn_set_pending(struct domain *d, uint32_t port)
{
    set_pending(d, port);
}

int evtchn_poll_ready(struct vcpu *v)
{
    for (uint32_t i = 0; i < v->poll_nr; i++)
        if (test_bit(v->domain->shared_info->evtchn_pending, v->poll_port[i]))
            return 1;
    return 0;
}

void send_guest_virq(struct vcpu *v, unsigned int virq)
{
    uint32_t port = v->virq_to_port[virq];
    if (port)
        evtchn_set_pending(v->domain, port);
}

void send_global_virq(unsigned int virq)
{
    struct domain *d0 = initial_domain;
    if (d0 && d0->state == DOM_running)
        send_guest_virq(d0->vcpu, virq);
}

/* The first closed port (a port in a page not yet taken is closed), looked for from the hint
 * up: dom0 holds a port per domU, and each create took one after a walk past all of them. */
static int get_free_port(struct domain *d)
{
    for (uint32_t p = MAX(d->evtchn_free_hint, 1u); p < NR_EVENT_CHANNELS; p++)
        if (evtchn_of(d, p)->state == EVTCHNSTAT_closed) {
            d->evtchn_free_hint = (uint16_t)p;
            return (int)p;
        }
    return -XEN_ENOSPC; /* the ABI's NR_EVENT_CHANNELS: two-level bitmaps in shared_info */
}

/* Open closed port `port` as `e`, taking its page if it has none yet. */
static int port_open(struct domain *d, uint32_t port, struct evtchn e)
{
    if (port >= EVTCHN_INLINE) {
        uint32_t i = (port - EVTCHN_INLINE) / EVTCHNS_PER_PAGE;
        if (!d->evtchn_page[i] && !(d->evtchn_page[i] = domain_take_pages(d, 1)))
            return -XEN_ENOMEM; /* the hypervisor's heap is full */
        d->evtchn_page_open[i]++;
    }
    *evtchn_of(d, port) = e;
    return 0;
}

/* Close an open port's record; a page of ports goes back when its last port closes. */
static void port_release(struct domain *d, uint32_t port)
{
    *evtchn_of(d, port) = (struct evtchn){0};
    d->evtchn_free_hint = (uint16_t)MIN(d->evtchn_free_hint, port);
    if (port < EVTCHN_INLINE)
        return;
    uint32_t i = (port - EVTCHN_INLINE) / EVTCHNS_PER_PAGE;
    if (--d->evtchn_page_open[i] == 0) {
        domain_give_pages(d, d->evtchn_page[i], 1);
        d->evtchn_page[i] = NULL;
    }
}

/* The domain builder's alloc_unbound: a port in `d` that `remote` may bind to. */
int evtchn_alloc_unbound_for(struct domain *d, domid_t remote)
{
    int port = get_free_port(d);
    if (port < 0)
        return port;
    int rc = port_open(d, (uint32_t)port,
                       (struct evtchn){.state = EVTCHNSTAT_unbound, .remote_dom = remote});
    return rc ? rc : port;
}

static long bind_virq(struct evtchn_bind_virq *op)
{
    struct vcpu *v = current;
    if (op->virq >= NR_VIRQS)
        return -XEN_EINVAL;
    if (op->vcpu != 0)
        return -XEN_ENOENT;
    if (v->virq_to_port[op->virq])
        return -XEN_EEXIST;
    int port = get_free_port(v->domain);
    if (port < 0)
        return port;
    int rc =
        port_open(v->domain, (uint32_t)port,
                  (struct evtchn){.state = EVTCHNSTAT_virq, .remote_port = (uint16_t)op->virq});
    if (rc)
        return rc;
    v->virq_to_port[op->virq] = (uint16_t)port;
    op->port = (uint32_t)port;
    return 0;
}

static long bind_pirq(struct evtchn_bind_pirq *op)
{
    struct domain *d = current->domain;
    int port = get_free_port(d);
    if (port < 0)
        return port;
    long rc =
        port_open(d, (uint32_t)port,
                  (struct evtchn){.state = EVTCHNSTAT_pirq, .remote_port = (uint16_t)op->pirq});
    if (rc)
        return rc;
    if ((rc = pirq_bind(d, op->pirq, (uint32_t)port))) {
        port_release(d, (uint32_t)port);
        return rc;
    }
    op->port = (uint32_t)port;
    return 0;
}

static long alloc_unbound(struct evtchn_alloc_unbound *op)
{
    struct domain *d = current->domain;
    if (op->dom != DOMID_SELF && op->dom != d->domain_id)
        return -XEN_EPERM; /* building channels for others is the toolstack's job (domctl) */
    int port = get_free_port(d);
    if (port < 0)
        return port;
    long rc = port_open(d, (uint32_t)port,
                        (struct evtchn){.state = EVTCHNSTAT_unbound, .remote_dom = op->remote_dom});
    if (rc)
        return rc;
    op->port = (uint32_t)port;
    return 0;
}

static long bind_interdomain(struct evtchn_bind_interdomain *op)
{
    struct domain *ld = current->domain;
    struct domain *rd = op->remote_dom == DOMID_SELF ? ld : domain_by_id(op->remote_dom);
    if (!rd || rd->state == DOM_dying)
        return -XEN_ESRCH;
    if (op->remote_port == 0 || op->remote_port >= NR_EVENT_CHANNELS)
        return -XEN_EINVAL;
    struct evtchn *remote = evtchn_of(rd, op->remote_port);
    if (remote->state != EVTCHNSTAT_unbound || remote->remote_dom != ld->domain_id)
        return -XEN_EINVAL;
    int port = get_free_port(ld);
    if (port < 0)
        return port;
    long rc = port_open(ld, (uint32_t)port,
                        (struct evtchn){.state = EVTCHNSTAT_interdomain,
                                        .remote_port = (uint16_t)op->remote_port,
                                        .peer = rd});
    if (rc)
        return rc;
    *remote =
        (struct evtchn){.state = EVTCHNSTAT_interdomain, .remote_port = (uint16_t)port, .peer = ld};
    op->local_port = (uint32_t)port;
    return 0;
}

/* Close one port; an interdomain peer falls back to unbound, as in Xen. */
static void close_port(struct domain *d, uint32_t port)
{
    struct evtchn *c = evtchn_of(d, port);
    if (c->state == EVTCHNSTAT_virq && c->remote_port < NR_VIRQS &&
        d->vcpu->virq_to_port[c->remote_port] == port)
        d->vcpu->virq_to_port[c->remote_port] = 0;
    if (c->state == EVTCHNSTAT_pirq)
        pirq_unbind(d, c->remote_port);
    if (c->state == EVTCHNSTAT_interdomain) {
        struct evtchn *r = evtchn_of(c->peer, c->remote_port);
        if (r->state == EVTCHNSTAT_interdomain && r->peer == d)
            *r = (struct evtchn){.state = EVTCHNSTAT_unbound, .remote_dom = d->domain_id};
    }
    port_release(d, port);
}

static long evtchn_send(uint32_t port)
{
    struct domain *d = current->domain;
    struct evtchn *c;
    if (port < EVTCHN_INLINE) /* most sends; port 0 among them, never opened, so refused below */
        c = &d->evtchn_inline[port];
    else if (port < NR_EVENT_CHANNELS)
        c = evtchn_of(d, port);
    else
        return -XEN_EINVAL;
    switch (c->state) {
    case EVTCHNSTAT_interdomain: /* the peer is never dying: its ports are closed as it dies */
        return set_pending(c->peer, c->remote_port);
    case EVTCHNSTAT_unbound:
        return 0; /* nobody listening yet: dropped, as in Xen */
    default:
        return -XEN_EINVAL;
    }
}

static long evtchn_status(struct evtchn_status *op)
{
    struct domain *d = current->domain;
    if (op->dom != DOMID_SELF && op->dom != d->domain_id) {
        if (!d->is_privileged)
            return -XEN_EPERM;
        if (!(d = domain_by_id(op->dom)))
            return -XEN_ESRCH;
    }
    if (op->port >= NR_EVENT_CHANNELS)
        return -XEN_EINVAL;
    struct evtchn *c = evtchn_of(d, op->port);
    op->status = c->state;
    op->vcpu = 0;
    memset(&op->u, 0, sizeof(op->u));
    if (c->state == EVTCHNSTAT_unbound)
        op->u.unbound.dom = c->remote_dom;
    else if (c->state == EVTCHNSTAT_interdomain)
        op->u.interdomain.dom = c->peer->domain_id, op->u.interdomain.port = c->remote_port;
    else if (c->state == EVTCHNSTAT_virq)
        op->u.virq = c->remote_port;
    else if (c->state == EVTCHNSTAT_pirq)
        op->u.pirq = c->remote_port;
    return 0;
}

static long evtchn_unmask(uint32_t port)
{
    struct domain *d = current->domain;
    struct shared_info *s = d->shared_info;
    if (port >= NR_EVENT_CHANNELS)
        return -XEN_EINVAL;
    s->evtchn_mask[port / 32] &= ~(1u << (port % 32));
    if (test_bit(s->evtchn_pending, port) &&
        !test_and_set(&s->vcpu_info[0].evtchn_pending_sel, port / 32)) {
        s->vcpu_info[0].evtchn_upcall_pending = 1;
        vcpu_wake(d->vcpu);
    }
    return 0;
}

void evtchn_destroy(struct domain *d)
{
    for (uint32_t p = 1; p < NR_EVENT_CHANNELS; p++) {
        uint32_t i = (p - EVTCHN_INLINE) / EVTCHNS_PER_PAGE;
        if (p >= EVTCHN_INLINE && (p - EVTCHN_INLINE) % EVTCHNS_PER_PAGE == 0 &&
            !d->evtchn_page[i]) {
            p += EVTCHNS_PER_PAGE - 1; /* no page, no open port in its range */
            continue;
        }
        if (evtchn_of(d, p)->state != EVTCHNSTAT_closed)
            close_port(d, p); /* the last port of a page gives the page back */
    }
}

/* Copy the op in, run it, copy the result out. */
#define EVTCHN_OP(type, fn)                                                                        \
    do {                                                                                           \
        type op;                                                                                   \
        if (copy_from_guest(&op, arg, sizeof(op)))                                                 \
            return -XEN_EFAULT;                                                                    \
        long rc = fn(&op);                                                                         \
        if (rc == 0 && copy_to_guest(arg, &op, sizeof(op)))                                        \
            return -XEN_EFAULT;                                                                    \
        return rc;                                                                                 \
    } while (0)

/* EVTCHNOP_send, every notification between domains: a function of its own, so its path
 * neither saves the registers the other operations need nor goes through their switch. */
static long send_op(uint32_t arg)
{
    uint32_t port;
    if (copy_from_guest(&port, arg, sizeof(port)))
        return -XEN_EFAULT;
    return evtchn_send(port);
}

static __attribute__((noinline)) long other_op(uint32_t cmd, uint32_t arg)
{
    uint32_t port;
    switch (cmd) {
    case EVTCHNOP_bind_virq:
        EVTCHN_OP(struct evtchn_bind_virq, bind_virq);
    case EVTCHNOP_alloc_unbound:
        EVTCHN_OP(struct evtchn_alloc_unbound, alloc_unbound);
    case EVTCHNOP_bind_pirq:
        EVTCHN_OP(struct evtchn_bind_pirq, bind_pirq);
    case EVTCHNOP_bind_interdomain:
        EVTCHN_OP(struct evtchn_bind_interdomain, bind_interdomain);
    case EVTCHNOP_status:
        EVTCHN_OP(struct evtchn_status, evtchn_status);
    case EVTCHNOP_close:
    case EVTCHNOP_unmask:
        if (copy_from_guest(&port, arg, sizeof(port)))
            return -XEN_EFAULT;
        if (cmd == EVTCHNOP_unmask)
            return evtchn_unmask(port);
        if (port == 0 || port >= NR_EVENT_CHANNELS)
            return -XEN_EINVAL;
        if (evtchn_of(current->domain, port)->state == EVTCHNSTAT_closed)
            return -XEN_EINVAL;
        close_port(current->domain, port);
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

long do_event_channel_op(uint32_t cmd, uint32_t arg)
{
    return cmd == EVTCHNOP_send ? send_op(arg) : other_op(cmd, arg);
}
