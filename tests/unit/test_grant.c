/*
 * test_grant.c - reference counting in the grant tables of hv/grant_table.c.
 *
 * A grant mapping lends one domain's frame to another, and the hypervisor's
 * bookkeeping is all that stands between that loan and a frame used after it
 * was freed (Xen's XSA-224 and XSA-234 were bugs of exactly this kind).  The
 * rules under test:
 *
 *   - a mapping holds one general reference on the frame, and a writable one
 *     also a writable type reference, for exactly as long as it exists: after
 *     any sequence of maps and unmaps in any order, every count is back where
 *     it started;
 *   - the granter sees GTF_reading while any mapping exists and GTF_writing
 *     while a writable one does, set and cleared exactly when the pin counts
 *     go from 0 to 1 and back;
 *   - a map is refused, with every count unchanged, when the entry is not a
 *     valid grant to the mapper, is read-only and the map writable, names a
 *     frame the granter does not own, or would make a page table writable;
 *   - a mapped frame outlives its granter and is freed exactly at its last
 *     unmap; a destroyed mapper releases all its mappings;
 *   - copies check offsets and lengths and take no lasting references;
 *   - handles and host addresses are checked before anything is touched.
 *
 * The tests run the real hv/frame_table.c on the fake machine of fake_machine.c, and
 * fake_domain.c supplies domains, a xenheap placed so that grant_table_init
 * finds its frames in the same frame table, and guest memory: every grant
 * operation is issued as the guest issues it, through do_grant_table_op with
 * its argument in guest memory.
 *
 * Frames: DOM_A (the granter) owns data frames 30..39 and page table 20;
 * DOM_B (the mapper) owns 50..59 and page table 21; DOM_C owns 70..79.
 * Xenheap frames (grant tables) are 128 and up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <public/errno.h>
#include <public/grant_table.h>
#include <hv/entry.h>
#include <hv/grant.h>
#include "fake_machine.h"
#include "fake_domain.h"

#define DOM_C   3
#define NO_DOM  7
#define ARG     FAKE_GUEST_BASE
#define SLOT(n) (GRANT_AREA_START + (uint64_t)(n)*PAGE_SIZE)

static struct domain *doma, *domb, *domc;

/* ---------------------------------------------------------------- helpers */

static int setup(void **state)
{
    (void)state;
    fake_machine_reset();
    fake_domain_reset();
    doma = fake_domain_create(DOM_A);
    domb = fake_domain_create(DOM_B);
    domc = fake_domain_create(DOM_C);
    assert_int_equal(grant_table_init(doma), 0);
    assert_int_equal(grant_table_init(domb), 0);
    assert_int_equal(grant_table_init(domc), 0);
    for (uint32_t i = 0; i < 10; i++) {
        give_frame(30 + i, DOM_A);
        give_frame(50 + i, DOM_B);
        give_frame(70 + i, DOM_C);
    }
    give_frame(20, DOM_A);
    give_frame(21, DOM_B);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    struct domain *all[] = {doma, domb, domc};
    for (unsigned int i = 0; i < 3; i++)
        fake_domain_unlist(all[i]); /* as domain_kill(): nobody finds them from here on */
    for (unsigned int i = 0; i < 3; i++)
        grant_table_destroy(all[i]); /* again, for a domain a test destroyed: no effect */
    assert_int_equal(fake_mappings_outstanding(), 0);
    assert_int_equal(fake_bad_xenheap_frees(), 0);
    return 0;
}

static void grant(struct domain *granter, grant_ref_t ref, uint16_t flags, domid_t grantee,
                  uint32_t frame)
{
    *grant_entry(granter, ref) = (struct grant_entry_v1){flags, grantee, frame};
}

static uint16_t gflags(struct domain *granter, grant_ref_t ref)
{
    return grant_entry(granter, ref)->flags;
}

/* GNTTABOP_map_grant_ref of one entry, as `mapper`; returns the operation's status. */
static int16_t map_grant(struct domain *mapper, domid_t granter, grant_ref_t ref, uint32_t flags,
                         uint64_t host_addr, uint32_t *handle)
{
    fake_set_current(mapper);
    struct gnttab_map_grant_ref *op = fake_guest_ptr(ARG, sizeof(*op));
    *op = (struct gnttab_map_grant_ref){.host_addr = host_addr,
                                        .flags = flags,
                                        .ref = ref,
                                        .dom = granter,
                                        .status = 99,
                                        .handle = 0xDEAD};
    assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, ARG, 1), 0);
    if (handle)
        *handle = op->handle;
    return op->status;
}

#define RO (GNTMAP_host_map | GNTMAP_readonly)
#define RW GNTMAP_host_map

static int16_t unmap_grant(struct domain *mapper, uint32_t handle, uint64_t host_addr)
{
    fake_set_current(mapper);
    struct gnttab_unmap_grant_ref *op = fake_guest_ptr(ARG, sizeof(*op));
    *op = (struct gnttab_unmap_grant_ref){.host_addr = host_addr, .handle = handle, .status = 99};
    assert_int_equal(do_grant_table_op(GNTTABOP_unmap_grant_ref, ARG, 1), 0);
    return op->status;
}

static int16_t copy_op(struct domain *caller, struct gnttab_copy c)
{
    fake_set_current(caller);
    struct gnttab_copy *op = fake_guest_ptr(ARG, sizeof(*op));
    c.status = 99;
    *op = c;
    assert_int_equal(do_grant_table_op(GNTTABOP_copy, ARG, 1), 0);
    return op->status;
}

static struct gnttab_copy_ptr gref(domid_t dom, grant_ref_t ref, uint16_t offset)
{
    struct gnttab_copy_ptr p = {.domid = dom, .offset = offset};
    p.u.ref = ref;
    return p;
}

static struct gnttab_copy_ptr local(uint32_t mfn, uint16_t offset)
{
    struct gnttab_copy_ptr p = {.domid = DOMID_SELF, .offset = offset};
    p.u.gmfn = mfn;
    return p;
}

static uint8_t *bytes(uint32_t mfn)
{
    return (uint8_t *)frame_words(mfn);
}

static void assert_frame(uint32_t mfn, uint32_t count, uint32_t writable_refs)
{
    const struct page_info *p = &frame_table[mfn];
    if (p->count != count || p->type_count != writable_refs ||
        (writable_refs && p->type != PGT_writable))
        fail_msg("frame %u: count %u type %u type_count %u; expected count %u and %u writable "
                 "references",
                 mfn, p->count, p->type, p->type_count, count, writable_refs);
}

/*
 * Entry `ref` of DOM_A mapped rd times read-only and wr times writable:
 * pins, granter-visible flags and the frame's counts (one allocation
 * reference plus one per mapping) all agree.
 */
