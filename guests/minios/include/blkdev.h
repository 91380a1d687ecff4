/*
 * blkdev.h - minios's block devices: dom0's IDE disk and its partitions
 * (ide.c), a domU's virtual disks (blkfront.c) and RAM disks (ramdisk.c),
 * behind one interface so the `blk` program (through SYS_blkdev) works on all of them.
 *
 * A device's I/O buffer (blkdev_io_buffer()): a domU disk whose backend keeps a pool of the
 * frontend's pages mapped for the connection's life (persistent grants, blkfront.c) lends its
 * callers pages of that pool, and a transfer through them needs no grant operation.  The rule
 * that makes this safe: only data on its way to or from the disk goes there, data the backend
 * reaches anyway - never a structure, a pointer or another domain's secret - and a caller gives
 * the pages back (blkdev_io_buffer_free()) instead of freeing them.  A device without a pool
 * (dom0's IDE and RAM disks, a domU disk whose backend offered none) answers NULL, and the
 * caller uses its own memory, the per-request way.
 */
#ifndef MINIOS_BLKDEV_H
#define MINIOS_BLKDEV_H

#include <stdint.h>

#define SECTOR_SIZE 512

/* One write of a batch: `count` sectors at `sector` from `buf` (blkdev_write_many). */
struct blkdev_io {
    uint64_t sector;
    uint32_t count;
    const void *buf;
};

struct blkdev {
    char name[32]; /* "hda", "hda1", "xvda", "hda@70000+2048" */
    char model[41];
    uint64_t sectors;
    int readonly;
    void *priv;
    uint64_t first; /* for a partition: its first sector on the parent */
    struct blkdev *parent;
    /* Transfer `count` sectors at `sector` to or from `buf` (one page at most per call
     * for blkfront, any size for ide).  0, or a negative error. */
    int (*read)(struct blkdev *d, uint64_t sector, uint32_t count, void *buf);
    int (*write)(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf);
    int (*flush)(struct blkdev *d);
    /* Optional: the writes io[0..n), each `base` sectors further on, all put in flight before
     * waiting (blkfront: adjacent ones merged into one request, one notification for all).
     * Without it blkdev_write_many writes them one by one. */
    int (*write_many)(struct blkdev *d, uint64_t base, const struct blkdev_io *io, uint32_t n);
    /* Optional, for a device that is memory (ramdisk.c): where `sector` is held (valid to the
     * end of its page), allocated first if `write`; NULL if it is not held (it reads as zeros). */
    uint8_t *(*memory_at)(struct blkdev *d, uint64_t sector, int write);
    /* Optional, for a disk with an I/O pool (blkfront.c): `pages` pages of it side by side, or
     * NULL if no such run is free; and their return. */
    void *(*pool_take)(struct blkdev *d, uint32_t pages);
    void (*pool_give)(struct blkdev *d, void *buf, uint32_t pages);
};

void blkdev_register(struct blkdev *d);
struct blkdev *blkdev_find(const char *name);
int blkdev_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf);
int blkdev_write(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf);
int blkdev_flush(struct blkdev *d);
/* Has the device (or the disk it is part of) a write cache that blkdev_flush empties? */
int blkdev_has_flush(const struct blkdev *d);
/* Write a batch (each range checked, as blkdev_write): 0, or the first error. */
int blkdev_write_many(struct blkdev *d, const struct blkdev_io *io, uint32_t n);
/* For `count` sectors at `sector` of d: the memory device holding them (d, or the disk d is a
 * part of) with *at their first sector there, whose memory_at then gives each page; NULL if
 * there is none, the range is not inside d, or a write meets a read-only device.  Its checks are
 * made once for the whole range, not once a page. */
struct blkdev *blkdev_memory_range(struct blkdev *d, uint64_t sector, uint32_t count, int write,
                                   uint64_t *at);
/* `pages` page-aligned pages side by side for transfers of d (a partition asks its disk): the
 * disk's I/O pool's, or NULL if it has none or none free - then use your own memory.  Only data
 * on its way to or from the disk may go there (above). */
void *blkdev_io_buffer(struct blkdev *d, uint32_t pages);
/* Give back what blkdev_io_buffer(d, pages) lent; NULL is ignored. */
void blkdev_io_buffer_free(struct blkdev *d, void *buf, uint32_t pages);
void blkdev_add_partitions(struct blkdev *disk); /* from its MBR: NAME1..NAME4 */
/* Do a and b share a sector: one is the other, a partition of it, or they overlap on one disk? */
int blkdev_overlaps(const struct blkdev *a, const struct blkdev *b);
/* "DEV@START+COUNT": a window of COUNT sectors of DEV from START, as a device of its own. */
struct blkdev *blkdev_range(const char *spec);
struct blkdev *blkdev_nth(uint32_t n); /* the n-th registered device (from 0), or NULL */

/* blkfront.c: a domU's disk's request and notification counts (BENCH blkfront), if d is one */
void blkfront_print_stats(struct blkdev *d);

/* proc/sysblk.c: the throughput benchmark (BENCH blk lines), in the kernel, through the disk's
 * I/O pool if it has one and `flags` (include/public/syscall.h) are not BLKDEV_NOPOOL */
void blk_bench(struct blkdev *d, uint32_t flags);
void blk_bench_window(void); /* called at each end of a timed workload: the plugin's marker_pc */

/* ide.c (dom0) */
int ide_init(void);

/* blkfront.c (domU): connect the disks the xenstore lists */
void blkfront_init(void);

/* ramdisk.c: a RAM disk NAME for each file ram/NAME.simg of the boot archive */
void ramdisks_from_archive(const void *archive, uint32_t len);

#endif
