/*
 * ext2_dir.c - directory entries.
 *
 * A directory is a file whose blocks are packed with variable-length entries:
 * inode number, rec_len (bytes to the next entry), name_len, file type, name.
 * The entries of a block chain exactly to its end; an entry with inode 0 is
 * unused space, and any entry may be longer than its name needs, the slack
 * being where a new name goes.  Removing an entry folds its length into the
 * one before it (or zeroes its inode when it is the first in its block), so a
 * block never needs compacting.  Block 0 starts with "." and "..".
 *
 * Every block is checked in full before any entry of it is used: rec_len at
 * least 8 + name_len, a multiple of 4 and inside the block, inode numbers in
 * range.  A hostile rec_len (0, or running off the block) is -EIO with the
 * offending block and offset named, never a loop or a read past the buffer.
 *
 * mke2fs marks large directories with a hash index (dir_index, EXT2_INDEX_FL)
 * whose blocks are disguised as ordinary entries, so a linear reader sees a
 * valid directory.  This code reads them linearly and clears the flag on any
 * directory it changes, as Linux's ext2 does, so e2fsck never finds a stale
 * index.  Next in the tour: ext2_namei.c.
 *
 * Tour 54/58 - after fs/ext2_file.c, before fs/ext2_namei.c.
 */
#include "ext2_impl.h"

static struct ext2_dirent *entry_at(struct bcache_buf *b, uint32_t off)
{
    return (struct ext2_dirent *)(b->data + off);
}

/* The bytes of the name, with or without the filetype feature. */
static uint32_t name_len_of(const struct ext2_fs *fs, const struct ext2_dirent *de)
{
    if (fs->sb.s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE)
        return de->name_len;
    return de->name_len | (uint32_t)de->file_type << 8;
}

static int check_block(struct ext2_fs *fs, uint32_t dir, uint32_t lblk, struct bcache_buf *b)
{
    uint32_t off = 0, bs = fs->block_size;
    while (off < bs) {
        struct ext2_dirent *de = entry_at(b, off);
        uint32_t rec = off + EXT2_DIRENT_HEADER <= bs ? de->rec_len : 0;
        const char *bad = rec < EXT2_DIRENT_HEADER ? "is shorter than an entry"
                          : rec % 4                ? "is not a multiple of 4"
                          : rec > bs - off         ? "runs off the block"
                                                   : NULL;
        if (bad)
            return ext2_corrupt(fs, "directory %u block %u offset %u: rec_len %u %s", dir, lblk,
                                off, rec, bad);
        if (de->inode &&
            (EXT2_DIRENT_HEADER + name_len_of(fs, de) > rec || name_len_of(fs, de) > EXT2_NAME_LEN))
            return ext2_corrupt(fs,
                                "directory %u block %u offset %u: name_len %u exceeds rec_len %u",
                                dir, lblk, off, name_len_of(fs, de), rec);
        if (de->inode > fs->sb.s_inodes_count)
            return ext2_corrupt(fs, "directory %u block %u offset %u: inode %u out of range", dir,
                                lblk, off, de->inode);
        off += rec;
    }
    return 0;
}

/* Pin logical block `lblk` of directory `dir`, checked.  A hole is corruption. */
static struct bcache_buf *dir_block(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *ip,
                                    uint32_t lblk, int *err)
{
    uint32_t block;
    int fresh;
    if ((*err = ext2_bmap(fs, dir, ip, lblk, 0, &block, &fresh)))
        return NULL;
    if (!block) {
        *err = ext2_corrupt(fs, "directory %u: block %u is a hole", dir, lblk);
        return NULL;
    }
    struct bcache_buf *b = bcache_get(&fs->cache, block, err);
    if (b && (*err = check_block(fs, dir, lblk, b))) {
        bcache_put(&fs->cache, b);
        return NULL;
    }
    return b;
}

static int get_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *ip)
{
    int err = ext2_iget(fs, dir, ip);
    if (err)
        return err;
    return EXT2_ISDIR(ip->i_mode) ? 0 : -XEN_ENOTDIR;
}

uint8_t ext2_file_type(uint16_t mode)
{
    switch (mode & EXT2_S_IFMT) {
    case EXT2_S_IFREG:
        return EXT2_FT_REG;
    case EXT2_S_IFDIR:
        return EXT2_FT_DIR;
    case EXT2_S_IFCHR:
        return EXT2_FT_CHRDEV;
    case EXT2_S_IFBLK:
        return EXT2_FT_BLKDEV;
    case EXT2_S_IFIFO:
        return EXT2_FT_FIFO;
    case EXT2_S_IFSOCK:
        return EXT2_FT_SOCK;
    case EXT2_S_IFLNK:
        return EXT2_FT_SYMLINK;
    }
    return EXT2_FT_UNKNOWN;
}

