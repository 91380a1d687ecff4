/*
 * ext2_disk.h - the ext2 on-disk format, as the rest of fs/ uses it: the
 * superblock, the block group descriptor, the inode and the directory entry,
 * laid out byte for byte as e2fsprogs writes them (little-endian, as x86 is,
 * so the structures are read in place).  docs/filesystem.md draws the layout.
 * Only revision 1 ("dynamic") and revision 0 file systems are described; the
 * fields ext4 added past them are kept as opaque bytes and carried unchanged.
 * Every field sits at its natural alignment, so no structure needs packing
 * (the assertions at the end check the offsets that matter).
 */
#ifndef FS_EXT2_DISK_H
#define FS_EXT2_DISK_H

#include <stdint.h>

#define EXT2_SUPER_OFFSET        1024 /* bytes from the start of the device */
#define EXT2_SUPER_SIZE          1024
#define EXT2_MAGIC               0xEF53
#define EXT2_ROOT_INO            2
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO  11
#define EXT2_NDIR_BLOCKS         12
#define EXT2_IND_BLOCK           12
#define EXT2_DIND_BLOCK          13
#define EXT2_TIND_BLOCK          14
#define EXT2_N_BLOCKS            15
#define EXT2_NAME_LEN            255
#define EXT2_VALID_FS            0x0001 /* s_state: cleanly unmounted */
#define EXT2_ERROR_FS            0x0002
#define EXT2_INDEX_FL            0x1000 /* i_flags: hashed (htree) directory */
#define EXT2_GOOD_OLD_REV        0
#define EXT2_DYNAMIC_REV         1

/* Feature bits: compatible (ignored if unknown), read-only compatible, incompatible. */
#define EXT2_FEATURE_COMPAT_DIR_PREALLOC    0x0001
#define EXT2_FEATURE_COMPAT_IMAGIC_INODES   0x0002
#define EXT3_FEATURE_COMPAT_HAS_JOURNAL     0x0004
#define EXT2_FEATURE_COMPAT_EXT_ATTR        0x0008
#define EXT2_FEATURE_COMPAT_RESIZE_INODE    0x0010
#define EXT2_FEATURE_COMPAT_DIR_INDEX       0x0020
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE   0x0002
#define EXT2_FEATURE_INCOMPAT_FILETYPE      0x0002

struct ext2_super {
    uint32_t s_inodes_count;
    uint32_t s_blocks_count;
    uint32_t s_r_blocks_count;
    uint32_t s_free_blocks_count;
    uint32_t s_free_inodes_count;
    uint32_t s_first_data_block;
    uint32_t s_log_block_size; /* block size = 1024 << this */
    uint32_t s_log_frag_size;
    uint32_t s_blocks_per_group;
    uint32_t s_frags_per_group;
    uint32_t s_inodes_per_group;
    uint32_t s_mtime;
    uint32_t s_wtime;
    uint16_t s_mnt_count;
    int16_t s_max_mnt_count;
    uint16_t s_magic;
    uint16_t s_state;
    uint16_t s_errors;
    uint16_t s_minor_rev_level;
    uint32_t s_lastcheck;
    uint32_t s_checkinterval;
    uint32_t s_creator_os;
    uint32_t s_rev_level;
    uint16_t s_def_resuid;
    uint16_t s_def_resgid;
    /* revision 1 */
    uint32_t s_first_ino;
    uint16_t s_inode_size;
    uint16_t s_block_group_nr;
    uint32_t s_feature_compat;
    uint32_t s_feature_incompat;
    uint32_t s_feature_ro_compat;
    uint8_t s_uuid[16];
    char s_volume_name[16];
    char s_last_mounted[64];
    uint32_t s_algorithm_usage_bitmap;
    uint8_t s_prealloc_blocks;
    uint8_t s_prealloc_dir_blocks;
    uint16_t s_reserved_gdt_blocks;
    uint8_t s_journal_uuid[16]; /* ext3's journal fields: untouched */
    uint32_t s_journal_inum;
    uint32_t s_journal_dev;
    uint32_t s_last_orphan;                /* the orphan list's head (ext2_inode.c), 0: empty */
    uint8_t s_rest[EXT2_SUPER_SIZE - 236]; /* hash seed, ext4 fields: untouched */
};

