/*
 * test_bootfs.c - dom0's boot archive reader (tools/xm-lite/bootfs.c) and the
 * script that writes archives (scripts/mkbootfs.py).
 *
 * The boot archive is a cpio "newc" archive handed to dom0 as a multiboot
 * module; xm-lite looks up config files and kernels in it by path.  The
 * tests build archives in memory with a small newc writer of their own,
 * which follows the same conventions as mkbootfs.py (inode numbers in order,
 * mtime 0, directories 040755 with two links, files 0100644), so that one
 * test can also check that the script writes exactly the same bytes.
 *
 * The archive comes from outside dom0 and may be anything, so each test
 * starts from one good archive (directories, files with and without a
 * leading "./" or "/", a symlink, an empty file) and breaks one thing: the
 * magic, a hex digit in each header field, sizes that run past the end or
 * wrap, names that are not terminated where their size says.  Every parse
 * runs on a heap copy of exactly the archive's bytes, so valgrind reports
 * any read past the end, including across the tests that truncate the
 * archive at every length and overwrite every byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bootfs.h"

/* ---------------------------------------------------------------- a newc writer */

#define ARCHIVE_MAX 4096
#define HEADER_SIZE 110
#define FILE_MODE   0100644u
#define DIR_MODE    0040755u
#define LINK_MODE   0120777u

/* The thirteen header fields after the 6-byte magic, 8 hex digits each. */
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_NAMESIZE = 11, NR_FIELDS = 13 };
#define FIELD_OFFSET(f) (6 + 8 * (f))

static uint8_t archive[ARCHIVE_MAX];
static size_t archive_len;
static uint32_t next_ino;

static void append(const void *data, size_t size)
{
    assert_true(archive_len + size <= ARCHIVE_MAX);
    if (size)
        memcpy(archive + archive_len, data, size);
    archive_len += size;
}

static void pad4(void)
{
    static const uint8_t zeros[3];
    append(zeros, (4 - archive_len % 4) % 4);
}

/* Appends one entry; returns the offset of its header. */
static size_t add_entry(uint32_t ino, uint32_t mode, uint32_t nlink, const char *name,
                        const void *data, size_t size)
{
    size_t at = archive_len;
    char header[HEADER_SIZE + 1];
    unsigned int name_size = strlen(name) + 1;
    snprintf(header, sizeof(header), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             ino, mode, 0, 0, nlink, 0, (unsigned int)size, 0, 0, 0, 0, name_size, 0);
    append(header, HEADER_SIZE);
    append(name, name_size);
    pad4();
    append(data, size);
    pad4();
    return at;
}

static size_t add_file(const char *name, const void *data, size_t size)
{
    return add_entry(++next_ino, FILE_MODE, 1, name, data, size);
}

static size_t add_dir(const char *name)
{
    return add_entry(++next_ino, DIR_MODE, 2, name, NULL, 0);
}

static size_t add_trailer(void)
{
    return add_entry(0, 0, 1, "TRAILER!!!", NULL, 0);
}

static void reset_archive(void)
{
    memset(archive, 0, sizeof(archive));
    archive_len = 0;
    next_ino = 0;
}

/* Overwrites header field f of the entry at `at` with 8 characters. */
static void set_field_text(size_t at, int f, const char *eight)
{
    assert_int_equal(strlen(eight), 8);
    memcpy(archive + at + FIELD_OFFSET(f), eight, 8);
}

static void set_field(size_t at, int f, uint32_t value)
{
    char text[9];
    snprintf(text, sizeof(text), "%08X", value);
    set_field_text(at, f, text);
}

/* ---------------------------------------------------------------- the good archive */

static const char domu_cfg[] = "name = 'domU'\nkernel = '/boot/minios.elf'\n";
static const uint8_t kernel[13] = {0x7f, 'E', 'L', 'F', 1, 1, 1, 0, 0, 0xff, 0, 0x80, 9};

/* Header offsets of the good archive's entries. */
static size_t at_etc, at_cfg, at_kernel, at_readme, at_top, at_link, at_empty, at_trailer;

