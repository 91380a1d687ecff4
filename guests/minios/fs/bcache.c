/*
 * bcache.c - a fixed-size, write-back buffer cache of file-system blocks.
 *
 * Every block the ext2 code touches (superblock, group descriptors, bitmaps,
 * inode tables, indirect blocks, directory and file data) goes through here:
 * bcache_get() pins a block, the caller reads or changes its bytes, marks it
 * dirty if it changed them, and unpins it with bcache_put().  The cache's
 * size is fixed when it is made, from memory the caller hands over, so the
 * lab can name it beside its figures; the statistics count hits and misses.
 *
 * A lookup hashes the block number into a chain of buffers.  Unpinned
 * buffers are reused least recently used first; a dirty victim is written to
 * the disk before it is reused (write-back), and bcache_sync() writes every
 * dirty buffer and flushes the disk, which is what `sync` and unmount do.
 * bcache_sync() hands the disk its dirty blocks in batches sorted by block
 * number (the disk's write_many, when it has one), so a split driver can
 * merge neighbours into one request and pay one round trip to its backend
 * for the batch instead of one per block.
 * Buffers are linked by index rather than pointer, so the whole cache is one
 * block of memory with no allocator behind it.
 *
 * Tour 49/58 - after proc/sysblk.c, before fs/ext2_super.c.
 */
#include <lib.h>
#include <public/errno.h>
#include "bcache.h"

#define NIL        (-1)
#define SYNC_BATCH 64 /* dirty blocks handed to the disk at once by bcache_sync */

struct layout {
    uint32_t nbuf, nhash;
};

/* How many buffers (and hash heads, a power of two >= nbuf/2) fit in `bytes`. */
static struct layout layout_for(uint32_t block_size, size_t bytes)
{
    struct layout l = {0, 1};
    if (block_size == 0)
        return l;
    size_t per = block_size + sizeof(struct bcache_buf) + 2 * sizeof(int32_t);
    l.nbuf = (uint32_t)(bytes / per);
    while (l.nhash < l.nbuf / 2)
        l.nhash <<= 1;
    while (l.nbuf && (size_t)l.nbuf * (block_size + sizeof(struct bcache_buf)) +
                             l.nhash * sizeof(int32_t) + _Alignof(struct bcache_buf) >
                         bytes)
        l.nbuf--;
    return l;
}

uint32_t bcache_capacity(uint32_t block_size, size_t bytes)
{
    return layout_for(block_size, bytes).nbuf;
}

int bcache_init(struct bcache *c, struct fs_disk *d, uint32_t block_size, void *mem, size_t bytes)
{
    struct layout l = layout_for(block_size, bytes);
    if (l.nbuf < BCACHE_MIN_BUFS || block_size % FS_SECTOR_SIZE)
        return -XEN_EINVAL;
    memset(c, 0, sizeof(*c));
    c->disk = d;
    c->block_size = block_size;
    c->sectors_per_block = block_size / FS_SECTOR_SIZE;
    c->nbuf = l.nbuf;
    c->hash_mask = l.nhash - 1;
    uint8_t *p = mem;
    uintptr_t meta =
        ROUNDUP((uintptr_t)(p + (size_t)l.nbuf * block_size), _Alignof(struct bcache_buf));
    c->bufs = (struct bcache_buf *)meta;
    c->hash = (int32_t *)(c->bufs + l.nbuf);
    for (uint32_t i = 0; i < l.nhash; i++)
        c->hash[i] = NIL;
    for (uint32_t i = 0; i < l.nbuf; i++) {
        struct bcache_buf *b = &c->bufs[i];
        memset(b, 0, sizeof(*b));
        b->data = p + (size_t)i * block_size;
        b->hash_next = NIL;
        b->lru_prev = (int32_t)i - 1;
        b->lru_next = i + 1 < l.nbuf ? (int32_t)i + 1 : NIL;
    }
    c->lru_head = 0;
    c->lru_tail = (int32_t)l.nbuf - 1;
    return (int)l.nbuf;
}

static uint32_t hash_of(const struct bcache *c, uint32_t block)
{
    return (block * 2654435761u) & c->hash_mask;
}

static int32_t index_of(const struct bcache *c, const struct bcache_buf *b)
{
    return (int32_t)(b - c->bufs);
}

static void lru_unlink(struct bcache *c, struct bcache_buf *b)
{
    if (b->lru_prev != NIL)
        c->bufs[b->lru_prev].lru_next = b->lru_next;
    else
        c->lru_head = b->lru_next;
    if (b->lru_next != NIL)
        c->bufs[b->lru_next].lru_prev = b->lru_prev;
    else
        c->lru_tail = b->lru_prev;
}

/* Make `b` the most recently used buffer. */
static void lru_touch(struct bcache *c, struct bcache_buf *b)
{
    lru_unlink(c, b);
    b->lru_prev = NIL;
    b->lru_next = c->lru_head;
    if (c->lru_head != NIL)
        c->bufs[c->lru_head].lru_prev = index_of(c, b);
    c->lru_head = index_of(c, b);
    if (c->lru_tail == NIL)
        c->lru_tail = c->lru_head;
}

static struct bcache_buf *hash_find(struct bcache *c, uint32_t block)
{
    for (int32_t i = c->hash[hash_of(c, block)]; i != NIL; i = c->bufs[i].hash_next)
        if (c->bufs[i].valid && c->bufs[i].block == block)
            return &c->bufs[i];
    return NULL;
}

static void hash_remove(struct bcache *c, struct bcache_buf *b)
{
    int32_t *link = &c->hash[hash_of(c, b->block)];
    while (*link != NIL && *link != index_of(c, b))
        link = &c->bufs[*link].hash_next;
    if (*link != NIL)
        *link = b->hash_next;
    b->hash_next = NIL;
    b->valid = 0;
}

