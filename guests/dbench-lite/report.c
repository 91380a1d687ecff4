/*
 * report.c - dbench 4.0's output, character for character, with integers.
 *
 * dbench prints with printf's %f and %g; the minios build of dbench-lite has
 * no floating point (-mgeneral-regs-only), so every figure is kept as an
 * integer in a small unit (microseconds, bytes per second) and printed as a
 * fixed-point number here.  The layouts are dbench 4.0's:
 *
 *    %4d  %8d  %7.2f MB/sec  execute %3.0f sec  latency %.03f ms
 *    %4d  cleanup %3.0f sec
 *     Operation      Count    AvgLat    MaxLat        (then " %-12s %7u %9.03f %9.03f")
 *    Throughput %g MB/sec  %d clients  %d procs  max_latency=%.03f ms
 *
 * A megabyte is 10^6 bytes, as in dbench.  Operations that never ran are
 * left out of the table, as dbench does.
 */
#include "dbench.h"

/* What snprintf(buf, len, ...) returning n left in buf. */
static size_t fitted(int n, size_t len)
{
    if (n < 0 || len == 0)
        return 0;
    return (size_t)n < len ? (size_t)n : len - 1;
}

static uint64_t pow10u(unsigned n)
{
    uint64_t p = 1;
    while (n--)
        p *= 10;
    return p;
}

/* value counts units of 10^-scale; print it rounded to `decimals` places. */
size_t dbl_fmt_fixed(char *buf, size_t len, uint64_t value, unsigned decimals, unsigned scale)
{
    uint64_t div = pow10u(scale - decimals), unit = pow10u(decimals);
    uint64_t v = (value + div / 2) / div;
    int n;
    if (decimals == 0)
        n = snprintf(buf, len, "%llu", (unsigned long long)v);
    else
        n = snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(v / unit), (int)decimals,
                     (unsigned long long)(v % unit));
    return fitted(n, len);
}

static unsigned digits(uint64_t v)
{
    unsigned d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

static int has_dot(const char *s, size_t n)
{
    while (n--)
        if (*s++ == '.')
            return 1;
    return 0;
}

/* printf's %g of micro / 10^6: six significant digits, no trailing zeros. */
size_t dbl_fmt_g(char *buf, size_t len, uint64_t micro)
{
    unsigned whole = micro >= 1000000 ? digits(micro / 1000000) : 0;
    unsigned decimals = whole >= 6 ? 0 : 6 - (whole ? whole : 1);
    size_t n = dbl_fmt_fixed(buf, len, micro, decimals, 6);
    if (decimals && whole && digits((micro + pow10u(6 - decimals) / 2) / 1000000) > whole)
        n = dbl_fmt_fixed(buf, len, micro, decimals - 1, 6); /* 999.9995 became 1000.000 */
    if (has_dot(buf, n))
        while (n > 0 && buf[n - 1] == '0')
            buf[--n] = 0;
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = 0;
    return n;
}

size_t dbl_fmt_progress(char *buf, size_t len, unsigned clients, uint64_t lines,
                        uint64_t bytes_per_sec, const char *phase, unsigned sec, uint64_t lat_us)
{
    char mb[32], lat[32];
    dbl_fmt_fixed(mb, sizeof(mb), bytes_per_sec, 2, 6);
    dbl_fmt_fixed(lat, sizeof(lat), lat_us, 3, 3);
    int n = snprintf(buf, len, "%4u  %8llu  %7s MB/sec  %s %3u sec  latency %s ms\n", clients,
                     (unsigned long long)lines, mb, phase, sec, lat);
    return fitted(n, len);
}

size_t dbl_fmt_cleanup(char *buf, size_t len, unsigned running, unsigned sec)
{
    int n = snprintf(buf, len, "%4u  cleanup %3u sec\n", running, sec);
    return fitted(n, len);
}

/* One row: " %-12s %7u %9.03f %9.03f". */
static size_t fmt_row(char *buf, size_t len, enum dbl_op op, const struct dbl_opstat *o)
{
    char avg[32], max[32];
    dbl_fmt_fixed(avg, sizeof(avg), o->sum_us / o->count, 3, 3);
    dbl_fmt_fixed(max, sizeof(max), o->max_us, 3, 3);
    int n = snprintf(buf, len, " %-12s %7u %9s %9s\n", dbl_op_name(op), o->count, avg, max);
    return fitted(n, len);
}

size_t dbl_fmt_table(char *buf, size_t len, const struct dbl_opstat op[OP_COUNT])
{
    int n = snprintf(buf, len,
                     "\n Operation      Count    AvgLat    MaxLat\n"
                     " ----------------------------------------\n");
    size_t used = fitted(n, len);
    for (int i = 0; i < OP_COUNT && used + 1 < len; i++)
        if (i != OP_SLEEP && op[i].count)
            used += fmt_row(buf + used, len - used, (enum dbl_op)i, &op[i]);
    if (used + 1 < len) {
        buf[used++] = '\n';
        buf[used] = 0;
    }
    return used;
}

size_t dbl_fmt_throughput(char *buf, size_t len, uint64_t bytes_per_sec, int clients, int procs,
                          uint64_t max_lat_us)
{
    char mb[32], lat[32];
    dbl_fmt_g(mb, sizeof(mb), bytes_per_sec);
    dbl_fmt_fixed(lat, sizeof(lat), max_lat_us, 3, 3);
    int n = snprintf(buf, len, "Throughput %s MB/sec  %d clients  %d procs  max_latency=%s ms\n",
                     mb, clients, procs, lat);
    return fitted(n, len);
}
