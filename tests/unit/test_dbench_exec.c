/*
 * test_dbench_exec.c - dbench-lite's executor (guests/dbench-lite/exec.c)
 * against the fake OS of test_dbench_fake.c.
 *
 * The executor is where a NetBench call becomes system calls, so the first
 * test runs a small loadfile that uses every operation and compares the
 * exact sequence of calls the fake OS saw with the mapping docs/dbench.md
 * promises.  The others check dbench's expected-status rules one by one:
 * which mismatches are reported and passed over (NTCreateX), which stop the
 * client (Unlink, Rmdir, Rename, a handle never opened), and that each is
 * counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_dbench_fake.h"

static struct dbl_exec x;
static struct dbl_client_state st;

static void setup_client(int client)
{
    fake_reset();
    fake_add_dir("d");
    memset(&st, 0, sizeof(st));
    dbl_exec_init(&x, &fake_os, "d", client, &st);
}

/* Each test's teardown: the executor's buffer and handles go, so LeakSanitizer sees no leak. */
static int end_client(void **state)
{
    (void)state;
    dbl_exec_cleanup(&x);
    return 0;
}

/* Parse and run one line as line number lineno; the executor's verdict. */
static int run(const char *text, unsigned lineno)
{
    struct dbl_line l;
    char err[160];
    assert_int_equal(dbl_parse_line(text, x.client, &l, err, sizeof(err)), 1);
    x.lineno = lineno;
    return dbl_exec_line(&x, &l);
}

static const char *every_operation[] = {
    "Mkdir \"\\clients\" NT_STATUS_OK",
    "NTCreateX \"\\clients\\client1\" 0x1 0x2 100 NT_STATUS_OK",
    "Close 100 NT_STATUS_OK",
    "NTCreateX \"\\clients\\client1\\f\" 0x40 0x2 101 NT_STATUS_OK",
    "WriteX 101 0 10 10 NT_STATUS_OK",
    "ReadX 101 4 10 10 NT_STATUS_OK",
    "QUERY_FILE_INFORMATION 101 258 NT_STATUS_OK",
    "SET_FILE_INFORMATION 101 1004 NT_STATUS_OK",
    "LockX 101 0 1 NT_STATUS_OK",
    "UnlockX 101 0 1 NT_STATUS_OK",
    "Flush 101 NT_STATUS_OK",
    "QUERY_FS_INFORMATION 259 NT_STATUS_OK",
    "QUERY_PATH_INFORMATION \"\\clients\\client1\\f\" 1004 NT_STATUS_OK",
    "QUERY_PATH_INFORMATION \"\\clients\\client1\\nope\" 1004 NT_STATUS_OBJECT_NAME_NOT_FOUND",
    "FIND_FIRST \"\\clients\\client1\\*\" 260 1366 1 NT_STATUS_OK",
    "Close 101 NT_STATUS_OK",
    "NTCreateX \"\\clients\\client1\\nope\" 0x40 0x1 102 NT_STATUS_OBJECT_NAME_NOT_FOUND",
    "Rename \"\\clients\\client1\\f\" \"\\clients\\client1\\g\" NT_STATUS_OK",
    "Sleep 5 NT_STATUS_OK",
    "Unlink \"\\clients\\client1\\g\" 0x6 NT_STATUS_OK",
    "Mkdir \"\\clients\\client1\\sub\" NT_STATUS_OK",
    "Rmdir \"\\clients\\client1\\sub\" NT_STATUS_OK",
    "NTCreateX \"\\clients\\client1\\h\" 0x40 0x5 103 NT_STATUS_OK",
    "Close 103 NT_STATUS_OK",
    "Deltree \"\\clients\\client1\" NT_STATUS_OK",
};

static const char every_call[] = "mkdir(d/clients) = 0\n"
                                 "mkdir(d/clients/client0) = 0\n"
                                 "open(d/clients/client0, 0) = 3\n"
                                 "close(3)\n"
                                 "open(d/clients/client0/f, 102) = 3\n"
                                 "pwrite(3, 10, 0)\n"
                                 "pread(3, 10, 4) = 6\n"
                                 "fstat(3)\n"
                                 "fstat(3)\n"
                                 "fsync(3)\n"
                                 "stat(d) = 0\n"
                                 "stat(d/clients/client0/f) = 0\n"
                                 "stat(d/clients/client0/nope) = -2\n"
                                 "list_dir(d/clients/client0) = 0\n"
                                 "close(3)\n"
                                 "open(d/clients/client0/nope, 2) = -2\n"
                                 "rename(d/clients/client0/f, d/clients/client0/g) = 0\n"
                                 "sleep(5000)\n"
                                 "unlink(d/clients/client0/g) = 0\n"
                                 "mkdir(d/clients/client0/sub) = 0\n"
                                 "rmdir(d/clients/client0/sub) = 0\n"
                                 "open(d/clients/client0/h, 1102) = 3\n"
                                 "close(3)\n"
                                 "list_dir(d/clients/client0) = 0\n"
                                 "unlink(d/clients/client0/h) = 0\n"
                                 "rmdir(d/clients/client0) = 0\n";

