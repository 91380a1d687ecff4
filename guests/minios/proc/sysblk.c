/*
 * sysblk.c - SYS_blkdev: the domain's block devices, raw, for the ring-3
 * `blk` program (guests/bin/blk.c), which parses its command line, fills and
 * checks sector patterns and prints; this file moves the sectors.
 *
 * A transfer goes through kernel pages, at most BLKDEV_MAX_SECTORS at a
 * time: the drivers grant or DMA kernel pages, never a process's.  They are
 * the disk's I/O buffer if it has one (blkdev_io_buffer(): a domU disk's
 * persistent-grant pool, so the transfer needs no grant operation; a
 * transfer's data is all that goes there, and it is copied in or out of the
 * process's memory anyway), else the kernel's own page-aligned buffer, as
 * with BLKDEV_NOPOOL.  A device that is mounted here or given to a domU is never
 * written raw (-E_BUSY): the check lives here, beside the devices, so no
 * program can forget it; BLKDEV_INFO names the holder so `blk` can say who.
 *
 * The throughput benchmark (`blk bench DEV`) runs here too, in the kernel,
 * so its figures are the block layer's and the driver's alone, without a
 * system call and a copy per transfer; a domU started with `blkbench` runs
 * it at boot on xvda (bench_scripts.c), through the disk's I/O pool and then
 * through the kernel's own buffer, so both paths are measured in one run;
 * each BENCH line says which (buf=pool or buf=static).
 *
 * Tour 48/58 - after blkback.c, before fs/bcache.c.
 */
#include <os.h>
#include <blkback.h>
#include <blkdev.h>
#include <ext2fs.h>
#include <proc.h>

