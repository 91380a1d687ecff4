/*
 * xenbus.c - a domU's xenstore client: requests on the xenstore page's
 * request ring, replies on its response ring (start_info.store_mfn and
 * store_evtchn), one request at a time.  dom0 is the store and reads it
 * directly (tools/xenstore), so this is for domUs only.
 *
 * Tour 21/58 - after time.c, before cmdline.c.
 */
#include <os.h>
#include <public/io/xs_wire.h>

static struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static volatile uint32_t xs_events;
static uint32_t next_req_id = 1;

static void xs_event(evtchn_port_t p, void *data)
{
    xs_events++;
}

void xenbus_init(void)
{
    if (is_native() || is_initial_domain())
        return;
    int pfn = mfn_to_pfn(start_info.store_mfn);
    if (pfn < 0)
        return;
    ring = pfn_to_virt((uint32_t)pfn);
    port = start_info.store_evtchn;
    bind_port(port, xs_event, NULL);
}

static void write_bytes(const void *data, uint32_t len)
{
    const char *p = data;
    while (len) {
        uint32_t seen = xs_events;
        XENSTORE_RING_IDX prod = ring->req_prod;
        uint32_t space = XENSTORE_RING_SIZE - (prod - ring->req_cons);
        if (!space) {
            notify_remote(port);
            block_until(&xs_events, seen);
            continue;
        }
        uint32_t n = MIN(len, space);
        for (uint32_t i = 0; i < n; i++)
            ring->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
        barrier();
        ring->req_prod = prod + n;
        p += n, len -= n;
    }
    notify_remote(port);
}

/* Read `len` reply bytes; -1 if the store has not answered within 10 s. */
static int read_bytes(void *data, uint32_t len)
{
    char *p = data;
    uint64_t deadline = monotonic_ns() + 10000000000ull;
    while (len) {
        uint32_t seen = event_count; /* any event: the store's reply, or a timer tick */
        XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
        barrier();
        if (cons == prod) {
            if (monotonic_ns() > deadline) {
                printf("xenbus: the xenstore has not answered for 10 s\n");
                return -1;
            }
            block_until(&event_count, seen);
            continue;
        }
        while (len && cons != prod) {
            *p++ = ring->rsp[MASK_XENSTORE_IDX(cons++)];
            len--;
        }
        barrier();
        ring->rsp_cons = cons;
        notify_remote(port);
    }
    return 0;
}

/*
 * Send one request and wait for its reply (watch events that arrive meanwhile
 * are dropped: this client registers none).  Returns the reply's payload
 * length, or -1 if the store answered XS_ERROR (its text is in `out`).
 */
int xenbus_request(uint32_t type, const char *a, const char *b, uint32_t blen, char *out,
                   uint32_t cap)
{
    if (!ring)
        return -1;
    uint32_t alen = strlen(a) + 1;
    struct xsd_sockmsg h = {type, next_req_id++, 0, alen + blen};
    write_bytes(&h, sizeof(h));
    write_bytes(a, alen);
    if (blen)
        write_bytes(b, blen);
    for (;;) {
        struct xsd_sockmsg r;
        char payload[XENSTORE_PAYLOAD_MAX];
        if (read_bytes(&r, sizeof(r)))
            return -1;
        uint32_t n = MIN(r.len, (uint32_t)sizeof(payload));
        if (read_bytes(payload, n))
            return -1;
        if (r.type == XS_WATCH_EVENT || r.req_id != h.req_id)
            continue;
        uint32_t k = MIN(n, cap ? cap - 1 : 0);
        memcpy(out, payload, k);
        if (cap)
            out[k] = 0;
        return r.type == XS_ERROR ? -1 : (int)n;
    }
}

int xenbus_read(const char *path, char *out, uint32_t cap)
{
    return xenbus_request(XS_READ, path, NULL, 0, out, cap);
}

int xenbus_write(const char *path, const char *value)
{
    char reply[32];
    return xenbus_request(XS_WRITE, path, value, strlen(value), reply, sizeof(reply)) < 0 ? -1 : 0;
}
