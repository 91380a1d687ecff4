/*
 * minios_files.c - dbench-lite on minios: more open files than a minios
 * process may hold.
 *
 * A minios process has MAX_FDS (16) descriptors, three of them the
 * console's; dbench's client.txt holds up to 23 handles open at once (its
 * line 2080), and dbench-lite's reader and board take two more.  So
 * minios.c gives the executor handles from this table instead of raw
 * descriptors.  A handle is normally just a descriptor; when open() answers
 * -EMFILE, the least recently used handle is "parked": its descriptor is
 * closed and its path kept, and the next call that needs it opens the path
 * again (without O_CREAT and O_TRUNC) and seeks back to where sequential
 * reads had got to.  dbench-lite's executor reads and writes at explicit
 * offsets, so nothing else is lost.  Over the whole of client.txt with 12
 * descriptors free that is about a thousand reopens for 458,344 lines; each
 * is counted, and the client says how many it did (minios.c).  Where minios
 * gives a process more descriptors, none happens.
 *
 * Names must stay true while a file is parked: a rename moves the kept
 * paths with it (a directory's too).  A file about to be unlinked is opened
 * again first, so that minios answers as it does for any open file
 * (-EBUSY today; client.txt never unlinks an open file), and if minios lets
 * the unlink happen the file is never parked after, as an unlinked file
 * still open stays readable on Linux.
 */
#include "minios_files.h"

#define MF_MAX  (DBL_MAX_FILES + 8) /* the executor's handles, the reader, a spare */
#define MF_PATH (2 * DBL_PATH_MAX + 32)

struct mf_file {
    int used;
    int fd;           /* the descriptor, or -1 while parked */
    int flags;        /* open()'s flags for a reopen: no O_CREAT or O_TRUNC */
    int pinned;       /* unlinked while open: may not be parked */
    uint32_t off;     /* where sequential reads have got to */
    uint32_t used_at; /* a stamp for least-recently-used */
    char path[MF_PATH];
};

static struct mf_file files[MF_MAX];
static uint32_t clock_stamp;
static unsigned reopens;

/* Close the least recently used unpinned live file but `keep`; 0 or -EMFILE. */
static int park_one(int keep)
{
    int victim = -1;
    for (int i = 0; i < MF_MAX; i++) {
        struct mf_file *f = &files[i];
        if (f->used && f->fd >= 0 && !f->pinned && i != keep &&
            (victim < 0 || f->used_at < files[victim].used_at))
            victim = i;
    }
    if (victim < 0)
        return -E_MFILE;
    close(files[victim].fd);
    files[victim].fd = -1;
    return 0;
}

int mf_raw_open(const char *path, int flags, int keep)
{
    int fd;
    while ((fd = open(path, flags)) == -E_MFILE)
        if (park_one(keep) < 0)
            break;
    return fd;
}

int mf_open(const char *path, int flags)
{
    int h = 0;
    while (h < MF_MAX && files[h].used)
        h++;
    if (h == MF_MAX)
        return -E_MFILE;
    int fd = mf_raw_open(path, flags, -1);
    if (fd < 0)
        return fd;
    struct mf_file *f = &files[h];
    memset(f, 0, sizeof(*f));
    f->used = 1;
    f->fd = fd;
    f->flags = flags & ~(O_CREAT | O_TRUNC);
    f->used_at = ++clock_stamp;
    strlcpy(f->path, path, sizeof(f->path));
    return h;
}

int mf_fd(int h)
{
    if (h < 0 || h >= MF_MAX || !files[h].used)
        return -E_BADF;
    struct mf_file *f = &files[h];
    f->used_at = ++clock_stamp;
    if (f->fd >= 0)
        return f->fd;
    int fd = mf_raw_open(f->path, f->flags, h);
    if (fd < 0)
        return fd;
    reopens++;
    if (f->off && lseek(fd, (int32_t)f->off, SEEK_SET) < 0) {
        close(fd);
        return -E_IO;
    }
    return f->fd = fd;
}

long mf_read(int h, void *buf, uint32_t len)
{
    int fd = mf_fd(h);
    long n = fd < 0 ? fd : read(fd, buf, len);
    if (n > 0)
        files[h].off += (uint32_t)n;
    return n;
}

int mf_close(int h)
{
    if (h < 0 || h >= MF_MAX || !files[h].used)
        return -E_BADF;
    int rc = files[h].fd >= 0 ? close(files[h].fd) : 0;
    files[h].used = 0;
    return rc;
}

/* Does path name `prefix` or something inside it?  Returns the length matched, or 0. */
static size_t under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return !strncmp(path, prefix, n) && (path[n] == 0 || path[n] == '/') ? n : 0;
}

void mf_renamed(const char *from, const char *to)
{
    char moved[MF_PATH];
    for (int i = 0; i < MF_MAX; i++) {
        size_t n = files[i].used ? under(files[i].path, from) : 0;
        if (n) {
            snprintf(moved, sizeof(moved), "%s%s", to, files[i].path + n);
            strlcpy(files[i].path, moved, sizeof(files[i].path));
        }
    }
}

void mf_unlinking(const char *path)
{
    for (int i = 0; i < MF_MAX; i++)
        if (files[i].used && !strcmp(files[i].path, path) && mf_fd(i) >= 0)
            files[i].pinned = 1;
}

unsigned mf_reopens(void)
{
    return reopens;
}
