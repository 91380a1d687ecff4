/*
 * ext2_super.c - mounting: the superblock and the group descriptors.
 *
 * An ext2 file system starts with a 1024-byte superblock at byte 1024 of the
 * device, whatever the block size; it says how big the blocks are (1, 2 or
 * 4 KiB), how many blocks and inodes there are, and how they are cut into
 * block groups of s_blocks_per_group blocks and s_inodes_per_group inodes.
 * The group descriptor table follows in the next block: one 32-byte
 * descriptor per group locating its block bitmap, inode bitmap and inode
 * table, with its free counts.  With sparse_super, groups 0, 1 and the powers
 * of 3, 5 and 7 keep backups of both; mke2fs also reserves blocks after each
 * table for on-line resizing (the resize_inode feature) — all marked in use in
 * the bitmaps, so the allocators never need to know where they are.
 *
 * Mounting believes nothing: every count is checked against the device and
 * against the others before it is used, so a hostile image gets -EINVAL with
 * the name of the field rather than an out-of-range access later.  Features
 * come in three classes: an unknown "compatible" one is harmless, an unknown
 * "read-only compatible" one allows reading only, an unknown "incompatible"
 * one (extents, a journal to replay, 64-bit descriptors...) refuses the mount.
 * The journal itself is a compatible feature, but the lab refuses it too: this
 * code would not keep it.
 *
 * Like Linux's ext2, only the primary superblock and descriptors are kept
 * current; e2fsck compares backups only in the fields that never change here.
 * A read-write mount clears EXT2_VALID_FS on the disk and unmount sets it
 * again, so an image from a guest that died mounted is checked in full.
 * Next in the tour: ext2_bitmap.c.
 *
 * Tour 50/58 - after fs/bcache.c, before fs/ext2_bitmap.c.
 */
#include <stdarg.h>
#include "ext2_impl.h"

struct feature {
    uint32_t bit;
    const char *name;
};

static const struct feature incompat_names[] = {
    {0x0001, "compression"},
    {0x0004, "needs_recovery"},
    {0x0008, "journal_dev"},
    {0x0010, "meta_bg"},
    {0x0040, "extent"},
    {0x0080, "64bit"},
    {0x0100, "mmp"},
    {0x0200, "flex_bg"},
    {0x0400, "ea_inode"},
    {0x1000, "dirdata"},
    {0x2000, "metadata_csum_seed"},
    {0x4000, "large_dir"},
    {0x8000, "inline_data"},
    {0x10000, "encrypt"},
    {0x20000, "casefold"},
};

static const struct feature ro_compat_names[] = {
    {0x0004, "btree_dir"},     {0x0008, "huge_file"}, {0x0010, "uninit_bg"}, {0x0020, "dir_nlink"},
    {0x0040, "extra_isize"},   {0x0080, "snapshot"},  {0x0100, "quota"},     {0x0200, "bigalloc"},
    {0x0400, "metadata_csum"}, {0x0800, "replica"},   {0x1000, "read-only"}, {0x2000, "project"},
    {0x4000, "shared_blocks"}, {0x8000, "verity"},
};

#define SUPPORTED_INCOMPAT EXT2_FEATURE_INCOMPAT_FILETYPE
#define SUPPORTED_RO_COMPAT                                                                        \
    (EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE)

