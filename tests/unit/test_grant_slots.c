/*
 * test_grant_slots.c - which pages of minios's grant area are in use
 * (guests/minios/include/grant_slots.h): a map takes the lowest free page;
 * the floor skips the full words below it, so a map with a thousand domUs'
 * pages held does not pass them, and a page given back below the floor is
 * the next one taken; with every page in use a map finds none, and the
 * floor stays on the bitmap.  A random run of takes and gives checks every
 * page taken against the lowest free page found by a plain scan.  A run of
 * pages (a backend's mapping of a whole request) is the lowest run of free
 * pages, across words and past full ones, and marks all of them used; given
 * back whole, it frees exactly its pages and lowers the floor.  The count of
 * free pages (blkback's pool budget) agrees with a plain scan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <grant_slots.h>

static struct grant_slots s;

static int setup(void **state)
{
    (void)state;
    memset(&s, 0, sizeof(s));
    return 0;
}

/* A map's way to a page: a word with room at the floor, or the floor raised to one. */
static int take(void)
{
    if (!grant_slots_room(&s) && !grant_slots_raise(&s))
        return -1;
    return (int)grant_slot_take(&s);
}

static int in_use(uint32_t slot)
{
    return (s.used[slot / 32] >> (slot % 32)) & 1;
}

/* The lowest free page by a plain scan from page 0, or -1. */
static int lowest_free(void)
{
    for (uint32_t slot = 0; slot < GRANT_AREA_SLOTS; slot++)
        if (!in_use(slot))
            return (int)slot;
    return -1;
}

static void test_pages_are_taken_lowest_first(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++)
        assert_int_equal(take(), i);
    grant_slot_give(&s, 40);
    grant_slot_give(&s, 7);
    assert_int_equal(take(), 7);
    assert_int_equal(take(), 40);
    assert_int_equal(take(), 100);
}

/* dom0 with a thousand domUs holds two pages for each: 62 full words, then a part. */
static void
test_a_map_starts_past_the_full_words_and_a_page_given_back_lowers_the_floor(void **state)
{
    (void)state;
    for (int i = 0; i < 2000; i++)
        assert_int_equal(take(), i);
    assert_int_equal(s.floor, 2000 / 32); /* the next map reads word 62 first */
    grant_slot_give(&s, 1000);
    assert_int_equal(s.floor, 1000 / 32);
    assert_int_equal(take(), 1000);
    assert_int_equal(take(), 2000);
    assert_int_equal(s.floor, 2001 / 32);
}

static void test_with_every_page_in_use_a_map_finds_none(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < GRANT_AREA_SLOTS; i++)
        assert_int_equal(take(), (int)i);
    assert_int_equal(take(), -1);
    assert_int_equal(take(), -1);
    assert_true(s.floor < GRANT_SLOT_WORDS); /* grant_slots_room() reads used[floor] */
    grant_slot_give(&s, GRANT_AREA_SLOTS - 1);
    assert_int_equal(take(), (int)GRANT_AREA_SLOTS - 1);
    grant_slot_give(&s, 3);
    assert_int_equal(take(), 3);
    assert_int_equal(take(), -1);
}

static void test_a_random_run_always_takes_the_lowest_free_page(void **state)
{
    (void)state;
    static uint32_t held[GRANT_AREA_SLOTS];
    uint32_t nr_held = 0;
    srand(15);
    for (int step = 0; step < 200000; step++) {
        /* mostly takes until most pages are in use, then as many gives as takes */
        int give =
            nr_held && (nr_held == GRANT_AREA_SLOTS || rand() % 100 < (nr_held > 7000 ? 50 : 40));
        if (give) {
            uint32_t i = (uint32_t)rand() % nr_held;
            grant_slot_give(&s, held[i]);
            held[i] = held[--nr_held];
            continue;
        }
        int expect = lowest_free();
        int got = take();
        if (got != expect)
            fail_msg("step %d: took page %d, the lowest free was %d", step, got, expect);
        held[nr_held++] = (uint32_t)got;
    }
}

/* The lowest run of n free pages by a plain scan from page 0, or GRANT_AREA_SLOTS. */
static uint32_t lowest_run(uint32_t n)
{
    for (uint32_t first = 0; first + n <= GRANT_AREA_SLOTS; first++) {
        uint32_t k = 0;
        while (k < n && !in_use(first + k))
            k++;
        if (k == n)
            return first;
    }
    return GRANT_AREA_SLOTS;
}

