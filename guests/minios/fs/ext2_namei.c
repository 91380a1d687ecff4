/*
 * ext2_namei.c - the name space: lookup, create, mkdir, unlink, rmdir, link
 * and rename, each built from directory entries (ext2_dir.c), inodes and
 * allocators, in an order that leaves a consistent file system whenever one
 * step fails: what was allocated for a new name is given back if the name
 * cannot be added (a full disk), and a rename adds the new name before it
 * removes the old one.
 *
 * Link counts follow the ext2 rules e2fsck checks: a file has one link per
 * name; a directory has one from its parent's entry, one from its own "." and
 * one from each subdirectory's "..".  So mkdir adds a link to the parent, and
 * moving a directory to another parent moves one link with its "..".
 * Moving a directory under itself is refused (-EINVAL): the walk up the ".."
 * chain that proves it is not is bounded, so a corrupt image whose ".."
 * entries form a loop gives -EIO instead of hanging.  Symbolic links are not
 * followed here; ext2_readlink() gives their target to the caller that does.
 *
 * Tour 55/58 - after fs/ext2_dir.c, before proc/ext2fs.c.
 */
#include "ext2_impl.h"

/* A single path component: -ENOENT if empty, -ENAMETOOLONG if too long, -EINVAL with a '/'. */
static int check_name(const char *name, uint32_t *len)
{
    uint32_t n = (uint32_t)strnlen(name, EXT2_NAME_LEN + 1);
    if (n == 0)
        return -XEN_ENOENT;
    if (n > EXT2_NAME_LEN)
        return -XEN_ENAMETOOLONG;
    if (strchr(name, '/'))
        return -XEN_EINVAL;
    *len = n;
    return 0;
}

static int is_dots(const char *name)
{
    return !strcmp(name, ".") || !strcmp(name, "..");
}

static uint32_t deletion_time(struct ext2_fs *fs)
{
    uint32_t now = ext2_now(fs);
    return now ? now : 1; /* e2fsck reads a deleted inode with no dtime as damage */
}

static int adjust_links(struct ext2_fs *fs, uint32_t ino, int delta)
{
    struct ext2_inode ip;
    int err = ext2_iget(fs, ino, &ip);
    if (err)
        return err;
    if ((delta < 0 && ip.i_links_count == 0) || (delta > 0 && ip.i_links_count >= EXT2_LINK_MAX))
        return ext2_corrupt(fs, "inode %u: link count %u cannot change by %d", ino,
                            ip.i_links_count, delta);
    ip.i_links_count = (uint16_t)(ip.i_links_count + delta);
    ip.i_ctime = ext2_now(fs);
    return ext2_iput(fs, ino, &ip);
}

static int links_full(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_inode ip;
    int err = ext2_iget(fs, ino, &ip);
    if (err)
        return err;
    return ip.i_links_count >= EXT2_LINK_MAX ? -XEN_EMLINK : 0;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t *ino)
{
    uint32_t len;
    struct ext2_dir_slot slot;
    int err = check_name(name, &len);
    if (!err && !(err = ext2_dir_find(fs, dir, name, len, &slot)))
        *ino = slot.ino;
    return err;
}

int ext2_namei(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
    char part[EXT2_NAME_LEN + 1];
    uint32_t cur = EXT2_ROOT_INO;
    while (*path) {
        while (*path == '/')
            path++;
        uint32_t n = 0;
        while (path[n] && path[n] != '/')
            n++;
        if (n == 0)
            break;
        if (n > EXT2_NAME_LEN)
            return -XEN_ENAMETOOLONG;
        memcpy(part, path, n);
        part[n] = 0;
        int err = ext2_lookup(fs, cur, part, &cur);
        if (err)
            return err;
        path += n;
    }
    *ino = cur;
    return 0;
}

/* Free an inode made by a step that then failed: its blocks, then the inode. */
static void discard_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip)
{
    ext2_free_blocks_from(fs, ino, ip, 0);
    ip->i_links_count = 0;
    ip->i_dtime = deletion_time(fs);
    ext2_set_isize(fs, ip, 0);
    if (!ext2_iput(fs, ino, ip))
        ext2_free_inode(fs, ino, EXT2_ISDIR(ip->i_mode));
}

