/*
 * test_xmconfig.c - the toolstack's config-file parser (tools/xm-lite/xmconfig.c).
 *
 * xm_config_parse() turns an xm-style file from dom0's boot archive into a
 * struct xm_config, or into one line saying what is wrong and where.  Those
 * lines are the parser's user interface, so every error path is tested here
 * with its exact text: a student who mistypes a key should read the same
 * helpful message tomorrow.  The tests start with files that must parse
 * (every key, comments, both quote styles, lists with and without a trailing
 * comma, the defaults, and every limit at its largest allowed value), then
 * break one thing at a time, mostly on line 3 after a good name and kernel.
 *
 * The text comes from outside dom0, so every parse runs on a heap copy of
 * exactly the file's bytes, with no NUL after them: valgrind reports any read
 * past the end, including across the tests that truncate a good file at every
 * length and overwrite each of its bytes with troublesome characters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xmconfig.h"

static struct xm_config cfg;
static char err[512];

/* Parses len bytes of text as "domU.cfg", from a heap copy of exactly that size. */
static int parse_bytes(const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    memset(err, 'X', sizeof(err));
    int r = xm_config_parse("domU.cfg", copy, len, &cfg, err, sizeof(err));
    free(copy);
    return r;
}

static int parse(const char *text)
{
    return parse_bytes(text, strlen(text));
}

#define assert_parses(text)                                                                        \
    do {                                                                                           \
        if (parse(text) != 0)                                                                      \
            fail_msg("unexpected error: %s", err);                                                 \
    } while (0)

#define assert_error(text, message)                                                                \
    do {                                                                                           \
        assert_int_equal(parse(text), -1);                                                         \
        assert_string_equal(err, message);                                                         \
    } while (0)

/* A good name and kernel on lines 1 and 2; most tests put the line under test on line 3. */
#define HEAD "name = 'domU'\nkernel = '/boot/minios.elf'\n"

#define assert_line3_error(line, message) assert_error(HEAD line "\n", "domU.cfg:3: " message)

/* A string of n copies of c, for the length limits. */
static char *repeat(char c, size_t n)
{
    static char buf[70000];
    assert_true(n < sizeof(buf));
    memset(buf, c, n);
    buf[n] = 0;
    return buf;
}

/* ---------------------------------------------------------------- good files */

static const char full_config[] = "# domU.cfg - every key pvlab knows\n"
                                  "\n"
                                  "name = \"domU-1.test_x\"\n"
                                  "kernel = '/boot/minios.elf'   # a comment after a value\n"
                                  "memory = 64\n"
                                  "vcpus = 1\n"
                                  "extra = \"console=hvc0 # not a comment, it is quoted\"\n"
                                  "on_crash = 'preserve'\n"
                                  "on_poweroff = \"destroy\"\n"
                                  "on_reboot = 'destroy'\n"
                                  "disk = [ 'phy:hda1,xvda,w', \"file:/img/b.img,xvdb,r\", ]\n";

static void test_full_config_sets_every_key(void **state)
{
    (void)state;
    assert_parses(full_config);
    assert_string_equal(err, "");
    assert_string_equal(cfg.name, "domU-1.test_x");
    assert_string_equal(cfg.kernel, "/boot/minios.elf");
    assert_int_equal(cfg.memory_mb, 64);
    assert_int_equal(cfg.vcpus, 1);
    assert_string_equal(cfg.extra, "console=hvc0 # not a comment, it is quoted");
    assert_int_equal(cfg.on_crash, XM_ON_CRASH_PRESERVE);
    assert_int_equal(cfg.nr_disks, 2);
    assert_string_equal(cfg.disk[0], "phy:hda1,xvda,w");
    assert_string_equal(cfg.disk[1], "file:/img/b.img,xvdb,r");
}

static void test_minimal_config_gets_the_defaults(void **state)
{
    (void)state;
    memset(&cfg, 0x55, sizeof(cfg));
    assert_parses("kernel = '/boot/minios.elf'\nname = 'd'\n");
    assert_string_equal(cfg.name, "d");
    assert_string_equal(cfg.kernel, "/boot/minios.elf");
    assert_int_equal(cfg.memory_mb, 32);
    assert_int_equal(cfg.vcpus, 1);
    assert_string_equal(cfg.extra, "");
    assert_int_equal(cfg.on_crash, XM_ON_CRASH_DESTROY);
    assert_int_equal(cfg.nr_disks, 0);
}