static void test_a_run_is_the_lowest_run_of_free_pages(void **state)
{
    (void)state;
    for (int i = 0; i < 70; i++)
        take();              /* words 0 and 1 full, word 2 begun */
    grant_slot_give(&s, 3);  /* a hole of one page: too short for a run of two */
    grant_slot_give(&s, 40); /* a hole of two pages */
    grant_slot_give(&s, 41);
    assert_int_equal(grant_slots_take_run(&s, 2), 40);
    assert_true(in_use(40) && in_use(41));
    assert_int_equal(grant_slots_take_run(&s, 33), 70); /* across words 2 and 3 */
    for (uint32_t i = 70; i < 103; i++)
        assert_true(in_use(i));
    assert_false(in_use(103));
    assert_int_equal(take(), 3); /* the single page is still the lowest free one */
}

static void test_random_runs_are_the_lowest_runs(void **state)
{
    (void)state;
    srand(15);
    for (int i = 0; i < 2000; i++) {
        if (rand() % 3) {
            uint32_t n = 1 + (uint32_t)rand() % 40, want = lowest_run(n);
            assert_int_equal(grant_slots_take_run(&s, n), want);
        } else {
            grant_slot_give(&s, (uint32_t)rand() % 600);
        }
    }
}

static void test_with_no_run_long_enough_a_run_finds_none(void **state)
{
    (void)state;
    while (take() >= 0)
        ;
    for (uint32_t i = 1; i < GRANT_AREA_SLOTS; i += 64)
        grant_slot_give(&s, i);
    assert_int_equal(grant_slots_take_run(&s, 2), GRANT_AREA_SLOTS);
    assert_int_equal(grant_slots_take_run(&s, 1), 1);
}

/* A run given back whole: its pages only, across words, and the floor lowered to its first. */
static void test_a_run_given_back_frees_its_pages_and_lowers_the_floor(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++)
        take();
    assert_int_equal(s.floor, 200 / 32);
    grant_slots_give_run(&s, 50, 70); /* words 1 to 3: part, whole (64..95), part */
    for (uint32_t i = 0; i < 200; i++)
        assert_int_equal(in_use(i), i < 50 || i >= 120);
    assert_int_equal(s.floor, 50 / 32);
    assert_int_equal(take(), 50);
    assert_int_equal(grant_slots_take_run(&s, 69), 51); /* the rest of the run, exactly */
    grant_slots_give_run(&s, 160, 32);                  /* above the floor: the floor stays */
    assert_int_equal(s.floor, 50 / 32);
    assert_int_equal(grant_slots_take_run(&s, 32), 160);
    assert_int_equal(take(), 200);
}

static uint32_t free_by_scan(void)
{
    uint32_t n = 0;
    for (uint32_t slot = 0; slot < GRANT_AREA_SLOTS; slot++)
        n += !in_use(slot);
    return n;
}

static void test_the_free_count_is_the_pages_not_in_use(void **state)
{
    (void)state;
    assert_int_equal(grant_slots_free(&s), GRANT_AREA_SLOTS);
    srand(15);
    for (int i = 0; i < 3000; i++) {
        if (rand() % 3)
            grant_slots_take_run(&s, 1 + (uint32_t)rand() % 64);
        else
            grant_slot_give(&s, (uint32_t)rand() % GRANT_AREA_SLOTS);
        if (i % 100 == 0)
            assert_int_equal(grant_slots_free(&s), free_by_scan());
    }
    memset(s.used, 0xff, sizeof(s.used));
    assert_int_equal(grant_slots_free(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pages_are_taken_lowest_first, setup),
        cmocka_unit_test_setup(
            test_a_map_starts_past_the_full_words_and_a_page_given_back_lowers_the_floor, setup),
        cmocka_unit_test_setup(test_with_every_page_in_use_a_map_finds_none, setup),
        cmocka_unit_test_setup(test_a_random_run_always_takes_the_lowest_free_page, setup),
        cmocka_unit_test_setup(test_a_run_is_the_lowest_run_of_free_pages, setup),
        cmocka_unit_test_setup(test_random_runs_are_the_lowest_runs, setup),
        cmocka_unit_test_setup(test_with_no_run_long_enough_a_run_finds_none, setup),
        cmocka_unit_test_setup(test_a_run_given_back_frees_its_pages_and_lowers_the_floor, setup),
        cmocka_unit_test_setup(test_the_free_count_is_the_pages_not_in_use, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