/* Find `name` in one checked block; fills the slot and returns 1 if there. */
static int find_in_block(struct ext2_fs *fs, struct bcache_buf *b, const char *name, uint32_t len,
                         struct ext2_dir_slot *slot)
{
    int32_t prev = -1;
    for (uint32_t off = 0; off < fs->block_size; off += entry_at(b, off)->rec_len) {
        struct ext2_dirent *de = entry_at(b, off);
        if (de->inode && name_len_of(fs, de) == len && !memcmp(de->name, name, len)) {
            *slot = (struct ext2_dir_slot){de->inode, de->file_type, b->block, off, prev};
            return 1;
        }
        prev = (int32_t)off;
    }
    return 0;
}

int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t len,
                  struct ext2_dir_slot *slot)
{
    struct ext2_inode ip;
    int err = get_dir(fs, dir, &ip);
    if (err)
        return err;
    uint32_t nblocks = ip.i_size / fs->block_size;
    for (uint32_t lblk = 0; lblk < nblocks; lblk++) {
        struct bcache_buf *b = dir_block(fs, dir, &ip, lblk, &err);
        if (!b)
            return err;
        int found = find_in_block(fs, b, name, len, slot);
        bcache_put(&fs->cache, b);
        if (found)
            return 0;
    }
    return -XEN_ENOENT;
}

static void put_entry(struct ext2_fs *fs, struct ext2_dirent *de, const char *name, uint32_t len,
                      uint32_t ino, uint8_t file_type)
{
    de->inode = ino;
    de->name_len = (uint8_t)len;
    de->file_type = fs->sb.s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE ? file_type : 0;
    memcpy(de->name, name, len);
}

/* Place the entry in the slack of one checked block; 1 if it fit. */
static int add_in_block(struct ext2_fs *fs, struct bcache_buf *b, const char *name, uint32_t len,
                        uint32_t ino, uint8_t file_type)
{
    uint32_t need = EXT2_DIRENT_LEN(len);
    for (uint32_t off = 0; off < fs->block_size; off += entry_at(b, off)->rec_len) {
        struct ext2_dirent *de = entry_at(b, off);
        uint32_t used = de->inode ? EXT2_DIRENT_LEN(name_len_of(fs, de)) : 0;
        if (de->rec_len - used < need)
            continue;
        if (used) {
            struct ext2_dirent *nde = entry_at(b, off + used);
            nde->rec_len = (uint16_t)(de->rec_len - used);
            de->rec_len = (uint16_t)used;
            de = nde;
        }
        put_entry(fs, de, name, len, ino, file_type);
        bcache_dirty(&fs->cache, b);
        return 1;
    }
    return 0;
}

/* Grow the directory by one block holding just this entry. */
static int add_block(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *ip, const char *name,
                     uint32_t len, uint32_t ino, uint8_t file_type)
{
    uint32_t block, lblk = ip->i_size / fs->block_size;
    int fresh, err = ext2_bmap(fs, dir, ip, lblk, 1, &block, &fresh);
    struct bcache_buf *b = err ? NULL : bcache_get_zeroed(&fs->cache, block, &err);
    if (!b) {
        ext2_free_blocks_from(fs, dir, ip, ip->i_size);
        return err;
    }
    struct ext2_dirent *de = entry_at(b, 0);
    de->rec_len = (uint16_t)fs->block_size;
    put_entry(fs, de, name, len, ino, file_type);
    bcache_dirty(&fs->cache, b);
    bcache_put(&fs->cache, b);
    ip->i_size += fs->block_size;
    return 0;
}

/* The directory changed: new times, and no hash index any more. */
static int touch_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *ip)
{
    ip->i_mtime = ip->i_ctime = ext2_now(fs);
    ip->i_flags &= ~EXT2_INDEX_FL;
    return ext2_iput(fs, dir, ip);
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t len, uint32_t ino,
                 uint8_t file_type)
{
    struct ext2_inode ip;
    int err = get_dir(fs, dir, &ip), added = 0;
    if (err)
        return err;
    uint32_t nblocks = ip.i_size / fs->block_size;
    for (uint32_t lblk = 0; lblk < nblocks && !added; lblk++) {
        struct bcache_buf *b = dir_block(fs, dir, &ip, lblk, &err);
        if (!b)
            return err;
        added = add_in_block(fs, b, name, len, ino, file_type);
        bcache_put(&fs->cache, b);
    }
    if (!added && (err = add_block(fs, dir, &ip, name, len, ino, file_type)))
        return err;
    return touch_dir(fs, dir, &ip);
}

