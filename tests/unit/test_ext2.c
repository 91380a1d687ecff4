/*
 * test_ext2.c - minios's ext2 (guests/minios/fs/) against real images.
 *
 * Each test makes a fresh image with the host's mke2fs (often filled from a
 * directory with `mke2fs -d`), mounts it through a file-backed fs_disk, does
 * one kind of work, unmounts, and then asks e2fsprogs for the verdict:
 * `e2fsck -fn` must exit 0 (nothing to fix), and `debugfs -R 'cat ...'` must
 * return, byte for byte, what the code wrote.  Both block sizes the lab uses
 * (1 KiB and 4 KiB) run through the same cases.  mke2fs's default ext2
 * features (ext_attr, resize_inode, dir_index, filetype, sparse_super,
 * large_file) are all left on: the code supports them.
 *
 * The hostile cases corrupt one field of a good image (through debugfs's
 * set_super_value/set_inode_field, or by writing bytes at an offset debugfs
 * reports) and check that the mount or the operation fails with the right
 * errno and a log line naming the field, and that nothing crashed.
 * Images live in a fresh directory under $TMPDIR and are removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../guests/minios/fs/ext2.h"
#include <public/errno.h>

#define CACHE_BYTES (256 * 1024)

struct img {
    char dir[64];  /* scratch directory */
    char path[96]; /* the image file */
    int fd;
    struct fs_disk disk;
    struct ext2_fs fs;
    void *cache;
    size_t cache_bytes;
    char log[8192]; /* every line the fs logged */
};

/* ---- the harness: a disk over a file, a clock, a log ---- */

static int file_read(struct fs_disk *d, uint64_t sector, uint32_t count, void *buf)
{
    struct img *im = d->priv;
    ssize_t n = pread(im->fd, buf, (size_t)count * 512, (off_t)(sector * 512));
    return n == (ssize_t)count * 512 ? 0 : -XEN_EIO;
}

static int file_write(struct fs_disk *d, uint64_t sector, uint32_t count, const void *buf)
{
    struct img *im = d->priv;
    ssize_t n = pwrite(im->fd, buf, (size_t)count * 512, (off_t)(sector * 512));
    return n == (ssize_t)count * 512 ? 0 : -XEN_EIO;
}

static int file_flush(struct fs_disk *d)
{
    (void)d;
    return 0;
}

static uint32_t clock_now(void *ctx)
{
    (void)ctx;
    return (uint32_t)time(NULL);
}