static int setup_good_archive(void **state)
{
    (void)state;
    reset_archive();
    at_etc = add_dir("etc");
    add_dir("etc/xm");
    at_cfg = add_file("etc/xm/domU.cfg", domu_cfg, strlen(domu_cfg));
    add_dir("boot");
    at_kernel = add_file("boot/minios.elf", kernel, sizeof(kernel));
    at_readme = add_file("./README", "hello", 5);
    at_top = add_file("/top", "t", 1);
    at_link = add_entry(++next_ino, LINK_MODE, 1, "link", "etc", 3);
    at_empty = add_file("empty", NULL, 0);
    at_trailer = add_trailer();
    return 0;
}

/* ---------------------------------------------------------------- running the reader */

/* A heap copy of exactly the first len bytes of the archive, for valgrind. */
static uint8_t *copy_archive(size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, archive, len);
    return copy;
}

static const char *err;

/*
 * Iterates over the first len bytes: returns the number of regular files,
 * or -1 with err set.  Checks that every file lies inside the archive.
 */
static int count_files(size_t len)
{
    uint8_t *a = copy_archive(len);
    size_t pos = 0;
    struct bootfs_file f;
    int n = 0, r;
    err = NULL;
    while ((r = bootfs_next(a, len, &pos, &f, &err)) == 1) {
        n++;
        assert_true(f.name >= (const char *)a && f.name + f.name_len <= (const char *)a + len);
        assert_true((const uint8_t *)f.data >= a && (const uint8_t *)f.data + f.size <= a + len);
        assert_true(pos <= len);
    }
    free(a);
    if (r == 0)
        return n;
    assert_int_equal(r, -1);
    assert_non_null(err);
    assert_null(strchr(err, '\n'));
    return -1;
}

static void assert_malformed(const char *message)
{
    assert_int_equal(count_files(archive_len), -1);
    assert_string_equal(err, message);
}

static void assert_file(const struct bootfs_file *f, const char *name, const void *data,
                        size_t size)
{
    assert_int_equal(f->name_len, strlen(name));
    assert_memory_equal(f->name, name, f->name_len);
    assert_int_equal(f->size, size);
    if (size)
        assert_memory_equal(f->data, data, size);
}

/* ---------------------------------------------------------------- good archives */

static void test_iterates_regular_files_in_order(void **state)
{
    (void)state;
    uint8_t *a = copy_archive(archive_len);
    size_t pos = 0;
    struct bootfs_file f;
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), 1);
    assert_file(&f, "etc/xm/domU.cfg", domu_cfg, strlen(domu_cfg));
    assert_int_equal(f.mode, FILE_MODE);
    assert_int_equal(pos, at_cfg + 128 + 44); /* header+name 126 -> 128, data 42 -> 44 */
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), 1);
    assert_file(&f, "boot/minios.elf", kernel, sizeof(kernel));
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), 1);
    assert_file(&f, "README", "hello", 5);
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), 1);
    assert_file(&f, "top", "t", 1);
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), 1);
    assert_file(&f, "empty", NULL, 0);
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), 0);
    free(a);
}

static void test_end_stays_the_end(void **state)
{
    (void)state;
    uint8_t *a = copy_archive(archive_len);
    size_t pos = 0;
    struct bootfs_file f;
    while (bootfs_next(a, archive_len, &pos, &f, NULL) == 1)
        ;
    assert_int_equal(pos, at_trailer);
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, NULL), 0);
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, NULL), 0);
    assert_int_equal(pos, at_trailer);
    free(a);
}

static void test_find_with_and_without_leading_slash(void **state)
{
    (void)state;
    uint8_t *a = copy_archive(archive_len);
    struct bootfs_file f;
    assert_int_equal(bootfs_find(a, archive_len, "/etc/xm/domU.cfg", &f), 0);
    assert_file(&f, "etc/xm/domU.cfg", domu_cfg, strlen(domu_cfg));
    memset(&f, 0, sizeof(f));
    assert_int_equal(bootfs_find(a, archive_len, "etc/xm/domU.cfg", &f), 0);
    assert_file(&f, "etc/xm/domU.cfg", domu_cfg, strlen(domu_cfg));
    assert_int_equal(bootfs_find(a, archive_len, "./boot/minios.elf", &f), 0);
    assert_file(&f, "boot/minios.elf", kernel, sizeof(kernel));
    /* Names stored with "./" or "/" are found without them, and with them. */
    assert_int_equal(bootfs_find(a, archive_len, "README", &f), 0);
    assert_int_equal(bootfs_find(a, archive_len, "/README", &f), 0);
    assert_int_equal(bootfs_find(a, archive_len, "top", &f), 0);
    assert_int_equal(bootfs_find(a, archive_len, "//top", &f), 0);
    assert_int_equal(bootfs_find(a, archive_len, "/empty", &f), 0);
    assert_int_equal(f.size, 0);
    free(a);
}

