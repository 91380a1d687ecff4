/*
 * blkfront.c - a domU's virtual disk (Xen's blkfront).
 *
 * At start of day blkfront_init() looks in the xenstore under device/vbd for
 * the disks xm-lite gave us.  For each it waits for the backend to describe
 * the disk (backend state InitWait), then allocates a ring page, grants it to
 * the backend, opens an event channel to it, publishes ring-ref,
 * event-channel and protocol, and says Initialised; when the backend says
 * Connected, so do we, and the disk appears as a block device ("xvda"), with
 * its partitions if it has an MBR ("xvda1").
 * Every state change is printed.
 *
 * A transfer is cut into requests of up to 11 segments (one page each); all of
 * them are put on the ring before we wait, so several are in flight at once.
 * The caller's buffer pages are granted to the backend for the duration of a
 * request only (each ring slot id keeps its request's references until the
 * answer is in).  Each slot id has its 11 grant references reserved when the
 * disk connects (gnttab_reserve()), so a page's grant is two stores to its
 * own entry, with no search of the table, and its end one compare-and-swap.
 * A batch of writes (blkdev_write_many: the buffer cache's
 * dirty blocks at a sync) goes the same way: blocks that follow each other
 * on the disk become the segments of one request, and up to a ring's worth
 * of requests cost one notification and one wait.
 *
 * Persistent grants, pvlab's form (include/public/io/blkif.h): a backend
 * that offers feature-persistent gets an I/O pool, BLKIF_POOL_MAX_PAGES
 * pages side by side, granted writable once by contiguous reserved
 * references (pool-ref, pool-pages) before we say Initialised, and mapped
 * by the backend once for the connection's life.  The pool is not a bounce
 * buffer (a 4 KiB copy costs more than the grant work it would save): its
 * pages are lent to the disk's callers as their I/O buffers
 * (blkdev_io_buffer(), include/blkdev.h), so a transfer whose buffer lies
 * in the pool (one look per transfer, pool_ref_of()) names its pages by
 * their pool references, with no grant and no end of access.  Any other
 * transfer is granted per request as above, whole, and so is a batch of
 * writes (the buffer cache's blocks are never pool pages): the backend
 * moves a request straight on its pool mapping only when every segment is
 * a pool page, so granting pool pages in a mixed request costs nothing
 * more, and the path without a pool pays one compare a transfer.
 * The pool stays granted until the backend is Closed; a grant that cannot
 * be ended then (still mapped) leaks its page, which is never freed.  The
 * word blkpool=off on the command line declines the offer (as Linux's
 * xen_blkfront.feature_persistent=0): every transfer per request.
 *
 * Tour 45/58 - after simg.c, before blkif_check.c.
 */
#include <os.h>
#include <blkdev.h>
#include <blkif_check.h>
#include <cmdline.h>
#include <io_pool.h>
#include <public/io/blkif.h>
#include <public/io/xenbus.h>

#define MAX_DISKS 4
#define SLOTS     __CONST_RING_SIZE(blkif, PAGE_SIZE) /* ring slots, so request ids: 32 */

struct blkfront {
    struct blkdev dev;
    char path[48]; /* device/vbd/<devid> */
    char backend[64];
    domid_t backend_id;
    uint32_t devid;
    int state;
    struct blkif_front_ring ring;
    struct blkif_sring *sring;
    grant_ref_t ring_ref;
    evtchn_port_t port;
    int flush;
    volatile uint32_t responses;
    int16_t status[SLOTS];  /* per ring slot id */
    uint8_t granted[SLOTS]; /* per ring slot id: pages granted for its request */
    grant_ref_t grants[SLOTS][BLKIF_MAX_SEGMENTS_PER_REQUEST]; /* and their references */
    grant_ref_t reserved; /* slot id's page p is granted by reference reserved + 11 id + p */
    uint8_t *pool;        /* the I/O pool's pages, side by side (NULL: no pool) */
    grant_ref_t pool_ref; /* pool page p is granted by pool_ref + p for the connection's life */
    struct io_pool lent;  /* which pool pages are lent to callers; lent.pages: the pool's size */
    uint32_t requests, pool_requests, notifies_out, events_in;
};

