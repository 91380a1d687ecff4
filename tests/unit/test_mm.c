/*
 * test_mm.c - reference counts, page types and the page-table validation
 * rules of hv/frame_table.c, run on the fake machine of fake_machine.c.
 *
 * These rules are what keeps one guest out of another's memory and every
 * guest out of the hypervisor's: a guest maps only frames it owns; a frame is
 * never at once a page table and writable by the guest; a page directory
 * never reaches the hypervisor's slots.  Each rule is tested by building the
 * frames a guest would build, asking for the operation, and checking both the
 * answer and what it did to the frame table: a refusal must leave every count
 * exactly as it was, and undoing an operation (unpin after pin, clearing an
 * entry after writing it) must return every count and type exactly to where
 * it started.  Leaked or lost references are the bugs these tests exist to
 * catch: a leak pins a frame forever, a lost one lets a page table be freed
 * and reused while still mapped.
 *
 * Frame numbers used below: page tables in 10..29, data frames in 30..49
 * (those no test hands out stay free), frames of the other domain (DOM_B) in
 * 50..59.  Every test starts from an all-free machine, and fake_machine.c
 * fails it at once if frame_table.c frees a frame twice or while it is still typed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <public/errno.h>
#include <hv/domain.h>
#include "fake_machine.h"
#include "frame_alloc_view.h"

#define P  _PAGE_PRESENT
#define RW _PAGE_RW
#define US _PAGE_USER

/* ---------------------------------------------------------------- helpers */

static int setup(void **state)
{
    (void)state;
    fake_machine_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(fake_mappings_outstanding(), 0);
    return 0;
}

static void give_frames(uint32_t first, unsigned int n, domid_t owner)
{
    for (unsigned int i = 0; i < n; i++)
        give_frame(first + i, owner);
}

static void set_entry(uint32_t table, unsigned int idx, uint32_t val)
{
    frame_words(table)[idx] = val;
}

static uint32_t entry(uint32_t table, unsigned int idx)
{
    return frame_words(table)[idx];
}

static struct page_info *pg(uint32_t mfn)
{
    return &frame_table[mfn];
}

static void assert_frame(uint32_t mfn, uint32_t count, enum page_type type, uint32_t type_count)
{
    const struct page_info *p = pg(mfn);
    if (p->count != count || p->type_count != type_count || (type_count && p->type != type))
        fail_msg("frame %u: count %u type %u type_count %u; expected count %u type %u "
                 "type_count %u",
                 mfn, p->count, p->type, p->type_count, count, type, type_count);
}

struct snapshot {
    struct page_info frame[FAKE_FRAMES];
};

static void take_snapshot(struct snapshot *s)
{
    memcpy(s->frame, frame_table, sizeof(s->frame));
}

/*
 * Every frame's owner, counts, type and flags are as in the snapshot, except
 * PGF_tlb_stale, which a frame keeps after it stops being mapped writable.
 */
static void assert_frames_unchanged(const struct snapshot *s)
{
    for (uint32_t mfn = 0; mfn < FAKE_FRAMES; mfn++) {
        const struct page_info *a = &s->frame[mfn], *b = pg(mfn);
        if (a->owner != b->owner || a->count != b->count || a->type_count != b->type_count ||
            a->type != b->type || (a->flags & ~PGF_tlb_stale) != (b->flags & ~PGF_tlb_stale) ||
            a->pfn != b->pfn)
            fail_msg("frame %u changed: owner %#x->%#x count %u->%u type %u->%u type_count "
                     "%u->%u flags %#x->%#x",
                     mfn, a->owner, b->owner, a->count, b->count, a->type, b->type, a->type_count,
                     b->type_count, a->flags, b->flags);
    }
}

/* L1 in frame 10 mapping data frame 30 writable and 31 read-only, all DOM_A's. */
static void build_l1(void)
{
    give_frame(10, DOM_A);
    give_frames(30, 2, DOM_A);
    set_entry(10, 0, pte(30, P | RW | US));
    set_entry(10, 1, pte(31, P | US));
}

/*
 * A small address space: L2 in frame 20 whose slots 0, 5 and 1007 point at
 * L1s 10, 11 and 12; L1 10 maps 30 writable twice and 31 read-only, L1 11
 * maps 31 read-only, L1 12 is empty.  The guest left garbage in the
 * hypervisor's slots, which validation must ignore and overwrite.
 */
static void build_address_space(void)
{
    give_frame(20, DOM_A);
    give_frames(10, 3, DOM_A);
    give_frames(30, 2, DOM_A);
    set_entry(20, 0, pte(10, P | RW | US));
    set_entry(20, 5, pte(11, P | RW | US));
    set_entry(20, GUEST_L2_SLOTS - 1, pte(12, P | RW | US)); /* the last guest slot */
    for (unsigned int slot = HV_L2_FIRST_SLOT; slot < 1024; slot++)
        set_entry(20, slot, 0xDEAD0000u | _PAGE_PSE | P);
    set_entry(10, 0, pte(30, P | RW | US));
    set_entry(10, 1, pte(30, P | RW | US));
    set_entry(10, 2, pte(31, P | US));
    set_entry(11, 1023, pte(31, P));
}

/* ---------------------------------------------------------------- general references */

static void test_get_page_takes_and_put_page_drops_a_reference(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    assert_int_equal(get_page(30, DOM_A), 0);
    assert_frame(30, 2, PGT_none, 0);
    put_page(30);
    assert_frame(30, 1, PGT_none, 0);
    assert_int_equal(fake_frees(), 0);
}

static void test_get_page_refuses_a_foreign_frame(void **state)
{
    (void)state;
    give_frame(50, DOM_B);
    assert_int_equal(get_page(50, DOM_A), -XEN_EPERM);
    assert_frame(50, 1, PGT_none, 0);
    give_frame(51, DOMID_XEN);
    assert_int_equal(get_page(51, DOM_A), -XEN_EPERM);
}

static void test_get_page_refuses_a_free_frame(void **state)
{
    (void)state;
    assert_int_equal(get_page(30, DOM_A), -XEN_EPERM);
    assert_int_equal(get_page(30, DOMID_FREE),
                     -XEN_EPERM); /* no references: not usable by anyone */
    assert_frame(30, 0, PGT_none, 0);
}

static void test_get_page_refuses_an_owned_frame_with_no_references(void **state)
{
    (void)state;
    pg(30)->owner = DOM_A; /* owned, but its allocation reference is gone */
    assert_int_equal(get_page(30, DOM_A), -XEN_EPERM);
    assert_frame(30, 0, PGT_none, 0);
}

static void test_get_page_refuses_frames_past_the_frame_table(void **state)
{
    (void)state;
    assert_int_equal(get_page(FAKE_FRAMES, DOM_A), -XEN_EINVAL);
    assert_int_equal(get_page(0xFFFFF, DOM_A), -XEN_EINVAL);
    assert_int_equal(get_page(UINT32_MAX, DOM_A), -XEN_EINVAL);
}

static void test_get_page_refuses_to_overflow_the_count(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    pg(30)->count = UINT32_MAX;
    assert_int_equal(get_page(30, DOM_A), -XEN_EBUSY);
    assert_int_equal(pg(30)->count, UINT32_MAX);
}

static void test_dropping_the_last_reference_frees_the_frame(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    put_page(30);
    assert_true(fake_was_freed(30));
    assert_int_equal(fake_frees(), 1);
    assert_int_equal(pg(30)->owner, DOMID_FREE);
}

static void test_put_page_never_underflows(void **state)
{
    (void)state;
    pg(30)->owner = DOM_A;
    put_page(30);
    assert_int_equal(pg(30)->count, 0);
    assert_int_equal(fake_frees(), 0);
}

static void test_machphys_update_records_the_pfn_of_an_owned_frame(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    assert_int_equal(machphys_update(DOM_A, 30, 0x1234), 0);
    assert_int_equal(pg(30)->pfn, 0x1234);
    assert_frame(30, 1, PGT_none, 0);
}

static void test_machphys_update_refuses_foreign_free_and_invalid_frames(void **state)
{
    (void)state;
    give_frame(50, DOM_B);
    pg(50)->pfn = 7;
    assert_int_equal(machphys_update(DOM_A, 50, 0x1234), -XEN_EPERM);
    assert_int_equal(pg(50)->pfn, 7);
    assert_int_equal(machphys_update(DOM_A, 31, 0x1234), -XEN_EPERM); /* free */
    pg(32)->owner = DOM_A;                                            /* owned, no references */
    assert_int_equal(machphys_update(DOM_A, 32, 0x1234), -XEN_EPERM);
    assert_int_equal(machphys_update(DOM_A, FAKE_FRAMES, 0x1234), -XEN_EINVAL);
    assert_int_equal(pg(31)->pfn, 0);
}

/* ---------------------------------------------------------------- types */