static void log_line(void *ctx, const char *msg)
{
    struct img *im = ctx;
    size_t used = strlen(im->log);
    snprintf(im->log + used, sizeof(im->log) - used, "%s\n", msg);
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a shell command; its exit status.  Output is shown only if it fails. */
static int run(const char *fmt, ...)
{
    char cmd[1024], out[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    int st = pclose(p);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    if (rc)
        fprintf(stderr, "$ %s\n%s(exit %d)\n", cmd, out, rc);
    return rc;
}

static void img_new(struct img *im)
{
    memset(im, 0, sizeof(*im));
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(im->dir, sizeof(im->dir), "%s/test_ext2.XXXXXX", tmp);
    assert_non_null(mkdtemp(im->dir));
    snprintf(im->path, sizeof(im->path), "%s/disk.img", im->dir);
    im->fd = -1;
    im->cache_bytes = CACHE_BYTES;
    im->cache = aligned_alloc(4096, CACHE_BYTES);
    assert_non_null(im->cache);
}

/* A source tree at DIR/src for mke2fs -d; returns its path. */
static const char *src_dir(struct img *im)
{
    static char p[128];
    snprintf(p, sizeof(p), "%s/src", im->dir);
    mkdir(p, 0755);
    return p;
}

static void put_file(const char *dir, const char *name, const void *data, size_t n)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* mke2fs an ext2 image of `kib` KiB with `bs`-byte blocks, from `from` if not NULL. */
static void img_mkfs(struct img *im, int bs, int kib, const char *from, const char *opts)
{
    char dflag[160] = "";
    if (from)
        snprintf(dflag, sizeof(dflag), "-d %s", from);
    assert_int_equal(
        run("mke2fs -q -F -t ext2 -b %d %s %s %s %dk", bs, opts ? opts : "", dflag, im->path, kib),
        0);
}

static int img_mount_flags(struct img *im, unsigned int flags)
{
    if (im->fd < 0)
        im->fd = open(im->path, O_RDWR);
    assert_true(im->fd >= 0);
    struct stat st;
    fstat(im->fd, &st);
    im->disk =
        (struct fs_disk){im, (uint64_t)st.st_size / 512, file_read, file_write, file_flush, NULL};
    struct ext2_env env = {im, clock_now, log_line};
    return ext2_mount(&im->fs, &im->disk, im->cache, im->cache_bytes, &env, flags);
}

static void img_mount(struct img *im)
{
    int rc = img_mount_flags(im, 0);
    if (rc)
        fprintf(stderr, "%s", im->log);
    assert_int_equal(rc, 0);
}

static void img_unmount(struct img *im)
{
    assert_int_equal(ext2_unmount(&im->fs), 0);
}

static void img_fsck_clean(struct img *im)
{
    assert_int_equal(run("e2fsck -fn %s", im->path), 0);
}

static void img_free(struct img *im)
{
    if (im->fd >= 0)
        close(im->fd);
    run("rm -rf %s", im->dir);
    free(im->cache);
}

/* What `debugfs -R 'cat PATH'` prints, in a malloc'd buffer. */
static uint8_t *debugfs_cat(struct img *im, const char *path, size_t *len)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "debugfs -R 'cat %s' %s 2>/dev/null", path, im->path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while ((got = fread(buf + n, 1, cap - n, p)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    pclose(p);
    *len = n;
    return buf;
}

static void assert_debugfs_has(struct img *im, const char *path, const uint8_t *want, size_t n)
{
    size_t len;
    uint8_t *got = debugfs_cat(im, path, &len);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    free(got);
}

/* A deterministic, position-dependent pattern, so misplaced blocks show. */
static uint8_t *pattern(size_t n, uint32_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    return p;
}

static uint32_t lookup(struct img *im, const char *path)
{
    uint32_t ino = 0;
    int rc = ext2_namei(&im->fs, path, &ino);
    if (rc)
        fprintf(stderr, "namei %s: %d\n%s", path, rc, im->log);
    assert_int_equal(rc, 0);
    return ino;
}

static void read_back(struct img *im, uint32_t ino, const uint8_t *want, size_t n)
{
    uint8_t *got = malloc(n + 16);
    size_t done = 0;
    while (done < n + 16) { /* odd chunks: reads that straddle blocks */
        int r = ext2_read(&im->fs, ino, done, got + done, 3001);
        assert_true(r >= 0);
        if (r == 0)
            break;
        done += (size_t)r;
    }
    assert_int_equal(done, n);
    assert_memory_equal(got, want, n);
    free(got);
}

static void write_all(struct img *im, uint32_t ino, uint64_t off, const uint8_t *data, size_t n)
{
    for (size_t done = 0; done < n;) {
        uint32_t chunk = (uint32_t)(n - done < 7777 ? n - done : 7777);
        int w = ext2_write(&im->fs, ino, off + done, data + done, chunk);
        assert_int_equal(w, chunk);
        done += chunk;
    }
}

static uint32_t free_blocks(struct img *im)
{
    struct ext2_statfs st;
    ext2_statfs(&im->fs, &st);
    return st.free_blocks;
}

static uint32_t links_of(struct img *im, uint32_t ino)
{
    struct ext2_stat st;
    assert_int_equal(ext2_stat(&im->fs, ino, &st), 0);
    return st.links;
}

/* ---- reading what mke2fs -d wrote ---- */

static void read_tree(int bs)
{
    struct img im;
    img_new(&im);
    const char *src = src_dir(&im);
    char sub[192];
    uint8_t *big = pattern(300 * 1024 + 17, 1); /* past the 1 KiB indirect block's reach */
    const char *readme = "pvlab: this disk was made by mke2fs -d\n";
    put_file(src, "README", readme, strlen(readme));
    put_file(src, "big.bin", big, 300 * 1024 + 17);
    put_file(src, "empty", "", 0);
    snprintf(sub, sizeof(sub), "%s/etc", src);
    mkdir(sub, 0755);
    snprintf(sub, sizeof(sub), "%s/etc/xm", src);
    mkdir(sub, 0755);
    put_file(sub, "domU.cfg", "memory = 16\n", 12);
    const char *longtarget = "/a/rather/long/target/path/that/does/not/fit/in/the/sixty/bytes/"
                             "of/i_block";
    char lnk[256];
    snprintf(lnk, sizeof(lnk), "%s/short", src);
    assert_int_equal(symlink("etc/xm/domU.cfg", lnk), 0);
    snprintf(lnk, sizeof(lnk), "%s/long", src);
    assert_int_equal(symlink(longtarget, lnk), 0);
    img_mkfs(&im, bs, 8192, src, NULL);
    img_mount(&im);

    read_back(&im, lookup(&im, "/README"), (const uint8_t *)readme, strlen(readme));
    read_back(&im, lookup(&im, "big.bin"), big, 300 * 1024 + 17);
    read_back(&im, lookup(&im, "/empty"), NULL, 0);
    read_back(&im, lookup(&im, "/etc//xm/domU.cfg"), (const uint8_t *)"memory = 16\n", 12);
    assert_int_equal(lookup(&im, "/etc/xm/.."), lookup(&im, "/etc"));
    assert_int_equal(lookup(&im, "/"), EXT2_ROOT_INO);

    char target[200];
    int n = ext2_readlink(&im.fs, lookup(&im, "/short"), target, sizeof(target));
    assert_int_equal(n, strlen("etc/xm/domU.cfg"));
    assert_memory_equal(target, "etc/xm/domU.cfg", n);
    n = ext2_readlink(&im.fs, lookup(&im, "/long"), target, sizeof(target));
    assert_int_equal(n, strlen(longtarget));
    assert_memory_equal(target, longtarget, n);

    struct ext2_stat st;
    assert_int_equal(ext2_stat(&im.fs, lookup(&im, "/etc"), &st), 0);
    assert_true(EXT2_ISDIR(st.mode));
    assert_int_equal(st.links, 3); /* its entry, its ".", xm's ".." */
    assert_int_equal(ext2_stat(&im.fs, lookup(&im, "/big.bin"), &st), 0);
    assert_int_equal(st.size, 300 * 1024 + 17);

    /* readdir sees exactly the names mke2fs wrote */
    const char *want[] = {".",     "..",  "lost+found", "README", "big.bin",
                          "empty", "etc", "short",      "long"};
    int seen[9] = {0}, count = 0;
    uint64_t pos = 0;
    struct ext2_dirent_info de;
    while ((n = ext2_readdir(&im.fs, EXT2_ROOT_INO, &pos, &de)) == 1) {
        count++;
        for (int i = 0; i < 9; i++)
            if (!strcmp(de.name, want[i]))
                seen[i]++;
    }
    assert_int_equal(n, 0);
    assert_int_equal(count, 9);
    for (int i = 0; i < 9; i++)
        assert_int_equal(seen[i], 1);

    /* reading never dirties anything: the image is what mke2fs left */
    assert_int_equal(im.fs.cache.ndirty, 0);
    img_unmount(&im);
    img_fsck_clean(&im);
    free(big);
    img_free(&im);
}

static void test_read_mke2fs_tree_1k(void **state)
{
    (void)state;
    read_tree(1024);
}

static void test_read_mke2fs_tree_4k(void **state)
{
    (void)state;
    read_tree(4096);
}

/* Our free counts agree with what dumpe2fs reads from the same image. */
static void test_statfs_matches_dumpe2fs(void **state)
{
    (void)state;
    struct img im;
    img_new(&im);
    img_mkfs(&im, 1024, 16384, NULL, NULL);
    char cmd[256], line[256];
    snprintf(cmd, sizeof(cmd), "dumpe2fs -h %s 2>/dev/null", im.path);
    FILE *p = popen(cmd, "r");
    unsigned long fb = 0, fi = 0;
    while (fgets(line, sizeof(line), p)) {
        sscanf(line, "Free blocks: %lu", &fb);
        sscanf(line, "Free inodes: %lu", &fi);
    }
    pclose(p);
    img_mount(&im);
    struct ext2_statfs st;
    ext2_statfs(&im.fs, &st);
    assert_int_equal(st.free_blocks, fb);
    assert_int_equal(st.free_inodes, fi);
    assert_int_equal(st.blocks, 16384); /* block 0 (the boot block) counts */
    assert_int_equal(st.block_size, 1024);
    assert_true(st.cache_buffers >= 200);
    assert_true(st.cache.misses > 0);
    img_unmount(&im);
    img_free(&im);
}

/* ---- writing ---- */

/* One file through direct, indirect and doubly indirect blocks, one sparse through triply. */
static void write_boundaries(int bs, int kib, size_t len, uint64_t far)
{
    struct img im;
    uint32_t ino, sparse;
    img_new(&im);
    img_mkfs(&im, bs, kib, NULL, NULL);
    img_mount(&im);
    uint8_t *data = pattern(len, 2);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "grow", 0644, &ino), 0);
    write_all(&im, ino, 0, data, len);
    read_back(&im, ino, data, len);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "sparse", 0600, &sparse), 0);
    assert_int_equal(ext2_write(&im.fs, sparse, far, "tail", 4), 4);
    assert_int_equal(ext2_write(&im.fs, sparse, 5, "head", 4), 4);
    struct ext2_stat st;
    assert_int_equal(ext2_stat(&im.fs, sparse, &st), 0);
    assert_int_equal(st.size, far + 4);
    /* data block + indirect, doubly, triply indirect: 4 blocks for the tail, 1 for the head */
    assert_int_equal(st.blocks, 5 * (bs / 512));
    img_unmount(&im);
    img_fsck_clean(&im);
    assert_debugfs_has(&im, "/grow", data, len);

    img_mount(&im); /* a fresh mount reads it back from the disk */
    read_back(&im, lookup(&im, "/grow"), data, len);
    char buf[16];
    assert_int_equal(ext2_read(&im.fs, lookup(&im, "/sparse"), 0, buf, 16), 16);
    assert_memory_equal(buf, "\0\0\0\0\0head\0\0\0\0\0\0\0", 16);
    assert_int_equal(ext2_read(&im.fs, lookup(&im, "/sparse"), far - 2, buf, 16), 6);
    assert_memory_equal(buf, "\0\0tail", 6);
    img_unmount(&im);
    free(data);
    img_free(&im);
}

static void test_write_across_indirect_boundaries_1k(void **state)
{
    (void)state;
    /* 12 KiB direct + 256 KiB indirect, then doubly; triply starts past 64 MiB */
    write_boundaries(1024, 8192, 400 * 1024 + 3, 70ull << 20);
}

static void test_write_across_indirect_boundaries_4k(void **state)
{
    (void)state;
    /* 48 KiB direct + 4 MiB indirect, then doubly; triply starts past 4 GiB (large_file) */
    write_boundaries(4096, 16384, (4u << 20) + 200 * 1024 + 5, 5ull << 30);
}

static void test_overwrite_middle_and_append(void **state)
{
    (void)state;
    struct img im;
    uint32_t ino;
    img_new(&im);
    img_mkfs(&im, 1024, 4096, NULL, NULL);
    img_mount(&im);
    uint8_t *data = pattern(50000, 3), *patch = pattern(3000, 4);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "f", 0644, &ino), 0);
    write_all(&im, ino, 0, data, 50000);
    write_all(&im, ino, 12000, patch, 3000); /* across a block edge, inside the file */
    memcpy(data + 12000, patch, 3000);
    read_back(&im, ino, data, 50000);
    img_unmount(&im);
    img_fsck_clean(&im);
    assert_debugfs_has(&im, "/f", data, 50000);
    free(data);
    free(patch);
    img_free(&im);
}

static void test_truncate(void **state)
{
    (void)state;
    struct img im;
    uint32_t ino;
    img_new(&im);
    img_mkfs(&im, 1024, 8192, NULL, NULL);
    img_mount(&im);
    uint32_t before = free_blocks(&im);
    size_t len = 400 * 1024;
    uint8_t *data = pattern(len, 5);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "t", 0644, &ino), 0);
    write_all(&im, ino, 0, data, len);
    assert_true(free_blocks(&im) < before - 400);
    size_t sizes[] = {300 * 1024, 100 * 1024 + 7, 13 * 1024, 5000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        assert_int_equal(ext2_truncate(&im.fs, ino, sizes[i]), 0);
        read_back(&im, ino, data, sizes[i]);
    }
    /* growing again reads zeros past the old end, not the old bytes */
    assert_int_equal(ext2_truncate(&im.fs, ino, 20000), 0);
    memset(data + 5000, 0, 15000);
    read_back(&im, ino, data, 20000);
    img_unmount(&im);
    img_fsck_clean(&im);
    assert_debugfs_has(&im, "/t", data, 20000);
    img_mount(&im);
    ino = lookup(&im, "/t");
    assert_int_equal(ext2_truncate(&im.fs, ino, 0), 0);
    assert_int_equal(free_blocks(&im), before); /* every block given back */
    img_unmount(&im);
    img_fsck_clean(&im);
    free(data);
    img_free(&im);
}