_Static_assert(BLKIF_POOL_MAX_PAGES <= IO_POOL_MAX_PAGES, "the I/O pool fits io_pool's bitmap");

static struct blkfront disks[MAX_DISKS];

static int read_key(const char *dir, const char *key, char *buf, uint32_t cap)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xenbus_read(path, buf, cap);
}

static int read_num(const char *dir, const char *key, uint32_t *v)
{
    char buf[24];
    if (read_key(dir, key, buf, sizeof(buf)) <= 0)
        return -1;
    *v = strtoul(buf, NULL, 10);
    return 0;
}

static void write_num(const char *dir, const char *key, uint32_t v)
{
    char path[96], val[16];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    snprintf(val, sizeof(val), "%u", v);
    xenbus_write(path, val);
}

static void set_state(struct blkfront *f, int s)
{
    uint32_t bs = 0;
    read_num(f->backend, "state", &bs);
    printf("blkfront: %s: frontend %s -> %s (backend %s)\n", f->dev.name,
           xenbus_state_name(f->state), xenbus_state_name(s), xenbus_state_name((int)bs));
    f->state = s;
    write_num(f->path, "state", (uint32_t)s);
}

/* Poll the backend's state (every timer tick) until it is `want`; 0, or -1 after 10 s. */
static int wait_backend(struct blkfront *f, int want)
{
    uint64_t deadline = monotonic_ns() + 10000000000ull;
    uint32_t bs = 0;
    while (monotonic_ns() < deadline) {
        if (read_num(f->backend, "state", &bs) == 0 && (int)bs == want)
            return 0;
        if (bs == XenbusStateClosing || bs == XenbusStateClosed)
            break;
        uint32_t t = timer_ticks;
        block_until(&timer_ticks, t);
    }
    printf("blkfront: %s: still waiting for the backend to be %s (it is %s): giving up\n",
           f->dev.name, xenbus_state_name(want), xenbus_state_name((int)bs));
    return -1;
}

static void ring_event(evtchn_port_t port, void *data)
{
    struct blkfront *f = data;
    f->events_in++;
    int more;
    do {
        RING_IDX rp = f->sring->rsp_prod;
        xen_rmb();
        for (; f->ring.rsp_cons != rp; f->ring.rsp_cons++) {
            struct blkif_response *r = RING_GET_RESPONSE(&f->ring, f->ring.rsp_cons);
            if (r->id < SLOTS)
                f->status[r->id] = r->status;
            f->responses++;
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&f->ring, more);
    } while (more);
}

