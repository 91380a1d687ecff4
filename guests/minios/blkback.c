/*
 * blkback.c - dom0's block backend: the other end of every domU's virtual
 * disk (Xen's blkback).
 *
 * xm-lite writes each `disk`'s frontend directory in the new domain's part
 * of the xenstore (backend, backend-id, virtual-device, dev, state), as Xen's
 * toolstack does, then calls blkback_add(), which writes the backend's own
 * directory and, at once, describes the disk (sectors, sector-size, info,
 * feature-flush-cache) and moves the backend to InitWait.
 * feature-flush-cache is 1 only if the device has a write cache to flush
 * (the IDE disk; not a RAM disk), as Xen's blkback asks the device: a flush
 * the device does not need would cost the frontend a round trip at every
 * sync for nothing.  When the frontend says Initialised (it has granted us
 * its ring page and opened an event channel), we map the ring, bind the
 * channel and say Connected.  Every transition of either side is printed, so
 * a stuck handshake shows who waits for whom; `xm-lite block-list` shows the
 * states.
 *
 * Requests: the backend trusts nothing in the ring.  It checks the producer
 * index (a jump of more than the ring's size disconnects the frontend),
 * copies each request before checking it (blkif_check.c), answers all the
 * requests it finds in one pass before it publishes the answers (one wake-up
 * of the frontend for a transfer of several requests), and moves data with
 * one batched GNTTABOP_copy per request between the frontend's granted pages
 * and a bounce buffer, so it never maps a frontend data page: no grant
 * map/unmap in steady state, and only the pages granted to us can be touched.
 * Requests that follow each other on the disk are a run, one device request
 * and one GNTTABOP_copy (bounce_run()), as they are with bemode=map.
 * When the device is memory (a RAM disk) the copies go straight between its
 * pages and the frontend's, with no bounce buffer (copy_direct).
 * A frontend that takes up our feature-persistent offer gives us its I/O
 * pool for the connection's life: mapped once, and a request on it needs no
 * grant operation at all (the persistent-grant section below).
 *
 * A wake-up of dom0 serves only the disks whose event fired (or that had
 * requests left over): the event handler lists the disk (include/pending.h,
 * as consoled and xenstored do), so a disk that is idle costs nothing
 * however many there are (issue 15).  Likewise a frontend's state is read
 * only when its domain changed the store (xenstored's xenstored_changed hook:
 * a frontend's directory is its domain's own, so only that domain's requests
 * move it), once when the disk is added, and while the disk waits to be
 * described: a to_follow list of disks, found by domain through the table's
 * index and each domain's chain, not a walk of every disk at every write.
 *
 * Tour 47/58 - after blkif_check.c, before proc/sysblk.c.
 */
#include <os.h>
#include <blkback.h>
#include <blkdev.h>
#include <ext2fs.h>
#include <blkif_check.h>
#include <pending.h>
#include <public/io/xenbus.h>
#include <public/syscall.h>
#include <table.h>
#include "xenstored.h"

#define MAX_COPIES (2 * BLKIF_MAX_SEGMENTS_PER_REQUEST) /* a segment may span two bounce pages */

struct vbd {
    int in_use; /* first: a table record (guests/minios/table.c) */
    domid_t dom;
    uint32_t devid;
    char vdev[8];
    struct blkdev *dev;
    int readonly;
    char bpath[64], fpath[64];
    int state, fstate;
    struct blkif_back_ring ring;
    struct blkif_sring *sring;
    grant_handle_t ring_handle;
    evtchn_port_t port;
    uint8_t *bounce;    /* BLKIF_MAX_SEGMENTS_PER_REQUEST pages */
    struct blkdev *mem; /* the memory device under dev (copy_direct), or NULL */
    uint64_t mem_first; /* dev's sector 0 on mem */
    uint32_t requests, errors, events_in, notifies_out, grant_calls;
    uint64_t describe_at;    /* ns: when to describe the disk (a test can delay the backend) */
    uint32_t follows;        /* times its frontend's state was read (block-list's Follows) */
    struct vbd *next_of_dom; /* the domain's next disk (the first: table_by_id()) */
    struct pending_link following; /* its domain changed the store: read its frontend */
    int map_mode;    /* map the frontend's pages and do the I/O in place, instead of grant copy */
    uint32_t serves; /* times a poll served its ring (block-list's Serves) */
    struct pending_link pending; /* its event fired, or it has requests left over */
    uint8_t *pool;               /* the frontend's I/O pool, mapped side by side, or NULL */
    grant_ref_t pool_ref;        /* its first grant reference */
    uint32_t pool_pages;         /* 0 without a pool */
    grant_handle_t pool_handles[BLKIF_POOL_MAX_PAGES];
    uint32_t pooled; /* requests moved on the pool, with no grant call (block-list's Pooled) */
};

/* Every domain's disks: as many as dom0's memory holds (a record and BLKIF_MAX_SEGMENTS_PER_REQUEST
 * bounce pages each, kept with the record for its next disk), not a number fixed at build. */
static struct table vbds = TABLE_OF(struct vbd);
static struct pending_list to_serve;  /* the disks a poll serves */
static struct pending_list to_follow; /* the disks whose frontend's state a poll reads */

