/*
 * evtchn_dispatch.h - which handler minios calls for which pending port
 * (guests/minios/events.c: do_hypervisor_callback(), bind_port(),
 * unbind_port()).
 *
 * The hypervisor raises a port by setting its bit in shared_info's
 * evtchn_pending words and, unless the port is masked, its word's bit in
 * vcpu_info's evtchn_pending_sel; when that selector bit was clear it also
 * sets evtchn_upcall_pending.  evtchn_dispatch() takes the selector with one
 * xchg and serves a port a turn: the lowest word the selector names is read
 * again after each handler, so a port raised there meanwhile is served in
 * the same call, and the word leaves the selector when nothing in it is
 * ready (pending and not masked).  A port raised in a word the call has
 * already left sets the selector and the upcall again, for the caller's
 * next look.  Each port's pending bit is cleared before its handler runs, so
 * an event that arrives during the handler is not lost.  A masked port is
 * left pending (unmasking it raises it again, EVTCHNOP_unmask).
 *
 * A port may carry PORT_HANDLERS handlers (dom0's console and xenstore
 * services share a domU's channel), but the dispatch makes one call a port:
 * port_route() keeps called[port] as the port's one handler, or
 * port_run_both() when it has two, so the common port costs one test and
 * one call.  Records of 8 bytes, which an address can scale a port by.
 *
 * Pure and inline: tests/unit/test_evtchn_dispatch.c builds it on the host.
 */
#ifndef MINIOS_EVTCHN_DISPATCH_H
#define MINIOS_EVTCHN_DISPATCH_H

#include <stdint.h>
#include <public/xen.h>
#include <public/event_channel.h>

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *data);

#define PORT_HANDLERS 2 /* port_run_both() calls both */

struct handler {
    evtchn_handler_t fn;
    void *data;
};

struct port_handlers {
    struct handler called[NR_EVENT_CHANNELS];               /* the dispatch's one call */
    struct handler bound[PORT_HANDLERS][NR_EVENT_CHANNELS]; /* [i][port]: its i-th handler */
};

/* A port with two handlers (data: its struct port_handlers): both, in turn; the first may
 * unbind the second. */
static inline void port_run_both(evtchn_port_t port, void *data)
{
    _Static_assert(PORT_HANDLERS == 2, "port_run_both() calls two handlers");
    struct port_handlers *t = data;
    for (int i = 0; i < PORT_HANDLERS; i++)
        if (t->bound[i][port].fn)
            t->bound[i][port].fn(port, t->bound[i][port].data);
}

/* After a port's handlers changed: the dispatch's call for it (none with no handler). */
static inline void port_route(struct port_handlers *t, evtchn_port_t port)
{
    struct handler *first = &t->bound[0][port], *second = &t->bound[1][port];
    if (first->fn && second->fn)
        t->called[port] = (struct handler){port_run_both, t};
    else
        t->called[port] = first->fn ? *first : *second;
}

static inline uint32_t evtchn_xchg(volatile uint32_t *p, uint32_t v)
{
    __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p)::"memory");
    return v;
}

/* Clear a port's pending bit: one locked btr (the hypervisor may set others meanwhile). */
static inline void evtchn_clear_pending(struct shared_info *s, uint32_t port)
{
    __asm__ volatile("lock btrl %1, %0" : "+m"(*s->evtchn_pending) : "r"(port) : "memory");
}

/* One instruction, not a load, an add and a store (the counter is volatile). */
static inline void evtchn_count(volatile uint32_t *count)
{
    __asm__ volatile("incl %0" : "+m"(*count));
}

/* Events masked: serve every ready port of vCPU 0 the selector names, counting each in *count. */
static inline __attribute__((always_inline)) void
evtchn_dispatch(struct shared_info *s, const struct port_handlers *t, volatile uint32_t *count)
{
    struct vcpu_info *vi = &s->vcpu_info[0];
    vi->evtchn_upcall_pending = 0;
    uint32_t sel = evtchn_xchg(&vi->evtchn_pending_sel, 0);
    while (sel) {
        uint32_t w = __builtin_ctz(sel);
        uint32_t ready = s->evtchn_pending[w] & ~s->evtchn_mask[w];
        if (!ready) {
            sel &= sel - 1;
            continue;
        }
        uint32_t port = w * 32 + __builtin_ctz(ready);
        evtchn_clear_pending(s, port);
        if (t->called[port].fn)
            t->called[port].fn(port, t->called[port].data);
        evtchn_count(count);
    }
}

#endif
