/*
 * fsbench - file-system figures and a disk filler, for make fs-bench and
 * tests/fs_tests.py.
 *
 *   fsbench small N DIR     create and write N files of 1 KiB in DIR, read them
 *                           all back, delete them: operations per second
 *   fsbench big MIB FILE    write MIB MiB to FILE and fsync, read it back, delete
 *                           it: MB/s
 *   fsbench fill FILE       write FILE until the disk is full (or the domain dies)
 *   fsbench name LEN DIR    create a file with a LEN-character name in DIR (longer
 *                           than the shell can type: the name-too-long error)
 *   fsbench open DIR        create and hold open DIR/f0, f1 ... until open() refuses:
 *                           how many a process may hold, and the error past that
 *   fsbench orphan FILE     write 1 MiB to FILE, remove it while open, read it back
 *                           through the descriptor, close it: the free blocks at
 *                           each step (the blocks go at the close, not the unlink)
 *   fsbench hold FILE       the same up to the close, then sleep holding it open
 *                           (halt must still leave a clean file system)
 *
 * Each phase prints one line `fsbench: PHASE N ops in T us: R ops/s` (or MB/s),
 * timed with CLOCK_MONOTONIC, the guest's clock.  Every write is checked and
 * every byte read back compared, so a figure is never of a broken run.
 */
#include <ulib.h>

#define SMALL_SIZE 1024
#define CHUNK      4096

static char buf[CHUNK], back[CHUNK];

/* The byte at `off` of a file numbered `n`: a pattern a misplaced block cannot match. */
static char byte_at(uint32_t n, uint32_t off)
{
    return (char)('a' + (n * 7 + off / 512) % 26);
}

/* buf[0..len) = file n's bytes from offset off. */
static void fill(uint32_t n, uint32_t off, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        buf[i] = byte_at(n, off + i);
}

static uint64_t t0;

/* A phase begins: note the clock. */
static void start(void)
{
    t0 = now_ns();
}

/* One phase's line: ops per second, and MB/s when bytes were moved. */
static void report(const char *phase, uint32_t ops, uint64_t bytes)
{
    uint64_t us = (now_ns() - t0) / 1000 + 1;
    printf("fsbench: %s %u ops in %u us: %u ops/s", phase, ops, (uint32_t)us,
           (uint32_t)((uint64_t)ops * 1000000 / us));
    if (bytes)
        printf(", %u.%02u MB/s", (uint32_t)(bytes / us), (uint32_t)(bytes * 100 / us % 100));
    printf("\n");
}

/* One line for a failed step; the exit status 1. */
static int fail(const char *what, const char *path, int rc)
{
    printf("fsbench: %s %s: %s\n", what, path, strerror(-rc));
    return 1;
}

/* Write len bytes of file n's pattern at off; 0, or -E_*. */
static int write_pattern(int fd, uint32_t n, uint32_t off, uint32_t len)
{
    fill(n, off, len);
    int k = write(fd, buf, len);
    return k == (int)len ? 0 : k < 0 ? k : -E_NOSPC;
}

/* Read len bytes at the current offset and compare them with file n's pattern. */
static int check_pattern(int fd, uint32_t n, uint32_t off, uint32_t len)
{
    for (uint32_t got = 0; got < len;) {
        int k = read(fd, back + got, len - got);
        if (k <= 0)
            return k < 0 ? k : -E_IO;
        got += (uint32_t)k;
    }
    fill(n, off, len);
    return memcmp(buf, back, len) ? -E_IO : 0;
}

/* The small-file phases over n files in dir; the exit status. */
static int small(uint32_t n, const char *dir)
{
    char path[PATH_MAX_LEN];
    int rc = 0;
    start();
    for (uint32_t i = 0; i < n && !rc; i++) {
        snprintf(path, sizeof(path), "%s/f%u", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
        rc = fd < 0 ? fd : write_pattern(fd, i, 0, SMALL_SIZE);
        close(fd);
    }
    if (rc)
        return fail("create", path, rc);
    report("create+write", n, (uint64_t)n * SMALL_SIZE);
    start();
    for (uint32_t i = 0; i < n && !rc; i++) {
        snprintf(path, sizeof(path), "%s/f%u", dir, i);
        int fd = open(path, O_RDONLY);
        rc = fd < 0 ? fd : check_pattern(fd, i, 0, SMALL_SIZE);
        close(fd);
    }
    if (rc)
        return fail("read back", path, rc);
    report("read", n, (uint64_t)n * SMALL_SIZE);
    start();
    for (uint32_t i = 0; i < n && !rc; i++) {
        snprintf(path, sizeof(path), "%s/f%u", dir, i);
        rc = unlink(path);
    }
    if (rc)
        return fail("delete", path, rc);
    report("delete", n, 0);
    return 0;
}

/* The big-file phases over one file of mib MiB; the exit status. */
static int big(uint32_t mib, const char *path)
{
    uint32_t size = mib << 20;
    int rc = 0, fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0)
        return fail("create", path, fd);
    start();
    for (uint32_t off = 0; off < size && !rc; off += CHUNK)
        rc = write_pattern(fd, 0, off, CHUNK);
    if (!rc)
        rc = fsync(fd);
    close(fd);
    if (rc)
        return fail("write", path, rc);
    report("write+fsync", size / CHUNK, size);
    start();
    fd = open(path, O_RDONLY);
    for (uint32_t off = 0; off < size && !rc; off += CHUNK)
        rc = fd < 0 ? fd : check_pattern(fd, 0, off, CHUNK);
    close(fd);
    if (rc)
        return fail("read back", path, rc);
    report("read", size / CHUNK, size);
    start();
    if ((rc = unlink(path)))
        return fail("delete", path, rc);
    report("delete", 1, 0);
    return 0;
}