static struct vbd *vbd_at(uint32_t i)
{
    return table_at(&vbds, i);
}

static void xs_write_u(const char *dir, const char *key, uint32_t v)
{
    char path[96], val[16];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    snprintf(val, sizeof(val), "%u", v);
    xs_local_write_str(xenstore, path, val);
}

static void xs_write_s(const char *dir, const char *key, const char *s)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    xs_local_write_str(xenstore, path, s);
}

static int xs_read_u(const char *dir, const char *key, uint32_t *v)
{
    char path[96], val[32];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    if (xs_local_read(xenstore, path, val, sizeof(val)) < 0)
        return -1;
    *v = strtoul(val, NULL, 10);
    return 0;
}

static void set_state(struct vbd *v, int s, const char *why)
{
    printf("blkback: d%u %s: backend %s -> %s (frontend %s)%s%s\n", v->dom, v->vdev,
           xenbus_state_name(v->state), xenbus_state_name(s), xenbus_state_name(v->fstate),
           why ? ": " : "", why ? why : "");
    v->state = s;
    xs_write_u(v->bpath, "state", (uint32_t)s);
}

static const char *in_use_by(struct blkdev *dev, int readonly)
{
    for (uint32_t i = 0; i < table_slots(&vbds); i++) {
        struct vbd *v = vbd_at(i);
        if (v->in_use && blkdev_overlaps(v->dev, dev) && !(readonly && v->readonly))
            return v->vdev;
    }
    return NULL;
}

const char *blkback_holder(struct blkdev *dev)
{
    return in_use_by(dev, 0);
}

/* With events masked (the upcall): the disk's frontend asked; the next poll serves it. */
static void event(evtchn_port_t port, void *data)
{
    struct vbd *v = data;
    v->events_in++;
    pending_add(&to_serve, &v->pending);
}

/* The next poll serves v without an event: requests left over, or queued before we bound. */
static void serve_later(struct vbd *v)
{
    int old = local_events_disable();
    pending_add(&to_serve, &v->pending);
    local_events_restore(old);
}

/* The disk's description, and InitWait: the frontend may go ahead. */
static void describe(struct vbd *v)
{
    xs_write_u(v->bpath, "sectors", (uint32_t)v->dev->sectors);
    xs_write_u(v->bpath, "sector-size", SECTOR_SIZE);
    xs_write_u(v->bpath, "info", v->readonly ? VDISK_READONLY : 0);
    xs_write_u(v->bpath, "feature-flush-cache", blkdev_has_flush(v->dev));
    xs_write_u(v->bpath, "feature-persistent", 1); /* we map a frontend's pool (map_pool()) */
    set_state(v, XenbusStateInitWait, "disk described");
}

static void follow_later(struct vbd *v)
{
    int old = local_events_disable();
    pending_add(&to_follow, &v->following);
    local_events_restore(old);
}

/* xenstored_changed: domain dom's request changed the store, so its frontends may have moved. */
static void blkback_store_changed(domid_t dom)
{
    for (struct vbd *v = table_by_id(&vbds, dom); v; v = v->next_of_dom)
        follow_later(v);
}

int blkback_add(domid_t dom, const char *target, const char *vdev, int readonly, uint32_t delay_ms,
                uint32_t bemode)
{
    struct blkdev *dev = blkdev_find(target);
    if (!dev && strchr(target, '@'))
        dev = blkdev_range(target); /* hda@START+COUNT: a range of sectors of the disk */
    struct vbd *v = NULL;
    uint32_t devid;
    if (!dev)
        return printf("blkback: no device '%s' in dom0 (see blk list; a range is "
                      "DISK@START+COUNT in sectors)\n",
                      target),
               -1;
    if (xvd_devid(vdev, &devid))
        return printf("blkback: '%s' is not a virtual disk name (xvda..xvdp)\n", vdev), -1;
    if (in_use_by(dev, readonly))
        return printf("blkback: %s is already given to another domain\n", target), -1;
    if (ext2fs_holder(dev))
        return printf("blkback: %s is mounted at %s in dom0; umount it first\n", target,
                      ext2fs_holder(dev)),
               -1;
    struct vbd *first = table_by_id(&vbds, dom); /* its domain's other disks */
    v = table_new(&vbds);
    if (!v || !(v->bounce = v->bounce ? v->bounce : alloc_pages(BLKIF_MAX_SEGMENTS_PER_REQUEST)) ||
        table_set_id(&vbds, dom, v))
        return printf("blkback: dom0 is out of memory for another virtual disk's record and its "
                      "%u bounce pages\n",
                      BLKIF_MAX_SEGMENTS_PER_REQUEST),
               -1;
    uint8_t *bounce = v->bounce;
    *v = (struct vbd){.in_use = 1,
                      .dom = dom,
                      .devid = devid,
                      .dev = dev,
                      .readonly = readonly,
                      .bounce = bounce,
                      .next_of_dom = first}; /* table_by_id() gives v first now */
    /* A memory device is found once, for the whole disk: a request's sectors are checked
     * against the disk's size before they are used (blkif_check_request). */
    v->mem = blkdev_memory_range(dev, 0, (uint32_t)MIN(dev->sectors, UINT32_MAX), !readonly,
                                 &v->mem_first);
    xenstored_changed = blkback_store_changed;
    strlcpy(v->vdev, vdev, sizeof(v->vdev));
    /* A disk that moves data itself (its "DMA") goes straight into mapped pages; memory is
     * cheapest copied once, page to page, by the hypervisor (copy_direct). */
    v->map_mode = bemode == BEMODE_MAP || (bemode == BEMODE_DEFAULT && !v->mem);
    snprintf(v->bpath, sizeof(v->bpath), "/local/domain/0/backend/vbd/%u/%u", dom, devid);
    snprintf(v->fpath, sizeof(v->fpath), "/local/domain/%u/device/vbd/%u", dom, devid);
    char perms[16];
    snprintf(perms, sizeof(perms), "n0 r%u", dom); /* the frontend may read, not write */
    xs_local_mkdir(xenstore, v->bpath);
    xs_local_set_perms(xenstore, v->bpath, perms);
    xs_write_s(v->bpath, "frontend", v->fpath);
    xs_write_u(v->bpath, "frontend-id", dom);
    xs_write_s(v->bpath, "params", target);
    xs_write_s(v->bpath, "mode", readonly ? "r" : "w");
    v->state = v->fstate = XenbusStateInitialising;
    xs_write_u(v->bpath, "state", XenbusStateInitialising);
    v->describe_at = monotonic_ns() + (uint64_t)delay_ms * 1000000;
    if (!delay_ms)
        describe(v);
    follow_later(v); /* the frontend may have moved already */
    return 0;
}