static int disk_range_ok(const struct bcache *c, uint32_t block)
{
    uint64_t first = (uint64_t)block * c->sectors_per_block;
    return first + c->sectors_per_block <= c->disk->sectors;
}

static int write_back(struct bcache *c, struct bcache_buf *b)
{
    uint64_t sector = (uint64_t)b->block * c->sectors_per_block;
    int rc = c->disk->write(c->disk, sector, c->sectors_per_block, b->data);
    if (rc < 0)
        return -XEN_EIO;
    b->dirty = 0;
    c->ndirty--;
    c->stats.writes++;
    return 0;
}

/* The least recently used unpinned buffer, cleaned and out of the hash; NULL if none. */
static struct bcache_buf *take_victim(struct bcache *c, int *err)
{
    for (int32_t i = c->lru_tail; i != NIL; i = c->bufs[i].lru_prev) {
        struct bcache_buf *b = &c->bufs[i];
        if (b->refs)
            continue;
        if (b->valid && b->dirty && (*err = write_back(c, b)) < 0)
            return NULL;
        if (b->valid) {
            hash_remove(c, b);
            c->stats.evictions++;
        }
        return b;
    }
    *err = -XEN_ENOMEM;
    return NULL;
}

/* Find or claim a buffer for `block`; *fresh says whether its data must still be filled. */
static struct bcache_buf *lookup(struct bcache *c, uint32_t block, int *fresh, int *err)
{
    if (!disk_range_ok(c, block)) {
        *err = -XEN_EIO;
        return NULL;
    }
    struct bcache_buf *b = hash_find(c, block);
    *fresh = b == NULL;
    if (b) {
        c->stats.hits++;
    } else {
        c->stats.misses++;
        if (!(b = take_victim(c, err)))
            return NULL;
        b->block = block;
        b->valid = 1;
        b->hash_next = c->hash[hash_of(c, block)];
        c->hash[hash_of(c, block)] = index_of(c, b);
    }
    b->refs++;
    lru_touch(c, b);
    return b;
}

struct bcache_buf *bcache_get(struct bcache *c, uint32_t block, int *err)
{
    int fresh;
    struct bcache_buf *b = lookup(c, block, &fresh, err);
    if (!b || !fresh)
        return b;
    uint64_t sector = (uint64_t)block * c->sectors_per_block;
    if (c->disk->read(c->disk, sector, c->sectors_per_block, b->data) < 0) {
        b->refs--;
        hash_remove(c, b);
        *err = -XEN_EIO;
        return NULL;
    }
    c->stats.reads++;
    return b;
}

struct bcache_buf *bcache_get_zeroed(struct bcache *c, uint32_t block, int *err)
{
    int fresh;
    struct bcache_buf *b = lookup(c, block, &fresh, err);
    if (b)
        memset(b->data, 0, c->block_size);
    return b;
}

void bcache_dirty(struct bcache *c, struct bcache_buf *b)
{
    if (!b->dirty)
        c->ndirty++;
    b->dirty = 1;
}

void bcache_put(struct bcache *c, struct bcache_buf *b)
{
    (void)c;
    if (b->refs)
        b->refs--;
}

void bcache_forget(struct bcache *c, uint32_t block)
{
    struct bcache_buf *b = hash_find(c, block);
    if (!b || b->refs)
        return;
    if (b->dirty) {
        b->dirty = 0;
        c->ndirty--;
    }
    hash_remove(c, b);
}

/* Sort the batch's buffer indices by block number (insertion sort: batches are small). */
static void sort_by_block(const struct bcache *c, int32_t *idx, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        int32_t x = idx[i];
        uint32_t j = i;
        for (; j > 0 && c->bufs[idx[j - 1]].block > c->bufs[x].block; j--)
            idx[j] = idx[j - 1];
        idx[j] = x;
    }
}

/* Write the dirty buffers idx[0..n) in one batch; they are clean afterwards unless it failed. */
static int write_batch(struct bcache *c, int32_t *idx, uint32_t n)
{
    struct fs_io io[SYNC_BATCH];
    sort_by_block(c, idx, n);
    for (uint32_t i = 0; i < n; i++)
        io[i] = (struct fs_io){(uint64_t)c->bufs[idx[i]].block * c->sectors_per_block,
                               c->sectors_per_block, c->bufs[idx[i]].data};
    if (!c->disk->write_many) {
        int first_error = 0;
        for (uint32_t i = 0; i < n; i++) {
            int rc = write_back(c, &c->bufs[idx[i]]);
            first_error = first_error ? first_error : rc;
        }
        return first_error;
    }
    if (c->disk->write_many(c->disk, io, n) < 0)
        return -XEN_EIO;
    for (uint32_t i = 0; i < n; i++) {
        c->bufs[idx[i]].dirty = 0;
        c->ndirty--;
        c->stats.writes++;
    }
    return 0;
}

int bcache_sync(struct bcache *c)
{
    int first_error = 0;
    int32_t idx[SYNC_BATCH];
    uint32_t left = c->ndirty; /* dirty buffers not yet handed to the disk */
    for (uint32_t i = 0; left;) {
        uint32_t n = 0;
        for (; i < c->nbuf && n < SYNC_BATCH && n < left; i++)
            if (c->bufs[i].valid && c->bufs[i].dirty)
                idx[n++] = (int32_t)i;
        if (!n)
            break;
        left -= n;
        int rc = write_batch(c, idx, n);
        first_error = first_error ? first_error : rc;
    }
    if (c->disk->flush) {
        c->stats.flushes++;
        if (c->disk->flush(c->disk) < 0 && !first_error)
            first_error = -XEN_EIO;
    }
    return first_error;
}