static void assert_pins(struct domain *granter, grant_ref_t ref, unsigned int rd, unsigned int wr)
{
    const struct active_grant *a = active_entry(granter, ref);
    uint16_t f = gflags(granter, ref);
    if (!a && rd + wr == 0)
        return; /* never pinned: no page of pin records was taken for it */
    assert_non_null(a);
    if (a->rd_pins != rd || a->wr_pins != wr)
        fail_msg("ref %u: pins rd %u wr %u, expected %u %u", ref, a->rd_pins, a->wr_pins, rd, wr);
    if (!!(f & GTF_reading) != (rd + wr > 0) || !!(f & GTF_writing) != (wr > 0))
        fail_msg("ref %u: flags %#x with %u read-only and %u writable mappings", ref, f, rd, wr);
}

static void assert_mapped(grant_ref_t ref, uint32_t frame, unsigned int rd, unsigned int wr)
{
    assert_pins(doma, ref, rd, wr);
    assert_frame(frame, 1 + rd + wr, wr);
}

struct snapshot {
    struct page_info frame[FAKE_FRAMES];
};

static void take_snapshot(struct snapshot *s)
{
    memcpy(s->frame, frame_table, sizeof(s->frame));
}

/* Every frame as in the snapshot, except PGF_tlb_stale (left behind by a writable mapping) and
 * the free frames that became the mapper's grant-area window (taken at its first mapping). */
static void assert_frames_unchanged(const struct snapshot *s)
{
    for (uint32_t mfn = 0; mfn < FAKE_FRAMES; mfn++) {
        const struct page_info *a = &s->frame[mfn], *b = &frame_table[mfn];
        if (a->owner == DOMID_FREE && b->owner == DOMID_XEN)
            continue;
        if (a->owner != b->owner || a->count != b->count || a->type_count != b->type_count ||
            a->type != b->type || (a->flags & ~PGF_tlb_stale) != (b->flags & ~PGF_tlb_stale))
            fail_msg("frame %u changed: owner %#x->%#x count %u->%u type %u->%u type_count "
                     "%u->%u flags %#x->%#x",
                     mfn, a->owner, b->owner, a->count, b->count, a->type, b->type, a->type_count,
                     b->type_count, a->flags, b->flags);
    }
}

/* A refused map touched nothing: no slot used (a slot's page-table entry says so; its maptrack
 * word means nothing while the entry is empty, and an unmap leaves it too), no pins, no flags. */
static void assert_nothing_mapped(struct domain *mapper, grant_ref_t ref, uint16_t flags_before)
{
    assert_int_equal(grant_maps_held(mapper), 0);
    for (uint32_t s = 0; s < GRANT_AREA_SLOTS; s++) {
        const struct grant_window *w = &mapper->grant.window[s / GRANT_WINDOW_SLOTS];
        if (w->l1 && w->l1[s % GRANT_WINDOW_SLOTS])
            fail_msg("slot %u in use after a refused map", s);
    }
    const struct active_grant *a = active_entry(doma, ref);
    assert_int_equal(a ? a->rd_pins + a->wr_pins : 0, 0);
    assert_int_equal(gflags(doma, ref), flags_before);
}

/* As domain_destroy: unlisted, dying, grant table torn down, then relinquish_memory. */
static void destroy_domain(struct domain *d)
{
    fake_domain_unlist(d);
    d->state = DOM_dying;
    grant_table_destroy(d);
    for (uint32_t mfn = 0; mfn < max_page; mfn++) {
        struct page_info *pg = &frame_table[mfn];
        if (pg->owner == d->domain_id && (pg->flags & PGF_pinned)) {
            pg->flags &= ~PGF_pinned;
            put_page_and_type(mfn);
        }
    }
    for (uint32_t mfn = 0; mfn < max_page; mfn++) {
        struct page_info *pg = &frame_table[mfn];
        if (pg->owner == d->domain_id && (pg->flags & PGF_allocated)) {
            pg->flags &= ~PGF_allocated;
            put_page(mfn);
        }
    }
}

/* ---------------------------------------------------------------- setting up */

/* A shared frame of DOM_A's: owned by it (it maps it), from the xenheap, allocated once. */
static void assert_shared_frame(uint32_t mfn)
{
    assert_true(mfn >= XENHEAP_FIRST_MFN && mfn < XENHEAP_FIRST_MFN + XENHEAP_FRAMES);
    assert_int_equal(frame_table[mfn].owner, DOM_A);
    assert_true(frame_table[mfn].flags & PGF_xenheap);
    assert_true(frame_table[mfn].flags & PGF_allocated);
    assert_int_equal(frame_table[mfn].count, 1);
}

/* grant_table_init gives a domain its first shared frame and nothing else: a domain that maps
 * no grant and sets up no more holds one page of grant table; setup_table takes the rest. */
static void test_grant_table_init_and_setup_table(void **state)
{
    (void)state;
    assert_int_equal(doma->grant.nr_frames, 1);
    assert_shared_frame(doma->grant.shared_mfn[0]);
    for (unsigned int i = 0; i < GRANT_AREA_WINDOWS; i++)
        assert_null(doma->grant.window[i].l1);
    assert_int_equal(fake_xenheap_in_use(), 3 * grant_table_pages());
    assert_int_equal(doma->hv_pages, 1);
    assert_null(grant_entry(doma, GRANT_ENTRIES_PER_PAGE)); /* frame 1: not set up */

    /* GNTTABOP_setup_table takes the frames asked for and hands the guest their list. */
    fake_set_current(doma);
    struct gnttab_setup_table *op = fake_guest_ptr(ARG, sizeof(*op));
    uint32_t *list = fake_guest_ptr(ARG + 64, 16);
    *op = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 4, .frame_list = ARG + 64};
    assert_int_equal(do_grant_table_op(GNTTABOP_setup_table, ARG, 1), 0);
    assert_int_equal(op->status, GNTST_okay);
    assert_int_equal(doma->grant.nr_frames, 4);
    assert_int_equal(doma->hv_pages, 4);
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(list[i], doma->grant.shared_mfn[i]);
        assert_shared_frame(list[i]);
    }
    assert_non_null(grant_entry(doma, NR_GRANT_ENTRIES - 1));

    *op = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 5, .frame_list = ARG + 64};
    assert_int_equal(do_grant_table_op(GNTTABOP_setup_table, ARG, 1), 0);
    assert_int_equal(op->status, GNTST_general_error);
    *op = (struct gnttab_setup_table){.dom = DOM_B, .nr_frames = 1, .frame_list = ARG + 64};
    assert_int_equal(do_grant_table_op(GNTTABOP_setup_table, ARG, 1), 0);
    assert_int_equal(op->status, GNTST_permission_denied);
    *op = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 4, .frame_list = 0x1000};
    assert_int_equal(do_grant_table_op(GNTTABOP_setup_table, ARG, 1), 0);
    assert_int_equal(op->status, GNTST_bad_virt_addr);
    assert_int_equal(doma->hv_pages, 4);
}