static void map_pool(struct vbd *v);
static void unmap_pool(struct vbd *v);

static void disconnect(struct vbd *v, const char *why)
{
    unmap_pool(v); /* first: nothing of the frontend's stays mapped past the connection */
    if (v->sring) {
        close_port(v->port);
        gnttab_unmap(v->sring, v->ring_handle);
        v->sring = NULL;
    }
    pending_remove(&to_serve, &v->pending); /* no event comes now; the record may be reused */
    if (v->state == XenbusStateClosed)
        return;
    if (v->state != XenbusStateClosing)
        set_state(v, XenbusStateClosing, why);
    set_state(v, XenbusStateClosed, NULL);
}

static void connect(struct vbd *v)
{
    uint32_t ref, port;
    char proto[32] = XEN_IO_PROTO_ABI_X86_32, path[96];
    snprintf(path, sizeof(path), "%s/protocol", v->fpath);
    xs_local_read(xenstore, path, proto, sizeof(proto));
    if (xs_read_u(v->fpath, "ring-ref", &ref) || xs_read_u(v->fpath, "event-channel", &port))
        return disconnect(v, "the frontend gave no ring-ref or event-channel");
    if (strcmp(proto, XEN_IO_PROTO_ABI_X86_32))
        return disconnect(v, "the frontend speaks another protocol");
    struct gnttab_map_grant_ref map;
    gnttab_map_args(&map, v->dom, ref, 0);
    v->sring = gnttab_map(&map);
    if (!v->sring)
        return disconnect(v, "cannot map the frontend's ring page");
    v->ring_handle = map.handle;
    int p = bind_interdomain(v->dom, port, event, v);
    if (p < 0) {
        gnttab_unmap(v->sring, v->ring_handle);
        v->sring = NULL;
        return disconnect(v, "cannot bind the frontend's event channel");
    }
    v->port = (evtchn_port_t)p;
    BACK_RING_INIT(&v->ring, v->sring, PAGE_SIZE);
    map_pool(v);
    set_state(v, XenbusStateConnected, "ring mapped, event channel bound");
    serve_later(v);
}

/* One grant copy of `len` bytes between our memory at `local` and a frontend segment's page at
 * `seg_off`, in the direction of the request: filled in place, field by field. */
static void copy_op(struct gnttab_copy *op, const struct vbd *v, const uint8_t *local,
                    grant_ref_t gref, uint32_t seg_off, uint32_t len, int to_frontend)
{
    struct gnttab_copy_ptr *here = to_frontend ? &op->source : &op->dest;
    struct gnttab_copy_ptr *there = to_frontend ? &op->dest : &op->source;
    here->u.gmfn = virt_to_mfn(local);
    here->domid = DOMID_SELF;
    here->offset = (uint16_t)((uint32_t)local % PAGE_SIZE);
    there->u.ref = gref;
    there->domid = v->dom;
    there->offset = (uint16_t)seg_off;
    op->len = (uint16_t)len;
    op->flags = to_frontend ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
}

/* Grant copies between a bounce buffer `buf` (at offset `off`, page-aligned) and one segment,
 * split at buf's pages; the offset after it. */
static uint32_t add_copies(struct vbd *v, uint8_t *buf, struct gnttab_copy *ops, int *n,
                           uint32_t off, const struct blkif_request_segment *s, int to_frontend)
{
    uint32_t seg_off = s->first_sect * SECTOR_SIZE;
    uint32_t len = (s->last_sect - s->first_sect + 1u) * SECTOR_SIZE;
    while (len) {
        uint32_t k = MIN(len, PAGE_SIZE - off % PAGE_SIZE);
        copy_op(&ops[(*n)++], v, buf + off, s->gref, seg_off, k, to_frontend);
        off += k, seg_off += k, len -= k;
    }
    return off;
}