static int change_slot(struct ext2_fs *fs, uint32_t dir, const struct ext2_dir_slot *slot,
                       int remove, uint32_t ino, uint8_t file_type)
{
    struct ext2_inode ip;
    int err = get_dir(fs, dir, &ip);
    if (err)
        return err;
    struct bcache_buf *b = bcache_get(&fs->cache, slot->block, &err);
    if (!b)
        return err;
    struct ext2_dirent *de = entry_at(b, slot->off);
    if (!remove) {
        de->inode = ino;
        if (fs->sb.s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE)
            de->file_type = file_type;
    } else if (slot->prev_off >= 0) {
        entry_at(b, (uint32_t)slot->prev_off)->rec_len += de->rec_len;
    } else {
        de->inode = 0;
    }
    bcache_dirty(&fs->cache, b);
    bcache_put(&fs->cache, b);
    return touch_dir(fs, dir, &ip);
}

int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const struct ext2_dir_slot *slot)
{
    return change_slot(fs, dir, slot, 1, 0, 0);
}

int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const struct ext2_dir_slot *slot,
                      uint32_t ino, uint8_t file_type)
{
    return change_slot(fs, dir, slot, 0, ino, file_type);
}

static int is_dot_or_dotdot(const struct ext2_fs *fs, const struct ext2_dirent *de)
{
    uint32_t n = name_len_of(fs, de);
    return (n == 1 && de->name[0] == '.') || (n == 2 && de->name[0] == '.' && de->name[1] == '.');
}

int ext2_dir_is_empty(struct ext2_fs *fs, uint32_t dir)
{
    struct ext2_inode ip;
    int err = get_dir(fs, dir, &ip), empty = 1;
    if (err)
        return err;
    uint32_t nblocks = ip.i_size / fs->block_size;
    for (uint32_t lblk = 0; lblk < nblocks && empty; lblk++) {
        struct bcache_buf *b = dir_block(fs, dir, &ip, lblk, &err);
        if (!b)
            return err;
        for (uint32_t off = 0; off < fs->block_size; off += entry_at(b, off)->rec_len)
            if (entry_at(b, off)->inode && !is_dot_or_dotdot(fs, entry_at(b, off)))
                empty = 0;
        bcache_put(&fs->cache, b);
    }
    return empty;
}

int ext2_dir_init(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *ip, uint32_t parent)
{
    uint32_t block;
    int fresh, err = ext2_bmap(fs, dir, ip, 0, 1, &block, &fresh);
    struct bcache_buf *b = err ? NULL : bcache_get_zeroed(&fs->cache, block, &err);
    if (!b)
        return err;
    struct ext2_dirent *dot = entry_at(b, 0), *dotdot = entry_at(b, 12);
    dot->rec_len = 12;
    put_entry(fs, dot, ".", 1, dir, EXT2_FT_DIR);
    dotdot->rec_len = (uint16_t)(fs->block_size - 12);
    put_entry(fs, dotdot, "..", 2, parent, EXT2_FT_DIR);
    bcache_dirty(&fs->cache, b);
    bcache_put(&fs->cache, b);
    ip->i_size = fs->block_size;
    return 0;
}

/* The first entry in use at or after byte `in` of a checked block; its offset, or bs. */
static uint32_t next_in_block(struct ext2_fs *fs, struct bcache_buf *b, uint32_t in)
{
    uint32_t off = 0;
    while (off < fs->block_size && (off < in || !entry_at(b, off)->inode))
        off += entry_at(b, off)->rec_len;
    return off;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, struct ext2_dirent_info *out)
{
    struct ext2_inode ip;
    int err = get_dir(fs, dir, &ip);
    if (err)
        return err;
    uint32_t bs = fs->block_size;
    while (*pos < ip.i_size) {
        uint32_t lblk = (uint32_t)(*pos / bs);
        struct bcache_buf *b = dir_block(fs, dir, &ip, lblk, &err);
        if (!b)
            return err;
        uint32_t off = next_in_block(fs, b, (uint32_t)(*pos % bs));
        if (off < bs) {
            struct ext2_dirent *de = entry_at(b, off);
            out->ino = de->inode;
            out->name_len = (uint8_t)name_len_of(fs, de);
            out->file_type = fs->sb.s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE
                                 ? de->file_type
                                 : EXT2_FT_UNKNOWN;
            memcpy(out->name, de->name, out->name_len);
            out->name[out->name_len] = 0;
            *pos = (uint64_t)lblk * bs + off + de->rec_len;
        } else {
            *pos = (uint64_t)(lblk + 1) * bs;
        }
        bcache_put(&fs->cache, b);
        if (off < bs)
            return 1;
    }
    return 0;
}