static uint32_t area_l2e(struct domain *d, unsigned int window)
{
    uint32_t l2[1024] = {0};
    grant_area_install(l2, d->domain_id);
    return l2[GRANT_L2_FIRST_SLOT + window];
}

/* A window of the grant area comes with the first mapping there, and every page directory the
 * mapper has already validated gets its entry then; a window after the first goes back with its
 * last mapping, and its entry with it. */
static void test_a_grant_area_window_comes_with_its_first_mapping(void **state)
{
    (void)state;
    const uint32_t w1 = GRANT_L2_FIRST_SLOT + 1, pages = GRANT_WINDOW_PAGES;
    assert_int_equal(pin_table(DOM_B, 21, PGT_l2), 0);
    assert_int_equal(area_l2e(domb, 0), 0);
    grant(doma, 8, GTF_permit_access | GTF_readonly, DOM_B, 30);
    uint32_t h, h1;
    assert_int_equal(map_grant(domb, DOM_A, 8, RO, SLOT(5), &h), GNTST_okay);
    uint32_t e = area_l2e(domb, 0);
    assert_int_equal(e >> PAGE_SHIFT, va_to_mfn(domb->grant.window[0].l1));
    assert_int_equal(e & 0xFFF, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED);
    assert_int_equal(frame_words(21)[GRANT_L2_FIRST_SLOT], e);
    assert_int_equal(domb->hv_pages, 1 + pages);

    /* The second window, at slot 1024 and up. */
    assert_int_equal(map_grant(domb, DOM_A, 8, RO, SLOT(GRANT_WINDOW_SLOTS + 3), &h1), GNTST_okay);
    assert_int_equal(h1, GRANT_WINDOW_SLOTS + 3);
    assert_int_equal(frame_words(21)[w1], area_l2e(domb, 1));
    assert_int_equal(frame_words(21)[w1] >> PAGE_SHIFT, va_to_mfn(domb->grant.window[1].l1));
    assert_int_equal(domb->grant.window[1].l1[3] >> PAGE_SHIFT, 30);
    assert_int_equal(domb->hv_pages, 1 + 2 * pages);
    unsigned int flushes = fake_tlb_flushes();
    assert_int_equal(unmap_grant(domb, h1, SLOT(GRANT_WINDOW_SLOTS + 3)), GNTST_okay);
    assert_int_equal(frame_words(21)[w1], 0);
    assert_null(domb->grant.window[1].l1);
    assert_true(fake_tlb_flushes() > flushes);
    assert_int_equal(domb->hv_pages, 1 + pages);

    assert_int_equal(unmap_grant(domb, h, SLOT(5)), GNTST_okay);
    assert_non_null(domb->grant.window[0].l1); /* the first window stays */
    assert_int_equal(map_grant(domb, DOM_A, 8, RO, SLOT(GRANT_AREA_SLOTS), NULL),
                     GNTST_bad_virt_addr);
    assert_int_equal(unpin_table(DOM_B, 21), 0);
}

/* ---------------------------------------------------------------- map and unmap */