static void test_delete(void **state)
{
    (void)state;
    struct img im;
    uint32_t ino;
    img_new(&im);
    img_mkfs(&im, 1024, 8192, NULL, NULL);
    img_mount(&im);
    struct ext2_statfs a, b;
    ext2_statfs(&im.fs, &a);
    uint8_t *data = pattern(300000, 6);
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "file%d", i);
        assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, name, 0644, &ino), 0);
        write_all(&im, ino, 0, data, (size_t)i * 15000);
    }
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "file%d", i);
        assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, name), 0);
        assert_int_equal(ext2_lookup(&im.fs, EXT2_ROOT_INO, name, &ino), -XEN_ENOENT);
    }
    ext2_statfs(&im.fs, &b);
    assert_int_equal(b.free_inodes, a.free_inodes);
    assert_int_equal(b.free_blocks, a.free_blocks); /* 20 names fit in the root's one block */
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "file3"), -XEN_ENOENT);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "lost+found"), -XEN_EISDIR);
    img_unmount(&im);
    img_fsck_clean(&im);
    free(data);
    img_free(&im);
}

/* ---- open inodes: a name removed while held leaves an orphan until the last release ---- */

static uint32_t free_inodes(struct img *im)
{
    struct ext2_statfs st;
    ext2_statfs(&im->fs, &st);
    return st.free_inodes;
}

static void test_unlink_while_held_frees_at_the_last_release(void **state)
{
    (void)state;
    struct img im;
    uint32_t ino, other;
    img_new(&im);
    img_mkfs(&im, 1024, 8192, NULL, NULL);
    img_mount(&im);
    uint32_t blocks0 = free_blocks(&im), inodes0 = free_inodes(&im);
    uint8_t *data = pattern(300000, 9); /* past the indirect block's reach */
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "open", 0644, &ino), 0);
    write_all(&im, ino, 0, data, 300000);
    uint32_t blocks1 = free_blocks(&im);
    assert_int_equal(ext2_hold(&im.fs, ino), 0); /* two open files on it */
    assert_int_equal(ext2_hold(&im.fs, ino), 0);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "open"), 0);
    assert_int_equal(ext2_lookup(&im.fs, EXT2_ROOT_INO, "open", &other), -XEN_ENOENT);
    assert_int_equal(links_of(&im, ino), 0);
    assert_int_equal(ext2_orphans(&im.fs), 1);
    assert_int_equal(free_blocks(&im), blocks1); /* the blocks stay */
    read_back(&im, ino, data, 300000);
    assert_int_equal(ext2_write(&im.fs, ino, 300000, "tail", 4), 4); /* still writable */
    /* the name is free at once for a new file, which must get another inode */
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "open", 0644, &other), 0);
    assert_int_not_equal(other, ino);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "open"), 0);
    assert_int_equal(ext2_release(&im.fs, ino), 0);
    assert_int_equal(ext2_orphans(&im.fs), 1); /* one file is still open */
    assert_int_equal(ext2_link(&im.fs, ino, EXT2_ROOT_INO, "back"), -XEN_ENOENT);
    assert_int_equal(ext2_release(&im.fs, ino), 0);
    assert_int_equal(ext2_orphans(&im.fs), 0);
    assert_int_equal(free_blocks(&im), blocks0);
    assert_int_equal(free_inodes(&im), inodes0);
    assert_int_equal(ext2_release(&im.fs, ino), -XEN_EINVAL); /* not held */
    img_unmount(&im);
    img_fsck_clean(&im);
    free(data);
    img_free(&im);
}

static void test_unmount_frees_every_orphan(void **state)
{
    (void)state;
    struct img im;
    uint32_t f, target, dir, src;
    img_new(&im);
    img_mkfs(&im, 4096, 16384, NULL, NULL);
    img_mount(&im);
    uint32_t blocks0 = free_blocks(&im), inodes0 = free_inodes(&im);
    uint8_t *data = pattern(100000, 10);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "f", 0644, &f), 0);
    write_all(&im, f, 0, data, 100000);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "target", 0644, &target), 0);
    write_all(&im, target, 0, data, 5000);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "src", 0644, &src), 0);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "d", 0755, &dir), 0);
    assert_int_equal(ext2_hold(&im.fs, f), 0);
    assert_int_equal(ext2_hold(&im.fs, target), 0);
    assert_int_equal(ext2_hold(&im.fs, dir), 0);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "f"), 0);
    assert_int_equal(ext2_rename(&im.fs, EXT2_ROOT_INO, "src", EXT2_ROOT_INO, "target"), 0);
    assert_int_equal(ext2_rmdir(&im.fs, EXT2_ROOT_INO, "d"), 0); /* a directory too */
    assert_int_equal(ext2_orphans(&im.fs), 3);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "target"), 0); /* src, not held */
    img_unmount(&im); /* with all three still held: the halt case */
    img_fsck_clean(&im);
    img_mount(&im);
    assert_int_equal(free_blocks(&im), blocks0);
    assert_int_equal(free_inodes(&im), inodes0);
    img_unmount(&im);
    free(data);
    img_free(&im);
}

/* A stop with orphans held and no unmount (a domU destroyed): they are on the disk's orphan list,
 * and the next mount frees them; the image is then clean.  A list naming a live inode is dropped
 * with a message, and the inode kept. */
static void test_orphans_left_by_a_stop_are_freed_at_the_next_mount(void **state)
{
    (void)state;
    struct img im;
    uint32_t a, b, keep;
    img_new(&im);
    img_mkfs(&im, 1024, 8192, NULL, NULL);
    img_mount(&im);
    uint32_t blocks0 = free_blocks(&im), inodes0 = free_inodes(&im);
    uint8_t *data = pattern(50000, 11);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "a", 0644, &a), 0);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "b", 0644, &b), 0);
    write_all(&im, a, 0, data, 50000);
    write_all(&im, b, 0, data, 20000);
    assert_int_equal(ext2_hold(&im.fs, a), 0);
    assert_int_equal(ext2_hold(&im.fs, b), 0);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "a"), 0);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "b"), 0);
    assert_int_equal(im.fs.sb.s_last_orphan, b);
    assert_int_equal(ext2_release(&im.fs, b), 0); /* off the list again when it is freed */
    assert_int_equal(im.fs.sb.s_last_orphan, a);
    assert_int_equal(ext2_hold(&im.fs, a), 0);
    assert_int_equal(ext2_sync(&im.fs), 0); /* ... and the machine stops: no unmount */
    close(im.fd);
    im.fd = -1;
    im.log[0] = 0;
    img_mount(&im);
    assert_non_null(strstr(im.log, "freed 1 orphan inode left open"));
    assert_int_equal(im.fs.sb.s_last_orphan, 0);
    assert_int_equal(free_blocks(&im), blocks0);
    assert_int_equal(free_inodes(&im), inodes0);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "keep", 0644, &keep), 0);
    im.fs.sb.s_last_orphan = keep; /* a damaged list: names a file with a name */
    assert_int_equal(ext2_sync(&im.fs), 0);
    close(im.fd);
    im.fd = -1;
    im.log[0] = 0;
    img_mount(&im);
    assert_non_null(strstr(im.log, "which is not an orphan: list dropped"));
    assert_int_equal(lookup(&im, "/keep"), keep);
    img_unmount(&im);
    img_fsck_clean(&im);
    free(data);
    img_free(&im);
}

static void test_hold_table_full_is_enfile(void **state)
{
    (void)state;
    struct img im;
    img_new(&im);
    img_mkfs(&im, 1024, 8192, NULL, NULL);
    img_mount(&im);
    uint32_t ino[EXT2_MAX_HELD + 1];
    char name[16];
    for (uint32_t i = 0; i <= EXT2_MAX_HELD; i++) {
        snprintf(name, sizeof(name), "f%u", i);
        assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, name, 0644, &ino[i]), 0);
    }
    for (uint32_t i = 0; i < EXT2_MAX_HELD; i++)
        assert_int_equal(ext2_hold(&im.fs, ino[i]), 0);
    assert_int_equal(ext2_hold(&im.fs, ino[0]), 0); /* already held: one more hold on it */
    assert_int_equal(ext2_hold(&im.fs, ino[EXT2_MAX_HELD]), -XEN_ENFILE);
    assert_int_equal(ext2_release(&im.fs, ino[0]), 0);
    assert_int_equal(ext2_hold(&im.fs, ino[EXT2_MAX_HELD]), -XEN_ENFILE); /* ino[0]: one left */
    assert_int_equal(ext2_release(&im.fs, ino[1]), 0);                    /* a slot is free */
    assert_int_equal(ext2_hold(&im.fs, ino[EXT2_MAX_HELD]), 0);
    img_unmount(&im);
    img_fsck_clean(&im);
    img_free(&im);
}