static void test_find_misses_what_is_not_a_regular_file_of_that_name(void **state)
{
    (void)state;
    uint8_t *a = copy_archive(archive_len);
    struct bootfs_file f;
    memset(&f, 0x55, sizeof(f));
    assert_int_equal(bootfs_find(a, archive_len, "/etc/xm", &f), -1); /* a directory */
    assert_int_equal(bootfs_find(a, archive_len, "etc", &f), -1);
    assert_int_equal(bootfs_find(a, archive_len, "link", &f), -1); /* a symlink */
    assert_int_equal(bootfs_find(a, archive_len, "etc/xm/domU", &f), -1);
    assert_int_equal(bootfs_find(a, archive_len, "etc/xm/domU.cfgx", &f), -1);
    assert_int_equal(bootfs_find(a, archive_len, "ETC/XM/DOMU.CFG", &f), -1);
    assert_int_equal(bootfs_find(a, archive_len, "", &f), -1);
    assert_int_equal(bootfs_find(a, archive_len, "/", &f), -1);
    assert_int_equal(bootfs_find(a, archive_len, "TRAILER!!!", &f), -1);
    free(a);
}

static void test_every_name_and_data_size_round_trips(void **state)
{
    (void)state;
    static const char letters[] = "abcdefghij";
    uint8_t data[16];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = 0xa0 + i;
    /* Name lengths 1..8 and data sizes 0..8 cover every padding of both. */
    for (size_t name_len = 1; name_len <= 8; name_len++) {
        for (size_t size = 0; size <= 8; size++) {
            char name[16];
            memcpy(name, letters, name_len);
            name[name_len] = 0;
            reset_archive();
            add_file(name, data, size);
            add_file("after", "x", 1);
            add_trailer();
            uint8_t *a = copy_archive(archive_len);
            struct bootfs_file f;
            assert_int_equal(bootfs_find(a, archive_len, name, &f), 0);
            assert_file(&f, name, data, size);
            assert_int_equal(bootfs_find(a, archive_len, "after", &f), 0);
            assert_file(&f, "after", "x", 1);
            free(a);
        }
    }
}

static void test_archive_of_only_a_trailer_is_empty(void **state)
{
    (void)state;
    reset_archive();
    add_trailer();
    assert_int_equal(count_files(archive_len), 0);
    uint8_t *a = copy_archive(archive_len);
    struct bootfs_file f;
    assert_int_equal(bootfs_find(a, archive_len, "anything", &f), -1);
    free(a);
}

static void test_trailer_needs_no_padding_and_nothing_after_it_is_read(void **state)
{
    (void)state;
    /* Ends right after "TRAILER!!!\0", before its padding. */
    assert_int_equal(count_files(at_trailer + HEADER_SIZE + 11), 5);
    /* Anything after the trailer (GNU cpio pads to 512 bytes) is ignored. */
    memset(archive + archive_len, 0xee, 100);
    assert_int_equal(count_files(archive_len + 100), 5);
}

static void test_lowercase_hex_is_accepted(void **state)
{
    (void)state;
    set_field_text(at_cfg, F_MODE, "000081a4");
    assert_int_equal(count_files(archive_len), 5);
}

static void test_other_entry_types_are_skipped(void **state)
{
    (void)state;
    /* Character device, FIFO, socket and block device, with and without data. */
    static const uint32_t modes[] = {0020644, 0010644, 0140755, 0060600};
    for (size_t i = 0; i < 4; i++) {
        setup_good_archive(NULL);
        set_field(at_cfg, F_MODE, modes[i]);
        assert_int_equal(count_files(archive_len), 4);
    }
}