static void test_writable_type_is_counted_and_leaves_the_tlb_stale(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    assert_int_equal(get_page_type(30, PGT_writable), 0);
    assert_int_equal(get_page_type(30, PGT_writable), 0);
    assert_frame(30, 1, PGT_writable, 2);
    put_page_type(30);
    assert_frame(30, 1, PGT_writable, 1);
    assert_false(pg(30)->flags & PGF_tlb_stale);
    put_page_type(30);
    assert_frame(30, 1, PGT_none, 0);
    assert_int_equal(pg(30)->type, PGT_none);
    assert_true(pg(30)->flags & PGF_tlb_stale); /* a TLB may still hold a writable entry */
}

static void test_type_cannot_change_while_references_hold_it(void **state)
{
    (void)state;
    give_frames(30, 2, DOM_A);
    assert_int_equal(get_page_type(30, PGT_writable), 0);
    assert_int_equal(get_page_type(30, PGT_l1), -XEN_EBUSY);
    assert_int_equal(get_page_type(30, PGT_l2), -XEN_EBUSY);
    assert_frame(30, 1, PGT_writable, 1);
    assert_int_equal(get_page_type(31, PGT_l1), 0);
    assert_int_equal(get_page_type(31, PGT_writable), -XEN_EBUSY);
    assert_int_equal(get_page_type(31, PGT_l2), -XEN_EBUSY);
    assert_frame(31, 1, PGT_l1, 1);
}

static void test_type_count_cannot_overflow(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    assert_int_equal(get_page_type(30, PGT_writable), 0);
    pg(30)->type_count = UINT32_MAX;
    assert_int_equal(get_page_type(30, PGT_writable), -XEN_EBUSY);
    assert_int_equal(pg(30)->type_count, UINT32_MAX);
}

static void test_stale_frame_becoming_an_l1_flushes_the_tlb_once(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    assert_int_equal(get_page_type(30, PGT_writable), 0);
    put_page_type(30);
    assert_int_equal(fake_tlb_flushes(), 0);
    assert_int_equal(get_page_type(30, PGT_l1), 0);
    assert_int_equal(fake_tlb_flushes(), 1);
    assert_false(pg(30)->flags & PGF_tlb_stale);
    put_page_type(30);
    assert_int_equal(get_page_type(30, PGT_l1), 0); /* never writable since: no flush */
    assert_int_equal(fake_tlb_flushes(), 1);
}

static void test_stale_frame_becoming_an_l2_flushes_the_tlb(void **state)
{
    (void)state;
    give_frame(20, DOM_A);
    pg(20)->flags |= PGF_tlb_stale;
    assert_int_equal(get_page_type(20, PGT_l2), 0);
    assert_int_equal(fake_tlb_flushes(), 1);
    assert_false(pg(20)->flags & PGF_tlb_stale);
}

static void test_frame_never_writable_becomes_a_page_table_without_a_flush(void **state)
{
    (void)state;
    give_frames(10, 2, DOM_A);
    assert_int_equal(get_page_type(10, PGT_l1), 0);
    assert_int_equal(get_page_type(11, PGT_l2), 0);
    assert_int_equal(fake_tlb_flushes(), 0);
}

static void test_stale_frame_becoming_writable_again_needs_no_flush(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    pg(30)->flags |= PGF_tlb_stale;
    assert_int_equal(get_page_type(30, PGT_writable), 0);
    assert_int_equal(fake_tlb_flushes(), 0);
}

static void test_frame_unmapped_from_writable_then_pinned_flushes_the_tlb(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 0), 0), 0); /* unmap 30 */
    assert_int_equal(fake_tlb_flushes(), 0);
    assert_int_equal(pin_table(DOM_A, 30, PGT_l1), 0);
    assert_int_equal(fake_tlb_flushes(), 1);
}

/* ---------------------------------------------------------------- L1 tables */

static void test_pinning_an_l1_takes_a_reference_on_every_mapped_frame(void **state)
{
    (void)state;
    build_l1();
    set_entry(10, 2, pte(30, P | RW));              /* 30 mapped writable twice */
    set_entry(10, 3, 0xFFFFF000u | _PAGE_PSE | RW); /* not present: ignored */
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_frame(10, 2, PGT_l1, 1);
    assert_true(pg(10)->flags & PGF_pinned);
    assert_frame(30, 3, PGT_writable, 2);
    assert_frame(31, 2, PGT_none, 0);
}

static void test_unpinning_an_l1_returns_every_count_to_its_start(void **state)
{
    (void)state;
    build_l1();
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_int_equal(unpin_table(DOM_A, 10), 0);
    assert_frames_unchanged(&before);
    assert_false(pg(10)->flags & PGF_pinned);
    assert_true(pg(30)->flags & PGF_tlb_stale); /* it was mapped writable */
    assert_false(pg(31)->flags & PGF_tlb_stale);
    assert_int_equal(fake_frees(), 0);
}

static void test_l1_mapping_a_foreign_frame_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    build_l1();
    give_frame(50, DOM_B);
    set_entry(10, 4, pte(50, P));
    set_entry(10, 5, pte(31, P | RW)); /* never reached */
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EPERM);
    assert_frames_unchanged(&before);
    assert_int_equal(pg(10)->type, PGT_none);
}

static void test_l1_mapping_a_free_frame_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    build_l1();
    set_entry(10, 100, pte(40, P | RW));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EPERM);
    assert_frames_unchanged(&before);
}

static void test_l1_mapping_a_frame_past_the_frame_table_is_refused(void **state)
{
    (void)state;
    build_l1();
    set_entry(10, 2, pte(FAKE_FRAMES + 3, P));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EINVAL);
    assert_frames_unchanged(&before);
}

static void test_l1_mapping_itself_writable_is_refused(void **state)
{
    (void)state;
    build_l1();
    set_entry(10, 7, pte(10, P | RW));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EBUSY);
    assert_frames_unchanged(&before);
}

/* Validation takes the writable type inline (include/hv/mm.h: get_writable_type()); it must
 * refuse what get_page_type() refuses: a frame half way through a preemptible pin, and a type
 * count at its limit. */
static void test_l1_mapping_a_half_pinned_or_saturated_frame_writable_is_refused(void **state)
{
    (void)state;
    build_l1();
    pg(30)->flags |= PGF_partial;
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EBUSY);
    assert_frames_unchanged(&before);
    pg(30)->flags &= ~PGF_partial;
    pg(30)->type = PGT_writable;
    pg(30)->type_count = UINT32_MAX;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EBUSY);
    assert_frames_unchanged(&before);
    assert_int_equal(pg(10)->type, PGT_none);
}

static void test_l1_mapping_itself_read_only_is_accepted(void **state)
{
    (void)state;
    build_l1();
    set_entry(10, 7, pte(10, P));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_frame(10, 3, PGT_l1, 1); /* allocation, pin, its own read-only mapping */
    assert_int_equal(unpin_table(DOM_A, 10), 0);
    assert_frames_unchanged(&before);
}

static void test_l1_entries_with_pse_or_global_are_refused(void **state)
{
    (void)state;
    static const uint32_t bad[] = {_PAGE_PSE, _PAGE_GLOBAL, _PAGE_PSE | _PAGE_GLOBAL};
    build_l1();
    struct snapshot before;
    take_snapshot(&before);
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_entry(10, 0, pte(30, P | bad[i]));
        assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EINVAL);
        assert_frames_unchanged(&before);
    }
}

static void test_refusal_at_the_last_l1_entry_rolls_back_all_the_others(void **state)
{
    (void)state;
    build_l1();
    for (unsigned int i = 0; i < 1023; i++)
        set_entry(10, i, pte(30 + i % 2, P | (i % 3 ? RW : 0)));
    set_entry(10, 1023, pte(30, P | _PAGE_GLOBAL));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EINVAL);
    assert_frames_unchanged(&before);
}

static void test_writable_mapping_of_a_pinned_l1_is_refused(void **state)
{
    (void)state;
    give_frames(10, 2, DOM_A);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    set_entry(11, 0, pte(10, P | RW));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 11, PGT_l1), -XEN_EBUSY);
    assert_frames_unchanged(&before);
    set_entry(11, 0, pte(10, P)); /* read-only is fine */
    assert_int_equal(pin_table(DOM_A, 11, PGT_l1), 0);
    assert_frame(10, 3, PGT_l1, 1);
}

static void test_writable_mapping_of_an_l1_used_by_an_l2_is_refused(void **state)
{
    (void)state;
    give_frames(10, 2, DOM_A);
    give_frame(20, DOM_A);
    set_entry(20, 0, pte(10, P | RW));
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0); /* 10 is now an L1, though not pinned */
    set_entry(11, 0, pte(10, P | RW));
    assert_int_equal(pin_table(DOM_A, 11, PGT_l1), -XEN_EBUSY);
    assert_frame(10, 2, PGT_l1, 1);
}

