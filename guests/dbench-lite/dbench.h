/*
 * dbench.h - dbench-lite, pvlab's own dbench: the pieces and how they meet.
 *
 * dbench 4.0 replays a "loadfile" (client.txt, a NetBench trace of one
 * Windows client) against a file system, with N clients as N processes, and
 * reports throughput.  dbench-lite does the same in five parts, each in one
 * file, so that everything except the last can be compiled for the Linux host
 * and for minios alike (docs/dbench.md tells the whole story):
 *
 *   loadfile.c  the parser: one text line -> struct dbl_line (pure);
 *   exec.c      the executor: a struct dbl_line -> calls on struct dbl_os,
 *               the tiny OS interface below, with the expected-status check;
 *   client.c    one client process: read the loadfile pass after pass, wait
 *               for timestamps, execute, publish its counters on the board;
 *   report.c    dbench 4.0's output lines, formatted with integers only (the
 *               minios build has no floating point);
 *   dbench.c    the parent: options, launching clients, the warmup / execute
 *               / cleanup phases and the per-second progress lines;
 *   host.c      struct dbl_os for Linux (fork, mmap, pread...).  A minios.c
 *               over guests/libc is the only other file a port needs.
 *
 * Numbers follow dbench: clients are numbered from 0 and "client1" in the
 * loadfile becomes "clientN"; errors are Linux errno values, negated.
 */
#ifndef DBENCH_LITE_H
#define DBENCH_LITE_H

#ifdef DBL_MINIOS
#include <ulib.h>
#else
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

/* Operations, in the order of dbench 4.0's operation table. */
enum dbl_op {
    OP_NTCREATEX,
    OP_CLOSE,
    OP_RENAME,
    OP_UNLINK,
    OP_DELTREE,
    OP_RMDIR,
    OP_MKDIR,
    OP_QPATHINFO,
    OP_QFILEINFO,
    OP_QFSINFO,
    OP_SFILEINFO,
    OP_FIND,
    OP_WRITEX,
    OP_READX,
    OP_LOCKX,
    OP_UNLOCKX,
    OP_FLUSH,
    OP_SLEEP, /* never counted in the table, as in dbench */
    OP_COUNT
};

#define DBL_PATH_MAX   160
#define DBL_STATUS_MAX 48

/*
 * One loadfile line.  path[] are relative to -D DIR, with '/' separators and
 * "client1" already replaced by the client's name.  num[] by operation:
 *   NTCreateX  create_options, create_disposition, handle
 *   Close, Flush                      handle
 *   Unlink     attributes
 *   Q/SfileInfo handle, level         QUERY_PATH/FS_INFORMATION  level
 *   FIND_FIRST level, max count, count
 *   WriteX, ReadX  handle, offset, size, returned size
 *   LockX, UnlockX handle, offset, size
 *   Sleep      microseconds
 */
struct dbl_line {
    enum dbl_op op;
    int has_time;     /* the line began with a timestamp ... */
    uint64_t time_us; /* ... this many microseconds into the pass */
    int npaths, nnums;
    char path[2][DBL_PATH_MAX];
    uint64_t num[4];
    int status_ok; /* the loadfile expects NT_STATUS_OK */
    char status[DBL_STATUS_MAX];
};

/* loadfile.c */
const char *dbl_op_name(enum dbl_op op); /* the table's name: "Qpathinfo" */
/* Parse one line (no newline) for client `client`.  Returns 1 with *out
 * filled, 0 for a blank line, -1 with a message in err (no FILE:LINE). */
int dbl_parse_line(const char *text, int client, struct dbl_line *out, char *err, size_t errlen);

/* Linux errno values the executor tells apart (negated by the OS interface). */
#define DBL_ENOENT    2
#define DBL_EEXIST    17
#define DBL_EISDIR    21
#define DBL_ENOTEMPTY 39

#define DBL_O_RDONLY 0
#define DBL_O_RDWR   2
#define DBL_O_CREAT  0100
#define DBL_O_TRUNC  01000

struct dbl_stat {
    uint64_t size;
    int is_dir;
};

/*
 * The tiny OS interface: everything dbench-lite asks of a system.  Calls
 * return >= 0 on success and a negated errno on failure.  ctx is the
 * implementation's own.  list_dir calls fn for every entry but "." and "..";
 * fn may remove that entry and may call list_dir again (Deltree does both).
 */
struct dbl_os {
    void *ctx;
    int (*open)(void *ctx, const char *path, int flags);
    int (*close)(void *ctx, int fd);
    long (*pread)(void *ctx, int fd, void *buf, size_t len, uint64_t off);
    long (*pwrite)(void *ctx, int fd, const void *buf, size_t len, uint64_t off);
    long (*read)(void *ctx, int fd, void *buf, size_t len);
    int (*unlink)(void *ctx, const char *path);
    int (*rename)(void *ctx, const char *from, const char *to);
    int (*mkdir)(void *ctx, const char *path);
    int (*rmdir)(void *ctx, const char *path);
    int (*stat)(void *ctx, const char *path, struct dbl_stat *st);
    int (*fstat)(void *ctx, int fd, struct dbl_stat *st);
    int (*ftruncate)(void *ctx, int fd, uint64_t len);
    int (*fsync)(void *ctx, int fd);
    int (*list_dir)(void *ctx, const char *path,
                    void (*fn)(void *arg, const char *name, int is_dir), void *arg);
    uint64_t (*clock_ns)(void *ctx); /* monotonic, the same clock in every process */
    void (*sleep_ns)(void *ctx, uint64_t ns);
    void (*out)(void *ctx, const char *text, size_t len); /* stdout */
    const char *(*strerror)(void *ctx, int err);          /* err positive */
    /* The board: shared between the parent and the clients (slot 0: the
     * parent's control record, slot i + 1: client i's counters). */
    void (*board_put)(void *ctx, int slot, const void *buf, size_t len);
    void (*board_get)(void *ctx, int slot, void *buf, size_t len);
    /* Processes: start client i (it runs dbl_client_main and exits), wait
     * for any client: returns its index and exit status, -1 when none. */
    int (*start_client)(void *ctx, int index);
    int (*wait_client)(void *ctx, int *status);
    void (*marker)(void *ctx); /* the lab's xchg %bx,%bx, or nothing */
};

