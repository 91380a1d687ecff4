/*
 * exec.c - the executor: one loadfile line becomes calls on the tiny OS
 * interface (struct dbl_os), the way dbench 4.0's "fileio" backend maps SMB
 * calls onto POSIX ones:
 *
 *   NTCreateX  open (O_CREAT / O_TRUNC from the create disposition; a
 *              directory is made with mkdir and opened read-only), the fd
 *              remembered under the loadfile's handle number
 *   Close      close          Rename  rename       Unlink   unlink
 *   Deltree    list_dir, unlink and rmdir, depth first
 *   Rmdir      rmdir          Mkdir   mkdir        Flush    fsync
 *   QUERY_PATH_INFORMATION stat        QUERY_FILE_INFORMATION fstat
 *   QUERY_FS_INFORMATION   stat of -D DIR (there is no statvfs here)
 *   SET_FILE_INFORMATION   fstat (times cannot be set here)
 *   FIND_FIRST list_dir of the mask's directory
 *   WriteX, ReadX  pwrite, pread of zeroes at the given offset
 *   LockX, UnlockX only the handle is checked (no byte-range locks here)
 *   Sleep      sleep_ns
 *
 * The expected status is checked as dbench does: an NTCreateX whose outcome
 * differs from the loadfile's is reported and the client goes on; an Unlink,
 * Rmdir or Rename that differs, or a handle the client never opened, is
 * fatal ("ERROR: child N failed at line L").  Other statuses are not checked.
 * Every mismatch is also counted in the client's state for the final report.
 */
#include "dbench.h"

void dbl_printf(const struct dbl_os *os, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    os->out(os->ctx, buf, (size_t)n);
}

void dbl_exec_init(struct dbl_exec *x, const struct dbl_os *os, const char *dir, int client,
                   struct dbl_client_state *state)
{
    memset(x, 0, sizeof(*x));
    x->os = os;
    x->dir = dir;
    x->client = client;
    x->state = state;
}

/* DIR/rel into out (DBL_PATH_MAX + the length of DIR fits in 2 * ...). */
#define FULL_MAX (2 * DBL_PATH_MAX)

static void full_path(const struct dbl_exec *x, const char *rel, char *out)
{
    snprintf(out, FULL_MAX, "%s/%s", x->dir, rel);
}

static const char *err_text(const struct dbl_exec *x, int r)
{
    return x->os->strerror(x->os->ctx, -r);
}

/* The slot of a handle, or -1 after dbench's fatal message. */
static int find_handle(struct dbl_exec *x, uint32_t handle)
{
    for (int i = 0; i < x->nfiles; i++)
        if (x->files[i].handle == handle)
            return i;
    dbl_printf(x->os, "(%u) ERROR: handle %u was not found\n", x->lineno, handle);
    return -1;
}

static int fail(struct dbl_exec *x)
{
    dbl_printf(x->os, "ERROR: child %d failed at line %u\n", x->client, x->lineno);
    return -1;
}

/* Unlink, Rmdir and Rename: a result other than the expected one is fatal. */
static int check_fatal(struct dbl_exec *x, int r, const struct dbl_line *l, const char *what)
{
    if ((r < 0) == !l->status_ok)
        return 0;
    x->state->mismatches++;
    dbl_printf(x->os, "[%u] %s %s (%s) - expected %s\n", x->lineno, what,
               r < 0 ? "failed" : "succeeded", r < 0 ? err_text(x, r) : "no error", l->status);
    return fail(x);
}

/* open flags for an NTCreateX create disposition (SUPERSEDE 0 .. OVERWRITE_IF 5). */
static int create_flags(uint64_t disposition)
{
    static const int flags[6] = {
        DBL_O_CREAT | DBL_O_TRUNC, 0, DBL_O_CREAT, DBL_O_CREAT, DBL_O_TRUNC,
        DBL_O_CREAT | DBL_O_TRUNC};
    return disposition < 6 ? flags[disposition] : 0;
}

#define FILE_DIRECTORY_FILE 1

static int open_for_create(struct dbl_exec *x, const char *path, const struct dbl_line *l)
{
    const struct dbl_os *os = x->os;
    int flags = create_flags(l->num[1]);
    if (l->num[0] & FILE_DIRECTORY_FILE) {
        if (flags & DBL_O_CREAT)
            os->mkdir(os->ctx, path);
        return os->open(os->ctx, path, DBL_O_RDONLY);
    }
    int fd = os->open(os->ctx, path, DBL_O_RDWR | flags);
    if (fd == -DBL_EISDIR)
        fd = os->open(os->ctx, path, DBL_O_RDONLY);
    return fd;
}

