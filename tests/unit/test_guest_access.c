/*
 * test_guest_access.c - the range check every hypercall applies to a guest
 * pointer before the hypervisor copies through it.
 *
 * guest_range_ok(addr, len) is the whole of the protection that stops a guest
 * from passing a pointer into the hypervisor's top 64 MiB and having a
 * hypercall read or overwrite hypervisor memory for it.  The copy itself runs
 * with the guest's page tables, which map the hypervisor too, so an off-by-one
 * or a missed 32-bit wrap-around here is a hole.  The tests walk the edges:
 * ranges ending just below, exactly at and just past HYPERVISOR_VIRT_START,
 * empty ranges, and lengths that wrap past 2^32 back into guest space.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hv/guest_access.h>

static void test_hypervisor_starts_at_0xfc000000(void **state)
{
    (void)state;
    assert_int_equal(HYPERVISOR_VIRT_START, 0xFC000000u);
}

static void test_ordinary_guest_ranges_are_accepted(void **state)
{
    (void)state;
    assert_true(guest_range_ok(0x00001000, 16));
    assert_true(guest_range_ok(0xC0000000, 4096));
    assert_true(guest_range_ok(0, 1));
    assert_true(guest_range_ok(0, HYPERVISOR_VIRT_START)); /* all of guest space */
}

static void test_range_ending_exactly_at_the_hypervisor_is_accepted(void **state)
{
    (void)state;
    assert_true(guest_range_ok(HYPERVISOR_VIRT_START - 1, 1));
    assert_true(guest_range_ok(HYPERVISOR_VIRT_START - 4096, 4096));
}

static void test_range_reaching_one_byte_into_the_hypervisor_is_refused(void **state)
{
    (void)state;
    assert_false(guest_range_ok(HYPERVISOR_VIRT_START - 1, 2));
    assert_false(guest_range_ok(HYPERVISOR_VIRT_START - 4096, 4097));
    assert_false(guest_range_ok(0, HYPERVISOR_VIRT_START + 1));
}

static void test_range_starting_inside_the_hypervisor_is_refused(void **state)
{
    (void)state;
    assert_false(guest_range_ok(HYPERVISOR_VIRT_START, 1));
    assert_false(guest_range_ok(0xFC100000, 64)); /* the hypervisor image */
    assert_false(guest_range_ok(0xFFFFFFFF, 1));
}

static void test_empty_range_is_accepted_only_up_to_the_boundary(void **state)
{
    (void)state;
    assert_true(guest_range_ok(0, 0));
    assert_true(guest_range_ok(0x12345678, 0));
    assert_true(
        guest_range_ok(HYPERVISOR_VIRT_START, 0)); /* ends at the boundary: touches nothing */
    assert_false(guest_range_ok(HYPERVISOR_VIRT_START + 1, 0));
    assert_false(guest_range_ok(0xFFFFFFFF, 0));
}

static void test_length_wrapping_past_4gib_is_refused(void **state)
{
    (void)state;
    /* addr + len wraps to a small number that, alone, would look harmless. */
    assert_false(guest_range_ok(0x1000, 0xFFFFF000));         /* wraps to exactly 0 */
    assert_false(guest_range_ok(0x1000, 0xFFFFFFFF));         /* wraps to 0xFFF */
    assert_false(guest_range_ok(0xFFFFF000, 0x2000));         /* starts high, ends at 0x1000 */
    assert_false(guest_range_ok(0x80000000, 0x80000001));     /* wraps to 1 */
    assert_false(guest_range_ok(HYPERVISOR_VIRT_START, -1u)); /* wraps below the start */
}

static void test_huge_length_from_zero_is_refused(void **state)
{
    (void)state;
    assert_false(guest_range_ok(0, 0xFFFFFFFF));
    assert_false(guest_range_ok(0, 0xFC000001));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hypervisor_starts_at_0xfc000000),
        cmocka_unit_test(test_ordinary_guest_ranges_are_accepted),
        cmocka_unit_test(test_range_ending_exactly_at_the_hypervisor_is_accepted),
        cmocka_unit_test(test_range_reaching_one_byte_into_the_hypervisor_is_refused),
        cmocka_unit_test(test_range_starting_inside_the_hypervisor_is_refused),
        cmocka_unit_test(test_empty_range_is_accepted_only_up_to_the_boundary),
        cmocka_unit_test(test_length_wrapping_past_4gib_is_refused),
        cmocka_unit_test(test_huge_length_from_zero_is_refused),
    };
    return cmocka_run_group_tests_name("guest_access", tests, NULL, NULL);
}
