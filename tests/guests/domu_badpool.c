/*
 * domu_badpool - a block frontend that offers blkback I/O pools (feature-persistent, pvlab's
 * form: io/blkif.h), bad ones first.  Its disk is writable (configs/badpool.cfg).  For each bad
 * offer it connects, checks that the disk still works through an ordinary grant, and closes
 * again (Closing, then Initialising: blkback goes back to InitWait): pool-pages 0, 65 and a
 * number past 2^32, references it reserved and never granted, references granted read-only, a
 * pool only partly granted, and a range that would overflow the references.  blkback must
 * refuse each with a logged reason (the test reads dom0's log) and leave none of the pool's
 * pages mapped: the grants it could have mapped must end at once.
 *
 * Then a valid pool of POOL pages: a read and a write through it must move the right sectors
 * (the host checks the write on the image), a mixed request and one whose references jump
 * must still be served; and while it is mapped the frontend cannot take a page back: ending a
 * pool grant is refused, a page remapped read-only in our own tables cannot become a page
 * table, and a grant entry rewritten to name another frame, or made invalid behind the
 * hypervisor's back, changes nothing for blkback, whose reads still land in the pool's pages.
 * Closing the disk unmaps the pool: every pool grant ends.  Last, the pool is offered again and
 * left mapped; the guest says so, waits for dom0 to look at `xm-lite block-list`, and ends with
 * it mapped: destroying the domain must unmap it, and every frame come back.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/io/blkif.h>
#include <public/io/xenbus.h>

const char test_title[] = "blkback refuses bad I/O pools and a mapped pool cannot be taken back";

#define POOL     8    /* pages of the valid pool */
#define W_SECTOR 1000 /* where the pool's write goes, on the disk */
#define W_PAGES  2

static struct blkif_front_ring ring;
static struct blkif_sring *sring;
static grant_ref_t ring_ref;
static evtchn_port_t port;
static domid_t be;
static char backend[64], dir[48];
static uint8_t data[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t other[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t pool[POOL][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t first_pages[2][PAGE_SIZE]; /* sectors 0-15, read through an ordinary grant */
static grant_ref_t g;                     /* data's ordinary grant */

static void on_event(evtchn_port_t p, void *d) {}

static void write_key(const char *key, const char *value)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    xenbus_write(path, value);
}

static void write_u(const char *key, uint32_t v)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", v);
    write_key(key, buf);
}

/* Connect with these pool keys: a fresh ring and event channel, Initialised, Connected. */
static int connect(const char *pool_ref, const char *pool_pages)
{
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&ring, sring, PAGE_SIZE);
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = be};
    if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op))
        return -1;
    port = op.port;
    bind_port(port, on_event, NULL);
    write_u("ring-ref", ring_ref);
    write_u("event-channel", port);
    write_key("feature-persistent", "1");
    write_key("pool-ref", pool_ref);
    write_key("pool-pages", pool_pages);
    write_u("state", XenbusStateInitialised);
    if (xtf_wait_xenbus_state(backend, XenbusStateConnected))
        return -1;
    write_u("state", XenbusStateConnected);
    return 0;
}

/* Close the disk: blkback disconnects, unmapping the pool first.  0, or -1. */
static int close_disk(void)
{
    write_u("state", XenbusStateClosing);
    return xtf_wait_xenbus_state(backend, XenbusStateClosed);
}

/* After close_disk(): start again, and blkback goes back to InitWait.  0, or -1. */
static int restart(void)
{
    unbind_port(port, on_event, NULL);
    write_u("state", XenbusStateInitialising);
    return xtf_wait_xenbus_state(backend, XenbusStateInitWait);
}

static int close_and_restart(void)
{
    return close_disk() || restart() ? -1 : 0;
}

