/*
 * test_dbench_fake.c - the fake OS of test_dbench_fake.h: a flat table of
 * paths standing in for a file system, and a log of every call made.
 */
#include "test_dbench_fake.h"

#define MAX_NODES 64
#define MAX_FDS   16

struct node {
    char path[256];
    int used, is_dir;
    uint64_t size;
    const char *content; /* for files read with read(): the loadfile */
};

static struct node nodes[MAX_NODES];
static struct {
    int node;
    uint64_t pos;
} fds[MAX_FDS];
static uint64_t clock_us;
char fake_log[16384];
char fake_out[16384];

static void log_call(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_call(const char *fmt, ...)
{
    size_t n = strlen(fake_log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake_log + n, sizeof(fake_log) - n, fmt, ap);
    va_end(ap);
}

static int find(const char *path)
{
    for (int i = 0; i < MAX_NODES; i++)
        if (nodes[i].used && !strcmp(nodes[i].path, path))
            return i;
    return -1;
}

/* The parent directory of path exists (or path has no '/'). */
static int parent_exists(const char *path)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 1;
    *slash = 0;
    int i = find(dir);
    return i >= 0 && nodes[i].is_dir;
}

static int add(const char *path, int is_dir)
{
    for (int i = 0; i < MAX_NODES; i++)
        if (!nodes[i].used) {
            memset(&nodes[i], 0, sizeof(nodes[i]));
            snprintf(nodes[i].path, sizeof(nodes[i].path), "%s", path);
            nodes[i].used = 1;
            nodes[i].is_dir = is_dir;
            return i;
        }
    return -1;
}

void fake_reset(void)
{
    memset(nodes, 0, sizeof(nodes));
    for (int i = 0; i < MAX_FDS; i++)
        fds[i].node = -1;
    fake_log[0] = fake_out[0] = 0;
    clock_us = 0;
}

void fake_add_dir(const char *path)
{
    add(path, 1);
}

void fake_add_file(const char *path, const char *content)
{
    int i = add(path, 0);
    nodes[i].content = content;
    nodes[i].size = content ? strlen(content) : 0;
}

int fake_exists(const char *path)
{
    return find(path) >= 0;
}

static int has_children(const char *path)
{
    size_t n = strlen(path);
    for (int i = 0; i < MAX_NODES; i++)
        if (nodes[i].used && !strncmp(nodes[i].path, path, n) && nodes[i].path[n] == '/')
            return 1;
    return 0;
}

static int do_open(const char *path, int flags)
{
    int i = find(path);
    if (i < 0 && !(flags & DBL_O_CREAT))
        return -DBL_ENOENT;
    if (i < 0 && !parent_exists(path))
        return -DBL_ENOENT;
    if (i < 0)
        i = add(path, 0);
    if (nodes[i].is_dir && (flags & 3) != DBL_O_RDONLY)
        return -DBL_EISDIR;
    if (flags & DBL_O_TRUNC)
        nodes[i].size = 0;
    for (int fd = 3; fd < MAX_FDS; fd++)
        if (fds[fd].node < 0) {
            fds[fd].node = i;
            fds[fd].pos = 0;
            return fd;
        }
    return -24;
}

static int f_open(void *ctx, const char *path, int flags)
{
    int r = do_open(path, flags);
    log_call("open(%s, %o) = %d\n", path, flags, r);
    return r;
}

static int f_close(void *ctx, int fd)
{
    log_call("close(%d)\n", fd);
    fds[fd].node = -1;
    return 0;
}

static long f_pread(void *ctx, int fd, void *buf, size_t len, uint64_t off)
{
    uint64_t size = nodes[fds[fd].node].size;
    long r = off >= size ? 0 : (long)(size - off < len ? size - off : len);
    log_call("pread(%d, %zu, %llu) = %ld\n", fd, len, (unsigned long long)off, r);
    return r;
}

static long f_pwrite(void *ctx, int fd, const void *buf, size_t len, uint64_t off)
{
    struct node *n = &nodes[fds[fd].node];
    if (off + len > n->size)
        n->size = off + len;
    log_call("pwrite(%d, %zu, %llu)\n", fd, len, (unsigned long long)off);
    return (long)len;
}

/* read() serves the loadfile's content in small pieces, to exercise refills. */
static long f_read(void *ctx, int fd, void *buf, size_t len)
{
    struct node *n = &nodes[fds[fd].node];
    uint64_t left = n->size - fds[fd].pos;
    size_t k = len < 7 ? len : 7;
    if (k > left)
        k = (size_t)left;
    memcpy(buf, n->content + fds[fd].pos, k);
    fds[fd].pos += k;
    return (long)k;
}

