/*
 * test_page_runs.c - runs of free pages in minios's page bitmap
 * (guests/minios/include/page_runs.h): a run is found wherever it lies in its
 * word, across words (a run that starts at a word's top ends in the next's
 * bottom), longer than a word, and above `from` only; words with no free page
 * are passed through the summary; with no run long enough the search finds
 * none.  A random run checks every answer against a plain first fit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <page_runs.h>

#define WORDS 96
static uint32_t bits[WORDS], summary[WORDS / 32];
static struct page_runs runs = {bits, summary, WORDS};

static int setup(void **state)
{
    (void)state;
    memset(bits, 0, sizeof(bits));
    memset(summary, 0, sizeof(summary));
    return 0;
}

static void set_free(uint32_t first, uint32_t n)
{
    for (uint32_t p = first; p < first + n; p++) {
        bits[p / 32] |= 1u << (p % 32);
        summary[p / 1024] |= 1u << (p / 32 % 32);
    }
}

/* The lowest run of n free pages at or above `from`, a page at a time. */
static int32_t first_fit(uint32_t from, uint32_t n)
{
    for (uint32_t p = from, run = 0; p < WORDS * 32; p++) {
        run = (bits[p / 32] >> (p % 32)) & 1 ? run + 1 : 0;
        if (run == n)
            return (int32_t)(p + 1 - n);
    }
    return -1;
}

static void test_a_run_is_found_wherever_it_lies_in_its_word(void **state)
{
    for (uint32_t at = 0; at + 4 <= 32; at++) {
        setup(state);
        set_free(40 * 32 + at, 4);
        set_free(40 * 32 + (at + 6) % 32, 1); /* a single page either side of it, or inside */
        assert_int_equal(page_run_find(&runs, 0, 4), 40 * 32 + at);
        assert_int_equal(page_run_find(&runs, 0, 5), -1);
    }
}

static void test_a_run_across_a_word_boundary_starts_in_the_lower_word(void **state)
{
    (void)state;
    set_free(10 * 32 + 30, 2); /* the top of word 10 */
    set_free(11 * 32, 3);      /* the bottom of word 11 */
    set_free(11 * 32 + 8, 4);  /* a run of 4 inside word 11, above */
    assert_int_equal(page_run_find(&runs, 0, 5), 10 * 32 + 30);
    assert_int_equal(page_run_find(&runs, 0, 4), 10 * 32 + 30);
    assert_int_equal(page_run_find(&runs, 10 * 32 + 31, 4), 10 * 32 + 31);
    assert_int_equal(page_run_find(&runs, 11 * 32 + 1, 4), 11 * 32 + 8);
}

static void test_a_run_longer_than_a_word_spans_whole_free_words(void **state)
{
    (void)state;
    set_free(3 * 32 + 20, 40); /* too short for 70 */
    set_free(5 * 32 + 31, 70); /* through words 6 and 7 into 8 */
    assert_int_equal(page_run_find(&runs, 0, 40), 3 * 32 + 20);
    assert_int_equal(page_run_find(&runs, 0, 41), 5 * 32 + 31);
    assert_int_equal(page_run_find(&runs, 0, 70), 5 * 32 + 31);
    assert_int_equal(page_run_find(&runs, 0, 71), -1);
}

static void test_pages_below_from_are_not_taken(void **state)
{
    (void)state;
    set_free(64, 8);
    assert_int_equal(page_run_find(&runs, 66, 4), 66);
    assert_int_equal(page_run_find(&runs, 69, 4), -1);
}

static void test_words_in_use_are_passed_through_the_summary(void **state)
{
    (void)state;
    set_free(2 * 1024 + 5 * 32 + 7, 4);
    assert_int_equal(page_runs_next_word(&runs, 0), 2 * 32 + 5);
    assert_int_equal(page_run_find(&runs, 0, 4), 2 * 1024 + 5 * 32 + 7);
    assert_int_equal(page_runs_next_word(&runs, 2 * 32 + 5), WORDS);
}

static void test_random_bitmaps_agree_with_a_plain_first_fit(void **state)
{
    srand(15);
    for (int round = 0; round < 20000; round++) {
        setup(state);
        uint32_t density = 1 + (uint32_t)rand() % 7;
        for (uint32_t p = 0; p < WORDS * 32; p++)
            if ((uint32_t)rand() % 8 < density)
                set_free(p, 1);
        for (int q = 0; q < 10; q++) {
            uint32_t n = 2 + (uint32_t)rand() % (q < 8 ? 7 : 60);
            uint32_t from = (uint32_t)rand() % (WORDS * 32);
            assert_int_equal(page_run_find(&runs, from, n), first_fit(from, n));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_a_run_is_found_wherever_it_lies_in_its_word, setup),
        cmocka_unit_test_setup(test_a_run_across_a_word_boundary_starts_in_the_lower_word, setup),
        cmocka_unit_test_setup(test_a_run_longer_than_a_word_spans_whole_free_words, setup),
        cmocka_unit_test_setup(test_pages_below_from_are_not_taken, setup),
        cmocka_unit_test_setup(test_words_in_use_are_passed_through_the_summary, setup),
        cmocka_unit_test_setup(test_random_bitmaps_agree_with_a_plain_first_fit, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
