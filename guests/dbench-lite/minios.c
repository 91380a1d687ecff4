/*
 * minios.c - dbench-lite on minios: struct dbl_os over pvlab's C library
 * (guests/libc), installed as /bin/dbench.
 *
 * This file is to minios what host.c is to Linux, and the only one of
 * dbench-lite that knows it runs there.  Three things differ from Linux:
 *
 *   - Clients are not forked: minios has spawn, not fork.  The parent
 *     spawns its own program again with its own arguments plus
 *     `--client I --board=FILE`; dbench.c runs dbl_client_main for
 *     --client, and this file takes --board= off the list first.
 *   - Processes share no memory, so the board (dbench.h: the parent's
 *     control record and each client's counters) is a file, FILE =
 *     DIR/.dbench-board.PID, slot i at offset i * sizeof(struct
 *     dbl_client_state), read and written with lseek + read/write.  The
 *     parent creates it at its first write and removes it at the end.  A
 *     client would otherwise add four system calls to every loadfile line,
 *     so it writes its slot and reads the control record at most once per
 *     BOARD_PERIOD_NS (the parent looks once a second), at once when its
 *     ready/done/failed/reset flags change, and before it sleeps.  The
 *     cost: a progress line may be up to that period behind, and a client
 *     notices "stop" up to that much later (it still counts what it does
 *     meanwhile, as dbench's clients count the line they are on).
 *   - Paths go to minios as they are: it resolves a relative one from the
 *     working directory, which the clients inherit from the parent, so
 *     -D DIR may be relative (-D ., the default, is the shell's directory).
 *   - Descriptors are minios's own: a process holds up to 64 (MAX_FDS,
 *     three of them the console's), and client.txt holds at most 23 files
 *     open at once (its line 2080).
 *
 * The lab marker is dbench.h's dbl_lab_marker() (xchg %bx,%bx), as on the
 * host.  Errors are already negated Linux numbers (public/syscall.h).
 */
#include "dbench.h"

#define BOARD_PERIOD_NS 10000000ull /* 10 ms */
#define SLOT_SIZE       sizeof(struct dbl_client_state)
#define FULL_MAX        (2 * DBL_PATH_MAX + 32)
#define DIRENT_BUF      1024 /* getdents' buffer, on the stack of each m_list_dir */

struct mos {
    const struct dbl_os *os;
    const struct dbl_config *cfg; /* -D DIR, once dbench.c has parsed it */
    int argc;
    char **argv;                    /* the parent's, without --board= */
    char board[FULL_MAX];           /* the board file's path */
    int board_fd;                   /* -1 until opened */
    int board_err;                  /* why it could not be created */
    int is_client;                  /* throttle the board (see the header) */
    uint64_t now;                   /* the last clock_ns reading */
    uint64_t last_put, last_get;    /* when a client last wrote / read it */
    struct dbl_client_state posted; /* what a client last wrote */
    struct dbl_client_state held;   /* what it has not written yet ... */
    int held_slot;                  /* ... to this slot (0: nothing held) */
    int pid[DBL_MAX_CLIENTS];
};

/*
 * struct dbl_os's calls (dbench.h states each contract), one system call or
 * two apiece; minios already answers with negated Linux errnos.
 */
static int m_open(void *ctx, const char *path, int flags)
{
    int f = (flags & DBL_O_RDWR ? O_RDWR : O_RDONLY) | (flags & DBL_O_CREAT ? O_CREAT : 0) |
            (flags & DBL_O_TRUNC ? O_TRUNC : 0);
    return open(path, f);
}

static int m_close(void *ctx, int fd)
{
    return close(fd);
}

static long m_pread(void *ctx, int fd, void *buf, size_t len, uint64_t off)
{
    int r = lseek(fd, (int32_t)off, SEEK_SET);
    return r < 0 ? r : read(fd, buf, (uint32_t)len);
}

static long m_pwrite(void *ctx, int fd, const void *buf, size_t len, uint64_t off)
{
    int r = lseek(fd, (int32_t)off, SEEK_SET);
    return r < 0 ? r : write(fd, buf, (uint32_t)len);
}

static long m_read(void *ctx, int fd, void *buf, size_t len)
{
    return read(fd, buf, (uint32_t)len);
}

static int m_unlink(void *ctx, const char *path)
{
    return unlink(path);
}

static int m_rename(void *ctx, const char *from, const char *to)
{
    return rename(from, to);
}

static int m_mkdir(void *ctx, const char *path)
{
    return mkdir(path, 0777);
}

static int m_rmdir(void *ctx, const char *path)
{
    return rmdir(path);
}