static void test_writable_mapping_of_a_pinned_l2_is_refused(void **state)
{
    (void)state;
    give_frame(11, DOM_A);
    give_frame(20, DOM_A);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    set_entry(11, 0, pte(20, P | RW));
    assert_int_equal(pin_table(DOM_A, 11, PGT_l1), -XEN_EBUSY);
    assert_frame(20, 2, PGT_l2, 1);
    set_entry(11, 0, pte(20, P));
    assert_int_equal(pin_table(DOM_A, 11, PGT_l1), 0);
    assert_frame(20, 3, PGT_l2, 1);
}

static void test_frame_mapped_writable_cannot_become_a_page_table(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_int_equal(pin_table(DOM_A, 30, PGT_l1), -XEN_EBUSY);
    assert_int_equal(pin_table(DOM_A, 30, PGT_l2), -XEN_EBUSY);
    assert_frame(30, 2, PGT_writable, 1);
    assert_false(pg(30)->flags & PGF_pinned);
}

/* ---------------------------------------------------------------- pin and unpin */

static void test_pinning_twice_is_refused(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    struct snapshot pinned;
    take_snapshot(&pinned);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), -XEN_EINVAL);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l2), -XEN_EINVAL);
    assert_frames_unchanged(&pinned);
}

static void test_unpinning_an_unpinned_frame_is_refused(void **state)
{
    (void)state;
    give_frames(10, 1, DOM_A);
    give_frame(20, DOM_A);
    assert_int_equal(unpin_table(DOM_A, 10), -XEN_EINVAL);
    set_entry(20, 0, pte(10, P));
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    assert_int_equal(unpin_table(DOM_A, 10), -XEN_EINVAL); /* typed by the L2, but not pinned */
    assert_frame(10, 2, PGT_l1, 1);
}

static void test_pin_and_unpin_of_a_foreign_frame_are_refused(void **state)
{
    (void)state;
    give_frame(50, DOM_B);
    assert_int_equal(pin_table(DOM_A, 50, PGT_l1), -XEN_EPERM);
    assert_frame(50, 1, PGT_none, 0);
    assert_int_equal(pin_table(DOM_B, 50, PGT_l1), 0);
    assert_int_equal(unpin_table(DOM_A, 50), -XEN_EPERM);
    assert_true(pg(50)->flags & PGF_pinned);
    assert_frame(50, 2, PGT_l1, 1);
}

static void test_pin_and_unpin_of_free_and_invalid_frames_are_refused(void **state)
{
    (void)state;
    assert_int_equal(pin_table(DOM_A, 40, PGT_l1), -XEN_EPERM);
    pg(41)->owner = DOM_A; /* owned, no references */
    assert_int_equal(pin_table(DOM_A, 41, PGT_l1), -XEN_EPERM);
    assert_false(pg(41)->flags & PGF_pinned);
    assert_int_equal(pin_table(DOM_A, FAKE_FRAMES, PGT_l1), -XEN_EINVAL);
    assert_int_equal(unpin_table(DOM_A, FAKE_FRAMES), -XEN_EINVAL);
    assert_int_equal(unpin_table(DOM_A, UINT32_MAX), -XEN_EINVAL);
}

static void test_unpinning_a_released_l1_frees_it_and_drops_its_mappings(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    put_page(10); /* the guest gave the frame back while it was pinned */
    assert_int_equal(fake_frees(), 0);
    assert_int_equal(unpin_table(DOM_A, 10), 0);
    assert_true(fake_was_freed(10));
    assert_int_equal(fake_frees(), 1);
    assert_frame(30, 1, PGT_none, 0);
    assert_frame(31, 1, PGT_none, 0);
}

/* A xenheap frame (shared_info) is written by the hypervisor, so it can never be a checked table.
 */
static void test_shared_info_frame_can_be_mapped_but_never_be_a_page_table(void **state)
{
    (void)state;
    give_frames(10, 2, DOM_A);
    give_frame(20, DOM_A);
    give_frame(40, DOM_A);
    pg(40)->flags |= PGF_xenheap;
    assert_int_equal(pin_table(DOM_A, 40, PGT_l1), -XEN_EPERM);
    assert_int_equal(pin_table(DOM_A, 40, PGT_l2), -XEN_EPERM);
    set_entry(20, 0, pte(40, P | RW));
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), -XEN_EPERM);
    assert_frame(40, 1, PGT_none, 0);
    set_entry(10, 0, pte(40, P | RW)); /* a guest maps its shared_info writable */
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_frame(40, 2, PGT_writable, 1);
}

/* ---------------------------------------------------------------- L2 tables */

static void test_pinning_an_l2_validates_its_l1s_and_installs_hypervisor_slots(void **state)
{
    (void)state;
    build_address_space();
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    assert_frame(20, 2, PGT_l2, 1);
    assert_true(pg(20)->flags & PGF_pinned);
    assert_frame(10, 2, PGT_l1, 1);
    assert_frame(11, 2, PGT_l1, 1);
    assert_frame(12, 2, PGT_l1, 1);
    assert_frame(30, 3, PGT_writable, 2);
    assert_frame(31, 3, PGT_none, 0);
    for (unsigned int slot = HV_L2_FIRST_SLOT; slot < 1024; slot++)
        assert_int_equal(entry(20, slot), hv_slot_pattern(slot));
    assert_int_equal(entry(20, 0), pte(10, P | RW | US)); /* the guest's slots are untouched */
}

static void test_unpinning_an_l2_returns_every_frame_to_its_start(void **state)
{
    (void)state;
    build_address_space();
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    assert_int_equal(unpin_table(DOM_A, 20), 0);
    assert_frames_unchanged(&before);
    for (uint32_t mfn = 0; mfn < FAKE_FRAMES; mfn++)
        assert_int_equal(pg(mfn)->type, PGT_none);
    assert_int_equal(fake_frees(), 0);
}

static void test_l2_entries_with_pse_or_global_are_refused_and_roll_back(void **state)
{
    (void)state;
    build_address_space();
    struct snapshot before;
    take_snapshot(&before);
    set_entry(20, 6, pte(31, P | RW | _PAGE_PSE)); /* a 4 MiB page */
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), -XEN_EINVAL);
    assert_frames_unchanged(&before);
    set_entry(20, 6, pte(12, P | _PAGE_GLOBAL));
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), -XEN_EINVAL);
    assert_frames_unchanged(&before);
    assert_int_equal(entry(20, HV_L2_FIRST_SLOT), 0xDEAD0000u | _PAGE_PSE | P); /* not installed */
}

static void test_l2_entry_pointing_at_itself_is_refused(void **state)
{
    (void)state;
    build_address_space();
    set_entry(20, 768, pte(20, P | RW)); /* a linear page table */
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), -XEN_EBUSY);
    assert_frames_unchanged(&before);
    set_entry(20, 768, pte(20, P)); /* read-only does not help */
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), -XEN_EBUSY);
    assert_frames_unchanged(&before);
}

static void test_l2_entry_pointing_at_another_l2_is_refused(void **state)
{
    (void)state;
    give_frames(20, 2, DOM_A);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    set_entry(21, 0, pte(20, P));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 21, PGT_l2), -XEN_EBUSY);
    assert_frames_unchanged(&before);
}

static void test_l2_whose_l1_maps_a_foreign_frame_is_refused_and_rolls_back(void **state)
{
    (void)state;
    build_address_space();
    give_frame(50, DOM_B);
    set_entry(11, 500, pte(50, P)); /* L1 11 is reached after L1 10 has been validated */
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), -XEN_EPERM);
    assert_frames_unchanged(&before);
    assert_int_equal(pg(10)->type_count, 0);
}

static void test_l2_entry_pointing_at_a_foreign_frame_is_refused(void **state)
{
    (void)state;
    build_address_space();
    give_frame(50, DOM_B);
    set_entry(20, 6, pte(50, P));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), -XEN_EPERM);
    assert_frames_unchanged(&before);
}

static void test_l2_entry_pointing_at_a_writable_frame_is_refused(void **state)
{
    (void)state;
    build_address_space();
    give_frame(13, DOM_A);
    set_entry(13, 0, pte(32, P | RW));
    give_frame(32, DOM_A);
    assert_int_equal(pin_table(DOM_A, 13, PGT_l1), 0); /* 32 is now mapped writable */
    set_entry(20, 6, pte(32, P | RW));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), -XEN_EBUSY);
    assert_frames_unchanged(&before);
}

static void test_two_l2_entries_may_share_one_l1(void **state)
{
    (void)state;
    build_address_space();
    set_entry(20, 6, pte(10, P | RW));
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    assert_frame(10, 3, PGT_l1, 2);
    assert_frame(30, 3, PGT_writable, 2); /* validated once, not once per reference */
    assert_int_equal(unpin_table(DOM_A, 20), 0);
    assert_frames_unchanged(&before);
}