/* One batched GNTTABOP_copy: 0, or -1 if the hypervisor refused any of the copies. */
static int run_copies(struct vbd *v, struct gnttab_copy *ops, int n)
{
    v->grant_calls++;
    if (HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, (uint32_t)n))
        return -1;
    for (int i = 0; i < n; i++)
        if (ops[i].status != GNTST_okay)
            return -1;
    return 0;
}

static int copy_data(struct vbd *v, const struct blkif_request *req, int to_frontend)
{
    struct gnttab_copy ops[MAX_COPIES];
    int n = 0;
    uint32_t off = 0;
    for (unsigned int i = 0; i < req->nr_segments; i++)
        off = add_copies(v, v->bounce, ops, &n, off, &req->seg[i], to_frontend);
    return run_copies(v, ops, n);
}

/*
 * A device that is memory (a RAM disk) offers its bytes (blkdev_memory_range, then its
 * memory_at a page), and the grant copies then go straight between them and the frontend's
 * pages: one copy per byte, where the bounce buffer costs two (the hypervisor's, then the
 * device's memcpy) - as a real disk's DMA goes straight to the pages Xen's blkback maps.  The
 * device is found once, when the disk is added (v->mem).  1 if done, 0 if the device has no
 * memory to offer for all of the request (a read of a page never written; the bounce path
 * serves it), -1 if the hypervisor refused a copy.
 */
static int copy_direct(struct vbd *v, const struct blkif_request *req, int to_frontend)
{
    struct gnttab_copy ops[MAX_COPIES];
    int n = 0, write = !to_frontend;
    uint64_t sector = v->mem_first + req->sector_number;
    struct blkdev *mem = v->mem;
    if (!mem)
        return 0;
    for (unsigned int i = 0; i < req->nr_segments; i++) {
        const struct blkif_request_segment *s = &req->seg[i];
        uint32_t seg_off = s->first_sect * SECTOR_SIZE;
        uint32_t len = (s->last_sect - s->first_sect + 1u) * SECTOR_SIZE;
        while (len) {
            uint8_t *m = mem->memory_at(mem, sector, write);
            if (!m || n == MAX_COPIES)
                return 0;
            uint32_t k = MIN(len, PAGE_SIZE - (uint32_t)m % PAGE_SIZE);
            copy_op(&ops[n++], v, m, s->gref, seg_off, k, to_frontend);
            sector += k / SECTOR_SIZE, seg_off += k, len -= k;
        }
    }
    return run_copies(v, ops, n) ? -1 : 1;
}

/*
 * The alternative to grant copy (xm-lite create bemode=map): map a request's pages and let the
 * disk read or write them in place, with no CPU copy at all (a modelled disk's "DMA" goes
 * straight into the frontend's page).  A request whose segments do not abut in their pages (a
 * segment that starts or ends mid-page between others) is served a segment at a time: map,
 * transfer, unmap.
 */
static int map_and_transfer(struct vbd *v, const struct blkif_request *req)
{
    uint64_t sector = req->sector_number;
    for (unsigned int i = 0; i < req->nr_segments; i++) {
        const struct blkif_request_segment *s = &req->seg[i];
        uint32_t n = s->last_sect - s->first_sect + 1u;
        struct gnttab_map_grant_ref map;
        gnttab_map_args(&map, v->dom, s->gref,
                        req->operation == BLKIF_OP_WRITE); /* a write only reads it */
        uint8_t *page = gnttab_map(&map);
        v->grant_calls += 2;
        if (!page)
            return -1;
        uint8_t *data = page + s->first_sect * SECTOR_SIZE;
        int rc = req->operation == BLKIF_OP_WRITE ? blkdev_write(v->dev, sector, n, data)
                                                  : blkdev_read(v->dev, sector, n, data);
        gnttab_unmap(page, map.handle);
        if (rc)
            return -1;
        sector += n;
    }
    return 0;
}

/*
 * A run: requests of one pass over the ring, checked, the same operation, each following the
 * last on the disk, whose pages abut (only the run's first segment may start mid-page, only its
 * last end mid-page).  They are one device request - one access time on a disk that has one -
 * as Linux's block layer merges blkback's bios.  With bemode=map the run's pages are mapped side
 * by side with one batched map (transfer_run()); on the bounce path (grant copy on a disk that
 * is not memory) the device reads or writes the run's sectors in one buffer, copied to or from
 * the frontend with one batched grant copy (bounce_run()).  Bounded by RUN_PAGES and
 * RUN_REQUESTS; every request still gets its own answer.
 */
