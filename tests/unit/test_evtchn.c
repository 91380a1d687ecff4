/*
 * test_evtchn.c - the event-channel state machine of hv/event_channel.c.
 *
 * A port is closed, unbound (waiting for one named domain to bind to it),
 * interdomain (joined to one port of another domain) or bound to a virtual
 * IRQ.  The hypercalls move ports between these states, and every move has a
 * partner: binding turns the remote unbound port interdomain too, closing
 * turns the peer back to unbound, destroying a domain does that for all of
 * its ports at once.  If the two ends ever disagreed, a domain could send
 * events into a port that now belongs to someone else, or wait forever on
 * one nobody can reach.  These tests walk every transition, the refusals
 * (wrong domain, wrong state, bad port numbers, a full table), and then what
 * a send does to the receiver's shared_info: the pending bit always; the
 * selector word, upcall_pending and a wake-up only if the port is not masked;
 * a vCPU polling on the port (SCHEDOP_poll) is woken even when it is masked.
 *
 * Each hypercall is made as the guest makes it: the argument structure is
 * written into (fake) guest memory and its guest address passed to
 * do_event_channel_op, with the calling domain's vCPU as `current`.
 * fake_domain.c provides the domains, vcpu_wake (which it counts) and the
 * xenheap the port tables come from; every test ends by destroying all the
 * domains' port tables and checking that every xenheap page came back.
 *
 * Domains: dom0 (privileged), DOM_A and DOM_B; NO_DOM is never created.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <public/errno.h>
#include <public/event_channel.h>
#include <hv/event.h>
#include "fake_machine.h"
#include "fake_domain.h"

#define NO_DOM 7
#define ARG    FAKE_GUEST_BASE /* where the guest puts a hypercall's argument */

static struct domain *dom0, *doma, *domb;

/* ---------------------------------------------------------------- helpers */