static void test_blanks_comments_and_missing_final_newline_are_fine(void **state)
{
    (void)state;
    assert_parses("   # indented comment\n"
                  "\t\n"
                  "#\n"
                  "\tname='tabs'\t# no blanks around '='\n"
                  "memory\t=\t0x10   \n"
                  "   kernel   =   \"/k\"");
    assert_string_equal(cfg.name, "tabs");
    assert_string_equal(cfg.kernel, "/k");
    assert_int_equal(cfg.memory_mb, 16);
}

static void test_crlf_line_endings_are_fine(void **state)
{
    (void)state;
    assert_parses("name = 'dos'\r\nkernel = '/k'\r\nextra = 'x'  # c\r\n\r\n");
    assert_string_equal(cfg.name, "dos");
    assert_string_equal(cfg.extra, "x");
    /* A line number after CR LF lines still counts lines. */
    assert_error("name = 'dos'\r\n\r\nmemry = 8\r\n",
                 "domU.cfg:3: unknown key 'memry' (did you mean 'memory'?)");
}

static void test_strings_may_hold_the_other_quote_and_hashes(void **state)
{
    (void)state;
    assert_parses(HEAD "extra = \"it's # fine\"\n");
    assert_string_equal(cfg.extra, "it's # fine");
    assert_parses(HEAD "extra = 'say \"hi\"'\n");
    assert_string_equal(cfg.extra, "say \"hi\"");
    assert_parses(HEAD "extra = ''\n");
    assert_string_equal(cfg.extra, "");
}

static void test_numbers_in_decimal_and_hex(void **state)
{
    (void)state;
    assert_parses(HEAD "memory = 0x20\n");
    assert_int_equal(cfg.memory_mb, 32);
    assert_parses(HEAD "memory = 0X1aB\n");
    assert_int_equal(cfg.memory_mb, 0x1ab);
    assert_parses(HEAD "memory = 1\n"); /* the smallest domain: tests/guests/domu_tiny.c */
    assert_int_equal(cfg.memory_mb, 1);
    assert_parses(HEAD "memory = 900\n");
    assert_int_equal(cfg.memory_mb, 900);
    assert_parses(HEAD "memory = 4\n");
    assert_int_equal(cfg.memory_mb, 4);
    assert_parses(HEAD "vcpus = 0x1\n");
    assert_int_equal(cfg.vcpus, 1);
}

static void test_lists_with_and_without_trailing_comma(void **state)
{
    (void)state;
    assert_parses(HEAD "disk = []\n");
    assert_int_equal(cfg.nr_disks, 0);
    assert_parses(HEAD "disk = [ ]   # none\n");
    assert_int_equal(cfg.nr_disks, 0);
    assert_parses(HEAD "disk = ['phy:a,xvda,r']\n");
    assert_int_equal(cfg.nr_disks, 1);
    assert_string_equal(cfg.disk[0], "phy:a,xvda,r");
    assert_parses(HEAD "disk = [ 'phy:a,xvda,r' , ]\n");
    assert_int_equal(cfg.nr_disks, 1);
    assert_parses(HEAD
                  "disk=['phy:a,xvda,w',\"phy:b,xvdb,r\",'file:/x:y,xvdc,w','tap:aio:/i,d,r']\n");
    assert_int_equal(cfg.nr_disks, 4);
    assert_string_equal(cfg.disk[1], "phy:b,xvdb,r");
    assert_string_equal(cfg.disk[2], "file:/x:y,xvdc,w");
    assert_string_equal(cfg.disk[3], "tap:aio:/i,d,r");
}

static void test_on_crash_destroy_and_preserve(void **state)
{
    (void)state;
    assert_parses(HEAD "on_crash = 'destroy'\n");
    assert_int_equal(cfg.on_crash, XM_ON_CRASH_DESTROY);
    assert_parses(HEAD "on_crash = \"preserve\"\n");
    assert_int_equal(cfg.on_crash, XM_ON_CRASH_PRESERVE);
}

static void test_longest_allowed_values_fit(void **state)
{
    (void)state;
    char text[1200];
    snprintf(text, sizeof(text), "name = '%s'\nkernel = '/k'\n", repeat('n', 31));
    assert_parses(text);
    assert_string_equal(cfg.name, repeat('n', 31));
    snprintf(text, sizeof(text), "name = 'd'\nkernel = '%s'\n", repeat('k', 127));
    assert_parses(text);
    assert_string_equal(cfg.kernel, repeat('k', 127));
    snprintf(text, sizeof(text), HEAD "extra = '%s'\n", repeat('e', 255));
    assert_parses(text);
    assert_string_equal(cfg.extra, repeat('e', 255));
    snprintf(text, sizeof(text), HEAD "disk = [ 'phy:%s,xvda,w' ]\n", repeat('t', 63 - 11));
    assert_parses(text);
    assert_int_equal(strlen(cfg.disk[0]), 63);
}