static void test_l1_pinned_and_used_by_an_l2_lives_until_both_let_go(void **state)
{
    (void)state;
    build_address_space();
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    assert_frame(10, 3, PGT_l1, 2);
    assert_int_equal(unpin_table(DOM_A, 10), 0);
    assert_frame(10, 2, PGT_l1, 1);
    assert_frame(30, 3, PGT_writable, 2);
    assert_int_equal(unpin_table(DOM_A, 20), 0);
    assert_frames_unchanged(&before);
}

static void test_unpinning_an_l2_frees_tables_and_frames_the_guest_released(void **state)
{
    (void)state;
    build_address_space();
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    put_page(11); /* released by the guest, alive only through the L2 */
    put_page(31); /* alive only through L1s 10 and 11 */
    assert_int_equal(fake_frees(), 0);
    assert_int_equal(unpin_table(DOM_A, 20), 0);
    assert_true(fake_was_freed(11));
    assert_true(fake_was_freed(31));
    assert_int_equal(fake_frees(), 2);
    assert_frame(10, 1, PGT_none, 0);
    assert_frame(20, 1, PGT_none, 0);
    assert_frame(30, 1, PGT_none, 0);
}

/* ---------------------------------------------------------------- pt_update */

static void test_pt_update_refuses_unaligned_and_out_of_range_addresses(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 2) + 1, pte(31, P)), -XEN_EINVAL);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 2) + 2, pte(31, P)), -XEN_EINVAL);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 2) | (1ull << 32), pte(31, P)), -XEN_EINVAL);
    /* Bits that a 32-bit frame number would silently drop, leaving a valid-looking frame 10. */
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 2) | (1ull << 44), pte(31, P)), -XEN_EINVAL);
    assert_int_equal(pt_update(DOM_A, UINT64_MAX & ~3ull, pte(31, P)), -XEN_EINVAL);
    assert_int_equal(pt_update(DOM_A, entry_maddr(FAKE_FRAMES, 0), pte(31, P)), -XEN_EINVAL);
    assert_frames_unchanged(&before);
    assert_int_equal(entry(10, 2), 0);
}

static void test_pt_update_refuses_frames_the_domain_does_not_own(void **state)
{
    (void)state;
    give_frame(50, DOM_B);
    assert_int_equal(pin_table(DOM_B, 50, PGT_l1), 0);
    give_frame(30, DOM_A);
    assert_int_equal(pt_update(DOM_A, entry_maddr(50, 0), pte(30, P)), -XEN_EPERM);
    assert_int_equal(pt_update(DOM_A, entry_maddr(51, 0), 0x12345678), -XEN_EPERM); /* free */
    assert_int_equal(entry(50, 0), 0);
    assert_int_equal(entry(51, 0), 0);
    assert_frame(50, 2, PGT_l1, 1);
}

static void test_pt_update_into_a_hypervisor_slot_is_refused(void **state)
{
    (void)state;
    build_address_space();
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pt_update(DOM_A, entry_maddr(20, HV_L2_FIRST_SLOT), pte(12, P)), -XEN_EPERM);
    assert_int_equal(pt_update(DOM_A, entry_maddr(20, 1023), 0), -XEN_EPERM);
    assert_frames_unchanged(&before);
    assert_int_equal(entry(20, HV_L2_FIRST_SLOT), hv_slot_pattern(HV_L2_FIRST_SLOT));
    assert_int_equal(entry(20, 1023), hv_slot_pattern(1023));
    /* Slot 1007 is the domain's grant area: the hypervisor's too. */
    for (unsigned int slot = GRANT_L2_FIRST_SLOT; slot < HV_L2_FIRST_SLOT; slot++) {
        assert_int_equal(pt_update(DOM_A, entry_maddr(20, slot), 0), -XEN_EPERM);
        assert_int_equal(entry(20, slot), hv_slot_pattern(slot));
    }
    assert_int_equal(pt_update(DOM_A, entry_maddr(20, GUEST_L2_SLOTS - 1), 0), 0);
}

static void test_pt_update_moves_references_from_the_old_frame_to_the_new(void **state)
{
    (void)state;
    build_l1();
    give_frame(32, DOM_A);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_frame(30, 2, PGT_writable, 1);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 0), pte(32, P | RW)), 0);
    assert_int_equal(entry(10, 0), pte(32, P | RW));
    assert_frame(30, 1, PGT_none, 0);
    assert_true(pg(30)->flags & PGF_tlb_stale);
    assert_frame(32, 2, PGT_writable, 1);
    assert_frame(10, 2, PGT_l1, 1); /* pt_update's own reference on the table is gone */
}

static void test_pt_update_rewriting_an_entry_with_itself_changes_nothing(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 0), entry(10, 0)), 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 1), entry(10, 1)), 0);
    assert_frames_unchanged(&before);
    assert_int_equal(fake_frees(), 0);
}

static void test_pt_update_from_writable_to_read_only_drops_only_the_type(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 0), pte(30, P)), 0);
    assert_frame(30, 2, PGT_none, 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 0), pte(30, P | RW)), 0);
    assert_frame(30, 2, PGT_writable, 1);
}

static void test_refused_pt_update_leaves_the_entry_and_counts_alone(void **state)
{
    (void)state;
    build_l1();
    give_frame(50, DOM_B);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    struct snapshot before;
    take_snapshot(&before);
    uint32_t old = entry(10, 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 0), pte(50, P | RW)), -XEN_EPERM);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 0), pte(40, P)), -XEN_EPERM); /* free */
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 0), pte(FAKE_FRAMES, P)), -XEN_EINVAL);
    assert_int_equal(entry(10, 0), old);
    assert_frames_unchanged(&before);
}

static void test_pt_update_with_pse_or_global_in_an_l1_is_refused(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 9), pte(31, P | _PAGE_PSE)), -XEN_EINVAL);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 9), pte(31, P | _PAGE_GLOBAL)), -XEN_EINVAL);
    assert_int_equal(entry(10, 9), 0);
    assert_frames_unchanged(&before);
}

static void test_pt_update_making_an_l1_map_itself_writable_is_refused(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 9), pte(10, P | RW)), -XEN_EBUSY);
    assert_int_equal(entry(10, 9), 0);
    assert_frames_unchanged(&before);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 9), pte(10, P)), 0);
    assert_frame(10, 3, PGT_l1, 1);
}

static void test_pt_update_clearing_the_last_mapping_frees_the_frame(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    put_page(31); /* released by the guest; the L1's mapping keeps it alive */
    assert_int_equal(fake_frees(), 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(10, 1), 0), 0);
    assert_true(fake_was_freed(31));
    assert_int_equal(fake_frees(), 1);
}

static void test_pt_update_of_an_l2_entry_validates_the_new_l1_and_releases_the_old(void **state)
{
    (void)state;
    build_address_space();
    give_frame(13, DOM_A);
    give_frame(32, DOM_A);
    set_entry(13, 0, pte(32, P | RW));
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(20, 0), pte(13, P | RW | US)), 0);
    assert_frame(13, 2, PGT_l1, 1);
    assert_frame(32, 2, PGT_writable, 1);
    assert_frame(10, 1, PGT_none, 0); /* no longer a page table... */
    assert_frame(30, 1, PGT_none, 0); /* ...so its mappings are gone too */
    assert_frame(31, 2, PGT_none, 0); /* still mapped by L1 11 */
}

static void test_pt_update_of_an_l2_entry_pointing_at_itself_is_refused(void **state)
{
    (void)state;
    build_address_space();
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    struct snapshot before;
    take_snapshot(&before);
    assert_int_equal(pt_update(DOM_A, entry_maddr(20, 768), pte(20, P)), -XEN_EBUSY);
    assert_int_equal(pt_update(DOM_A, entry_maddr(20, 768), pte(11, P | _PAGE_PSE)), -XEN_EINVAL);
    assert_int_equal(entry(20, 768), 0);
    assert_frames_unchanged(&before);
}

static void test_pt_update_on_an_ordinary_frame_is_a_plain_write(void **state)
{
    (void)state;
    give_frame(30, DOM_A);
    give_frame(50, DOM_B);
    /* Not a page table: the value is just data, even if it looks like a PTE to a foreign frame. */
    assert_int_equal(pt_update(DOM_A, entry_maddr(30, 5), pte(50, P | RW)), 0);
    assert_int_equal(entry(30, 5), pte(50, P | RW));
    assert_frame(30, 1, PGT_none, 0);
    assert_frame(50, 1, PGT_none, 0);
    assert_true(pg(30)->flags & PGF_tlb_stale);
    assert_int_equal(fake_frees(), 0);
}

static void test_pt_update_on_a_frame_mapped_writable_is_a_plain_write(void **state)
{
    (void)state;
    build_l1();
    assert_int_equal(pin_table(DOM_A, 10, PGT_l1), 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(30, 1023), 0xCAFEF00D), 0);
    assert_int_equal(entry(30, 1023), 0xCAFEF00D);
    assert_frame(30, 2, PGT_writable, 1);
}

