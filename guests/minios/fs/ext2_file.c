/*
 * ext2_file.c - the bytes of a file: read, write, truncate, stat, readlink.
 *
 * A read or write is cut at block boundaries; each piece finds its disk block
 * through ext2_bmap() (ext2_inode.c) and copies through the buffer cache.  A
 * hole reads as zeros.  A write allocates what it needs as it goes; a piece
 * that covers a whole block, or lands in a block just allocated, never reads
 * the old contents from the disk.  When the disk fills up, a write returns
 * the bytes it managed (or -ENOSPC if none) and gives back any indirect block
 * it allocated past the new end, so the file stays exactly as long as its
 * data.  Shrinking a file zeroes the rest of its new last block, so growing it
 * again reads zeros rather than the old bytes.
 *
 * Reads do not update i_atime (the file system behaves as if mounted noatime),
 * so reading never dirties the cache.  Next in the tour: ext2_dir.c.
 *
 * Tour 53/58 - after fs/ext2_inode.c, before fs/ext2_dir.c.
 */
#include "ext2_impl.h"

/* Copy n bytes (inside one block) at `off` of the file out to dst; a hole gives zeros. */
static int copy_out(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint64_t off,
                    uint8_t *dst, uint32_t n)
{
    uint32_t bs = fs->block_size, block;
    int fresh, err = ext2_bmap(fs, ino, ip, (uint32_t)(off / bs), 0, &block, &fresh);
    if (err)
        return err;
    if (!block) {
        memset(dst, 0, n);
        return 0;
    }
    struct bcache_buf *b = bcache_get(&fs->cache, block, &err);
    if (!b)
        return err;
    memcpy(dst, b->data + off % bs, n);
    bcache_put(&fs->cache, b);
    return 0;
}

int ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, uint32_t n)
{
    struct ext2_inode ip;
    int err = ext2_iget(fs, ino, &ip);
    if (err)
        return err;
    if (EXT2_ISDIR(ip.i_mode))
        return -XEN_EISDIR;
    uint64_t size = ext2_isize(&ip);
    if (off >= size)
        return 0;
    n = (uint32_t)MIN((uint64_t)MIN(n, 0x40000000u), size - off);
    uint32_t done = 0;
    while (done < n) {
        uint32_t chunk = MIN(fs->block_size - (uint32_t)((off + done) % fs->block_size), n - done);
        if ((err = copy_out(fs, ino, &ip, off + done, (uint8_t *)buf + done, chunk)))
            return done ? (int)done : err;
        done += chunk;
    }
    return (int)done;
}

/* Copy n bytes (inside one block) from src to `off` of the file, allocating its block. */
static int copy_in(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint64_t off,
                   const uint8_t *src, uint32_t n)
{
    uint32_t bs = fs->block_size, block;
    int fresh, err = ext2_bmap(fs, ino, ip, (uint32_t)(off / bs), 1, &block, &fresh);
    if (err)
        return err;
    struct bcache_buf *b = fresh || n == bs ? bcache_get_zeroed(&fs->cache, block, &err)
                                            : bcache_get(&fs->cache, block, &err);
    if (!b)
        return err;
    memcpy(b->data + off % bs, src, n);
    bcache_dirty(&fs->cache, b);
    bcache_put(&fs->cache, b);
    return 0;
}

int ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, uint32_t n)
{
    struct ext2_inode ip;
    int err;
    if (fs->readonly)
        return -XEN_EROFS;
    if ((err = ext2_iget(fs, ino, &ip)))
        return err;
    if (EXT2_ISDIR(ip.i_mode))
        return -XEN_EISDIR;
    if (!EXT2_ISREG(ip.i_mode))
        return -XEN_EINVAL;
    if (off >= fs->max_file_size && n)
        return -XEN_EFBIG;
    n = (uint32_t)MIN((uint64_t)MIN(n, 0x40000000u), fs->max_file_size - off);
    uint64_t size = ext2_isize(&ip);
    uint32_t done = 0;
    while (done < n && !err) {
        uint32_t chunk = MIN(fs->block_size - (uint32_t)((off + done) % fs->block_size), n - done);
        if (!(err = copy_in(fs, ino, &ip, off + done, (const uint8_t *)buf + done, chunk))) {
            done += chunk;
            size = MAX(size, off + done);
        }
    }
    if (err) /* a failed allocation may have left an empty indirect block past the end */
        ext2_free_blocks_from(fs, ino, &ip, size);
    ext2_set_isize(fs, &ip, size);
    ip.i_mtime = ip.i_ctime = ext2_now(fs);
    int perr = ext2_iput(fs, ino, &ip);
    if (done)
        return perr ? perr : (int)done;
    return err ? err : perr;
}

/* Zero the tail of the block that will hold the new end of file, so growing again reads zeros. */
static int zero_tail(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint64_t size)
{
    uint32_t bs = fs->block_size, block;
    int fresh, err;
    if (size % bs == 0)
        return 0;
    if ((err = ext2_bmap(fs, ino, ip, (uint32_t)(size / bs), 0, &block, &fresh)) || !block)
        return err;
    struct bcache_buf *b = bcache_get(&fs->cache, block, &err);
    if (!b)
        return err;
    memset(b->data + size % bs, 0, bs - size % bs);
    bcache_dirty(&fs->cache, b);
    bcache_put(&fs->cache, b);
    return 0;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
    struct ext2_inode ip;
    int err;
    if (fs->readonly)
        return -XEN_EROFS;
    if ((err = ext2_iget(fs, ino, &ip)))
        return err;
    if (EXT2_ISDIR(ip.i_mode))
        return -XEN_EISDIR;
    if (!EXT2_ISREG(ip.i_mode))
        return -XEN_EINVAL;
    if (size > fs->max_file_size)
        return -XEN_EFBIG;
    if (size < ext2_isize(&ip) && ((err = zero_tail(fs, ino, &ip, size)) ||
                                   (err = ext2_free_blocks_from(fs, ino, &ip, size))))
        return err;
    ext2_set_isize(fs, &ip, size);
    ip.i_mtime = ip.i_ctime = ext2_now(fs);
    return ext2_iput(fs, ino, &ip);
}

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
    struct ext2_inode ip;
    int err = ext2_iget(fs, ino, &ip);
    if (err)
        return err;
    *st = (struct ext2_stat){.ino = ino,
                             .mode = ip.i_mode,
                             .links = ip.i_links_count,
                             .uid = ip.i_uid,
                             .gid = ip.i_gid,
                             .size = ext2_isize(&ip),
                             .blocks = ip.i_blocks,
                             .atime = ip.i_atime,
                             .mtime = ip.i_mtime,
                             .ctime = ip.i_ctime};
    return 0;
}

int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, uint32_t cap)
{
    struct ext2_inode ip;
    int err = ext2_iget(fs, ino, &ip);
    if (err)
        return err;
    if (!EXT2_ISLNK(ip.i_mode))
        return -XEN_EINVAL;
    uint32_t len = (uint32_t)MIN(ext2_isize(&ip), (uint64_t)cap);
    uint32_t xattr = ip.i_file_acl ? fs->block_size / FS_SECTOR_SIZE : 0;
    if (ip.i_blocks == xattr && ext2_isize(&ip) < sizeof(ip.i_block)) {
        memcpy(buf, ip.i_block, len); /* a fast symlink: the target is in i_block itself */
        return (int)len;
    }
    return ext2_read(fs, ino, 0, buf, len);
}
