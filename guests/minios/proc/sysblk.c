/*
 * sysblk.c - SYS_blkdev: the domain's block devices, raw, for the ring-3
 * `blk` program (guests/bin/blk.c), which parses its command line, fills and
 * checks sector patterns and prints; this file moves the sectors.
 *
 * A transfer goes through the kernel's own page-aligned buffer, at most
 * BLKDEV_MAX_SECTORS at a time: the drivers grant or DMA kernel pages, never
 * a process's.  A device that is mounted here or given to a domU is never
 * written raw (-E_BUSY): the check lives here, beside the devices, so no
 * program can forget it; BLKDEV_INFO names the holder so `blk` can say who.
 *
 * The throughput benchmark (`blk bench DEV`) runs here too, in the kernel,
 * so its figures are the block layer's and the driver's alone, without a
 * system call and a copy per transfer; a domU started with `blkbench` runs
 * it at boot on xvda (proc/startup.c).
 *
 * Tour 48/58 - after blkback.c, before fs/bcache.c.
 */
#include <os.h>
#include <blkback.h>
#include <blkdev.h>
#include <ext2fs.h>
#include <proc.h>

static uint8_t buf[BLKDEV_MAX_SECTORS * SECTOR_SIZE] __attribute__((aligned(PAGE_SIZE)));

static int rw(struct blkdev *d, int write, uint64_t sector, uint32_t n)
{
    return write ? blkdev_write(d, sector, n, buf) : blkdev_read(d, sector, n, buf);
}

/* One throughput figure: `nreq` transfers of `per` sectors, sequential or at random places. */
static void bench_one(struct blkdev *d, const char *what, int write, int random, uint32_t nreq,
                      uint32_t per)
{
    uint32_t seed = 12345;
    uint64_t span = d->sectors - d->sectors % per;
    uint64_t t0 = monotonic_ns();
    for (uint32_t i = 0; i < nreq; i++) {
        seed = seed * 1103515245u + 12345u;
        uint64_t s =
            random ? (uint64_t)(seed >> 8) % (span / per) * per : (i * (uint64_t)per) % span;
        int rc = rw(d, write, s, per);
        if (rc) {
            printf("blk: %s of %u sectors at %u on %s failed (%d)\n", write ? "write" : "read", per,
                   (uint32_t)s, d->name, rc);
            return;
        }
    }
    uint64_t ns = monotonic_ns() - t0;
    uint64_t bytes = (uint64_t)nreq * per * SECTOR_SIZE;
    uint64_t kbps = bytes * 1000000ull / ns; /* bytes per ms = KB/s... in MB/s x 1000 */
    printf("BENCH blk %s %s MBps=%u.%03u reqps=%u ns=%u bytes=%u\n", d->name, what,
           (uint32_t)(kbps / 1000), (uint32_t)(kbps % 1000),
           (uint32_t)((uint64_t)nreq * 1000000000ull / ns), (uint32_t)ns, (uint32_t)bytes);
}

void blk_bench(struct blkdev *d)
{
    memset(buf, 0x5A, sizeof(buf));
    bench_one(d, "seq-write", 1, 0, 96, BLKDEV_MAX_SECTORS); /* 12 MiB in 132 KiB transfers */
    bench_one(d, "seq-read", 0, 0, 96, BLKDEV_MAX_SECTORS);
    bench_one(d, "rand-write", 1, 1, 1024, 8); /* 4 MiB in 4 KiB pieces at random places */
    bench_one(d, "rand-read", 0, 1, 1024, 8);
    blkfront_print_stats(d);
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

/* A read, write or flush of the device req names; 0 or -E_*. */
static int transfer(int op, struct blkdev *d, struct pvlab_blkreq *req)
{
    int mounted;
    uint32_t bytes = req->count * SECTOR_SIZE;
    if (op == BLKDEV_FLUSH)
        return blkdev_flush(d) ? -E_IO : 0;
    if (req->count == 0 || req->count > BLKDEV_MAX_SECTORS)
        return -E_INVAL;
    if (op == BLKDEV_WRITE && holder(d, &mounted))
        return -E_BUSY;
    if (op == BLKDEV_WRITE && copy_from_user(buf, req->buf, bytes))
        return -E_FAULT;
    if (op == BLKDEV_READ &&
        !user_range_ok(current_proc->regions, current_proc->nr_regions, req->buf, bytes, 1))
        return -E_FAULT;
    int rc = rw(d, op == BLKDEV_WRITE, req->sector, req->count);
    if (rc)
        return rc < 0 ? rc : -E_IO;
    return op == BLKDEV_READ ? copy_to_user(req->buf, buf, bytes) : 0;
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
        blk_bench(dev);
        return 0;
    }
    }
    return -E_INVAL;
}
