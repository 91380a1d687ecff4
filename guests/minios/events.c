/*
 * events.c - event channels in minios.
 *
 * The hypervisor's upcall lands in hypervisor_callback (entry.S), which calls
 * do_hypervisor_callback() with events masked.  A kernel that waits for an
 * event calls it itself (wait_for_events()): it sleeps with events masked,
 * and the hypervisor, waking it, makes no upcall.  We walk the two-level bitmap
 * as Xen guests do (include/evtchn_dispatch.h): evtchn_pending_sel says which
 * 32-port words have news; within a word, a port is ready if pending and not
 * masked.  Each ready port's pending bit is cleared before its handler runs,
 * so an event that arrives during the handler is not lost.
 *
 * A port may carry PORT_HANDLERS handlers, each called in turn: a domU's
 * console and xenstore share one channel to dom0 (hv/domain_build.c:
 * setup_devices(), so that dom0's 1,024 ports serve a domU each), and in
 * dom0 consoled and xenstored bind the same channel; bind_interdomain() to a
 * remote port this domain has already bound adds a handler to that binding,
 * and unbind_port() closes the port with its last handler.
 *
 * Natively there is no hypervisor to set the bits: the IRQ entry
 * (arch/native/irq.c) sets them in the same page, for the port an IRQ was
 * bound to, and enters the same upcall.  Only the calls that reach the
 * other side go through the operations table (machine.h).
 *
 * Tour 16/58 - after console.c, before mm.c.
 */
#include <os.h>

/* The shared_info page is at shared_info_page in both modes (machine.events_init()), so the
 * event paths below address it as a constant: no load of HYPERVISOR_shared_info, and the
 * dispatch keeps no register for it. */
static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define SHARED_INFO ((struct shared_info *)shared_info_page)
struct shared_info *HYPERVISOR_shared_info;

static struct port_handlers ports; /* each port's handlers, and the dispatch's call */
/*
 * An interdomain port's other end, to find a binding again (bind_interdomain): chained in
 * REMOTE_BUCKETS by (domain, port), so that dom0's second service to bind a domU's channel
 * finds it without a walk past a port per domU (issue 15).  A chain link is a local port; 0 ends.
 */
#define REMOTE_BUCKETS 256
static struct {
    domid_t dom;
    uint16_t port;
    uint16_t next;
} remote_end[NR_EVENT_CHANNELS];
static uint16_t remote_bucket[REMOTE_BUCKETS];

static uint16_t *remote_chain(domid_t dom, evtchn_port_t port)
{
    return &remote_bucket[(dom * 31u + port) % REMOTE_BUCKETS];
}

/* Events masked: the upcall's work, and wait_for_events()'s after a block (every event). */
LEAN void do_hypervisor_callback(void)
{
    evtchn_dispatch(SHARED_INFO, &ports, &event_count);
}

void local_events_enable(void)
{
    struct vcpu_info *vi = &SHARED_INFO->vcpu_info[0];
    vi->evtchn_upcall_mask = 0;
    barrier();
    if (vi->evtchn_upcall_pending)
        machine.kick_events(); /* PV: any hypercall, whose exit delivers the upcall */
}

void mask_evtchn(evtchn_port_t port)
{
    __atomic_fetch_or(&HYPERVISOR_shared_info->evtchn_mask[port / 32], 1u << (port % 32),
                      __ATOMIC_SEQ_CST);
}

void unmask_evtchn(evtchn_port_t port)
{
    machine.unmask_port(port);
}

/* shared_info in shared_info_page (PV: the hypervisor's, mapped there), every port masked. */
void events_init(void)
{
    machine.events_init(shared_info_page);
    HYPERVISOR_shared_info = SHARED_INFO;
    for (int i = 0; i < 32; i++)
        HYPERVISOR_shared_info->evtchn_mask[i] = ~0u;
}

volatile uint32_t event_count;
void (*service_hook)(void);

/* Add a handler to a port (a port has PORT_HANDLERS at most), and unmask it. */
void bind_port(evtchn_port_t port, evtchn_handler_t h, void *data)
{
    int i = 0;
    while (i < PORT_HANDLERS && ports.bound[i][port].fn &&
           !(ports.bound[i][port].fn == h && ports.bound[i][port].data == data))
        i++;
    if (i == PORT_HANDLERS)
        crash("an event channel with more handlers than PORT_HANDLERS");
    ports.bound[i][port] = (struct handler){h, data};
    port_route(&ports, port);
    unmask_evtchn(port);
}