static void test_line_of_512_characters_is_fine(void **state)
{
    (void)state;
    char text[1200];
    snprintf(text, sizeof(text), HEAD "#%s\n", repeat('c', 511));
    assert_parses(text);
    snprintf(text, sizeof(text), HEAD "#%s\r\n", repeat('c', 511)); /* CR not counted */
    assert_parses(text);
}

/* HEAD, then lines of 99 '#' up to exactly size bytes. */
static char *big_file(size_t size)
{
    char *text = malloc(size);
    assert_non_null(text);
    size_t head = strlen(HEAD);
    memcpy(text, HEAD, head);
    for (size_t i = head; i < size; i++)
        text[i] = (i - head) % 100 == 99 ? '\n' : '#';
    return text;
}

static void test_file_of_64_kib_is_fine(void **state)
{
    (void)state;
    char *text = big_file(65536);
    int r = parse_bytes(text, 65536);
    free(text);
    assert_int_equal(r, 0);
    assert_string_equal(cfg.name, "domU");
}

/* ---------------------------------------------------------------- the file as a whole */

static void test_file_larger_than_64_kib_is_refused(void **state)
{
    (void)state;
    char *text = big_file(65537);
    int r = parse_bytes(text, 65537);
    free(text);
    assert_int_equal(r, -1);
    assert_string_equal(err, "domU.cfg: file is larger than 64 KiB (65537 bytes)");
}

static void test_missing_kernel_is_reported_without_a_line(void **state)
{
    (void)state;
    assert_error("name = 'd'\nmemory = 8\n", "domU.cfg: no 'kernel' given");
    assert_error("", "domU.cfg: no 'kernel' given");
    assert_error("# only a comment\n\n", "domU.cfg: no 'kernel' given");
}

static void test_missing_name_is_reported_without_a_line(void **state)
{
    (void)state;
    assert_error("kernel = '/k'\n", "domU.cfg: no 'name' given");
}

static void test_nul_byte_is_refused(void **state)
{
    (void)state;
    static const char text[] = HEAD "extra = 'a\0b'\n";
    assert_int_equal(parse_bytes(text, sizeof(text) - 1), -1);
    assert_string_equal(err, "domU.cfg:3: NUL byte in column 11 (is this a binary file?)");
    /* Even in a comment, and even as the very last byte. */
    static const char comment[] = HEAD "# \0\n";
    assert_int_equal(parse_bytes(comment, sizeof(comment) - 1), -1);
    assert_string_equal(err, "domU.cfg:3: NUL byte in column 3 (is this a binary file?)");
    static const char last[] = HEAD "\0";
    assert_int_equal(parse_bytes(last, sizeof(last)), -1);
    assert_string_equal(err, "domU.cfg:3: NUL byte in column 1 (is this a binary file?)");
}

static void test_non_printable_characters_are_refused(void **state)
{
    (void)state;
    assert_line3_error("extra = 'bell\a'", "non-printable character 0x07 in column 14");
    assert_line3_error("# caf\xc3\xa9", "non-printable character 0xc3 in column 6");
    assert_line3_error("memory = 8\r# lone CR", "non-printable character 0x0d in column 11");
    assert_line3_error("\x7f", "non-printable character 0x7f in column 1");
    assert_line3_error("\x1b[0m", "non-printable character 0x1b in column 1");
}

static void test_line_longer_than_512_characters_is_refused(void **state)
{
    (void)state;
    char text[1200];
    snprintf(text, sizeof(text), HEAD "#%s\n", repeat('c', 512));
    assert_error(text, "domU.cfg:3: line is longer than 512 characters");
    snprintf(text, sizeof(text), HEAD "#%s", repeat('c', 600)); /* no newline at the end */
    assert_error(text, "domU.cfg:3: line is longer than 512 characters");
}

/* ---------------------------------------------------------------- syntax */