static void test_pt_update_on_an_l1_in_use_by_an_l2_is_checked(void **state)
{
    (void)state;
    build_address_space();
    give_frame(50, DOM_B);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    /* L1 12 is not pinned, but it is a page table: its entries are checked. */
    assert_int_equal(pt_update(DOM_A, entry_maddr(12, 3), pte(50, P)), -XEN_EPERM);
    assert_int_equal(pt_update(DOM_A, entry_maddr(12, 3), pte(12, P | RW)), -XEN_EBUSY);
    assert_int_equal(pt_update(DOM_A, entry_maddr(12, 3), pte(20, P | RW)), -XEN_EBUSY);
    assert_int_equal(entry(12, 3), 0);
    assert_int_equal(pt_update(DOM_A, entry_maddr(12, 3), pte(31, P | RW)), 0);
    assert_frame(31, 4, PGT_writable, 1); /* allocation, L1s 10 and 11, and now L1 12 */
}

/* ---------------------------------------------------------------- preemptible L2 pins */

/* Call `op` with a budget of one L2 entry until it stops restarting; returns its result. */
static int run_in_steps(int (*op)(domid_t, uint32_t, struct pt_progress *, unsigned int),
                        uint32_t mfn, struct pt_progress *p, unsigned int *steps)
{
    int rc;
    *steps = 0;
    while ((rc = op(DOM_A, mfn, p, 1)) == MM_RESTART) {
        (*steps)++;
        assert_true(pg(mfn)->flags & PGF_partial);
        assert_false(pg(mfn)->flags & PGF_pinned);
    }
    return rc;
}

static void test_l2_pin_in_steps_ends_as_a_whole_pin_does(void **state)
{
    (void)state;
    build_address_space();
    struct pt_progress p = {0};
    unsigned int steps;
    assert_int_equal(run_in_steps(pin_l2_preemptible, 20, &p, &steps), 0);
    assert_true(steps >= 3); /* a present entry (an L1 validated) is a step's whole budget */
    assert_true(steps <= 3 + GUEST_L2_SLOTS / MM_L2_EMPTY_PER_ENTRY + 1); /* empty ones cheap */
    assert_int_equal(p.op, PT_IDLE);
    assert_frame(20, 2, PGT_l2, 1);
    assert_true(pg(20)->flags & PGF_pinned);
    assert_false(pg(20)->flags & PGF_partial);
    assert_frame(10, 2, PGT_l1, 1);
    assert_frame(12, 2, PGT_l1, 1);
    assert_frame(30, 3, PGT_writable, 2);
    assert_int_equal(entry(20, HV_L2_FIRST_SLOT), hv_slot_pattern(HV_L2_FIRST_SLOT));
}

static void test_l2_unpin_in_steps_returns_every_frame_to_its_start(void **state)
{
    (void)state;
    build_address_space();
    struct snapshot before;
    take_snapshot(&before);
    struct pt_progress p = {0};
    unsigned int steps;
    assert_int_equal(run_in_steps(pin_l2_preemptible, 20, &p, &steps), 0);
    assert_int_equal(run_in_steps(unpin_preemptible, 20, &p, &steps), 0);
    assert_true(steps >= 3 && steps <= 3 + GUEST_L2_SLOTS / MM_L2_EMPTY_PER_ENTRY + 1);
    assert_frames_unchanged(&before);
}

static void test_a_half_pinned_l2_is_busy_for_everything_else(void **state)
{
    (void)state;
    build_address_space();
    give_frame(21, DOM_A);
    struct pt_progress p = {0}, other = {0};
    assert_int_equal(pin_l2_preemptible(DOM_A, 20, &p, 2), MM_RESTART);
    assert_int_equal(get_page_type(20, PGT_writable), -XEN_EBUSY);
    assert_int_equal(pt_update(DOM_A, (20u << PAGE_SHIFT) + 8, 0), -XEN_EBUSY);
    assert_int_equal(pin_l2_preemptible(DOM_A, 20, &other, 2), -XEN_EBUSY);
    assert_int_equal(unpin_preemptible(DOM_A, 20, &p, 2), -XEN_EBUSY);  /* not the work under way */
    assert_int_equal(pin_l2_preemptible(DOM_A, 21, &p, 2), -XEN_EBUSY); /* one at a time */
    assert_int_equal(pin_l2_preemptible(DOM_A, 20, &p, UINT32_MAX), 0);
    assert_int_equal(unpin_table(DOM_A, 20), 0);
}

static void test_a_refused_l2_pin_in_steps_rolls_everything_back(void **state)
{
    (void)state;
    build_address_space();
    set_entry(20, 600, pte(31, P | RW | _PAGE_PSE)); /* refused, after entries 0 and 5 took refs */
    struct snapshot before;
    take_snapshot(&before);
    struct pt_progress p = {0};
    unsigned int steps;
    assert_int_equal(run_in_steps(pin_l2_preemptible, 20, &p, &steps), -XEN_EINVAL);
    assert_true(steps > 600 / MM_L2_EMPTY_PER_ENTRY); /* back over the entries it validated */
    assert_int_equal(p.op, PT_IDLE);
    assert_frames_unchanged(&before);
}

static void test_abandoning_a_half_done_pin_or_unpin_leaves_nothing_behind(void **state)
{
    (void)state;
    build_address_space();
    struct snapshot before;
    take_snapshot(&before);
    struct pt_progress p = {0};
    assert_int_equal(pin_l2_preemptible(DOM_A, 20, &p, 1), MM_RESTART);
    pt_progress_abandon(DOM_A, &p, UINT32_MAX); /* the domain is destroyed mid-pin */
    assert_frames_unchanged(&before);
    assert_int_equal(pin_table(DOM_A, 20, PGT_l2), 0);
    assert_int_equal(unpin_preemptible(DOM_A, 20, &p, 1), MM_RESTART);
    pt_progress_abandon(DOM_A, &p, UINT32_MAX); /* ... or mid-unpin */
    assert_frames_unchanged(&before);
}

/* ---------------------------------------------------------------- scrubbing (hv/frame_alloc.c) */

#define HEAP_FIRST 200 /* the allocator's free frames in these tests: 200..219 */
#define HEAP_COUNT 20

/* A machine whose free frames all hold garbage, as at boot; returns nothing. */
static void dirty_heap(void)
{
    page_alloc_init();
    page_alloc_add_range(HEAP_FIRST, HEAP_COUNT);
    for (uint32_t mfn = HEAP_FIRST; mfn < HEAP_FIRST + HEAP_COUNT; mfn++)
        memset(frame_words(mfn), 0x5A, PAGE_SIZE);
    assert_int_equal(dirty_page_count(), HEAP_COUNT);
}

static int frame_is_zero(uint32_t mfn)
{
    for (unsigned int i = 0; i < 1024; i++)
        if (frame_words(mfn)[i])
            return 0;
    return 1;
}

/* Domain A fills a frame and frees it; whatever B is given afterwards, however many frames and
 * whether or not the idle loop ran, holds zeros: never A's data, nor what was there at boot. */
static void test_no_domain_is_given_a_frame_with_another_domains_data(void **state)
{
    (void)state;
    for (uint32_t idle_budget = 0; idle_budget <= HEAP_COUNT; idle_budget += 5) {
        fake_machine_reset();
        dirty_heap();
        uint32_t a = alloc_domheap_page(fake_machine_domain(DOM_A));
        assert_true(a >= HEAP_FIRST && frame_is_zero(a));
        memset(frame_words(a), 0xA5, PAGE_SIZE); /* A's secrets */
        put_page(a);                             /* its last reference: the frame is free */
        assert_int_equal(mfn_to_page(a)->owner, DOMID_FREE);
        scrub_free_frames(idle_budget);
        for (unsigned int i = 0; i < HEAP_COUNT; i++) { /* as a build takes them */
            uint32_t b;
            if (alloc_clean_domheap_pages(fake_machine_domain(DOM_B), &b, i, 1) == 0)
                b = alloc_domheap_page(fake_machine_domain(DOM_B));
            assert_true(b >= HEAP_FIRST);
            assert_true(frame_is_zero(b));
        }
        assert_int_equal(alloc_domheap_page(fake_machine_domain(DOM_B)), 0);
        assert_int_equal(dirty_page_count(), 0);
    }
}

/* The idle loop's scrubbing makes frames clean, and a clean frame is handed out before a dirty
 * one, even one higher in memory; so a build after an idle moment scrubs nothing itself. */
