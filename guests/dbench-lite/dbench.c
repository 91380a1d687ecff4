/*
 * dbench.c - the parent: options, launch, the three phases, the report.
 *
 * `dbench [-c LOADFILE] [-t SECONDS] [-D DIR] [--warmup SECONDS] NPROCS`
 * runs NPROCS clients (client.c), each a process, and prints what dbench 4.0
 * prints.  The loadfile is read once first, so a malformed line stops the
 * run before it starts, as FILE:LINE: problem.  Then the phases, as measured
 * on Debian's dbench 4.0 (docs/dbench.md):
 *
 *   warmup   the clients are released together; once a second a progress
 *            line ("warmup", the first column counting clients that have
 *            moved bytes).  It ends at the first tick later than --warmup
 *            seconds (default SECONDS / 5) at which every client has moved
 *            bytes; that tick prints nothing, the clients clear their
 *            tables, the clock restarts and the lab marker (xchg %bx,%bx)
 *            opens the measured window.  With --warmup 0 nothing is cleared
 *            and the window opens at the release.
 *   execute  once a second "execute": MB/sec since the clock restarted, the
 *            longest latency of that second (or the time a client has been
 *            on its current line).  The first tick later than SECONDS stops
 *            the clients and closes the window; the throughput is the last
 *            execute line's figure.
 *   cleanup  the clients finish the line they are on (still counted in the
 *            table) and exit; "N  cleanup T sec" until none is left.
 *
 * The parent talks to the clients only through the board (slot 0 is its
 * control record), so the same code works with shared memory on Linux and
 * with a file under minios.
 */
#include "dbench.h"

#ifndef DBL_DEFAULT_LOADFILE
#define DBL_DEFAULT_LOADFILE "/usr/share/dbench/client.txt"
#endif

#define NS_PER_SEC 1000000000ull

static void usage(const struct dbl_os *os)
{
    dbl_printf(os, "usage: dbench [-c LOADFILE] [-t SECONDS] [-D DIR] [--warmup SECONDS]\n"
                   "              [--per-client-results] NPROCS\n");
}

