/*
 * host.c - dbench-lite on Linux: struct dbl_os over the C library.
 *
 * This file is the only one that knows it runs on Linux.  Clients are
 * fork()ed children that run dbl_client_main and _exit; the board is one
 * MAP_SHARED anonymous mapping made before the fork, so the parent reads a
 * client's counters as soon as the client writes them, as dbench's own
 * shared memory does.  Errors come back as negated errno values, which are
 * the Linux numbers dbench.h names.  The lab marker is the same xchg %bx,%bx
 * as on minios (dbench.h: dbl_lab_marker), which changes nothing here.
 * minios.c is the same interface over guests/libc (spawn for fork, a file
 * for the board): see docs/dbench.md.
 */
#define _GNU_SOURCE
#include "dbench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct host {
    const struct dbl_os *os;
    const struct dbl_config *cfg;
    char *board;
    pid_t pid[DBL_MAX_CLIENTS];
};

#define SLOT_SIZE sizeof(struct dbl_client_state)

static int neg(int r)
{
    return r < 0 ? -errno : r;
}

static int h_open(void *ctx, const char *path, int flags)
{
    int f = (flags & DBL_O_RDWR ? O_RDWR : O_RDONLY) | (flags & DBL_O_CREAT ? O_CREAT : 0) |
            (flags & DBL_O_TRUNC ? O_TRUNC : 0);
    return neg(open(path, f, 0600));
}

static int h_close(void *ctx, int fd)
{
    return neg(close(fd));
}

static long h_pread(void *ctx, int fd, void *buf, size_t len, uint64_t off)
{
    long r = pread(fd, buf, len, (off_t)off);
    return r < 0 ? -errno : r;
}

static long h_pwrite(void *ctx, int fd, const void *buf, size_t len, uint64_t off)
{
    long r = pwrite(fd, buf, len, (off_t)off);
    return r < 0 ? -errno : r;
}

static long h_read(void *ctx, int fd, void *buf, size_t len)
{
    long r = read(fd, buf, len);
    return r < 0 ? -errno : r;
}

static int h_unlink(void *ctx, const char *path)
{
    return neg(unlink(path));
}

static int h_rename(void *ctx, const char *from, const char *to)
{
    return neg(rename(from, to));
}

static int h_mkdir(void *ctx, const char *path)
{
    return neg(mkdir(path, 0777));
}

static int h_rmdir(void *ctx, const char *path)
{
    return neg(rmdir(path));
}

static void fill_stat(const struct stat *s, struct dbl_stat *st)
{
    st->size = (uint64_t)s->st_size;
    st->is_dir = S_ISDIR(s->st_mode);
}

static int h_stat(void *ctx, const char *path, struct dbl_stat *st)
{
    struct stat s;
    int r = neg(stat(path, &s));
    if (r == 0)
        fill_stat(&s, st);
    return r;
}

static int h_fstat(void *ctx, int fd, struct dbl_stat *st)
{
    struct stat s;
    int r = neg(fstat(fd, &s));
    if (r == 0)
        fill_stat(&s, st);
    return r;
}

static int h_ftruncate(void *ctx, int fd, uint64_t len)
{
    return neg(ftruncate(fd, (off_t)len));
}

static int h_fsync(void *ctx, int fd)
{
    return neg(fsync(fd));
}

static int entry_is_dir(const char *dir, const struct dirent *e)
{
    if (e->d_type != DT_UNKNOWN)
        return e->d_type == DT_DIR;
    char path[1024];
    struct stat s;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    return lstat(path, &s) == 0 && S_ISDIR(s.st_mode);
}

static int h_list_dir(void *ctx, const char *path, void (*fn)(void *, const char *, int), void *arg)
{
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fn(arg, e->d_name, entry_is_dir(path, e));
    closedir(d);
    return 0;
}

static uint64_t h_clock_ns(void *ctx)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void h_sleep_ns(void *ctx, uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void h_out(void *ctx, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(1, text, len);
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

static const char *h_strerror(void *ctx, int err)
{
    return strerror(err);
}

static void h_board_put(void *ctx, int slot, const void *buf, size_t len)
{
    struct host *h = ctx;
    memcpy(h->board + (size_t)slot * SLOT_SIZE, buf, len);
    __sync_synchronize();
}

static void h_board_get(void *ctx, int slot, void *buf, size_t len)
{
    struct host *h = ctx;
    __sync_synchronize();
    memcpy(buf, h->board + (size_t)slot * SLOT_SIZE, len);
}

static int h_start_client(void *ctx, int index)
{
    struct host *h = ctx;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(dbl_client_main(h->os, h->cfg, index));
    h->pid[index] = pid;
    return pid < 0 ? -errno : 0;
}

static int h_wait_client(void *ctx, int *status)
{
    struct host *h = ctx;
    int st;
    pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0)
        return -1;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    for (int i = 0; i < DBL_MAX_CLIENTS; i++)
        if (h->pid[i] == pid)
            return i;
    return DBL_MAX_CLIENTS;
}

static void h_marker(void *ctx)
{
    dbl_lab_marker();
}

int main(int argc, char **argv)
{
    static struct host h;
    static struct dbl_config cfg;
    static const struct dbl_os os = {
        &h,          h_open,      h_close,     h_pread,        h_pwrite,      h_read,
        h_unlink,    h_rename,    h_mkdir,     h_rmdir,        h_stat,        h_fstat,
        h_ftruncate, h_fsync,     h_list_dir,  h_clock_ns,     h_sleep_ns,    h_out,
        h_strerror,  h_board_put, h_board_get, h_start_client, h_wait_client, h_marker,
    };
    h.os = &os;
    h.cfg = &cfg;
    h.board = mmap(NULL, (DBL_MAX_CLIENTS + 1) * SLOT_SIZE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (h.board == MAP_FAILED) {
        perror("dbench: mmap");
        return 1;
    }
    return dbl_main(&os, argc, argv, &cfg);
}
