/*
 * client.c - one dbench client: a process that replays the loadfile.
 *
 * dbench.c starts one client per NPROCS, each in its own process (fork on
 * Linux).  A client opens the loadfile, says it is ready on its board slot,
 * and waits for the parent to release all clients at once.  Then it reads
 * the loadfile line by line, pass after pass, like dbench 4.0's child loop:
 * a line with a timestamp waits until that moment of the pass; the line is
 * executed (exec.c) and timed; the client's counters go to its board slot.
 * The parent's control record tells it when the warm-up is over (the client
 * then clears its operation table, so warm-up operations are not counted)
 * and when to stop.  A stopped client finishes the line it is on,
 * including a timestamp wait, as dbench does, closes its handles and removes
 * its clients/clientN directory.
 *
 * The loadfile is streamed, never held whole: client.txt is 26 MB and a
 * minios process has a 4 MiB heap.
 */
#include "dbench.h"

#define READ_BUF (64 * 1024)

int dbl_reader_open(struct dbl_reader *r, const struct dbl_os *os, const char *path, size_t size)
{
    memset(r, 0, sizeof(*r));
    r->os = os;
    r->fd = os->open(os->ctx, path, DBL_O_RDONLY);
    if (r->fd < 0)
        return r->fd;
    r->buf = malloc(size);
    if (!r->buf) {
        os->close(os->ctx, r->fd);
        return -12; /* ENOMEM */
    }
    r->size = size;
    return 0;
}

static char *find_newline(char *p, size_t n)
{
    for (; n > 0; p++, n--)
        if (*p == '\n')
            return p;
    return NULL;
}

/* Move what is left to the front and read more; 0 when nothing was added. */
static size_t refill(struct dbl_reader *r)
{
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
    if (r->eof || r->end == r->size)
        return 0;
    long n = r->os->read(r->os->ctx, r->fd, r->buf + r->end, r->size - r->end);
    if (n <= 0) {
        r->eof = 1;
        return 0;
    }
    r->end += (size_t)n;
    return (size_t)n;
}

char *dbl_reader_next(struct dbl_reader *r, int *toolong)
{
    *toolong = 0;
    for (;;) {
        char *nl = find_newline(r->buf + r->start, r->end - r->start);
        if (nl) {
            char *line = r->buf + r->start;
            *nl = 0;
            r->start = (size_t)(nl - r->buf) + 1;
            return line;
        }
        if (refill(r))
            continue;
        if (r->end == r->size) {
            *toolong = 1;
            return NULL;
        }
        if (r->end == r->start)
            return NULL;
        r->buf[r->end] = 0; /* a last line without a newline (room: end < size) */
        char *line = r->buf + r->start;
        r->start = r->end;
        return line;
    }
}

void dbl_reader_close(struct dbl_reader *r)
{
    if (r->fd >= 0)
        r->os->close(r->os->ctx, r->fd);
    free(r->buf);
    r->buf = NULL;
    r->fd = -1;
}

int dbl_check_loadfile(const struct dbl_os *os, const char *path)
{
    struct dbl_reader r;
    struct dbl_line l;
    char err[160];
    unsigned lineno = 0, ops = 0;
    int toolong, rc = 0;
    if (dbl_reader_open(&r, os, path, READ_BUF) < 0) {
        dbl_printf(os, "dbench: error opening '%s'\n", path);
        return -1;
    }
    for (char *t; (t = dbl_reader_next(&r, &toolong)) != NULL && rc == 0;) {
        lineno++;
        int k = dbl_parse_line(t, 0, &l, err, sizeof(err));
        if (k < 0) {
            dbl_printf(os, "%s:%u: %s\n", path, lineno, err);
            rc = -1;
        }
        ops += k > 0;
    }
    if (rc == 0 && toolong) {
        dbl_printf(os, "%s:%u: line longer than %d bytes\n", path, lineno + 1, READ_BUF - 1);
        rc = -1;
    } else if (rc == 0 && ops == 0) {
        dbl_printf(os, "%s: no operations\n", path);
        rc = -1;
    }
    dbl_reader_close(&r);
    return rc;
}

/* A running client: its executor, reader and what the parent said last. */
struct client {
    const struct dbl_os *os;
    const struct dbl_config *cfg;
    int index;
    struct dbl_client_state st;
    struct dbl_exec x;
    struct dbl_reader r;
    struct dbl_control ctl;
};

