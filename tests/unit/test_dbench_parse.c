/*
 * test_dbench_parse.c - dbench-lite's loadfile parser (guests/dbench-lite/loadfile.c).
 *
 * The parser turns one line of a dbench 4.0 loadfile into a struct dbl_line:
 * the operation, its paths (relative, '/' separated, "client1" replaced by
 * the client's own name) and numbers, an optional timestamp and the status
 * the loadfile expects.  Every operation of client.txt is parsed here from a
 * line in client.txt's own form; then malformed lines, one fault at a time,
 * each with its message; and dbl_check_loadfile, which reads a whole file
 * through the OS interface and names the first bad line as FILE:LINE.
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

static struct dbl_line l;
static char err[160];

static int parse(const char *text, int client)
{
    err[0] = 0;
    return dbl_parse_line(text, client, &l, err, sizeof(err));
}

static void expect_op(const char *text, enum dbl_op op, int npaths, int nnums)
{
    assert_int_equal(parse(text, 0), 1);
    assert_int_equal(l.op, op);
    assert_int_equal(l.npaths, npaths);
    assert_int_equal(l.nnums, nnums);
}

static void test_ntcreatex(void **state)
{
    expect_op("NTCreateX \"\\clients\\client1\\~dmtmp\" 0x1 0x2 9937 NT_STATUS_OK", OP_NTCREATEX, 1,
              3);
    assert_string_equal(l.path[0], "clients/client0/~dmtmp");
    assert_int_equal(l.num[0], 1);
    assert_int_equal(l.num[1], 2);
    assert_int_equal(l.num[2], 9937);
    assert_true(l.status_ok);
    assert_string_equal(l.status, "NT_STATUS_OK");
    assert_false(l.has_time);
    expect_op("NTCreateX \"\\clients\\client1\\mixfile\" 0x40 0x1 9935 "
              "NT_STATUS_OBJECT_NAME_NOT_FOUND",
              OP_NTCREATEX, 1, 3);
    assert_int_equal(l.num[0], 0x40);
    assert_false(l.status_ok);
    assert_string_equal(l.status, "NT_STATUS_OBJECT_NAME_NOT_FOUND");
}

static void test_handle_operations(void **state)
{
    expect_op("Close 16385 NT_STATUS_OK", OP_CLOSE, 0, 1);
    assert_int_equal(l.num[0], 16385);
    expect_op("Flush 10012 NT_STATUS_OK", OP_FLUSH, 0, 1);
    assert_int_equal(l.num[0], 10012);
    expect_op("QUERY_FILE_INFORMATION 9938 258 NT_STATUS_OK", OP_QFILEINFO, 0, 2);
    assert_int_equal(l.num[1], 258);
    expect_op("SET_FILE_INFORMATION 10005 1004 NT_STATUS_OK", OP_SFILEINFO, 0, 2);
    assert_int_equal(l.num[0], 10005);
    expect_op("LockX 10430 2147483538 1 NT_STATUS_OK", OP_LOCKX, 0, 3);
    assert_int_equal(l.num[1], 2147483538u);
    expect_op("UnlockX 10430 2147483538 1 NT_STATUS_OK", OP_UNLOCKX, 0, 3);
    assert_int_equal(l.num[2], 1);
}

static void test_read_and_write(void **state)
{
    expect_op("WriteX 9938 65534 1 1 NT_STATUS_OK", OP_WRITEX, 0, 4);
    assert_int_equal(l.num[0], 9938);
    assert_int_equal(l.num[1], 65534);
    assert_int_equal(l.num[2], 1);
    assert_int_equal(l.num[3], 1);
    expect_op("ReadX 10003 0 4096 4096 NT_STATUS_OK", OP_READX, 0, 4);
    assert_int_equal(l.num[2], 4096);
}

static void test_path_operations(void **state)
{
    expect_op("Rename \"\\clients\\client1\\~dmtmp\\PWRPNT\\NEWPCB.PPT\" "
              "\"\\clients\\client1\\~dmtmp\\PWRPNT\\PPTB1E4.TMP\" NT_STATUS_OK",
              OP_RENAME, 2, 0);
    assert_string_equal(l.path[0], "clients/client0/~dmtmp/PWRPNT/NEWPCB.PPT");
    assert_string_equal(l.path[1], "clients/client0/~dmtmp/PWRPNT/PPTB1E4.TMP");
    expect_op("Unlink \"\\clients\\client1\\~dmtmp\\PWRPNT\\NEWPCB.PPT\" 0x6 NT_STATUS_OK",
              OP_UNLINK, 1, 1);
    assert_int_equal(l.num[0], 6);
    expect_op("Deltree \"\\clients\\client1\" NT_STATUS_OK", OP_DELTREE, 1, 0);
    assert_string_equal(l.path[0], "clients/client0");
    expect_op("Mkdir \"\\clients\" NT_STATUS_OK", OP_MKDIR, 1, 0);
    assert_string_equal(l.path[0], "clients");
    expect_op("Rmdir \"\\clients\\client1\\d\" NT_STATUS_OK", OP_RMDIR, 1, 0);
    expect_op("QUERY_PATH_INFORMATION \"\\clients\\client1\\~dmtmp\" 1004 "
              "NT_STATUS_OBJECT_NAME_NOT_FOUND",
              OP_QPATHINFO, 1, 1);
    assert_int_equal(l.num[0], 1004);
    expect_op("FIND_FIRST \"\\clients\\client1\\~dmtmp\\<.JNK\" 260 1366 0 NT_STATUS_NO_SUCH_FILE",
              OP_FIND, 1, 3);
    assert_string_equal(l.path[0], "clients/client0/~dmtmp/<.JNK");
    assert_int_equal(l.num[1], 1366);
}

static void test_fs_info_and_sleep(void **state)
{
    expect_op("QUERY_FS_INFORMATION 259 NT_STATUS_OK", OP_QFSINFO, 0, 1);
    assert_int_equal(l.num[0], 259);
    expect_op("Sleep 500 NT_STATUS_OK", OP_SLEEP, 0, 1);
    assert_int_equal(l.num[0], 500);
}

static void test_table_names(void **state)
{
    const char *names[OP_COUNT] = {"NTCreateX", "Close", "Rename",    "Unlink",    "Deltree",
                                   "Rmdir",     "Mkdir", "Qpathinfo", "Qfileinfo", "Qfsinfo",
                                   "Sfileinfo", "Find",  "WriteX",    "ReadX",     "LockX",
                                   "UnlockX",   "Flush", "Sleep"};
    for (int op = 0; op < OP_COUNT; op++)
        assert_string_equal(dbl_op_name((enum dbl_op)op), names[op]);
}

static void test_client_substitution(void **state)
{
    assert_int_equal(
        parse("Rename \"\\clients\\client1\\a\" \"\\clients\\client1\\b\" NT_STATUS_OK", 7), 1);
    assert_string_equal(l.path[0], "clients/client7/a");
    assert_string_equal(l.path[1], "clients/client7/b");
    assert_int_equal(parse("Mkdir \"\\client1\\x\\client1client1\" NT_STATUS_OK", 12), 1);
    assert_string_equal(l.path[0], "client12/x/client12client12");
    assert_int_equal(parse("Mkdir \"\\clients\\client1\" NT_STATUS_OK", 1), 1);
    assert_string_equal(l.path[0], "clients/client1");
    assert_int_equal(parse("Mkdir \"\\clients\\client2\" NT_STATUS_OK", 5), 1);
    assert_string_equal(l.path[0], "clients/client2"); /* only "client1" is a name */
}