/* Per-operation counters, latencies in microseconds. */
struct dbl_opstat {
    uint32_t count;
    uint32_t max_us;
    uint64_t sum_us;
};

#define DBL_LAT_SLOTS   4
#define DBL_MAX_CLIENTS 64

/* What a client publishes on its board slot. */
struct dbl_client_state {
    uint32_t ready, started, done, failed;
    uint32_t mismatches;  /* operations whose status differed from the loadfile's */
    uint32_t resets_seen; /* the parent's resets the client has applied to its table */
    uint64_t lines;       /* loadfile lines read, over every pass */
    uint64_t bytes;       /* bytes read and written, since the start */
    uint64_t last_done;   /* clock_ns when the client last finished a line */
    struct {              /* the longest latency in each second since the start */
        uint32_t sec, max_us;
    } lat[DBL_LAT_SLOTS];
    struct dbl_opstat op[OP_COUNT];
};

enum dbl_phase { PHASE_LAUNCH, PHASE_RUN, PHASE_STOP };

/* The parent's control record (board slot 0). */
struct dbl_control {
    uint32_t phase;
    uint32_t resets;   /* 1 once the warm-up is over: clients clear their tables */
    uint64_t start_ns; /* when the clients were released */
};

/* The run's settings, the same in the parent and every client. */
struct dbl_config {
    const char *loadfile;
    const char *dir;
    int nprocs;
    int seconds;
    int warmup;
    int per_client; /* --per-client-results: a table for each client too */
};

/* exec.c: one client's executor. */
#define DBL_MAX_FILES 256

struct dbl_exec {
    const struct dbl_os *os;
    const char *dir;
    int client;
    unsigned lineno;  /* lines read so far, over every pass: dbench's [LINE] */
    uint32_t last_us; /* the latency of the last line run */
    struct {
        uint32_t handle;
        int fd;
    } files[DBL_MAX_FILES];
    int nfiles;
    void *buf; /* zeroes for WriteX, room for ReadX */
    size_t buflen;
    struct dbl_client_state *state;
};

void dbl_exec_init(struct dbl_exec *x, const struct dbl_os *os, const char *dir, int client,
                   struct dbl_client_state *state);
/* Run one line: 0 when the client may go on, -1 when it must fail (dbench's
 * fatal cases: a missing handle, Unlink/Rmdir/Rename status mismatches). */
int dbl_exec_line(struct dbl_exec *x, const struct dbl_line *l);
void dbl_exec_cleanup(struct dbl_exec *x); /* close every handle */
void dbl_deltree(const struct dbl_os *os, const char *path);
void dbl_printf(const struct dbl_os *os, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* client.c */
int dbl_client_main(const struct dbl_os *os, const struct dbl_config *cfg, int index);
/* Read the loadfile once and report the first bad line as FILE:LINE: problem. */
int dbl_check_loadfile(const struct dbl_os *os, const char *path);

/* Buffered line reading over os->read (client.c). */
struct dbl_reader {
    const struct dbl_os *os;
    int fd;
    char *buf;
    size_t size, start, end;
    int eof;
};
int dbl_reader_open(struct dbl_reader *r, const struct dbl_os *os, const char *path, size_t size);
/* Next line, NUL-terminated in place, or NULL at the end; *toolong when a
 * line does not fit the buffer. */
char *dbl_reader_next(struct dbl_reader *r, int *toolong);
void dbl_reader_close(struct dbl_reader *r);

/* report.c: each returns the number of characters written into buf. */
size_t dbl_fmt_fixed(char *buf, size_t len, uint64_t value, unsigned decimals, unsigned scale);
size_t dbl_fmt_g(char *buf, size_t len, uint64_t micro);
size_t dbl_fmt_progress(char *buf, size_t len, unsigned clients, uint64_t lines,
                        uint64_t bytes_per_sec, const char *phase, unsigned sec, uint64_t lat_us);
size_t dbl_fmt_cleanup(char *buf, size_t len, unsigned running, unsigned sec);
size_t dbl_fmt_table(char *buf, size_t len, const struct dbl_opstat op[OP_COUNT]);
size_t dbl_fmt_throughput(char *buf, size_t len, uint64_t bytes_per_sec, int clients, int procs,
                          uint64_t max_lat_us);

/*
 * The lab marker (DESIGN.md decision 12): `xchg %bx,%bx`, Simics' magic
 * instruction, which lab/plugin/gate.c and pvlab-cache.so watch for.  Both
 * builds execute it, at the same two points of dbench.c (the execute phase's
 * start and end), so the host build run under the lab's QEMU marks what the
 * minios build marks.  It exchanges a register with itself: on Linux it does
 * nothing, and elsewhere than x86 it is left out.
 */
static inline void dbl_lab_marker(void)
{
#if defined(__i386__) || defined(__x86_64__)
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
#endif
}

/* dbench.c: the whole program; argv as main's. */
int dbl_main(const struct dbl_os *os, int argc, char **argv, struct dbl_config *cfg);

#endif