/* The port already bound to (remote, remote_port), or 0. */
static evtchn_port_t bound_to(domid_t remote, evtchn_port_t remote_port)
{
    for (uint16_t p = *remote_chain(remote, remote_port); p; p = remote_end[p].next)
        if (remote_end[p].dom == remote && remote_end[p].port == remote_port)
            return p;
    return 0;
}

static void remember_remote(evtchn_port_t port, domid_t remote, evtchn_port_t remote_port)
{
    uint16_t *chain = remote_chain(remote, remote_port);
    remote_end[port].dom = remote;
    remote_end[port].port = (uint16_t)remote_port;
    remote_end[port].next = *chain;
    *chain = (uint16_t)port;
}

/* Forget a closed port's other end (a no-op for a port bound otherwise). */
static void forget_remote(evtchn_port_t port)
{
    uint16_t *p = remote_chain(remote_end[port].dom, remote_end[port].port);
    while (*p && *p != port)
        p = &remote_end[*p].next;
    if (*p)
        *p = remote_end[port].next;
    remote_end[port].dom = remote_end[port].port = remote_end[port].next = 0;
}

int bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_handler_t h, void *data)
{
    struct evtchn_bind_interdomain op = {.remote_dom = remote, .remote_port = remote_port};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
    if (rc == -XEN_EINVAL && (op.local_port = bound_to(remote, remote_port)))
        rc = 0; /* bound already, by another service of ours: it shares the port */
    else if (rc == 0)
        remember_remote(op.local_port, remote, remote_port);
    if (rc < 0)
        return (int)rc;
    bind_port(op.local_port, h, data);
    return (int)op.local_port;
}

/* Take one handler off a port; the port is closed with its last one. */
void unbind_port(evtchn_port_t port, evtchn_handler_t h, void *data)
{
    int left = 0;
    for (int i = 0; i < PORT_HANDLERS; i++) {
        struct handler *hd = &ports.bound[i][port];
        if (hd->fn == h && hd->data == data)
            *hd = (struct handler){0};
        left += hd->fn != NULL;
    }
    port_route(&ports, port);
    if (!left)
        close_port(port);
}

/* Every notification between domains (a ping-pong sends two a round trip): a lean call. */
LEAN void notify_remote(evtchn_port_t port)
{
    _Static_assert(sizeof(struct evtchn_send) == sizeof(port), "a send's argument is its port");
    lean_hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint32_t)&port); /* in place */
}

void close_port(evtchn_port_t port)
{
    mask_evtchn(port);
    for (int i = 0; i < PORT_HANDLERS; i++)
        ports.bound[i][port] = (struct handler){0};
    port_route(&ports, port);
    forget_remote(port);
    struct evtchn_close op = {port};
    HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

int bind_virq(uint32_t virq, evtchn_handler_t h, void *data)
{
    int port = machine.bind_virq(virq);
    if (port < 0)
        return port;
    bind_port((evtchn_port_t)port, h, data);
    return port;
}

int bind_pirq(uint32_t irq, evtchn_handler_t h, void *data)
{
    int port = machine.bind_pirq(irq);
    if (port < 0)
        return port;
    bind_port((evtchn_port_t)port, h, data);
    return port;
}

/*
 * With events masked: sleep until an event is pending (at once if one is), then handle every
 * pending port here, by a plain call.  machine.block (pvlab's masked SCHEDOP_block; natively
 * cli, test, sti; hlt) sleeps only if no upcall is pending, atomically with that test, so an
 * event that arrives before the block is not lost; and it leaves events masked, so the one
 * that wakes us is not delivered as an upcall (a bounce frame, the registers saved, an iret)
 * but dispatched here as it would be there.
 */
LEAN void wait_for_events(void)
{
    if (!SHARED_INFO->vcpu_info[0].evtchn_upcall_pending)
        machine.block();
    do_hypervisor_callback();
}

/* Sleep until *counter changes; events are masked while we look and wait, then as they were. */
LEAN void block_until(volatile uint32_t *counter, uint32_t old)
{
    int was = local_events_disable();
    while (*counter == old)
        wait_for_events();
    local_events_restore(was);
}
