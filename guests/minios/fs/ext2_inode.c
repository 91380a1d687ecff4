/*
 * ext2_inode.c - inodes and their block maps.
 *
 * Inode n lives in group (n - 1) / s_inodes_per_group, at index
 * (n - 1) % s_inodes_per_group of that group's inode table; each slot is
 * s_inode_size bytes, of which the classic 128 are read and written here and
 * the rest (the large-inode fields) are set once when the inode is made.
 *
 * An inode finds its data through i_block[15]: twelve direct block numbers,
 * then one indirect block (a block full of block numbers), one doubly and one
 * triply indirect.  With 1 KiB blocks (256 numbers per block) the direct
 * blocks cover 12 KiB, the indirect block the next 256 KiB, the doubly
 * indirect the next 64 MiB; with 4 KiB blocks, 48 KiB, 4 MiB and 4 GiB.  A
 * zero is a hole, read as zeros.  ext2_bmap() walks one logical block down
 * that tree, allocating what is missing on a write; every number it reads is
 * checked to lie inside the file system first.  Freeing runs the same tree
 * from the end, dropping every block past the new size and every indirect
 * block left with nothing under it.  i_blocks counts all of them, indirect
 * blocks included, in 512-byte sectors, as e2fsck recounts it.
 * Next in the tour: ext2_file.c.
 *
 * Tour 52/58 - after fs/ext2_bitmap.c, before fs/ext2_file.c.
 */
#include "ext2_impl.h"

#define EXT2_EA_MAGIC 0xEA020000u /* an extended-attribute block's header */

static int inode_loc(struct ext2_fs *fs, uint32_t ino, uint32_t *block, uint32_t *off)
{
    if (ino == 0 || ino > fs->sb.s_inodes_count)
        return ext2_corrupt(fs, "inode number %u is out of range (s_inodes_count %u)", ino,
                            fs->sb.s_inodes_count);
    uint32_t ipg = fs->sb.s_inodes_per_group;
    struct ext2_group_desc *gd;
    int err;
    struct bcache_buf *b = ext2_gd_get(fs, (ino - 1) / ipg, &gd, &err);
    if (!b)
        return err;
    uint64_t byte = (uint64_t)((ino - 1) % ipg) * fs->inode_size;
    *block = gd->bg_inode_table + (uint32_t)(byte / fs->block_size);
    *off = (uint32_t)(byte % fs->block_size);
    bcache_put(&fs->cache, b);
    return 0;
}

uint64_t ext2_isize(const struct ext2_inode *ip)
{
    uint64_t high = EXT2_ISREG(ip->i_mode) ? ip->i_size_high : 0;
    return high << 32 | ip->i_size;
}

void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *ip, uint64_t size)
{
    ip->i_size = (uint32_t)size;
    if (!EXT2_ISREG(ip->i_mode))
        return;
    ip->i_size_high = (uint32_t)(size >> 32);
    if (size >= 0x80000000u && fs->sb.s_rev_level >= EXT2_DYNAMIC_REV)
        fs->sb.s_feature_ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
}

/* A size no block map can hold, or a directory size no directory has, is corruption. */
static int check_size(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *ip)
{
    uint64_t size = ext2_isize(ip);
    if (EXT2_ISDIR(ip->i_mode) && (ip->i_size_high || size % fs->block_size))
        return ext2_corrupt(fs, "inode %u: directory i_size %llu (i_size_high %u)", ino,
                            (unsigned long long)size, ip->i_size_high);
    if (size > fs->max_file_size)
        return ext2_corrupt(fs, "inode %u: i_size %llu is beyond the largest file (%llu)", ino,
                            (unsigned long long)size, (unsigned long long)fs->max_file_size);
    return 0;
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip)
{
    uint32_t block, off;
    int err = inode_loc(fs, ino, &block, &off);
    if (err)
        return err;
    struct bcache_buf *b = bcache_get(&fs->cache, block, &err);
    if (!b)
        return err;
    memcpy(ip, b->data + off, sizeof(*ip));
    bcache_put(&fs->cache, b);
    return check_size(fs, ino, ip);
}

int ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *ip)
{
    uint32_t block, off;
    int err;
    if (fs->readonly)
        return -XEN_EROFS;
    if ((err = inode_loc(fs, ino, &block, &off)))
        return err;
    struct bcache_buf *b = bcache_get(&fs->cache, block, &err);
    if (!b)
        return err;
    memcpy(b->data + off, ip, sizeof(*ip));
    bcache_dirty(&fs->cache, b);
    bcache_put(&fs->cache, b);
    return 0;
}

int ext2_inode_init(struct ext2_fs *fs, uint32_t ino, uint16_t mode, struct ext2_inode *ip)
{
    uint32_t block, off, now = ext2_now(fs);
    int err = inode_loc(fs, ino, &block, &off);
    if (err)
        return err;
    struct bcache_buf *b = bcache_get(&fs->cache, block, &err);
    if (!b)
        return err;
    if (((struct ext2_inode *)(b->data + off))->i_links_count) {
        bcache_put(&fs->cache, b);
        return ext2_corrupt(fs, "the inode bitmap marks inode %u free, but it has links", ino);
    }
    memset(b->data + off, 0, fs->inode_size);
    memset(ip, 0, sizeof(*ip));
    ip->i_mode = mode;
    ip->i_links_count = 1;
    ip->i_atime = ip->i_ctime = ip->i_mtime = now;
    ip->i_generation = ++fs->generation;
    memcpy(b->data + off, ip, sizeof(*ip));
    if (fs->inode_size >= EXT2_GOOD_OLD_INODE_SIZE + 32) {
        struct ext2_inode_extra *x = (void *)(b->data + off + EXT2_GOOD_OLD_INODE_SIZE);
        x->i_extra_isize = 32; /* as mke2fs makes them */
        x->i_crtime = now;
    }
    bcache_dirty(&fs->cache, b);
    bcache_put(&fs->cache, b);
    return 0;
}

struct map_path {
    int depth;       /* 1: direct; 2, 3, 4: through 1, 2, 3 indirect blocks */
    uint32_t idx[4]; /* i_block index, then the index in each indirect block */
};

static int map_path(const struct ext2_fs *fs, uint32_t lblk, struct map_path *p)
{
    uint64_t apb = fs->addr_per_block, n = lblk;
    if (n < EXT2_NDIR_BLOCKS) {
        *p = (struct map_path){1, {(uint32_t)n}};
        return 0;
    }
    n -= EXT2_NDIR_BLOCKS;
    if (n < apb) {
        *p = (struct map_path){2, {EXT2_IND_BLOCK, (uint32_t)n}};
        return 0;
    }
    n -= apb;
    if (n < apb * apb) {
        *p = (struct map_path){3, {EXT2_DIND_BLOCK, (uint32_t)(n / apb), (uint32_t)(n % apb)}};
        return 0;
    }
    n -= apb * apb;
    if (n < apb * apb * apb) {
        *p = (struct map_path){4,
                               {EXT2_TIND_BLOCK, (uint32_t)(n / (apb * apb)),
                                (uint32_t)(n / apb % apb), (uint32_t)(n % apb)}};
        return 0;
    }
    return -XEN_EFBIG;
}

/* Allocate a block for inode `ino`, near the last one it got. */
static int alloc_for(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint32_t *block)
{
    uint32_t goal = fs->sb.s_first_data_block +
                    (ino - 1) / fs->sb.s_inodes_per_group * fs->sb.s_blocks_per_group;
    if (fs->goal_ino == ino)
        goal = fs->goal_block + 1;
    int err = ext2_alloc_block(fs, goal, block);
    if (err)
        return err;
    fs->goal_ino = ino;
    fs->goal_block = *block;
    ip->i_blocks += fs->block_size / FS_SECTOR_SIZE;
    return 0;
}

