/*
 * test_io_pool.c - the pages of a disk's I/O pool lent to callers
 * (guests/minios/include/io_pool.h): a run is the lowest free stretch that
 * fits, runs lent out never overlap, a run given back is free again and the
 * next of its size takes it; a run larger than the pool, of no pages, or
 * with no free stretch is refused; a give of pages not lent out (twice, a
 * part outside the pool, a stretch half free) is refused and changes
 * nothing; the whole 64-page pool is one run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <io_pool.h>
#include <public/io/blkif.h>

_Static_assert(BLKIF_POOL_MAX_PAGES <= IO_POOL_MAX_PAGES, "the pool fits the bitmap");

static void test_runs_are_lowest_first_and_never_overlap(void **state)
{
    (void)state;
    struct io_pool p = {.pages = 64};
    assert_int_equal(io_pool_take(&p, 33), 0);
    assert_int_equal(io_pool_take(&p, 8), 33);
    assert_int_equal(io_pool_take(&p, 24), -1); /* 23 left */
    assert_int_equal(io_pool_take(&p, 23), 41);
    assert_true(p.used == ~0ull);
    assert_int_equal(io_pool_take(&p, 1), -1);
}

static void test_a_run_given_back_is_taken_again(void **state)
{
    (void)state;
    struct io_pool p = {.pages = 64};
    assert_int_equal(io_pool_take(&p, 4), 0);
    assert_int_equal(io_pool_take(&p, 4), 4);
    assert_int_equal(io_pool_take(&p, 4), 8);
    assert_int_equal(io_pool_give(&p, 4, 4), 0);
    assert_int_equal(io_pool_take(&p, 5), 12); /* the hole of 4 is too small */
    assert_int_equal(io_pool_take(&p, 3), 4);
    assert_int_equal(io_pool_take(&p, 1), 7);
    assert_int_equal(io_pool_take(&p, 1), 17);
}

static void test_impossible_runs_are_refused(void **state)
{
    (void)state;
    struct io_pool none = {.pages = 0}, p = {.pages = 10};
    assert_int_equal(io_pool_take(&none, 1), -1);
    assert_int_equal(io_pool_take(&p, 0), -1);
    assert_int_equal(io_pool_take(&p, 11), -1);
    assert_int_equal(io_pool_take(&p, 10), 0);
    assert_int_equal(io_pool_give(&p, 0, 10), 0);
    assert_true(p.used == 0);
}

static void test_a_give_of_pages_not_lent_changes_nothing(void **state)
{
    (void)state;
    struct io_pool p = {.pages = 16};
    assert_int_equal(io_pool_take(&p, 4), 0);
    uint64_t before = p.used;
    assert_int_equal(io_pool_give(&p, 2, 4), -1);  /* half of it free */
    assert_int_equal(io_pool_give(&p, 0, 0), -1);  /* no pages */
    assert_int_equal(io_pool_give(&p, 14, 4), -1); /* past the pool */
    assert_int_equal(io_pool_give(&p, 99, 1), -1);
    assert_true(p.used == before);
    assert_int_equal(io_pool_give(&p, 0, 4), 0);
    assert_int_equal(io_pool_give(&p, 0, 4), -1); /* twice */
    assert_true(p.used == 0);
}

static void test_the_whole_pool_is_one_run(void **state)
{
    (void)state;
    struct io_pool p = {.pages = BLKIF_POOL_MAX_PAGES};
    assert_int_equal(io_pool_take(&p, BLKIF_POOL_MAX_PAGES), 0);
    assert_int_equal(io_pool_give(&p, 0, BLKIF_POOL_MAX_PAGES), 0);
    assert_true(p.used == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_are_lowest_first_and_never_overlap),
        cmocka_unit_test(test_a_run_given_back_is_taken_again),
        cmocka_unit_test(test_impossible_runs_are_refused),
        cmocka_unit_test(test_a_give_of_pages_not_lent_changes_nothing),
        cmocka_unit_test(test_the_whole_pool_is_one_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