static void test_the_idle_loop_scrubs_and_clean_frames_go_first(void **state)
{
    (void)state;
    dirty_heap();
    assert_int_equal(scrub_free_frames(5), 5);
    assert_int_equal(dirty_page_count(), HEAP_COUNT - 5);
    assert_true(frame_is_zero(HEAP_FIRST + HEAP_COUNT - 1));
    while (scrub_free_frames(1000))
        ;
    assert_int_equal(dirty_page_count(), 0);
    uint32_t a = alloc_domheap_page(fake_machine_domain(DOM_A));
    assert_int_equal(a, HEAP_FIRST + HEAP_COUNT - 1); /* the top one, clean */
    memset(frame_words(a), 0xA5, PAGE_SIZE);
    put_page(a); /* the highest free frame again, but dirty */
    assert_int_equal(dirty_page_count(), 1);
    uint32_t b = alloc_domheap_page(fake_machine_domain(DOM_B));
    assert_int_not_equal(b, a);
    assert_true(frame_is_zero(b));
    assert_int_equal(dirty_page_count(), 1); /* A's frame waits for the idle loop */
    assert_int_equal(scrub_free_frames(1000), 1);
    assert_true(frame_is_zero(a));
}

/* A build's run of clean frames: the highest first, owned and counted as one allocation each,
 * their pfns set, the dirty ones left for the idle loop; none when no clean frame is left. */
static void test_a_run_of_clean_frames_is_taken_in_one_scan(void **state)
{
    (void)state;
    dirty_heap();
    assert_int_equal(scrub_free_frames(5), 5); /* the top 5 are clean */
    uint32_t free_before = free_page_count(), mfns[8] = {0};
    assert_int_equal(alloc_clean_domheap_pages(fake_machine_domain(DOM_A), mfns, 100, 8), 5);
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(mfns[i], HEAP_FIRST + HEAP_COUNT - 1 - i);
        assert_frame(mfns[i], 1, PGT_none, 0);
        assert_int_equal(pg(mfns[i])->owner, DOM_A);
        assert_int_equal(pg(mfns[i])->pfn, 100 + i);
        assert_int_equal(pg(mfns[i])->flags, PGF_allocated);
        assert_true(frame_is_zero(mfns[i]));
    }
    assert_int_equal(free_page_count(), free_before - 5);
    assert_int_equal(dirty_page_count(), HEAP_COUNT - 5);
    assert_int_equal(alloc_clean_domheap_pages(fake_machine_domain(DOM_A), mfns, 105, 8), 0);
    assert_int_equal(mfns[5], 0);
    uint32_t scrubbed = alloc_domheap_page(fake_machine_domain(DOM_A)); /* none clean: scrubbed */
    assert_int_equal(pg(scrubbed)->flags, PGF_allocated);
    assert_int_equal(dirty_page_count(), HEAP_COUNT - 6);
}

/* A frame freed while a TLB may still hold a writable entry for it (PGF_tlb_stale) keeps the
 * mark when a domain takes it again, in a build's run or alone, so that it cannot become a page
 * table without a flush. */
static void test_a_frame_taken_again_keeps_its_stale_tlb_mark(void **state)
{
    (void)state;
    dirty_heap();
    assert_int_equal(scrub_free_frames(2), 2);
    uint32_t two[2];
    assert_int_equal(alloc_clean_domheap_pages(fake_machine_domain(DOM_A), two, 0, 2), 2);
    for (unsigned int i = 0; i < 2; i++) {
        assert_int_equal(get_page_type(two[i], PGT_writable), 0);
        put_page_type(two[i]);
        put_page(two[i]); /* freed, dirty and stale */
    }
    assert_int_equal(scrub_free_frames(1), 1); /* the higher one is clean again */
    uint32_t again;
    assert_int_equal(alloc_clean_domheap_pages(fake_machine_domain(DOM_B), &again, 0, 1), 1);
    assert_int_equal(again, two[0]);
    assert_int_equal(pg(again)->flags, PGF_allocated | PGF_tlb_stale);
    uint32_t scrubbed = alloc_domheap_page(fake_machine_domain(DOM_B)); /* none clean */
    assert_int_equal(scrubbed, two[1]);
    assert_int_equal(pg(scrubbed)->flags, PGF_allocated | PGF_tlb_stale);
    unsigned int flushes = fake_tlb_flushes();
    assert_int_equal(get_page_type(scrubbed, PGT_l1), 0);
    assert_int_equal(fake_tlb_flushes(), flushes + 1);
}

/* The highest clean free frame is found however many frames in use lie above it, through the
 * groups' summary: a group looked at and found full is passed from then on, and a frame
 * scrubbed there later is found again. */
static void test_the_highest_clean_frame_is_found_below_frames_in_use(void **state)
{
    (void)state;
    page_alloc_init();
    page_alloc_add_range(64, FAKE_FRAMES - 64); /* six groups of 32 frames */
    while (scrub_free_frames(1000))
        ;
    uint32_t all[FAKE_FRAMES - 64];
    assert_int_equal(
        alloc_clean_domheap_pages(fake_machine_domain(DOM_A), all, 0, FAKE_FRAMES - 64),
        FAKE_FRAMES - 64);
    assert_int_equal(all[0], FAKE_FRAMES - 1);
    put_page(70);
    put_page(FAKE_FRAMES - 1);
    while (scrub_free_frames(1000))
        ;
    assert_int_equal(alloc_domheap_page(fake_machine_domain(DOM_B)), FAKE_FRAMES - 1);
    assert_int_equal(alloc_domheap_page(fake_machine_domain(DOM_B)),
                     70); /* past 184 frames in use */
    put_page(200);
    put_page(100);
    while (scrub_free_frames(1000))
        ;
    uint32_t two[3] = {0};
    assert_int_equal(alloc_clean_domheap_pages(fake_machine_domain(DOM_B), two, 0, 3), 2);
    assert_int_equal(two[0], 200);
    assert_int_equal(two[1], 100);
    assert_int_equal(alloc_domheap_page(fake_machine_domain(DOM_B)), 0);
}

/* The summary's bit for each group of frames against the frames themselves: set when the group
 * holds a clean free frame, clear when it holds none. */
static void assert_clean_groups_match_the_frames(const char *after)
{
    for (uint32_t first = 0; first < FAKE_FRAMES; first += clean_group_frames) {
        int clean = 0;
        for (uint32_t mfn = first; mfn < first + clean_group_frames; mfn++)
            clean |= pg(mfn)->owner == DOMID_FREE && !(pg(mfn)->flags & PGF_dirty);
        if (clean_group_marked(first) != clean)
            fail_msg("after %s: frames %u..%u hold %s clean free frame, but their summary bit "
                     "is %s",
                     after, first, first + clean_group_frames - 1, clean ? "a" : "no",
                     clean ? "clear" : "set");
    }
}

/* The summary of clean frames (clean_groups) after builds take runs and frames come back.  A
 * group's bit must be set while it holds a clean free frame, or searches pass that frame by; and
 * clear once a run has taken its last one, or the next search from above looks at each of its
 * frames (make bench-scale: a create with 300 domUs running cost 522,797 instructions, not about
 * 360,000).  A search that stops inside a group leaves its bit for the next search to clear;
 * each build here stops in a group that still holds clean frames, so the summary is exact. */
static void test_the_clean_groups_follow_runs_taken_and_frames_given_back(void **state)
{
    (void)state;
    page_alloc_init();
    page_alloc_add_range(64, FAKE_FRAMES - 64); /* groups 2..7 (frames 64..255) */
    while (scrub_free_frames(1000))
        ;
    assert_clean_groups_match_the_frames("the idle loop scrubbed them all");
    uint32_t mfns[100];
    assert_int_equal(alloc_clean_domheap_pages(fake_machine_domain(DOM_A), mfns, 0, 100), 100);
    assert_int_equal(mfns[99], 156); /* groups 5..7 taken whole, 4 in part */
    assert_clean_groups_match_the_frames("a run of 100");
    put_page(250);
    put_page(200);
    assert_clean_groups_match_the_frames("two frames given back, dirty");
    while (scrub_free_frames(1000))
        ;
    assert_clean_groups_match_the_frames("the two scrubbed: groups 6 and 7 hold one each");
    assert_int_equal(alloc_clean_domheap_pages(fake_machine_domain(DOM_B), mfns, 0, 40), 40);
    assert_int_equal(mfns[0], 250);
    assert_int_equal(mfns[1], 200);
    assert_int_equal(mfns[2], 155);
    assert_int_equal(mfns[39], 118); /* group 4's last 28, and 3 in part */
    assert_clean_groups_match_the_frames("runs of 1, 1 and 38");
}

/* ---------------------------------------------------------------- a domain's list of frames */

static struct domain *dom(domid_t id)
{
    return fake_machine_domain(id);
}

static uint32_t list_at(struct domain *d, unsigned int i);

/* How many frames `d`'s list holds, each checked to be owned by `d` and linked both ways. */
static unsigned int list_length(struct domain *d)
{
    unsigned int n = 0;
    struct page_list *head = &d->page_list;
    for (struct page_info *p = page_list_next(head, head); p; p = page_list_next(head, &p->list)) {
        assert_int_equal(p->owner, d->domain_id);
        assert_ptr_equal(p->list.next->prev, &p->list);
        assert_ptr_equal(p->list.prev->next, &p->list);
        n++;
    }
    return n;
}