struct ext2_group_desc {
    uint32_t bg_block_bitmap;
    uint32_t bg_inode_bitmap;
    uint32_t bg_inode_table;
    uint16_t bg_free_blocks_count;
    uint16_t bg_free_inodes_count;
    uint16_t bg_used_dirs_count;
    uint16_t bg_flags;
    uint8_t bg_reserved[12];
};

struct ext2_inode {
    uint16_t i_mode;
    uint16_t i_uid;
    uint32_t i_size;
    uint32_t i_atime;
    uint32_t i_ctime;
    uint32_t i_mtime;
    uint32_t i_dtime;
    uint16_t i_gid;
    uint16_t i_links_count;
    uint32_t i_blocks; /* in 512-byte sectors, indirect blocks included */
    uint32_t i_flags;
    uint32_t i_osd1;
    uint32_t i_block[EXT2_N_BLOCKS];
    uint32_t i_generation;
    uint32_t i_file_acl;  /* an extended-attribute block, or 0 */
    uint32_t i_size_high; /* regular files: the high 32 bits of the size */
    uint32_t i_faddr;
    uint8_t i_osd2[12];
};

/* The large-inode fields after the first 128 bytes (when s_inode_size > 128). */
struct ext2_inode_extra {
    uint16_t i_extra_isize; /* bytes of this structure in use */
    uint16_t i_checksum_hi;
    uint32_t i_ctime_extra;
    uint32_t i_mtime_extra;
    uint32_t i_atime_extra;
    uint32_t i_crtime;
    uint32_t i_crtime_extra;
    uint32_t i_version_hi;
    uint32_t i_projid;
};

/* A directory entry: rec_len bytes, of which 8 + name_len are used (rounded up to 4). */
struct ext2_dirent {
    uint32_t inode; /* 0: an unused entry */
    uint16_t rec_len;
    uint8_t name_len;
    uint8_t file_type; /* with the filetype feature; else the high byte of name_len */
    char name[];
};

#define EXT2_DIRENT_HEADER 8
#define EXT2_DIRENT_LEN(n) ((EXT2_DIRENT_HEADER + (n) + 3) & ~3u)

/* i_mode's type bits and the directory entries' file_type codes. */
#define EXT2_S_IFMT     0xF000
#define EXT2_S_IFSOCK   0xC000
#define EXT2_S_IFLNK    0xA000
#define EXT2_S_IFREG    0x8000
#define EXT2_S_IFBLK    0x6000
#define EXT2_S_IFDIR    0x4000
#define EXT2_S_IFCHR    0x2000
#define EXT2_S_IFIFO    0x1000
#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG     1
#define EXT2_FT_DIR     2
#define EXT2_FT_CHRDEV  3
#define EXT2_FT_BLKDEV  4
#define EXT2_FT_FIFO    5
#define EXT2_FT_SOCK    6
#define EXT2_FT_SYMLINK 7

#define EXT2_ISDIR(m) (((m)&EXT2_S_IFMT) == EXT2_S_IFDIR)
#define EXT2_ISREG(m) (((m)&EXT2_S_IFMT) == EXT2_S_IFREG)
#define EXT2_ISLNK(m) (((m)&EXT2_S_IFMT) == EXT2_S_IFLNK)

_Static_assert(sizeof(struct ext2_super) == EXT2_SUPER_SIZE, "superblock is 1024 bytes");
_Static_assert(sizeof(struct ext2_group_desc) == 32, "group descriptor is 32 bytes");
_Static_assert(sizeof(struct ext2_inode) == EXT2_GOOD_OLD_INODE_SIZE, "inode is 128 bytes");
_Static_assert(__builtin_offsetof(struct ext2_super, s_magic) == 56, "s_magic at 56");
_Static_assert(__builtin_offsetof(struct ext2_super, s_feature_compat) == 92, "features at 92");
_Static_assert(__builtin_offsetof(struct ext2_super, s_reserved_gdt_blocks) == 206, "at 206");
_Static_assert(__builtin_offsetof(struct ext2_super, s_last_orphan) == 232, "at 232");
_Static_assert(__builtin_offsetof(struct ext2_inode, i_block) == 40, "i_block at 40");
_Static_assert(__builtin_offsetof(struct ext2_inode, i_size_high) == 108, "i_size_high at 108");
_Static_assert(sizeof(struct ext2_inode_extra) == 32, "the large-inode fields mke2fs uses");
_Static_assert(sizeof(struct ext2_dirent) == EXT2_DIRENT_HEADER, "directory entry header");

#endif