static uint8_t buf[BLKDEV_MAX_SECTORS * SECTOR_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define BUF_PAGES (sizeof(buf) / PAGE_SIZE)

/* Where a transfer of d goes: BUF_PAGES of its I/O pool unless `flags` say BLKDEV_NOPOOL or it
 * has none free, else buf.  Give it back with io_buffer_put(). */
static uint8_t *io_buffer_get(struct blkdev *d, uint32_t flags)
{
    uint8_t *pool = flags & BLKDEV_NOPOOL ? NULL : blkdev_io_buffer(d, BUF_PAGES);
    return pool ? pool : buf;
}

static void io_buffer_put(struct blkdev *d, uint8_t *b)
{
    if (b != buf)
        blkdev_io_buffer_free(d, b, BUF_PAGES);
}

static int rw(struct blkdev *d, int write, uint64_t sector, uint32_t n, uint8_t *b)
{
    return write ? blkdev_write(d, sector, n, b) : blkdev_read(d, sector, n, b);
}

/* One workload's transfers: `nreq` of `per` sectors, sequential from sector 0 or at the places
 * a fixed seed picks (the same places every run).  0, or the failing transfer's error (said). */
static int transfers(struct blkdev *d, uint8_t *b, int write, int random, uint32_t nreq,
                     uint32_t per)
{
    uint32_t seed = 12345;
    uint64_t span = d->sectors - d->sectors % per, places = span / per;
    for (uint32_t i = 0; i < nreq; i++) {
        seed = seed * 1103515245u + 12345u;
        uint64_t s = random ? (uint64_t)(seed >> 8) % places * per : (i * (uint64_t)per) % span;
        int rc = rw(d, write, s, per, b);
        if (rc) {
            printf("blk: %s of %u sectors at %u on %s failed (%d)\n", write ? "write" : "read", per,
                   (uint32_t)s, d->name, rc);
            return rc;
        }
    }
    return 0;
}

/* This domain's hypervisor counters; zeros natively, where there is no hypervisor to enter. */
static struct pvlab_counters counters_now(void)
{
    struct pvlab_counters c = {0};
    if (!is_native())
        own_hv_counters(&c);
    return c;
}

/* The lab plugin's window around one workload's timed transfers: tests/blk_bench.py names this
 * function as a marker_pc, so its first call opens a window and its second closes it.  Not the
 * lab marker (xchg %bx,%bx): lab/configs.py's blk bench stand-in counts on there being none. */
void __attribute__((noinline)) blk_bench_window(void)
{
    __asm__ volatile("" ::: "memory");
}

/*
 * One throughput figure, and the hypervisor entries this domain made during it (the counters
 * read before and after, outside the timed window; the second read's own hypercall taken off).
 * A domU's figure is its own entries only: dom0's, while its blkback serves, come from the
 * plugin's window (tests/blk_bench.py).  A domU first lets dom0 forward the line it printed
 * last (console_flush()): dom0's own run prints synchronously, before its window.
 */
static void bench_one(struct blkdev *d, uint8_t *b, const char *what, int write, int random,
                      uint32_t nreq, uint32_t per)
{
    console_flush();
    struct pvlab_counters a = counters_now(), c;
    blk_bench_window();
    uint64_t t0 = monotonic_ns();
    int rc = transfers(d, b, write, random, nreq, per);
    uint64_t ns = monotonic_ns() - t0;
    blk_bench_window();
    c = counters_now();
    if (rc)
        return;
    uint32_t own_read = is_native() ? 0 : 1; /* the second counter read's own hypercall */
    uint64_t bytes = (uint64_t)nreq * per * SECTOR_SIZE;
    uint64_t kbps = bytes * 1000000ull / ns; /* bytes per ms = KB/s... in MB/s x 1000 */
    printf("BENCH blk %s %s MBps=%u.%03u reqps=%u ns=%u bytes=%u transfers=%u hv_entries=%u "
           "hypercalls=%u exceptions=%u interrupts=%u buf=%s\n",
           d->name, what, (uint32_t)(kbps / 1000), (uint32_t)(kbps % 1000),
           (uint32_t)((uint64_t)nreq * 1000000000ull / ns), (uint32_t)ns, (uint32_t)bytes, nreq,
           (uint32_t)(c.hv_entries - a.hv_entries) - own_read,
           (uint32_t)(c.hypercalls - a.hypercalls) - own_read,
           (uint32_t)(c.exceptions - a.exceptions), (uint32_t)(c.interrupts - a.interrupts),
           b == buf ? "static" : "pool");
}

/* The four workloads, in the order they run: each read reads back what the write before wrote. */
static const struct workload {
    const char *what;
    int write, random;
    uint32_t nreq, per;
} workloads[] = {
    {"seq-write", 1, 0, 96, BLKDEV_MAX_SECTORS}, /* 12 MiB in 132 KiB transfers */
    {"seq-read", 0, 0, 96, BLKDEV_MAX_SECTORS},
    {"rand-write", 1, 1, 1024, 8}, /* 4 MiB in 4 KiB pieces at random places */
    {"rand-read", 0, 1, 1024, 8},
};
#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

/*
 * The benchmark.  Its writes first run once untimed (preconditioning, as SSD benchmarks do):
 * a RAM disk allocates and zeroes a page on its first write (ramdisk.c), so without this the
 * first domain to run would time its writes allocating and every later one would find the
 * pages there - dom0, which runs first, wrote at half the speed it read.  Now every run, in
 * dom0 or a domU, first or last, times writes over written blocks: the same device state.
 */
void blk_bench(struct blkdev *d, uint32_t flags)
{
    const struct workload *w;
    uint8_t *b = io_buffer_get(d, flags);
    memset(b, 0x5A, sizeof(buf));
    uint64_t t0 = monotonic_ns();
    for (w = workloads; w < workloads + NR_WORKLOADS; w++)
        if (w->write && transfers(d, b, 1, w->random, w->nreq, w->per))
            return io_buffer_put(d, b);
    printf("BENCH blk-precondition %s ns=%u buf=%s (the writes' blocks written once, untimed)\n",
           d->name, (uint32_t)(monotonic_ns() - t0), b == buf ? "static" : "pool");
    for (w = workloads; w < workloads + NR_WORKLOADS; w++)
        bench_one(d, b, w->what, w->write, w->random, w->nreq, w->per);
    blkfront_print_stats(d);
    io_buffer_put(d, b);
}

/* Where d is held: its mount point, or the domU's name for it; NULL if free. */
static const char *holder(struct blkdev *d, int *mounted)
{
    const char *where = ext2fs_holder(d);
    *mounted = where != NULL;
    return where ? where : blkback_holder(d);
}

static void describe(struct blkdev *d, struct pvlab_blkinfo *info)
{
    int mounted;
    const char *h = holder(d, &mounted);
    memset(info, 0, sizeof(*info));
    strlcpy(info->name, d->name, sizeof(info->name));
    strlcpy(info->model, d->model, sizeof(info->model));
    strlcpy(info->holder, h ? h : "", sizeof(info->holder));
    info->mounted = (uint32_t)mounted;
    info->readonly = (uint32_t)d->readonly;
    info->sectors = d->sectors;
}

/* Move the checked request req between the process's memory and the disk through b. */
static int move(int op, struct blkdev *d, const struct pvlab_blkreq *req, uint8_t *b)
{
    uint32_t bytes = req->count * SECTOR_SIZE;
    if (op == BLKDEV_WRITE && copy_from_user(b, req->buf, bytes))
        return -E_FAULT;
    int rc = rw(d, op == BLKDEV_WRITE, req->sector, req->count, b);
    if (rc)
        return rc < 0 ? rc : -E_IO;
    return op == BLKDEV_READ ? copy_to_user(req->buf, b, bytes) : 0;
}

/* A read, write or flush of the device req names; 0 or -E_*. */
static int transfer(int op, struct blkdev *d, struct pvlab_blkreq *req)
{
    int mounted;
    if (op == BLKDEV_FLUSH)
        return blkdev_flush(d) ? -E_IO : 0;
    if (req->count == 0 || req->count > BLKDEV_MAX_SECTORS)
        return -E_INVAL;
    if (op == BLKDEV_WRITE && holder(d, &mounted))
        return -E_BUSY;
    if (op == BLKDEV_READ && !user_range_ok(current_proc->regions, current_proc->nr_regions,
                                            req->buf, req->count * SECTOR_SIZE, 1))
        return -E_FAULT;
    uint8_t *b = io_buffer_get(d, req->flags);
    int rc = move(op, d, req, b);
    io_buffer_put(d, b);
    return rc;
}

int sys_blkdev(uint32_t op, uint32_t ureq, uint32_t c, uint32_t d)
{
    struct pvlab_blkreq req;
    int rc = copy_from_user(&req, ureq, sizeof(req));
    if (rc)
        return rc;
    if (!current_proc->may_privcmd)
        return -E_PERM; /* raw disks: the right that privdrop gives up */
    req.name[sizeof(req.name) - 1] = 0;
    struct blkdev *dev = req.name[0] ? blkdev_find(req.name) : blkdev_nth(req.index);
    if (!dev)
        return -E_NOENT;
    switch (op) {
    case BLKDEV_INFO:
        describe(dev, &req.info);
        return copy_to_user(ureq, &req, sizeof(req));
    case BLKDEV_READ:
    case BLKDEV_WRITE:
    case BLKDEV_FLUSH:
        return transfer((int)op, dev, &req);
    case BLKDEV_BENCH: {
        int mounted;
        if (holder(dev, &mounted))
            return -E_BUSY;
        blk_bench(dev, req.flags);
        return 0;
    }
    }
    return -E_INVAL;
}