/* ---------------------------------------------------------------- malformed archives */

static void test_empty_buffer_has_no_trailer(void **state)
{
    (void)state;
    assert_int_equal(count_files(0), -1);
    assert_string_equal(err, "archive ends without a TRAILER!!! entry");
}

static void test_archive_without_trailer_is_refused(void **state)
{
    (void)state;
    assert_int_equal(count_files(at_trailer), -1);
    assert_string_equal(err, "archive ends without a TRAILER!!! entry");
}

static void test_every_truncation_is_refused(void **state)
{
    (void)state;
    size_t shortest_good = at_trailer + HEADER_SIZE + 11;
    for (size_t len = 0; len < shortest_good; len++)
        assert_int_equal(count_files(len), -1);
    for (size_t len = shortest_good; len <= archive_len; len++)
        assert_int_equal(count_files(len), 5);
}

static void test_truncated_header_is_refused(void **state)
{
    (void)state;
    assert_int_equal(count_files(at_kernel + HEADER_SIZE - 1), -1);
    assert_string_equal(err, "truncated entry header");
    assert_int_equal(count_files(1), -1);
    assert_string_equal(err, "truncated entry header");
}

static void test_bad_magic_is_refused(void **state)
{
    (void)state;
    memcpy(archive, "070707", 6); /* the old binary-free "odc" format */
    assert_malformed("bad magic (not a cpio newc archive)");
    memcpy(archive, "070702", 6); /* newc with checksums */
    assert_malformed("bad magic (not a cpio newc archive)");
    setup_good_archive(NULL);
    memcpy(archive + at_kernel,
           "\x7f"
           "ELF\0\0",
           6);
    assert_malformed("bad magic (not a cpio newc archive)");
}

static void test_non_hex_digit_in_any_field_is_refused(void **state)
{
    (void)state;
    static const char bad[] = {'g', 'G', ' ', '-', 'x', 0, (char)0xff};
    for (int field = 0; field < NR_FIELDS; field++) {
        for (size_t digit = 0; digit < 8; digit++) {
            for (size_t k = 0; k < sizeof(bad); k++) {
                setup_good_archive(NULL);
                archive[at_kernel + FIELD_OFFSET(field) + digit] = bad[k];
                assert_malformed("non-hex digit in an entry header");
            }
        }
    }
}

static void test_zero_name_size_is_refused(void **state)
{
    (void)state;
    set_field(at_kernel, F_NAMESIZE, 0);
    assert_malformed("entry with a name size of zero");
}

static void test_name_past_the_end_is_refused(void **state)
{
    (void)state;
    set_field(at_kernel, F_NAMESIZE, 0xffffffffu);
    assert_malformed("entry name runs past the end of the archive");
    setup_good_archive(NULL);
    set_field(at_trailer, F_NAMESIZE, archive_len - at_trailer - HEADER_SIZE + 1);
    assert_malformed("entry name runs past the end of the archive");
    /* The name fits, but its padding does not. */
    setup_good_archive(NULL);
    archive_len = at_trailer + HEADER_SIZE + 5;
    memcpy(archive + at_trailer + HEADER_SIZE, "abcd", 5);
    set_field(at_trailer, F_NAMESIZE, 5);
    assert_malformed("entry name runs past the end of the archive");
}

static void test_name_not_terminated_where_its_size_says_is_refused(void **state)
{
    (void)state;
    set_field(at_kernel, F_NAMESIZE, 4); /* "boo" + 't', not NUL */
    assert_malformed("entry name is not NUL-terminated where its size says");
    setup_good_archive(NULL);
    set_field(at_kernel, F_NAMESIZE, 20); /* NUL at 16, within the size */
    assert_malformed("entry name is not NUL-terminated where its size says");
    /* A trailer is recognised only with the exact name size. */
    setup_good_archive(NULL);
    set_field(at_trailer, F_NAMESIZE, 10);
    assert_malformed("entry name is not NUL-terminated where its size says");
}