/* One request to put on the ring: `count` sectors at `sector`, its page p at page[p]. */
struct io_req {
    uint64_t sector;
    uint32_t count;
    grant_ref_t pool_ref; /* its pages are the pool's from this reference on; 0: they are not */
    const void *page[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

static uint32_t pages_of(uint32_t sectors)
{
    return (sectors + BLKIF_SECTORS_PER_PAGE - 1) / BLKIF_SECTORS_PER_PAGE;
}

/* The grants of request `id` end (a copied grant was never mapped, so each does at once). */
static inline __attribute__((always_inline)) void end_grants(struct blkfront *f, uint32_t id)
{
    const grant_ref_t *grants = f->grants[id];
    for (uint32_t p = 0, n = f->granted[id]; p < n; p++) /* n read once: the ends are atomic */
        gnttab_end_access(grants[p]);
    f->granted[id] = 0;
}

/* The pool reference of buf's first page if all `pages` pages from buf are pool pages, else 0
 * (always 0 without a pool: lent.pages is 0). */
static grant_ref_t pool_ref_of(const struct blkfront *f, const void *buf, uint32_t pages)
{
    uint32_t first = ((uint32_t)buf - (uint32_t)f->pool) / PAGE_SIZE;
    return first < f->lent.pages && pages <= f->lent.pages - first ? f->pool_ref + first : 0;
}

/* Request `id`'s npages pages are the pool's from reference `first` on: named, not granted.
 * Out of line, so that the path without a pool is compiled as it was without one. */
static __attribute__((noinline)) void name_pool_pages(struct blkfront *f, grant_ref_t first,
                                                      uint32_t npages, uint32_t id)
{
    for (uint32_t p = 0; p < npages; p++)
        f->grants[id][p] = first + p;
    f->granted[id] = 0; /* nothing to end */
    f->pool_requests++;
}

/* Put one request on the ring; `id` is its slot among those in flight.  One page per segment.
 * Pool pages are granted already: a request of pool pages alone names them and grants nothing.
 * Any other is granted to the backend for this request only, by the slot's reserved
 * references; it only needs to read the pages of a write.  A reference whose last grant the
 * backend still maps is replaced by a free one (gnttab_grant_pages()); a full grant table then
 * gives 0, which is the console's reference: never pass that on. */
static int queue(struct blkfront *f, uint8_t op, const struct io_req *io, uint32_t id)
{
    uint32_t npages = pages_of(io->count);
    grant_ref_t *grants = f->grants[id];
    if (io->pool_ref)
        name_pool_pages(f, io->pool_ref, npages, id);
    else if ((f->granted[id] = (uint8_t)gnttab_grant_pages(
                  f->reserved + id * BLKIF_MAX_SEGMENTS_PER_REQUEST, f->backend_id,
                  op == BLKIF_OP_WRITE, io->page, npages, grants)) != npages) {
        end_grants(f, id); /* those before it */
        return -1;
    }
    struct blkif_request *r = RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt++);
    blkif_build_rw(r, op, io->sector, io->count, grants, (blkif_vdev_t)f->devid, id);
    f->status[id] = 1; /* pending */
    f->requests++;
    return 0;
}

/* Put the requests io[0..n) (n <= the ring's size) on the ring, notify the backend once, and
 * wait for all their answers: 0, -EIO if one failed, -ENOSPC if the grant table was full. */
static int submit(struct blkfront *f, uint8_t op, const struct io_req *io, uint32_t n)
{
    uint32_t start = f->responses, nreq = n;
    int failed = 0;
    for (uint32_t i = 0; i < n; i++)
        if (queue(f, op, &io[i], i)) {
            nreq = i; /* out of grant references: send what is queued, then fail */
            failed = 1;
            break;
        }
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, notify);
    if (notify) {
        notify_remote(f->port);
        f->notifies_out++;
    }
    /* Read the count once per round: a response that lands between a check and the block must
     * change the value block_until compares with, or its wake-up is lost for good. */
    for (uint32_t seen; (seen = f->responses) - start < nreq;)
        block_until(&f->responses, seen);
    int rc = 0;
    for (uint32_t i = 0; i < nreq; i++) {
        end_grants(f, i);
        if (f->status[i] != BLKIF_RSP_OKAY)
            rc = -XEN_EIO;
    }
    return failed ? -XEN_ENOSPC : rc;
}

/* Move `count` sectors (page-aligned buffer) in requests of up to 88 sectors, all in flight. */
static int transfer(struct blkfront *f, uint8_t op, uint64_t sector, uint32_t count,
                    const void *buf)
{
    static struct io_req io[SLOTS];
    const uint32_t per_req = BLKIF_MAX_SEGMENTS_PER_REQUEST * BLKIF_SECTORS_PER_PAGE;
    if ((uint32_t)buf & (PAGE_SIZE - 1))
        return -XEN_EINVAL;
    uint32_t nreq = (count + per_req - 1) / per_req;
    if (nreq > RING_SIZE(&f->ring))
        return -XEN_EINVAL;
    grant_ref_t pool_ref = pool_ref_of(f, buf, pages_of(count));
    for (uint32_t i = 0; i < nreq; i++) {
        io[i].sector = sector + i * per_req;
        io[i].count = MIN(count - i * per_req, per_req);
        io[i].pool_ref = pool_ref ? pool_ref + i * BLKIF_MAX_SEGMENTS_PER_REQUEST : 0;
        for (uint32_t p = 0; !pool_ref && p < pages_of(io[i].count); p++) /* pool: named */
            io[i].page[p] =
                (const uint8_t *)buf + (i * per_req / BLKIF_SECTORS_PER_PAGE + p) * PAGE_SIZE;
    }
    return submit(f, op, io, nreq);
}