static int f_unlink(void *ctx, const char *path)
{
    int i = find(path), r = i < 0 ? -DBL_ENOENT : nodes[i].is_dir ? -DBL_EISDIR : 0;
    if (r == 0)
        nodes[i].used = 0;
    log_call("unlink(%s) = %d\n", path, r);
    return r;
}

static int f_rename(void *ctx, const char *from, const char *to)
{
    int i = find(from), r = i < 0 ? -DBL_ENOENT : 0;
    if (r == 0)
        snprintf(nodes[i].path, sizeof(nodes[i].path), "%s", to);
    log_call("rename(%s, %s) = %d\n", from, to, r);
    return r;
}

static int f_mkdir(void *ctx, const char *path)
{
    int r = find(path) >= 0 ? -DBL_EEXIST : !parent_exists(path) ? -DBL_ENOENT : 0;
    if (r == 0)
        add(path, 1);
    log_call("mkdir(%s) = %d\n", path, r);
    return r;
}

static int f_rmdir(void *ctx, const char *path)
{
    int i = find(path), r = i < 0 ? -DBL_ENOENT : has_children(path) ? -DBL_ENOTEMPTY : 0;
    if (r == 0)
        nodes[i].used = 0;
    log_call("rmdir(%s) = %d\n", path, r);
    return r;
}

static int f_stat(void *ctx, const char *path, struct dbl_stat *st)
{
    int i = find(path);
    log_call("stat(%s) = %d\n", path, i < 0 ? -DBL_ENOENT : 0);
    if (i < 0)
        return -DBL_ENOENT;
    st->size = nodes[i].size;
    st->is_dir = nodes[i].is_dir;
    return 0;
}

static int f_fstat(void *ctx, int fd, struct dbl_stat *st)
{
    log_call("fstat(%d)\n", fd);
    st->size = nodes[fds[fd].node].size;
    st->is_dir = nodes[fds[fd].node].is_dir;
    return 0;
}

static int f_ftruncate(void *ctx, int fd, uint64_t len)
{
    log_call("ftruncate(%d, %llu)\n", fd, (unsigned long long)len);
    nodes[fds[fd].node].size = len;
    return 0;
}

static int f_fsync(void *ctx, int fd)
{
    log_call("fsync(%d)\n", fd);
    return 0;
}

/* Entries are reported in table order; a snapshot first, as fn may delete. */
static int f_list_dir(void *ctx, const char *path, void (*fn)(void *, const char *, int), void *arg)
{
    int i = find(path);
    log_call("list_dir(%s) = %d\n", path, i < 0 ? -DBL_ENOENT : 0);
    if (i < 0)
        return -DBL_ENOENT;
    char names[MAX_NODES][256];
    int dirs[MAX_NODES], n = 0;
    size_t len = strlen(path);
    for (int k = 0; k < MAX_NODES; k++)
        if (nodes[k].used && !strncmp(nodes[k].path, path, len) && nodes[k].path[len] == '/' &&
            !strchr(nodes[k].path + len + 1, '/')) {
            snprintf(names[n], sizeof(names[n]), "%s", nodes[k].path + len + 1);
            dirs[n++] = nodes[k].is_dir;
        }
    for (int k = 0; k < n; k++)
        fn(arg, names[k], dirs[k]);
    return 0;
}

static uint64_t f_clock_ns(void *ctx)
{
    return ++clock_us * 1000;
}

static void f_sleep_ns(void *ctx, uint64_t ns)
{
    log_call("sleep(%llu)\n", (unsigned long long)ns);
    clock_us += ns / 1000;
}

static void f_out(void *ctx, const char *text, size_t len)
{
    size_t n = strlen(fake_out);
    if (n + len < sizeof(fake_out)) {
        memcpy(fake_out + n, text, len);
        fake_out[n + len] = 0;
    }
}

static const char *f_strerror(void *ctx, int err)
{
    return err == DBL_ENOENT ? "No such file or directory" : "Some error";
}

const struct dbl_os fake_os = {
    .open = f_open,
    .close = f_close,
    .pread = f_pread,
    .pwrite = f_pwrite,
    .read = f_read,
    .unlink = f_unlink,
    .rename = f_rename,
    .mkdir = f_mkdir,
    .rmdir = f_rmdir,
    .stat = f_stat,
    .fstat = f_fstat,
    .ftruncate = f_ftruncate,
    .fsync = f_fsync,
    .list_dir = f_list_dir,
    .clock_ns = f_clock_ns,
    .sleep_ns = f_sleep_ns,
    .out = f_out,
    .strerror = f_strerror,
};
