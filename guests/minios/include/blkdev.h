/*
 * blkdev.h - minios's block devices: dom0's IDE disk and its partitions
 * (ide.c), a domU's virtual disks (blkfront.c) and RAM disks (ramdisk.c),
 * behind one interface so the `blk` program (through SYS_blkdev) works on all of them.
 */
#ifndef MINIOS_BLKDEV_H
#define MINIOS_BLKDEV_H

#include <stdint.h>

#define SECTOR_SIZE 512

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
};

void blkdev_register(struct blkdev *d);
struct blkdev *blkdev_find(const char *name);
int blkdev_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf);
int blkdev_write(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf);
int blkdev_flush(struct blkdev *d);
void blkdev_add_partitions(struct blkdev *disk); /* from its MBR: NAME1..NAME4 */
/* Do a and b share a sector: one is the other, a partition of it, or they overlap on one disk? */
int blkdev_overlaps(const struct blkdev *a, const struct blkdev *b);
/* "DEV@START+COUNT": a window of COUNT sectors of DEV from START, as a device of its own. */
struct blkdev *blkdev_range(const char *spec);
struct blkdev *blkdev_nth(uint32_t n); /* the n-th registered device (from 0), or NULL */

/* blkfront.c: a domU's disk's request and notification counts (BENCH blkfront), if d is one */
void blkfront_print_stats(struct blkdev *d);

/* proc/sysblk.c: the throughput benchmark (BENCH blk lines), in the kernel */
void blk_bench(struct blkdev *d);

/* ide.c (dom0) */
int ide_init(void);

/* blkfront.c (domU): connect the disks the xenstore lists */
void blkfront_init(void);

/* ramdisk.c: a RAM disk NAME for each file ram/NAME.simg of the boot archive */
void ramdisks_from_archive(const void *archive, uint32_t len);

#endif