#define RUN_PAGES    64
#define RUN_REQUESTS 8
#define RUN_COPIES   (2 * RUN_PAGES) /* a segment may span two of the buffer's pages */
struct run {
    struct blkif_request req[RUN_REQUESTS];
    uint32_t n, pages, sectors;
    uint8_t *pool; /* its data on the frontend's pool (pool_data()), or NULL */
};
/* One run is served at a time, so these serve every disk: */
static struct gnttab_map_grant_ref run_maps[RUN_PAGES];
static struct gnttab_unmap_grant_ref run_unmaps[RUN_PAGES];
static struct gnttab_copy run_copy_ops[RUN_COPIES];
static uint8_t *run_buffer; /* RUN_PAGES pages, dom0's only one, taken at the first bounce run */
_Static_assert(BLKIF_POOL_MAX_PAGES <= RUN_PAGES, "a pool is mapped and unmapped with run_maps");

/*
 * Persistent grants, pvlab's form (io/blkif.h): a frontend that answers our feature-persistent
 * offers the pages of its I/O pool, and its callers read and write through them.  We map the
 * pool once, writable and side by side, when the frontend connects (map_pool()), if its keys
 * pass blkif_check_pool() (sizes, references, and dom0's grant area keeping half its pages
 * free after it); a refusal is logged and the disk is served without a pool, its references
 * then being ordinary grants.  A request or run whose segments name pool references that
 * follow each other is then one device request straight on the mapped pages (pool_data(),
 * pool_run()): no grant call at all, and on a RAM disk the device request is the memcpy that
 * copy_direct() would have asked the hypervisor for.  Anything else (a reference outside the
 * pool, a mix, a jump) goes the per-request way, whole.  The pool is unmapped first whenever
 * the connection ends (disconnect(): the frontend closing, a runaway ring, the domain's
 * destruction), so no page of a frontend stays mapped past its connection.
 *
 * What a frontend can do to us with it: nothing it could not do with per-request grants.  The
 * pool's pages are its own; it may change their bytes at any time (as it may a page granted
 * for one request), and a disk only ever reads or writes them.  It cannot take a page back
 * while we map it: the hypervisor keeps the frame of a pinned grant, refuses to end the grant
 * (GTF_writing stays set) and refuses to make the frame a page table while it is mapped
 * writable; an entry rewritten to name another frame changes nothing for our mapping.
 */

/* A key of the frontend's directory into buf (cap bytes): buf, "" if its value is longer than
 * cap (no number we take is), or NULL if it is absent. */
static const char *read_key(const struct vbd *v, const char *key, char *buf, size_t cap)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/%s", v->fpath, key);
    int rc = xs_local_read(xenstore, path, buf, cap);
    if (rc == -XSD_E2BIG)
        buf[0] = '\0';
    return rc >= 0 || rc == -XSD_E2BIG ? buf : NULL;
}

static void map_pool(struct vbd *v)
{
    char feature[16], ref[16], pages[16];
    const char *why;
    struct blkif_pool pool;
    int offered = blkif_check_pool(read_key(v, "feature-persistent", feature, sizeof(feature)),
                                   read_key(v, "pool-ref", ref, sizeof(ref)),
                                   read_key(v, "pool-pages", pages, sizeof(pages)),
                                   grant_slots_free(&gnttab_slots), &pool, &why);
    if (offered < 0)
        printf("blkback: d%u %s: the frontend's pool is refused (%s); served without one\n", v->dom,
               v->vdev, why);
    if (offered <= 0)
        return;
    for (uint32_t i = 0; i < pool.pages; i++) {
        gnttab_map_args(&run_maps[i], v->dom, pool.ref + i, 0); /* writable: reads fill it */
        run_maps[i].status = GNTST_okay; /* all okay and no pool: no run of free pages */
    }
    v->pool = gnttab_map_run(run_maps, pool.pages);
    if (!v->pool) {
        uint32_t i = 0;
        while (i < pool.pages && run_maps[i].status == GNTST_okay)
            i++;
        if (i == pool.pages)
            printf("blkback: d%u %s: the frontend's pool is refused (pool-pages: no run of %u "
                   "free pages in dom0's grant area); served without one\n",
                   v->dom, v->vdev, pool.pages);
        else
            printf("blkback: d%u %s: the frontend's pool is refused (pool-ref: reference %u "
                   "cannot be mapped writable, status %d); served without one\n",
                   v->dom, v->vdev, pool.ref + i, run_maps[i].status);
        return;
    }
    for (uint32_t i = 0; i < pool.pages; i++)
        v->pool_handles[i] = run_maps[i].handle;
    v->pool_ref = pool.ref;
    v->pool_pages = pool.pages;
    printf("blkback: d%u %s: the frontend's pool of %u pages mapped (grant references %u-%u)\n",
           v->dom, v->vdev, pool.pages, pool.ref, pool.ref + pool.pages - 1);
}

static void unmap_pool(struct vbd *v)
{
    if (!v->pool)
        return;
    run_maps[0].host_addr = (uint32_t)v->pool;
    for (uint32_t i = 0; i < v->pool_pages; i++)
        run_maps[i].handle = v->pool_handles[i];
    if (gnttab_unmap_run(run_maps, run_unmaps, v->pool_pages)) /* its pages stay taken */
        printf("blkback: d%u %s: a page of the frontend's pool could not be unmapped\n", v->dom,
               v->vdev);
    else
        printf("blkback: d%u %s: the frontend's pool unmapped\n", v->dom, v->vdev);
    v->pool = NULL;
    v->pool_pages = 0;
}

