/*
 * domu_badfront - a block frontend that speaks the protocol badly on purpose.
 * Its disk is read-only (configs/badfront.cfg).  After a proper handshake it
 * sends requests the backend must refuse with an error response: an unknown
 * operation, no or too many segments, segments outside their page, sectors
 * beyond the disk, a write to the read-only disk, grant references it never
 * granted.  A good read must still work in between, and so must a read whose
 * two segments leave a hole in the pages (the first ends mid-page, the second
 * is in another page): a backend that maps a request's pages side by side
 * must serve it a segment at a time.  Last, it moves req_prod
 * far past what it could have produced: the backend must disconnect.
 */
#include "xtf.h"
#include <public/io/blkif.h>
#include <public/io/xenbus.h>

const char test_title[] = "blkback refuses malformed requests and disconnects a runaway frontend";

static struct blkif_front_ring ring;
static struct blkif_sring *sring;
static evtchn_port_t port;
static volatile uint32_t responses;
static char backend[64];
static uint8_t data[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t other[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t first_read[PAGE_SIZE];

static void on_event(evtchn_port_t p, void *d)
{
    responses++;
}

static int handshake(domid_t *be)
{
    char dir[48], path[96], buf[64];
    if (xtf_find_vbd(dir, backend, be))
        return -1;
    sring = alloc_page();
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&ring, sring, PAGE_SIZE);
    grant_ref_t ref = gnttab_grant_access(*be, virt_to_mfn(sring), 0);
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = *be};
    HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    port = op.port;
    bind_port(port, on_event, NULL);
    snprintf(path, sizeof(path), "%s/ring-ref", dir);
    snprintf(buf, sizeof(buf), "%u", ref);
    xenbus_write(path, buf);
    snprintf(path, sizeof(path), "%s/event-channel", dir);
    snprintf(buf, sizeof(buf), "%u", port);
    xenbus_write(path, buf);
    snprintf(path, sizeof(path), "%s/state", dir);
    xenbus_write(path, "3");
    if (xtf_wait_xenbus_state(backend, XenbusStateConnected))
        return -1;
    xenbus_write(path, "4");
    return 0;
}

/* Send one request and return the status of its response (or 99 if none came). */
static int16_t send(const struct blkif_request *req)
{
    uint32_t seen = responses;
    RING_IDX prod = ring.req_prod_pvt;
    *RING_GET_REQUEST(&ring, prod) = *req;
    ring.req_prod_pvt++;
    RING_PUSH_REQUESTS(&ring);
    notify_remote(port); /* always: we are not polite */
    for (int i = 0; i < 500 && ring.rsp_cons == sring->rsp_prod; i++) {
        uint32_t t = timer_ticks;
        block_until(&timer_ticks, t);
    }
    (void)seen;
    if (ring.rsp_cons == sring->rsp_prod)
        return 99;
    int16_t st = RING_GET_RESPONSE(&ring, ring.rsp_cons)->status;
    ring.rsp_cons++;
    return st;
}

static struct blkif_request request(uint8_t op, uint64_t sector, grant_ref_t g, uint8_t first,
                                    uint8_t last)
{
    struct blkif_request r = {.operation = op, .nr_segments = 1, .id = 7, .sector_number = sector};
    r.seg[0] = (struct blkif_request_segment){g, first, last, 0};
    return r;
}

static void expect_status(int16_t got, int16_t want, const char *what)
{
    if (got != want)
        xtf_failure("%s: status %d, expected %d", what, got, want);
}

/* Sectors 0-7 as two segments: 0-3 into the first half of data's page, 4-7 into the first half
 * of other's; each half must hold what the one-segment read of 0-7 put there. */
static void read_with_a_hole(grant_ref_t g, grant_ref_t g_other)
{
    struct blkif_request r = request(BLKIF_OP_READ, 0, g, 0, 3);
    r.nr_segments = 2;
    r.seg[1] = (struct blkif_request_segment){g_other, 0, 3, 0};
    memset(data, 0xaa, PAGE_SIZE);
    memset(other, 0xaa, PAGE_SIZE);
    expect_status(send(&r), BLKIF_RSP_OKAY, "a read whose segments leave a hole");
    if (memcmp(data, first_read, PAGE_SIZE / 2) ||
        memcmp(other, first_read + PAGE_SIZE / 2, PAGE_SIZE / 2))
        xtf_failure("a read whose segments leave a hole put the wrong bytes in its pages");
}

void test_main(void)
{
    domid_t be;
    if (handshake(&be))
        return xtf_failure("the handshake did not complete (backend %s)",
                           xenbus_state_name((int)xtf_xenbus_state(backend)));
    char path[96], buf[32];
    snprintf(path, sizeof(path), "%s/sectors", backend);
    xenbus_read(path, buf, sizeof(buf));
    uint64_t sectors = strtoul(buf, NULL, 10);
    grant_ref_t g = gnttab_grant_access(be, virt_to_mfn(data), 0);

    struct blkif_request r = request(BLKIF_OP_READ, 0, g, 0, 7);
    expect_status(send(&r), BLKIF_RSP_OKAY, "a good read");
    memcpy(first_read, data, PAGE_SIZE);
    read_with_a_hole(g, gnttab_grant_access(be, virt_to_mfn(other), 0));
    r = request(BLKIF_OP_READ, 0, g, 0, 7);
    r.operation = 99;
    expect_status(send(&r), BLKIF_RSP_EOPNOTSUPP, "operation 99");
    r = request(BLKIF_OP_READ, 0, g, 0, 7);
    r.nr_segments = 0;
    expect_status(send(&r), BLKIF_RSP_ERROR, "a read with no segments");
    r.nr_segments = 12;
    expect_status(send(&r), BLKIF_RSP_ERROR, "12 segments");
    r = request(BLKIF_OP_READ, 0, g, 5, 3);
    expect_status(send(&r), BLKIF_RSP_ERROR, "first_sect after last_sect");
    r = request(BLKIF_OP_READ, 0, g, 0, 8);
    expect_status(send(&r), BLKIF_RSP_ERROR, "a segment past its page");
    r = request(BLKIF_OP_READ, sectors, g, 0, 0);
    expect_status(send(&r), BLKIF_RSP_ERROR, "the sector just past the disk");
    r = request(BLKIF_OP_READ, sectors - 1, g, 0, 1);
    expect_status(send(&r), BLKIF_RSP_ERROR, "two sectors straddling the end");
    r = request(BLKIF_OP_READ, 1ull << 62, g, 0, 0);
    expect_status(send(&r), BLKIF_RSP_ERROR, "sector 2^62");
    r = request(BLKIF_OP_WRITE, 0, g, 0, 7);
    expect_status(send(&r), BLKIF_RSP_ERROR, "a write to the read-only disk");
    r = request(BLKIF_OP_READ, 0, 1999, 0, 7);
    expect_status(send(&r), BLKIF_RSP_ERROR, "a grant reference never granted");
    r = request(BLKIF_OP_READ, 0, g, 0, 7);
    expect_status(send(&r), BLKIF_RSP_OKAY, "a good read after all that");

    /* Claim 1000 requests more than the ring can hold. */
    sring->req_prod = ring.req_prod_pvt + 1000;
    notify_remote(port);
    if (xtf_wait_xenbus_state(backend, XenbusStateClosed))
        xtf_failure("the backend did not disconnect (it is %s)",
                    xenbus_state_name((int)xtf_xenbus_state(backend)));
}