/* Write until the disk refuses; 0 if it ended with -E_NOSPC. */
static int fill_disk(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC), rc = 0;
    uint32_t off = 0;
    if (fd < 0)
        return fail("create", path, fd);
    while (!rc) {
        fill(1, off, CHUNK);
        int k = write(fd, buf, CHUNK);
        off += k > 0 ? (uint32_t)k : 0;
        rc = k == CHUNK ? 0 : k < 0 ? k : -E_NOSPC;
    }
    close(fd);
    printf("fsbench: fill %s: %u bytes written, then: %s\n", path, off, strerror(-rc));
    return rc != -E_NOSPC;
}

/* Try to create a file whose name is len characters long; print what happened. */
static int long_name(uint32_t len, const char *dir)
{
    static char path[600];
    uint32_t n = (uint32_t)strlen(dir);
    if (n + 1 + len >= sizeof(path))
        len = sizeof(path) - n - 2;
    memcpy(path, dir, n);
    path[n] = '/';
    memset(path + n + 1, 'n', len);
    path[n + 1 + len] = 0;
    int fd = open(path, O_WRONLY | O_CREAT);
    if (fd < 0) {
        printf("fsbench: create a %u-character name: %s\n", len, strerror(-fd));
        return 1;
    }
    close(fd);
    printf("fsbench: created a %u-character name\n", len);
    return 0;
}

/* Open new files in dir until open() refuses; print how many and why. */
static int open_many(const char *dir)
{
    char path[PATH_MAX_LEN];
    int n = 0, fd, last = -1;
    for (;;) {
        snprintf(path, sizeof(path), "%s/f%d", dir, n);
        if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC)) < 0)
            break;
        last = fd, n++;
    }
    printf("fsbench: open: %d files held open (the last at descriptor %d), then: %s\n", n, last,
           strerror(-fd));
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/f%d", dir, i);
        close(last - n + 1 + i);
        unlink(path);
    }
    return fd != -E_MFILE;
}

/* The free blocks of the file system holding the directory of `path`. */
static uint32_t free_blocks(const char *path)
{
    struct pvlab_statfs st;
    char dir[PATH_MAX_LEN];
    strlcpy(dir, path, sizeof(dir));
    char *slash = NULL;
    for (char *c = dir; *c; c++)
        slash = *c == '/' ? c : slash;
    if (slash)
        slash[slash == dir] = 0; /* "/f" -> "/", "/a/f" -> "/a" */
    else
        strlcpy(dir, ".", sizeof(dir));
    return statfs(dir, &st) == 0 ? st.f_bfree : 0;
}

#define ORPHAN_CHUNKS 256 /* 1 MiB */

/* Write FILE, unlink it while open, read it back; `hold`: then sleep with it open. */
static int orphan(const char *path, int hold)
{
    struct pvlab_stat st;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC), bad = 0;
    if (fd < 0)
        return fail("create", path, fd);
    for (uint32_t i = 0; i < ORPHAN_CHUNKS && !bad; i++)
        bad = write_pattern(fd, 3, i * CHUNK, CHUNK) != 0;
    fsync(fd);
    uint32_t before = free_blocks(path);
    int rc = unlink(path), gone = stat(path, &st) == -E_NOENT;
    uint32_t after = free_blocks(path);
    lseek(fd, 0, SEEK_SET);
    for (uint32_t i = 0; i < ORPHAN_CHUNKS && !bad; i++)
        bad = check_pattern(fd, 3, i * CHUNK, CHUNK) != 0;
    printf("fsbench: orphan %s: unlink %d, name %s, %s; free blocks %u before the unlink, %u "
           "after\n",
           path, rc, gone ? "gone" : "still there", bad ? "data lost" : "1 MiB read back", before,
           after);
    if (hold) {
        struct pvlab_timespec ts = {3600, 0};
        printf("fsbench: holding %s open\n", path);
        nanosleep(&ts);
    }
    close(fd);
    printf("fsbench: orphan %s: free blocks %u after the close\n", path, free_blocks(path));
    return bad || rc || !gone;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "small"))
        return small(strtoul(argv[2], NULL, 10), argv[3]);
    if (argc == 4 && !strcmp(argv[1], "big"))
        return big(strtoul(argv[2], NULL, 10), argv[3]);
    if (argc == 3 && !strcmp(argv[1], "fill"))
        return fill_disk(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "name"))
        return long_name(strtoul(argv[2], NULL, 10), argv[3]);
    if (argc == 3 && !strcmp(argv[1], "open"))
        return open_many(argv[2]);
    if (argc == 3 && (!strcmp(argv[1], "orphan") || !strcmp(argv[1], "hold")))
        return orphan(argv[2], argv[1][0] == 'h');
    dprintf(2, "usage: fsbench small N DIR | big MIB FILE | fill FILE | name LEN DIR | open DIR | "
               "orphan FILE | hold FILE\n");
    return 2;
}