static void fill_stat(const struct pvlab_stat *s, struct dbl_stat *st)
{
    st->size = s->st_size;
    st->is_dir = (s->st_mode & S_IFMT) == S_IFDIR;
}

static int m_stat(void *ctx, const char *path, struct dbl_stat *st)
{
    struct pvlab_stat s;
    int r = stat(path, &s);
    if (r == 0)
        fill_stat(&s, st);
    return r;
}

static int m_fstat(void *ctx, int fd, struct dbl_stat *st)
{
    struct pvlab_stat s;
    int r = fstat(fd, &s);
    if (r == 0)
        fill_stat(&s, st);
    return r;
}

static int m_ftruncate(void *ctx, int fd, uint64_t len)
{
    return ftruncate(fd, (uint32_t)len);
}

static int m_fsync(void *ctx, int fd)
{
    return fsync(fd);
}

/*
 * Every entry of a directory but "." and "..", through getdents.  The buffer
 * is this call's own: fn may list another directory (Deltree recurses into
 * each subdirectory from here), and a buffer shared with that inner call
 * would be overwritten under this loop, which would then read its next
 * d_reclen out of the inner directory's names.  That skipped entries, so a
 * Deltree left files behind, and a d_reclen of 0 looped for good on one
 * made-up name (the lab's 2-client dbench that never started a client).
 */
static int m_list_dir(void *ctx, const char *path, void (*fn)(void *, const char *, int), void *arg)
{
    char ents[DIRENT_BUF];
    int fd = open(path, O_RDONLY), n;
    if (fd < 0)
        return fd;
    while ((n = getdents(fd, ents, sizeof(ents))) > 0)
        for (int at = 0; at < n;) {
            const struct pvlab_dirent *e = (const void *)(ents + at);
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                fn(arg, e->d_name, e->d_type == DT_DIR);
            at += e->d_reclen;
        }
    close(fd);
    return n < 0 ? n : 0;
}

/* The clock.  (A client needs no hand-made yields: minios ends a process's time slice on the
 * way back from a system call, proc/sched.c.) */
static uint64_t m_clock_ns(void *ctx)
{
    struct mos *m = ctx;
    m->now = now_ns();
    return m->now;
}

static void flush_board(struct mos *m);

/* Sleep; a client first writes the counters the throttle held back, since
 * the parent may look while it sleeps (a loadfile timestamp: seconds). */
static void m_sleep_ns(void *ctx, uint64_t ns)
{
    struct pvlab_timespec ts = {(int32_t)(ns / 1000000000u), (int32_t)(ns % 1000000000u)};
    flush_board(ctx);
    nanosleep(&ts);
}