static void publish(struct client *c)
{
    c->os->board_put(c->os->ctx, c->index + 1, &c->st, sizeof(c->st));
}

static void read_control(struct client *c)
{
    c->os->board_get(c->os->ctx, 0, &c->ctl, sizeof(c->ctl));
    if (c->ctl.resets != c->st.resets_seen) {
        memset(c->st.op, 0, sizeof(c->st.op)); /* warm-up operations are not counted */
        c->st.resets_seen = c->ctl.resets;
    }
}

/* Fold a latency into the longest-per-second slots the parent reads. */
static void note_latency(struct client *c, uint64_t now, uint32_t us)
{
    uint32_t sec = (uint32_t)((now - c->ctl.start_ns) / 1000000000u);
    unsigned slot = sec % DBL_LAT_SLOTS;
    if (c->st.lat[slot].sec != sec) {
        c->st.lat[slot].sec = sec;
        c->st.lat[slot].max_us = 0;
    }
    if (us > c->st.lat[slot].max_us)
        c->st.lat[slot].max_us = us;
}

static void wait_until(const struct dbl_os *os, uint64_t when)
{
    uint64_t now = os->clock_ns(os->ctx);
    if (when > now)
        os->sleep_ns(os->ctx, when - now);
}

/* One line: parse, wait for its timestamp, run, publish.  1 to stop the
 * client normally, -1 on failure, 0 to go on. */
static int run_line(struct client *c, const char *text, unsigned file_line, uint64_t pass_start)
{
    const struct dbl_os *os = c->os;
    struct dbl_line l;
    char err[160];
    c->st.lines++;
    c->x.lineno = (unsigned)c->st.lines;
    int k = dbl_parse_line(text, c->index, &l, err, sizeof(err));
    if (k < 0) {
        dbl_printf(os, "%s:%u: %s\n", c->cfg->loadfile, file_line, err);
        return -1;
    }
    if (k == 0)
        return 0;
    if (l.has_time) {
        publish(c); /* dbench shows the line a client waits on as read */
        wait_until(os, pass_start + l.time_us * 1000);
    }
    int r = dbl_exec_line(&c->x, &l);
    c->st.last_done = os->clock_ns(os->ctx);
    note_latency(c, c->st.last_done, c->x.last_us);
    read_control(c);
    publish(c);
    if (r < 0)
        return -1;
    return c->ctl.phase == PHASE_STOP;
}

/* Pass after pass until the parent says stop; 0 or -1. */
static int run_passes(struct client *c)
{
    for (;;) {
        uint64_t pass_start = c->os->clock_ns(c->os->ctx);
        unsigned file_line = 0;
        int toolong, r = 0;
        for (char *t; r == 0 && (t = dbl_reader_next(&c->r, &toolong)) != NULL;)
            r = run_line(c, t, ++file_line, pass_start);
        if (r != 0)
            return r < 0 ? -1 : 0;
        read_control(c);
        if (c->ctl.phase == PHASE_STOP)
            return 0;
        dbl_reader_close(&c->r);
        if (dbl_reader_open(&c->r, c->os, c->cfg->loadfile, READ_BUF) < 0)
            return -1;
    }
}

static void wait_for_release(struct client *c)
{
    for (;;) {
        read_control(c);
        if (c->ctl.phase != PHASE_LAUNCH) {
            c->st.last_done = c->os->clock_ns(c->os->ctx);
            return;
        }
        c->os->sleep_ns(c->os->ctx, 1000000);
    }
}

int dbl_client_main(const struct dbl_os *os, const struct dbl_config *cfg, int index)
{
    static struct client c; /* large: keep it off a small user stack */
    memset(&c, 0, sizeof(c));
    c.os = os;
    c.cfg = cfg;
    c.index = index;
    dbl_exec_init(&c.x, os, cfg->dir, index, &c.st);
    int rc = dbl_reader_open(&c.r, os, cfg->loadfile, READ_BUF) < 0 ? -1 : 0;
    if (rc == 0) {
        c.st.ready = 1;
        publish(&c);
        wait_for_release(&c);
        if (c.ctl.phase != PHASE_STOP) /* the parent may give up before the start */
            rc = run_passes(&c);
        dbl_reader_close(&c.r);
    }
    dbl_exec_cleanup(&c.x);
    char path[DBL_PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/clients/client%d", cfg->dir, index);
    dbl_deltree(os, path);
    c.st.failed = rc < 0;
    c.st.done = 1;
    publish(&c);
    return rc < 0 ? 1 : 0;
}