static void test_map_read_only_and_unmap(void **state)
{
    (void)state;
    grant(doma, 8, GTF_permit_access | GTF_readonly, DOM_B, 30);
    uint32_t h;
    assert_int_equal(map_grant(domb, DOM_A, 8, RO, SLOT(5), &h), GNTST_okay);
    assert_int_equal(h, 5);
    assert_mapped(8, 30, 1, 0);
    assert_int_equal(domb->grant.window[0].l1[5],
                     (30u << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED);
    assert_int_equal(grant_maps_held(domb), 1);
    struct gnttab_map_grant_ref *op = fake_guest_ptr(ARG, sizeof(*op));
    assert_int_equal(op->dev_bus_addr, 30u << PAGE_SHIFT);

    unsigned int flushes = fake_invlpgs();
    assert_int_equal(unmap_grant(domb, h, SLOT(5)), GNTST_okay);
    assert_mapped(8, 30, 0, 0);
    assert_int_equal(domb->grant.window[0].l1[5], 0);
    assert_int_equal(grant_maps_held(domb), 0);
    assert_int_equal(fake_invlpgs(), flushes + 1);
    assert_true(fake_invlpg_seen((uint32_t)SLOT(5)));
}

static void test_map_writable_and_unmap(void **state)
{
    (void)state;
    grant(doma, 9, GTF_permit_access, DOM_B, 31);
    uint32_t h;
    assert_int_equal(map_grant(domb, DOM_A, 9, RW, SLOT(0), &h), GNTST_okay);
    assert_mapped(9, 31, 0, 1);
    assert_int_equal(domb->grant.window[0].l1[0],
                     (31u << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_RW | _PAGE_DIRTY);
    /* While mapped writable it can never become a page table. */
    assert_int_equal(pin_table(DOM_A, 31, PGT_l1), -XEN_EBUSY);
    assert_int_equal(unmap_grant(domb, h, 0), GNTST_okay); /* host_addr 0: the handle alone */
    assert_mapped(9, 31, 0, 0);
    assert_int_equal(pin_table(DOM_A, 31, PGT_l1), 0);
    assert_int_equal(unpin_table(DOM_A, 31), 0);
}

/*
 * Two read-only and two writable mappings of one entry, made in every order
 * and undone in every order (24 x 24 runs over the same state): after every
 * step the pins, flags and counts match the mappings that exist, and after
 * every run the frame table is exactly as it started.
 */
static void test_maps_and_unmaps_in_every_order_return_every_count(void **state)
{
    (void)state;
    grant(doma, 10, GTF_permit_access, DOM_B, 32);
    struct snapshot start;
    take_snapshot(&start);
    static const int is_ro[4] = {1, 0, 1, 0};
    unsigned int perms[24][4], n = 0;
    for (unsigned int a = 0; a < 4; a++)
        for (unsigned int b = 0; b < 4; b++)
            for (unsigned int c = 0; c < 4; c++)
                for (unsigned int d = 0; d < 4; d++)
                    if (a != b && a != c && a != d && b != c && b != d && c != d) {
                        unsigned int p[4] = {a, b, c, d};
                        memcpy(perms[n++], p, sizeof(p));
                    }
    assert_int_equal(n, 24);

    for (unsigned int mo = 0; mo < 24; mo++) {
        for (unsigned int uo = 0; uo < 24; uo++) {
            unsigned int rd = 0, wr = 0;
            uint32_t handle[4];
            for (unsigned int i = 0; i < 4; i++) {
                unsigned int m = perms[mo][i];
                assert_int_equal(
                    map_grant(domb, DOM_A, 10, is_ro[m] ? RO : RW, SLOT(m), &handle[m]),
                    GNTST_okay);
                is_ro[m] ? rd++ : wr++;
                assert_mapped(10, 32, rd, wr);
            }
            for (unsigned int i = 0; i < 4; i++) {
                unsigned int m = perms[uo][i];
                assert_int_equal(unmap_grant(domb, handle[m], SLOT(m)), GNTST_okay);
                is_ro[m] ? rd-- : wr--;
                assert_mapped(10, 32, rd, wr);
            }
            assert_frames_unchanged(&start);
            assert_int_equal(grant_maps_held(domb), 0);
        }
    }
}

/* Two entries for the same frame, and two mappers: each entry's pins count on their own. */
static void test_pins_are_per_entry_and_counts_per_frame(void **state)
{
    (void)state;
    grant(doma, 11, GTF_permit_access, DOM_B, 33);
    grant(doma, 12, GTF_permit_access | GTF_readonly, DOM_C, 33);
    uint32_t hb, hc;
    assert_int_equal(map_grant(domb, DOM_A, 11, RW, SLOT(1), &hb), GNTST_okay);
    assert_int_equal(map_grant(domc, DOM_A, 12, RO, SLOT(1), &hc), GNTST_okay);
    assert_frame(33, 3, 1);
    assert_int_equal(gflags(doma, 11) & (GTF_reading | GTF_writing), GTF_reading | GTF_writing);
    assert_int_equal(gflags(doma, 12) & (GTF_reading | GTF_writing), GTF_reading);
    assert_int_equal(unmap_grant(domb, hb, SLOT(1)), GNTST_okay);
    assert_frame(33, 2, 0);
    assert_int_equal(gflags(doma, 11) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gflags(doma, 12) & (GTF_reading | GTF_writing), GTF_reading);
    assert_int_equal(unmap_grant(domc, hc, SLOT(1)), GNTST_okay);
    assert_frame(33, 1, 0);
    assert_int_equal(gflags(doma, 12), GTF_permit_access | GTF_readonly);
}

/* A pinned grant keeps its frame: rewriting the entry does not move existing or new maps. */
static void test_a_pinned_entry_keeps_its_frame(void **state)
{
    (void)state;
    grant(doma, 13, GTF_permit_access, DOM_B, 34);
    uint32_t h1, h2;
    assert_int_equal(map_grant(domb, DOM_A, 13, RO, SLOT(0), &h1), GNTST_okay);
    grant_entry(doma, 13)->frame = 35; /* the granter changes its mind while mapped */
    assert_int_equal(map_grant(domb, DOM_A, 13, RW, SLOT(1), &h2), GNTST_okay);
    assert_int_equal(domb->grant.window[0].l1[1] >> PAGE_SHIFT, 34);
    assert_frame(34, 3, 1);
    assert_frame(35, 1, 0);
    assert_int_equal(unmap_grant(domb, h1, SLOT(0)), GNTST_okay);
    assert_int_equal(unmap_grant(domb, h2, SLOT(1)), GNTST_okay);
    assert_frame(34, 1, 0);
    /* Unpinned, the entry's frame counts again. */
    assert_int_equal(map_grant(domb, DOM_A, 13, RO, SLOT(0), &h1), GNTST_okay);
    assert_int_equal(domb->grant.window[0].l1[0] >> PAGE_SHIFT, 35);
    assert_frame(35, 2, 0);
}

/* ---------------------------------------------------------------- refused maps */

static void test_map_of_a_revoked_or_invalid_entry_is_refused(void **state)
{
    (void)state;
    grant(doma, 14, GTF_permit_access, DOM_B, 36);
    grant(doma, 14, GTF_invalid, DOM_B, 36); /* revoked */
    struct snapshot s;
    take_snapshot(&s);
    assert_int_equal(map_grant(domb, DOM_A, 14, RO, SLOT(0), NULL), GNTST_permission_denied);
    assert_int_equal(map_grant(domb, DOM_A, 15, RO, SLOT(0), NULL), GNTST_permission_denied);
    grant(doma, 16, 2 /* not GTF_permit_access: another entry type */, DOM_B, 36);
    assert_int_equal(map_grant(domb, DOM_A, 16, RO, SLOT(0), NULL), GNTST_permission_denied);
    assert_int_equal(map_grant(domb, DOM_A, NR_GRANT_ENTRIES, RO, SLOT(0), NULL), GNTST_bad_gntref);
    assert_int_equal(map_grant(domb, DOM_A, 0xFFFFFFFFu, RO, SLOT(0), NULL), GNTST_bad_gntref);
    assert_frames_unchanged(&s);
    assert_nothing_mapped(domb, 14, GTF_invalid);
}

static void test_map_of_an_entry_granted_to_another_domain_is_refused(void **state)
{
    (void)state;
    grant(doma, 17, GTF_permit_access, DOM_C, 37);
    struct snapshot s;
    take_snapshot(&s);
    assert_int_equal(map_grant(domb, DOM_A, 17, RO, SLOT(0), NULL), GNTST_permission_denied);
    assert_int_equal(map_grant(domb, DOM_A, 17, RW, SLOT(0), NULL), GNTST_permission_denied);
    assert_frames_unchanged(&s);
    assert_nothing_mapped(domb, 17, GTF_permit_access);
    assert_int_equal(map_grant(domc, DOM_A, 17, RW, SLOT(0), NULL), GNTST_okay);
}

static void test_read_only_grant_mapped_writable_is_refused(void **state)
{
    (void)state;
    grant(doma, 18, GTF_permit_access | GTF_readonly, DOM_B, 38);
    struct snapshot s;
    take_snapshot(&s);
    assert_int_equal(map_grant(domb, DOM_A, 18, RW, SLOT(0), NULL), GNTST_permission_denied);
    assert_frames_unchanged(&s);
    assert_nothing_mapped(domb, 18, GTF_permit_access | GTF_readonly);
    /* Even while it is mapped read-only (pinned). */
    uint32_t h;
    assert_int_equal(map_grant(domb, DOM_A, 18, RO, SLOT(0), &h), GNTST_okay);
    assert_int_equal(map_grant(domb, DOM_A, 18, RW, SLOT(1), NULL), GNTST_permission_denied);
    assert_mapped(18, 38, 1, 0);
}

static void test_writable_map_of_a_page_table_is_refused(void **state)
{
    (void)state;
    assert_int_equal(pin_table(DOM_A, 20, PGT_l1), 0); /* an empty L1: valid */
    grant(doma, 19, GTF_permit_access, DOM_B, 20);
    struct snapshot s;
    take_snapshot(&s);
    assert_int_equal(map_grant(domb, DOM_A, 19, RW, SLOT(0), NULL), GNTST_bad_page);
    assert_frames_unchanged(&s);
    assert_nothing_mapped(domb, 19, GTF_permit_access);
    /* Read-only is fine: a guest may read page tables. */
    uint32_t h;
    assert_int_equal(map_grant(domb, DOM_A, 19, RO, SLOT(0), &h), GNTST_okay);
    assert_int_equal(frame_table[20].count, 3); /* allocation, pin, mapping */
    assert_int_equal(unmap_grant(domb, h, SLOT(0)), GNTST_okay);
    assert_int_equal(unpin_table(DOM_A, 20), 0);
}

/* A granter can lend only its own frames. */
static void test_map_of_a_frame_the_granter_does_not_own_is_refused(void **state)
{
    (void)state;
    uint32_t h;
    grant(doma, 19, GTF_permit_access, DOM_C, 31);
    assert_int_equal(map_grant(domc, DOM_A, 19, RO, SLOT(0), &h), GNTST_okay); /* its grant area */
    const uint32_t not_mine[] = {
        50,          70,      99 /* free */,
        FAKE_FRAMES, 0xFFFFF, va_to_mfn(domc->grant.window[0].l1) /* the hypervisor's */};
    for (unsigned int i = 0; i < sizeof(not_mine) / sizeof(not_mine[0]); i++) {
        grant(doma, 20, GTF_permit_access, DOM_B, not_mine[i]);
        struct snapshot s;
        take_snapshot(&s);
        assert_int_equal(map_grant(domb, DOM_A, 20, RO, SLOT(0), NULL), GNTST_bad_page);
        assert_int_equal(map_grant(domb, DOM_A, 20, RW, SLOT(0), NULL), GNTST_bad_page);
        assert_frames_unchanged(&s);
        assert_nothing_mapped(domb, 20, GTF_permit_access);
    }
    assert_int_equal(unmap_grant(domc, h, SLOT(0)), GNTST_okay);
}

static void test_map_from_an_unknown_or_dying_domain_is_refused(void **state)
{
    (void)state;
    grant(doma, 21, GTF_permit_access, DOM_B, 30);
    assert_int_equal(map_grant(domb, NO_DOM, 21, RO, SLOT(0), NULL), GNTST_bad_domain);
    fake_domain_unlist(doma); /* as domain_kill() leaves it: no longer listed, dying */
    doma->state = DOM_dying;
    assert_int_equal(map_grant(domb, DOM_A, 21, RO, SLOT(0), NULL), GNTST_bad_domain);
    doma->state = DOM_running;
    assert_int_equal(map_grant(domb, DOM_A, 21, 0 /* no host_map */, SLOT(0), NULL),
                     GNTST_general_error);
    assert_nothing_mapped(domb, 21, GTF_permit_access);
}

/*
 * The hypervisor remembers the last granter other than the caller (a
 * backend maps its frontend's grants, request after request).  Once that
 * domain is destroyed its id names no domain, and then the next domain to
 * get the id: never the dead one.
 */
static void test_a_destroyed_granter_is_not_found_again_by_its_id(void **state)
{
    (void)state;
    grant(domc, 45, GTF_permit_access, DOM_B, 73);
    uint32_t h;
    assert_int_equal(map_grant(domb, DOM_C, 45, RW, SLOT(0), &h), GNTST_okay);
    assert_int_equal(unmap_grant(domb, h, SLOT(0)), GNTST_okay);
    destroy_domain(domc);
    assert_int_equal(map_grant(domb, DOM_C, 45, RW, SLOT(0), NULL), GNTST_bad_domain);

    struct domain *again = fake_domain_create(DOM_C);
    assert_int_equal(grant_table_init(again), 0);
    give_frame(70, DOM_C);
    grant(again, 45, GTF_permit_access, DOM_B, 70);
    assert_int_equal(map_grant(domb, DOM_C, 45, RW, SLOT(0), &h), GNTST_okay);
    assert_int_equal(domb->grant.window[0].l1[0] >> PAGE_SHIFT, 70);
    assert_int_equal(gflags(again, 45), GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(unmap_grant(domb, h, SLOT(0)), GNTST_okay);
    destroy_domain(again);
}

/* ---------------------------------------------------------------- host addresses and handles */

static void test_host_addr_must_be_a_free_page_of_the_grant_area(void **state)
{
    (void)state;
    grant(doma, 22, GTF_permit_access, DOM_B, 30);
    uint32_t h;
    assert_int_equal(map_grant(domb, DOM_A, 22, RO, SLOT(7), &h), GNTST_okay);
    struct snapshot s;
    take_snapshot(&s);
    const uint64_t bad[] = {
        0,
        GRANT_AREA_START - PAGE_SIZE,
        GRANT_AREA_START + GRANT_AREA_SIZE, /* the hypervisor's first page */
        0xFFFFF000u,
        SLOT(3) + 1, /* misaligned */
        SLOT(3) + 0x800,
        SLOT(7),                         /* in use */
        (1ull << 32) + GRANT_AREA_START, /* above 4 GiB: the slot number alone would fit */
    };
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (map_grant(domb, DOM_A, 22, RO, bad[i], NULL) != GNTST_bad_virt_addr)
            fail_msg("host_addr %#llx accepted", (unsigned long long)bad[i]);
    assert_frames_unchanged(&s);
    assert_int_equal(grant_maps_held(domb), 1);
    assert_int_equal(domb->grant.window[0].l1[7] >> PAGE_SHIFT, 30);
    /* The first and last pages of the area are usable. */
    uint32_t h0, hl;
    assert_int_equal(map_grant(domb, DOM_A, 22, RO, SLOT(0), &h0), GNTST_okay);
    assert_int_equal(map_grant(domb, DOM_A, 22, RO, SLOT(GRANT_AREA_SLOTS - 1), &hl), GNTST_okay);
    assert_int_equal(hl, GRANT_AREA_SLOTS - 1);
    assert_mapped(22, 30, 3, 0);
}

static void test_unmap_checks_the_handle_and_address(void **state)
{
    (void)state;
    grant(doma, 23, GTF_permit_access, DOM_B, 31);
    uint32_t h;
    assert_int_equal(map_grant(domb, DOM_A, 23, RW, SLOT(4), &h), GNTST_okay);
    struct snapshot s;
    take_snapshot(&s);
    assert_int_equal(unmap_grant(domb, 5, SLOT(5)), GNTST_bad_handle); /* never mapped */
    assert_int_equal(unmap_grant(domb, GRANT_AREA_SLOTS, 0), GNTST_bad_handle);
    assert_int_equal(unmap_grant(domb, 0xFFFFFFFFu, 0), GNTST_bad_handle);
    assert_int_equal(unmap_grant(domb, h, SLOT(5)), GNTST_bad_virt_addr); /* wrong page */
    assert_int_equal(unmap_grant(domb, h, SLOT(4) + 4), GNTST_bad_virt_addr);
    assert_int_equal(unmap_grant(domc, h, SLOT(4)), GNTST_bad_handle); /* not C's mapping */
    assert_frames_unchanged(&s);
    assert_mapped(23, 31, 0, 1);

    assert_int_equal(unmap_grant(domb, h, SLOT(4)), GNTST_okay);
    assert_mapped(23, 31, 0, 0);
    take_snapshot(&s);
    assert_int_equal(unmap_grant(domb, h, SLOT(4)), GNTST_bad_handle); /* double unmap */
    assert_frames_unchanged(&s);
    assert_mapped(23, 31, 0, 0);
}

/* Each operation of a batch has its own status; a failure does not stop the others. */
static void test_a_batch_reports_each_operation(void **state)
{
    (void)state;
    grant(doma, 24, GTF_permit_access, DOM_B, 32);
    fake_set_current(domb);
    struct gnttab_map_grant_ref *ops = fake_guest_ptr(ARG, 3 * sizeof(*ops));
    ops[0] =
        (struct gnttab_map_grant_ref){.host_addr = SLOT(0), .flags = RW, .ref = 24, .dom = DOM_A};
    ops[1] =
        (struct gnttab_map_grant_ref){.host_addr = SLOT(1), .flags = RW, .ref = 25, .dom = DOM_A};
    ops[2] =
        (struct gnttab_map_grant_ref){.host_addr = SLOT(2), .flags = RO, .ref = 24, .dom = DOM_A};
    uint64_t errors = domb->counters.hypercall_errors;
    assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, ARG, 3), 0);
    assert_int_equal(ops[0].status, GNTST_okay);
    assert_int_equal(ops[1].status, GNTST_permission_denied);
    assert_int_equal(ops[2].status, GNTST_okay);
    assert_int_equal(ops[2].handle, 2);
    assert_int_equal(domb->counters.hypercall_errors, errors + 1);
    assert_mapped(24, 32, 1, 1);

    assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, ARG, 513), -XEN_EINVAL);
    assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, 0x1000, 1), -XEN_EFAULT);
    assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, HYPERVISOR_VIRT_START, 1),
                     -XEN_EFAULT);
    assert_int_equal(do_grant_table_op(99, ARG, 1), -XEN_ENOSYS);
    assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, ARG, 0), 0);
    assert_mapped(24, 32, 1, 1);

    struct gnttab_query_size *q = fake_guest_ptr(ARG, sizeof(*q));
    *q = (struct gnttab_query_size){.dom = DOMID_SELF};
    assert_int_equal(do_grant_table_op(GNTTABOP_query_size, ARG, 1), 0);
    assert_int_equal(q->status, GNTST_okay);
    assert_int_equal(q->nr_frames, 1); /* set up so far: the first, until setup_table asks */
    assert_int_equal(q->max_nr_frames, GNTTAB_MAX_FRAMES);
}