static void m_out(void *ctx, const char *text, size_t len)
{
    while (len > 0) {
        int n = write(1, text, (uint32_t)len);
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

static const char *m_strerror(void *ctx, int err)
{
    return strerror(err);
}

/* The board file, opened (the parent: created in -D DIR) on first use; 0
 * or -errno. */
static int board_open(struct mos *m)
{
    if (m->board_fd >= 0 || m->board_err)
        return m->board_err;
    if (!m->is_client) {
        const char *dir = m->cfg->dir;
        snprintf(m->board, sizeof(m->board), "%s%s.dbench-board.%d", dir,
                 dir[strlen(dir) - 1] == '/' ? "" : "/", getpid());
    }
    m->board_fd = open(m->board, O_RDWR | (m->is_client ? 0 : O_CREAT | O_TRUNC));
    if (m->board_fd < 0) {
        m->board_err = m->board_fd;
        m->board_fd = -1;
    }
    return m->board_err;
}

static void board_write(struct mos *m, int slot, const void *buf, size_t len)
{
    if (board_open(m) == 0 && lseek(m->board_fd, (int32_t)(slot * SLOT_SIZE), SEEK_SET) >= 0)
        write(m->board_fd, buf, (uint32_t)len);
}

/* A client's counters changed in a way the parent must see at once? */
static int flags_changed(const struct dbl_client_state *a, const struct dbl_client_state *b)
{
    return a->ready != b->ready || a->done != b->done || a->failed != b->failed ||
           a->resets_seen != b->resets_seen;
}

/* A client's counters: written at once if a flag changed or BOARD_PERIOD_NS
 * has passed, else kept in m->held until the next write or sleep. */
static void m_board_put(void *ctx, int slot, const void *buf, size_t len)
{
    struct mos *m = ctx;
    if (m->is_client && len == SLOT_SIZE) {
        memcpy(&m->held, buf, SLOT_SIZE);
        m->held_slot = slot;
        if (!flags_changed(buf, &m->posted) && m->now - m->last_put < BOARD_PERIOD_NS)
            return;
        flush_board(m);
        return;
    }
    board_write(m, slot, buf, len);
}

static void flush_board(struct mos *m)
{
    if (!m->is_client || !m->held_slot)
        return;
    memcpy(&m->posted, &m->held, SLOT_SIZE);
    m->last_put = m->now;
    board_write(m, m->held_slot, &m->held, SLOT_SIZE);
    m->held_slot = 0;
}

/* The control record a client last read, kept between throttled reads. */
static struct dbl_control control_copy;

static void m_board_get(void *ctx, int slot, void *buf, size_t len)
{
    struct mos *m = ctx;
    if (m->is_client && slot == 0 && control_copy.phase != PHASE_LAUNCH &&
        m->now - m->last_get < BOARD_PERIOD_NS) {
        memcpy(buf, &control_copy, len);
        return;
    }
    memset(buf, 0, len);
    if (board_open(m) == 0 && lseek(m->board_fd, (int32_t)(slot * SLOT_SIZE), SEEK_SET) >= 0)
        read(m->board_fd, buf, (uint32_t)len);
    if (m->is_client && slot == 0) {
        memcpy(&control_copy, buf, sizeof(control_copy));
        m->last_get = m->now;
    }
}

/* The program to spawn again: argv[0] if it is a path, else NAME where the
 * shell looks for it, /bin (ext2's or the archive's) or the archive's
 * /boot/bin once ext2 is the root. */
static const char *self_path(const char *argv0, char *out)
{
    static const char *const dirs[] = {"/bin", "/boot/bin"};
    struct pvlab_stat st;
    if (strchr(argv0, '/'))
        return argv0;
    for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(out, FULL_MAX, "%s/%s", dirs[i], argv0);
        if (stat(out, &st) == 0)
            return out;
    }
    return argv0;
}

/* Spawn client `index`: this program, its arguments, --client I --board=F. */
static int m_start_client(void *ctx, int index)
{
    struct mos *m = ctx;
    char self[FULL_MAX], num[16], board[FULL_MAX + 8], *argv[SPAWN_MAX_ARGS + 1];
    int n = 0;
    if (board_open(m)) {
        dbl_printf(m->os, "dbench: cannot create the board %s: %s\n", m->board,
                   strerror(-m->board_err));
        return m->board_err;
    }
    if (m->argc + 3 > SPAWN_MAX_ARGS)
        return -E_2BIG;
    for (int i = 0; i < m->argc; i++)
        argv[n++] = m->argv[i];
    snprintf(num, sizeof(num), "%d", index);
    snprintf(board, sizeof(board), "--board=%s", m->board);
    argv[n++] = "--client";
    argv[n++] = num;
    argv[n++] = board;
    argv[n] = NULL;
    int pid = spawn(self_path(m->argv[0], self), argv);
    if (pid < 0)
        dbl_printf(m->os, "dbench: cannot start client %d: %s\n", index, strerror(-pid));
    m->pid[index] = pid;
    return pid < 0 ? pid : 0;
}

static int m_wait_client(void *ctx, int *status)
{
    struct mos *m = ctx;
    int pid = waitpid(-1, status, 0);
    if (pid <= 0)
        return -1;
    for (int i = 0; i < DBL_MAX_CLIENTS; i++)
        if (m->pid[i] == pid)
            return i;
    return DBL_MAX_CLIENTS;
}

static void m_marker(void *ctx)
{
    dbl_lab_marker();
}

/* Take --board=FILE off argv (a client's); returns the new argc. */
static int take_board_option(struct mos *m, int argc, char **argv)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "--board=", 8)) {
            strlcpy(m->board, argv[i] + 8, sizeof(m->board));
            m->is_client = 1;
        } else {
            argv[n++] = argv[i];
        }
    }
    argv[n] = NULL;
    return n;
}

int main(int argc, char **argv)
{
    static struct mos m;
    static struct dbl_config cfg;
    static const struct dbl_os os = {
        &m,          m_open,      m_close,     m_pread,        m_pwrite,      m_read,
        m_unlink,    m_rename,    m_mkdir,     m_rmdir,        m_stat,        m_fstat,
        m_ftruncate, m_fsync,     m_list_dir,  m_clock_ns,     m_sleep_ns,    m_out,
        m_strerror,  m_board_put, m_board_get, m_start_client, m_wait_client, m_marker,
    };
    m.os = &os;
    m.cfg = &cfg;
    m.board_fd = -1;
    m.argc = take_board_option(&m, argc, argv);
    m.argv = argv;
    int rc = dbl_main(&os, m.argc, argv, &cfg);
    if (m.board_fd >= 0) {
        close(m.board_fd);
        if (!m.is_client)
            unlink(m.board);
    }
    return rc;
}
