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
 * Tour 43/58 - after ide.c, before simg.c.
 */
#include <os.h>
#include <blkdev.h>
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

/* The page holding `sector`, allocated if `create`; NULL if absent (or out of memory). */
static uint8_t *page_of(struct ramdisk *r, uint64_t sector, int create)
{
    uint32_t n = (uint32_t)(sector / SECTORS_PER_PG);
    if (!r->page[n] && create && (r->page[n] = alloc_page()))
        r->allocated++;
    return r->page[n];
}

/* Copy `count` sectors from `sector` on, a page at a time: to buf (write=0) or from it. */
static int transfer(struct ramdisk *r, uint64_t sector, uint32_t count, uint8_t *buf, int write)
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

static int ram_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf)
{
    return transfer(d->priv, sector, count, buf, 0);
}

static int ram_write(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf)
{
    return transfer(d->priv, sector, count, (uint8_t *)buf, 1);
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
    strlcpy(r->dev.model, "RAM disk", sizeof(r->dev.model));
    r->dev.sectors = (uint64_t)pages * SECTORS_PER_PG;
    r->dev.priv = r;
    r->dev.read = ram_read;
    r->dev.write = ram_write;
    r->dev.memory_at = ram_memory_at;
    blkdev_register(&r->dev);
    nr_ramdisks++;
    printf("minios: %s: %u MiB RAM disk, %u KiB of it loaded\n", name, pages >> 8,
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

void ramdisks_from_archive(const void *archive, uint32_t len)
{
    struct bootfs_file f;
    size_t pos = 0;
    char name[16];
    while (bootfs_next(archive, len, &pos, &f, NULL) == 1)
        if (ramdisk_name(&f, name, sizeof(name)))
            ramdisk_load(name, f.data, (uint32_t)f.size);
}