/* Common checks before adding `name` to `dir`: writable, a legal new name. */
static int check_new_name(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t *len)
{
    struct ext2_dir_slot slot;
    if (fs->readonly)
        return -XEN_EROFS;
    int err = check_name(name, len);
    if (err)
        return err;
    if (is_dots(name))
        return -XEN_EEXIST;
    err = ext2_dir_find(fs, dir, name, *len, &slot);
    return err == -XEN_ENOENT ? 0 : err ? err : -XEN_EEXIST;
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, uint16_t mode, uint32_t *ino)
{
    struct ext2_inode ip;
    uint32_t len;
    int err = check_new_name(fs, dir, name, &len);
    if (err || (err = ext2_alloc_inode(fs, dir, 0, ino)))
        return err;
    if ((err = ext2_inode_init(fs, *ino, EXT2_S_IFREG | (mode & 07777), &ip))) {
        ext2_free_inode(fs, *ino, 0);
        return err;
    }
    if ((err = ext2_dir_add(fs, dir, name, len, *ino, EXT2_FT_REG)))
        discard_inode(fs, *ino, &ip);
    return err;
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, uint16_t mode, uint32_t *ino)
{
    struct ext2_inode ip;
    uint32_t len;
    int err = check_new_name(fs, dir, name, &len);
    if (err || (err = links_full(fs, dir)) || (err = ext2_alloc_inode(fs, dir, 1, ino)))
        return err;
    if ((err = ext2_inode_init(fs, *ino, EXT2_S_IFDIR | (mode & 07777), &ip))) {
        ext2_free_inode(fs, *ino, 1);
        return err;
    }
    ip.i_links_count = 2; /* its entry in the parent, and its own "." */
    if ((err = ext2_dir_init(fs, *ino, &ip, dir)) || (err = ext2_iput(fs, *ino, &ip)) ||
        (err = ext2_dir_add(fs, dir, name, len, *ino, EXT2_FT_DIR))) {
        discard_inode(fs, *ino, &ip);
        return err;
    }
    return adjust_links(fs, dir, +1); /* the new "..": cannot fail after links_full */
}

/* Find `name` in `dir` for removal, with its inode. */
static int find_victim(struct ext2_fs *fs, uint32_t dir, const char *name,
                       struct ext2_dir_slot *slot, struct ext2_inode *ip)
{
    uint32_t len;
    if (fs->readonly)
        return -XEN_EROFS;
    int err = check_name(name, &len);
    if (err || (err = ext2_dir_find(fs, dir, name, len, slot)))
        return err;
    return ext2_iget(fs, slot->ino, ip);
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name)
{
    struct ext2_dir_slot slot;
    struct ext2_inode ip;
    int err = find_victim(fs, dir, name, &slot, &ip);
    if (err)
        return err;
    if (EXT2_ISDIR(ip.i_mode))
        return -XEN_EISDIR;
    if ((err = ext2_dir_remove(fs, dir, &slot)))
        return err;
    return ext2_drop_links(fs, slot.ino, 1);
}

/* An empty directory about to lose its name: -ENOTDIR, -ENOTEMPTY, or 0. */
static int removable_dir(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *ip)
{
    if (!EXT2_ISDIR(ip->i_mode))
        return -XEN_ENOTDIR;
    if (ino == EXT2_ROOT_INO)
        return -XEN_EBUSY;
    int empty = ext2_dir_is_empty(fs, ino);
    return empty < 0 ? empty : empty ? 0 : -XEN_ENOTEMPTY;
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name)
{
    struct ext2_dir_slot slot;
    struct ext2_inode ip;
    if (!strcmp(name, "."))
        return -XEN_EINVAL;
    if (!strcmp(name, ".."))
        return -XEN_ENOTEMPTY;
    int err = find_victim(fs, dir, name, &slot, &ip);
    if (err || (err = removable_dir(fs, slot.ino, &ip)) || (err = ext2_dir_remove(fs, dir, &slot)))
        return err;
    if ((err = ext2_drop_links(fs, slot.ino, 2))) /* its name and its "." */
        return err;
    return adjust_links(fs, dir, -1); /* its ".." */
}

int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name)
{
    struct ext2_inode ip;
    uint32_t len;
    int err = check_new_name(fs, dir, name, &len);
    if (err || (err = ext2_iget(fs, ino, &ip)))
        return err;
    if (EXT2_ISDIR(ip.i_mode))
        return -XEN_EPERM;
    if (ip.i_links_count == 0)
        return -XEN_ENOENT;
    if (ip.i_links_count >= EXT2_LINK_MAX)
        return -XEN_EMLINK;
    if ((err = ext2_dir_add(fs, dir, name, len, ino, ext2_file_type(ip.i_mode))))
        return err;
    return adjust_links(fs, ino, +1);
}

