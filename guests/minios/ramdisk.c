/*
 * ramdisk.c - block devices held in the domain's own memory.
 *
 * Why: under QEMU's -icount, everything a guest computes repeats to the
 * instruction, but a disk does not.  The IDE disk's completions come from
 * QEMU's I/O thread at a moment of the host's choosing, and while a vCPU
 * halts waiting for one, -icount sleep=off moves guest time on to the next
 * timer deadline: a disk wait costs whatever the tick rate makes it cost, and
 * differs from boot to boot.  A RAM disk has no completions to wait for, so a
 * workload on it -- dom0's file system, or a domU's xvda that dom0's blkback
 * serves from it -- repeats exactly, and what it measures is the path
 * (system calls, the buffer cache, blkfront, grants, events, blkback), not
 * the host's disk.  The lab and `make bench` use it for that.
 *
 * Each file ram/NAME.simg of the boot archive becomes the device NAME
 * (ram0, ram1, ...), holding the image's pages; pages the image does not carry
 * read as zeros and are allocated on first write.  The contents live as long
 * as the domain: nothing is written back (copy a RAM disk to a real one with
 * blk if it must be kept).
 *
 * A RAM disk can also be given a disk's timing, a deterministic device model
 * (`ram_model=ACCESS_US:MBPS` on dom0's command line, for every RAM disk of
 * the boot; absent or 0, the plain RAM disk above).  Each request - one call
 * of the device's read or write - then takes S = ACCESS_US + bytes / MBPS of
 * guest time from when it begins: the copy runs first and the request waits
 * out the rest of S, so the copy stands for the device's DMA and lies inside
 * S (a request takes longer than S only if its copy alone does).  It waits by
 * spinning on monotonic_ns(), which under -icount ends within a few
 * instructions of S, boot after boot; a block-and-wake wait would round every
 * S up to the next 1 ms tick (hv/timer.c fires timers only at PIT ticks).  The
 * spin keeps dom0's CPU busy while "the device works": with one transfer at a
 * time, as `blk bench` makes them, the domU is blocked on the response and
 * nobody else has work, so it takes no one's time; with concurrent work it
 * would, and figures so measured would not mean a real disk's.  A modelled
 * disk is a device, not memory: it offers no memory_at, so blkback serves it
 * as it would a real disk's: by default it maps the frontend's pages and the
 * disk moves a run of adjacent requests in one device request; with
 * bemode=copy through its bounce buffer, one device request per ring request
 * (blkback.c, docs/block.md section 8).
 *
 * Tour 43/58 - after ide.c, before simg.c.
 */
#include <os.h>
#include <blkdev.h>
#include <cmdline.h>
#include <simg.h>
#include "bootfs.h"

#define MAX_RAMDISKS   4
#define SECTORS_PER_PG (SIMG_PAGE / SECTOR_SIZE)

struct ramdisk {
    struct blkdev dev;
    uint8_t **page; /* [nr_pages]: NULL reads as zeros */
    uint32_t nr_pages;
    uint32_t allocated; /* pages holding data */
};

static struct ramdisk ramdisks[MAX_RAMDISKS];
static int nr_ramdisks;

/* ram_model=: every RAM disk's timing; access_ns 0 and mbps 0 is the plain RAM disk. */
static struct {
    uint32_t access_ns, mbps; /* mbps 0: no bandwidth term */
} model;

static int modelled(void)
{
    return model.access_ns || model.mbps;
}

/* The page holding `sector`, allocated if `create`; NULL if absent (or out of memory). */
static uint8_t *page_of(struct ramdisk *r, uint64_t sector, int create)
{
    uint32_t n = (uint32_t)(sector / SECTORS_PER_PG);
    if (!r->page[n] && create && (r->page[n] = alloc_page()))
        r->allocated++;
    return r->page[n];
}

/* Copy `count` sectors from `sector` on, a page at a time: to buf (write=0) or from it.  Inlined
 * into each caller, so the plain RAM disk's read and write stay what they were before models. */
static inline __attribute__((always_inline)) int transfer(struct ramdisk *r, uint64_t sector,
                                                          uint32_t count, uint8_t *buf, int write)
{
    while (count) {
        uint32_t off = (uint32_t)(sector % SECTORS_PER_PG) * SECTOR_SIZE;
        uint32_t n = MIN(count, SECTORS_PER_PG - (uint32_t)(sector % SECTORS_PER_PG));
        uint8_t *p = page_of(r, sector, write);
        if (write && !p)
            return -XEN_ENOMEM;
        if (write)
            memcpy(p + off, buf, n * SECTOR_SIZE);
        else if (p)
            memcpy(buf, p + off, n * SECTOR_SIZE);
        else
            memset(buf, 0, n * SECTOR_SIZE);
        sector += n, count -= n, buf += n * SECTOR_SIZE;
    }
    return 0;
}

/* A request's service time under the model: the access, then its bytes at the bandwidth. */
static uint64_t service_ns(uint32_t count)
{
    uint64_t bytes = (uint64_t)count * SECTOR_SIZE;
    return model.access_ns + (model.mbps ? bytes * 1000 / model.mbps : 0);
}

static int ram_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf)
{
    return transfer(d->priv, sector, count, buf, 0);
}

static int ram_write(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf)
{
    return transfer(d->priv, sector, count, (uint8_t *)buf, 1);
}

