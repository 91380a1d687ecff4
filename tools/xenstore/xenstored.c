/*
 * xenstored.c - dom0's xenstore service: the transport around the store.
 *
 * Each domU has a xenstore page (grant reference 1) with a request ring and
 * a response ring, and an event channel.  xenstored_introduce() maps the page
 * and binds the channel when the domain is created, and tells the store about
 * the domain (which creates /local/domain/<id>, owned by it).  A client's
 * event puts it on a pending list (in the upcall, as consoled's consoles),
 * and xenstored_poll(), at dom0's next wake-up, serves only the listed
 * clients: it takes whole requests off each one's request ring, has the store
 * answer them (tools/xenstore/xs_store.c: permissions, watches), and queues
 * the replies on the response ring.  Watch events can be queued for any
 * domain by any change, so when the store has queued some since the last
 * poll (xs_store_events_queued()), every client with events waiting is served
 * too.  So a wake-up of dom0 costs the clients that asked, not one look at
 * every domU: with a thousand domUs the look at every ring, at every wake-up,
 * was most of dom0's time (issue 15).  Like a backend
 * driver it trusts nothing in the ring: indices that run ahead of the ring's
 * size, or a message longer than the protocol allows, disconnect the domain
 * from the store instead of being followed.
 */
#include <os.h>
#include <pending.h>
#include <public/io/xs_wire.h>
#include <table.h>
#include "xenstored.h"

/* The store's arena: a page of it for every 64 of dom0's pages, at least 256 KiB (a
 * domain's own nodes take a few hundred bytes, so a 64 MiB dom0 has room for thousands). */
#define ARENA_MIN_PAGES 64

struct client {
    int in_use; /* first: a table record (guests/minios/table.c) */
    int broken;
    struct pending_link pending; /* its channel fired since the last poll */
    domid_t dom;
    struct xenstore_domain_interface *ring;
    grant_handle_t handle;
    evtchn_port_t port;
    uint8_t msg[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX]; /* a request being assembled */
    uint32_t have;
    uint8_t out[XS_REPLY_MAX]; /* a reply that did not fit on the response ring yet */
    uint32_t out_len;
};

static struct xs_store store;
struct xs_store *xenstore;
void (*xenstored_changed)(domid_t dom);
static struct table clients = TABLE_OF(struct client); /* grows with the domains */
static struct pending_list pending_list; /* clients whose channel fired since the last poll */
static uint32_t events_seen;             /* xs_store_events_queued() at the last poll */
static uint8_t reply[XS_REPLY_MAX];

int xenstored_init(void)
{
    uint32_t pages = MAX(ARENA_MIN_PAGES, start_info.nr_pages / 64);
    void *arena = alloc_pages(pages);
    if (!arena || xs_store_init(&store, arena, pages * PAGE_SIZE))
        return -1;
    xenstore = &store;
    return 0;
}

/* With events masked (the upcall): c joins the pending list. */
static void mark_pending(evtchn_port_t port, void *data)
{
    pending_add(&pending_list, &((struct client *)data)->pending);
}

int xenstored_introduce(domid_t dom, uint32_t remote_port)
{
    struct client *c = table_new(&clients);
    if (!c) {
        printf("xenstored: out of memory for domain %u's client record\n", dom);
        return -1;
    }
    if (xs_store_introduce_domain(&store, dom))
        return -1;
    *c = (struct client){.dom = dom};
    struct gnttab_map_grant_ref map;
    gnttab_map_args(&map, dom, GNTTAB_RESERVED_XENSTORE, 0);
    c->ring = gnttab_map(&map);
    if (!c->ring) {
        printf("xenstored: cannot map domain %u's store page%s (status %d)\n", dom,
               map.status == GNTST_no_device_space ? ": dom0's grant area is full" : "",
               map.status);
        return -1;
    }
    c->handle = map.handle;
    int port = bind_interdomain(dom, remote_port, mark_pending, c);
    if (port < 0) {
        gnttab_unmap(c->ring, c->handle);
        printf("xenstored: cannot bind domain %u's store channel%s (%d)\n", dom,
               port == -XEN_ENOSPC ? ": dom0's event channels are all in use" : "", port);
        return -1;
    }
    c->port = (evtchn_port_t)port;
    if (table_set_id(&clients, dom, c)) {
        unbind_port(c->port, mark_pending, c);
        gnttab_unmap(c->ring, c->handle);
        printf("xenstored: out of memory for domain %u's entry in the index\n", dom);
        return -1;
    }
    c->in_use = 1;
    int old = local_events_disable();
    mark_pending(c->port, c); /* what it asked before its channel was bound */
    local_events_restore(old);
    return 0;
}

