/*
 * test_dbench_report.c - dbench-lite's output layout (guests/dbench-lite/report.c).
 *
 * A student compares dbench-lite's report with the real dbench's by eye and
 * the lab's scripts parse both with the same patterns, so the layout must be
 * dbench 4.0's to the character.  The expected lines below are copied from
 * a run of Debian's dbench 4.0 on the real client.txt; the figures are fed
 * in as the integers dbench-lite keeps (bytes per second, microseconds),
 * including the roundings %7.2f, %.03f and %g make.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dbench.h"

static char buf[4096];

static void test_fixed_point_rounds_like_printf(void **state)
{
    dbl_fmt_fixed(buf, sizeof(buf), 4685, 3, 3);
    assert_string_equal(buf, "4.685");
    dbl_fmt_fixed(buf, sizeof(buf), 344174999, 2, 6);
    assert_string_equal(buf, "344.17");
    dbl_fmt_fixed(buf, sizeof(buf), 344175000, 2, 6);
    assert_string_equal(buf, "344.18");
    dbl_fmt_fixed(buf, sizeof(buf), 5, 3, 3);
    assert_string_equal(buf, "0.005");
    dbl_fmt_fixed(buf, sizeof(buf), 0, 2, 6);
    assert_string_equal(buf, "0.00");
    dbl_fmt_fixed(buf, sizeof(buf), 2500000, 0, 6);
    assert_string_equal(buf, "3");
}

static void test_g_has_six_significant_digits(void **state)
{
    const struct {
        uint64_t micro;
        const char *text;
    } cases[] = {
        {281187000, "281.187"},   {85604700, "85.6047"},   {0, "0"},
        {999999600, "1000"},      {1234567890, "1234.57"}, {500000, "0.5"},
        {123456789012, "123457"}, {100000000, "100"},      {139290, "0.13929"},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dbl_fmt_g(buf, sizeof(buf), cases[i].micro);
        assert_string_equal(buf, cases[i].text);
    }
}

static void test_progress_lines(void **state)
{
    dbl_fmt_progress(buf, sizeof(buf), 1, 60710, 344170000, "warmup", 1, 4685);
    assert_string_equal(buf, "   1     60710   344.17 MB/sec  warmup   1 sec  latency 4.685 ms\n");
    dbl_fmt_progress(buf, sizeof(buf), 1, 161444, 254610000, "execute", 1, 6333);
    assert_string_equal(buf, "   1    161444   254.61 MB/sec  execute   1 sec  latency 6.333 ms\n");
    dbl_fmt_progress(buf, sizeof(buf), 12, 5, 0, "warmup", 1, 1000849);
    assert_string_equal(buf,
                        "  12         5     0.00 MB/sec  warmup   1 sec  latency 1000.849 ms\n");
    dbl_fmt_progress(buf, sizeof(buf), 2, 1234567890, 1234567890000, "execute", 600, 0);
    assert_string_equal(buf,
                        "   2  1234567890  1234567.89 MB/sec  execute 600 sec  latency 0.000 ms\n");
}

static void test_cleanup_lines(void **state)
{
    dbl_fmt_cleanup(buf, sizeof(buf), 1, 10);
    assert_string_equal(buf, "   1  cleanup  10 sec\n");
    dbl_fmt_cleanup(buf, sizeof(buf), 0, 5);
    assert_string_equal(buf, "   0  cleanup   5 sec\n");
}

static void set(struct dbl_opstat *o, uint32_t count, uint32_t avg_us, uint32_t max_us)
{
    o->count = count;
    o->sum_us = (uint64_t)count * avg_us;
    o->max_us = max_us;
}

static void test_operation_table(void **state)
{
    struct dbl_opstat op[OP_COUNT];
    memset(op, 0, sizeof(op));
    set(&op[OP_NTCREATEX], 89862, 22, 6520);
    set(&op[OP_CLOSE], 65965, 2, 4055);
    set(&op[OP_DELTREE], 2, 1595, 3069);
    set(&op[OP_QPATHINFO], 81424, 7, 9434);
    set(&op[OP_READX], 140674, 3, 4515);
    set(&op[OP_FLUSH], 6302, 538, 23183);
    set(&op[OP_SLEEP], 9, 1000, 1000); /* never shown */
    dbl_fmt_table(buf, sizeof(buf), op);
    assert_string_equal(buf, "\n"
                             " Operation      Count    AvgLat    MaxLat\n"
                             " ----------------------------------------\n"
                             " NTCreateX      89862     0.022     6.520\n"
                             " Close          65965     0.002     4.055\n"
                             " Deltree            2     1.595     3.069\n"
                             " Qpathinfo      81424     0.007     9.434\n"
                             " ReadX         140674     0.003     4.515\n"
                             " Flush           6302     0.538    23.183\n"
                             "\n");
}

static void test_table_in_a_short_buffer_stays_terminated(void **state)
{
    struct dbl_opstat op[OP_COUNT];
    char small[60];
    memset(op, 0, sizeof(op));
    for (int i = 0; i < OP_COUNT; i++)
        set(&op[i], 1, 1, 1);
    size_t n = dbl_fmt_table(small, sizeof(small), op);
    assert_true(n <= sizeof(small));
    assert_true(strlen(small) < sizeof(small));
}

static void test_throughput_line(void **state)
{
    dbl_fmt_throughput(buf, sizeof(buf), 281187000, 1, 1, 23194);
    assert_string_equal(buf,
                        "Throughput 281.187 MB/sec  1 clients  1 procs  max_latency=23.194 ms\n");
    dbl_fmt_throughput(buf, sizeof(buf), 0, 2, 2, 1000849);
    assert_string_equal(buf, "Throughput 0 MB/sec  2 clients  2 procs  max_latency=1000.849 ms\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_point_rounds_like_printf),
        cmocka_unit_test(test_g_has_six_significant_digits),
        cmocka_unit_test(test_progress_lines),
        cmocka_unit_test(test_cleanup_lines),
        cmocka_unit_test(test_operation_table),
        cmocka_unit_test(test_table_in_a_short_buffer_stays_terminated),
        cmocka_unit_test(test_throughput_line),
    };
    return cmocka_run_group_tests_name("dbench_report", tests, NULL, NULL);
}