static void test_unknown_key_suggests_the_closest(void **state)
{
    (void)state;
    assert_line3_error("memry = 64", "unknown key 'memry' (did you mean 'memory'?)");
    assert_line3_error("kernle = '/k'", "unknown key 'kernle' (did you mean 'kernel'?)");
    assert_line3_error("Memory = 64", "unknown key 'Memory' (did you mean 'memory'?)");
    assert_line3_error("memo = 64", "unknown key 'memo' (did you mean 'memory'?)");
    assert_line3_error("vcpu = 1", "unknown key 'vcpu' (did you mean 'vcpus'?)");
    assert_line3_error("disks = []", "unknown key 'disks' (did you mean 'disk'?)");
    assert_line3_error("on_crsh = 'destroy'", "unknown key 'on_crsh' (did you mean 'on_crash'?)");
    assert_line3_error("on_rebot = 'destroy'",
                       "unknown key 'on_rebot' (did you mean 'on_reboot'?)");
    assert_line3_error("extras = ''", "unknown key 'extras' (did you mean 'extra'?)");
    /* Two swapped pairs count as two edits, not four. */
    assert_line3_error("kenrle = '/k'", "unknown key 'kenrle' (did you mean 'kernel'?)");
    assert_line3_error("emmroy = 8", "unknown key 'emmroy' (did you mean 'memory'?)");
}

static void test_unknown_key_far_from_any_is_just_unknown(void **state)
{
    (void)state;
    assert_line3_error("mem = 64", "unknown key 'mem'");
    assert_line3_error("vif = [ '' ]", "unknown key 'vif'");
    assert_line3_error("a_very_long_key_name_indeed = 1",
                       "unknown key 'a_very_long_key_name_indeed'");
}

static void test_key_given_twice_is_refused(void **state)
{
    (void)state;
    assert_error(HEAD "\nname = 'again'\n", "domU.cfg:4: 'name' given twice (first on line 1)");
    assert_line3_error("kernel = '/k'", "'kernel' given twice (first on line 2)");
    assert_error(HEAD "memory = 8\nmemory = 8\n",
                 "domU.cfg:4: 'memory' given twice (first on line 3)");
}

static void test_line_not_starting_with_a_key_is_refused(void **state)
{
    (void)state;
    assert_line3_error("= 5", "expected a key name, found '='");
    assert_line3_error("5 = 5", "expected a key name, found '5'");
    assert_line3_error("'memory' = 5", "expected a key name, found \"'\"");
    assert_line3_error("  [disk] = 5", "expected a key name, found '['");
}

static void test_missing_equals_sign_is_refused(void **state)
{
    (void)state;
    assert_error("name = 'd'\n\n\nkernel '/boot/x'\n", "domU.cfg:4: expected '=' after 'kernel'");
    assert_line3_error("memory", "expected '=' after 'memory'");
    assert_line3_error("memory   # 64", "expected '=' after 'memory'");
    assert_line3_error("memory: 64", "expected '=' after 'memory'");
    assert_line3_error("memory == 64", "expected a number, a quoted string or a [list] after "
                                       "'=', found '='");
}

static void test_missing_value_is_refused(void **state)
{
    (void)state;
    assert_line3_error("memory =", "missing value after '='");
    assert_line3_error("memory =   # later", "missing value after '='");
}

static void test_unquoted_words_are_refused(void **state)
{
    (void)state;
    assert_line3_error("on_crash = destroy", "unquoted text 'destroy' (strings must be in quotes)");
    assert_line3_error("extra = True", "unquoted text 'True' (strings must be in quotes)");
}

static void test_other_values_are_refused(void **state)
{
    (void)state;
    assert_line3_error("memory = -5",
                       "expected a number, a quoted string or a [list] after '=', found '-'");
    assert_line3_error("extra = (1, 2)",
                       "expected a number, a quoted string or a [list] after '=', found '('");
}

static void test_unterminated_string_is_refused(void **state)
{
    (void)state;
    assert_error("name = 'd'\nkernel = \"/boot/minios.elf\n", "domU.cfg:2: unterminated string");
    assert_line3_error("extra = 'mixed\"", "unterminated string");
    assert_line3_error("disk = [ 'phy:a,xvda,w ]", "unterminated string");
    /* At the very end of the buffer, with nothing after it. */
    assert_error(HEAD "extra = 'abc", "domU.cfg:3: unterminated string");
    assert_error(HEAD "extra = '", "domU.cfg:3: unterminated string");
}

static void test_backslash_in_a_string_is_refused(void **state)
{
    (void)state;
    assert_line3_error("extra = 'a\\nb'", "backslash escapes are not supported in strings");
    assert_line3_error("extra = 'it\\'s'", "backslash escapes are not supported in strings");
}