/* Where a checked request's data lies on the pool, if its segments name pool references that
 * follow each other (ref_k = ref_0 + k); NULL if any does not.  Its segments must abut for the
 * address to hold all of it (a run's requests do; take_request() asks). */
static uint8_t *pool_data(const struct vbd *v, const struct blkif_request *req)
{
    grant_ref_t first = req->seg[0].gref;
    uint32_t at = first - v->pool_ref, n = req->nr_segments; /* no pool: pool_pages is 0 */
    if (at >= v->pool_pages || n > v->pool_pages - at)
        return NULL;
    for (uint32_t k = 1; k < n; k++)
        if (req->seg[k].gref != first + k)
            return NULL;
    return v->pool + at * PAGE_SIZE + req->seg[0].first_sect * SECTOR_SIZE;
}

/* Might req be on the pool?  Its first segment's reference alone, unchecked (take_request()
 * checks): on a memory disk with grant copy, the requests that are not skip the run's checks
 * and go straight to copy_direct(), as without a pool. */
static inline int pool_may_hold(const struct vbd *v, const struct blkif_request *req)
{
    return req->seg[0].gref - v->pool_ref < v->pool_pages;
}

/* Where the next request's data must lie on the pool to join run r: right after r's. */
static uint8_t *pool_next(const struct run *r)
{
    return r->pool ? r->pool + r->sectors * SECTOR_SIZE : NULL;
}

/* A run on the pool: one device request straight on its mapped pages; 0, or -1. */
static int pool_run(struct vbd *v, const struct run *r)
{
    uint64_t sector = r->req[0].sector_number;
    v->pooled += r->n;
    return (r->req[0].operation == BLKIF_OP_WRITE
                ? blkdev_write(v->dev, sector, r->sectors, r->pool)
                : blkdev_read(v->dev, sector, r->sectors, r->pool))
               ? -1
               : 0;
}

/* May req (checked, abutting) join the run r has gathered? */
static int run_takes(const struct run *r, const struct blkif_request *req)
{
    const struct blkif_request *last = &r->req[r->n - 1];
    return req->operation == last->operation &&
           req->sector_number == r->req[0].sector_number + r->sectors &&
           last->seg[last->nr_segments - 1].last_sect == BLKIF_SECTORS_PER_PAGE - 1 &&
           req->seg[0].first_sect == 0 && r->pages + req->nr_segments <= RUN_PAGES;
}

/* The run's pages mapped side by side, one device request, unmapped: 0, or -1 (nothing moved
 * for certain; the caller serves each request on its own, to give each its own answer). */
static int transfer_run(struct vbd *v, const struct run *r)
{
    int write = r->req[0].operation == BLKIF_OP_WRITE, rc;
    uint32_t k = 0;
    for (uint32_t i = 0; i < r->n; i++)
        for (unsigned int j = 0; j < r->req[i].nr_segments; j++)
            gnttab_map_args(&run_maps[k++], v->dom, r->req[i].seg[j].gref, write);
    uint8_t *pages = gnttab_map_run(run_maps, k);
    v->grant_calls += 2;
    if (!pages)
        return -1;
    uint8_t *data = pages + r->req[0].seg[0].first_sect * SECTOR_SIZE;
    uint64_t sector = r->req[0].sector_number;
    rc = write ? blkdev_write(v->dev, sector, r->sectors, data)
               : blkdev_read(v->dev, sector, r->sectors, data);
    if (gnttab_unmap_run(run_maps, run_unmaps, k))
        printf("blkback: d%u %s: a run's page could not be unmapped\n", v->dom, v->vdev);
    return rc ? -1 : 0;
}

/* The run's sectors as one device request through the run buffer, and one batched grant copy
 * between it and the frontend's pages: 0, or -1 (not moved for certain; the caller serves each
 * request on its own, through its disk's bounce buffer, to give each its own answer). */
static int bounce_run(struct vbd *v, const struct run *r)
{
    int write = r->req[0].operation == BLKIF_OP_WRITE, n = 0;
    uint64_t sector = r->req[0].sector_number;
    if (!run_buffer && !(run_buffer = alloc_pages(RUN_PAGES)))
        return -1;
    if (!write && blkdev_read(v->dev, sector, r->sectors, run_buffer))
        return -1;
    for (uint32_t i = 0, off = 0; i < r->n; i++)
        for (unsigned int j = 0; j < r->req[i].nr_segments; j++)
            off = add_copies(v, run_buffer, run_copy_ops, &n, off, &r->req[i].seg[j], !write);
    if (run_copies(v, run_copy_ops, n))
        return -1;
    return write && blkdev_write(v->dev, sector, r->sectors, run_buffer) ? -1 : 0;
}