void ext2_log(struct ext2_fs *fs, const char *fmt, ...)
{
    char line[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (fs->env.log)
        fs->env.log(fs->env.ctx, line);
}

int ext2_corrupt(struct ext2_fs *fs, const char *fmt, ...)
{
    char line[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    ext2_log(fs, "ext2: corrupt file system: %s", line);
    return -XEN_EIO;
}

uint32_t ext2_now(struct ext2_fs *fs)
{
    return fs->env.now ? fs->env.now(fs->env.ctx) : 0;
}

uint32_t ext2_group_blocks(const struct ext2_fs *fs, uint32_t g)
{
    uint32_t start = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
    return MIN(fs->sb.s_blocks_per_group, fs->sb.s_blocks_count - start);
}

int ext2_block_ok(const struct ext2_fs *fs, uint32_t block)
{
    return block >= fs->sb.s_first_data_block && block < fs->sb.s_blocks_count;
}

struct bcache_buf *ext2_gd_get(struct ext2_fs *fs, uint32_t g, struct ext2_group_desc **gd,
                               int *err)
{
    struct bcache_buf *b = bcache_get(&fs->cache, fs->gdt_block + g / fs->gd_per_block, err);
    if (b)
        *gd = (struct ext2_group_desc *)b->data + g % fs->gd_per_block;
    return b;
}

static int bad_super(struct ext2_fs *fs, const char *field, uint64_t value, const char *why)
{
    ext2_log(fs, "ext2: bad superblock: %s = %llu %s", field, (unsigned long long)value, why);
    return -XEN_EINVAL;
}

/* The geometry fields, each against the device and the others. */
static int check_geometry(struct ext2_fs *fs)
{
    const struct ext2_super *s = &fs->sb;
    if (s->s_magic != EXT2_MAGIC)
        return bad_super(fs, "s_magic", s->s_magic, "is not 0xef53: not an ext2 file system");
    if (s->s_rev_level > EXT2_DYNAMIC_REV)
        return bad_super(fs, "s_rev_level", s->s_rev_level, "(only revisions 0 and 1 exist)");
    if (s->s_log_block_size > 2)
        return bad_super(fs, "s_log_block_size", s->s_log_block_size, "(1, 2 or 4 KiB only)");
    uint32_t bs = 1024u << s->s_log_block_size;
    if (s->s_first_data_block != (bs == 1024 ? 1u : 0u))
        return bad_super(fs, "s_first_data_block", s->s_first_data_block, "for this block size");
    if (s->s_blocks_count <= s->s_first_data_block + 2)
        return bad_super(fs, "s_blocks_count", s->s_blocks_count, "is too small");
    if ((uint64_t)s->s_blocks_count * (bs / FS_SECTOR_SIZE) > fs->disk->sectors)
        return bad_super(fs, "s_blocks_count", s->s_blocks_count,
                         "runs past the end of the device");
    if (s->s_blocks_per_group == 0 || s->s_blocks_per_group > 8 * bs)
        return bad_super(fs, "s_blocks_per_group", s->s_blocks_per_group,
                         "(one bitmap block's bits)");
    if (s->s_inodes_per_group == 0 || s->s_inodes_per_group > 8 * bs)
        return bad_super(fs, "s_inodes_per_group", s->s_inodes_per_group,
                         "(one bitmap block's bits)");
    if (s->s_r_blocks_count > s->s_blocks_count)
        return bad_super(fs, "s_r_blocks_count", s->s_r_blocks_count, "exceeds s_blocks_count");
    fs->block_size = bs;
    fs->groups = (s->s_blocks_count - s->s_first_data_block + s->s_blocks_per_group - 1) /
                 s->s_blocks_per_group;
    if ((uint64_t)fs->groups * s->s_inodes_per_group != s->s_inodes_count)
        return bad_super(fs, "s_inodes_count", s->s_inodes_count,
                         "is not groups * s_inodes_per_group");
    return 0;
}

/* Inode size and first inode: fixed in revision 0, fields in revision 1. */
static int check_inodes(struct ext2_fs *fs)
{
    const struct ext2_super *s = &fs->sb;
    fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
    fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
    if (s->s_rev_level == EXT2_GOOD_OLD_REV)
        return 0;
    uint32_t is = s->s_inode_size;
    if (is < EXT2_GOOD_OLD_INODE_SIZE || is > fs->block_size || (is & (is - 1)))
        return bad_super(fs, "s_inode_size", is, "(a power of two, 128 to the block size)");
    if (s->s_first_ino < EXT2_GOOD_OLD_FIRST_INO || s->s_first_ino >= s->s_inodes_count)
        return bad_super(fs, "s_first_ino", s->s_first_ino, "is out of range");
    fs->inode_size = is;
    fs->first_ino = s->s_first_ino;
    return 0;
}

static const char *feature_name(const struct feature *t, uint32_t n, uint32_t bits)
{
    for (uint32_t i = 0; i < n; i++)
        if (bits & t[i].bit)
            return t[i].name;
    return "unknown";
}

/* -EINVAL for a feature that changes the layout; read-only for one that only changes writing. */
static int check_features(struct ext2_fs *fs, unsigned int flags)
{
    const struct ext2_super *s = &fs->sb;
    fs->readonly = (flags & EXT2_MOUNT_RDONLY) != 0;
    if (s->s_rev_level == EXT2_GOOD_OLD_REV)
        return 0;
    uint32_t bad = s->s_feature_incompat & ~SUPPORTED_INCOMPAT;
    if (bad) {
        ext2_log(fs, "ext2: unsupported feature '%s' (s_feature_incompat 0x%x): not mounted",
                 feature_name(incompat_names, ARRAY_SIZE(incompat_names), bad), bad);
        return -XEN_EINVAL;
    }
    if (s->s_feature_compat & EXT3_FEATURE_COMPAT_HAS_JOURNAL) {
        ext2_log(fs, "ext2: unsupported feature 'has_journal' (an ext3/ext4 journal): not mounted");
        return -XEN_EINVAL;
    }
    bad = s->s_feature_ro_compat & ~SUPPORTED_RO_COMPAT;
    if (bad && !fs->readonly) {
        ext2_log(fs, "ext2: unsupported feature '%s' (s_feature_ro_compat 0x%x): mounted read-only",
                 feature_name(ro_compat_names, ARRAY_SIZE(ro_compat_names), bad), bad);
        fs->readonly = 1;
    }
    return 0;
}

/* Where the descriptors are, and what a file's block maps can address. */
static int compute_layout(struct ext2_fs *fs)
{
    uint32_t bs = fs->block_size;
    fs->gdt_block = fs->sb.s_first_data_block + 1;
    fs->gd_per_block = bs / sizeof(struct ext2_group_desc);
    fs->addr_per_block = bs / 4;
    fs->gdt_blocks = (fs->groups + fs->gd_per_block - 1) / fs->gd_per_block;
    if (fs->gdt_block + fs->gdt_blocks > ext2_group_blocks(fs, 0) + fs->sb.s_first_data_block)
        return bad_super(fs, "s_blocks_count", fs->groups, "groups: descriptors overflow group 0");
    uint64_t apb = fs->addr_per_block;
    uint64_t nblocks = EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb;
    nblocks = MIN(nblocks, 0xFFFFFFFFull);
    uint64_t by_iblocks = 0xFFFFFFFFull * FS_SECTOR_SIZE; /* i_blocks is 32 bits of sectors */
    fs->max_file_size = MIN(nblocks * bs, by_iblocks);
    return 0;
}

static int check_group(struct ext2_fs *fs, uint32_t g, const struct ext2_group_desc *gd,
                       uint32_t *free_blocks, uint32_t *free_inodes)
{
    uint32_t itable_blocks =
        (uint32_t)(((uint64_t)fs->sb.s_inodes_per_group * fs->inode_size + fs->block_size - 1) /
                   fs->block_size);
    const char *what = NULL;
    if (!ext2_block_ok(fs, gd->bg_block_bitmap))
        what = "bg_block_bitmap";
    else if (!ext2_block_ok(fs, gd->bg_inode_bitmap))
        what = "bg_inode_bitmap";
    else if (!ext2_block_ok(fs, gd->bg_inode_table) ||
             (uint64_t)gd->bg_inode_table + itable_blocks > fs->sb.s_blocks_count)
        what = "bg_inode_table";
    else if (gd->bg_free_blocks_count > ext2_group_blocks(fs, g))
        what = "bg_free_blocks_count";
    else if (gd->bg_free_inodes_count > fs->sb.s_inodes_per_group)
        what = "bg_free_inodes_count";
    if (what) {
        ext2_log(fs, "ext2: bad group descriptor %u: %s is out of range", g, what);
        return -XEN_EINVAL;
    }
    *free_blocks += gd->bg_free_blocks_count;
    *free_inodes += gd->bg_free_inodes_count;
    return 0;
}

/* Check every descriptor; the superblock's free counts become their sums. */
static int check_groups(struct ext2_fs *fs)
{
    uint32_t free_blocks = 0, free_inodes = 0;
    for (uint32_t g = 0; g < fs->groups; g++) {
        struct ext2_group_desc *gd;
        int err;
        struct bcache_buf *b = ext2_gd_get(fs, g, &gd, &err);
        if (!b)
            return err;
        err = check_group(fs, g, gd, &free_blocks, &free_inodes);
        bcache_put(&fs->cache, b);
        if (err)
            return err;
    }
    fs->sb.s_free_blocks_count = free_blocks;
    fs->sb.s_free_inodes_count = free_inodes;
    return 0;
}

static int check_root(struct ext2_fs *fs)
{
    struct ext2_inode root;
    int err = ext2_iget(fs, EXT2_ROOT_INO, &root);
    if (err)
        return err == -XEN_EIO ? -XEN_EINVAL : err;
    if (!EXT2_ISDIR(root.i_mode) || root.i_links_count == 0) {
        ext2_log(fs, "ext2: inode 2 (the root) is not a directory (i_mode 0%o)", root.i_mode);
        return -XEN_EINVAL;
    }
    return 0;
}

/* Copy the in-memory superblock into its cached block. */
static int write_super(struct ext2_fs *fs)
{
    int err;
    uint32_t bs = fs->block_size;
    struct bcache_buf *b = bcache_get(&fs->cache, EXT2_SUPER_OFFSET / bs, &err);
    if (!b)
        return err;
    fs->sb.s_wtime = ext2_now(fs);
    memcpy(b->data + EXT2_SUPER_OFFSET % bs, &fs->sb, sizeof(fs->sb));
    bcache_dirty(&fs->cache, b);
    bcache_put(&fs->cache, b);
    return 0;
}

static int read_super(struct ext2_fs *fs)
{
    uint32_t first = EXT2_SUPER_OFFSET / FS_SECTOR_SIZE, count = EXT2_SUPER_SIZE / FS_SECTOR_SIZE;
    if (fs->disk->sectors < first + count) {
        ext2_log(fs, "ext2: the device (%llu sectors) is too small for a superblock",
                 (unsigned long long)fs->disk->sectors);
        return -XEN_EINVAL;
    }
    if (fs->disk->read(fs->disk, first, count, &fs->sb) < 0) {
        ext2_log(fs, "ext2: cannot read the superblock");
        return -XEN_EIO;
    }
    return 0;
}

static int mount_checks(struct ext2_fs *fs, void *cache_mem, size_t cache_bytes, unsigned int flags)
{
    int err;
    if ((err = read_super(fs)) || (err = check_geometry(fs)) || (err = check_inodes(fs)) ||
        (err = check_features(fs, flags)) || (err = compute_layout(fs)))
        return err;
    if (bcache_init(&fs->cache, fs->disk, fs->block_size, cache_mem, cache_bytes) < 0) {
        ext2_log(fs, "ext2: a %lu-byte cache holds fewer than %d blocks of %u bytes",
                 (unsigned long)cache_bytes, BCACHE_MIN_BUFS, fs->block_size);
        return -XEN_EINVAL;
    }
    if ((err = check_groups(fs)) || (err = check_root(fs)))
        return err;
    if (!(fs->sb.s_state & EXT2_VALID_FS))
        ext2_log(fs, "ext2: warning: not cleanly unmounted; run e2fsck");
    return 0;
}

int ext2_mount(struct ext2_fs *fs, struct fs_disk *disk, void *cache_mem, size_t cache_bytes,
               const struct ext2_env *env, unsigned int flags)
{
    memset(fs, 0, sizeof(*fs));
    fs->disk = disk;
    if (env)
        fs->env = *env;
    int err = mount_checks(fs, cache_mem, cache_bytes, flags);
    if (err)
        return err;
    fs->mounted = 1;
    fs->generation = ext2_now(fs);
    if (fs->readonly)
        return 0;
    if ((err = ext2_free_listed_orphans(fs))) {
        fs->mounted = 0;
        return err;
    }
    fs->sb.s_state &= ~EXT2_VALID_FS;
    fs->sb.s_mnt_count++;
    fs->sb.s_mtime = ext2_now(fs);
    if ((err = write_super(fs)) || (err = bcache_sync(&fs->cache)))
        fs->mounted = 0;
    return err;
}

int ext2_sync(struct ext2_fs *fs)
{
    int err;
    if (!fs->mounted)
        return -XEN_EINVAL;
    if (!fs->readonly && (err = write_super(fs)))
        return err;
    return bcache_sync(&fs->cache);
}

int ext2_unmount(struct ext2_fs *fs)
{
    if (!fs->mounted)
        return -XEN_EINVAL;
    if (!fs->readonly)
        ext2_free_orphans(fs);
    if (!fs->readonly)
        fs->sb.s_state |= EXT2_VALID_FS;
    int err = ext2_sync(fs);
    fs->mounted = 0;
    return err;
}

int ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st)
{
    const struct ext2_super *s = &fs->sb;
    st->block_size = fs->block_size;
    st->blocks = s->s_blocks_count;
    st->free_blocks = s->s_free_blocks_count;
    st->avail_blocks = s->s_free_blocks_count > s->s_r_blocks_count
                           ? s->s_free_blocks_count - s->s_r_blocks_count
                           : 0;
    st->inodes = s->s_inodes_count;
    st->free_inodes = s->s_free_inodes_count;
    st->cache_buffers = fs->cache.nbuf;
    st->cache = fs->cache.stats;
    st->readonly = fs->readonly;
    return 0;
}