static void test_rename_across_directories(void **state)
{
    (void)state;
    struct img im;
    uint32_t a, b, f, sub, g, x;
    img_new(&im);
    img_mkfs(&im, 1024, 8192, NULL, NULL);
    img_mount(&im);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "a", 0755, &a), 0);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "b", 0755, &b), 0);
    assert_int_equal(ext2_create(&im.fs, a, "f", 0644, &f), 0);
    assert_int_equal(ext2_write(&im.fs, f, 0, "moved bytes\n", 12), 12);
    assert_int_equal(ext2_mkdir(&im.fs, a, "sub", 0755, &sub), 0);
    assert_int_equal(ext2_create(&im.fs, sub, "inner", 0644, &x), 0);
    assert_int_equal(links_of(&im, a), 3);

    assert_int_equal(ext2_rename(&im.fs, a, "f", b, "g"), 0);
    assert_int_equal(lookup(&im, "/b/g"), f);
    assert_int_equal(ext2_lookup(&im.fs, a, "f", &g), -XEN_ENOENT);
    assert_int_equal(ext2_rename(&im.fs, a, "sub", b, "sub2"), 0);
    assert_int_equal(lookup(&im, "/b/sub2/.."), b);
    assert_int_equal(lookup(&im, "/b/sub2/inner"), x);
    assert_int_equal(links_of(&im, a), 2);
    assert_int_equal(links_of(&im, b), 3);

    /* replace an existing file; the old one's inode is freed */
    assert_int_equal(ext2_create(&im.fs, a, "victim", 0644, &g), 0);
    assert_int_equal(ext2_rename(&im.fs, b, "g", a, "victim"), 0);
    assert_int_equal(lookup(&im, "/a/victim"), f);
    assert_int_equal(links_of(&im, f), 1);
    /* within one directory */
    assert_int_equal(ext2_rename(&im.fs, a, "victim", a, "renamed"), 0);
    assert_int_equal(lookup(&im, "/a/renamed"), f);
    /* the refusals */
    assert_int_equal(ext2_rename(&im.fs, EXT2_ROOT_INO, "b", sub, "loop"), -XEN_EINVAL);
    assert_int_equal(ext2_rename(&im.fs, EXT2_ROOT_INO, "b", b, "self"), -XEN_EINVAL);
    assert_int_equal(ext2_rename(&im.fs, EXT2_ROOT_INO, "a", EXT2_ROOT_INO, "b"), -XEN_ENOTEMPTY);
    assert_int_equal(ext2_rename(&im.fs, a, "renamed", EXT2_ROOT_INO, "b"), -XEN_EISDIR);
    assert_int_equal(ext2_rename(&im.fs, EXT2_ROOT_INO, "a", sub, "inner"), -XEN_ENOTDIR);
    assert_int_equal(ext2_rename(&im.fs, a, "nothing", b, "x"), -XEN_ENOENT);
    /* a directory over an empty directory */
    assert_int_equal(ext2_mkdir(&im.fs, a, "empty", 0755, &g), 0);
    assert_int_equal(ext2_rename(&im.fs, b, "sub2", a, "empty"), 0);
    assert_int_equal(lookup(&im, "/a/empty/inner"), x);
    assert_int_equal(links_of(&im, a), 3);
    assert_int_equal(links_of(&im, b), 2);
    img_unmount(&im);
    img_fsck_clean(&im);
    assert_debugfs_has(&im, "/a/renamed", (const uint8_t *)"moved bytes\n", 12);
    img_free(&im);
}

static void test_mkdir_rmdir_and_big_directories(void **state)
{
    (void)state;
    struct img im;
    uint32_t d, e, f;
    img_new(&im);
    img_mkfs(&im, 1024, 8192, NULL, NULL);
    img_mount(&im);
    uint32_t before = free_blocks(&im);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "d", 0755, &d), 0);
    assert_int_equal(ext2_mkdir(&im.fs, d, "e", 0755, &e), 0);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "d", 0755, &f), -XEN_EEXIST);
    assert_int_equal(ext2_rmdir(&im.fs, EXT2_ROOT_INO, "d"), -XEN_ENOTEMPTY);
    assert_int_equal(ext2_rmdir(&im.fs, d, "."), -XEN_EINVAL);
    /* 300 long names: the directory grows over many blocks, then shrinks to nothing */
    char name[80];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "a-name-long-enough-to-fill-blocks-quickly-%04d", i);
        assert_int_equal(ext2_create(&im.fs, e, name, 0644, &f), 0);
    }
    struct ext2_stat st;
    assert_int_equal(ext2_stat(&im.fs, e, &st), 0);
    assert_true(st.size >= 15 * 1024);
    assert_int_equal(ext2_rmdir(&im.fs, e, name), -XEN_ENOTDIR);
    uint64_t pos = 0;
    struct ext2_dirent_info de;
    int n = 0;
    while (ext2_readdir(&im.fs, e, &pos, &de) == 1)
        n++;
    assert_int_equal(n, 302);
    img_unmount(&im);
    img_fsck_clean(&im);
    img_mount(&im);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "a-name-long-enough-to-fill-blocks-quickly-%04d", i);
        assert_int_equal(ext2_unlink(&im.fs, e, name), 0);
    }
    assert_int_equal(ext2_rmdir(&im.fs, d, "e"), 0);
    assert_int_equal(links_of(&im, d), 2);
    assert_int_equal(ext2_rmdir(&im.fs, EXT2_ROOT_INO, "d"), 0);
    assert_int_equal(ext2_lookup(&im.fs, EXT2_ROOT_INO, "d", &f), -XEN_ENOENT);
    assert_int_equal(links_of(&im, EXT2_ROOT_INO), 3);
    assert_int_equal(free_blocks(&im), before);
    img_unmount(&im);
    img_fsck_clean(&im);
    img_free(&im);
}

static void test_hard_links(void **state)
{
    (void)state;
    struct img im;
    uint32_t f, d, other;
    img_new(&im);
    img_mkfs(&im, 4096, 8192, NULL, NULL);
    img_mount(&im);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "orig", 0644, &f), 0);
    assert_int_equal(ext2_write(&im.fs, f, 0, "shared\n", 7), 7);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "d", 0755, &d), 0);
    assert_int_equal(ext2_link(&im.fs, f, d, "alias"), 0);
    assert_int_equal(links_of(&im, f), 2);
    assert_int_equal(ext2_link(&im.fs, f, d, "alias"), -XEN_EEXIST);
    assert_int_equal(ext2_link(&im.fs, d, EXT2_ROOT_INO, "dirlink"), -XEN_EPERM);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "orig"), 0);
    assert_int_equal(links_of(&im, f), 1);
    assert_int_equal(lookup(&im, "/d/alias"), f);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "other", 0644, &other), 0);
    assert_int_equal(ext2_link(&im.fs, other, d, "second"), 0);
    img_unmount(&im);
    img_fsck_clean(&im);
    assert_debugfs_has(&im, "/d/alias", (const uint8_t *)"shared\n", 7);
    img_free(&im);
}

/* ---- a full disk ---- */

