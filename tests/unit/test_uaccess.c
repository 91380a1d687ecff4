/*
 * test_uaccess.c - the check before the kernel touches a user pointer
 * (proc/uaccess.c): inside a region, across adjacent regions, into a gap,
 * into the kernel, straddling the top of the user range, wrapping around
 * 4 GiB, huge lengths, and writes to read-only regions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uaccess.h>

/* code (read-only), data and heap back to back, a gap, then the stack up to 0xC0000000 */
static const struct uregion r[] = {
    {0x08048000, 0x0804A000, 0},
    {0x0804A000, 0x0804B000, 1},
    {0x0804B000, 0x0804D800, 1},
    {0xBFFF8000, 0xC0000000, 1},
};
#define N 4

static void test_inside_one_region(void **state)
{
    (void)state;
    assert_true(user_range_ok(r, N, 0x08048000, 16, 0));
    assert_true(user_range_ok(r, N, 0xBFFFF000, 0x1000, 1));
    assert_true(user_range_ok(r, N, 0x12345678, 0, 1)); /* nothing to touch */
}

static void test_across_adjacent_regions(void **state)
{
    (void)state;
    assert_true(user_range_ok(r, N, 0x08049FF0, 0x20, 0));
    assert_true(user_range_ok(r, N, 0x0804AFF0, 0x20, 1));
    assert_false(user_range_ok(r, N, 0x08049FF0, 0x20, 1)); /* starts in code */
}

static void test_gaps_kernel_and_hypervisor_refused(void **state)
{
    (void)state;
    assert_false(user_range_ok(r, N, 0x0804D7F0, 0x20, 0)); /* runs past the heap */
    assert_false(user_range_ok(r, N, 0x20000000, 4, 0));
    assert_false(user_range_ok(r, N, 0xC0000000, 4, 0));
    assert_false(user_range_ok(r, N, 0xFC000000, 4, 0));
    assert_false(user_range_ok(r, N, 0, 4, 0));
}

static void test_straddling_and_wrapping_refused(void **state)
{
    (void)state;
    assert_false(user_range_ok(r, N, 0xBFFFFFF8, 16, 1)); /* into the kernel */
    assert_true(user_range_ok(r, N, 0xBFFFFFF8, 8, 1));
    assert_false(user_range_ok(r, N, 0x0804A000, 0xFFFFFFF0u, 0)); /* wraps */
    assert_false(user_range_ok(r, N, 0x0804A000, 0x7FFFFFFF, 0));  /* huge */
    assert_false(user_range_ok(r, N, 0xFFFFFFFF, 1, 0));
}

static void test_bytes_from(void **state)
{
    (void)state;
    assert_int_equal(user_bytes_from(r, N, 0x08048000), 0x0804D800 - 0x08048000);
    assert_int_equal(user_bytes_from(r, N, 0xBFFFFFFF), 1);
    assert_int_equal(user_bytes_from(r, N, 0x20000000), 0);
    assert_int_equal(user_bytes_from(r, N, 0xC0000000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inside_one_region),
        cmocka_unit_test(test_across_adjacent_regions),
        cmocka_unit_test(test_gaps_kernel_and_hypervisor_refused),
        cmocka_unit_test(test_straddling_and_wrapping_refused),
        cmocka_unit_test(test_bytes_from),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