int ext2_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint32_t lblk, int alloc,
              uint32_t *block, int *fresh)
{
    struct map_path p;
    struct bcache_buf *parent = NULL;
    uint32_t *slot;
    int err = map_path(fs, lblk, &p);
    *block = 0;
    *fresh = 0;
    if (err)
        return err;
    slot = &ip->i_block[p.idx[0]];
    for (int level = 0; level < p.depth && !err; level++) {
        uint32_t cur = *slot, made = 0;
        if (cur && !ext2_block_ok(fs, cur)) {
            err = ext2_corrupt(fs,
                               "inode %u: block pointer %u (for logical block %u) is beyond "
                               "the file system (%u blocks)",
                               ino, cur, lblk, fs->sb.s_blocks_count);
            break;
        }
        if (!cur && !alloc)
            break; /* a hole */
        if (!cur) {
            if ((err = alloc_for(fs, ino, ip, &cur)))
                break;
            *slot = cur;
            made = 1;
            if (parent)
                bcache_dirty(&fs->cache, parent);
        }
        if (level == p.depth - 1) {
            *block = cur;
            *fresh = made;
            break;
        }
        struct bcache_buf *next =
            made ? bcache_get_zeroed(&fs->cache, cur, &err) : bcache_get(&fs->cache, cur, &err);
        if (next && made)
            bcache_dirty(&fs->cache, next);
        if (parent)
            bcache_put(&fs->cache, parent);
        parent = next;
        if (next)
            slot = (uint32_t *)next->data + p.idx[level + 1];
    }
    if (parent)
        bcache_put(&fs->cache, parent);
    return err;
}

static void count_freed(struct ext2_fs *fs, struct ext2_inode *ip)
{
    uint32_t spb = fs->block_size / FS_SECTOR_SIZE;
    ip->i_blocks = ip->i_blocks >= spb ? ip->i_blocks - spb : 0;
}

static int free_one(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint32_t *slot)
{
    if (!ext2_block_ok(fs, *slot))
        return ext2_corrupt(fs, "inode %u: block pointer %u is beyond the file system", ino, *slot);
    int err = ext2_free_block(fs, *slot);
    if (!err) {
        *slot = 0;
        count_freed(fs, ip);
    }
    return err;
}

static uint64_t span_of(const struct ext2_fs *fs, int level)
{
    uint64_t s = 1;
    while (level-- > 0)
        s *= fs->addr_per_block;
    return s;
}

/*
 * Free what the indirect block at *slot (level 1: indirect, 2: doubly, 3:
 * triply) maps at logical blocks >= keep; it covers blocks from `base` on.
 * The indirect block itself goes too when nothing it maps is kept.
 */
static int free_tree(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint32_t *slot,
                     int level, uint64_t base, uint64_t keep)
{
    uint64_t child = span_of(fs, level - 1);
    int err = 0;
    if (!*slot || base + child * fs->addr_per_block <= keep)
        return 0;
    if (!ext2_block_ok(fs, *slot))
        return ext2_corrupt(fs, "inode %u: indirect block pointer %u is beyond the file system",
                            ino, *slot);
    struct bcache_buf *b = bcache_get(&fs->cache, *slot, &err);
    if (!b)
        return err;
    uint32_t *entries = (uint32_t *)b->data;
    for (uint32_t i = 0; i < fs->addr_per_block && !err; i++) {
        uint64_t first = base + i * child;
        if (first + child <= keep || !entries[i])
            continue;
        if (level == 1)
            err = free_one(fs, ino, ip, &entries[i]);
        else
            err = free_tree(fs, ino, ip, &entries[i], level - 1, first, keep);
        bcache_dirty(&fs->cache, b);
    }
    bcache_put(&fs->cache, b);
    if (!err && base >= keep)
        err = free_one(fs, ino, ip, slot);
    return err;
}