static void fill_to_enospc(int bs)
{
    struct img im;
    uint32_t ino = 0;
    img_new(&im);
    img_mkfs(&im, bs, 2048, NULL, "-N 64");
    img_mount(&im);
    uint8_t *chunk = pattern(64 * 1024, 7);
    char name[32];
    int rc = 0, files = 0;
    uint64_t total = 0;
    for (; files < 1000 && rc >= 0; files++) {
        snprintf(name, sizeof(name), "fill%d", files);
        if ((rc = ext2_create(&im.fs, EXT2_ROOT_INO, name, 0644, &ino)) < 0)
            break;
        for (uint64_t off = 0; off < 300 * 1024; off += 64 * 1024) {
            rc = ext2_write(&im.fs, ino, off, chunk, 64 * 1024);
            if (rc > 0)
                total += (uint64_t)rc;
            if (rc != 64 * 1024)
                break;
        }
    }
    assert_int_equal(rc, -XEN_ENOSPC);
    assert_true(total > 1024 * 1024);
    /* what is left (an indirect block given back by a failed write) holds no more data */
    assert_true(free_blocks(&im) <= 2);
    assert_int_equal(ext2_write(&im.fs, ino, 10ull << 20, "x", 1), -XEN_ENOSPC);
    uint32_t d;
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "nospace", 0755, &d), -XEN_ENOSPC);
    img_unmount(&im);
    img_fsck_clean(&im);

    /* out of inodes rather than blocks */
    img_mount(&im);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "fill0"), 0);
    int made = 0;
    rc = 0;
    for (int i = 0; i < 100 && rc != -XEN_ENOSPC; i++) {
        snprintf(name, sizeof(name), "empty%d", i);
        rc = ext2_create(&im.fs, EXT2_ROOT_INO, name, 0644, &ino);
        made += rc == 0;
    }
    assert_int_equal(rc, -XEN_ENOSPC);
    assert_true(made > 0);
    struct ext2_statfs st;
    ext2_statfs(&im.fs, &st);
    assert_int_equal(st.free_inodes, 0);
    img_unmount(&im);
    img_fsck_clean(&im);

    /* after a delete there is room again, and the data written before is intact */
    img_mount(&im);
    uint32_t lf = lookup(&im, "/lost+found");
    assert_int_equal(ext2_create(&im.fs, lf, "again", 0644, &ino), -XEN_ENOSPC);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "fill1"), 0);
    assert_int_equal(ext2_create(&im.fs, lf, "again", 0644, &ino), 0);
    assert_int_equal(ext2_write(&im.fs, ino, 0, chunk, 4096), 4096);
    img_unmount(&im);
    img_fsck_clean(&im);
    uint8_t *whole = malloc(5 * 64 * 1024);
    for (int i = 0; i < 5; i++)
        memcpy(whole + i * 64 * 1024, chunk, 64 * 1024);
    assert_debugfs_has(&im, "/fill2", whole, 5 * 64 * 1024);
    assert_debugfs_has(&im, "/lost+found/again", chunk, 4096);
    free(whole);
    free(chunk);
    img_free(&im);
}

static void test_fill_to_enospc_1k(void **state)
{
    (void)state;
    fill_to_enospc(1024);
}

static void test_fill_to_enospc_4k(void **state)
{
    (void)state;
    fill_to_enospc(4096);
}

/* ---- the cache ---- */

/* The smallest cache the mount accepts still does everything; dirty buffers are written on
 * eviction. */
static void test_small_cache_writes_back_on_eviction(void **state)
{
    (void)state;
    struct img im;
    uint32_t d, f;
    img_new(&im);
    img_mkfs(&im, 4096, 16384, NULL, NULL);
    im.cache_bytes = 16 * 4200; /* 16 blocks of 4 KiB and their headers */
    assert_int_equal(bcache_capacity(4096, im.cache_bytes), BCACHE_MIN_BUFS);
    img_mount(&im);
    assert_int_equal(im.fs.cache.nbuf, BCACHE_MIN_BUFS);
    size_t len = 5u << 20;
    uint8_t *data = pattern(len, 8);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "d", 0755, &d), 0);
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof(name), "sub%d", i);
        assert_int_equal(ext2_mkdir(&im.fs, d, name, 0755, &f), 0);
    }
    assert_int_equal(ext2_create(&im.fs, d, "big", 0644, &f), 0);
    write_all(&im, f, 0, data, len);
    read_back(&im, f, data, len);
    struct ext2_statfs st;
    ext2_statfs(&im.fs, &st);
    assert_int_equal(st.cache_buffers, BCACHE_MIN_BUFS);
    assert_true(st.cache.evictions > 1000);
    assert_true(st.cache.writes > 1000); /* written back before sync */
    assert_true(st.cache.hits > 0);
    img_unmount(&im);
    img_fsck_clean(&im);
    assert_debugfs_has(&im, "/d/big", data, len);
    free(data);
    img_free(&im);
}

/* Every buffer pinned: the next get fails with -ENOMEM instead of corrupting anything. */
static void test_cache_all_pinned(void **state)
{
    (void)state;
    struct img im;
    img_new(&im);
    img_mkfs(&im, 1024, 1024, NULL, NULL);
    im.fd = open(im.path, O_RDWR);
    im.disk = (struct fs_disk){&im, 2048, file_read, file_write, file_flush, NULL};
    struct bcache c;
    int n = bcache_init(&c, &im.disk, 1024, im.cache, 40 * 1024), err = 0;
    assert_true(n >= BCACHE_MIN_BUFS);
    struct bcache_buf *b[64];
    for (int i = 0; i < n; i++)
        assert_non_null(b[i] = bcache_get(&c, (uint32_t)i, &err));
    assert_null(bcache_get(&c, (uint32_t)n, &err));
    assert_int_equal(err, -XEN_ENOMEM);
    assert_null(bcache_get(&c, 5000, &err)); /* past the disk */
    assert_int_equal(err, -XEN_EIO);
    assert_ptr_equal(bcache_get(&c, 3, &err), b[3]); /* a hit needs no free buffer */
    assert_int_equal(c.stats.hits, 1);
    assert_int_equal(c.stats.misses, (uint64_t)n + 1);
    bcache_put(&c, b[3]);
    bcache_put(&c, b[3]);
    assert_non_null(bcache_get(&c, (uint32_t)n, &err)); /* now block 3's buffer is reused */
    assert_int_equal(c.stats.evictions, 1);
    img_free(&im);
}

/* What write_many was handed: the sectors of each call, in order. */
static uint64_t batch_sectors[64];
static uint32_t batch_calls, batch_len;
static int batch_fail;

static int file_write_many(struct fs_disk *d, const struct fs_io *io, uint32_t n)
{
    batch_calls++;
    batch_len = n;
    for (uint32_t i = 0; i < n; i++) {
        batch_sectors[i] = io[i].sector;
        if (!batch_fail && file_write(d, io[i].sector, io[i].count, io[i].buf))
            return -XEN_EIO;
    }
    return batch_fail ? -XEN_EIO : 0;
}

/* sync hands the dirty blocks to write_many in one batch, in block order; a failed batch
 * leaves them dirty, and the next sync writes them. */
static void test_cache_sync_batches_in_block_order(void **state)
{
    (void)state;
    struct img im;
    img_new(&im);
    img_mkfs(&im, 1024, 1024, NULL, NULL);
    im.fd = open(im.path, O_RDWR);
    im.disk = (struct fs_disk){&im, 2048, file_read, file_write, file_flush, file_write_many};
    struct bcache c;
    int err = 0;
    assert_true(bcache_init(&c, &im.disk, 1024, im.cache, 40 * 1024) >= BCACHE_MIN_BUFS);
    const uint32_t blocks[] = {700, 20, 350, 21, 5};
    for (int i = 0; i < 5; i++) {
        struct bcache_buf *b = bcache_get_zeroed(&c, blocks[i], &err);
        assert_non_null(b);
        memset(b->data, 'a' + i, 1024);
        bcache_dirty(&c, b);
        bcache_put(&c, b);
    }
    batch_calls = 0;
    batch_fail = 1;
    assert_int_equal(bcache_sync(&c), -XEN_EIO);
    assert_int_equal(c.ndirty, 5);
    batch_fail = 0;
    assert_int_equal(bcache_sync(&c), 0);
    assert_int_equal(batch_calls, 2);
    assert_int_equal(batch_len, 5);
    const uint64_t sorted[] = {10, 40, 42, 700, 1400};
    for (int i = 0; i < 5; i++)
        assert_int_equal(batch_sectors[i], sorted[i]);
    assert_int_equal(c.ndirty, 0);
    assert_int_equal(c.stats.writes, 5);
    char byte;
    assert_int_equal(pread(im.fd, &byte, 1, 350 * 1024), 1);
    assert_int_equal(byte, 'c');
    img_free(&im);
}

/* ---- errors a user sees ---- */