/* -EINVAL if `dir` is `moved` or lies under it; -EIO if the ".." chain loops. */
static int check_not_under(struct ext2_fs *fs, uint32_t moved, uint32_t dir)
{
    uint32_t limit = MIN(fs->sb.s_inodes_count, 65536u);
    for (uint32_t steps = 0; dir != EXT2_ROOT_INO; steps++) {
        struct ext2_dir_slot up;
        if (dir == moved)
            return -XEN_EINVAL;
        if (steps > limit)
            return ext2_corrupt(fs,
                                "directory loop: \"..\" entries above inode %u never reach "
                                "the root",
                                dir);
        int err = ext2_dir_find(fs, dir, "..", 2, &up);
        if (err)
            return err == -XEN_ENOENT ? ext2_corrupt(fs, "directory %u has no \"..\"", dir) : err;
        dir = up.ino;
    }
    return 0;
}

/* The existing target of a rename: check it may be replaced, then point its entry at `src`. */
static int replace_target(struct ext2_fs *fs, uint32_t ndir, const struct ext2_dir_slot *tslot,
                          uint32_t src, const struct ext2_inode *sip)
{
    struct ext2_inode tip;
    int err = ext2_iget(fs, tslot->ino, &tip);
    if (err)
        return err;
    if (EXT2_ISDIR(sip->i_mode) && (err = removable_dir(fs, tslot->ino, &tip)))
        return err;
    if (!EXT2_ISDIR(sip->i_mode) && EXT2_ISDIR(tip.i_mode))
        return -XEN_EISDIR;
    if ((err = ext2_dir_retarget(fs, ndir, tslot, src, ext2_file_type(sip->i_mode))))
        return err;
    if (!EXT2_ISDIR(tip.i_mode))
        return ext2_drop_links(fs, tslot->ino, 1);
    if ((err = ext2_drop_links(fs, tslot->ino, 2)))
        return err;
    return adjust_links(fs, ndir, -1); /* the replaced directory's ".." */
}

/* Give `src` its new name in `ndir` (replacing what is there); *same if it already has it. */
static int place_new_name(struct ext2_fs *fs, uint32_t src, const struct ext2_inode *sip,
                          uint32_t ndir, const char *nname, int *same)
{
    struct ext2_dir_slot tslot;
    uint32_t len;
    int err = check_name(nname, &len);
    if (err)
        return err;
    if (is_dots(nname))
        return -XEN_EINVAL;
    err = ext2_dir_find(fs, ndir, nname, len, &tslot);
    *same = !err && tslot.ino == src;
    if (*same)
        return 0;
    if (!err)
        return replace_target(fs, ndir, &tslot, src, sip);
    if (err != -XEN_ENOENT)
        return err;
    return ext2_dir_add(fs, ndir, nname, len, src, ext2_file_type(sip->i_mode));
}

/* A directory moved to another parent: its ".." and one link move with it. */
static int reparent(struct ext2_fs *fs, uint32_t src, uint32_t odir, uint32_t ndir)
{
    struct ext2_dir_slot up;
    int err = ext2_dir_find(fs, src, "..", 2, &up);
    if (err || (err = ext2_dir_retarget(fs, src, &up, ndir, EXT2_FT_DIR)) ||
        (err = adjust_links(fs, odir, -1)))
        return err;
    return adjust_links(fs, ndir, +1);
}

int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, uint32_t ndir,
                const char *nname)
{
    struct ext2_dir_slot oslot;
    struct ext2_inode sip;
    int err, same;
    if (is_dots(oname))
        return -XEN_EINVAL;
    if ((err = find_victim(fs, odir, oname, &oslot, &sip)))
        return err;
    uint32_t src = oslot.ino;
    int moving_dir = EXT2_ISDIR(sip.i_mode) && odir != ndir;
    if (moving_dir && ((err = check_not_under(fs, src, ndir)) || (err = links_full(fs, ndir))))
        return err;
    if ((err = place_new_name(fs, src, &sip, ndir, nname, &same)) || same)
        return err;
    /* The new name is in place; the old slot may have moved if both are in one directory. */
    uint32_t olen = (uint32_t)strlen(oname);
    if ((err = ext2_dir_find(fs, odir, oname, olen, &oslot)) ||
        (err = ext2_dir_remove(fs, odir, &oslot)))
        return err;
    if (moving_dir && (err = reparent(fs, src, odir, ndir)))
        return err;
    if ((err = ext2_iget(fs, src, &sip)))
        return err;
    sip.i_ctime = ext2_now(fs);
    return ext2_iput(fs, src, &sip);
}