static int setup(void **state)
{
    (void)state;
    fake_machine_reset();
    fake_domain_reset();
    dom0 = fake_domain_create(0);
    dom0->is_privileged = 1;
    initial_domain = dom0;
    doma = fake_domain_create(DOM_A);
    domb = fake_domain_create(DOM_B);
    assert_int_equal(evtchn_init(dom0), 0);
    assert_int_equal(evtchn_init(doma), 0);
    assert_int_equal(evtchn_init(domb), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    struct domain *all[] = {dom0, doma, domb};
    for (unsigned int i = 0; i < 3; i++)
        evtchn_destroy(all[i]);
    assert_int_equal(fake_xenheap_in_use(), 0);
    assert_int_equal(fake_bad_xenheap_frees(), 0);
    return 0;
}

static long alloc_unbound(struct domain *caller, domid_t dom, domid_t remote, uint32_t *port)
{
    fake_set_current(caller);
    struct evtchn_alloc_unbound *op = fake_guest_ptr(ARG, sizeof(*op));
    *op = (struct evtchn_alloc_unbound){.dom = dom, .remote_dom = remote, .port = 0xDEAD};
    long rc = do_event_channel_op(EVTCHNOP_alloc_unbound, ARG);
    if (port)
        *port = op->port;
    return rc;
}

/* An unbound port of `owner` for `remote`, allocated as the guest would. */
static uint32_t unbound_port(struct domain *owner, domid_t remote)
{
    uint32_t port;
    assert_int_equal(alloc_unbound(owner, DOMID_SELF, remote, &port), 0);
    return port;
}

static long bind_interdomain(struct domain *caller, domid_t remote, uint32_t remote_port,
                             uint32_t *local)
{
    fake_set_current(caller);
    struct evtchn_bind_interdomain *op = fake_guest_ptr(ARG, sizeof(*op));
    *op = (struct evtchn_bind_interdomain){remote, remote_port, 0xDEAD};
    long rc = do_event_channel_op(EVTCHNOP_bind_interdomain, ARG);
    if (local)
        *local = op->local_port;
    return rc;
}

static long bind_virq(struct domain *caller, uint32_t virq, uint32_t vcpu, uint32_t *port)
{
    fake_set_current(caller);
    struct evtchn_bind_virq *op = fake_guest_ptr(ARG, sizeof(*op));
    *op = (struct evtchn_bind_virq){virq, vcpu, 0xDEAD};
    long rc = do_event_channel_op(EVTCHNOP_bind_virq, ARG);
    if (port)
        *port = op->port;
    return rc;
}

/* close, send and unmask take a pointer to a bare port number. */
static long port_op(struct domain *caller, uint32_t cmd, uint32_t port)
{
    fake_set_current(caller);
    *(uint32_t *)fake_guest_ptr(ARG, 4) = port;
    return do_event_channel_op(cmd, ARG);
}
#define evtchn_close(d, p)  port_op(d, EVTCHNOP_close, p)
#define evtchn_send(d, p)   port_op(d, EVTCHNOP_send, p)
#define evtchn_unmask(d, p) port_op(d, EVTCHNOP_unmask, p)

static long status_of(struct domain *caller, domid_t dom, uint32_t port, struct evtchn_status *out)
{
    fake_set_current(caller);
    struct evtchn_status *op = fake_guest_ptr(ARG, sizeof(*op));
    memset(op, 0xEE, sizeof(*op));
    op->dom = dom;
    op->port = port;
    long rc = do_event_channel_op(EVTCHNOP_status, ARG);
    *out = *op;
    return rc;
}

/* A port's state as its owner sees it through EVTCHNOP_status. */
static void assert_unbound(struct domain *d, uint32_t port, domid_t remote)
{
    struct evtchn_status st;
    assert_int_equal(status_of(d, DOMID_SELF, port, &st), 0);
    if (st.status != EVTCHNSTAT_unbound || st.u.unbound.dom != remote)
        fail_msg("dom%u port %u: status %u remote %u; expected unbound for dom%u", d->domain_id,
                 port, st.status, st.u.unbound.dom, remote);
}

static void assert_interdomain(struct domain *d, uint32_t port, domid_t peer, uint32_t peer_port)
{
    struct evtchn_status st;
    assert_int_equal(status_of(d, DOMID_SELF, port, &st), 0);
    if (st.status != EVTCHNSTAT_interdomain || st.u.interdomain.dom != peer ||
        st.u.interdomain.port != peer_port)
        fail_msg("dom%u port %u: status %u peer %u:%u; expected interdomain with dom%u:%u",
                 d->domain_id, port, st.status, st.u.interdomain.dom, st.u.interdomain.port, peer,
                 peer_port);
}

static void assert_closed(struct domain *d, uint32_t port)
{
    struct evtchn_status st;
    assert_int_equal(status_of(d, DOMID_SELF, port, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
}

/* A connected pair: `a`'s port *pa and `b`'s port *pb. */
static void connect(struct domain *a, uint32_t *pa, struct domain *b, uint32_t *pb)
{
    *pa = unbound_port(a, b->domain_id);
    assert_int_equal(bind_interdomain(b, a->domain_id, *pa, pb), 0);
}

static int pending(struct domain *d, uint32_t port)
{
    return (d->shared_info->evtchn_pending[port / 32] >> (port % 32)) & 1;
}

static void mask(struct domain *d, uint32_t port)
{
    d->shared_info->evtchn_mask[port / 32] |= 1u << (port % 32);
}

static uint32_t sel(struct domain *d)
{
    return d->shared_info->vcpu_info[0].evtchn_pending_sel;
}

static int upcall(struct domain *d)
{
    return d->shared_info->vcpu_info[0].evtchn_upcall_pending;
}

/* The guest's upcall handler: take the events, clear the bits. */
static void guest_acknowledges(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    s->vcpu_info[0].evtchn_upcall_pending = 0;
    s->vcpu_info[0].evtchn_pending_sel = 0;
    memset(s->evtchn_pending, 0, sizeof(s->evtchn_pending));
}

static int nothing_raised(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    for (unsigned int i = 0; i < 32; i++)
        if (s->evtchn_pending[i])
            return 0;
    return !upcall(d) && !sel(d) && fake_wakes(d->vcpu) == 0;
}

/* ---------------------------------------------------------------- alloc_unbound */

static void test_alloc_unbound_gives_a_port_the_named_remote_may_bind(void **state)
{
    (void)state;
    uint32_t p1, p2;
    assert_int_equal(alloc_unbound(doma, DOMID_SELF, DOM_B, &p1), 0);
    assert_int_equal(alloc_unbound(doma, DOM_A, 0, &p2), 0); /* its own id works like SELF */
    assert_int_equal(p1, 1);                                 /* port 0 is never handed out */
    assert_int_equal(p2, 2);
    assert_unbound(doma, p1, DOM_B);
    assert_unbound(doma, p2, 0);
    assert_closed(doma, 3);
    assert_closed(domb, 1); /* nothing happened on the remote side yet */
}

static void test_alloc_unbound_for_another_domain_is_refused(void **state)
{
    (void)state;
    uint32_t p = 0xDEAD;
    assert_int_equal(alloc_unbound(doma, DOM_B, DOM_A, &p), -XEN_EPERM);
    assert_int_equal(p, 0xDEAD); /* nothing written back */
    assert_closed(domb, 1);
    assert_closed(doma, 1);
}

/* The domain builder's version, for the console and store channels. */
static void test_evtchn_alloc_unbound_for(void **state)
{
    (void)state;
    int p = evtchn_alloc_unbound_for(doma, 0);
    assert_int_equal(p, 1);
    assert_unbound(doma, 1, 0);
    uint32_t local;
    assert_int_equal(bind_interdomain(domb, DOM_A, 1, NULL), -XEN_EINVAL); /* for dom0 only */
    assert_int_equal(bind_interdomain(dom0, DOM_A, 1, &local), 0);
    assert_interdomain(doma, 1, 0, local);
    assert_int_equal(evtchn_alloc_unbound_for(doma, 0), 2);
}

/* ---------------------------------------------------------------- bind_interdomain */

static void test_bind_interdomain_joins_both_ends(void **state)
{
    (void)state;
    uint32_t pa = unbound_port(doma, DOM_B), pb;
    assert_int_equal(bind_interdomain(domb, DOM_A, pa, &pb), 0);
    assert_int_equal(pb, 1);
    assert_interdomain(doma, pa, DOM_B, pb);
    assert_interdomain(domb, pb, DOM_A, pa);
}

static void test_bind_interdomain_from_a_domain_not_named_is_refused(void **state)
{
    (void)state;
    uint32_t pa = unbound_port(doma, DOM_B);
    assert_int_equal(bind_interdomain(dom0, DOM_A, pa, NULL), -XEN_EINVAL);
    assert_int_equal(bind_interdomain(doma, DOMID_SELF, pa, NULL), -XEN_EINVAL);
    assert_unbound(doma, pa, DOM_B); /* still waiting for DOM_B */
    assert_closed(dom0, 1);
    assert_closed(doma, pa + 1);
    uint32_t pb;
    assert_int_equal(bind_interdomain(domb, DOM_A, pa, &pb), 0);
}

static void test_bind_interdomain_to_an_unknown_domain_is_esrch(void **state)
{
    (void)state;
    assert_int_equal(bind_interdomain(doma, NO_DOM, 1, NULL), -XEN_ESRCH);
    uint32_t pb = unbound_port(domb, DOM_A);
    domb->state = DOM_dying;
    assert_int_equal(bind_interdomain(doma, DOM_B, pb, NULL), -XEN_ESRCH);
    domb->state = DOM_running;
    assert_closed(doma, 1);
}

static void test_bind_interdomain_to_port_zero_or_out_of_range_is_einval(void **state)
{
    (void)state;
    unbound_port(domb, DOM_A);
    const uint32_t bad[] = {0, NR_EVENT_CHANNELS, NR_EVENT_CHANNELS + 1, 0x80000000u, 0xFFFFFFFFu};
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(bind_interdomain(doma, DOM_B, bad[i], NULL), -XEN_EINVAL);
    assert_closed(doma, 1);
}

static void test_bind_interdomain_to_a_port_that_is_not_unbound_is_einval(void **state)
{
    (void)state;
    /* closed */
    assert_int_equal(bind_interdomain(doma, DOM_B, 5, NULL), -XEN_EINVAL);
    /* already bound: a second binder must not steal it */
    uint32_t pa, pb;
    connect(doma, &pa, domb, &pb);
    assert_int_equal(bind_interdomain(domb, DOM_A, pa, NULL), -XEN_EINVAL);
    assert_int_equal(bind_interdomain(dom0, DOM_A, pa, NULL), -XEN_EINVAL);
    assert_interdomain(doma, pa, DOM_B, pb);
    assert_interdomain(domb, pb, DOM_A, pa);
    /* bound to a virq */
    uint32_t pv;
    assert_int_equal(bind_virq(doma, VIRQ_DEBUG, 0, &pv), 0);
    assert_int_equal(bind_interdomain(domb, DOM_A, pv, NULL), -XEN_EINVAL);
    assert_closed(domb, pb + 1);
}

/* A domain may connect two of its own ports (remote_dom = DOMID_SELF). */
static void test_loopback_channel(void **state)
{
    (void)state;
    uint32_t p1 = unbound_port(doma, DOM_A), p2;
    assert_int_equal(bind_interdomain(doma, DOMID_SELF, p1, &p2), 0);
    assert_interdomain(doma, p1, DOM_A, p2);
    assert_interdomain(doma, p2, DOM_A, p1);
    assert_int_equal(evtchn_send(doma, p2), 0);
    assert_true(pending(doma, p1));
    assert_false(pending(doma, p2));
    assert_int_equal(evtchn_close(doma, p1), 0);
    assert_closed(doma, p1);
    assert_unbound(doma, p2, DOM_A);
}

/* ---------------------------------------------------------------- send and unmask */

static void test_send_raises_the_event_at_the_peer(void **state)
{
    (void)state;
    for (uint32_t p = 1; p < 40; p++)
        unbound_port(domb, NO_DOM); /* fillers: the channel gets a port in pending word 1 */
    uint32_t pa, pb = unbound_port(domb, DOM_A);
    assert_int_equal(pb, 40);
    assert_int_equal(bind_interdomain(doma, DOM_B, pb, &pa), 0);

    domb->vcpu->state = VCPU_blocked; /* a runnable peer needs no wake-up (below) */
    assert_int_equal(evtchn_send(doma, pa), 0);
    assert_true(pending(domb, 40));
    assert_int_equal(sel(domb), 1u << 1); /* word 1 of the pending bitmap */
    assert_int_equal(upcall(domb), 1);
    assert_int_equal(fake_wakes(domb->vcpu), 1);
    assert_true(nothing_raised(doma)); /* the sender's own bits are untouched */

    /* Already pending: nothing more to do, no second wake-up. */
    assert_int_equal(evtchn_send(doma, pa), 0);
    assert_int_equal(fake_wakes(domb->vcpu), 1);

    /* After the guest took the event and blocked, the next send raises it again. */
    guest_acknowledges(domb);
    domb->vcpu->state = VCPU_blocked;
    assert_int_equal(evtchn_send(doma, pa), 0);
    assert_true(pending(domb, 40));
    assert_int_equal(upcall(domb), 1);
    assert_int_equal(fake_wakes(domb->vcpu), 2);

    /* A peer still running gets the event without a wake-up call. */
    guest_acknowledges(domb);
    assert_int_equal(domb->vcpu->state, VCPU_runnable);
    assert_int_equal(evtchn_send(doma, pa), 0);
    assert_int_equal(upcall(domb), 1);
    assert_int_equal(fake_wakes(domb->vcpu), 2);
}

/* A send looks the sender's port up in struct domain below EVTCHN_INLINE and in a page from
 * there on (hv/event_channel.c: evtchn_send()): the last inline port and the first two paged
 * ones each reach their own peer port and no other, from either end, and a paged port closed
 * is refused as a closed inline one is. */
static void test_a_send_on_either_side_of_the_inline_ports_reaches_its_peer(void **state)
{
    (void)state;
    uint32_t pa, pb;
    for (uint32_t p = 1; p <= EVTCHN_INLINE + 1; p++) {
        connect(doma, &pa, domb, &pb);
        assert_int_equal(pa, p);
        assert_int_equal(pb, p);
    }
    for (uint32_t p = EVTCHN_INLINE - 1; p <= EVTCHN_INLINE + 1; p++) {
        assert_int_equal(evtchn_send(doma, p), 0);
        assert_int_equal(evtchn_send(domb, p), 0);
        for (uint32_t q = 1; q <= EVTCHN_INLINE + 1; q++) {
            if (pending(domb, q) != (q == p) || pending(doma, q) != (q == p))
                fail_msg("a send on port %u: port %u pending %d in dom%u, %d in dom%u", p, q,
                         pending(domb, q), DOM_B, pending(doma, q), DOM_A);
        }
        guest_acknowledges(doma);
        guest_acknowledges(domb);
    }
    assert_int_equal(evtchn_close(doma, EVTCHN_INLINE), 0);
    assert_int_equal(evtchn_send(doma, EVTCHN_INLINE), -XEN_EINVAL); /* closed */
    assert_int_equal(evtchn_send(domb, EVTCHN_INLINE), 0);           /* unbound again: dropped */
    assert_true(nothing_raised(doma));
    assert_true(nothing_raised(domb));
}

/* A blocked vCPU is made runnable by an unmasked event (vcpu_wake). */
static void test_send_wakes_a_blocked_vcpu(void **state)
{
    (void)state;
    uint32_t pa, pb;
    connect(doma, &pa, domb, &pb);
    domb->vcpu->state = VCPU_blocked;
    assert_int_equal(evtchn_send(doma, pa), 0);
    assert_int_equal(domb->vcpu->state, VCPU_runnable);
}

static void test_send_on_a_masked_port_sets_pending_only(void **state)
{
    (void)state;
    uint32_t pa, pb;
    connect(doma, &pa, domb, &pb);
    mask(domb, pb);
    domb->vcpu->state = VCPU_blocked;
    assert_int_equal(evtchn_send(doma, pa), 0);
    assert_true(pending(domb, pb));
    assert_int_equal(sel(domb), 0);
    assert_int_equal(upcall(domb), 0);
    assert_int_equal(fake_wakes(domb->vcpu), 0);
    assert_int_equal(domb->vcpu->state, VCPU_blocked);

    /* Unmasking a pending port delivers it now. */
    assert_int_equal(evtchn_unmask(domb, pb), 0);
    assert_false(domb->shared_info->evtchn_mask[0] & (1u << pb));
    assert_int_equal(sel(domb), 1);
    assert_int_equal(upcall(domb), 1);
    assert_int_equal(fake_wakes(domb->vcpu), 1);
    assert_int_equal(domb->vcpu->state, VCPU_runnable);
}

static void test_unmask_of_a_port_with_nothing_pending_raises_nothing(void **state)
{
    (void)state;
    uint32_t pa, pb;
    connect(doma, &pa, domb, &pb);
    mask(domb, pb);
    assert_int_equal(evtchn_unmask(domb, pb), 0);
    assert_false(domb->shared_info->evtchn_mask[0] & (1u << pb));
    assert_true(nothing_raised(domb));
    assert_int_equal(evtchn_unmask(domb, NR_EVENT_CHANNELS), -XEN_EINVAL);
}

/* An event sits in an unmasked selector word already: no second upcall or wake-up. */
static void test_send_into_a_word_already_flagged_does_not_wake_again(void **state)
{
    (void)state;
    uint32_t pa1, pb1, pa2, pb2;
    connect(doma, &pa1, domb, &pb1);
    connect(doma, &pa2, domb, &pb2);
    domb->vcpu->state = VCPU_blocked;
    assert_int_equal(evtchn_send(doma, pa1), 0);
    domb->vcpu->state = VCPU_blocked; /* so only the flagged word keeps the second from waking */
    assert_int_equal(evtchn_send(doma, pa2), 0);
    assert_true(pending(domb, pb1));
    assert_true(pending(domb, pb2));
    assert_int_equal(fake_wakes(domb->vcpu), 1);
}

static void test_send_on_unbound_closed_virq_or_bad_ports(void **state)
{
    (void)state;
    uint32_t pu = unbound_port(doma, DOM_B);
    assert_int_equal(evtchn_send(doma, pu), 0); /* nobody listening yet: dropped */
    assert_true(nothing_raised(domb));
    assert_int_equal(evtchn_send(doma, pu + 1), -XEN_EINVAL); /* closed */
    uint32_t pv;
    assert_int_equal(bind_virq(doma, VIRQ_DEBUG, 0, &pv), 0);
    assert_int_equal(evtchn_send(doma, pv), -XEN_EINVAL); /* only the hypervisor raises a virq */
    assert_int_equal(evtchn_send(doma, 0), -XEN_EINVAL);
    assert_int_equal(evtchn_send(doma, NR_EVENT_CHANNELS), -XEN_EINVAL);
    assert_int_equal(evtchn_send(doma, 0xFFFFFFFFu), -XEN_EINVAL);
    assert_true(nothing_raised(doma));
    assert_true(nothing_raised(domb));
}

/* ---------------------------------------------------------------- close */

static void test_close_turns_the_peer_back_to_unbound(void **state)
{
    (void)state;
    uint32_t pa, pb;
    connect(doma, &pa, domb, &pb);
    assert_int_equal(evtchn_close(domb, pb), 0);
    assert_closed(domb, pb);
    assert_unbound(doma, pa, DOM_B); /* DOM_B may bind again */

    /* A send on the now unbound port reaches nobody. */
    assert_int_equal(evtchn_send(doma, pa), 0);
    assert_true(nothing_raised(domb));
    assert_int_equal(evtchn_send(domb, pb), -XEN_EINVAL);

    /* And the channel can be joined again, with the freed port reused. */
    uint32_t again;
    assert_int_equal(bind_interdomain(domb, DOM_A, pa, &again), 0);
    assert_int_equal(again, pb);
    assert_interdomain(doma, pa, DOM_B, pb);
}

static void test_close_of_a_closed_or_bad_port_is_einval(void **state)
{
    (void)state;
    uint32_t pa = unbound_port(doma, DOM_B);
    assert_int_equal(evtchn_close(doma, pa), 0);
    assert_int_equal(evtchn_close(doma, pa), -XEN_EINVAL);
    assert_int_equal(evtchn_close(doma, 0), -XEN_EINVAL);
    assert_int_equal(evtchn_close(doma, NR_EVENT_CHANNELS), -XEN_EINVAL);
    assert_int_equal(evtchn_close(doma, 0xFFFFFFFFu), -XEN_EINVAL);
}

/* Closing one end of one channel leaves the domain's other channels alone. */
static void test_close_touches_only_its_own_channel(void **state)
{
    (void)state;
    uint32_t pa1, pb1, pa2, pb2, pa0, p0;
    connect(doma, &pa1, domb, &pb1);
    connect(doma, &pa2, domb, &pb2);
    connect(doma, &pa0, dom0, &p0);
    assert_int_equal(evtchn_close(doma, pa1), 0);
    assert_unbound(domb, pb1, DOM_A);
    assert_interdomain(doma, pa2, DOM_B, pb2);
    assert_interdomain(domb, pb2, DOM_A, pa2);
    assert_interdomain(dom0, p0, DOM_A, pa0);
}

/* ---------------------------------------------------------------- virqs */

static void test_bind_virq_and_send_guest_virq(void **state)
{
    (void)state;
    uint32_t p;
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 0, &p), 0);
    assert_int_equal(p, 1);
    assert_int_equal(doma->vcpu->virq_to_port[VIRQ_TIMER], p);
    struct evtchn_status st;
    assert_int_equal(status_of(doma, DOMID_SELF, p, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_virq);
    assert_int_equal(st.u.virq, VIRQ_TIMER);

    doma->vcpu->state = VCPU_blocked;
    send_guest_virq(doma->vcpu, VIRQ_TIMER);
    assert_true(pending(doma, p));
    assert_int_equal(upcall(doma), 1);
    assert_int_equal(fake_wakes(doma->vcpu), 1);

    /* A virq nobody bound is dropped. */
    guest_acknowledges(doma);
    send_guest_virq(doma->vcpu, VIRQ_DEBUG);
    assert_false(pending(doma, p));
    assert_int_equal(upcall(doma), 0);
}

static void test_bind_virq_refusals(void **state)
{
    (void)state;
    uint32_t p;
    assert_int_equal(bind_virq(doma, NR_VIRQS, 0, NULL), -XEN_EINVAL);
    assert_int_equal(bind_virq(doma, 0xFFFFFFFFu, 0, NULL), -XEN_EINVAL);
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 1, NULL), -XEN_ENOENT); /* one vCPU only */
    assert_closed(doma, 1);
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 0, &p), 0);
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 0, NULL), -XEN_EEXIST);
    assert_closed(doma, p + 1);
    /* Another domain binds the same virq for itself. */
    assert_int_equal(bind_virq(domb, VIRQ_TIMER, 0, NULL), 0);
}