/* A whole non-negative decimal number below 10^6; 0 on success. */
static int parse_count(const char *s, int *out)
{
    int v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

/* The value of option argv[*i] ("-t 10", "--warmup=3"); NULL if missing. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == 0 && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int is_option(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(arg, name, n) && (arg[n] == 0 || arg[n] == '=');
}

/* Fill cfg from argv; *client is the hidden --client N of a spawned client
 * (-1 for the parent).  0 on success. */
static int parse_options(int argc, char **argv, struct dbl_config *cfg, int *client)
{
    int ok = 1, have_warmup = 0, have_nprocs = 0;
    cfg->loadfile = DBL_DEFAULT_LOADFILE;
    cfg->dir = ".";
    cfg->seconds = 600;
    *client = -1;
    for (int i = 1; i < argc && ok; i++) {
        const char *a = argv[i];
        if (is_option(a, "-c"))
            ok = (cfg->loadfile = option_value(argc, argv, &i, "-c")) != NULL;
        else if (is_option(a, "-D"))
            ok = (cfg->dir = option_value(argc, argv, &i, "-D")) != NULL;
        else if (is_option(a, "-t"))
            ok = !parse_count(option_value(argc, argv, &i, "-t"), &cfg->seconds);
        else if (is_option(a, "--warmup"))
            ok = have_warmup = !parse_count(option_value(argc, argv, &i, "--warmup"), &cfg->warmup);
        else if (!strcmp(a, "--per-client-results"))
            cfg->per_client = 1;
        else if (is_option(a, "--client"))
            ok = !parse_count(option_value(argc, argv, &i, "--client"), client);
        else if (a[0] != '-' && !have_nprocs)
            ok = have_nprocs = !parse_count(a, &cfg->nprocs);
        else
            ok = 0;
    }
    if (!have_warmup)
        cfg->warmup = cfg->seconds / 5;
    return ok && have_nprocs && cfg->nprocs >= 1 && cfg->nprocs <= DBL_MAX_CLIENTS &&
                   cfg->seconds >= 1
               ? 0
               : -1;
}

/* The parent's view of the run. */
struct parent {
    const struct dbl_os *os;
    const struct dbl_config *cfg;
    struct dbl_control ctl;
    struct dbl_client_state st[DBL_MAX_CLIENTS];
    int launched;        /* clients started */
    int warmup;          /* seconds of warm-up still to come; 0 once it is over */
    uint64_t tv_start;   /* release, then the end of the warm-up: what "sec" counts from */
    uint64_t bytes_base; /* bytes done before tv_start */
    uint64_t throughput; /* bytes per second, as the last execute line said */
    uint64_t max_lat_us; /* the longest latency of any progress line */
};

static uint64_t now(const struct parent *p)
{
    return p->os->clock_ns(p->os->ctx);
}

static void put_control(struct parent *p)
{
    p->os->board_put(p->os->ctx, 0, &p->ctl, sizeof(p->ctl));
}

static void collect(struct parent *p)
{
    for (int i = 0; i < p->cfg->nprocs; i++)
        p->os->board_get(p->os->ctx, i + 1, &p->st[i], sizeof(p->st[i]));
}

struct totals {
    uint64_t lines, bytes;
    unsigned ready, active, done, failed, mismatches;
};

static struct totals sum_up(const struct parent *p)
{
    struct totals t = {0};
    for (int i = 0; i < p->cfg->nprocs; i++) {
        const struct dbl_client_state *s = &p->st[i];
        t.lines += s->lines;
        t.bytes += s->bytes;
        t.ready += s->ready || s->done;
        t.active += s->bytes > 0; /* dbench: a client is warm once it moved bytes */
        t.done += s->done;
        t.failed += s->failed;
        t.mismatches += s->mismatches;
    }
    return t;
}

/* The longest latency of a line any client finished in second sec, or the
 * time a client has spent on the line it is on (a timestamp wait counts). */
static uint64_t tick_latency(const struct parent *p, uint32_t sec, uint64_t t)
{
    uint64_t lat = 0;
    for (int i = 0; i < p->cfg->nprocs; i++) {
        const struct dbl_client_state *s = &p->st[i];
        unsigned slot = sec % DBL_LAT_SLOTS;
        if (s->lat[slot].sec == sec && s->lat[slot].max_us > lat)
            lat = s->lat[slot].max_us;
        if (!s->done && t > s->last_done && (t - s->last_done) / 1000 > lat)
            lat = (t - s->last_done) / 1000;
    }
    return lat;
}

static uint64_t per_second(uint64_t bytes, uint64_t ns)
{
    uint64_t us = ns / 1000;
    return us ? bytes * 1000000 / us : 0;
}

static unsigned whole_seconds(uint64_t ns)
{
    return (unsigned)((ns + NS_PER_SEC / 2) / NS_PER_SEC); /* as %3.0f rounds */
}

/* Start all clients and release them together; 0, or -1 if one failed. */
static int launch(struct parent *p)
{
    const struct dbl_os *os = p->os;
    struct dbl_client_state zero;
    memset(&zero, 0, sizeof(zero));
    p->ctl.phase = PHASE_LAUNCH;
    put_control(p);
    for (int i = 0; i < p->cfg->nprocs; i++) {
        os->board_put(os->ctx, i + 1, &zero, sizeof(zero));
        if (os->start_client(os->ctx, i) < 0) {
            dbl_printf(os, "FAILED TO START %d CLIENTS (started %d)\n", p->cfg->nprocs, i);
            return -1;
        }
        p->launched++;
    }
    uint64_t t0 = now(p);
    struct totals t;
    do {
        os->sleep_ns(os->ctx, 10000000);
        collect(p);
        t = sum_up(p);
        if (now(p) - t0 > 60 * NS_PER_SEC) {
            dbl_printf(os, "dbench: %u of %d clients never got ready\n", p->cfg->nprocs - t.ready,
                       p->cfg->nprocs);
            return -1;
        }
    } while (t.ready < (unsigned)p->cfg->nprocs);
    dbl_printf(os, "%d of %d processes prepared for launch %3u sec\n", p->cfg->nprocs,
               p->cfg->nprocs, whole_seconds(now(p) - t0));
    if (t.failed)
        return -1;
    dbl_printf(os, "releasing clients\n");
    p->ctl.start_ns = p->tv_start = now(p);
    p->ctl.phase = PHASE_RUN;
    put_control(p);
    p->warmup = p->cfg->warmup;
    if (p->warmup == 0)
        os->marker(os->ctx); /* no warm-up: the measured window opens now */
    return 0;
}

/* The warm-up is over: count again from here, and open the lab's window. */
static void end_warmup(struct parent *p, const struct totals *t, uint64_t at)
{
    p->tv_start = at;
    p->bytes_base = t->bytes;
    p->warmup = 0;
    p->ctl.resets = 1;
    put_control(p);
    p->os->marker(p->os->ctx);
}

static void say_progress(struct parent *p, unsigned clients, const struct totals *t,
                         const char *phase, uint64_t elapsed, uint64_t lat)
{
    char line[160];
    uint64_t bps = per_second(t->bytes - p->bytes_base, elapsed);
    dbl_fmt_progress(line, sizeof(line), clients, t->lines / (unsigned)p->cfg->nprocs, bps, phase,
                     whole_seconds(elapsed), lat);
    p->os->out(p->os->ctx, line, strlen(line));
    if (phase[0] == 'e')
        p->throughput = bps;
}

/* One tick of warm-up or execute, dbench 4.0's rules; 1 when it is time to
 * stop.  due is when the tick was meant to come: the clock restarts from
 * there, so later ticks fall just past whole seconds, as dbench's do. */
static int tick(struct parent *p, unsigned sec, uint64_t due, uint64_t t)
{
    struct totals tot = sum_up(p);
    uint64_t elapsed = t - p->tv_start;
    int in_warmup = tot.active < (unsigned)p->cfg->nprocs;
    if (!in_warmup && p->warmup > 0 && elapsed > (uint64_t)p->warmup * NS_PER_SEC) {
        end_warmup(p, &tot, due);
        return 0;
    }
    if (elapsed < (uint64_t)p->warmup * NS_PER_SEC)
        in_warmup = 1;
    else if (!in_warmup && elapsed > (uint64_t)p->cfg->seconds * NS_PER_SEC)
        return 1;
    uint64_t lat = tick_latency(p, sec - 1, t);
    if (lat > p->max_lat_us)
        p->max_lat_us = lat;
    if (in_warmup)
        say_progress(p, tot.active, &tot, "warmup", elapsed, lat);
    else
        say_progress(p, (unsigned)p->cfg->nprocs, &tot, "execute", elapsed, lat);
    return 0;
}

/* Warm-up and execute, a tick a second; -1 if a client failed. */
static int run_phases(struct parent *p)
{
    for (unsigned sec = 1;; sec++) {
        uint64_t due = p->ctl.start_ns + sec * NS_PER_SEC, t = now(p);
        if (due > t)
            p->os->sleep_ns(p->os->ctx, due - t);
        collect(p);
        if (sum_up(p).failed)
            return -1;
        if (tick(p, sec, due, now(p))) {
            p->ctl.phase = PHASE_STOP;
            put_control(p);
            p->os->marker(p->os->ctx);
            return 0;
        }
    }
}

/* Let the clients finish: "N  cleanup T sec" at once, then a line a second
 * while any runs, and a last one when none does.  Returns failed clients. */
static int cleanup(struct parent *p)
{
    const struct dbl_os *os = p->os;
    uint64_t next = 0;
    char line[64];
    for (;;) {
        collect(p);
        struct totals t = sum_up(p);
        uint64_t n = now(p);
        unsigned running = (unsigned)p->launched - t.done;
        if (n >= next || running == 0) {
            dbl_fmt_cleanup(line, sizeof(line), running, whole_seconds(n - p->tv_start));
            os->out(os->ctx, line, strlen(line));
            next = n + NS_PER_SEC;
        }
        if (running == 0)
            break;
        os->sleep_ns(os->ctx, 10000000);
    }
    int status, failed = 0;
    while (os->wait_client(os->ctx, &status) >= 0)
        if (status != 0) {
            dbl_printf(os, "Child failed with status %d\n", status);
            failed++;
        }
    return failed;
}

/* --per-client-results, in dbench's layout: each client's own table. */
static void report_clients(struct parent *p)
{
    static char table[4096];
    dbl_printf(p->os, "Per client results:\n");
    for (int i = 0; i < p->cfg->nprocs; i++) {
        dbl_printf(p->os, "Client %d did %llu lines and %llu bytes\n", i,
                   (unsigned long long)p->st[i].lines, (unsigned long long)p->st[i].bytes);
        size_t n = dbl_fmt_table(table, sizeof(table), p->st[i].op);
        p->os->out(p->os->ctx, table + 1, n - 1); /* no blank line before it */
    }
}

static void report(struct parent *p, const struct totals *t)
{
    static char table[4096];
    struct dbl_opstat op[OP_COUNT];
    memset(op, 0, sizeof(op));
    for (int i = 0; i < p->cfg->nprocs; i++)
        for (int k = 0; k < OP_COUNT; k++) {
            op[k].count += p->st[i].op[k].count;
            op[k].sum_us += p->st[i].op[k].sum_us;
            if (p->st[i].op[k].max_us > op[k].max_us)
                op[k].max_us = p->st[i].op[k].max_us;
        }
    dbl_fmt_table(table, sizeof(table), op);
    p->os->out(p->os->ctx, table, strlen(table));
    if (p->cfg->per_client)
        report_clients(p);
    if (t->mismatches)
        dbl_printf(p->os, "%u operations ended with another status than the loadfile's\n",
                   t->mismatches);
    dbl_fmt_throughput(table, sizeof(table), p->throughput, p->cfg->nprocs, p->cfg->nprocs,
                       p->max_lat_us);
    p->os->out(p->os->ctx, table, strlen(table));
}

static int run_parent(const struct dbl_os *os, const struct dbl_config *cfg)
{
    static struct parent p;
    memset(&p, 0, sizeof(p));
    p.os = os;
    p.cfg = cfg;
    dbl_printf(os, "dbench-lite (pvlab) - replays dbench 4.0 loadfiles\n\n");
    dbl_printf(os, "Running for %d seconds with load '%s' and minimum warmup %d secs\n",
               cfg->seconds, cfg->loadfile, cfg->warmup);
    if (dbl_check_loadfile(os, cfg->loadfile))
        return 1;
    int rc = launch(&p) == 0 ? run_phases(&p) : -1;
    if (rc < 0) {
        p.ctl.phase = PHASE_STOP;
        put_control(&p);
    }
    int failed = cleanup(&p);
    if (rc < 0 || failed)
        return 1;
    struct totals t = sum_up(&p);
    report(&p, &t);
    return 0;
}

int dbl_main(const struct dbl_os *os, int argc, char **argv, struct dbl_config *cfg)
{
    int client;
    if (parse_options(argc, argv, cfg, &client)) {
        usage(os);
        return 1;
    }
    if (client >= 0)
        return dbl_client_main(os, cfg, client);
    return run_parent(os, cfg);
}