/* Send one request and return the status of its response (or 99 if none came). */
static int16_t send(const struct blkif_request *req)
{
    *RING_GET_REQUEST(&ring, ring.req_prod_pvt) = *req;
    ring.req_prod_pvt++;
    RING_PUSH_REQUESTS(&ring);
    notify_remote(port);
    for (int i = 0; i < 500 && ring.rsp_cons == sring->rsp_prod; i++) {
        uint32_t t = timer_ticks;
        block_until(&timer_ticks, t);
    }
    if (ring.rsp_cons == sring->rsp_prod)
        return 99;
    int16_t st = RING_GET_RESPONSE(&ring, ring.rsp_cons)->status;
    ring.rsp_cons++;
    return st;
}

/* A request of n whole pages from `sector`, page k through grant reference refs[k]. */
static int16_t rw(uint8_t op, uint64_t sector, const grant_ref_t *refs, uint32_t n)
{
    struct blkif_request r = {.operation = op, .id = 15, .sector_number = sector};
    r.nr_segments = (uint8_t)n;
    for (uint32_t k = 0; k < n; k++)
        r.seg[k] = (struct blkif_request_segment){refs[k], 0, BLKIF_SECTORS_PER_PAGE - 1, 0};
    return send(&r);
}

/* The disk works through an ordinary grant: sectors 0-7 read into data as the first time. */
static void disk_still_works(const char *after)
{
    memset(data, 0, PAGE_SIZE);
    if (rw(BLKIF_OP_READ, 0, &g, 1) != BLKIF_RSP_OKAY || memcmp(data, first_pages[0], PAGE_SIZE))
        xtf_failure("after %s: a read through an ordinary grant failed", after);
}

/* References granted (or not) for a bad pool, ended once blkback has refused it: if blkback
 * had left any of them mapped, its grant could not end. */
static void refused_pool(const char *what, const char *ref, const char *pages, grant_ref_t first,
                         uint32_t granted)
{
    if (connect(ref, pages))
        return xtf_failure("%s: the disk did not connect (backend %s)", what,
                           xenbus_state_name((int)xtf_xenbus_state(backend)));
    disk_still_works(what);
    for (uint32_t i = 0; i < granted; i++)
        if (gnttab_end_access(first + i))
            xtf_failure("%s: reference %u is still mapped by blkback", what, first + i);
    if (close_and_restart())
        xtf_failure("%s: the disk did not close and start again", what);
}

static void grant_pool(grant_ref_t first, uint32_t n, int readonly)
{
    const void *pages[POOL];
    grant_ref_t refs[POOL];
    for (uint32_t i = 0; i < n; i++)
        pages[i] = pool[i];
    if (gnttab_grant_pages(first, be, readonly, pages, n, refs) != n || refs[0] != first)
        xtf_error("cannot grant the pool's pages");
}

/* POOL grant references of our own for a pool: the first (0 if none), and it as pool-ref. */
static grant_ref_t reserve_pool(char ref[16])
{
    grant_ref_t first = gnttab_reserve(POOL);
    if (!first)
        xtf_error("cannot reserve %u grant references", POOL);
    snprintf(ref, 16, "%u", first);
    return first;
}

static void bad_pools(void)
{
    char ref[16];
    grant_ref_t first = reserve_pool(ref);
    if (!first)
        return;
    grant_pool(first, POOL, 0);
    refused_pool("pool-pages 0", ref, "0", first, POOL);
    grant_pool(first, POOL, 0);
    refused_pool("pool-pages 65", ref, "65", first, POOL);
    grant_pool(first, POOL, 0);
    refused_pool("pool-pages 2^64", ref, "18446744073709551616", first, POOL);
    refused_pool("a pool never granted", ref, "8", first, 0);
    grant_pool(first, POOL, 1);
    refused_pool("a pool granted read-only", ref, "8", first, POOL);
    grant_pool(first, POOL / 2, 0); /* half of it: blkback must unmap the half it mapped */
    refused_pool("a pool half granted", ref, "8", first, POOL / 2);
    grant_pool(first, POOL, 0);
    refused_pool("a range past 2^32", "4294967290", "8", first, POOL);
}