static void test_closing_a_virq_port_unbinds_the_virq(void **state)
{
    (void)state;
    uint32_t p, p2;
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 0, &p), 0);
    assert_int_equal(evtchn_close(doma, p), 0);
    assert_int_equal(doma->vcpu->virq_to_port[VIRQ_TIMER], 0);
    send_guest_virq(doma->vcpu, VIRQ_TIMER);
    assert_true(nothing_raised(doma));
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 0, &p2), 0);
    assert_int_equal(p2, p);
}

static void test_send_global_virq_goes_to_a_running_dom0(void **state)
{
    (void)state;
    uint32_t p, pa;
    assert_int_equal(bind_virq(dom0, VIRQ_DOM_EXC, 0, &p), 0);
    assert_int_equal(bind_virq(doma, VIRQ_DOM_EXC, 0, &pa), 0);
    send_global_virq(VIRQ_DOM_EXC);
    assert_true(pending(dom0, p));
    assert_true(nothing_raised(doma));
    guest_acknowledges(dom0);
    dom0->state = DOM_paused;
    send_global_virq(VIRQ_DOM_EXC);
    assert_false(pending(dom0, p));
    dom0->state = DOM_running;
}

/* ---------------------------------------------------------------- pirqs */

static long bind_pirq(struct domain *caller, uint32_t pirq, uint32_t *port)
{
    fake_set_current(caller);
    struct evtchn_bind_pirq *op = fake_guest_ptr(ARG, sizeof(*op));
    *op = (struct evtchn_bind_pirq){pirq, 0, 0xDEAD};
    long rc = do_event_channel_op(EVTCHNOP_bind_pirq, ARG);
    if (port)
        *port = op->port;
    return rc;
}