/* May `w` (page-aligned) be appended to request `r`: right after it on the disk, `r` ending on
 * a page boundary, and room for its pages? */
static int mergeable(const struct io_req *r, const struct blkdev_io *w, uint64_t sector)
{
    return r->sector + r->count == sector && r->count % BLKIF_SECTORS_PER_PAGE == 0 &&
           pages_of(r->count) + pages_of(w->count) <= BLKIF_MAX_SEGMENTS_PER_REQUEST;
}

/*
 * blkdev's write_many: a batch of writes (the buffer cache's dirty blocks, in block order) as
 * few requests as adjacency allows - a block right after the previous one becomes another
 * segment of its request - with up to a ring's worth in flight per notification.
 */
static int front_write_many(struct blkdev *d, uint64_t base, const struct blkdev_io *w, uint32_t n)
{
    static struct io_req io[SLOTS];
    struct blkfront *f = d->priv;
    const uint32_t max = BLKIF_MAX_SEGMENTS_PER_REQUEST * BLKIF_SECTORS_PER_PAGE;
    uint32_t nreq = 0;
    int first_error = 0, rc;
    for (uint32_t i = 0; i < n; i++) {
        int alone = w[i].count > max || ((uint32_t)w[i].buf & (PAGE_SIZE - 1));
        int merge = !alone && nreq && mergeable(&io[nreq - 1], &w[i], base + w[i].sector);
        if (nreq && (alone || (!merge && nreq == RING_SIZE(&f->ring)))) {
            rc = submit(f, BLKIF_OP_WRITE, io, nreq);
            first_error = first_error ? first_error : rc;
            nreq = 0;
        }
        if (alone) { /* not one request's worth of whole pages: the ordinary way */
            rc = d->write(d, base + w[i].sector, w[i].count, w[i].buf);
            first_error = first_error ? first_error : rc;
            continue;
        }
        if (!merge)
            io[nreq++] = (struct io_req){.sector = base + w[i].sector};
        struct io_req *r = &io[nreq - 1];
        for (uint32_t p = 0; p < pages_of(w[i].count); p++)
            r->page[pages_of(r->count) + p] = (const uint8_t *)w[i].buf + p * PAGE_SIZE;
        r->count += w[i].count;
    }
    rc = nreq ? submit(f, BLKIF_OP_WRITE, io, nreq) : 0;
    return first_error ? first_error : rc;
}

int front_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf);

/* For blk bench: how many ring requests (of them, how many named pool pages alone) and
 * notifications this disk has used. */
void blkfront_print_stats(struct blkdev *d)
{
    if (d->read != front_read)
        return;
    struct blkfront *f = d->priv;
    printf("BENCH blkfront %s requests=%u notifications_sent=%u events_received=%u "
           "pool_requests=%u\n",
           d->name, f->requests, f->notifies_out, f->events_in, f->pool_requests);
}

int front_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf)
{
    return transfer(d->priv, BLKIF_OP_READ, sector, count, buf);
}

static int front_write(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf)
{
    return transfer(d->priv, BLKIF_OP_WRITE, sector, count, buf);
}

static int front_flush(struct blkdev *d)
{
    struct blkfront *f = d->priv;
    if (!f->flush)
        return 0;
    uint32_t start = f->responses;
    struct blkif_request *r = RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt++);
    *r = (struct blkif_request){.operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 0};
    f->status[0] = 1;
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, notify);
    if (notify)
        notify_remote(f->port);
    while (f->responses == start)
        block_until(&f->responses, start);
    return f->status[0] == BLKIF_RSP_OKAY ? 0 : -XEN_EIO;
}