int ext2_free_blocks_from(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint64_t size)
{
    uint64_t keep = (size + fs->block_size - 1) / fs->block_size, base = EXT2_NDIR_BLOCKS;
    int err = 0;
    for (uint32_t i = (uint32_t)MIN(keep, EXT2_NDIR_BLOCKS); i < EXT2_NDIR_BLOCKS && !err; i++)
        if (ip->i_block[i])
            err = free_one(fs, ino, ip, &ip->i_block[i]);
    for (int level = 1; level <= 3 && !err; level++) {
        err = free_tree(fs, ino, ip, &ip->i_block[EXT2_IND_BLOCK + level - 1], level, base, keep);
        base += span_of(fs, level);
    }
    return err;
}

/* Drop this inode's reference to its extended-attribute block (shared, counted). */
static int release_xattr(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip)
{
    int err = 0;
    if (!ip->i_file_acl)
        return 0;
    if (!ext2_block_ok(fs, ip->i_file_acl))
        return ext2_corrupt(fs, "inode %u: i_file_acl %u is beyond the file system", ino,
                            ip->i_file_acl);
    struct bcache_buf *b = bcache_get(&fs->cache, ip->i_file_acl, &err);
    if (!b)
        return err;
    uint32_t *hdr = (uint32_t *)b->data, refs = hdr[1];
    if (hdr[0] != EXT2_EA_MAGIC)
        err = ext2_corrupt(fs, "inode %u: i_file_acl block %u has no attribute header", ino,
                           ip->i_file_acl);
    else if (refs > 1) {
        hdr[1] = refs - 1;
        bcache_dirty(&fs->cache, b);
    }
    bcache_put(&fs->cache, b);
    if (!err && refs <= 1)
        err = ext2_free_block(fs, ip->i_file_acl);
    if (!err) {
        ip->i_file_acl = 0;
        count_freed(fs, ip);
    }
    return err;
}

/* An inode with no links left: its blocks, its attribute block, then the inode itself. */
static int evict(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip)
{
    int err = 0, is_dir = EXT2_ISDIR(ip->i_mode);
    if (!EXT2_ISLNK(ip->i_mode) || ip->i_blocks)
        err = ext2_free_blocks_from(fs, ino, ip, 0);
    if (!err)
        err = release_xattr(fs, ino, ip);
    ip->i_dtime = ext2_now(fs) ? ext2_now(fs) : 1; /* zero would read as damage to e2fsck */
    ext2_set_isize(fs, ip, 0);
    if (!err && (err = ext2_iput(fs, ino, ip)) == 0)
        return ext2_free_inode(fs, ino, is_dir);
    return err;
}

/* The slot holding ino, or (ino 0) a free one; NULL if there is none. */
static struct ext2_held *held_slot(struct ext2_fs *fs, uint32_t ino)
{
    for (int i = 0; i < EXT2_MAX_HELD; i++)
        if (fs->held[i].ino == ino && (ino || fs->held[i].count == 0))
            return &fs->held[i];
    return NULL;
}

/*
 * The on-disk orphan list, in ext3's format (which e2fsck knows): the
 * superblock's s_last_orphan names the latest orphan and each orphan's
 * i_dtime the one before it.  An orphan joins it when its last name goes and
 * leaves it when it is freed, so if the system stops in between (a domU
 * destroyed while a file is open) the next read-write mount finds it and
 * frees it (ext2_free_listed_orphans).  The superblock reaches the disk at the
 * same sync as the inode.
 */
static void orphan_add(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip)
{
    ip->i_dtime = fs->sb.s_last_orphan;
    fs->sb.s_last_orphan = ino;
}