/* physdev.c decides who may own a line; the port follows its answer. */
static void test_bind_pirq_takes_a_port_only_if_physdev_agrees(void **state)
{
    (void)state;
    uint32_t p;
    assert_int_equal(bind_pirq(dom0, 14, &p), 0);
    assert_int_equal(p, 1);
    assert_int_equal(fake_pirq_binds(), 1);
    assert_int_equal(fake_last_pirq_bind().dom, 0);
    assert_int_equal(fake_last_pirq_bind().irq, 14);
    assert_int_equal(fake_last_pirq_bind().port, 1);
    struct evtchn_status st;
    assert_int_equal(status_of(dom0, DOMID_SELF, p, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_pirq);
    assert_int_equal(st.u.pirq, 14);
    assert_int_equal(evtchn_send(dom0, p), -XEN_EINVAL); /* only the line raises it */

    fake_pirq_bind_rc = -XEN_EBUSY;
    assert_int_equal(bind_pirq(dom0, 14, NULL), -XEN_EBUSY);
    assert_closed(dom0, 2); /* the refused bind used no port */
    fake_pirq_bind_rc = -XEN_EPERM;
    assert_int_equal(bind_pirq(doma, 15, NULL), -XEN_EPERM);
    assert_closed(doma, 1);
}

static void test_closing_a_pirq_port_releases_the_line(void **state)
{
    (void)state;
    uint32_t p14, p15;
    assert_int_equal(bind_pirq(dom0, 14, &p14), 0);
    assert_int_equal(bind_pirq(dom0, 15, &p15), 0);
    assert_int_equal(evtchn_close(dom0, p14), 0);
    assert_int_equal(fake_pirq_unbinds(), 1);
    assert_int_equal(fake_last_pirq_unbind().dom, 0);
    assert_int_equal(fake_last_pirq_unbind().irq, 14);
    assert_closed(dom0, p14);
    /* Destroying the domain's ports releases the rest. */
    evtchn_destroy(dom0);
    assert_int_equal(fake_pirq_unbinds(), 2);
    assert_int_equal(fake_last_pirq_unbind().irq, 15);
}

/* ---------------------------------------------------------------- status */

static void test_status_of_another_domain_needs_privilege(void **state)
{
    (void)state;
    uint32_t pa = unbound_port(doma, DOM_B);
    struct evtchn_status st;
    assert_int_equal(status_of(domb, DOM_A, pa, &st), -XEN_EPERM);
    assert_int_equal(status_of(dom0, DOM_A, pa, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, DOM_B);
    assert_int_equal(status_of(dom0, NO_DOM, 1, &st), -XEN_ESRCH);
    assert_int_equal(status_of(doma, DOMID_SELF, NR_EVENT_CHANNELS, &st), -XEN_EINVAL);
    assert_int_equal(status_of(doma, DOMID_SELF, 0, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
}

/* ---------------------------------------------------------------- the guest's pointers */

static void test_bad_argument_pointers_are_efault(void **state)
{
    (void)state;
    fake_set_current(doma);
    const uint32_t bad[] = {0, FAKE_GUEST_BASE - 4, FAKE_GUEST_BASE + FAKE_GUEST_SIZE - 2,
                            HYPERVISOR_VIRT_START, 0xFFFFFFFEu};
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(do_event_channel_op(EVTCHNOP_alloc_unbound, bad[i]), -XEN_EFAULT);
        assert_int_equal(do_event_channel_op(EVTCHNOP_send, bad[i]), -XEN_EFAULT);
        assert_int_equal(do_event_channel_op(EVTCHNOP_close, bad[i]), -XEN_EFAULT);
    }
    assert_closed(doma, 1);
    assert_int_equal(do_event_channel_op(100, ARG), -XEN_ENOSYS);
}

/* ---------------------------------------------------------------- a full table */

/* The first EVTCHN_INLINE ports live in struct domain; each page of ports after them is taken
 * when the ports before it are all in use, and counted as the domain's. */
static void test_port_exhaustion_after_1023_ports(void **state)
{
    (void)state;
    uint32_t p;
    for (uint32_t i = 1; i < NR_EVENT_CHANNELS; i++) {
        if (i == EVTCHN_INLINE - 1) {
            assert_int_equal(fake_xenheap_in_use(), 0);
            assert_int_equal(doma->hv_pages, 0);
        }
        assert_int_equal(alloc_unbound(doma, DOMID_SELF, DOM_B, &p), 0);
        assert_int_equal(p, i);
        if (i == EVTCHN_INLINE)
            assert_int_equal(fake_xenheap_in_use(), 1);
    }
    assert_int_equal(fake_xenheap_in_use(), EVTCHN_PAGES);
    assert_int_equal(doma->hv_pages, EVTCHN_PAGES);
    assert_int_equal(alloc_unbound(doma, DOMID_SELF, DOM_B, &p), -XEN_ENOSPC);
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 0, NULL), -XEN_ENOSPC);
    assert_int_equal(doma->vcpu->virq_to_port[VIRQ_TIMER], 0);
    assert_int_equal(evtchn_alloc_unbound_for(doma, 0), -XEN_ENOSPC);

    /* Binding from a full domain fails without touching the remote port. */
    uint32_t pb = unbound_port(domb, DOM_A);
    assert_int_equal(bind_interdomain(doma, DOM_B, pb, NULL), -XEN_ENOSPC);
    assert_unbound(domb, pb, DOM_A);

    /* One closed port is one free port again. */
    assert_int_equal(evtchn_close(doma, 517), 0);
    assert_int_equal(bind_interdomain(doma, DOM_B, pb, &p), 0);
    assert_int_equal(p, 517);
    assert_interdomain(domb, pb, DOM_A, 517);
}

/* A page of ports goes back when its last open port closes, however the ports were opened. */
static void test_a_page_of_ports_goes_back_with_its_last_port(void **state)
{
    (void)state;
    uint32_t p, pv = 0;
    for (uint32_t i = 1; i < EVTCHN_INLINE; i++)
        assert_int_equal(alloc_unbound(doma, DOMID_SELF, DOM_B, &p), 0);
    assert_int_equal(fake_xenheap_in_use(), 0);
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 0, &pv), 0); /* the first port of a page */
    assert_int_equal(pv, EVTCHN_INLINE);
    assert_int_equal(alloc_unbound(doma, DOMID_SELF, DOM_B, &p), 0);
    assert_int_equal(p, EVTCHN_INLINE + 1);
    assert_int_equal(fake_xenheap_in_use(), 1);
    assert_int_equal(doma->hv_pages, 1);
    assert_int_equal(evtchn_close(doma, pv), 0);
    assert_int_equal(fake_xenheap_in_use(), 1); /* one port is still open there */
    assert_int_equal(evtchn_close(doma, p), 0);
    assert_int_equal(fake_xenheap_in_use(), 0);
    assert_int_equal(doma->hv_pages, 0);
    assert_int_equal(alloc_unbound(doma, DOMID_SELF, DOM_B, &p), 0); /* and can be taken again */
    assert_int_equal(p, EVTCHN_INLINE);
    assert_int_equal(fake_xenheap_in_use(), 1);
}