/* blkdev's pool_take: the lowest run of `pages` free pool pages, lent to the caller. */
static void *front_pool_take(struct blkdev *d, uint32_t pages)
{
    struct blkfront *f = d->priv;
    int32_t first = io_pool_take(&f->lent, pages);
    return first < 0 ? NULL : f->pool + (uint32_t)first * PAGE_SIZE;
}

/* blkdev's pool_give: a run that front_pool_take() lent comes back.  Anything else is a bug in
 * the caller, loudly: a page given back twice could be lent to two callers at once. */
static void front_pool_give(struct blkdev *d, void *buf, uint32_t pages)
{
    struct blkfront *f = d->priv;
    uint32_t off = (uint32_t)buf - (uint32_t)f->pool;
    if (off % PAGE_SIZE || io_pool_give(&f->lent, off / PAGE_SIZE, pages))
        crash("blkfront: pages given back that the I/O pool did not lend");
}

/* End the grants of pool pages [0, n) from reference `first`, and free each page whose grant
 * ended.  A page the backend still maps is leaked, never freed: it stays the backend's to
 * write, so it must never become anything else of ours.  The number leaked. */
static uint32_t pool_end(uint8_t *pool, grant_ref_t first, uint32_t n)
{
    uint32_t leaked = 0;
    for (uint32_t p = 0; p < n; p++) {
        if (gnttab_end_access(first + p))
            leaked++;
        else
            free_page(pool + p * PAGE_SIZE);
    }
    return leaked;
}

/* The backend offered feature-persistent: allocate the I/O pool, grant page p by reference
 * pool_ref + p, writable (reads land in it), and publish the three keys.  Without the memory
 * or a run of free references the disk goes without a pool, the per-request way (said).  The
 * references stay reserved: gnttab.c gives none back. */
static void pool_offer(struct blkfront *f)
{
    static const void *pages[BLKIF_POOL_MAX_PAGES];
    static grant_ref_t refs[BLKIF_POOL_MAX_PAGES];
    const uint32_t n = BLKIF_POOL_MAX_PAGES;
    uint8_t *pool = alloc_pages(n);
    grant_ref_t first = pool ? gnttab_reserve(n) : 0;
    if (!first) {
        for (uint32_t p = 0; pool && p < n; p++)
            free_page(pool + p * PAGE_SIZE);
        printf("blkfront: %s: no I/O pool (no %s for %u pages): every transfer is granted per "
               "request\n",
               f->dev.name, pool ? "run of grant references" : "memory", n);
        return;
    }
    for (uint32_t p = 0; p < n; p++)
        pages[p] = pool + p * PAGE_SIZE;
    /* References just reserved are unused, so each page is granted by its own. */
    uint32_t granted = gnttab_grant_pages(first, f->backend_id, 0, pages, n, refs);
    for (uint32_t p = 0; p < n; p++)
        if (p >= granted || refs[p] != first + p)
            crash("blkfront: a freshly reserved grant reference was in use");
    f->pool = pool;
    f->pool_ref = first;
    f->lent.pages = n;
    f->dev.pool_take = front_pool_take;
    f->dev.pool_give = front_pool_give;
    write_num(f->path, "feature-persistent", 1);
    write_num(f->path, "pool-ref", first);
    write_num(f->path, "pool-pages", n);
    printf("blkfront: %s: I/O pool of %u pages granted by references %u..%u\n", f->dev.name, n,
           first, first + n - 1);
}

/* The connection did not come up after the pool was published: end its grants if the backend
 * is Closed (it has unmapped everything it mapped), or keep them if not (it may still map). */