static int do_createx(struct dbl_exec *x, const struct dbl_line *l, const char *path)
{
    uint32_t handle = (uint32_t)l->num[2];
    int fd = open_for_create(x, path, l);
    if (fd < 0) {
        if (l->status_ok) {
            x->state->mismatches++;
            dbl_printf(x->os, "[%u] open %s failed for handle %u (%s)\n", x->lineno, path, handle,
                       err_text(x, fd));
        }
        return 0;
    }
    if (!l->status_ok) {
        x->state->mismatches++;
        dbl_printf(x->os, "[%u] open %s succeeded for handle %u\n", x->lineno, path, handle);
        x->os->close(x->os->ctx, fd);
        return 0;
    }
    if (x->nfiles == DBL_MAX_FILES) {
        dbl_printf(x->os, "file table full for %s\n", path);
        x->os->close(x->os->ctx, fd);
        return fail(x);
    }
    x->files[x->nfiles].handle = handle;
    x->files[x->nfiles++].fd = fd;
    return 0;
}

static int do_close(struct dbl_exec *x, const struct dbl_line *l)
{
    int i = find_handle(x, (uint32_t)l->num[0]);
    if (i < 0)
        return -1;
    x->os->close(x->os->ctx, x->files[i].fd);
    x->files[i] = x->files[--x->nfiles];
    return 0;
}

/* Make x->buf at least len bytes of zeroes; -1 if memory runs out. */
static int ensure_buf(struct dbl_exec *x, size_t len)
{
    if (len <= x->buflen)
        return 0;
    free(x->buf);
    x->buf = malloc(len);
    x->buflen = x->buf ? len : 0;
    if (!x->buf) {
        dbl_printf(x->os, "[%u] out of memory for %u bytes\n", x->lineno, (unsigned)len);
        return -1;
    }
    memset(x->buf, 0, len);
    return 0;
}

static int do_rw(struct dbl_exec *x, const struct dbl_line *l)
{
    const struct dbl_os *os = x->os;
    int i = find_handle(x, (uint32_t)l->num[0]);
    size_t size = (size_t)l->num[2];
    if (i < 0 || ensure_buf(x, size ? size : 1))
        return -1;
    int fd = x->files[i].fd;
    long r = l->op == OP_WRITEX ? os->pwrite(os->ctx, fd, x->buf, size, l->num[1])
                                : os->pread(os->ctx, fd, x->buf, size, l->num[1]);
    if (l->op == OP_WRITEX)
        memset(x->buf, 0, size); /* the fake OS may scribble; the file gets zeroes */
    if (r < 0) {
        x->state->mismatches++;
        dbl_printf(x->os, "[%u] %s failed on handle %u (%s)\n", x->lineno,
                   l->op == OP_WRITEX ? "write" : "read", (unsigned)l->num[0], err_text(x, (int)r));
    } else if (l->op == OP_WRITEX && (uint64_t)r != l->num[3]) {
        x->state->mismatches++;
        dbl_printf(x->os, "[%u] wrote %ld bytes, expected to write %u bytes on handle %u\n",
                   x->lineno, r, (unsigned)l->num[3], (unsigned)l->num[0]);
    }
    x->state->bytes += size;
    return 0;
}

/* Deltree: what dbench's cleanup and the loadfile's Deltree do. */
struct tree_walk {
    const struct dbl_os *os;
    const char *dir;
};

static void remove_entry(void *arg, const char *name, int is_dir)
{
    struct tree_walk *w = arg;
    char path[FULL_MAX];
    snprintf(path, sizeof(path), "%s/%s", w->dir, name);
    if (is_dir)
        dbl_deltree(w->os, path);
    else
        w->os->unlink(w->os->ctx, path);
}

void dbl_deltree(const struct dbl_os *os, const char *path)
{
    struct tree_walk w = {os, path};
    os->list_dir(os->ctx, path, remove_entry, &w);
    os->rmdir(os->ctx, path);
}

static void count_entry(void *arg, const char *name, int is_dir)
{
    (*(unsigned *)arg)++;
}