static void test_backslashes_and_spaces(void **state)
{
    assert_int_equal(parse("Mkdir \"\\\\a\\b c\\d\\\" NT_STATUS_OK", 0), 1);
    assert_string_equal(l.path[0], "a/b c/d/");
    assert_int_equal(parse("\t Close   7\tNT_STATUS_OK \r", 0), 1);
    assert_int_equal(l.num[0], 7);
}

static void test_timestamps(void **state)
{
    assert_int_equal(parse("0.100 Close 1 NT_STATUS_OK", 0), 1);
    assert_true(l.has_time);
    assert_int_equal(l.time_us, 100000);
    assert_int_equal(parse("12 Close 1 NT_STATUS_OK", 0), 1);
    assert_int_equal(l.time_us, 12000000);
    assert_int_equal(parse("3.1234567 Close 1 NT_STATUS_OK", 0), 1);
    assert_int_equal(l.time_us, 3123456);
}

static void test_blank_lines(void **state)
{
    assert_int_equal(parse("", 0), 0);
    assert_int_equal(parse("   \t\r", 0), 0);
}

static void expect_error(const char *text, const char *message)
{
    assert_int_equal(parse(text, 0), -1);
    assert_string_equal(err, message);
}

static void test_malformed_lines(void **state)
{
    expect_error("Frobnicate 1 NT_STATUS_OK", "unknown operation 'Frobnicate'");
    expect_error("close 1 NT_STATUS_OK", "unknown operation 'close'");
    expect_error("Close 1", "Close: badly formed status '1'");
    expect_error("Close", "Close: badly formed status ''");
    expect_error("Close 1 STATUS_OK", "Close: badly formed status 'STATUS_OK'");
    expect_error("Close 1 2 NT_STATUS_OK", "Close wants 1 arguments before the status, found 2");
    expect_error("WriteX 1 0 10 NT_STATUS_OK",
                 "WriteX wants 4 arguments before the status, found 3");
    expect_error("Close 12a NT_STATUS_OK", "Close: bad number '12a'");
    expect_error("Close 0x NT_STATUS_OK", "Close: bad number '0x'");
    expect_error("Close 99999999999999999999999 NT_STATUS_OK",
                 "Close: bad number '99999999999999999999999'");
    expect_error("Close \"1\" NT_STATUS_OK", "Close: bad number '\"1\"'");
    expect_error("Mkdir \\clients NT_STATUS_OK", "expected a quoted path, found \\clients");
    expect_error("Mkdir \"\\clients NT_STATUS_OK", "unterminated quote");
    expect_error("Mkdir \"\\a\"b NT_STATUS_OK", "text after a closing quote");
    expect_error("1.2.3 Close 1 NT_STATUS_OK", "bad timestamp '1.2.3'");
    expect_error("1x Close 1 NT_STATUS_OK", "bad timestamp '1x'");
    expect_error("0.5", "unknown operation ''");
    expect_error("a b c d e f g h i j k l m", "more than 12 words");
}