/*
 * A batch that names several granters, as Xen's ABI allows (each operation
 * its own dom): each operation is checked against the domain it names, not
 * the one the operation before it named (what a look-up remembered from op
 * to op would get wrong).  DOM_C's ref 40 is not granted, DOM_A's is: the
 * second operation must be refused, though the first found DOM_A; an
 * unknown domain between two others is refused, and the operations after
 * it are still done, each with its own status (Xen's ABI: a failed
 * operation does not stop the batch).
 */
static void test_a_batch_checks_each_operation_against_the_granter_it_names(void **state)
{
    (void)state;
    grant(doma, 40, GTF_permit_access, DOM_B, 34);
    grant(doma, 41, GTF_permit_access, DOM_B, 35);
    grant(domc, 41, GTF_permit_access | GTF_readonly, DOM_B, 71);
    grant(doma, 42, GTF_permit_access, DOM_B, 36);
    fake_set_current(domb);
    struct gnttab_map_grant_ref *ops = fake_guest_ptr(ARG, 6 * sizeof(*ops));
    const struct {
        domid_t dom;
        grant_ref_t ref;
        uint32_t flags;
        int16_t status;
    } want[] = {{DOM_A, 40, RW, GNTST_okay}, {DOM_C, 40, RW, GNTST_permission_denied},
                {DOM_C, 41, RO, GNTST_okay}, {NO_DOM, 41, RO, GNTST_bad_domain},
                {DOM_A, 41, RW, GNTST_okay}, {DOM_A, 42, RW, GNTST_okay}};
    for (uint32_t i = 0; i < 6; i++)
        ops[i] = (struct gnttab_map_grant_ref){.host_addr = SLOT(i),
                                               .flags = want[i].flags,
                                               .ref = want[i].ref,
                                               .dom = want[i].dom,
                                               .status = 99};
    uint64_t errors = domb->counters.hypercall_errors;
    assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, ARG, 6), 0);
    for (uint32_t i = 0; i < 6; i++)
        if (ops[i].status != want[i].status)
            fail_msg("operation %u (dom %u ref %u): status %d, expected %d", i, want[i].dom,
                     want[i].ref, ops[i].status, want[i].status);
    assert_int_equal(domb->counters.hypercall_errors, errors + 2);
    assert_mapped(40, 34, 0, 1);
    assert_mapped(41, 35, 0, 1);
    assert_mapped(42, 36, 0, 1);
    assert_frame(71, 2, 0);
    assert_int_equal(domb->grant.window[0].l1[2] >> PAGE_SHIFT, 71);
    assert_int_equal(grant_maps_held(domb), 4);
}

