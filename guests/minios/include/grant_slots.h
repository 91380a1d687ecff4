/*
 * grant_slots.h - which pages of minios's grant area are in use (guests/minios/gnttab.c).
 *
 * A bit per page of the grant area, and a floor: no page below it is free.  gnttab_map() takes
 * the lowest free page, looking from the floor's bitmap word on rather than from word 0: dom0
 * holds two pages (console and store) for each running domU, so with a thousand domUs every map
 * passed 62 full words first (672 instructions a create in `make bench-scale`).  A page given
 * back below the floor lowers it, as alloc_pages()'s run floors are lowered in mm.c, so the page
 * taken is still the lowest free one.  A backend that maps a request's pages side by side (so the
 * disk reads or writes them in one device request) takes a run of free pages instead
 * (grant_slots_take_run()), and gives it back whole (grant_slots_give_run()); before it maps a
 * frontend's I/O pool for a connection's life it asks how many pages are free
 * (grant_slots_free()).  Pure and inline:
 * tests/unit/test_grant_slots.c builds it on the host.
 */
#ifndef MINIOS_GRANT_SLOTS_H
#define MINIOS_GRANT_SLOTS_H

#include <stdint.h>
#include <public/grant_table.h>

#define GRANT_SLOT_WORDS (GRANT_AREA_SLOTS / 32)

struct grant_slots {
    uint32_t floor; /* a word of used[]: every page below its first is in use */
    uint32_t used[GRANT_SLOT_WORDS];
};

/* Is there a free page in the floor's word?  No only when that word is full (rare); then
 * grant_slots_raise() finds the next word with one. */
static inline int grant_slots_room(const struct grant_slots *s)
{
    return __builtin_expect(s->used[s->floor] != ~0u, 1);
}

/* Raise the floor past the full words, to the last word at most (it is read at every take);
 * whether a word there has a free page. */
static inline int grant_slots_raise(struct grant_slots *s)
{
    uint32_t w = s->floor;
    while (w < GRANT_SLOT_WORDS && s->used[w] == ~0u)
        w++;
    s->floor = w < GRANT_SLOT_WORDS ? w : GRANT_SLOT_WORDS - 1;
    return w < GRANT_SLOT_WORDS;
}

/* The lowest free page, now in use; the floor's word must have room (grant_slots_room()). */
static inline uint32_t grant_slot_take(struct grant_slots *s)
{
    uint32_t w = s->floor, used = s->used[w];
    s->used[w] = used | (used + 1); /* its lowest clear bit set */
    return w * 32 + (uint32_t)__builtin_ctz(~used);
}

/* Page `slot` is free again: one btr, whose register operand indexes the whole bitmap. */
static inline void grant_slot_give(struct grant_slots *s, uint32_t slot)
{
    __asm__ volatile("btrl %1, %0" : "+m"(s->used) : "r"(slot));
    if (slot / 32 < s->floor)
        s->floor = slot / 32;
}

/* The bits of the pages from `first` on, up to n of them, that lie in first's word. */
static inline uint32_t grant_slots_word_part(uint32_t first, uint32_t n, uint32_t *k)
{
    uint32_t b = first % 32;
    *k = n < 32 - b ? n : 32 - b;
    return (*k == 32 ? ~0u : (1u << *k) - 1) << b;
}

/* Mark n pages from `first` in use, a word at a time. */
static inline void grant_slots_mark(struct grant_slots *s, uint32_t first, uint32_t n)
{
    for (uint32_t k; n; first += k, n -= k)
        s->used[first / 32] |= grant_slots_word_part(first, n, &k);
}

/* The n pages from `first` (a run taken by grant_slots_take_run()) are free again, a word at a
 * time; the floor is lowered as by grant_slot_give(). */
static inline void grant_slots_give_run(struct grant_slots *s, uint32_t first, uint32_t n)
{
    if (n && first / 32 < s->floor)
        s->floor = first / 32;
    for (uint32_t k; n; first += k, n -= k)
        s->used[first / 32] &= ~grant_slots_word_part(first, n, &k);
}

/* The lowest run of n free pages (1 <= n), now all in use: its first page, or GRANT_AREA_SLOTS if
 * there is none.  The floor stays right: taking only marks pages used.  The scan steps from hole
 * to hole (a bit scan each way), not page by page. */
static inline uint32_t grant_slots_take_run(struct grant_slots *s, uint32_t n)
{
    uint32_t run = 0;
    for (uint32_t slot = s->floor * 32; slot < GRANT_AREA_SLOTS;) {
        uint32_t b = slot % 32;
        uint32_t used = s->used[slot / 32] >> b; /* the bits shifted in read as free */
        if (used & 1) { /* in use: on to the next free page, or the next word */
            slot += ~used ? (uint32_t)__builtin_ctz(~used) : 32;
            run = 0;
            continue;
        }
        uint32_t k = used ? (uint32_t)__builtin_ctz(used) : 32 - b; /* free pages from slot on */
        run += k, slot += k;
        if (run >= n) {
            grant_slots_mark(s, slot - run, n);
            return slot - run;
        }
    }
    return GRANT_AREA_SLOTS;
}

/* The number of free pages in the whole area: a count, once per connection (blkback's pool
 * budget), never on a request's path. */
static inline uint32_t grant_slots_free(const struct grant_slots *s)
{
    uint32_t used = 0;
    for (uint32_t w = 0; w < GRANT_SLOT_WORDS; w++)
        for (uint32_t bits = s->used[w]; bits; bits &= bits - 1) /* one step a page in use */
            used++;
    return GRANT_AREA_SLOTS - used;
}

#endif