static void test_data_past_the_end_is_refused(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {0xffffffffu, 0xfffffffcu, 0x80000000u, ARCHIVE_MAX};
    for (size_t i = 0; i < 4; i++) {
        setup_good_archive(NULL);
        set_field(at_kernel, F_FILESIZE, sizes[i]);
        assert_malformed("file data runs past the end of the archive");
    }
    /* The data of the last entry fits up to the end, its padding does not. */
    setup_good_archive(NULL);
    size_t data_at = at_empty + HEADER_SIZE + 6; /* "empty\0", no padding needed */
    archive_len = at_trailer + 2;
    set_field(at_empty, F_FILESIZE, archive_len - data_at);
    assert_malformed("file data runs past the end of the archive");
    /* Directories and links are checked too, though skipped. */
    setup_good_archive(NULL);
    set_field(at_etc, F_FILESIZE, 0xfffffff0u);
    assert_malformed("file data runs past the end of the archive");
    setup_good_archive(NULL);
    set_field(at_link, F_FILESIZE, 0x7fffffffu);
    assert_malformed("file data runs past the end of the archive");
}

static void test_data_reaching_exactly_to_the_trailer_is_accepted(void **state)
{
    (void)state;
    /* Grow README's size over the entries after it, up to the trailer's header. */
    size_t data_at = at_readme + HEADER_SIZE + 10; /* "./README\0" + 1 byte of padding */
    set_field(at_readme, F_FILESIZE, at_trailer - data_at);
    assert_int_equal(count_files(archive_len), 3);
}

static void test_regular_file_with_empty_name_is_refused(void **state)
{
    (void)state;
    static const char *names[] = {"", "/", "./", "//./"};
    for (size_t i = 0; i < 4; i++) {
        reset_archive();
        add_file("a", "1", 1);
        size_t at = add_file(names[i], "2", 1);
        add_trailer();
        uint8_t *a = copy_archive(archive_len);
        size_t pos = 0;
        struct bootfs_file f;
        assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), 1);
        assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), -1);
        assert_string_equal(err, "regular file with an empty name");
        assert_int_equal(pos, at); /* left at the entry at fault */
        free(a);
    }
    /* A directory with such a name is fine: "." is in most archives made with find. */
    reset_archive();
    add_dir(".");
    add_file("a", "1", 1);
    add_trailer();
    assert_int_equal(count_files(archive_len), 1);
}

static void test_error_leaves_pos_at_the_entry_and_err_may_be_null(void **state)
{
    (void)state;
    set_field_text(at_top, F_UID, "zzzzzzzz");
    uint8_t *a = copy_archive(archive_len);
    size_t pos = 0;
    struct bootfs_file f;
    int r;
    while ((r = bootfs_next(a, archive_len, &pos, &f, NULL)) == 1)
        ;
    assert_int_equal(r, -1);
    assert_int_equal(pos, at_top);
    free(a);
}

static void test_pos_past_the_end_is_refused(void **state)
{
    (void)state;
    uint8_t *a = copy_archive(archive_len);
    struct bootfs_file f;
    size_t positions[] = {archive_len, archive_len + 1, (size_t)-1, (size_t)-110};
    for (size_t i = 0; i < 4; i++) {
        size_t pos = positions[i];
        assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), -1);
        assert_string_equal(err, "archive ends without a TRAILER!!! entry");
    }
    size_t pos = archive_len - 1;
    assert_int_equal(bootfs_next(a, archive_len, &pos, &f, &err), -1);
    assert_string_equal(err, "truncated entry header");
    free(a);
}

static void test_find_fails_on_a_malformed_archive(void **state)
{
    (void)state;
    set_field_text(at_readme, F_NAMESIZE, "0000000?");
    uint8_t *a = copy_archive(archive_len);
    struct bootfs_file f;
    assert_int_equal(bootfs_find(a, archive_len, "boot/minios.elf", &f), 0); /* before the fault */
    assert_int_equal(bootfs_find(a, archive_len, "top", &f), -1);            /* after it */
    free(a);
}

