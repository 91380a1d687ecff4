/*
 * blkdev.c - the list of block devices, partitions, and range checks.
 *
 * A partition is a window onto its parent disk; every transfer is checked
 * against the device's size here, once, so drivers can trust their arguments.
 * A partition's I/O buffer is its disk's (blkdev_io_buffer(): pages of a
 * domU disk's persistent-grant pool, include/blkdev.h says when to use one).
 *
 * Tour 41/58 - after proc/control.c, before ide.c.
 */
#include <os.h>
#include <blkdev.h>

#define MAX_BLKDEVS 12
static struct blkdev *devs[MAX_BLKDEVS];
static struct blkdev partitions[8];
static int nr_partitions;

void blkdev_register(struct blkdev *d)
{
    for (int i = 0; i < MAX_BLKDEVS; i++)
        if (!devs[i]) {
            devs[i] = d;
            return;
        }
}

struct blkdev *blkdev_find(const char *name)
{
    for (int i = 0; i < MAX_BLKDEVS; i++)
        if (devs[i] && !strcmp(devs[i]->name, name))
            return devs[i];
    return NULL;
}

static int in_range(struct blkdev *d, uint64_t sector, uint32_t count)
{
    return count > 0 && sector < d->sectors && count <= d->sectors - sector;
}

int blkdev_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf)
{
    if (!in_range(d, sector, count))
        return -XEN_ERANGE;
    if (d->parent)
        return blkdev_read(d->parent, d->first + sector, count, buf);
    return d->read(d, sector, count, buf);
}

int blkdev_write(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf)
{
    if (!in_range(d, sector, count))
        return -XEN_ERANGE;
    if (d->readonly)
        return -XEN_EACCES;
    if (d->parent)
        return blkdev_write(d->parent, d->first + sector, count, buf);
    return d->write(d, sector, count, buf);
}

int blkdev_write_many(struct blkdev *d, const struct blkdev_io *io, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!in_range(d, io[i].sector, io[i].count))
            return -XEN_ERANGE;
    uint64_t base = 0;
    for (;; d = d->parent) {
        if (d->readonly)
            return -XEN_EACCES;
        if (!d->parent)
            break;
        base += d->first;
    }
    if (d->write_many)
        return d->write_many(d, base, io, n);
    int first_error = 0;
    for (uint32_t i = 0; i < n; i++) {
        int rc = d->write(d, base + io[i].sector, io[i].count, io[i].buf);
        if (rc && !first_error)
            first_error = rc;
    }
    return first_error;
}

struct blkdev *blkdev_memory_range(struct blkdev *d, uint64_t sector, uint32_t count, int write,
                                   uint64_t *at)
{
    if (!in_range(d, sector, count))
        return NULL;
    for (; d->parent; d = d->parent) {
        if (write && d->readonly)
            return NULL;
        sector += d->first;
    }
    *at = sector;
    return d->memory_at && !(write && d->readonly) ? d : NULL;
}

/* The disk that d is (a disk), or is a part of (a partition or a range). */
static struct blkdev *disk_of(const struct blkdev *d)
{
    while (d->parent)
        d = d->parent;
    return (struct blkdev *)d;
}

int blkdev_has_flush(const struct blkdev *d)
{
    return disk_of(d)->flush != NULL;
}

int blkdev_flush(struct blkdev *d)
{
    d = disk_of(d);
    return d->flush ? d->flush(d) : 0;
}

void *blkdev_io_buffer(struct blkdev *d, uint32_t pages)
{
    d = disk_of(d);
    return d->pool_take ? d->pool_take(d, pages) : NULL;
}

void blkdev_io_buffer_free(struct blkdev *d, void *buf, uint32_t pages)
{
    d = disk_of(d);
    if (buf && d->pool_give)
        d->pool_give(d, buf, pages);
}

int blkdev_overlaps(const struct blkdev *a, const struct blkdev *b)
{
    const struct blkdev *ra = a->parent ? a->parent : a, *rb = b->parent ? b->parent : b;
    uint64_t a0 = a->parent ? a->first : 0, b0 = b->parent ? b->first : 0;
    return ra == rb && a0 < b0 + b->sectors && b0 < a0 + a->sectors;
}

/* The four primary entries of an MBR partition table (offset 446, 16 bytes each). */
void blkdev_add_partitions(struct blkdev *disk)
{
    static uint8_t mbr[SECTOR_SIZE] __attribute__((aligned(PAGE_SIZE))); /* blkfront's rule */
    if (blkdev_read(disk, 0, 1, mbr) || mbr[510] != 0x55 || mbr[511] != 0xAA)
        return;
    for (int i = 0; i < 4 && nr_partitions < (int)ARRAY_SIZE(partitions); i++) {
        const uint8_t *e = mbr + 446 + 16 * i;
        uint32_t start, count;
        memcpy(&start, e + 8, 4);
        memcpy(&count, e + 12, 4);
        if (e[4] == 0 || count == 0 || start >= disk->sectors || count > disk->sectors - start)
            continue;
        struct blkdev *p = &partitions[nr_partitions++];
        *p = (struct blkdev){.sectors = count, .first = start, .parent = disk};
        snprintf(p->name, sizeof(p->name), "%s%d", disk->name, i + 1);
        snprintf(p->model, sizeof(p->model), "partition %d of %s", i + 1, disk->name);
        blkdev_register(p);
    }
}

struct blkdev *blkdev_range(const char *spec)
{
    char name[16];
    const char *at = strchr(spec, '@');
    if (!at || at - spec >= (int)sizeof(name) || strlen(spec) >= sizeof(partitions[0].name) ||
        nr_partitions == (int)ARRAY_SIZE(partitions))
        return NULL;
    memcpy(name, spec, at - spec);
    name[at - spec] = 0;
    struct blkdev *parent = blkdev_find(name);
    const char *p;
    uint64_t start = strtoul(at + 1, &p, 0), count = 0;
    if (*p == '+')
        count = strtoul(p + 1, &p, 0);
    if (!parent || parent->parent || *p || count == 0 || start >= parent->sectors ||
        count > parent->sectors - start)
        return NULL;
    struct blkdev *r = &partitions[nr_partitions++];
    *r = (struct blkdev){.sectors = count, .first = start, .parent = parent};
    strlcpy(r->name, spec, sizeof(r->name));
    snprintf(r->model, sizeof(r->model), "sectors %u+%u of %s", (uint32_t)start, (uint32_t)count,
             name);
    blkdev_register(r);
    return r;
}

struct blkdev *blkdev_nth(uint32_t n)
{
    for (int i = 0; i < MAX_BLKDEVS; i++)
        if (devs[i] && n-- == 0)
            return devs[i];
    return NULL;
}
