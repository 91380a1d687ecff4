/*
 * test_minios_alloc.c - minios's page allocator (guests/minios/mm.c:
 * alloc_page(), alloc_pages(), free_page()), compiled here as it is, over a
 * host buffer of pseudo-physical pages (fake_minios_mm/os.h).
 *
 * The allocator searches its bitmap a word (32 pages) at a time, with runs
 * that cross words carried from word to word, runs inside a word found by
 * shifting the word against itself, words with no free page passed through a
 * summary, and per-length floors below which no run starts.  Its placement
 * must still be the plain first fit: the lowest run of n free pages, and the
 * lowest free page for one.  These tests check that against a model (one
 * flag a page) on runs that cross words, runs of more than a word, runs
 * inside a word above a shorter hole, the last partial word, and random
 * sequences of allocations and frees; and that every page handed out is
 * zeroed and no page is handed out twice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../guests/minios/mm.c"

struct fake_start_info start_info;
uint32_t *phys_to_machine;
struct fake_machine machine;
unsigned char *fake_pages;

int map_frame_at(uint32_t va, uint32_t mfn, uint32_t flags)
{
    (void)va, (void)mfn, (void)flags;
    return -1;
}

void crash(const char *fmt, ...)
{
    fail_msg("crash: %s", fmt);
    abort();
}

#define NR_PAGES 2081 /* 65 words and one page: the last word is partial */
#define FIRST    3    /* pages below are the boot's, never free */

static uint8_t model[NR_PAGES]; /* 1: free */

/* A fresh allocator: pages [FIRST, NR_PAGES) free, as mm_init() leaves them. */
static void reset(void)
{
    start_info.nr_pages = NR_PAGES;
    memset(page_bitmap, 0, sizeof(page_bitmap));
    memset(group_bitmap, 0, sizeof(group_bitmap));
    memset(run_floor, 0, sizeof(run_floor));
    nr_free = 0;
    first_free = lowest_free = FIRST;
    runs.words = (NR_PAGES + 31) / 32; /* as mm_init() sets it */
    free_range(FIRST, NR_PAGES);
    memset(model, 0, sizeof(model));
    memset(model + FIRST, 1, NR_PAGES - FIRST);
}

static int setup(void **state)
{
    (void)state;
    fake_pages = calloc(NR_PAGES, PAGE_SIZE);
    reset();
    return fake_pages ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(fake_pages);
    return 0;
}

static uint32_t model_free(void)
{
    uint32_t n = 0;
    for (uint32_t p = 0; p < NR_PAGES; p++)
        n += model[p];
    return n;
}

/* The first fit: the lowest run of n free pages in the model, or -1. */
static int32_t first_fit(uint32_t n)
{
    uint32_t run = 0;
    for (uint32_t p = 0; p < NR_PAGES; p++) {
        run = model[p] ? run + 1 : 0;
        if (run == n)
            return (int32_t)(p + 1 - n);
    }
    return -1;
}

static uint32_t pfn_of(void *va)
{
    return virt_to_pfn(va);
}

/* alloc_pages(n), checked against the model: the same place, zeroed, and then used. */
static int32_t take(uint32_t n)
{
    int32_t want = first_fit(n);
    void *va = alloc_pages(n);
    if (want < 0) {
        assert_null(va);
        return -1;
    }
    assert_non_null(va);
    assert_int_equal(pfn_of(va), want);
    for (uint32_t i = 0; i < n * PAGE_SIZE; i++)
        if (((unsigned char *)va)[i]) {
            fail_msg("page %u not zeroed", pfn_of(va) + i / PAGE_SIZE);
            break;
        }
    memset(va, 0xa5, n * PAGE_SIZE); /* dirty, as a user would leave it */
    for (uint32_t i = 0; i < n; i++)
        model[want + i] = 0;
    assert_int_equal(free_pages(), model_free());
    return want;
}

static void give(uint32_t p)
{
    assert_int_equal(model[p], 0);
    free_page(pfn_to_virt(p));
    model[p] = 1;
}