static void test_errors_are_plain(void **state)
{
    (void)state;
    struct img im;
    uint32_t f, d, x;
    img_new(&im);
    img_mkfs(&im, 1024, 4096, NULL, NULL);
    img_mount(&im);
    char long_name[300];
    memset(long_name, 'n', 256);
    long_name[256] = 0;
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, long_name, 0644, &f), -XEN_ENAMETOOLONG);
    char long_path[320];
    snprintf(long_path, sizeof(long_path), "/%s", long_name);
    assert_int_equal(ext2_namei(&im.fs, long_path, &x), -XEN_ENAMETOOLONG);
    long_name[255] = 0; /* 255 is the limit, and allowed */
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, long_name, 0644, &f), 0);
    snprintf(long_path, sizeof(long_path), "/%s", long_name);
    assert_int_equal(lookup(&im, long_path), f);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "file", 0644, &f), 0);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "file", 0644, &x), -XEN_EEXIST);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "file", 0755, &x), -XEN_EEXIST);
    assert_int_equal(ext2_namei(&im.fs, "/file/below", &x), -XEN_ENOTDIR);
    assert_int_equal(ext2_create(&im.fs, f, "below", 0644, &x), -XEN_ENOTDIR);
    assert_int_equal(ext2_namei(&im.fs, "/missing/file", &x), -XEN_ENOENT);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "a/b", 0644, &x), -XEN_EINVAL);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "d", 0755, &d), 0);
    char buf[8];
    assert_int_equal(ext2_read(&im.fs, d, 0, buf, 8), -XEN_EISDIR);
    assert_int_equal(ext2_write(&im.fs, d, 0, buf, 8), -XEN_EISDIR);
    assert_int_equal(ext2_truncate(&im.fs, d, 0), -XEN_EISDIR);
    assert_int_equal(ext2_read(&im.fs, f, 100, buf, 8), 0); /* past the end: nothing */
    assert_int_equal(ext2_readdir(&im.fs, f, &(uint64_t){0}, &(struct ext2_dirent_info){0}),
                     -XEN_ENOTDIR);
    assert_int_equal(ext2_rmdir(&im.fs, EXT2_ROOT_INO, "missing"), -XEN_ENOENT);
    img_unmount(&im);
    img_fsck_clean(&im);
    img_free(&im);
}

/* ---- mount: read-only, features, the clean flag ---- */

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *p = malloc(*n);
    assert_int_equal(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

/* Remember the image's bytes, to show later that nothing wrote to it. */
static uint8_t *snapshot(struct img *im, size_t *n)
{
    return slurp(im->path, n);
}

static void assert_unchanged(struct img *im, uint8_t *before, size_t n)
{
    size_t m;
    uint8_t *now = slurp(im->path, &m);
    assert_int_equal(m, n);
    assert_true(memcmp(now, before, n) == 0);
    free(now);
    free(before);
}

static void test_readonly_mount_never_writes(void **state)
{
    (void)state;
    struct img im;
    uint32_t x;
    img_new(&im);
    const char *src = src_dir(&im);
    put_file(src, "keep", "kept\n", 5);
    img_mkfs(&im, 1024, 4096, src, NULL);
    size_t n;
    uint8_t *before = snapshot(&im, &n);
    assert_int_equal(img_mount_flags(&im, EXT2_MOUNT_RDONLY), 0);
    uint32_t keep = lookup(&im, "/keep");
    read_back(&im, keep, (const uint8_t *)"kept\n", 5);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "new", 0644, &x), -XEN_EROFS);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "new", 0755, &x), -XEN_EROFS);
    assert_int_equal(ext2_write(&im.fs, keep, 0, "x", 1), -XEN_EROFS);
    assert_int_equal(ext2_truncate(&im.fs, keep, 0), -XEN_EROFS);
    assert_int_equal(ext2_unlink(&im.fs, EXT2_ROOT_INO, "keep"), -XEN_EROFS);
    assert_int_equal(ext2_rename(&im.fs, EXT2_ROOT_INO, "keep", EXT2_ROOT_INO, "k"), -XEN_EROFS);
    assert_int_equal(ext2_link(&im.fs, keep, EXT2_ROOT_INO, "k"), -XEN_EROFS);
    img_unmount(&im);
    assert_unchanged(&im, before, n);
    img_free(&im);
}

/* mke2fs `opts` make a feature the code must refuse: the mount fails naming it, untouched image. */
static void refused_feature(const char *type, const char *opts, const char *name)
{
    struct img im;
    img_new(&im);
    assert_int_equal(run("mke2fs -q -F -t %s -b 1024 %s %s 8m", type, opts, im.path), 0);
    size_t n;
    uint8_t *before = snapshot(&im, &n);
    assert_int_equal(img_mount_flags(&im, 0), -XEN_EINVAL);
    if (!strstr(im.log, name))
        fprintf(stderr, "log: %s", im.log);
    assert_non_null(strstr(im.log, name));
    assert_unchanged(&im, before, n);
    img_free(&im);
}

static void test_unsupported_features_refuse_the_mount(void **state)
{
    (void)state;
    refused_feature("ext2", "-O extent", "'extent'");
    refused_feature("ext2", "-O meta_bg,^resize_inode", "'meta_bg'");
    refused_feature("ext3", "", "'has_journal'");
    refused_feature("ext4", "", "not mounted");
}

static void test_unknown_ro_compat_mounts_read_only(void **state)
{
    (void)state;
    struct img im;
    uint32_t x;
    img_new(&im);
    img_mkfs(&im, 1024, 4096, NULL, "-O huge_file");
    size_t n;
    uint8_t *before = snapshot(&im, &n);
    assert_int_equal(img_mount_flags(&im, 0), 0);
    assert_non_null(strstr(im.log, "'huge_file'"));
    assert_non_null(strstr(im.log, "read-only"));
    assert_true(im.fs.readonly);
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "new", 0644, &x), -XEN_EROFS);
    lookup(&im, "/lost+found");
    img_unmount(&im);
    assert_unchanged(&im, before, n);
    img_free(&im);
}

/* Mounted read-write, the image says "not clean" (e2fsck would check it); unmounted, "clean". */
static void test_clean_flag_follows_the_mount(void **state)
{
    (void)state;
    struct img im;
    img_new(&im);
    img_mkfs(&im, 1024, 4096, NULL, NULL);
    img_mount(&im);
    assert_int_equal(run("dumpe2fs -h %s 2>/dev/null | grep -q 'state:.*not clean'", im.path), 0);
    img_unmount(&im);
    assert_int_equal(run("dumpe2fs -h %s 2>/dev/null | grep -q 'state: *clean$'", im.path), 0);
    img_free(&im);
}

/* A directory e2fsck -D gave a hash index: read linearly, and unindexed once changed. */
static void test_hash_indexed_directory(void **state)
{
    (void)state;
    struct img im;
    uint32_t dir, x;
    img_new(&im);
    const char *src = src_dir(&im);
    char big[192], name[96];
    snprintf(big, sizeof(big), "%s/big", src);
    mkdir(big, 0755);
    for (int i = 0; i < 400; i++) {
        snprintf(name, sizeof(name), "file_with_a_longish_name_%d", i);
        put_file(big, name, name, strlen(name));
    }
    img_mkfs(&im, 1024, 8192, src, NULL);
    run("e2fsck -fyD %s >/dev/null", im.path); /* exit 1: it "fixed" (indexed) the directory */
    assert_int_equal(run("debugfs -R 'htree /big' %s 2>/dev/null | grep -q 'Root node'", im.path),
                     0);
    img_mount(&im);
    dir = lookup(&im, "/big");
    for (int i = 0; i < 400; i += 7) {
        snprintf(name, sizeof(name), "/big/file_with_a_longish_name_%d", i);
        read_back(&im, lookup(&im, name), (const uint8_t *)name + 5, strlen(name) - 5);
    }
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "added_%d", i);
        assert_int_equal(ext2_create(&im.fs, dir, name, 0644, &x), 0);
        snprintf(name, sizeof(name), "file_with_a_longish_name_%d", i * 3);
        assert_int_equal(ext2_unlink(&im.fs, dir, name), 0);
    }
    img_unmount(&im);
    img_fsck_clean(&im);
    assert_int_equal(run("debugfs -R 'stat /big' %s 2>/dev/null | grep -q 'Flags: 0x0'", im.path),
                     0);
    img_free(&im);
}

/* ---- hostile images ---- */

static void poke(struct img *im, off_t off, const void *val, size_t n)
{
    int fd = open(im->path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, val, n, off), (ssize_t)n);
    close(fd);
}

static void poke32(struct img *im, off_t off, uint32_t v)
{
    poke(im, off, &v, 4);
}

static void poke16(struct img *im, off_t off, uint16_t v)
{
    poke(im, off, &v, 2);
}