/* Take ino (whose i_dtime, in ip, names the next orphan) off the list; 0 or an error. */
static int orphan_remove(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *ip)
{
    struct ext2_inode prev;
    if (fs->sb.s_last_orphan == ino) {
        fs->sb.s_last_orphan = ip->i_dtime;
        return 0;
    }
    for (uint32_t p = fs->sb.s_last_orphan, n = 0; p && n < EXT2_MAX_HELD; n++) {
        int err = ext2_iget(fs, p, &prev);
        if (err)
            return err;
        if (prev.i_dtime == ino) {
            prev.i_dtime = ip->i_dtime;
            return ext2_iput(fs, p, &prev);
        }
        p = prev.i_dtime;
    }
    return 0; /* not listed (an orphan of a read-only mount, or a list already dropped) */
}

int ext2_free_listed_orphans(struct ext2_fs *fs)
{
    uint32_t freed = 0;
    while (fs->sb.s_last_orphan) {
        uint32_t ino = fs->sb.s_last_orphan;
        struct ext2_inode ip;
        if (ino < fs->sb.s_first_ino || ino > fs->sb.s_inodes_count || ext2_iget(fs, ino, &ip) ||
            ip.i_links_count || !ip.i_mode || freed == fs->sb.s_inodes_count) {
            ext2_log(fs,
                     "ext2: the orphan list names inode %u, which is not an orphan: list "
                     "dropped (run e2fsck)",
                     ino);
            fs->sb.s_last_orphan = 0;
            break;
        }
        fs->sb.s_last_orphan = ip.i_dtime;
        int err = evict(fs, ino, &ip);
        if (err)
            return err;
        freed++;
    }
    if (freed)
        ext2_log(fs,
                 "ext2: freed %u orphan inode%s left open when the file system was last "
                 "used",
                 freed, freed == 1 ? "" : "s");
    return 0;
}

int ext2_drop_links(struct ext2_fs *fs, uint32_t ino, uint16_t n)
{
    struct ext2_inode ip;
    int err = ext2_iget(fs, ino, &ip);
    if (err)
        return err;
    if (ip.i_links_count == 0)
        return ext2_corrupt(fs, "inode %u: unlinking an inode with no links", ino);
    ip.i_links_count = ip.i_links_count > n ? ip.i_links_count - n : 0;
    ip.i_ctime = ext2_now(fs);
    if (ip.i_links_count == 0 && !held_slot(fs, ino))
        return evict(fs, ino, &ip);
    if (ip.i_links_count == 0 && !fs->readonly)
        orphan_add(fs, ino, &ip);
    return ext2_iput(fs, ino, &ip); /* still named, or an orphan until its last release */
}

int ext2_hold(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_held *h = held_slot(fs, ino);
    if (!h && !(h = held_slot(fs, 0)))
        return -XEN_ENFILE;
    h->ino = ino;
    h->count++;
    return 0;
}

int ext2_release(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_held *h = held_slot(fs, ino);
    struct ext2_inode ip;
    if (!h)
        return -XEN_EINVAL;
    if (--h->count > 0)
        return 0;
    h->ino = 0;
    int err = ext2_iget(fs, ino, &ip);
    if (err || ip.i_links_count > 0 || fs->readonly)
        return err;
    if ((err = orphan_remove(fs, ino, &ip)))
        return err;
    return evict(fs, ino, &ip);
}

uint32_t ext2_orphans(struct ext2_fs *fs)
{
    uint32_t n = 0;
    struct ext2_inode ip;
    for (int i = 0; i < EXT2_MAX_HELD; i++)
        if (fs->held[i].ino && ext2_iget(fs, fs->held[i].ino, &ip) == 0 && ip.i_links_count == 0)
            n++;
    return n;
}

void ext2_free_orphans(struct ext2_fs *fs)
{
    for (int i = 0; i < EXT2_MAX_HELD; i++)
        if (fs->held[i].ino) {
            fs->held[i].count = 1;
            ext2_release(fs, fs->held[i].ino);
        }
}