/* What blk write puts in a sector: "pool@N " repeated (tests/block_tests.py: pattern_sector). */
static void pattern(uint8_t *sector_buf, uint32_t sector)
{
    char unit[24];
    int len = snprintf(unit, sizeof(unit), "pool@%u ", sector);
    for (int i = 0; i < 512; i++)
        sector_buf[i] = (uint8_t)unit[i % len];
}

static long pin_l1(uint32_t mfn, uint32_t cmd)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.mfn = mfn;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* Reads and writes through the mapped pool, and the ways it is not used. */
static void pool_io(grant_ref_t first)
{
    grant_ref_t refs[POOL];
    for (uint32_t i = 0; i < POOL; i++)
        refs[i] = first + i;
    memset(pool, 0xaa, sizeof(pool));
    if (rw(BLKIF_OP_READ, 0, refs, 2) != BLKIF_RSP_OKAY ||
        memcmp(pool, first_pages, sizeof(first_pages)))
        xtf_failure("a read through the pool did not bring sectors 0-15");
    for (uint32_t s = 0; s < W_PAGES * BLKIF_SECTORS_PER_PAGE; s++)
        pattern(&pool[2][0] + s * 512, W_SECTOR + s);
    if (rw(BLKIF_OP_WRITE, W_SECTOR, &refs[2], W_PAGES) != BLKIF_RSP_OKAY)
        xtf_failure("a write through the pool failed");
    memset(data, 0, PAGE_SIZE);
    if (rw(BLKIF_OP_READ, W_SECTOR, &g, 1) != BLKIF_RSP_OKAY || memcmp(data, pool[2], PAGE_SIZE))
        xtf_failure("the pool's write is not what an ordinary read finds");
    grant_ref_t mixed[2] = {first + 5, g}, jump[2] = {first + 7, first + 6};
    memset(pool, 0xaa, sizeof(pool));
    memset(data, 0xaa, PAGE_SIZE);
    if (rw(BLKIF_OP_READ, 0, mixed, 2) != BLKIF_RSP_OKAY ||
        memcmp(pool[5], first_pages[0], PAGE_SIZE) || memcmp(data, first_pages[1], PAGE_SIZE))
        xtf_failure("a request of a pool page and an ordinary grant was not served");
    if (rw(BLKIF_OP_READ, 0, jump, 2) != BLKIF_RSP_OKAY ||
        memcmp(pool[7], first_pages[0], PAGE_SIZE) || memcmp(pool[6], first_pages[1], PAGE_SIZE))
        xtf_failure("a request whose pool references jump was not served");
}

/* While the pool is mapped: its pages cannot be taken back, and rewriting their grants
 * changes nothing for blkback. */
static void cannot_take_back(grant_ref_t first)
{
    if (gnttab_end_access(first) == 0)
        xtf_failure("a pool grant was ended while blkback maps it");
    if (!(gnttab_table[first].flags & GTF_writing))
        xtf_failure("a mapped pool grant does not show GTF_writing");
    memset(pool, 0xaa, sizeof(pool)); /* page 4 too, before it is read-only: a valid L1 */
    make_page_readonly(pool[4]);
    long rc = pin_l1(virt_to_mfn(pool[4]), MMUEXT_PIN_L1_TABLE);
    if (rc != -XEN_EBUSY)
        xtf_failure("a pool page blkback maps writable became a page table (%ld)", rc);
    if (rc == 0)
        pin_l1(virt_to_mfn(pool[4]), MMUEXT_UNPIN_TABLE);
    gnttab_table[first + 2].frame = virt_to_mfn(other); /* another frame, behind its back */
    gnttab_table[first + 3].flags = GTF_invalid;        /* revoked, behind its back */
    memset(other, 0x55, PAGE_SIZE);
    grant_ref_t refs[2] = {first + 2, first + 3};
    if (rw(BLKIF_OP_READ, 0, refs, 2) != BLKIF_RSP_OKAY)
        return xtf_failure("a read through rewritten pool grants failed");
    if (memcmp(pool[2], first_pages[0], PAGE_SIZE) || memcmp(pool[3], first_pages[1], PAGE_SIZE))
        xtf_failure("a read through rewritten pool grants missed the pool's pages");
    for (uint32_t i = 0; i < PAGE_SIZE; i++)
        if (other[i] != 0x55)
            return xtf_failure("a rewritten pool grant let blkback write another frame");
}