static void test_garbage_after_a_value_is_refused(void **state)
{
    (void)state;
    assert_line3_error("memory = 32M", "unexpected 'M' after the value");
    assert_line3_error("memory = 32.5", "unexpected '.5' after the value");
    assert_line3_error("memory = 32 64  ", "unexpected '64' after the value");
    assert_line3_error("extra = 'a' 'b'", "unexpected ''b'' after the value");
    assert_line3_error("extra = 'a'; memory = 8", "unexpected '; memory = 8' after the value");
    assert_line3_error("disk = [] []", "unexpected '[]' after the value");
    /* Long garbage is cut to 20 characters. */
    assert_line3_error("memory = 8 and then some more words here",
                       "unexpected 'and then some more w' after the value");
}

static void test_bad_numbers_are_refused(void **state)
{
    (void)state;
    assert_line3_error("memory = 4294967296", "number '4294967296' is too large");
    assert_line3_error("memory = 99999999999999999999999",
                       "number '99999999999999999999999' is too large");
    assert_line3_error("memory = 0x100000000", "number '0x100000000' is too large");
    assert_line3_error("memory = 4294967295", "memory = 4294967295: must be between 1 and 900 MiB");
    assert_line3_error("memory = 032",
                       "number '032' has a leading zero (write it without, or use 0x for hex)");
    assert_line3_error("memory = 00",
                       "number '00' has a leading zero (write it without, or use 0x for hex)");
    assert_line3_error("memory = 0x", "expected hex digits after '0x'");
    assert_line3_error("memory = 0Xg", "expected hex digits after '0X'");
}

static void test_list_spanning_lines_is_refused(void **state)
{
    (void)state;
    static const char *msg = "list is not closed with ']' on this line (a list may not span lines)";
    char expected[200];
    snprintf(expected, sizeof(expected), "domU.cfg:3: %s", msg);
    assert_error(HEAD "disk = [ 'phy:a,xvda,w',\n 'phy:b,xvdb,w' ]\n", expected);
    assert_error(HEAD "disk = [\n]\n", expected);
    assert_error(HEAD "disk = [ 'phy:a,xvda,w'\n]\n", expected);
    assert_error(HEAD "disk = [ 'phy:a,xvda,w' # first disk\n]\n", expected);
    assert_error(HEAD "disk = [", expected);
}

static void test_bad_list_entries_are_refused(void **state)
{
    (void)state;
    assert_line3_error("disk = [ 'phy:a,xvda,w', 5 ]",
                       "expected a quoted string or ']' in the list, found '5'");
    assert_line3_error("disk = [ , ]", "expected a quoted string or ']' in the list, found ','");
    assert_line3_error("disk = [ 'phy:a,xvda,w',, ]",
                       "expected a quoted string or ']' in the list, found ','");
    assert_line3_error("disk = [ [ 'phy:a,xvda,w' ] ]",
                       "expected a quoted string or ']' in the list, found '['");
    assert_line3_error("disk = [ 'phy:a,xvda,w' 'phy:b,xvdb,w' ]",
                       "expected ',' or ']' after a list entry, found \"'\"");
    assert_line3_error("disk = [ 'phy:a,xvda,w'; ]",
                       "expected ',' or ']' after a list entry, found ';'");
}

/* ---------------------------------------------------------------- types and values */

static void test_values_of_the_wrong_type_are_refused(void **state)
{
    (void)state;
    assert_error("name = 'd'\nkernel = 5\n", "domU.cfg:2: kernel must be a string");
    assert_error("name = 'd'\nkernel = ['/k']\n", "domU.cfg:2: kernel must be a string");
    assert_error("name = 0x10\n", "domU.cfg:1: name must be a string");
    assert_line3_error("memory = '32'", "memory must be a number");
    assert_line3_error("memory = [ ]", "memory must be a number");
    assert_line3_error("vcpus = '1'", "vcpus must be a number");
    assert_line3_error("extra = 1", "extra must be a string");
    assert_line3_error("on_crash = 0", "on_crash must be a string");
    assert_line3_error("on_poweroff = ['destroy']", "on_poweroff must be a string");
    assert_line3_error("on_reboot = 1", "on_reboot must be a string");
    assert_line3_error("disk = 'phy:a,xvda,w'",
                       "disk must be a list, e.g. disk = [ 'phy:a,xvda,w' ]");
    assert_line3_error("disk = 0", "disk must be a list of strings");
}