/*
 * An unmap batch whose middle operations are bad (a handle never mapped,
 * a handle whose address names another page): each has its own status and
 * is counted, changes nothing, and the good ones around them are done, each
 * releasing the granter it mapped from (DOM_A's, then DOM_C's, then DOM_A's).
 */
static void test_an_unmap_batch_with_bad_operations_in_the_middle(void **state)
{
    (void)state;
    grant(doma, 43, GTF_permit_access, DOM_B, 37);
    grant(domc, 43, GTF_permit_access, DOM_B, 72);
    grant(doma, 44, GTF_permit_access | GTF_readonly, DOM_B, 38);
    uint32_t h[3];
    assert_int_equal(map_grant(domb, DOM_A, 43, RW, SLOT(0), &h[0]), GNTST_okay);
    assert_int_equal(map_grant(domb, DOM_C, 43, RW, SLOT(1), &h[1]), GNTST_okay);
    assert_int_equal(map_grant(domb, DOM_A, 44, RO, SLOT(2), &h[2]), GNTST_okay);
    fake_set_current(domb);
    struct gnttab_unmap_grant_ref *ops = fake_guest_ptr(ARG, 5 * sizeof(*ops));
    ops[0] = (struct gnttab_unmap_grant_ref){.host_addr = SLOT(0), .handle = h[0], .status = 99};
    ops[1] = (struct gnttab_unmap_grant_ref){.host_addr = SLOT(7), .handle = 7, .status = 99};
    ops[2] = (struct gnttab_unmap_grant_ref){.host_addr = SLOT(2), .handle = h[1], .status = 99};
    ops[3] = (struct gnttab_unmap_grant_ref){.host_addr = SLOT(1), .handle = h[1], .status = 99};
    ops[4] = (struct gnttab_unmap_grant_ref){.host_addr = 0, .handle = h[2], .status = 99};
    uint64_t errors = domb->counters.hypercall_errors;
    assert_int_equal(do_grant_table_op(GNTTABOP_unmap_grant_ref, ARG, 5), 0);
    assert_int_equal(ops[0].status, GNTST_okay);
    assert_int_equal(ops[1].status, GNTST_bad_handle);
    assert_int_equal(ops[2].status, GNTST_bad_virt_addr);
    assert_int_equal(ops[3].status, GNTST_okay);
    assert_int_equal(ops[4].status, GNTST_okay);
    assert_int_equal(domb->counters.hypercall_errors, errors + 2);
    assert_mapped(43, 37, 0, 0);
    assert_mapped(44, 38, 0, 0);
    assert_frame(72, 1, 0);
    assert_int_equal(gflags(domc, 43), GTF_permit_access);
    assert_int_equal(grant_maps_held(domb), 0);
    for (uint32_t i = 0; i < 3; i++)
        if (!fake_invlpg_seen((uint32_t)SLOT(i)))
            fail_msg("slot %u unmapped without its TLB entry flushed", i);
}

