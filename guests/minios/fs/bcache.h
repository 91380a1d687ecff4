/*
 * bcache.h - the buffer cache between the ext2 code and a disk (bcache.c),
 * and the tiny disk interface both sit on.  A `struct fs_disk` has the shape
 * of minios's `struct blkdev` (read, write and flush of sectors at an LBA), so
 * minios puts the file system over any block device with a three-line
 * adapter, and the host unit tests put it over an image file.
 */
#ifndef FS_BCACHE_H
#define FS_BCACHE_H

#include <stddef.h>
#include <stdint.h>

#define FS_SECTOR_SIZE 512

/* One write of a batch: `count` sectors at `sector` from `buf`. */
struct fs_io {
    uint64_t sector;
    uint32_t count;
    const void *buf;
};

struct fs_disk {
    void *priv;
    uint64_t sectors; /* size of the device */
    /* Transfer `count` sectors at `sector`: 0, or a negative errno. */
    int (*read)(struct fs_disk *d, uint64_t sector, uint32_t count, void *buf);
    int (*write)(struct fs_disk *d, uint64_t sector, uint32_t count, const void *buf);
    int (*flush)(struct fs_disk *d);
    /* Optional: the writes io[0..n) in one go (in block order; a device can merge neighbours
     * and have them all in flight at once): 0, or a negative errno.  NULL: one write each. */
    int (*write_many)(struct fs_disk *d, const struct fs_io *io, uint32_t n);
};

/* One cached block.  Linked into a hash chain and the LRU list by index. */
struct bcache_buf {
    uint8_t *data;
    uint32_t block;
    int32_t hash_next;
    int32_t lru_prev, lru_next; /* head = most recently used */
    uint16_t refs;              /* pinned while > 0: never evicted */
    uint8_t valid, dirty;
};

struct bcache_stats {
    uint64_t hits, misses;       /* lookups found in / missing from the cache */
    uint64_t reads, writes;      /* blocks moved to and from the disk */
    uint64_t evictions, flushes; /* buffers reused; disk flushes */
};

struct bcache {
    struct fs_disk *disk;
    uint32_t block_size, sectors_per_block;
    uint32_t nbuf, hash_mask;
    struct bcache_buf *bufs;
    int32_t *hash;
    int32_t lru_head, lru_tail;
    uint32_t ndirty;
    struct bcache_stats stats;
};

/*
 * Carve a cache of `block_size` buffers out of `mem` (`bytes` long; the
 * buffers come first, so a page-aligned `mem` keeps every block inside one
 * page).  Returns the number of buffers, or -EINVAL if fewer than
 * BCACHE_MIN_BUFS fit.
 */
#define BCACHE_MIN_BUFS 16
int bcache_init(struct bcache *c, struct fs_disk *d, uint32_t block_size, void *mem, size_t bytes);

/* The buffers `bytes` of memory hold for `block_size` blocks (what bcache_init will make). */
uint32_t bcache_capacity(uint32_t block_size, size_t bytes);

/*
 * Pin block `block`, reading it from the disk if it is not cached.  NULL with
 * *err set (-EIO: the disk failed or the block is beyond it; -ENOMEM: every
 * buffer is pinned, or a dirty victim could not be written).
 */
struct bcache_buf *bcache_get(struct bcache *c, uint32_t block, int *err);

/* Pin block `block` with zeroed contents, without reading it: for a block just allocated. */
struct bcache_buf *bcache_get_zeroed(struct bcache *c, uint32_t block, int *err);

void bcache_dirty(struct bcache *c, struct bcache_buf *b); /* to be written back */
void bcache_put(struct bcache *c, struct bcache_buf *b);   /* unpin */

/* Forget a block that was freed: its contents, dirty or not, are never written. */
void bcache_forget(struct bcache *c, uint32_t block);

/* Write every dirty buffer back, then flush the disk.  0, or the first error. */
int bcache_sync(struct bcache *c);

#endif