static void test_empty_kernel_and_name_are_refused(void **state)
{
    (void)state;
    assert_error("name = 'd'\nkernel = ''\n", "domU.cfg:2: kernel must not be empty");
    assert_error("name = \"\"\n", "domU.cfg:1: name must not be empty");
}

static void test_too_long_strings_are_refused(void **state)
{
    (void)state;
    char text[1200], expected[200];
    snprintf(text, sizeof(text), "name = '%s'\n", repeat('n', 32));
    assert_error(text, "domU.cfg:1: name is too long (32 characters, at most 31)");
    snprintf(text, sizeof(text), "kernel = '/%s'\n", repeat('k', 127));
    assert_error(text, "domU.cfg:1: kernel is too long (128 characters, at most 127)");
    snprintf(text, sizeof(text), HEAD "extra = \"%s\"\n", repeat('e', 256));
    assert_error(text, "domU.cfg:3: extra is too long (256 characters, at most 255)");
    snprintf(text, sizeof(text), HEAD "extra = \"%s\"\n", repeat('e', 500));
    assert_error(text, "domU.cfg:3: extra is too long (500 characters, at most 255)");
    snprintf(text, sizeof(text), HEAD "disk = [ 'phy:a,xvda,w', 'phy:%s,xvdb,w' ]\n",
             repeat('t', 64 - 11));
    snprintf(expected, sizeof(expected),
             "domU.cfg:3: disk entry 2 is too long (64 characters, at most 63)");
    assert_error(text, expected);
}

static void test_name_with_other_characters_is_refused(void **state)
{
    (void)state;
    assert_error("name = 'my dom'\n",
                 "domU.cfg:1: name 'my dom' contains ' ': use letters, digits, '-', '_' and '.'");
    assert_error("name = 'a/b'\n",
                 "domU.cfg:1: name 'a/b' contains '/': use letters, digits, '-', '_' and '.'");
    assert_error("name = \"it's\"\n",
                 "domU.cfg:1: name 'it's' contains \"'\": use letters, digits, '-', '_' and '.'");
}

static void test_memory_out_of_range_is_refused(void **state)
{
    (void)state;
    assert_error("name = 'd'\nkernel = '/k'\n\n\nmemory = 2000\n",
                 "domU.cfg:5: memory = 2000: must be between 1 and 900 MiB");
    assert_line3_error("memory = 901", "memory = 901: must be between 1 and 900 MiB");
    assert_line3_error("memory = 0", "memory = 0: must be between 1 and 900 MiB");
    assert_line3_error("memory = 0x400", "memory = 1024: must be between 1 and 900 MiB");
}

static void test_more_than_one_vcpu_is_refused(void **state)
{
    (void)state;
    assert_line3_error("vcpus = 2", "vcpus = 2: pvlab supports one vCPU per domain");
    assert_line3_error("vcpus = 0", "vcpus = 0: pvlab supports one vCPU per domain");
}

static void test_unknown_on_crash_action_is_refused(void **state)
{
    (void)state;
    assert_line3_error("on_crash = 'restart'",
                       "on_crash = 'restart': must be 'destroy' or 'preserve'");
    assert_line3_error("on_crash = 'Destroy'",
                       "on_crash = 'Destroy': must be 'destroy' or 'preserve'");
    assert_line3_error("on_crash = ''", "on_crash = '': must be 'destroy' or 'preserve'");
}

static void test_poweroff_and_reboot_accept_only_destroy(void **state)
{
    (void)state;
    assert_line3_error("on_reboot = 'restart'",
                       "on_reboot = 'restart': pvlab only supports 'destroy'");
    assert_line3_error("on_poweroff = 'preserve'",
                       "on_poweroff = 'preserve': pvlab only supports 'destroy'");
}

static void test_more_than_four_disks_are_refused(void **state)
{
    (void)state;
    assert_line3_error("disk = [ 'phy:a,xvda,w', 'phy:b,xvdb,w', 'phy:c,xvdc,w', 'phy:d,xvdd,w', "
                       "'phy:e,xvde,w' ]",
                       "disk has 5 entries, at most 4");
    assert_line3_error("disk = [ 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', ]",
                       "disk has 10 entries, at most 4");
}