static int16_t handle(struct vbd *v, const struct blkif_request *req)
{
    const char *why = "";
    uint32_t nr;
    int read = req->operation == BLKIF_OP_READ, direct;
    struct vbd_limits lim = {v->dev->sectors, v->readonly};
    int st = blkif_check_request(req, &lim, &nr, &why);
    if (st == BLKIF_RSP_OKAY && req->operation == BLKIF_OP_FLUSH_DISKCACHE)
        st = blkdev_flush(v->dev) ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
    else if (st == BLKIF_RSP_OKAY && v->map_mode) {
        if (map_and_transfer(v, req))
            st = BLKIF_RSP_ERROR, why = "a segment we could not map or transfer";
    } else if (st == BLKIF_RSP_OKAY && (direct = copy_direct(v, req, read)) != 0) {
        if (direct < 0)
            st = BLKIF_RSP_ERROR, why = "a grant reference we may not copy with";
    } else if (st == BLKIF_RSP_OKAY && read) {
        if (blkdev_read(v->dev, req->sector_number, nr, v->bounce))
            st = BLKIF_RSP_ERROR, why = "disk read failed";
        else if (copy_data(v, req, 1))
            st = BLKIF_RSP_ERROR, why = "a grant reference we may not copy to";
    } else if (st == BLKIF_RSP_OKAY) {
        if (copy_data(v, req, 0))
            st = BLKIF_RSP_ERROR, why = "a grant reference we may not copy from";
        else if (blkdev_write(v->dev, req->sector_number, nr, v->bounce))
            st = BLKIF_RSP_ERROR, why = "disk write failed";
    }
    if (st != BLKIF_RSP_OKAY && v->errors++ < 10)
        printf("blkback: d%u %s: request %u refused: %s\n", v->dom, v->vdev, (uint32_t)req->id,
               why);
    return (int16_t)st;
}

/*
 * Requests served in one call before dom0's shell gets a turn.  A frontend
 * that refills its ring as fast as we answer would otherwise keep serve() -
 * and so dom0 - from ever reading its console again.  Work left over bumps
 * event_count, so dom0 comes straight back instead of sleeping.  The count
 * is looked at between passes over the ring, never within one: a pass holds
 * whole transfers (a frontend publishes a transfer's requests together), so
 * a run is never cut in two device requests by it, and a call serves fewer
 * than SERVE_BATCH + the ring's size.
 */
#define SERVE_BATCH 32

/* Publish the responses written so far, and notify the frontend if it asked to hear of them. */
static void push_responses(struct vbd *v)
{
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->ring, notify);
    if (notify) {
        notify_remote(v->port);
        v->notifies_out++;
    }
}

/* req's answer, in the next response slot (published by push_responses()). */
static void respond(struct vbd *v, const struct blkif_request *req, int16_t st)
{
    struct blkif_response *rsp = RING_GET_RESPONSE(&v->ring, v->ring.rsp_prod_pvt);
    *rsp = (struct blkif_response){req->id, req->operation, 0, st};
    v->ring.rsp_prod_pvt++;
}

/* Serve and answer the run gathered so far, in order; it is empty after.  With bemode=map a run
 * of one page is mapped as a segment is (map_and_transfer): its own inline map, no run to look
 * for; on the bounce path a run of one request goes through the run buffer too (its disk's own
 * bounce buffer is for the requests that cannot be a run, handle()). */
static void end_run(struct vbd *v, struct run *r)
{
    int failed = r->pool         ? pool_run(v, r)
                 : !v->map_mode  ? bounce_run(v, r)
                 : r->pages == 1 ? map_and_transfer(v, &r->req[0])
                                 : transfer_run(v, r);
    for (uint32_t i = 0; i < r->n; i++) /* if not moved, one by one, each with its own status */
        respond(v, &r->req[i], !failed ? BLKIF_RSP_OKAY : handle(v, &r->req[i]));
    r->n = 0;
}

/* With bemode=map, on the bounce path, or with a pool: the request just copied off the ring into
 * r->req[r->n] joins the run if it can be moved as part of it (on the pool right after the run's
 * data, or off it after a run off it); otherwise the run is served, and the request is served at
 * once or begins the next run.  On a memory device with grant copy only pool requests run: the
 * others are copied straight (copy_direct()). */
static void take_request(struct vbd *v, struct run *r)
{
    struct blkif_request *req = &r->req[r->n];
    uint32_t nr;
    const char *why;
    struct vbd_limits lim = {v->dev->sectors, v->readonly};
    int runs = (req->operation == BLKIF_OP_READ || req->operation == BLKIF_OP_WRITE) &&
               blkif_check_request(req, &lim, &nr, &why) == BLKIF_RSP_OKAY &&
               blkif_segments_abut(req, nr);
    uint8_t *pool = runs ? pool_data(v, req) : NULL;
    if (r->n && (!runs || !run_takes(r, req) || pool != pool_next(r))) {
        end_run(v, r);
        r->req[0] = *req;
        req = &r->req[0];
    }
    if (!runs || (!pool && !v->map_mode && v->mem))
        return respond(v, req, handle(v, req));
    if (!r->n)
        r->pool = pool;
    r->pages = (r->n ? r->pages : 0) + req->nr_segments;
    r->sectors = (r->n ? r->sectors : 0) + nr;
    if (++r->n == RUN_REQUESTS) /* full: the next request needs the slot after */
        end_run(v, r);
}