/* ---------------------------------------------------------------- destruction */

/*
 * The granter dies while its frame is mapped: the frame keeps its references
 * and its contents, and is freed exactly when the last mapping goes.
 */
static void test_a_mapped_frame_survives_the_granter_and_is_freed_at_the_last_unmap(void **state)
{
    (void)state;
    grant(doma, 26, GTF_permit_access, DOM_B, 33);
    grant(doma, 27, GTF_permit_access | GTF_readonly, DOM_C, 33);
    bytes(33)[100] = 0x5A;
    uint32_t hb, hc;
    assert_int_equal(map_grant(domb, DOM_A, 26, RW, SLOT(0), &hb), GNTST_okay);
    assert_int_equal(map_grant(domc, DOM_A, 27, RO, SLOT(0), &hc), GNTST_okay);
    unsigned int heap = fake_xenheap_in_use();

    destroy_domain(doma);
    /* Its shared frame and the page of pin records refs 26 and 27 needed. */
    assert_int_equal(fake_xenheap_in_use(), heap - 2);
    for (uint32_t mfn = 30; mfn < 40; mfn++)
        if (mfn != 33 && !fake_was_freed(mfn))
            fail_msg("frame %u of the dead granter was not freed", mfn);
    assert_false(fake_was_freed(33));
    assert_frame(33, 2, 1); /* just the two mappings */
    assert_int_equal(frame_table[33].owner, DOM_A);
    assert_int_equal(bytes(33)[100], 0x5A);
    assert_int_equal(domb->grant.window[0].l1[0] >> PAGE_SHIFT, 33);

    /* Nothing more can be mapped from it. */
    assert_int_equal(map_grant(domb, DOM_A, 26, RW, SLOT(1), NULL), GNTST_bad_domain);

    assert_int_equal(unmap_grant(domb, hb, SLOT(0)), GNTST_okay);
    assert_false(fake_was_freed(33));
    assert_frame(33, 1, 0);
    unsigned int frees = fake_frees();
    assert_int_equal(unmap_grant(domc, hc, SLOT(0)), GNTST_okay);
    assert_true(fake_was_freed(33));
    assert_int_equal(fake_frees(), frees + 1);
    assert_int_equal(frame_table[33].owner, DOMID_FREE);
    assert_int_equal(grant_maps_held(domb) + grant_maps_held(domc), 0);
}

/* The mapper dies: every mapping it held is released, and the granter's entries are free again. */
static void test_mapper_destruction_releases_all_its_mappings(void **state)
{
    (void)state;
    grant(doma, 28, GTF_permit_access, DOM_B, 34);
    grant(doma, 29, GTF_permit_access | GTF_readonly, DOM_B, 35);
    grant(domc, 8, GTF_permit_access, DOM_B, 71);
    assert_int_equal(map_grant(domb, DOM_A, 28, RW, SLOT(0), NULL), GNTST_okay);
    assert_int_equal(map_grant(domb, DOM_A, 28, RO, SLOT(1), NULL), GNTST_okay);
    assert_int_equal(map_grant(domb, DOM_A, 29, RO, SLOT(2), NULL), GNTST_okay);
    assert_int_equal(map_grant(domb, DOM_C, 8, RW, SLOT(900), NULL), GNTST_okay);
    /* And the granter keeps a mapping of its own grant to someone else. */
    grant(doma, 30, GTF_permit_access, DOM_C, 34);
    uint32_t hc;
    assert_int_equal(map_grant(domc, DOM_A, 30, RW, SLOT(0), &hc), GNTST_okay);

    destroy_domain(domb);
    assert_pins(doma, 28, 0, 0); /* B's pins on A's and C's entries are gone */
    assert_pins(doma, 29, 0, 0);
    assert_pins(domc, 8, 0, 0);
    assert_pins(doma, 30, 0, 1);
    assert_frame(35, 1, 0);
    assert_frame(71, 1, 0);
    assert_frame(34, 2, 1); /* only C's mapping is left */
    for (uint32_t mfn = 50; mfn < 60; mfn++)
        assert_true(fake_was_freed(mfn));
    assert_int_equal(unmap_grant(domc, hc, SLOT(0)), GNTST_okay);
    assert_frame(34, 1, 0);
}

/* ---------------------------------------------------------------- copy */

static void test_copy_between_grants_and_local_frames(void **state)
{
    (void)state;
    grant(doma, 31, GTF_permit_access | GTF_readonly, DOM_B, 36);
    grant(doma, 32, GTF_permit_access, DOM_B, 37);
    for (int i = 0; i < 4096; i++)
        bytes(36)[i] = (uint8_t)(i * 7);
    struct snapshot s;
    take_snapshot(&s);

    /* From A's read-only grant into B's own frame, with offsets. */
    struct gnttab_copy c = {.source = gref(DOM_A, 31, 100),
                            .dest = local(51, 2000),
                            .len = 300,
                            .flags = GNTCOPY_source_gref};
    assert_int_equal(copy_op(domb, c), GNTST_okay);
    for (int i = 0; i < 300; i++)
        assert_int_equal(bytes(51)[2000 + i], (uint8_t)((100 + i) * 7));
    assert_int_equal(bytes(51)[1999], 0);
    assert_int_equal(bytes(51)[2300], 0);

    /* From B's frame into A's writable grant, reaching the last byte of the page. */
    c = (struct gnttab_copy){.source = local(51, 2000),
                             .dest = gref(DOM_A, 32, 3796),
                             .len = 300,
                             .flags = GNTCOPY_dest_gref};
    assert_int_equal(copy_op(domb, c), GNTST_okay);
    assert_int_equal(bytes(37)[4095], (uint8_t)(399 * 7));

    /* Grant to grant, and a zero-length copy. */
    c = (struct gnttab_copy){.source = gref(DOM_A, 31, 0),
                             .dest = gref(DOM_A, 32, 0),
                             .len = 4096,
                             .flags = GNTCOPY_source_gref | GNTCOPY_dest_gref};
    assert_int_equal(copy_op(domb, c), GNTST_okay);
    assert_memory_equal(bytes(36), bytes(37), 4096);
    c.len = 0;
    c.source.offset = c.dest.offset = 4096;
    assert_int_equal(copy_op(domb, c), GNTST_okay);

    /* A copy takes no lasting reference, and no pin. */
    assert_frames_unchanged(&s);
    assert_int_equal(gflags(doma, 31), GTF_permit_access | GTF_readonly);
    assert_int_equal(gflags(doma, 32), GTF_permit_access);
    assert_int_equal(fake_mappings_outstanding(), 0);
}