/* The image mounts no more: -EINVAL, and the log names `field`. */
static void assert_mount_refused(struct img *im, const char *field)
{
    im->log[0] = 0;
    assert_int_equal(img_mount_flags(im, 0), -XEN_EINVAL);
    if (!strstr(im->log, field))
        fprintf(stderr, "log: %s", im->log);
    assert_non_null(strstr(im->log, field));
}

#define SB(field) (1024 + offsetof(struct ext2_super, field))

static void test_hostile_superblocks(void **state)
{
    (void)state;
    struct img im;
    img_new(&im);
    struct {
        off_t off;
        uint32_t val;
        int width;
        const char *field;
    } cases[] = {
        {SB(s_magic), 0x1234, 2, "s_magic"},
        {SB(s_blocks_count), 0xFFFFFFF0u, 4, "s_blocks_count"},
        {SB(s_blocks_count), 2, 4, "s_blocks_count"},
        {SB(s_inodes_count), 0x7FFFFFFFu, 4, "s_inodes_count"},
        {SB(s_inodes_per_group), 0, 4, "s_inodes_per_group"},
        {SB(s_inodes_per_group), 0x10000000u, 4, "s_inodes_per_group"},
        {SB(s_blocks_per_group), 0, 4, "s_blocks_per_group"},
        {SB(s_blocks_per_group), 1, 4, "s_inodes_count"}, /* 8191 groups of 2048 inodes? no */
        {SB(s_log_block_size), 30, 4, "s_log_block_size"},
        {SB(s_first_data_block), 7, 4, "s_first_data_block"},
        {SB(s_inode_size), 100, 2, "s_inode_size"},
        {SB(s_inode_size), 65535, 2, "s_inode_size"},
        {SB(s_first_ino), 0xFFFFFFFFu, 4, "s_first_ino"},
        {SB(s_r_blocks_count), 0xFFFFFFFFu, 4, "s_r_blocks_count"},
        {SB(s_rev_level), 7, 4, "s_rev_level"},
        {2048 + 8, 0xFFFFFF00u, 4, "bg_inode_table"}, /* group 0's descriptor, at block 2 */
        {2048 + 0, 0, 4, "bg_block_bitmap"},
        {2048 + 32 + 4, 0x7FFFFFFFu, 4, "bg_inode_bitmap"}, /* group 1's */
        {2048 + 12, 60000, 2, "bg_free_blocks_count"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        img_mkfs(&im, 1024, 16384, NULL, NULL);
        if (cases[i].width == 2)
            poke16(&im, cases[i].off, (uint16_t)cases[i].val);
        else
            poke32(&im, cases[i].off, cases[i].val);
        assert_mount_refused(&im, cases[i].field);
    }
    /* an image cut short: the superblock's size is beyond the device */
    img_mkfs(&im, 1024, 16384, NULL, NULL);
    assert_int_equal(truncate(im.path, 8 << 20), 0);
    close(im.fd);
    im.fd = -1;
    assert_mount_refused(&im, "past the end of the device");
    img_free(&im);
}

/* debugfs -w -R 'CMD' on the image. */
#define DEBUGFS_W(im, ...)                                                                         \
    assert_int_equal(run("debugfs -w -R '" __VA_ARGS__ "' %s", (im)->path), 0)

static uint32_t debugfs_number(struct img *im, const char *cmd)
{
    char line[256];
    snprintf(line, sizeof(line), "debugfs -R '%s' %s 2>/dev/null", cmd, im->path);
    FILE *p = popen(line, "r");
    unsigned long v = 0;
    assert_int_equal(fscanf(p, "%lu", &v), 1);
    pclose(p);
    return (uint32_t)v;
}

/* A good image with /f (40 KiB: direct and indirect blocks), /d/e, /g (a directory). */
static void hostile_base(struct img *im)
{
    img_new(im);
    const char *src = src_dir(im);
    uint8_t *data = pattern(40 * 1024, 9);
    put_file(src, "f", data, 40 * 1024);
    put_file(src, "README", "hello\n", 6);
    free(data);
    img_mkfs(im, 1024, 4096, src, NULL);
}

static void expect_eio(struct img *im, int rc, const char *words)
{
    assert_int_equal(rc, -XEN_EIO);
    if (!strstr(im->log, words))
        fprintf(stderr, "log: %s", im->log);
    assert_non_null(strstr(im->log, words));
    im->log[0] = 0;
}

static void test_hostile_block_pointers(void **state)
{
    (void)state;
    struct img im;
    char buf[2048];
    hostile_base(&im);
    DEBUGFS_W(&im, "sif /f block[0] 99999999");
    /* the indirect block now points at a data block: its "pointers" are pattern bytes */
    uint32_t data0 = debugfs_number(&im, "bmap /f 1");
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "sif /f block[IND] %u", data0);
    assert_int_equal(run("debugfs -w -R '%s' %s", cmd, im.path), 0);
    img_mount(&im);
    uint32_t f = lookup(&im, "/f");
    expect_eio(&im, ext2_read(&im.fs, f, 0, buf, 1024), "block pointer 99999999");
    assert_int_equal(ext2_read(&im.fs, f, 1024, buf, 1024), 1024); /* block 1 is fine */
    expect_eio(&im, ext2_read(&im.fs, f, 13 * 1024, buf, 1024), "beyond the file system");
    expect_eio(&im, ext2_write(&im.fs, f, 0, buf, 10), "block pointer");
    img_unmount(&im);
    img_free(&im);
}

static void test_hostile_huge_file_size(void **state)
{
    (void)state;
    struct img im;
    struct ext2_stat st;
    char buf[16];
    hostile_base(&im);
    DEBUGFS_W(&im, "sif /f size_hi 0xffffffff");
    DEBUGFS_W(&im, "sif / size 0x7ffffc00");
    img_mount(&im);
    uint32_t f = lookup(&im, "/f");
    expect_eio(&im, ext2_stat(&im.fs, f, &st), "i_size");
    expect_eio(&im, ext2_read(&im.fs, f, 0, buf, 16), "i_size");
    /* the root's size says two million blocks: the first hole or bad block stops the walk */
    uint32_t x;
    int rc = ext2_lookup(&im.fs, EXT2_ROOT_INO, "nothing", &x);
    expect_eio(&im, rc, "directory 2");
    img_unmount(&im);
    img_free(&im);
}

static void test_hostile_directory_entries(void **state)
{
    (void)state;
    uint16_t bad[] = {0, 3, 14, 2000, 1016, 8};
    const char *why[] = {"rec_len 0 is shorter",         "rec_len 3 is shorter",
                         "rec_len 14 is not a multiple", "rec_len 2000 runs off",
                         "rec_len 1016 runs off",        "name_len 2 exceeds rec_len 8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct img im;
        uint32_t x;
        hostile_base(&im);
        uint32_t root0 = debugfs_number(&im, "bmap / 0");
        /* ".." is the second entry of the root's first block: its rec_len is at byte 12 + 4 */
        poke16(&im, (off_t)root0 * 1024 + 16, bad[i]);
        img_mount(&im);
        expect_eio(&im, ext2_namei(&im.fs, "/README", &x), why[i]);
        uint64_t pos = 0;
        struct ext2_dirent_info de;
        int rc;
        while ((rc = ext2_readdir(&im.fs, EXT2_ROOT_INO, &pos, &de)) == 1)
            ;
        expect_eio(&im, rc, why[i]);
        expect_eio(&im, ext2_create(&im.fs, EXT2_ROOT_INO, "new", 0644, &x), why[i]);
        img_unmount(&im);
        img_free(&im);
    }
}

static void test_hostile_directory_loop(void **state)
{
    (void)state;
    struct img im;
    uint32_t x, y, z;
    hostile_base(&im);
    img_mount(&im);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "x", 0755, &x), 0);
    assert_int_equal(ext2_mkdir(&im.fs, x, "y", 0755, &y), 0);
    assert_int_equal(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "z", 0755, &z), 0);
    img_unmount(&im);
    /* x's ".." now names y: x and y are each other's parent, and neither reaches the root */
    uint32_t x0 = debugfs_number(&im, "bmap /x 0");
    poke32(&im, (off_t)x0 * 1024 + 12, y);
    img_mount(&im);
    expect_eio(&im, ext2_rename(&im.fs, EXT2_ROOT_INO, "z", y, "z"), "directory loop");
    assert_int_equal(lookup(&im, "/x/y/../../.."), x); /* lookups are bounded by the path */
    img_unmount(&im);
    img_free(&im);
}