/* Closing the disk unmaps the pool: every grant ends, and the page can be a page table. */
static void closed_unmaps(grant_ref_t first)
{
    if (close_disk())
        return xtf_failure("the disk did not close");
    for (uint32_t i = 0; i < POOL; i++)
        if (i != 3 && gnttab_end_access(first + i)) /* 3 we made invalid ourselves */
            xtf_failure("pool reference %u is still mapped after the disk closed", first + i);
    if (pin_l1(virt_to_mfn(pool[4]), MMUEXT_PIN_L1_TABLE) != 0)
        xtf_failure("a pool page could not become a page table after the disk closed");
    pin_l1(virt_to_mfn(pool[4]), MMUEXT_UNPIN_TABLE);
    map_frame_at((uint32_t)pool[4], virt_to_mfn(pool[4]),
                 _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);
    if (restart())
        xtf_failure("the disk did not start again after closing");
}

static void valid_pool(void)
{
    char ref[16];
    grant_ref_t first = reserve_pool(ref);
    if (!first)
        return;
    grant_pool(first, POOL, 0);
    if (connect(ref, "8"))
        return xtf_failure("the disk did not connect with a valid pool");
    pool_io(first);
    cannot_take_back(first);
    closed_unmaps(first);
    grant_pool(first, POOL, 0);
    if (connect(ref, "8"))
        return xtf_failure("the disk did not connect again with its pool");
    grant_ref_t refs[2] = {first, first + 1};
    if (rw(BLKIF_OP_READ, 0, refs, 2) != BLKIF_RSP_OKAY ||
        memcmp(pool, first_pages, sizeof(first_pages)))
        xtf_failure("a read through the pool mapped again failed");
    printf("badpool: pool %u-%u mapped and served; waiting for dom0\n", first, first + POOL - 1);
    for (uint32_t t0 = timer_ticks, t = t0; t - t0 < 1000; t = timer_ticks)
        block_until(&timer_ticks, t); /* 10 s for xm-lite block-list, then end with it mapped */
}

static int handshake(void)
{
    char path[96], buf[16];
    if (xtf_find_vbd(dir, backend, &be))
        return -1;
    snprintf(path, sizeof(path), "%s/feature-persistent", backend);
    if (xenbus_read(path, buf, sizeof(buf)) <= 0 || strcmp(buf, "1"))
        xtf_failure("the backend does not offer feature-persistent");
    sring = alloc_page();
    ring_ref = gnttab_grant_access(be, virt_to_mfn(sring), 0);
    g = gnttab_grant_access(be, virt_to_mfn(data), 0);
    return sring && ring_ref && g ? 0 : -1;
}

void test_main(void)
{
    if (handshake())
        return xtf_error("the handshake did not reach InitWait (backend %s)",
                         xenbus_state_name((int)xtf_xenbus_state(backend)));
    if (connect("0", "0")) /* no pool: feature-persistent 1 with pool-pages 0 is refused too */
        return xtf_error("the first connection failed");
    if (rw(BLKIF_OP_READ, 0, &g, 1) != BLKIF_RSP_OKAY)
        return xtf_error("the first read failed");
    memcpy(first_pages[0], data, PAGE_SIZE);
    if (rw(BLKIF_OP_READ, 8, &g, 1) != BLKIF_RSP_OKAY)
        return xtf_error("the second read failed");
    memcpy(first_pages[1], data, PAGE_SIZE);
    if (close_and_restart())
        return xtf_error("the disk did not close and start again");
    bad_pools();
    valid_pool();
}