static void test_every_operation_makes_the_documented_calls(void **state)
{
    setup_client(0);
    for (unsigned i = 0; i < sizeof(every_operation) / sizeof(every_operation[0]); i++)
        assert_int_equal(run(every_operation[i], i + 1), 0);
    assert_string_equal(fake_log, every_call);
    assert_string_equal(fake_out, "");
    assert_int_equal(st.mismatches, 0);
    assert_int_equal(x.nfiles, 0);
    assert_false(fake_exists("d/clients/client0"));
    assert_true(fake_exists("d/clients"));
}

static void test_every_operation_is_counted(void **state)
{
    setup_client(0);
    for (unsigned i = 0; i < sizeof(every_operation) / sizeof(every_operation[0]); i++)
        run(every_operation[i], i + 1);
    const uint32_t expect[OP_COUNT] = {
        [OP_NTCREATEX] = 4, [OP_CLOSE] = 3,   [OP_RENAME] = 1,    [OP_UNLINK] = 1,
        [OP_DELTREE] = 1,   [OP_RMDIR] = 1,   [OP_MKDIR] = 2,     [OP_QPATHINFO] = 2,
        [OP_QFILEINFO] = 1, [OP_QFSINFO] = 1, [OP_SFILEINFO] = 1, [OP_FIND] = 1,
        [OP_WRITEX] = 1,    [OP_READX] = 1,   [OP_LOCKX] = 1,     [OP_UNLOCKX] = 1,
        [OP_FLUSH] = 1,     [OP_SLEEP] = 0,
    };
    for (int op = 0; op < OP_COUNT; op++) {
        assert_int_equal(st.op[op].count, expect[op]);
        assert_true(st.op[op].sum_us >= st.op[op].max_us);
    }
    assert_int_equal(st.bytes, 20);
    assert_true(st.started);
}

static void test_client_number_picks_the_directory(void **state)
{
    setup_client(3);
    fake_add_dir("d/clients");
    assert_int_equal(run("Mkdir \"\\clients\\client1\" NT_STATUS_OK", 1), 0);
    assert_string_equal(fake_log, "mkdir(d/clients/client3) = 0\n");
}

static void test_directory_opened_without_the_flag_is_read_only(void **state)
{
    setup_client(0);
    fake_add_dir("d/dir");
    assert_int_equal(run("NTCreateX \"\\dir\" 0x0 0x1 9 NT_STATUS_OK", 1), 0);
    assert_string_equal(fake_log, "open(d/dir, 2) = -21\nopen(d/dir, 0) = 3\n");
    assert_int_equal(x.nfiles, 1);
}

static void test_create_that_fails_is_reported_and_passed_over(void **state)
{
    setup_client(0);
    assert_int_equal(run("NTCreateX \"\\x\" 0x40 0x1 5 NT_STATUS_OK", 4), 0);
    assert_string_equal(fake_out, "[4] open d/x failed for handle 5 (No such file or directory)\n");
    assert_int_equal(st.mismatches, 1);
    assert_int_equal(x.nfiles, 0);
    assert_int_equal(st.op[OP_NTCREATEX].count, 1);
}

static void test_create_that_succeeds_unexpectedly_is_closed(void **state)
{
    setup_client(0);
    fake_add_file("d/x", NULL);
    assert_int_equal(run("NTCreateX \"\\x\" 0x40 0x1 5 NT_STATUS_OBJECT_NAME_NOT_FOUND", 9), 0);
    assert_string_equal(fake_out, "[9] open d/x succeeded for handle 5\n");
    assert_string_equal(fake_log, "open(d/x, 2) = 3\nclose(3)\n");
    assert_int_equal(st.mismatches, 1);
    assert_int_equal(x.nfiles, 0);
}

static void test_unlink_mismatch_stops_the_client(void **state)
{
    setup_client(2);
    assert_int_equal(run("Unlink \"\\x\" 0x6 NT_STATUS_OK", 8), -1);
    assert_string_equal(fake_out, "[8] unlink d/x failed (No such file or directory) - expected "
                                  "NT_STATUS_OK\nERROR: child 2 failed at line 8\n");
    assert_int_equal(st.mismatches, 1);
    assert_int_equal(st.op[OP_UNLINK].count, 0);
}