/* ---------------------------------------------------------------- destruction */

/* As domain_destroy: unlisted first, then its ports closed; peers fall back to unbound. */
static void test_evtchn_destroy_closes_everything(void **state)
{
    (void)state;
    uint32_t pa1, pb1, pa2, p0, pv;
    connect(doma, &pa1, domb, &pb1);
    connect(dom0, &p0, doma, &pa2); /* dom0 allocated, doma bound */
    unbound_port(doma, DOM_B);
    assert_int_equal(bind_virq(doma, VIRQ_TIMER, 0, &pv), 0);
    uint32_t pu = unbound_port(domb, DOM_A); /* waiting for doma, which will never come */
    unsigned int heap = fake_xenheap_in_use();

    fake_domain_unlist(doma);
    assert_int_equal(heap, 0); /* its few ports live in struct domain */
    evtchn_destroy(doma);
    assert_int_equal(fake_xenheap_in_use(), 0);
    assert_int_equal(doma->vcpu->virq_to_port[VIRQ_TIMER], 0);

    assert_unbound(domb, pb1, DOM_A);
    assert_unbound(dom0, p0, DOM_A);
    assert_unbound(domb, pu, DOM_A);
    /* Sends into the dead channels are dropped; nobody's bits change. */
    assert_int_equal(evtchn_send(domb, pb1), 0);
    assert_int_equal(evtchn_send(dom0, p0), 0);
    assert_true(nothing_raised(domb));
    assert_true(nothing_raised(dom0));
    /* The survivors close their ends normally. */
    assert_int_equal(evtchn_close(domb, pb1), 0);
    assert_int_equal(evtchn_close(dom0, p0), 0);
    assert_int_equal(bind_interdomain(domb, DOM_A, 1, NULL), -XEN_ESRCH);
}