static int on_list(struct domain *d, uint32_t mfn)
{
    struct page_list *head = &d->page_list;
    for (struct page_info *p = page_list_next(head, head); p; p = page_list_next(head, &p->list))
        if (page_to_mfn(p) == mfn)
            return 1;
    return 0;
}

/* Every way a domain comes to own a frame puts it on its list: one at a time, a run of clean
 * frames, a hypervisor page shared with it; nothing else is on it. */
static void test_a_frame_taken_for_a_domain_joins_its_list(void **state)
{
    (void)state;
    dirty_heap();
    assert_int_equal(scrub_free_frames(4), 4);
    uint32_t run[3], one = alloc_domheap_page(dom(DOM_A));
    assert_int_equal(alloc_clean_domheap_pages(dom(DOM_A), run, 0, 3), 3);
    share_xenheap_page(HEAP_FIRST, dom(DOM_A)); /* as shared_info: a hypervisor page */
    assert_int_equal(list_length(dom(DOM_A)), 5);
    assert_int_equal(list_at(dom(DOM_A), 0), one); /* each at the tail, in the order taken */
    for (unsigned int i = 0; i < 3; i++)
        assert_int_equal(list_at(dom(DOM_A), 1 + i), run[i]);
    assert_int_equal(list_at(dom(DOM_A), 4), HEAP_FIRST);
    assert_int_equal(list_length(dom(DOM_B)), 0);
}

/* A request for no xenheap pages gets none.  The builder's p2m list is alloc_xenheap_pages(
 * p2m_pages), and a domain of under one page (dom0_mem clamped to 0 on a small machine) once asked
 * for 0 (hv/domain_build.c: build_plan()): the scan returned the frame after the first free one,
 * never taken, and the build then read its frame numbers from, and wrote the kernel through, a
 * page that was nobody's allocation. */
static void test_a_xenheap_request_for_no_pages_gets_none(void **state)
{
    (void)state;
    dirty_heap();
    uint32_t heap_before = xenheap_page_count(), free_before = free_page_count();
    void *p = alloc_xenheap_pages(0);
    if (p)
        fail_msg("alloc_xenheap_pages(0) returned frame %u, which it did not take (owner %u)",
                 va_to_mfn(p), pg(va_to_mfn(p))->owner);
    assert_int_equal(xenheap_page_count(), heap_before);
    assert_int_equal(free_page_count(), free_before);
}

/* A vCPU's frame page (hv/frame_alloc.c: frame_page_take()): off its domain's list and no
 * request of the domain's takes it (a reference, a mapping in an L1, a pin, the M2P); and when the
 * domain goes (hv/domain.c: domain_free()) it returns to the allocator free, with no reference
 * left, and dirty: scrubbed before anyone else gets it. */
static void test_a_frame_page_is_no_ones_and_goes_back_dirty(void **state)
{
    (void)state;
    dirty_heap();
    uint32_t mfn = alloc_domheap_page(dom(DOM_A)), l1 = alloc_domheap_page(dom(DOM_A));
    assert_int_equal(frame_page_take(mfn), 0);
    assert_false(on_list(dom(DOM_A), mfn));
    assert_int_not_equal(get_page(mfn, DOM_A), 0);
    assert_int_not_equal(machphys_update(DOM_A, mfn, 7), 0);
    assert_int_not_equal(pin_table(DOM_A, mfn, PGT_l1), 0);
    frame_words(l1)[0] = mfn << PAGE_SHIFT | P;
    assert_int_not_equal(pin_table(DOM_A, l1, PGT_l1), 0); /* read-only, and refused */
    frame_words(l1)[0] = 0;
    uint32_t free_before = free_page_count(), dirty_before = dirty_page_count();
    frame_page_release(dom(DOM_A), mfn);
    assert_int_equal(pg(mfn)->owner, DOMID_FREE);
    assert_true(pg(mfn)->flags & PGF_dirty);
    assert_int_equal(pg(mfn)->count + pg(mfn)->type_count, 0);
    assert_int_equal(free_page_count(), free_before + 1);
    assert_int_equal(dirty_page_count(), dirty_before + 1);
}

/* A frame freed (its last reference gone) leaves its list at once, from the middle or either
 * end, and the others stay linked. */
static void test_a_freed_frame_leaves_its_list(void **state)
{
    (void)state;
    dirty_heap();
    uint32_t f[4];
    for (unsigned int i = 0; i < 4; i++)
        f[i] = alloc_domheap_page(dom(DOM_A));
    put_page(f[1]);
    assert_false(page_listed(pg(f[1])));
    assert_int_equal(list_length(dom(DOM_A)), 3);
    put_page(f[0]);
    put_page(f[3]);
    assert_int_equal(list_length(dom(DOM_A)), 1);
    assert_true(on_list(dom(DOM_A), f[2]));
    put_page(f[2]);
    assert_true(page_list_empty(&dom(DOM_A)->page_list));
}

/* A frame freed by one domain and taken by another is on the second's list only. */
static void test_a_frame_is_never_on_two_lists(void **state)
{
    (void)state;
    dirty_heap();
    while (scrub_free_frames(1000))
        ;
    uint32_t a = alloc_domheap_page(dom(DOM_A)), keep = alloc_domheap_page(dom(DOM_A));
    put_page(a);
    while (scrub_free_frames(1000))
        ;
    uint32_t b = alloc_domheap_page(dom(DOM_B));
    assert_int_equal(b, a); /* the highest clean frame again */
    assert_true(on_list(dom(DOM_B), a));
    assert_false(on_list(dom(DOM_A), a));
    assert_int_equal(list_length(dom(DOM_A)), 1);
    assert_int_equal(list_length(dom(DOM_B)), 1);
    (void)keep;
}

/* The destroy takes frames off the list a budget at a time, frees each one nobody else holds,
 * and leaves one still referenced elsewhere (a grant mapping) as an orphan off every list,
 * freed when that reference goes. */
static void test_destroy_releases_the_frames_on_the_list_in_steps(void **state)
{
    (void)state;
    dirty_heap();
    uint32_t f[6], free_before = free_page_count();
    for (unsigned int i = 0; i < 6; i++)
        f[i] = alloc_domheap_page(dom(DOM_A));
    assert_int_equal(get_page(f[4], DOM_A), 0); /* another domain's mapping of it */
    unsigned int steps = 1;
    while (!release_domain_frames(dom(DOM_A), 8)) /* 8 units: two frames a step */
        steps++;
    assert_int_equal(steps, 3);
    assert_true(page_list_empty(&dom(DOM_A)->page_list));
    assert_int_equal(free_page_count(), free_before - 1);
    assert_int_equal(pg(f[4])->owner, DOM_A);
    assert_true((pg(f[4])->flags & PGF_orphan) && !page_listed(pg(f[4])));
    assert_int_equal(orphan_frames(DOM_A), 1);
    put_page(f[4]);
    assert_int_equal(orphan_frames(DOM_A), 0);
    assert_int_equal(free_page_count(), free_before);
}

/* A grant window's entry goes into every page directory of the domain's list, and nowhere else:
 * not its other frames, not another domain's directory. */
static void test_a_hypervisor_slot_reaches_every_directory_on_the_list(void **state)
{
    (void)state;
    give_frames(10, 2, DOM_A);
    give_frame(12, DOM_B);
    give_frame(30, DOM_A);
    for (uint32_t mfn = 10; mfn <= 12; mfn++)
        assert_int_equal(pin_table(mfn == 12 ? DOM_B : DOM_A, mfn, PGT_l2), 0);
    set_hv_l2_slot(dom(DOM_A), GRANT_L2_FIRST_SLOT, 0x12345067);
    assert_int_equal(frame_words(10)[GRANT_L2_FIRST_SLOT], 0x12345067);
    assert_int_equal(frame_words(11)[GRANT_L2_FIRST_SLOT], 0x12345067);
    assert_int_equal(frame_words(12)[GRANT_L2_FIRST_SLOT], hv_slot_pattern(GRANT_L2_FIRST_SLOT));
    assert_int_equal(frame_words(30)[GRANT_L2_FIRST_SLOT], 0);
}

/* The frame at position `i` of d's list (0 is the head), or 0 past its end. */
static uint32_t list_at(struct domain *d, unsigned int i)
{
    struct page_list *head = &d->page_list;
    for (struct page_info *p = page_list_next(head, head); p; p = page_list_next(head, &p->list))
        if (i-- == 0)
            return page_to_mfn(p);
    return 0;
}

/* A domain's page directories lead its list, so that a grant window's slot visits them and no
 * other frame (dom0's 16,384 frames were 245,000 instructions a window): a frame joins at the
 * tail, a directory moves to the head when typed, and to the tail when it is one no more
 * (hv/frame_table.c: set_page_type()). */