static void test_malformed_disk_entries_are_refused(void **state)
{
    (void)state;
#define BAD_DISK(d)                                                                                \
    assert_line3_error("disk = [ 'phy:a,xvda,w', '" d "' ]",                                       \
                       "disk entry '" d "' is not 'TYPE:TARGET,VDEV,MODE'")
    BAD_DISK("phy:hda1,xvda");
    BAD_DISK("hda1,xvda,w");
    BAD_DISK(":hda1,xvda,w");
    BAD_DISK("phy:,xvda,w");
    BAD_DISK("phy:hda1,,w");
    BAD_DISK("phy,hda1:x,xvda,w");
    BAD_DISK("phy:hda1,xvda,w,extra");
    BAD_DISK("");
#undef BAD_DISK
    assert_line3_error("disk = [ 'phy:hda1,xvda,rw' ]",
                       "disk entry 'phy:hda1,xvda,rw': mode must be 'r' or 'w'");
    assert_line3_error("disk = [ 'phy:hda1,xvda,' ]",
                       "disk entry 'phy:hda1,xvda,': mode must be 'r' or 'w'");
    assert_line3_error("disk = [ 'phy:hda1,xvda,W' ]",
                       "disk entry 'phy:hda1,xvda,W': mode must be 'r' or 'w'");
}

/* ---------------------------------------------------------------- reporting */

static void test_first_problem_wins(void **state)
{
    (void)state;
    assert_error("memry = 3\nvcpus = 2\n",
                 "domU.cfg:1: unknown key 'memry' (did you mean 'memory'?)");
    /* Syntax is checked before the key is looked up. */
    assert_error("memry = 'x\n", "domU.cfg:1: unterminated string");
    /* A problem on a line beats a key missing from the file. */
    assert_error("vcpus = 2\n", "domU.cfg:1: vcpus = 2: pvlab supports one vCPU per domain");
}

/* Found by the host fuzzer (tests/fuzz/corpus/xmconfig/crash-tab-in-message): tabs are
 * allowed in a line, but a message quoting one shows a space, so it stays one printable line. */
static void test_a_tab_quoted_in_a_message_becomes_a_space(void **state)
{
    (void)state;
    assert_error("kernel = 'a' x\ty\n", "domU.cfg:1: unexpected 'x y' after the value");
}

static void test_short_error_buffer_is_truncated_and_terminated(void **state)
{
    (void)state;
    char small[16];
    memset(small, 'X', sizeof(small));
    assert_int_equal(xm_config_parse("domU.cfg", "memry = 3\n", 10, &cfg, small, sizeof(small)),
                     -1);
    assert_string_equal(small, "domU.cfg:1: unk");
    char tiny[5];
    memset(tiny, 'X', sizeof(tiny));
    assert_int_equal(xm_config_parse("domU.cfg", "memry = 3\n", 10, &cfg, tiny, sizeof(tiny)), -1);
    assert_string_equal(tiny, "domU");
    char one = 'X';
    assert_int_equal(xm_config_parse("domU.cfg", "memry = 3\n", 10, &cfg, &one, 1), -1);
    assert_int_equal(one, 0);
    /* No buffer at all: still refused, nothing written. */
    assert_int_equal(xm_config_parse("domU.cfg", "memry = 3\n", 10, &cfg, NULL, 0), -1);
    assert_int_equal(xm_config_parse("domU.cfg", full_config, strlen(full_config), &cfg, NULL, 0),
                     0);
}

static void test_file_name_is_whatever_the_caller_says(void **state)
{
    (void)state;
    char e[128];
    assert_int_equal(xm_config_parse("/etc/xm/web.cfg", "vcpus = 4\n", 10, &cfg, e, sizeof(e)), -1);
    assert_string_equal(e, "/etc/xm/web.cfg:1: vcpus = 4: pvlab supports one vCPU per domain");
    assert_int_equal(xm_config_parse(NULL, "", 0, &cfg, e, sizeof(e)), -1);
    assert_string_equal(e, "config: no 'kernel' given");
}

/* Checks that a result is either a config with terminated strings or one error line. */
static void check_outcome(int r)
{
    if (r == 0) {
        assert_true(strlen(cfg.name) < sizeof(cfg.name));
        assert_true(strlen(cfg.kernel) < sizeof(cfg.kernel));
        assert_true(strlen(cfg.extra) < sizeof(cfg.extra));
        assert_true(cfg.nr_disks <= XM_MAX_DISKS);
        assert_true(cfg.memory_mb >= 4 && cfg.memory_mb <= 900);
        return;
    }
    assert_int_equal(r, -1);
    assert_true(strncmp(err, "domU.cfg:", 9) == 0);
    assert_true(strlen(err) > 10 && strlen(err) < sizeof(err));
    assert_null(strchr(err, '\n'));
}