/* ---------------------------------------------------------------- SCHEDOP_poll */

static void poll_on(struct domain *d, uint32_t port)
{
    struct vcpu *v = d->vcpu;
    v->poll_port[0] = port;
    v->poll_nr = 1;
    v->state = VCPU_blocked;
}

static void test_poll_ready_when_a_polled_port_is_pending(void **state)
{
    (void)state;
    uint32_t pa1, pb1, pa2, pb2;
    connect(doma, &pa1, domb, &pb1);
    connect(doma, &pa2, domb, &pb2);
    struct vcpu *v = domb->vcpu;
    v->poll_port[0] = pb1;
    v->poll_port[1] = pb2;
    v->poll_nr = 2;
    assert_false(evtchn_poll_ready(v));
    assert_int_equal(evtchn_send(doma, pa2), 0);
    assert_true(evtchn_poll_ready(v));
    v->poll_nr = 1; /* only pb1 now */
    assert_false(evtchn_poll_ready(v));
    v->poll_nr = 0;
    assert_false(evtchn_poll_ready(v));
}

static void test_a_polling_vcpu_is_woken_even_on_a_masked_port(void **state)
{
    (void)state;
    uint32_t pa, pb;
    connect(doma, &pa, domb, &pb);
    mask(domb, pb);
    poll_on(domb, pb);
    assert_int_equal(evtchn_send(doma, pa), 0);
    assert_true(pending(domb, pb));
    assert_int_equal(upcall(domb), 0); /* masked: no upcall... */
    assert_int_equal(fake_wakes(domb->vcpu), 1);
    assert_int_equal(domb->vcpu->state, VCPU_runnable); /* ...but the poll returns */
    assert_int_equal(domb->vcpu->poll_nr, 0);
    assert_true(evtchn_poll_ready(domb->vcpu) == 0); /* no longer polling anything */
}