static void test_too_long_path(void **state)
{
    char line[400], path[300];
    memset(path, 'x', 200);
    path[200] = 0;
    snprintf(line, sizeof(line), "Mkdir \"\\%s\" NT_STATUS_OK", path);
    expect_error(line, "path longer than 159 characters");
}

static int check_text(const char *text)
{
    fake_reset();
    fake_add_file("load.txt", text);
    return dbl_check_loadfile(&fake_os, "load.txt");
}

static void test_check_loadfile_names_file_and_line(void **state)
{
    assert_int_equal(check_text("Close 1 NT_STATUS_OK\n\nClose 1 NT_STATUS_OK\n"), 0);
    assert_string_equal(fake_out, "");
    assert_int_equal(check_text("Close 1 NT_STATUS_OK\n\nClose x NT_STATUS_OK\nBad\n"), -1);
    assert_string_equal(fake_out, "load.txt:3: Close: bad number 'x'\n");
    assert_int_equal(check_text("Close 1 NT_STATUS_OK\nClose 2 NT_STATUS_OK\nNope 1 NT_STATUS_OK"),
                     -1);
    assert_string_equal(fake_out, "load.txt:3: unknown operation 'Nope'\n");
    assert_int_equal(check_text("\n  \n"), -1);
    assert_string_equal(fake_out, "load.txt: no operations\n");
    fake_reset();
    assert_int_equal(dbl_check_loadfile(&fake_os, "missing.txt"), -1);
    assert_string_equal(fake_out, "dbench: error opening 'missing.txt'\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ntcreatex),
        cmocka_unit_test(test_handle_operations),
        cmocka_unit_test(test_read_and_write),
        cmocka_unit_test(test_path_operations),
        cmocka_unit_test(test_fs_info_and_sleep),
        cmocka_unit_test(test_table_names),
        cmocka_unit_test(test_client_substitution),
        cmocka_unit_test(test_backslashes_and_spaces),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_too_long_path),
        cmocka_unit_test(test_check_loadfile_names_file_and_line),
    };
    return cmocka_run_group_tests_name("dbench_parse", tests, NULL, NULL);
}