static void test_every_truncation_of_a_good_file_is_handled(void **state)
{
    (void)state;
    size_t len = strlen(full_config);
    for (size_t n = 0; n <= len; n++)
        check_outcome(parse_bytes(full_config, n));
    assert_int_equal(parse_bytes(full_config, len), 0);
}

static void test_overwriting_any_byte_never_crashes(void **state)
{
    (void)state;
    static const char nasty[] = {0,   '\n', '\r', '"',  '\'', '[',        ']',       ',',
                                 '#', '=',  ' ',  '\\', 'x',  (char)0x80, (char)0xff};
    size_t len = strlen(full_config);
    char *text = malloc(len);
    assert_non_null(text);
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(nasty); k++) {
            memcpy(text, full_config, len);
            text[i] = nasty[k];
            check_outcome(parse_bytes(text, len));
        }
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config_sets_every_key),
        cmocka_unit_test(test_minimal_config_gets_the_defaults),
        cmocka_unit_test(test_blanks_comments_and_missing_final_newline_are_fine),
        cmocka_unit_test(test_crlf_line_endings_are_fine),
        cmocka_unit_test(test_strings_may_hold_the_other_quote_and_hashes),
        cmocka_unit_test(test_numbers_in_decimal_and_hex),
        cmocka_unit_test(test_lists_with_and_without_trailing_comma),
        cmocka_unit_test(test_on_crash_destroy_and_preserve),
        cmocka_unit_test(test_longest_allowed_values_fit),
        cmocka_unit_test(test_line_of_512_characters_is_fine),
        cmocka_unit_test(test_file_of_64_kib_is_fine),
        cmocka_unit_test(test_file_larger_than_64_kib_is_refused),
        cmocka_unit_test(test_missing_kernel_is_reported_without_a_line),
        cmocka_unit_test(test_missing_name_is_reported_without_a_line),
        cmocka_unit_test(test_nul_byte_is_refused),
        cmocka_unit_test(test_non_printable_characters_are_refused),
        cmocka_unit_test(test_line_longer_than_512_characters_is_refused),
        cmocka_unit_test(test_unknown_key_suggests_the_closest),
        cmocka_unit_test(test_unknown_key_far_from_any_is_just_unknown),
        cmocka_unit_test(test_key_given_twice_is_refused),
        cmocka_unit_test(test_line_not_starting_with_a_key_is_refused),
        cmocka_unit_test(test_missing_equals_sign_is_refused),
        cmocka_unit_test(test_missing_value_is_refused),
        cmocka_unit_test(test_unquoted_words_are_refused),
        cmocka_unit_test(test_other_values_are_refused),
        cmocka_unit_test(test_unterminated_string_is_refused),
        cmocka_unit_test(test_backslash_in_a_string_is_refused),
        cmocka_unit_test(test_garbage_after_a_value_is_refused),
        cmocka_unit_test(test_bad_numbers_are_refused),
        cmocka_unit_test(test_list_spanning_lines_is_refused),
        cmocka_unit_test(test_bad_list_entries_are_refused),
        cmocka_unit_test(test_values_of_the_wrong_type_are_refused),
        cmocka_unit_test(test_empty_kernel_and_name_are_refused),
        cmocka_unit_test(test_too_long_strings_are_refused),
        cmocka_unit_test(test_name_with_other_characters_is_refused),
        cmocka_unit_test(test_memory_out_of_range_is_refused),
        cmocka_unit_test(test_more_than_one_vcpu_is_refused),
        cmocka_unit_test(test_unknown_on_crash_action_is_refused),
        cmocka_unit_test(test_poweroff_and_reboot_accept_only_destroy),
        cmocka_unit_test(test_more_than_four_disks_are_refused),
        cmocka_unit_test(test_malformed_disk_entries_are_refused),
        cmocka_unit_test(test_first_problem_wins),
        cmocka_unit_test(test_a_tab_quoted_in_a_message_becomes_a_space),
        cmocka_unit_test(test_short_error_buffer_is_truncated_and_terminated),
        cmocka_unit_test(test_file_name_is_whatever_the_caller_says),
        cmocka_unit_test(test_every_truncation_of_a_good_file_is_handled),
        cmocka_unit_test(test_overwriting_any_byte_never_crashes),
    };
    return cmocka_run_group_tests_name("xmconfig", tests, NULL, NULL);
}