static void test_a_domains_directories_lead_its_list(void **state)
{
    (void)state;
    give_frames(10, 4, DOM_A);
    assert_int_equal(list_at(dom(DOM_A), 0), 10);
    assert_int_equal(list_at(dom(DOM_A), 3), 13);
    assert_int_equal(pin_table(DOM_A, 12, PGT_l2), 0);
    assert_int_equal(pin_table(DOM_A, 13, PGT_l2), 0);
    give_frame(30, DOM_A);
    assert_int_equal(list_at(dom(DOM_A), 0), 13);
    assert_int_equal(list_at(dom(DOM_A), 1), 12);
    assert_int_equal(list_at(dom(DOM_A), 4), 30);
    assert_int_equal(unpin_table(DOM_A, 13), 0);
    assert_int_equal(list_at(dom(DOM_A), 0), 12);
    assert_int_equal(list_at(dom(DOM_A), 4), 13);
    assert_int_equal(list_length(dom(DOM_A)), 5);
    set_hv_l2_slot(dom(DOM_A), GRANT_L2_FIRST_SLOT, 0x12345067);
    assert_int_equal(frame_words(12)[GRANT_L2_FIRST_SLOT], 0x12345067);
    assert_int_not_equal(frame_words(13)[GRANT_L2_FIRST_SLOT], 0x12345067);
    assert_int_equal(frame_words(30)[GRANT_L2_FIRST_SLOT], 0);
    /* a directory given as CR3 and released the same way */
    assert_int_equal(get_page_and_type(11, DOM_A, PGT_l2), 0);
    assert_int_equal(list_at(dom(DOM_A), 0), 11);
    put_page_and_type(11);
    assert_int_equal(list_at(dom(DOM_A), 0), 12);
    assert_int_equal(list_at(dom(DOM_A), 4), 11);
    /* a directory refused half way, whole or in steps, leads nothing: it was typed first */
    set_entry(10, 5, pte(30, P | _PAGE_PSE));
    assert_int_equal(get_page_and_type(10, DOM_A, PGT_l2), -XEN_EINVAL);
    assert_int_equal(list_at(dom(DOM_A), 0), 12);
    assert_int_not_equal(pg(list_at(dom(DOM_A), 1))->type, PGT_l2);
    assert_int_equal(pin_table(DOM_A, 10, PGT_l2), -XEN_EINVAL);
    assert_int_equal(list_at(dom(DOM_A), 0), 12);
    assert_int_not_equal(pg(list_at(dom(DOM_A), 1))->type, PGT_l2);
    assert_int_equal(list_length(dom(DOM_A)), 5);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_no_domain_is_given_a_frame_with_another_domains_data),
        T(test_a_frame_taken_for_a_domain_joins_its_list),
        T(test_a_freed_frame_leaves_its_list),
        T(test_a_xenheap_request_for_no_pages_gets_none),
        T(test_a_frame_page_is_no_ones_and_goes_back_dirty),
        T(test_a_frame_is_never_on_two_lists),
        T(test_destroy_releases_the_frames_on_the_list_in_steps),
        T(test_a_hypervisor_slot_reaches_every_directory_on_the_list),
        T(test_a_domains_directories_lead_its_list),
        T(test_the_idle_loop_scrubs_and_clean_frames_go_first),
        T(test_a_run_of_clean_frames_is_taken_in_one_scan),
        T(test_the_highest_clean_frame_is_found_below_frames_in_use),
        T(test_the_clean_groups_follow_runs_taken_and_frames_given_back),
        T(test_a_frame_taken_again_keeps_its_stale_tlb_mark),
        T(test_l2_pin_in_steps_ends_as_a_whole_pin_does),
        T(test_l2_unpin_in_steps_returns_every_frame_to_its_start),
        T(test_a_half_pinned_l2_is_busy_for_everything_else),
        T(test_a_refused_l2_pin_in_steps_rolls_everything_back),
        T(test_abandoning_a_half_done_pin_or_unpin_leaves_nothing_behind),
        T(test_get_page_takes_and_put_page_drops_a_reference),
        T(test_get_page_refuses_a_foreign_frame),
        T(test_get_page_refuses_a_free_frame),
        T(test_get_page_refuses_an_owned_frame_with_no_references),
        T(test_get_page_refuses_frames_past_the_frame_table),
        T(test_get_page_refuses_to_overflow_the_count),
        T(test_dropping_the_last_reference_frees_the_frame),
        T(test_put_page_never_underflows),
        T(test_machphys_update_records_the_pfn_of_an_owned_frame),
        T(test_machphys_update_refuses_foreign_free_and_invalid_frames),
        T(test_writable_type_is_counted_and_leaves_the_tlb_stale),
        T(test_type_cannot_change_while_references_hold_it),
        T(test_type_count_cannot_overflow),
        T(test_stale_frame_becoming_an_l1_flushes_the_tlb_once),
        T(test_stale_frame_becoming_an_l2_flushes_the_tlb),
        T(test_frame_never_writable_becomes_a_page_table_without_a_flush),
        T(test_stale_frame_becoming_writable_again_needs_no_flush),
        T(test_frame_unmapped_from_writable_then_pinned_flushes_the_tlb),
        T(test_pinning_an_l1_takes_a_reference_on_every_mapped_frame),
        T(test_unpinning_an_l1_returns_every_count_to_its_start),
        T(test_l1_mapping_a_foreign_frame_is_refused_and_changes_nothing),
        T(test_l1_mapping_a_free_frame_is_refused_and_changes_nothing),
        T(test_l1_mapping_a_frame_past_the_frame_table_is_refused),
        T(test_l1_mapping_itself_writable_is_refused),
        T(test_l1_mapping_a_half_pinned_or_saturated_frame_writable_is_refused),
        T(test_l1_mapping_itself_read_only_is_accepted),
        T(test_l1_entries_with_pse_or_global_are_refused),
        T(test_refusal_at_the_last_l1_entry_rolls_back_all_the_others),
        T(test_writable_mapping_of_a_pinned_l1_is_refused),
        T(test_writable_mapping_of_an_l1_used_by_an_l2_is_refused),
        T(test_writable_mapping_of_a_pinned_l2_is_refused),
        T(test_frame_mapped_writable_cannot_become_a_page_table),
        T(test_pinning_twice_is_refused),
        T(test_unpinning_an_unpinned_frame_is_refused),
        T(test_pin_and_unpin_of_a_foreign_frame_are_refused),
        T(test_pin_and_unpin_of_free_and_invalid_frames_are_refused),
        T(test_unpinning_a_released_l1_frees_it_and_drops_its_mappings),
        T(test_shared_info_frame_can_be_mapped_but_never_be_a_page_table),
        T(test_pinning_an_l2_validates_its_l1s_and_installs_hypervisor_slots),
        T(test_unpinning_an_l2_returns_every_frame_to_its_start),
        T(test_l2_entries_with_pse_or_global_are_refused_and_roll_back),
        T(test_l2_entry_pointing_at_itself_is_refused),
        T(test_l2_entry_pointing_at_another_l2_is_refused),
        T(test_l2_whose_l1_maps_a_foreign_frame_is_refused_and_rolls_back),
        T(test_l2_entry_pointing_at_a_foreign_frame_is_refused),
        T(test_l2_entry_pointing_at_a_writable_frame_is_refused),
        T(test_two_l2_entries_may_share_one_l1),
        T(test_l1_pinned_and_used_by_an_l2_lives_until_both_let_go),
        T(test_unpinning_an_l2_frees_tables_and_frames_the_guest_released),
        T(test_pt_update_refuses_unaligned_and_out_of_range_addresses),
        T(test_pt_update_refuses_frames_the_domain_does_not_own),
        T(test_pt_update_into_a_hypervisor_slot_is_refused),
        T(test_pt_update_moves_references_from_the_old_frame_to_the_new),
        T(test_pt_update_rewriting_an_entry_with_itself_changes_nothing),
        T(test_pt_update_from_writable_to_read_only_drops_only_the_type),
        T(test_refused_pt_update_leaves_the_entry_and_counts_alone),
        T(test_pt_update_with_pse_or_global_in_an_l1_is_refused),
        T(test_pt_update_making_an_l1_map_itself_writable_is_refused),
        T(test_pt_update_clearing_the_last_mapping_frees_the_frame),
        T(test_pt_update_of_an_l2_entry_validates_the_new_l1_and_releases_the_old),
        T(test_pt_update_of_an_l2_entry_pointing_at_itself_is_refused),
        T(test_pt_update_on_an_ordinary_frame_is_a_plain_write),
        T(test_pt_update_on_a_frame_mapped_writable_is_a_plain_write),
        T(test_pt_update_on_an_l1_in_use_by_an_l2_is_checked),
    };
#undef T
    return cmocka_run_group_tests_name("mm", tests, NULL, NULL);
}