static void test_copy_refusals_leave_counts_unchanged(void **state)
{
    (void)state;
    grant(doma, 33, GTF_permit_access | GTF_readonly, DOM_B, 38);
    grant(doma, 34, GTF_permit_access, DOM_C, 39);
    assert_int_equal(pin_table(DOM_B, 21, PGT_l1), 0);
    memset(bytes(52), 0xCC, 4096);
    struct snapshot s;
    take_snapshot(&s);
    const struct {
        struct gnttab_copy c;
        int16_t status;
    } cases[] = {
        /* offsets and lengths past the page */
        {{local(50, 4000), local(52, 0), 97, 0, 0, 0}, GNTST_bad_copy_arg},
        {{local(50, 0), local(52, 4000), 97, 0, 0, 0}, GNTST_bad_copy_arg},
        {{local(50, 4096), local(52, 0), 1, 0, 0, 0}, GNTST_bad_copy_arg},
        {{local(50, 0), local(52, 0), 4097, 0, 0, 0}, GNTST_bad_copy_arg},
        {{local(50, 0xFFFF), local(52, 0), 0xFFFF, 0, 0, 0}, GNTST_bad_copy_arg},
        /* writing through a read-only grant, or a grant for someone else */
        {{local(50, 0), gref(DOM_A, 33, 0), 16, GNTCOPY_dest_gref, 0, 0}, GNTST_permission_denied},
        {{gref(DOM_A, 34, 0), local(52, 0), 16, GNTCOPY_source_gref, 0, 0},
         GNTST_permission_denied},
        {{gref(DOM_A, NR_GRANT_ENTRIES, 0), local(52, 0), 16, GNTCOPY_source_gref, 0, 0},
         GNTST_bad_gntref},
        {{gref(NO_DOM, 33, 0), local(52, 0), 16, GNTCOPY_source_gref, 0, 0}, GNTST_bad_domain},
        /* frames the caller does not own, and its own page table as a destination */
        {{local(30, 0), local(52, 0), 16, 0, 0, 0}, GNTST_bad_page},
        {{local(50, 0), local(70, 0), 16, 0, 0, 0}, GNTST_bad_page},
        {{local(50, 0), local(21, 0), 16, 0, 0, 0}, GNTST_bad_page},
        {{local(FAKE_FRAMES, 0), local(52, 0), 16, 0, 0, 0}, GNTST_bad_page},
        /* the source was fine, the destination is not: the source's reference is given back */
        {{gref(DOM_A, 33, 0), local(21, 0), 16, GNTCOPY_source_gref, 0, 0}, GNTST_bad_page},
        {{local(50, 0), gref(DOM_A, 34, 0), 16, GNTCOPY_dest_gref, 0, 0}, GNTST_permission_denied},
    };
    for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int16_t st = copy_op(domb, cases[i].c);
        if (st != cases[i].status)
            fail_msg("copy case %u: status %d, expected %d", i, st, cases[i].status);
        assert_frames_unchanged(&s);
    }
    for (int i = 0; i < 4096; i++)
        assert_int_equal(bytes(52)[i], 0xCC);
    /* Reading its own page table is allowed. */
    struct gnttab_copy ok = {local(21, 0), local(52, 0), 16, 0, 0, 0};
    assert_int_equal(copy_op(domb, ok), GNTST_okay);
    assert_frames_unchanged(&s);
    assert_int_equal(fake_mappings_outstanding(), 0);
    assert_int_equal(unpin_table(DOM_B, 21), 0);
}

/* The domain builder's grant of the console page to dom0. */
static void test_gnttab_grant_to_dom0(void **state)
{
    (void)state;
    struct domain *dom0 = fake_domain_create(0);
    assert_int_equal(grant_table_init(dom0), 0);
    gnttab_grant_to_dom0(doma, GNTTAB_RESERVED_CONSOLE, 39);
    assert_int_equal(map_grant(domb, DOM_A, GNTTAB_RESERVED_CONSOLE, RW, SLOT(0), NULL),
                     GNTST_permission_denied);
    uint32_t h;
    assert_int_equal(map_grant(dom0, DOM_A, GNTTAB_RESERVED_CONSOLE, RW, SLOT(0), &h), GNTST_okay);
    assert_frame(39, 2, 1);
    assert_int_equal(unmap_grant(dom0, h, SLOT(0)), GNTST_okay);
    assert_frame(39, 1, 0);
    grant_table_destroy(dom0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_grant_table_init_and_setup_table),
        T(test_a_grant_area_window_comes_with_its_first_mapping),
        T(test_map_read_only_and_unmap),
        T(test_map_writable_and_unmap),
        T(test_maps_and_unmaps_in_every_order_return_every_count),
        T(test_pins_are_per_entry_and_counts_per_frame),
        T(test_a_pinned_entry_keeps_its_frame),
        T(test_map_of_a_revoked_or_invalid_entry_is_refused),
        T(test_map_of_an_entry_granted_to_another_domain_is_refused),
        T(test_read_only_grant_mapped_writable_is_refused),
        T(test_writable_map_of_a_page_table_is_refused),
        T(test_map_of_a_frame_the_granter_does_not_own_is_refused),
        T(test_map_from_an_unknown_or_dying_domain_is_refused),
        T(test_a_destroyed_granter_is_not_found_again_by_its_id),
        T(test_host_addr_must_be_a_free_page_of_the_grant_area),
        T(test_unmap_checks_the_handle_and_address),
        T(test_a_batch_reports_each_operation),
        T(test_a_batch_checks_each_operation_against_the_granter_it_names),
        T(test_an_unmap_batch_with_bad_operations_in_the_middle),
        T(test_a_mapped_frame_survives_the_granter_and_is_freed_at_the_last_unmap),
        T(test_mapper_destruction_releases_all_its_mappings),
        T(test_copy_between_grants_and_local_frames),
        T(test_copy_refusals_leave_counts_unchanged),
        T(test_gnttab_grant_to_dom0),
    };
#undef T
    return cmocka_run_group_tests_name("grant", tests, NULL, NULL);
}