static void pool_close(struct blkfront *f)
{
    uint32_t bs = 0;
    if (!f->pool)
        return;
    read_num(f->backend, "state", &bs);
    uint32_t leaked =
        bs == XenbusStateClosed ? pool_end(f->pool, f->pool_ref, f->lent.pages) : f->lent.pages;
    printf("blkfront: %s: I/O pool ended, %u of its %u pages kept (the backend is %s)\n",
           f->dev.name, leaked, f->lent.pages, xenbus_state_name((int)bs));
    f->pool = NULL;
    f->lent.pages = 0;
    f->dev.pool_take = NULL;
    f->dev.pool_give = NULL;
}

static int connect(struct blkfront *f)
{
    uint32_t sectors = 0, info = 0, flush = 0, persistent = 0;
    if (wait_backend(f, XenbusStateInitWait))
        return -1;
    read_num(f->backend, "sectors", &sectors);
    read_num(f->backend, "info", &info);
    read_num(f->backend, "feature-flush-cache", &flush);
    read_num(f->backend, "feature-persistent", &persistent);
    f->sring = alloc_page();
    SHARED_RING_INIT(f->sring);
    FRONT_RING_INIT(&f->ring, f->sring, PAGE_SIZE);
    f->ring_ref = gnttab_grant_access(f->backend_id, virt_to_mfn(f->sring), 0);
    f->reserved = gnttab_reserve(SLOTS * BLKIF_MAX_SEGMENTS_PER_REQUEST);
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = f->backend_id};
    if (!f->ring_ref || !f->reserved || HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op))
        return printf("blkfront: %s: no grant references (%u for the ring's requests) or event "
                      "channel left\n",
                      f->dev.name, SLOTS * BLKIF_MAX_SEGMENTS_PER_REQUEST),
               -1;
    f->port = op.port;
    bind_port(f->port, ring_event, f);
    write_num(f->path, "ring-ref", f->ring_ref);
    write_num(f->path, "event-channel", f->port);
    char path[96];
    snprintf(path, sizeof(path), "%s/protocol", f->path);
    xenbus_write(path, XEN_IO_PROTO_ABI_X86_32);
    if (persistent == 1 && cmdline_has("blkpool=off"))
        printf("blkfront: %s: the backend's persistent grants declined (blkpool=off)\n",
               f->dev.name);
    else if (persistent == 1)
        pool_offer(f);
    set_state(f, XenbusStateInitialised);
    if (wait_backend(f, XenbusStateConnected))
        return pool_close(f), -1;
    f->dev.sectors = sectors;
    f->dev.readonly = (info & VDISK_READONLY) != 0;
    f->flush = flush != 0;
    set_state(f, XenbusStateConnected);
    return 0;
}

void blkfront_init(void)
{
    char list[256];
    int n = xenbus_request(XS_DIRECTORY, "device/vbd", NULL, 0, list, sizeof(list));
    int nd = 0;
    for (int off = 0; n > 0 && off < n && nd < MAX_DISKS; off += strlen(list + off) + 1) {
        struct blkfront *f = &disks[nd];
        uint32_t bid = 0;
        snprintf(f->path, sizeof(f->path), "device/vbd/%s", list + off);
        f->devid = strtoul(list + off, NULL, 10);
        if (read_key(f->path, "backend", f->backend, sizeof(f->backend)) <= 0 ||
            read_num(f->path, "backend-id", &bid) ||
            read_key(f->path, "dev", f->dev.name, sizeof(f->dev.name)) <= 0)
            continue;
        f->backend_id = (domid_t)bid;
        f->state = XenbusStateInitialising;
        f->dev.priv = f;
        f->dev.read = front_read;
        f->dev.write = front_write;
        f->dev.flush = front_flush;
        f->dev.write_many = front_write_many;
        snprintf(f->dev.model, sizeof(f->dev.model), "virtual disk %u (backend domain %u)",
                 f->devid, bid);
        if (connect(f) == 0) {
            blkdev_register(&f->dev);
            blkdev_add_partitions(&f->dev); /* xvda1..4 from its MBR, as ide.c's hda1..4 */
            printf("blkfront: %s: %u sectors%s\n", f->dev.name, (uint32_t)f->dev.sectors,
                   f->dev.readonly ? ", read-only" : "");
            nd++;
        }
    }
}