/* FIND_FIRST: read the directory of the mask (the part before the last '/'). */
static int do_find(struct dbl_exec *x, const char *path)
{
    char dir[FULL_MAX];
    unsigned n = 0;
    memcpy(dir, path, strlen(path) + 1);
    char *slash = dir, *p;
    for (p = dir; *p; p++)
        if (*p == '/')
            slash = p;
    *slash = 0;
    x->os->list_dir(x->os->ctx, dir, count_entry, &n);
    return 0;
}

/* A handle's fd for the operations that only look at a file, or -1. */
static int handle_fd(struct dbl_exec *x, const struct dbl_line *l, int *fd)
{
    int i = find_handle(x, (uint32_t)l->num[0]);
    if (i < 0)
        return -1;
    *fd = x->files[i].fd;
    return 0;
}

static int run_file_op(struct dbl_exec *x, const struct dbl_line *l)
{
    const struct dbl_os *os = x->os;
    struct dbl_stat st;
    int fd;
    if (handle_fd(x, l, &fd))
        return -1;
    if (l->op == OP_FLUSH)
        os->fsync(os->ctx, fd);
    else if (l->op == OP_QFILEINFO || l->op == OP_SFILEINFO)
        os->fstat(os->ctx, fd, &st);
    return 0; /* LockX, UnlockX: the handle check is all */
}

static int run_path_op(struct dbl_exec *x, const struct dbl_line *l, const char *p0, const char *p1)
{
    const struct dbl_os *os = x->os;
    struct dbl_stat st;
    char what[2 * FULL_MAX + 8];
    switch (l->op) {
    case OP_NTCREATEX:
        return do_createx(x, l, p0);
    case OP_RENAME:
        snprintf(what, sizeof(what), "rename %s %s", p0, p1);
        return check_fatal(x, os->rename(os->ctx, p0, p1), l, what);
    case OP_UNLINK:
        snprintf(what, sizeof(what), "unlink %s", p0);
        return check_fatal(x, os->unlink(os->ctx, p0), l, what);
    case OP_RMDIR:
        snprintf(what, sizeof(what), "rmdir %s", p0);
        return check_fatal(x, os->rmdir(os->ctx, p0), l, what);
    case OP_DELTREE:
        dbl_deltree(os, p0);
        return 0;
    case OP_MKDIR:
        os->mkdir(os->ctx, p0);
        return 0;
    case OP_QPATHINFO:
        os->stat(os->ctx, p0, &st);
        return 0;
    case OP_FIND:
        return do_find(x, p0);
    default:
        return 0;
    }
}

static int run_op(struct dbl_exec *x, const struct dbl_line *l)
{
    char p0[FULL_MAX], p1[FULL_MAX];
    struct dbl_stat st;
    switch (l->op) {
    case OP_CLOSE:
        return do_close(x, l);
    case OP_WRITEX:
    case OP_READX:
        return do_rw(x, l);
    case OP_QFILEINFO:
    case OP_SFILEINFO:
    case OP_LOCKX:
    case OP_UNLOCKX:
    case OP_FLUSH:
        return run_file_op(x, l);
    case OP_QFSINFO:
        x->os->stat(x->os->ctx, x->dir, &st);
        return 0;
    case OP_SLEEP:
        x->os->sleep_ns(x->os->ctx, l->num[0] * 1000);
        return 0;
    default:
        full_path(x, l->path[0], p0);
        if (l->npaths > 1)
            full_path(x, l->path[1], p1);
        return run_path_op(x, l, p0, p1);
    }
}

/* Count a finished operation and its latency (Sleep is not an operation). */
static void account(struct dbl_client_state *s, enum dbl_op op, uint32_t us)
{
    if (op == OP_SLEEP)
        return;
    struct dbl_opstat *o = &s->op[op];
    o->count++;
    o->sum_us += us;
    if (us > o->max_us)
        o->max_us = us;
    s->started = 1;
}

int dbl_exec_line(struct dbl_exec *x, const struct dbl_line *l)
{
    uint64_t t0 = x->os->clock_ns(x->os->ctx);
    int r = run_op(x, l);
    uint64_t us = (x->os->clock_ns(x->os->ctx) - t0) / 1000;
    x->last_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    if (r == 0)
        account(x->state, l->op, x->last_us);
    return r;
}

void dbl_exec_cleanup(struct dbl_exec *x)
{
    while (x->nfiles > 0)
        x->os->close(x->os->ctx, x->files[--x->nfiles].fd);
    free(x->buf);
    x->buf = NULL;
    x->buflen = 0;
}
