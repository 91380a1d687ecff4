/*
 * page_runs.h - runs of free pages in minios's page bitmap (guests/minios/mm.c).
 *
 * The bitmap holds a bit per page, set when the page is free; a summary holds a bit per bitmap
 * word, set when that word has a free page.  alloc_pages() asks for the lowest run of n free
 * pages at or above its run floor, and this finds it a word at a time: words with no free page
 * are passed through the summary, 1,024 pages a step where a summary word is zero; in a word
 * with some, a run that started in the words before ends in its low free pages, and one inside
 * it is found by shifts and ANDs.  A word costs the same whatever pages it holds: searching a
 * page at a time, where the run lay in its word (which moves with the timing of everything
 * that ran before) moved a create by up to 32 steps, more than the scale test's margin
 * (issue 15, scale9).  Pure and inline: tests/unit/test_page_runs.c builds it on the host.
 */
#ifndef MINIOS_PAGE_RUNS_H
#define MINIOS_PAGE_RUNS_H

#include <stdint.h>

struct page_runs {
    uint32_t *free;   /* bit p % 32 of word p / 32: page p is free */
    uint32_t *groups; /* bit w % 32 of word w / 32: free[w] has a free page */
    uint32_t words;   /* of free[]; pages past the last word's are never free */
};

/* The next word after w with a free page, or runs->words. */
static inline uint32_t page_runs_next_word(const struct page_runs *runs, uint32_t w)
{
    uint32_t bits = 0;
    for (w++; w < runs->words && !(bits = runs->groups[w / 32] & (~0u << (w % 32)));)
        w = (w / 32 + 1) * 32;
    return bits ? w / 32 * 32 + (uint32_t)__builtin_ctz(bits) : runs->words;
}

/* The bits of a word of free pages that start a run of n free pages inside it (1 < n <= 32):
 * runs of 2, 4, 8 ... by doubling, then the last stretch. */
static inline uint32_t page_run_starts(uint32_t free, uint32_t n)
{
    uint32_t len = 1;
    for (; len * 2 <= n; len *= 2)
        free &= free >> len;
    return len == n ? free : free & (free >> (n - len));
}

/* The first page of the lowest run of n (> 1) free pages at or above page `from`, or -1.
 * `carry` counts the free pages at the top of the words looked at before this one. */
static inline int32_t page_run_find(const struct page_runs *runs, uint32_t from, uint32_t n)
{
    uint32_t carry = 0;
    for (uint32_t w = from / 32; w < runs->words; w++) {
        uint32_t free = runs->free[w] & (w == from / 32 ? ~0u << (from % 32) : ~0u);
        if (!free) {
            carry = 0;
            w = page_runs_next_word(runs, w) - 1;
            continue;
        }
        uint32_t low = ~free ? (uint32_t)__builtin_ctz(~free) : 32, starts;
        if (carry + low >= n)
            return (int32_t)(w * 32 - carry);
        if (n <= 32 && (starts = page_run_starts(free, n)))
            return (int32_t)(w * 32 + (uint32_t)__builtin_ctz(starts));
        carry = ~free ? (uint32_t)__builtin_clz(~free) : carry + 32;
    }
    return -1;
}

#endif