static void test_overwriting_any_byte_never_reads_out_of_bounds(void **state)
{
    (void)state;
    static const uint8_t values[] = {0, '0', '1', '7', 'F', 'f', 'g', 0xff};
    size_t len = archive_len;
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(values); k++) {
            setup_good_archive(NULL);
            archive[i] = values[k];
            int n = count_files(len);
            assert_true(n >= -1 && n <= 9); /* 9 entries before the trailer */
        }
    }
}

/* ---------------------------------------------------------------- scripts/mkbootfs.py */

#define MKBOOTFS "scripts/mkbootfs.py"

static char tmpdir[64];

static void write_host_file(const char *name, const void *data, size_t size)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    fclose(f);
}

/* Reads tmpdir/name into a heap buffer of exactly its size. */
static uint8_t *read_host_file(const char *name, size_t *size)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[ARCHIVE_MAX];
    *size = fread(buf, 1, sizeof(buf), f);
    assert_true(*size < sizeof(buf));
    fclose(f);
    uint8_t *copy = malloc(*size);
    assert_non_null(copy);
    memcpy(copy, buf, *size);
    return copy;
}

/* Runs mkbootfs.py with arguments; every %s in args is replaced by tmpdir. */
static int run_mkbootfs(const char *args)
{
    char cmd[1024], expanded[768];
    const char *s = args;
    size_t n = 0;
    while (*s) {
        if (s[0] == '%' && s[1] == 's') {
            n += snprintf(expanded + n, sizeof(expanded) - n, "%s", tmpdir);
            s += 2;
        } else {
            expanded[n++] = *s++;
        }
        assert_true(n < sizeof(expanded) - 1);
    }
    expanded[n] = 0;
    snprintf(cmd, sizeof(cmd), "python3 " MKBOOTFS " %s 2>/dev/null", expanded);
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int setup_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pvlab-test-bootfs-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown_tmpdir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void skip_without_python(void)
{
    if (access(MKBOOTFS, R_OK) != 0 || system("python3 -c '' >/dev/null 2>&1") != 0)
        skip();
}

static void test_mkbootfs_archive_is_readable_and_matches_the_writer(void **state)
{
    (void)state;
    skip_without_python();
    uint8_t all_bytes[256 + 5];
    for (size_t i = 0; i < sizeof(all_bytes); i++)
        all_bytes[i] = i;
    write_host_file("domU.cfg", domu_cfg, strlen(domu_cfg));
    write_host_file("minios.elf", all_bytes, sizeof(all_bytes));
    write_host_file("empty", "", 0);
    assert_int_equal(run_mkbootfs("%s/out.cpio /etc/xm/domU.cfg=%s/domU.cfg "
                                  "/boot/minios.elf=%s/minios.elf etc/xm/other.cfg=%s/domU.cfg "
                                  "/empty=%s/empty"),
                     0);
    size_t size;
    uint8_t *a = read_host_file("out.cpio", &size);

    size_t pos = 0;
    struct bootfs_file f;
    assert_int_equal(bootfs_next(a, size, &pos, &f, &err), 1);
    assert_file(&f, "etc/xm/domU.cfg", domu_cfg, strlen(domu_cfg));
    assert_int_equal(f.mode, FILE_MODE);
    assert_int_equal(bootfs_next(a, size, &pos, &f, &err), 1);
    assert_file(&f, "boot/minios.elf", all_bytes, sizeof(all_bytes));
    assert_int_equal(bootfs_next(a, size, &pos, &f, &err), 1);
    assert_file(&f, "etc/xm/other.cfg", domu_cfg, strlen(domu_cfg));
    assert_int_equal(bootfs_next(a, size, &pos, &f, &err), 1);
    assert_file(&f, "empty", NULL, 0);
    assert_int_equal(bootfs_next(a, size, &pos, &f, &err), 0);
    assert_int_equal(bootfs_find(a, size, "/boot/minios.elf", &f), 0);

    /* Byte for byte what this file's writer makes of the same files. */
    reset_archive();
    add_dir("etc");
    add_dir("etc/xm");
    add_file("etc/xm/domU.cfg", domu_cfg, strlen(domu_cfg));
    add_dir("boot");
    add_file("boot/minios.elf", all_bytes, sizeof(all_bytes));
    add_file("etc/xm/other.cfg", domu_cfg, strlen(domu_cfg));
    add_file("empty", NULL, 0);
    add_trailer();
    assert_int_equal(size, archive_len);
    assert_memory_equal(a, archive, size);
    free(a);
}

static void test_mkbootfs_is_deterministic(void **state)
{
    (void)state;
    skip_without_python();
    write_host_file("k", kernel, sizeof(kernel));
    assert_int_equal(run_mkbootfs("%s/one.cpio /boot/k=%s/k /etc/k=%s/k"), 0);
    assert_int_equal(run_mkbootfs("%s/two.cpio /boot/k=%s/k /etc/k=%s/k"), 0);
    size_t size1, size2;
    uint8_t *one = read_host_file("one.cpio", &size1);
    uint8_t *two = read_host_file("two.cpio", &size2);
    assert_int_equal(size1, size2);
    assert_memory_equal(one, two, size1);
    free(one);
    free(two);
}

static void test_mkbootfs_refuses_bad_arguments(void **state)
{
    (void)state;
    skip_without_python();
    write_host_file("k", kernel, sizeof(kernel));
    assert_int_equal(run_mkbootfs(""), 2);                                   /* usage */
    assert_int_equal(run_mkbootfs("%s/x.cpio /boot/k"), 2);                  /* no '=' */
    assert_int_equal(run_mkbootfs("%s/x.cpio /boot/k=%s/missing"), 1);       /* no such file */
    assert_int_equal(run_mkbootfs("%s/x.cpio ../k=%s/k"), 1);                /* ".." */
    assert_int_equal(run_mkbootfs("%s/x.cpio /=%s/k"), 1);                   /* empty path */
    assert_int_equal(run_mkbootfs("%s/x.cpio a//b=%s/k"), 1);                /* empty component */
    assert_int_equal(run_mkbootfs("%s/x.cpio /boot/k=%s/k boot/k=%s/k"), 1); /* twice */
    assert_int_equal(run_mkbootfs("%s/x.cpio /boot=%s/k /boot/k=%s/k"), 1);  /* file and dir */
    char out[128];
    snprintf(out, sizeof(out), "%s/x.cpio", tmpdir);
    assert_int_equal(access(out, F_OK), -1); /* nothing written after a refusal */
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, setup_good_archive)
    const struct CMUnitTest tests[] = {
        T(test_iterates_regular_files_in_order),
        T(test_end_stays_the_end),
        T(test_find_with_and_without_leading_slash),
        T(test_find_misses_what_is_not_a_regular_file_of_that_name),
        T(test_every_name_and_data_size_round_trips),
        T(test_archive_of_only_a_trailer_is_empty),
        T(test_trailer_needs_no_padding_and_nothing_after_it_is_read),
        T(test_lowercase_hex_is_accepted),
        T(test_other_entry_types_are_skipped),
        T(test_empty_buffer_has_no_trailer),
        T(test_archive_without_trailer_is_refused),
        T(test_every_truncation_is_refused),
        T(test_truncated_header_is_refused),
        T(test_bad_magic_is_refused),
        T(test_non_hex_digit_in_any_field_is_refused),
        T(test_zero_name_size_is_refused),
        T(test_name_past_the_end_is_refused),
        T(test_name_not_terminated_where_its_size_says_is_refused),
        T(test_data_past_the_end_is_refused),
        T(test_data_reaching_exactly_to_the_trailer_is_accepted),
        T(test_regular_file_with_empty_name_is_refused),
        T(test_error_leaves_pos_at_the_entry_and_err_may_be_null),
        T(test_pos_past_the_end_is_refused),
        T(test_find_fails_on_a_malformed_archive),
        T(test_overwriting_any_byte_never_reads_out_of_bounds),
        cmocka_unit_test_setup_teardown(test_mkbootfs_archive_is_readable_and_matches_the_writer,
                                        setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_mkbootfs_is_deterministic, setup_tmpdir,
                                        teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_mkbootfs_refuses_bad_arguments, setup_tmpdir,
                                        teardown_tmpdir),
    };
#undef T
    return cmocka_run_group_tests_name("bootfs", tests, NULL, NULL);
}