/*
 * Answer the requests on the ring.  Each is copied out of its slot before it is looked at
 * (blkif_copy_request), and answered in order; the answers of one pass over the ring are
 * published together, so a transfer the frontend put on the ring as several requests wakes it
 * once, not once per request.
 */
static void serve(struct vbd *v)
{
    int more, served = 0;
    struct run run;
    run.n = 0;
    do {
        if (served >= SERVE_BATCH) {
            event_count++; /* more to do: run the services again before sleeping */
            return serve_later(v);
        }
        RING_IDX rp = v->sring->req_prod;
        xen_rmb(); /* the requests before the index that covers them */
        if (RING_REQUEST_PROD_OVERFLOW(&v->ring, rp))
            return disconnect(v, "the frontend's req_prod ran past the ring"); /* run.n is 0 */
        while (v->ring.req_cons != rp && !RING_REQUEST_CONS_OVERFLOW(&v->ring, v->ring.req_cons)) {
            served++;
            struct blkif_request *req = &run.req[run.n];
            blkif_copy_request(req, RING_GET_REQUEST(&v->ring, v->ring.req_cons));
            v->ring.req_cons++;
            v->requests++;
            if (v->map_mode || !v->mem || run.n || pool_may_hold(v, req)) /* runs */
                take_request(v, &run);
            else /* memory: copied straight between its pages and the frontend's */
                respond(v, req, handle(v, req));
        }
        if (run.n)
            end_run(v, &run);
        push_responses(v);
        RING_FINAL_CHECK_FOR_REQUESTS(&v->ring, more);
    } while (more && v->sring);
}

static void follow_frontend(struct vbd *v)
{
    uint32_t fs;
    v->follows++;
    if (xs_read_u(v->fpath, "state", &fs))
        fs = XenbusStateClosed; /* its directory is gone: so is the frontend */
    if ((int)fs != v->fstate) {
        printf("blkback: d%u %s: frontend %s -> %s (backend %s)\n", v->dom, v->vdev,
               xenbus_state_name(v->fstate), xenbus_state_name((int)fs),
               xenbus_state_name(v->state));
        v->fstate = (int)fs;
    }
    if (v->state == XenbusStateInitWait && fs == XenbusStateInitialised)
        connect(v);
    else if (v->state == XenbusStateConnected &&
             (fs == XenbusStateClosing || fs == XenbusStateClosed))
        disconnect(v, "the frontend is closing");
    else if (v->state == XenbusStateClosed && fs == XenbusStateInitialising)
        set_state(v, XenbusStateInitWait, "the frontend starts again");
}

/* The handshakes of the disks listed to follow; one still to be described stays listed. */
static void follow_frontends(void)
{
    for (struct pending_link *l = pending_take(&to_follow), *next; l; l = next) {
        next = pending_next(l);
        struct vbd *v = pending_record(l, struct vbd, following);
        if (!v->in_use)
            continue;
        if (v->state == XenbusStateInitialising && monotonic_ns() >= v->describe_at)
            describe(v);
        follow_frontend(v);
        if (v->state == XenbusStateInitialising)
            follow_later(v);
    }
}

void blkback_poll(void)
{
    follow_frontends();
    for (struct pending_link *l = pending_take(&to_serve), *next; l; l = next) {
        next = pending_next(l);
        struct vbd *v = pending_record(l, struct vbd, pending);
        if (v->in_use && v->sring) {
            v->serves++;
            serve(v);
        }
    }
}

void blkback_remove(domid_t dom)
{
    for (struct vbd *v = table_by_id(&vbds, dom), *next; v; v = next) {
        next = v->next_of_dom;
        disconnect(v, "the domain is going away");
        xs_local_rm(xenstore, v->bpath);
        pending_remove(&to_follow, &v->following); /* the record may be reused: off both lists */
        pending_remove(&to_serve, &v->pending);
        table_free(&vbds, v);
    }
    table_set_id(&vbds, dom, NULL);
    char dir[48];
    snprintf(dir, sizeof(dir), "/local/domain/0/backend/vbd/%u", dom);
    xs_local_rm(xenstore, dir);
}

size_t blkback_list(domid_t dom, char *buf, size_t cap)
{
    size_t n =
        (size_t)snprintf(buf, cap,
                         "Vdev  BE-path-id  Target  Mode  Backend      Frontend     Requests "
                         "Errors Events Notifies GrantCalls Pool Pooled Serves Follows\n");
    for (uint32_t i = 0; i < table_slots(&vbds) && n < cap; i++) {
        struct vbd *v = vbd_at(i);
        if (v->in_use && v->dom == dom)
            n += (size_t)snprintf(
                buf + n, cap - n,
                "%-5s %-11u %-7s %-5s %-12s %-12s %8u %6u %6u %8u %10u %4u %6u %6u %7u\n", v->vdev,
                v->devid, v->dev->name, v->readonly ? "r" : "w", xenbus_state_name(v->state),
                xenbus_state_name(v->fstate), v->requests, v->errors, v->events_in, v->notifies_out,
                v->grant_calls, v->pool_pages, v->pooled, v->serves, v->follows);
    }
    return MIN(n, cap - 1);
}