static void give_range(uint32_t p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        give(p + i);
}

static void test_single_pages_come_lowest_first(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < 40; i++)
        assert_int_equal(take(1), FIRST + i);
    give(FIRST + 35);
    give(FIRST + 7);
    assert_int_equal(take(1), FIRST + 7);
    assert_int_equal(take(1), FIRST + 35);
    assert_int_equal(take(1), FIRST + 40);
}

/* A hole of 3 low in a word, then a run of 5 that crosses into the next word, then one of 5
 * inside a later word: the crossing one is the lowest. */
static void test_a_run_across_words_is_found_before_one_inside_a_later_word(void **state)
{
    (void)state;
    take(NR_PAGES - FIRST);  /* everything */
    give_range(64 + 1, 3);   /* word 2: a hole too short */
    give_range(64 + 30, 5);  /* pages 94..98: across words 2 and 3 */
    give_range(160 + 10, 8); /* word 5: a run inside */
    assert_int_equal(take(5), 94);
    assert_int_equal(take(5), 170);
    assert_int_equal(take(3), 65);
    assert_int_equal(take(2), 175);
}

/* Inside one word the lowest run is taken, above shorter holes below it in the same word. */
static void test_the_lowest_run_inside_a_word_is_taken(void **state)
{
    (void)state;
    take(NR_PAGES - FIRST);
    static const uint32_t holes[][2] = {{320, 2}, {323, 3}, {327, 4}, {332, 7}, {340, 6}};
    for (int i = 0; i < 5; i++)
        give_range(holes[i][0], holes[i][1]);
    assert_int_equal(take(6), 332);
    assert_int_equal(take(4), 327);
    assert_int_equal(take(5), 340);
    assert_int_equal(take(3), 323);
    assert_int_equal(take(2), 320);
    assert_int_equal(take(2), -1);
}

/* Runs longer than a word: carried across whole free words, from the top of one to the bottom
 * of another. */
static void test_runs_longer_than_a_word_cross_whole_words(void **state)
{
    (void)state;
    take(NR_PAGES - FIRST);
    give_range(600, 40);      /* 600..639: too short for 70 */
    give_range(700 + 20, 80); /* 720..799 */
    assert_int_equal(take(70), 720);
    assert_int_equal(take(33), 600);
    assert_int_equal(take(7), 633);
    assert_int_equal(take(10), 790);
    assert_int_equal(take(1), -1);
}

/* The last word is partial: pages past nr_pages are never handed out. */
static void test_no_page_past_the_end_is_handed_out(void **state)
{
    (void)state;
    take(NR_PAGES - FIRST - 1); /* all but the last page */
    assert_int_equal(take(2), -1);
    assert_int_equal(take(1), NR_PAGES - 1);
    assert_int_equal(take(1), -1);
}

/* Random allocations of 1 to 40 pages and frees of single pages, each checked against the
 * first fit; a seed fails with its step. */
static void test_random_allocations_and_frees_are_first_fit(void **state)
{
    (void)state;
    static uint32_t held[NR_PAGES];
    for (uint32_t seed = 1; seed <= 20; seed++) {
        reset();
        uint32_t nheld = 0, r = seed;
        for (int step = 0; step < 4000; step++) {
            r = r * 1103515245 + 12345;
            uint32_t pick = (r >> 8) % 100;
            if (pick < 55 || !nheld) {
                uint32_t n = pick % 7 == 0 ? 1 + (r >> 16) % 40 : 1 + (r >> 16) % 5;
                int32_t p = take(n);
                for (uint32_t i = 0; p >= 0 && i < n; i++)
                    held[nheld++] = (uint32_t)p + i;
            } else {
                uint32_t i = (r >> 12) % nheld;
                give(held[i]);
                held[i] = held[--nheld];
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_pages_come_lowest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_run_across_words_is_found_before_one_inside_a_later_word, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_lowest_run_inside_a_word_is_taken, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_runs_longer_than_a_word_cross_whole_words, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_page_past_the_end_is_handed_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_allocations_and_frees_are_first_fit, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
