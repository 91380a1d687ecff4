/*
 * ext2.h - minios's ext2 file system: the interface the VFS (and the host
 * unit tests) use.  The code under fs/ is pure and freestanding: it reaches
 * the disk only through a `struct fs_disk` (bcache.h), the time through a
 * clock callback and the console through a log callback, so the same objects
 * run in dom0 over IDE, in a domU over blkfront, and on the host over an
 * image made by mke2fs.
 *
 * Files are named by inode number; a directory operation takes the directory
 * and one name in it, which is the shape a VFS walking mount points needs.
 * ext2_namei() resolves a whole path from the root for callers without one.
 * Every function returns 0 (or a count) on success and a negative errno from
 * public/errno.h on failure: -ENOENT, -ENOTDIR, -EISDIR, -ENOTEMPTY, -EEXIST,
 * -ENOSPC, -EROFS, -ENAMETOOLONG, -EINVAL for a bad request, and -EIO when
 * the image itself is corrupt (the log callback then names the field).
 * The code is not reentrant: its caller (the VFS) runs one call at a time,
 * and calls ext2_sync() now and then so the write-back cache reaches the disk.
 * The order of a tour through the code: ext2_super.c (mount), ext2_bitmap.c,
 * ext2_inode.c (block maps), ext2_file.c, ext2_dir.c (entries), ext2_namei.c.
 */
#ifndef FS_EXT2_H
#define FS_EXT2_H

#include <stdint.h>
#include "bcache.h"
#include "ext2_disk.h"

struct ext2_env {
    void *ctx;
    uint32_t (*now)(void *ctx);              /* seconds since 1970, for timestamps */
    void (*log)(void *ctx, const char *msg); /* one line, no newline; may be NULL */
};

#define EXT2_MOUNT_RDONLY 1
#define EXT2_MAX_HELD     128 /* distinct inodes held open at once (ext2_hold) */

/* An inode some open file names, and how many holds it has. */
struct ext2_held {
    uint32_t ino, count;
};

struct ext2_fs {
    struct bcache cache;
    struct fs_disk *disk;
    struct ext2_env env;
    struct ext2_super sb; /* the primary superblock; written back by sync */
    uint32_t block_size, groups;
    uint32_t gdt_block, gdt_blocks, gd_per_block, addr_per_block;
    uint32_t inode_size, first_ino;
    uint64_t max_file_size;
    uint32_t goal_ino, goal_block; /* where the last block went, for the next one */
    uint32_t generation;
    int readonly, mounted;
    struct ext2_held held[EXT2_MAX_HELD]; /* open inodes; an orphan is one with no links */
};

struct ext2_stat {
    uint32_t ino;
    uint16_t mode, links, uid, gid;
    uint64_t size;
    uint32_t blocks; /* 512-byte sectors in use, as i_blocks */
    uint32_t atime, mtime, ctime;
};

struct ext2_statfs {
    uint32_t block_size;
    uint32_t blocks, free_blocks, avail_blocks; /* avail: free less the root reserve */
    uint32_t inodes, free_inodes;
    uint32_t cache_buffers;
    struct bcache_stats cache;
    int readonly;
};

struct ext2_dirent_info {
    uint32_t ino;
    uint8_t file_type; /* EXT2_FT_* */
    uint8_t name_len;
    char name[EXT2_NAME_LEN + 1];
};

/*
 * Mount the ext2 file system on `disk`, with a buffer cache carved from
 * `cache_mem` (`cache_bytes` long, page-aligned for minios).  Checks the
 * superblock and group descriptors; a feature the code does not support fails
 * the mount with a message naming it (incompatible) or makes it read-only
 * (read-only compatible).  The image is not written unless the mount succeeds
 * read-write.  `flags`: EXT2_MOUNT_RDONLY.
 */
int ext2_mount(struct ext2_fs *fs, struct fs_disk *disk, void *cache_mem, size_t cache_bytes,
               const struct ext2_env *env, unsigned int flags);
int ext2_sync(struct ext2_fs *fs);    /* write the superblock and every dirty block */
int ext2_unmount(struct ext2_fs *fs); /* free the orphans, sync, mark the file system clean */
int ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st);

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t *ino);
int ext2_namei(struct ext2_fs *fs, const char *path, uint32_t *ino); /* from the root */
int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);
/* The next entry at or after byte *pos of `dir`: 1 and *pos advanced, 0 at the end. */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, struct ext2_dirent_info *out);
int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, uint32_t cap); /* length */

/* Bytes moved (short only at the end of the file, or when the disk fills up). */
int ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, uint32_t n);
int ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, uint32_t n);
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);

/* `mode`: permission bits (0644); the type is implied. */
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, uint16_t mode, uint32_t *ino);
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, uint16_t mode, uint32_t *ino);
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name);
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name);
int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name);

/*
 * Open inodes (ext2_inode.c).  The VFS holds an inode while a file on it is
 * open.  Removing its last name (unlink, rmdir, a rename over it) then takes
 * the name at once and sets the link count to 0, but the inode and its
 * blocks stay, readable and writable by number: an "orphan".  The release
 * of the last hold frees an orphan, and so does ext2_unmount() for any still
 * held, so the disk is left clean.  Orphans are also listed on the disk (the
 * superblock's s_last_orphan, as ext3 does), so one left by a stop without an
 * unmount (a domU destroyed) is freed at the next read-write mount.  ext2_hold: 0, or -ENFILE when
 * EXT2_MAX_HELD inodes are held; ext2_release: 0, or the error of freeing
 * the orphan.  ext2_orphans(): how many orphans there are now.
 */
int ext2_hold(struct ext2_fs *fs, uint32_t ino);
int ext2_release(struct ext2_fs *fs, uint32_t ino);
uint32_t ext2_orphans(struct ext2_fs *fs);
int ext2_rename(struct ext2_fs *fs, uint32_t olddir, const char *oldname, uint32_t newdir,
                const char *newname);

#endif