void xenstored_release(domid_t dom)
{
    struct client *c = table_by_id(&clients, dom);
    if (c) {
        unbind_port(c->port, mark_pending, c); /* its console may share the port */
        pending_remove(&pending_list, &c->pending);
        gnttab_unmap(c->ring, c->handle);
        table_set_id(&clients, dom, NULL);
        table_free(&clients, c);
    }
    xs_store_release_domain(&store, dom);
}

static void disconnect(struct client *c, const char *why)
{
    printf("xenstored: domain %u disconnected: %s\n", c->dom, why);
    c->broken = 1;
}

/* Queue a whole message on the response ring; 0 if there was no room. */
static int put_response(struct client *c, const void *msg, uint32_t len)
{
    struct xenstore_domain_interface *r = c->ring;
    XENSTORE_RING_IDX cons = r->rsp_cons, prod = r->rsp_prod;
    barrier();
    if (prod - cons > XENSTORE_RING_SIZE) {
        disconnect(c, "response ring indices are corrupt");
        return 0;
    }
    if (XENSTORE_RING_SIZE - (prod - cons) < len)
        return 0;
    for (uint32_t i = 0; i < len; i++)
        r->rsp[MASK_XENSTORE_IDX(prod + i)] = ((const char *)msg)[i];
    barrier();
    r->rsp_prod = prod + len;
    return 1;
}

/* Pull request bytes into c->msg; returns 1 when a whole message is there. */
static int take_request(struct client *c)
{
    struct xenstore_domain_interface *r = c->ring;
    XENSTORE_RING_IDX cons = r->req_cons, prod = r->req_prod;
    barrier();
    if (prod - cons > XENSTORE_RING_SIZE) {
        disconnect(c, "request ring indices run past the ring");
        return 0;
    }
    const struct xsd_sockmsg *h = (const struct xsd_sockmsg *)c->msg;
    for (;;) {
        uint32_t want = c->have < sizeof(*h) ? sizeof(*h) : sizeof(*h) + h->len;
        if (c->have >= sizeof(*h) && h->len > XENSTORE_PAYLOAD_MAX) {
            disconnect(c, "a message longer than the protocol allows");
            return 0;
        }
        if (c->have == want && c->have >= sizeof(*h))
            break;
        if (cons == prod)
            break;
        c->msg[c->have++] = r->req[MASK_XENSTORE_IDX(cons++)];
    }
    barrier();
    r->req_cons = cons;
    return c->have >= sizeof(*h) && c->have == sizeof(*h) + h->len;
}

static int changes_the_store(uint32_t type)
{
    return type == XS_WRITE || type == XS_MKDIR || type == XS_RM || type == XS_SET_PERMS ||
           type == XS_TRANSACTION_END;
}

static void serve(struct client *c)
{
    int sent = 0;
    /* A reply still waiting for room goes first; no new request until it is out. */
    if (c->out_len && put_response(c, c->out, c->out_len)) {
        c->out_len = 0;
        sent = 1;
    }
    while (!c->broken && !c->out_len && take_request(c)) {
        const struct xsd_sockmsg *h = (const struct xsd_sockmsg *)c->msg;
        size_t n =
            xs_store_handle(&store, c->dom, h, (const char *)(h + 1), c->out, sizeof(c->out));
        c->have = 0;
        if (xenstored_changed && changes_the_store(h->type))
            xenstored_changed(c->dom);
        c->out_len = (uint32_t)n;
        if (!put_response(c, c->out, c->out_len))
            break; /* the ring is full: it goes out when the client has read some */
        c->out_len = 0;
        sent = 1;
    }
    for (;;) { /* watch events, while there is room */
        size_t n = xs_store_next_event(&store, c->dom, reply, sizeof(reply));
        if (!n)
            break;
        if (!put_response(c, reply, (uint32_t)n))
            break; /* dropped: the store queues a bounded number per domain */
        sent = 1;
    }
    if (sent)
        notify_remote(c->port);
}

/* A domain with watch events waiting: serve its client, if it has one that works. */
static void serve_events_of(void *ctx, uint16_t dom)
{
    (void)ctx;
    struct client *c = table_by_id(&clients, dom);
    if (c && c->in_use && !c->broken)
        serve(c);
}

/*
 * The store queued watch events since the last poll: serve every client that has some, found
 * through the store's list of watching domains rather than by asking for each client (a
 * thousand domUs made every create's @introduceDomain event, queued for dom0, a walk of all of
 * them: issue 15).
 */
static void deliver_events(void)
{
    uint32_t queued = xs_store_events_queued(&store);
    if (queued == events_seen)
        return;
    events_seen = queued;
    xs_store_serve_events(&store, serve_events_of, NULL);
}

void xenstored_poll(void)
{
    for (struct pending_link *l = pending_take(&pending_list), *next; l; l = next) {
        next = pending_next(l);
        struct client *c = pending_record(l, struct client, pending);
        if (c->in_use && !c->broken)
            serve(c);
    }
    deliver_events();
}