static void test_a_masked_event_on_another_port_does_not_end_a_poll(void **state)
{
    (void)state;
    uint32_t pa1, pb1, pa2, pb2;
    connect(doma, &pa1, domb, &pb1);
    connect(doma, &pa2, domb, &pb2);
    mask(domb, pb2);
    poll_on(domb, pb1);
    assert_int_equal(evtchn_send(doma, pa2), 0);
    assert_true(pending(domb, pb2));
    assert_int_equal(fake_wakes(domb->vcpu), 0);
    assert_int_equal(domb->vcpu->state, VCPU_blocked);
    assert_false(evtchn_poll_ready(domb->vcpu));
}

/* A new port is the lowest closed one, found from a hint rather than a walk from port 1 (dom0
 * holds a port per domU): closing one below the hint brings the hint down to it. */
static void test_a_new_port_is_the_lowest_closed_one(void **state)
{
    (void)state;
    uint32_t p[40];
    for (unsigned int i = 0; i < 40; i++)
        p[i] = unbound_port(doma, DOM_B);
    for (unsigned int i = 1; i < 40; i++)
        assert_int_equal(p[i], p[i - 1] + 1);
    assert_int_equal(port_op(doma, EVTCHNOP_close, p[35]), 0);
    assert_int_equal(port_op(doma, EVTCHNOP_close, p[3]), 0);
    assert_int_equal(unbound_port(doma, DOM_B), p[3]);
    assert_int_equal(unbound_port(doma, DOM_B), p[35]);
    assert_int_equal(unbound_port(doma, DOM_B), p[39] + 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_new_port_is_the_lowest_closed_one),
        T(test_alloc_unbound_gives_a_port_the_named_remote_may_bind),
        T(test_alloc_unbound_for_another_domain_is_refused),
        T(test_evtchn_alloc_unbound_for),
        T(test_bind_interdomain_joins_both_ends),
        T(test_bind_interdomain_from_a_domain_not_named_is_refused),
        T(test_bind_interdomain_to_an_unknown_domain_is_esrch),
        T(test_bind_interdomain_to_port_zero_or_out_of_range_is_einval),
        T(test_bind_interdomain_to_a_port_that_is_not_unbound_is_einval),
        T(test_loopback_channel),
        T(test_send_raises_the_event_at_the_peer),
        T(test_send_wakes_a_blocked_vcpu),
        T(test_send_on_a_masked_port_sets_pending_only),
        T(test_unmask_of_a_port_with_nothing_pending_raises_nothing),
        T(test_send_into_a_word_already_flagged_does_not_wake_again),
        T(test_send_on_unbound_closed_virq_or_bad_ports),
        T(test_a_send_on_either_side_of_the_inline_ports_reaches_its_peer),
        T(test_close_turns_the_peer_back_to_unbound),
        T(test_close_of_a_closed_or_bad_port_is_einval),
        T(test_close_touches_only_its_own_channel),
        T(test_bind_virq_and_send_guest_virq),
        T(test_bind_virq_refusals),
        T(test_closing_a_virq_port_unbinds_the_virq),
        T(test_send_global_virq_goes_to_a_running_dom0),
        T(test_bind_pirq_takes_a_port_only_if_physdev_agrees),
        T(test_closing_a_pirq_port_releases_the_line),
        T(test_status_of_another_domain_needs_privilege),
        T(test_bad_argument_pointers_are_efault),
        T(test_port_exhaustion_after_1023_ports),
        T(test_a_page_of_ports_goes_back_with_its_last_port),
        T(test_evtchn_destroy_closes_everything),
        T(test_poll_ready_when_a_polled_port_is_pending),
        T(test_a_polling_vcpu_is_woken_even_on_a_masked_port),
        T(test_a_masked_event_on_another_port_does_not_end_a_poll),
    };
#undef T
    return cmocka_run_group_tests_name("evtchn", tests, NULL, NULL);
}
