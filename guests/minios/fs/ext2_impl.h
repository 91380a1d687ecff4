/*
 * ext2_impl.h - what the files of fs/ share among themselves and nobody
 * else calls: group descriptors, the allocators, inodes and block maps, and
 * directory entries.  The public interface is ext2.h.
 */
#ifndef FS_EXT2_IMPL_H
#define FS_EXT2_IMPL_H

#include <lib.h>
#include <public/errno.h>
#include "ext2.h"

#define EXT2_LINK_MAX 65000

/* ext2_super.c */
void ext2_log(struct ext2_fs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Log "ext2: <what>" about a corrupt structure and return -EIO. */
int ext2_corrupt(struct ext2_fs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t ext2_now(struct ext2_fs *fs);
/* Pin the block holding group g's descriptor; *gd points into it. */
struct bcache_buf *ext2_gd_get(struct ext2_fs *fs, uint32_t g, struct ext2_group_desc **gd,
                               int *err);
uint32_t ext2_group_blocks(const struct ext2_fs *fs, uint32_t g); /* blocks in group g */
int ext2_block_ok(const struct ext2_fs *fs, uint32_t block);      /* inside the data area */

/* ext2_bitmap.c */
int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *block);
int ext2_free_block(struct ext2_fs *fs, uint32_t block);
int ext2_alloc_inode(struct ext2_fs *fs, uint32_t parent, int is_dir, uint32_t *ino);
int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, int is_dir);

/* ext2_inode.c */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip);
int ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *ip);
/* A fresh in-use inode of `mode` with one link, every byte of its slot rewritten. */
int ext2_inode_init(struct ext2_fs *fs, uint32_t ino, uint16_t mode, struct ext2_inode *ip);
uint64_t ext2_isize(const struct ext2_inode *ip);
void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *ip, uint64_t size);
/*
 * The disk block holding logical block `lblk` of the inode: 0 for a hole,
 * unless `alloc`, when the block (and any indirect block on the way) is
 * allocated and *fresh set; ip is then changed and the caller writes it back.
 */
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint32_t lblk, int alloc,
              uint32_t *block, int *fresh);
/* Free every block past `size` bytes (ip changed; the caller writes it back). */
int ext2_free_blocks_from(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *ip, uint64_t size);
/* `n` links fewer; at none, the inode's blocks and the inode itself are freed, unless the inode
 * is held open (ext2_hold): then it is an orphan, freed at its last release. */
int ext2_drop_links(struct ext2_fs *fs, uint32_t ino, uint16_t n);
void ext2_free_orphans(struct ext2_fs *fs); /* at unmount: every held inode with no links */
/* At a read-write mount: free the orphans the on-disk list (s_last_orphan) names, left by a stop
 * before their last release; a list that names a non-orphan is dropped, with a message. */
int ext2_free_listed_orphans(struct ext2_fs *fs);

/* ext2_dir.c: where an entry lives, for removing or retargeting it */
struct ext2_dir_slot {
    uint32_t ino; /* the entry's inode */
    uint8_t file_type;
    uint32_t block;   /* disk block of the entry */
    uint32_t off;     /* its offset in the block */
    int32_t prev_off; /* the entry before it in the block, or -1 */
};
int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t len,
                  struct ext2_dir_slot *slot);
int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t len, uint32_t ino,
                 uint8_t file_type);
int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const struct ext2_dir_slot *slot);
int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const struct ext2_dir_slot *slot,
                      uint32_t ino, uint8_t file_type);
int ext2_dir_is_empty(struct ext2_fs *fs, uint32_t dir); /* 1, 0, or an error */
/* Give a new directory its first block, holding "." and "..". */
int ext2_dir_init(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *ip, uint32_t parent);
uint8_t ext2_file_type(uint16_t mode);

#endif