/* A bitmap that offers a block the group's own metadata occupies is caught, not obeyed. */
static void test_hostile_bitmap(void **state)
{
    (void)state;
    struct img im;
    hostile_base(&im);
    /* clear the first 8 bytes of group 0's block bitmap (its block number is the first word
     * of the descriptor table): blocks 1..64, superblock and descriptors, look free */
    uint32_t bb = 0;
    int fd = open(im.path, O_RDONLY);
    assert_int_equal(pread(fd, &bb, 4, 2048), 4);
    close(fd);
    poke(&im, (off_t)bb * 1024, "\0\0\0\0\0\0\0\0", 8);
    img_mount(&im);
    uint32_t f;
    assert_int_equal(ext2_create(&im.fs, EXT2_ROOT_INO, "n", 0644, &f), 0);
    expect_eio(&im, ext2_write(&im.fs, f, 0, "data", 4), "metadata block");
    img_unmount(&im);
    img_free(&im);
}

/* Walk a tree to `depth`, reading every file; corrupt trees may loop, so the depth is bounded. */
static void walk(struct img *im, uint32_t dir, int depth, int *files)
{
    uint64_t pos = 0;
    struct ext2_dirent_info de;
    static uint8_t buf[8192];
    for (int n = 0; n < 1000 && ext2_readdir(&im->fs, dir, &pos, &de) == 1; n++) {
        struct ext2_stat st;
        if (!strcmp(de.name, ".") || !strcmp(de.name, "..") || ext2_stat(&im->fs, de.ino, &st))
            continue;
        if (EXT2_ISDIR(st.mode) && depth > 0)
            walk(im, de.ino, depth - 1, files);
        else if (EXT2_ISREG(st.mode) && ext2_read(&im->fs, de.ino, 0, buf, sizeof(buf)) >= 0)
            ++*files;
    }
}

static int plain_errno(int rc)
{
    int known[] = {0,          XEN_ENOENT, XEN_EIO,    XEN_EEXIST,    XEN_ENOTDIR,
                   XEN_EISDIR, XEN_EINVAL, XEN_ENOSPC, XEN_ENOTEMPTY, XEN_EMLINK,
                   XEN_EFBIG,  XEN_ENOMEM, XEN_EROFS};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (rc == -known[i])
            return 1;
    return rc > 0;
}

/*
 * Random bytes of the superblock, descriptors, bitmaps, inodes and directories
 * overwritten, 400 times over (a fixed seed): every call returns a plain
 * errno, nothing crashes or hangs.  Run under AddressSanitizer it also shows
 * no access outside a buffer.
 */
static void test_random_corruption_never_crashes(void **state)
{
    (void)state;
    struct img im;
    img_new(&im);
    const char *src = src_dir(&im);
    char p[192];
    for (int d = 0; d < 4; d++) {
        snprintf(p, sizeof(p), "%s/dir%d", src, d);
        mkdir(p, 0755);
        for (int f = 0; f < 6; f++) {
            char name[16];
            snprintf(name, sizeof(name), "f%d", f);
            uint8_t *data = pattern((size_t)f * 9000, (uint32_t)(d * 10 + f));
            put_file(p, name, data, (size_t)f * 9000);
            free(data);
        }
    }
    img_mkfs(&im, 1024, 2048, src, "-N 256");
    /* where to strike: superblock, descriptors, bitmaps, the first inodes, every directory */
    struct {
        off_t off;
        uint32_t len;
    } zone[8];
    uint32_t gd[3];
    int fd = open(im.path, O_RDONLY);
    assert_int_equal(pread(fd, gd, sizeof(gd), 2048), sizeof(gd));
    close(fd);
    zone[0].off = 1024, zone[0].len = 208;
    zone[1].off = 2048, zone[1].len = 32;
    zone[2].off = (off_t)gd[0] * 1024, zone[2].len = 256;
    zone[3].off = (off_t)gd[1] * 1024, zone[3].len = 32;
    zone[4].off = (off_t)gd[2] * 1024, zone[4].len = 40 * 256;
    const char *dirs[] = {"/", "/dir0", "/dir2"};
    for (int i = 0; i < 3; i++) {
        char cmd[32];
        snprintf(cmd, sizeof(cmd), "bmap %s 0", dirs[i]);
        zone[5 + i].off = (off_t)debugfs_number(&im, cmd) * 1024, zone[5 + i].len = 1024;
    }
    size_t n;
    uint8_t *pristine = slurp(im.path, &n);
    int mounted = 0, files_read = 0, failed_ops = 0;
    srand(12345);
    for (int round = 0; round < 400; round++) {
        FILE *f = fopen(im.path, "wb");
        fwrite(pristine, 1, n, f);
        fclose(f);
        for (int k = 0; k < 1 + round % 4; k++) {
            int z = rand() % 8;
            uint32_t junk = rand() % 3 ? (uint32_t)rand() : (rand() % 2 ? 0 : 0xFFFFFFFFu);
            poke(&im, zone[z].off + (off_t)(rand() % zone[z].len & ~1u), &junk, 1 + rand() % 4);
        }
        im.log[0] = 0;
        if (img_mount_flags(&im, 0) != 0)
            continue;
        mounted++;
        walk(&im, EXT2_ROOT_INO, 4, &files_read);
        uint32_t d = 0, x = 0;
        assert_true(plain_errno(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "new", 0755, &d)));
        assert_true(plain_errno(ext2_create(&im.fs, d ? d : EXT2_ROOT_INO, "file", 0644, &x)));
        if (x)
            assert_true(plain_errno(ext2_write(&im.fs, x, 0, pristine, 40000)));
        assert_true(plain_errno(ext2_rename(&im.fs, EXT2_ROOT_INO, "dir1", EXT2_ROOT_INO, "dir9")));
        assert_true(plain_errno(ext2_unlink(&im.fs, EXT2_ROOT_INO, "dir0")));
        uint32_t d2;
        if (ext2_namei(&im.fs, "/dir2", &d2) == 0) {
            assert_true(plain_errno(ext2_unlink(&im.fs, d2, "f3")));
            assert_true(plain_errno(ext2_truncate(&im.fs, EXT2_ROOT_INO, 0)));
        }
        assert_true(plain_errno(ext2_rmdir(&im.fs, EXT2_ROOT_INO, "dir3")));
        ext2_unmount(&im.fs);
        failed_ops += strstr(im.log, "corrupt") != NULL;
    }
    /* the rounds did reach the code: most images still mount, and files were read */
    assert_true(mounted > 100);
    assert_true(files_read > 1000);
    assert_true(failed_ops > 10); /* and corruption was found by the checks, not ignored */
    free(pristine);
    img_free(&im);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_mke2fs_tree_1k),
        cmocka_unit_test(test_read_mke2fs_tree_4k),
        cmocka_unit_test(test_statfs_matches_dumpe2fs),
        cmocka_unit_test(test_write_across_indirect_boundaries_1k),
        cmocka_unit_test(test_write_across_indirect_boundaries_4k),
        cmocka_unit_test(test_overwrite_middle_and_append),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_unlink_while_held_frees_at_the_last_release),
        cmocka_unit_test(test_unmount_frees_every_orphan),
        cmocka_unit_test(test_orphans_left_by_a_stop_are_freed_at_the_next_mount),
        cmocka_unit_test(test_hold_table_full_is_enfile),
        cmocka_unit_test(test_rename_across_directories),
        cmocka_unit_test(test_mkdir_rmdir_and_big_directories),
        cmocka_unit_test(test_hard_links),
        cmocka_unit_test(test_fill_to_enospc_1k),
        cmocka_unit_test(test_fill_to_enospc_4k),
        cmocka_unit_test(test_small_cache_writes_back_on_eviction),
        cmocka_unit_test(test_cache_all_pinned),
        cmocka_unit_test(test_cache_sync_batches_in_block_order),
        cmocka_unit_test(test_errors_are_plain),
        cmocka_unit_test(test_readonly_mount_never_writes),
        cmocka_unit_test(test_unsupported_features_refuse_the_mount),
        cmocka_unit_test(test_unknown_ro_compat_mounts_read_only),
        cmocka_unit_test(test_clean_flag_follows_the_mount),
        cmocka_unit_test(test_hash_indexed_directory),
        cmocka_unit_test(test_hostile_superblocks),
        cmocka_unit_test(test_hostile_block_pointers),
        cmocka_unit_test(test_hostile_huge_file_size),
        cmocka_unit_test(test_hostile_directory_entries),
        cmocka_unit_test(test_hostile_directory_loop),
        cmocka_unit_test(test_hostile_bitmap),
        cmocka_unit_test(test_random_corruption_never_crashes),
    };
    return cmocka_run_group_tests_name("ext2", tests, NULL, NULL);
}