/* One request to a modelled disk, held until its service time has passed since it began. */
static int request(struct ramdisk *r, uint64_t sector, uint32_t count, uint8_t *buf, int write)
{
    uint64_t t0 = monotonic_ns();
    int rc = transfer(r, sector, count, buf, write);
    uint64_t s = service_ns(count);
    while (monotonic_ns() - t0 < s)
        __asm__ volatile("pause");
    return rc;
}

/* A modelled disk's read and write: its own pair, so the plain RAM disk's cost nothing more. */
static int modelled_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf)
{
    return request(d->priv, sector, count, buf, 0);
}

static int modelled_write(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf)
{
    return request(d->priv, sector, count, (uint8_t *)buf, 1);
}

/* blkdev's memory_at: blkback copies straight to and from these pages (no bounce buffer). */
static uint8_t *ram_memory_at(struct blkdev *d, uint64_t sector, int write)
{
    uint8_t *p = page_of(d->priv, sector, write);
    return p ? p + (uint32_t)(sector % SECTORS_PER_PG) * SECTOR_SIZE : NULL;
}

static int load_page(void *ctx, uint32_t n, const uint8_t *data)
{
    struct ramdisk *r = ctx;
    uint8_t *p = page_of(r, (uint64_t)n * SECTORS_PER_PG, 1);
    if (!p)
        return -XEN_ENOMEM;
    memcpy(p, data, SIMG_PAGE);
    return 0;
}

/* A RAM disk called `name` holding the sparse image img: 0, or a negative errno (said why). */
static int ramdisk_load(const char *name, const void *img, uint32_t len)
{
    const char *why;
    uint32_t pages;
    if (nr_ramdisks == MAX_RAMDISKS) {
        printf("minios: %s: more than %d RAM disks\n", name, MAX_RAMDISKS);
        return -XEN_ENOMEM;
    }
    int rc = simg_check(img, len, &pages, &why);
    if (rc) {
        printf("minios: %s: bad RAM disk image: %s\n", name, why);
        return rc;
    }
    struct ramdisk *r = &ramdisks[nr_ramdisks];
    uint32_t table_pages = (pages * sizeof(uint8_t *) + PAGE_SIZE - 1) / PAGE_SIZE;
    if (!(r->page = alloc_pages(table_pages)) || simg_walk(img, load_page, r)) {
        printf("minios: %s: out of memory loading a %u MiB RAM disk\n", name, pages >> 8);
        return -XEN_ENOMEM; /* the pages taken so far stay taken: this is the boot */
    }
    r->nr_pages = pages;
    strlcpy(r->dev.name, name, sizeof(r->dev.name));
    if (modelled())
        snprintf(r->dev.model, sizeof(r->dev.model), "RAM disk, modelled %u us + %u MB/s",
                 model.access_ns / 1000, model.mbps);
    else
        strlcpy(r->dev.model, "RAM disk", sizeof(r->dev.model));
    r->dev.sectors = (uint64_t)pages * SECTORS_PER_PG;
    r->dev.priv = r;
    r->dev.read = modelled() ? modelled_read : ram_read;
    r->dev.write = modelled() ? modelled_write : ram_write;
    r->dev.memory_at = modelled() ? NULL : ram_memory_at; /* a device, not memory */
    blkdev_register(&r->dev);
    nr_ramdisks++;
    printf("minios: %s: %u MiB %s, %u KiB of it loaded\n", name, pages >> 8, r->dev.model,
           r->allocated * 4);
    return 0;
}

/* The device name of an archive path "ram/NAME.simg", or 0 if the path is not one. */
static int ramdisk_name(const struct bootfs_file *f, char *name, size_t cap)
{
    size_t n = f->name_len;
    if (n < 10 || strncmp(f->name, "ram/", 4) || strncmp(f->name + n - 5, ".simg", 5) ||
        n - 9 >= cap)
        return 0;
    memcpy(name, f->name + 4, n - 9);
    name[n - 9] = 0;
    return strchr(name, '/') == NULL;
}

/* ram_model=ACCESS_US:MBPS, or 0: the model, or the plain RAM disk if absent (said if bad). */
static void model_from_cmdline(void)
{
    char v[24];
    const char *end;
    if (!cmdline_value("ram_model=", v, sizeof(v)))
        return;
    unsigned long access = strtoul(v, &end, 10), mbps = 0;
    int ok = end != v;
    if (ok && *end == ':') {
        const char *m = end + 1;
        mbps = strtoul(m, &end, 10);
        ok = end != m;
    }
    if (!ok || *end || access > 1000000 || mbps > 1000000) {
        printf("minios: ram_model=%s: not ACCESS_US:MBPS (e.g. 20:3000) or 0; RAM disks plain\n",
               v);
        return;
    }
    model.access_ns = (uint32_t)access * 1000, model.mbps = (uint32_t)mbps;
}

void ramdisks_from_archive(const void *archive, uint32_t len)
{
    struct bootfs_file f;
    size_t pos = 0;
    char name[16];
    model_from_cmdline();
    while (bootfs_next(archive, len, &pos, &f, NULL) == 1)
        if (ramdisk_name(&f, name, sizeof(name)))
            ramdisk_load(name, f.data, (uint32_t)f.size);
}