static void test_unexpected_success_stops_the_client(void **state)
{
    setup_client(0);
    fake_add_file("d/x", NULL);
    assert_int_equal(run("Unlink \"\\x\" 0x6 NT_STATUS_NO_SUCH_FILE", 3), -1);
    assert_string_equal(fake_out, "[3] unlink d/x succeeded (no error) - expected "
                                  "NT_STATUS_NO_SUCH_FILE\nERROR: child 0 failed at line 3\n");
}

static void test_expected_failures_are_not_mismatches(void **state)
{
    setup_client(0);
    assert_int_equal(run("Unlink \"\\x\" 0x6 NT_STATUS_NO_SUCH_FILE", 1), 0);
    assert_int_equal(run("Rmdir \"\\x\" NT_STATUS_OBJECT_PATH_NOT_FOUND", 2), 0);
    assert_int_equal(run("Rename \"\\x\" \"\\y\" NT_STATUS_OBJECT_NAME_NOT_FOUND", 3), 0);
    assert_int_equal(run("QUERY_PATH_INFORMATION \"\\x\" 1004 NT_STATUS_OK", 4), 0);
    assert_int_equal(run("Mkdir \"\\no\\such\" NT_STATUS_OK", 5), 0);
    assert_string_equal(fake_out, "");
    assert_int_equal(st.mismatches, 0);
}

static void test_rename_and_rmdir_mismatches_stop_the_client(void **state)
{
    setup_client(0);
    assert_int_equal(run("Rename \"\\x\" \"\\y\" NT_STATUS_OK", 6), -1);
    assert_string_equal(fake_out,
                        "[6] rename d/x d/y failed (No such file or directory) - expected "
                        "NT_STATUS_OK\nERROR: child 0 failed at line 6\n");
    setup_client(0);
    fake_add_dir("d/full");
    fake_add_file("d/full/f", NULL);
    assert_int_equal(run("Rmdir \"\\full\" NT_STATUS_OK", 2), -1);
    assert_string_equal(fake_out, "[2] rmdir d/full failed (Some error) - expected "
                                  "NT_STATUS_OK\nERROR: child 0 failed at line 2\n");
}

static void test_unknown_handles_stop_the_client(void **state)
{
    const char *lines[] = {
        "Close 77 NT_STATUS_OK",       "WriteX 77 0 1 1 NT_STATUS_OK",
        "ReadX 77 0 1 1 NT_STATUS_OK", "Flush 77 NT_STATUS_OK",
        "LockX 77 0 1 NT_STATUS_OK",   "QUERY_FILE_INFORMATION 77 258 NT_STATUS_OK"};
    for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        setup_client(0);
        assert_int_equal(run(lines[i], 5), -1);
        assert_string_equal(fake_out, "(5) ERROR: handle 77 was not found\n");
        assert_string_equal(fake_log, "");
    }
}

static void test_cleanup_closes_every_handle(void **state)
{
    setup_client(0);
    fake_add_file("d/a", NULL);
    fake_add_file("d/b", NULL);
    run("NTCreateX \"\\a\" 0x40 0x1 1 NT_STATUS_OK", 1);
    run("NTCreateX \"\\b\" 0x40 0x1 2 NT_STATUS_OK", 2);
    fake_log[0] = 0;
    dbl_exec_cleanup(&x);
    assert_string_equal(fake_log, "close(4)\nclose(3)\n");
    assert_int_equal(x.nfiles, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_every_operation_makes_the_documented_calls, end_client),
        cmocka_unit_test_teardown(test_every_operation_is_counted, end_client),
        cmocka_unit_test_teardown(test_client_number_picks_the_directory, end_client),
        cmocka_unit_test_teardown(test_directory_opened_without_the_flag_is_read_only, end_client),
        cmocka_unit_test_teardown(test_create_that_fails_is_reported_and_passed_over, end_client),
        cmocka_unit_test_teardown(test_create_that_succeeds_unexpectedly_is_closed, end_client),
        cmocka_unit_test_teardown(test_unlink_mismatch_stops_the_client, end_client),
        cmocka_unit_test_teardown(test_unexpected_success_stops_the_client, end_client),
        cmocka_unit_test_teardown(test_expected_failures_are_not_mismatches, end_client),
        cmocka_unit_test_teardown(test_rename_and_rmdir_mismatches_stop_the_client, end_client),
        cmocka_unit_test_teardown(test_unknown_handles_stop_the_client, end_client),
        cmocka_unit_test_teardown(test_cleanup_closes_every_handle, end_client),
    };
    return cmocka_run_group_tests_name("dbench_exec", tests, NULL, NULL);
}
