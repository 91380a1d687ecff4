/*
 * ext2_bitmap.c - allocating and freeing blocks and inodes.
 *
 * Each block group has one block of bitmap for its blocks (bit i: block
 * s_first_data_block + group * s_blocks_per_group + i) and one for its inodes
 * (bit i: inode group * s_inodes_per_group + i + 1).  A set bit is in use.
 * Three counts must move with every bit, or e2fsck complains: the group
 * descriptor's free count (and its directory count for an inode that is a
 * directory), and the superblock's total, which this code keeps in memory and
 * ext2_sync() writes.
 *
 * Blocks are taken near a goal (the block after the one the same file got
 * last), so a file written sequentially lands in one run; inodes for files go
 * in their directory's group, and a new directory goes to the group with the
 * most free blocks among those with at least the average free inodes, which
 * spreads directory trees over the disk as Linux's ext2 does.  A descriptor
 * that claims free space its bitmap does not have, or a bitmap that offers a
 * block holding the group's own metadata, is corruption: -EIO, never a
 * second owner for a block.  Next in the tour: ext2_inode.c.
 *
 * Tour 51/58 - after fs/ext2_super.c, before fs/ext2_inode.c.
 */
#include "ext2_impl.h"

static int test_bit(const uint8_t *map, uint32_t i)
{
    return map[i / 8] >> (i % 8) & 1;
}

static void set_bit(uint8_t *map, uint32_t i)
{
    map[i / 8] |= (uint8_t)(1u << (i % 8));
}

static void clear_bit(uint8_t *map, uint32_t i)
{
    map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

/* The first clear bit in [from, n), then in [0, from); -1 if none. */
static int64_t find_clear(const uint8_t *map, uint32_t n, uint32_t from)
{
    for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t i = pass ? 0 : from, end = pass ? MIN(from, n) : n;
        while (i < end) {
            if (i % 8 == 0 && i + 8 <= end && map[i / 8] == 0xFF) {
                i += 8;
                continue;
            }
            if (!test_bit(map, i))
                return i;
            i++;
        }
    }
    return -1;
}

static uint32_t group_of_block(const struct ext2_fs *fs, uint32_t block)
{
    return (block - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
}

/* Is `block` one of group g's bitmaps or inode table blocks? */
static int is_group_metadata(const struct ext2_fs *fs, const struct ext2_group_desc *gd,
                             uint32_t block)
{
    uint32_t itable_blocks =
        (uint32_t)(((uint64_t)fs->sb.s_inodes_per_group * fs->inode_size + fs->block_size - 1) /
                   fs->block_size);
    return block == gd->bg_block_bitmap || block == gd->bg_inode_bitmap ||
           (block >= gd->bg_inode_table && block - gd->bg_inode_table < itable_blocks) ||
           (block >= fs->sb.s_first_data_block && block < fs->gdt_block + fs->gdt_blocks);
}

/* Take a free block in group g, from bit `from` on: 0, -ENOSPC (group full) or -EIO. */
static int alloc_in_group(struct ext2_fs *fs, uint32_t g, uint32_t from, uint32_t *block)
{
    struct ext2_group_desc *gd;
    int err;
    struct bcache_buf *gb = ext2_gd_get(fs, g, &gd, &err);
    if (!gb)
        return err;
    err = -XEN_ENOSPC;
    struct bcache_buf *bb = NULL;
    if (gd->bg_free_blocks_count && (bb = bcache_get(&fs->cache, gd->bg_block_bitmap, &err))) {
        uint32_t n = ext2_group_blocks(fs, g);
        int64_t bit = find_clear(bb->data, n, from < n ? from : 0);
        uint32_t blk = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
        blk += bit < 0 ? 0 : (uint32_t)bit;
        if (bit < 0)
            err = ext2_corrupt(fs,
                               "group %u: bg_free_blocks_count is %u but its block bitmap is full",
                               g, gd->bg_free_blocks_count);
        else if (is_group_metadata(fs, gd, blk))
            err = ext2_corrupt(fs, "group %u: block bitmap marks metadata block %u free", g, blk);
        else {
            set_bit(bb->data, (uint32_t)bit);
            gd->bg_free_blocks_count--;
            fs->sb.s_free_blocks_count--;
            bcache_dirty(&fs->cache, bb);
            bcache_dirty(&fs->cache, gb);
            *block = blk;
            err = 0;
        }
        bcache_put(&fs->cache, bb);
    }
    bcache_put(&fs->cache, gb);
    return err;
}

int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *block)
{
    if (fs->readonly)
        return -XEN_EROFS;
    if (fs->sb.s_free_blocks_count == 0)
        return -XEN_ENOSPC;
    if (!ext2_block_ok(fs, goal))
        goal = fs->sb.s_first_data_block;
    uint32_t g0 = group_of_block(fs, goal);
    uint32_t from = goal - fs->sb.s_first_data_block - g0 * fs->sb.s_blocks_per_group;
    for (uint32_t i = 0; i < fs->groups; i++) {
        uint32_t g = (g0 + i) % fs->groups;
        int err = alloc_in_group(fs, g, i == 0 ? from : 0, block);
        if (err != -XEN_ENOSPC)
            return err;
    }
    return -XEN_ENOSPC;
}

