/*
 * fuzz_ext2.c - minios's ext2 (guests/minios/fs/) on a corrupt image.
 *
 * A disk can come from anywhere: `mount` takes any block device, a domU's
 * xvda is whatever dom0 exported.  So every field of the superblock, the
 * group descriptors, inodes, block maps and directory entries is untrusted,
 * and a corrupt image must fail an operation with -EIO and a log line, never
 * crash or hang.  The input is the image from its superblock on (byte 1024,
 * the boot block is never read): it is laid at 1024 in a 256 KiB in-memory
 * disk of zeros, which holds a small file system of 1 KiB blocks (or a
 * smaller one of 4 KiB blocks).  The harness, driven as tests/unit/
 * test_ext2.c drives the code on the host, mounts it read-write, walks the
 * tree from the root (three levels, bounded) reading every directory, file
 * and symbolic link, then changes it: creates, writes (also far enough into
 * a file to need indirect blocks), truncates, links, renames, removes a file
 * it found and one it made, makes and removes a directory, holds a file open
 * while removing it, and unmounts, which writes everything back.  Error
 * returns are expected; only a crash, a sanitizer report or a hang is a
 * finding.  Every log line must be a terminated string.
 * Seeds (tests/fuzz/corpus/ext2/, from make_seeds.py): small images made by
 * mke2fs -d with files, a directory and a symbolic link, cut after their
 * last non-zero byte.
 */
#include <string.h>

#include "../../guests/minios/fs/ext2.h"
#include <public/errno.h>
#include "fuzz.h"

#define DISK_BYTES  (256 * 1024)
#define CACHE_BYTES (128 * 1024)
#define MAX_DEPTH   3
#define MAX_ENTRIES 48
#define IO_BYTES    4096

static uint8_t disk_bytes[DISK_BYTES];
static uint8_t cache_mem[CACHE_BYTES] __attribute__((aligned(4096)));
static uint8_t io[IO_BYTES];
static unsigned int log_lines;

static int mem_read(struct fs_disk *d, uint64_t sector, uint32_t count, void *buf)
{
    if (sector > d->sectors || count > d->sectors - sector)
        return -XEN_EIO;
    memcpy(buf, disk_bytes + sector * FS_SECTOR_SIZE, (size_t)count * FS_SECTOR_SIZE);
    return 0;
}

static int mem_write(struct fs_disk *d, uint64_t sector, uint32_t count, const void *buf)
{
    if (sector > d->sectors || count > d->sectors - sector)
        return -XEN_EIO;
    memcpy(disk_bytes + sector * FS_SECTOR_SIZE, buf, (size_t)count * FS_SECTOR_SIZE);
    return 0;
}

static int mem_flush(struct fs_disk *d)
{
    (void)d;
    return 0;
}

static uint32_t clock_now(void *ctx)
{
    (void)ctx;
    return 1700000000u;
}

static void log_line(void *ctx, const char *msg)
{
    (void)ctx;
    FUZZ_CHECK(strlen(msg) < 1024, "a log line of a sane length");
    log_lines++;
}

static void visit(struct ext2_fs *fs, uint32_t dir, unsigned int depth, uint32_t *victim_dir,
                  char *victim);

static void read_one(struct ext2_fs *fs, uint32_t dir, const struct ext2_dirent_info *e,
                     unsigned int depth, uint32_t *victim_dir, char *victim)
{
    struct ext2_stat st;
    if (ext2_stat(fs, e->ino, &st) != 0)
        return;
    switch (st.mode & EXT2_S_IFMT) {
    case EXT2_S_IFDIR:
        if (depth < MAX_DEPTH)
            visit(fs, e->ino, depth + 1, victim_dir, victim);
        break;
    case EXT2_S_IFREG:
        ext2_read(fs, e->ino, 0, io, IO_BYTES);
        if (st.size > IO_BYTES)
            ext2_read(fs, e->ino, st.size - 100, io, IO_BYTES);
        if (!victim[0]) {
            *victim_dir = dir;
            memcpy(victim, e->name, (size_t)e->name_len + 1);
        }
        break;
    case EXT2_S_IFLNK:
        ext2_readlink(fs, e->ino, (char *)io, IO_BYTES);
        break;
    }
}

/* Read every entry of `dir` (at most MAX_ENTRIES) and what it names; remember one file. */
static void visit(struct ext2_fs *fs, uint32_t dir, unsigned int depth, uint32_t *victim_dir,
                  char *victim)
{
    uint64_t pos = 0;
    struct ext2_dirent_info e;
    for (int i = 0; i < MAX_ENTRIES && ext2_readdir(fs, dir, &pos, &e) == 1; i++) {
        FUZZ_CHECK(e.name_len <= EXT2_NAME_LEN && e.name[e.name_len] == 0, "a terminated name");
        if (!strcmp(e.name, ".") || !strcmp(e.name, ".."))
            continue;
        uint32_t ino;
        if (ext2_lookup(fs, dir, e.name, &ino) == 0)
            read_one(fs, dir, &e, depth, victim_dir, victim);
    }
}

/* Change the tree: every call may fail on a corrupt image, none may crash. */
static void change(struct ext2_fs *fs, uint32_t victim_dir, const char *victim)
{
    const uint32_t root = EXT2_ROOT_INO;
    uint32_t f = 0, d = 0, g = 0;
    struct ext2_statfs sf;
    ext2_statfs(fs, &sf);
    memset(io, 'x', IO_BYTES);
    if (ext2_create(fs, root, "fz", 0644, &f) == 0) {
        ext2_write(fs, f, 0, io, 3000);
        ext2_write(fs, f, 70000, io, 100); /* past the direct blocks */
        ext2_read(fs, f, 0, io, IO_BYTES);
        ext2_truncate(fs, f, 1500);
        ext2_link(fs, f, root, "fz2");
    }
    if (ext2_mkdir(fs, root, "fd", 0755, &d) == 0) {
        ext2_create(fs, d, "in", 0644, &g);
        ext2_rename(fs, root, "fz2", d, "moved");
        ext2_unlink(fs, d, "in");
        ext2_unlink(fs, d, "moved");
        ext2_rmdir(fs, root, "fd");
    }
    if (f && ext2_hold(fs, f) == 0) {
        ext2_unlink(fs, root, "fz");
        ext2_write(fs, f, 0, io, 100);
        ext2_release(fs, f);
    }
    if (victim[0])
        ext2_unlink(fs, victim_dir, victim);
    ext2_namei(fs, "/a/b/../c", &g);
    ext2_sync(fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ext2_fs fs;
    const size_t room = DISK_BYTES - EXT2_SUPER_OFFSET;
    memset(disk_bytes, 0, sizeof(disk_bytes));
    memcpy(disk_bytes + EXT2_SUPER_OFFSET, data, size < room ? size : room);
    struct fs_disk disk = {NULL, DISK_BYTES / FS_SECTOR_SIZE, mem_read, mem_write, mem_flush, NULL};
    struct ext2_env env = {NULL, clock_now, log_line};
    if (ext2_mount(&fs, &disk, cache_mem, sizeof(cache_mem), &env, 0) != 0)
        return 0;
    uint32_t victim_dir = 0;
    char victim[EXT2_NAME_LEN + 1] = "";
    visit(&fs, EXT2_ROOT_INO, 0, &victim_dir, victim);
    if (!fs.readonly)
        change(&fs, victim_dir, victim);
    ext2_unmount(&fs);
    return 0;
}