int ext2_free_block(struct ext2_fs *fs, uint32_t block)
{
    if (!ext2_block_ok(fs, block))
        return ext2_corrupt(fs, "freeing block %u, outside the file system", block);
    uint32_t g = group_of_block(fs, block);
    uint32_t bit = block - fs->sb.s_first_data_block - g * fs->sb.s_blocks_per_group;
    struct ext2_group_desc *gd;
    int err;
    struct bcache_buf *gb = ext2_gd_get(fs, g, &gd, &err), *bb = NULL;
    if (gb && (bb = bcache_get(&fs->cache, gd->bg_block_bitmap, &err))) {
        if (!test_bit(bb->data, bit)) {
            err = ext2_corrupt(fs, "freeing block %u, which is already free", block);
        } else {
            clear_bit(bb->data, bit);
            gd->bg_free_blocks_count++;
            fs->sb.s_free_blocks_count++;
            bcache_dirty(&fs->cache, bb);
            bcache_dirty(&fs->cache, gb);
            bcache_forget(&fs->cache, block);
            err = 0;
        }
        bcache_put(&fs->cache, bb);
    }
    if (gb)
        bcache_put(&fs->cache, gb);
    return err;
}

/* A new directory's group: most free blocks among groups with at least average free inodes. */
static uint32_t dir_group(struct ext2_fs *fs)
{
    uint32_t avg = fs->sb.s_free_inodes_count / fs->groups, best = 0, best_blocks = 0;
    for (uint32_t g = 0; g < fs->groups; g++) {
        struct ext2_group_desc *gd;
        int err;
        struct bcache_buf *b = ext2_gd_get(fs, g, &gd, &err);
        if (!b)
            return 0;
        if (gd->bg_free_inodes_count && gd->bg_free_inodes_count >= avg &&
            gd->bg_free_blocks_count > best_blocks) {
            best = g;
            best_blocks = gd->bg_free_blocks_count;
        }
        bcache_put(&fs->cache, b);
    }
    return best;
}

static int ialloc_in_group(struct ext2_fs *fs, uint32_t g, int is_dir, uint32_t *ino)
{
    struct ext2_group_desc *gd;
    int err;
    struct bcache_buf *gb = ext2_gd_get(fs, g, &gd, &err), *bb = NULL;
    if (!gb)
        return err;
    err = -XEN_ENOSPC;
    if (gd->bg_free_inodes_count && (bb = bcache_get(&fs->cache, gd->bg_inode_bitmap, &err))) {
        uint32_t ipg = fs->sb.s_inodes_per_group;
        uint32_t from = g == 0 ? fs->first_ino - 1 : 0; /* inodes below s_first_ino are reserved */
        int64_t bit = from < ipg ? find_clear(bb->data, ipg, from) : -1;
        if (bit >= 0 && (uint32_t)bit < from)
            bit = -1;
        if (bit < 0) {
            err = ext2_corrupt(fs,
                               "group %u: bg_free_inodes_count is %u but its inode bitmap is full",
                               g, gd->bg_free_inodes_count);
        } else {
            set_bit(bb->data, (uint32_t)bit);
            gd->bg_free_inodes_count--;
            gd->bg_used_dirs_count += is_dir ? 1 : 0;
            fs->sb.s_free_inodes_count--;
            bcache_dirty(&fs->cache, bb);
            bcache_dirty(&fs->cache, gb);
            *ino = g * ipg + (uint32_t)bit + 1;
            err = 0;
        }
        bcache_put(&fs->cache, bb);
    }
    bcache_put(&fs->cache, gb);
    return err;
}

int ext2_alloc_inode(struct ext2_fs *fs, uint32_t parent, int is_dir, uint32_t *ino)
{
    if (fs->readonly)
        return -XEN_EROFS;
    if (fs->sb.s_free_inodes_count == 0)
        return -XEN_ENOSPC;
    uint32_t g0 = is_dir ? dir_group(fs) : (parent - 1) / fs->sb.s_inodes_per_group;
    for (uint32_t i = 0; i < fs->groups; i++) {
        int err = ialloc_in_group(fs, (g0 + i) % fs->groups, is_dir, ino);
        if (err != -XEN_ENOSPC)
            return err;
    }
    return -XEN_ENOSPC;
}

int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, int is_dir)
{
    uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group, bit = (ino - 1) % fs->sb.s_inodes_per_group;
    struct ext2_group_desc *gd;
    int err;
    struct bcache_buf *gb = ext2_gd_get(fs, g, &gd, &err), *bb = NULL;
    if (gb && (bb = bcache_get(&fs->cache, gd->bg_inode_bitmap, &err))) {
        if (!test_bit(bb->data, bit)) {
            err = ext2_corrupt(fs, "freeing inode %u, which is already free", ino);
        } else {
            clear_bit(bb->data, bit);
            gd->bg_free_inodes_count++;
            if (is_dir && gd->bg_used_dirs_count)
                gd->bg_used_dirs_count--;
            fs->sb.s_free_inodes_count++;
            bcache_dirty(&fs->cache, bb);
            bcache_dirty(&fs->cache, gb);
            err = 0;
        }
        bcache_put(&fs->cache, bb);
    }
    if (gb)
        bcache_put(&fs->cache, gb);
    return err;
}
