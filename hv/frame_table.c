/*
 * frame_table.c - the frame table's reference counts and the page-table validation
 * rules: the heart of memory isolation in a direct-paging hypervisor.
 *
 * Guests build their own page tables out of their own frames and hand them to
 * the hypervisor.  Before a frame is used as a page table, every entry in it
 * is checked (validate_l1/validate_l2) and a reference is taken on everything
 * it maps; while it is a page table, the guest can change it only through
 * pt_update, which checks the new entry the same way.  Three invariants follow:
 *
 *   1. a guest maps only frames it owns;
 *   2. a frame is never at once a page table and writable by a guest
 *      (its type can change only when type_count is zero);
 *   3. a guest page directory never reaches the hypervisor's slots (>= 1007:
 *      its grant area and the hypervisor), which the hypervisor fills in itself.
 *
 * This file has no hardware dependencies: it reaches memory only through
 * map_domain_page, so the unit tests run it on the host against fake frames.
 *
 * Tour 29/37 - after hv/sched_op.c, before hv/pt_hypercalls.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <hv/domain.h>
#include <hv/mm.h>

static void devalidate(uint32_t mfn, enum page_type type);

/*
 * The one place a frame's type changes between kinds (with its type_count): a frame that
 * becomes a page directory goes to the head of its owner's page_list and one that stops being
 * one to the tail (include/hv/mm.h), so the directories lead the list whoever changes a type,
 * and set_hv_l2_slot() can stop at the first other frame.  The other writers of a type never
 * make or unmake a directory: get_writable_type() claims one only from PGT_none (a frame with
 * no type references: this function left it so), free_frame() resets a frame already off its
 * list, and frame_page_take() types a frame with no type references that it took off the list.
 */
static void set_page_type(struct page_info *pg, enum page_type type, uint32_t type_count)
{
    int was_l2 = pg->type == PGT_l2, is_l2 = type == PGT_l2;
    pg->type = type;
    pg->type_count = type_count;
    if (was_l2 != is_l2)
        l2_type_changed(page_to_mfn(pg), is_l2);
}

/* An L1 entry's references: the frame it maps, and the writable type if RW.  Inline, with
 * its two references: validating an L1 is 1024 of these, and their calls were most of it. */
static inline __attribute__((always_inline)) int get_l1e(uint32_t e, domid_t d)
{
    if (!(e & _PAGE_PRESENT))
        return 0;
    if (e & L1_DISALLOW_MASK)
        return -XEN_EINVAL;
    int rc = get_page(PTE_MFN(e), d);
    if (rc)
        return rc;
    if (e & _PAGE_RW) {
        rc = get_writable_type(mfn_to_page(PTE_MFN(e)));
        if (rc)
            put_page(PTE_MFN(e));
    }
    return rc;
}

static void put_l1e(uint32_t e)
{
    if (!(e & _PAGE_PRESENT))
        return;
    if (e & _PAGE_RW)
        put_page_type(PTE_MFN(e));
    put_page(PTE_MFN(e));
}

/* An L2 entry's references: the L1 table it points to, validated as one. */
static int get_l2e(uint32_t e, domid_t d)
{
    if (!(e & _PAGE_PRESENT))
        return 0;
    if (e & L2_DISALLOW_MASK)
        return -XEN_EINVAL;
    return get_page_and_type(PTE_MFN(e), d, PGT_l1);
}

static void put_l2e(uint32_t e)
{
    if (e & _PAGE_PRESENT)
        put_page_and_type(PTE_MFN(e));
}

static int validate_l1(uint32_t mfn, domid_t d)
{
    uint32_t *pt = map_domain_page(mfn);
    int rc = 0;
    unsigned int i;
    for (i = 0; i < 1024 && rc == 0; i++)
        rc = get_l1e(pt[i], d);
    if (rc)
        while (--i > 0)
            put_l1e(pt[i - 1]);
    unmap_domain_page(pt);
    return rc;
}

static int validate_l2(uint32_t mfn, domid_t d)
{
    uint32_t *pt = map_domain_page(mfn);
    int rc = 0;
    unsigned int i;
    for (i = 0; i < GUEST_L2_SLOTS && rc == 0; i++)
        rc = get_l2e(pt[i], d);
    if (rc)
        while (--i > 0)
            put_l2e(pt[i - 1]);
    else
        install_hv_l2_slots(pt, d);
    unmap_domain_page(pt);
    return rc;
}

/* A hypervisor slot of every page directory `owner` has validated now holds `l2e` (a grant
 * area taken after the directories were: hv/grant_table.c); guest roots that copy one follow. */
void set_hv_l2_slot(struct domain *owner, unsigned int idx, uint32_t l2e)
{
    struct page_list *head = &owner->page_list;
    for (struct page_info *pg = page_list_next(head, head); pg && pg->type == PGT_l2;
         pg = page_list_next(head, &pg->list)) { /* the directories lead the list */
        uint32_t mfn = page_to_mfn(pg);
        uint32_t *pt = map_domain_page(mfn);
        pt[idx] = l2e;
        unmap_domain_page(pt);
        l2_entry_changed(mfn, idx);
    }
}

/* Destroying `d`: each frame off its list, its allocation reference dropped (hv/domain.c). */
int release_domain_frames(struct domain *d, uint32_t budget)
{
    for (uint32_t used = 0; !page_list_empty(&d->page_list) && used < budget; used += 4) {
        struct page_info *pg = page_of_link(d->page_list.next);
        uint32_t mfn = page_to_mfn(pg);
        page_list_del(pg);
        if (pg->flags & PGF_allocated) {
            pg->flags &= ~PGF_allocated;
            put_page(mfn);
        }
        if (pg->owner == d->domain_id)
            frame_orphan(mfn); /* someone still maps it: keep its id out of use */
    }
    return page_list_empty(&d->page_list);
}

/* Drop the references a page table's entries held; it is becoming untyped. */
static void devalidate(uint32_t mfn, enum page_type type)
{
    uint32_t *pt = map_domain_page(mfn);
    if (type == PGT_l1)
        for (unsigned int i = 0; i < 1024; i++)
            put_l1e(pt[i]);
    else
        for (unsigned int i = 0; i < GUEST_L2_SLOTS; i++)
            put_l2e(pt[i]);
    unmap_domain_page(pt);
}

/*
 * Take a reference of `type`.  The first reference of a page-table type
 * validates the frame's contents; the type is claimed before validating so a
 * table cannot map itself writable while it is being checked.
 */
int get_page_type(uint32_t mfn, enum page_type type)
{
    struct page_info *pg = mfn_to_page(mfn);
    /* The hypervisor writes a shared xenheap page (shared_info): never let it be a page table. */
    if ((type == PGT_l1 || type == PGT_l2) && (pg->flags & PGF_xenheap))
        return -XEN_EPERM;
    if (type == PGT_writable)
        return get_writable_type(pg);
    if (pg->flags & PGF_partial)
        return -XEN_EBUSY; /* half way through a preemptible pin or unpin */
    if (pg->type_count > 0) {
        if (pg->type != type)
            return -XEN_EBUSY;
        if (pg->type_count == UINT32_MAX)
            return -XEN_EBUSY;
        pg->type_count++;
        return 0;
    }
    if ((type == PGT_l1 || type == PGT_l2) && (pg->flags & PGF_tlb_stale)) {
        mm_flush_tlb(); /* no stale writable TLB entry may outlive the type change */
        pg->flags &= ~PGF_tlb_stale;
    }
    set_page_type(pg, type, 1);
    int rc = 0;
    if (type == PGT_l1)
        rc = validate_l1(mfn, pg->owner);
    else if (type == PGT_l2)
        rc = validate_l2(mfn, pg->owner);
    if (rc)
        set_page_type(pg, PGT_none, 0);
    return rc;
}

/* The last reference of a frame's type went (include/hv/mm.h: put_page_type()). */
void page_type_released(uint32_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);
    enum page_type old = pg->type;
    set_page_type(pg, PGT_none, 0);
    if (old == PGT_writable)
        pg->flags |= PGF_tlb_stale;
    else if (old == PGT_l1 || old == PGT_l2)
        devalidate(mfn, old);
}

int get_page_and_type(uint32_t mfn, domid_t d, enum page_type type)
{
    int rc = get_page(mfn, d);
    if (rc)
        return rc;
    rc = get_page_type(mfn, type);
    if (rc)
        put_page(mfn);
    return rc;
}

void put_page_and_type(uint32_t mfn)
{
    put_page_type(mfn);
    put_page(mfn);
}

/* Replace entry `idx` of a page table, taking the new entry's references first. */
static int update_table_entry(domid_t d, uint32_t mfn, enum page_type type, unsigned int idx,
                              uint32_t val)
{
    if (type == PGT_l2 && idx >= GUEST_L2_SLOTS)
        return -XEN_EPERM;
    uint32_t *pt = map_domain_page(mfn);
    uint32_t old = pt[idx];
    int rc = type == PGT_l1 ? get_l1e(val, d) : get_l2e(val, d);
    if (rc == 0) {
        pt[idx] = val;
        if (type == PGT_l1)
            put_l1e(old);
        else {
            put_l2e(old);
            l2_entry_changed(mfn, idx);
        }
    }
    unmap_domain_page(pt);
    return rc;
}

/*
 * One MMU_NORMAL_PT_UPDATE: write `val` at machine address `ptr`.  If the
 * frame is a validated page table the entry is checked; otherwise it is an
 * ordinary write, allowed only if the frame could be mapped writable.
 */
int pt_update(domid_t d, uint64_t ptr, uint32_t val)
{
    if (ptr >> 32 || (ptr & 3))
        return -XEN_EINVAL;
    uint32_t mfn = (uint32_t)(ptr >> PAGE_SHIFT);
    unsigned int idx = ((uint32_t)ptr & (PAGE_SIZE - 1)) >> 2;
    int rc = get_page(mfn, d);
    if (rc)
        return rc;
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->flags & PGF_partial) {
        rc = -XEN_EBUSY; /* its entries are half (in)validated */
    } else if (pg->type_count > 0 && (pg->type == PGT_l1 || pg->type == PGT_l2)) {
        rc = update_table_entry(d, mfn, pg->type, idx, val);
    } else {
        rc = get_page_type(mfn, PGT_writable);
        if (rc == 0) {
            uint32_t *p = map_domain_page(mfn);
            p[idx] = val;
            unmap_domain_page(p);
            put_page_type(mfn);
        }
    }
    put_page(mfn);
    return rc;
}

/*
 * Preemptible L2 pins and unpins.  The L2 is marked PGF_partial while the work
 * is under way: its type is claimed (nobody can map it writable or use it as
 * another type) but it is neither pinned nor usable as a page directory, and
 * updates to its entries are refused (-EBUSY), so the half-(in)validated table
 * is never trusted.  One step handles at most `budget` L2 entries, each of
 * which may (in)validate one L1 of 1024 entries.
 */

/* Finish an operation's bookkeeping once its last entry is done. */
static int pt_progress_done(domid_t d, struct pt_progress *p, uint32_t *pt)
{
    struct page_info *pg = mfn_to_page(p->mfn);
    int rc = 0;
    pg->flags &= ~PGF_partial;
    if (p->op == PT_PIN) {
        install_hv_l2_slots(pt, d);
        pg->flags |= PGF_pinned;
    } else { /* PT_UNDO or PT_UNPIN: the table is untyped again; drop the pin's reference */
        set_page_type(pg, PGT_none, 0);
        rc = p->op == PT_UNDO ? p->error : 0;
    }
    p->op = PT_IDLE;
    return rc;
}

/* Work on `p` for at most `budget` L2 entries: 0 done, MM_RESTART to go on, or the pin's error. */
/* What an L2 entry costs a step's budget, in 1/MM_L2_EMPTY_PER_ENTRY of an entry. */
static uint32_t l2e_cost(uint32_t e)
{
    return (e & _PAGE_PRESENT) ? MM_L2_EMPTY_PER_ENTRY : 1;
}

/* Pass the empty slots from *next on, at most `units` of them (each costs one), in a tight loop:
 * a tiny domain's directory is 1,007 slots of which a few are present.  Returns how many. */
static uint32_t skip_empty_l2es(const uint32_t *pt, uint16_t *next, uint64_t units)
{
    uint32_t n = *next, end = (uint32_t)MIN((uint64_t)GUEST_L2_SLOTS, n + units);
    while (n < end && !(pt[n] & _PAGE_PRESENT))
        n++;
    uint32_t passed = n - *next;
    *next = (uint16_t)n;
    return passed;
}

static int pt_progress_step(domid_t d, struct pt_progress *p, unsigned int budget)
{
    uint32_t mfn = p->mfn;
    uint32_t *pt = map_domain_page(mfn);
    int finished = 0, rc = 0;
    uint64_t units = (uint64_t)budget * MM_L2_EMPTY_PER_ENTRY;
    for (uint32_t cost = 1; units > 0 && !finished; units -= MIN(units, cost), cost = 1) {
        if ((p->op == PT_PIN || p->op == PT_UNPIN) && p->next < GUEST_L2_SLOTS &&
            !(pt[p->next] & _PAGE_PRESENT)) {
            cost = skip_empty_l2es(pt, &p->next, units); /* nothing to take or drop */
        } else if (p->op == PT_PIN && p->next < GUEST_L2_SLOTS) {
            cost = l2e_cost(pt[p->next]);
            int e = get_l2e(pt[p->next], d);
            if (e) {
                p->op = PT_UNDO; /* roll back entries [0, next) */
                p->error = (int16_t)e;
            } else {
                p->next++;
            }
        } else if (p->op == PT_UNDO && p->next > 0) {
            cost = l2e_cost(pt[p->next - 1]);
            put_l2e(pt[--p->next]);
        } else if (p->op == PT_UNPIN && p->next < GUEST_L2_SLOTS) {
            cost = l2e_cost(pt[p->next]);
            put_l2e(pt[p->next++]);
        } else {
            rc = pt_progress_done(d, p, pt);
            finished = 1;
        }
    }
    unmap_domain_page(pt);
    if (!finished)
        return MM_RESTART;
    if (mfn_to_page(mfn)->type_count == 0)
        put_page(mfn); /* an undone pin or a finished unpin: the pin's general reference */
    return rc;
}

/* Claim the L2 type on a frame with no type references, as get_page_type() does. */
static int claim_l2(struct page_info *pg)
{
    if (pg->flags & PGF_xenheap)
        return -XEN_EPERM;
    if (pg->flags & PGF_tlb_stale) {
        mm_flush_tlb();
        pg->flags &= ~PGF_tlb_stale;
    }
    set_page_type(pg, PGT_l2, 1);
    pg->flags |= PGF_partial;
    return 0;
}

int pin_l2_preemptible(domid_t d, uint32_t mfn, struct pt_progress *p, unsigned int budget)
{
    if (p->op != PT_IDLE) /* a continuation: only of the same work */
        return p->mfn == mfn && p->op != PT_UNPIN ? pt_progress_step(d, p, budget) : -XEN_EBUSY;
    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->owner != d)
        return -XEN_EPERM;
    if (pg->flags & (PGF_pinned | PGF_partial))
        return (pg->flags & PGF_partial) ? -XEN_EBUSY : -XEN_EINVAL;
    int rc = get_page(mfn, d);
    if (rc)
        return rc;
    if (pg->type_count > 0) { /* already a validated L2 (a page directory in use): just pin it */
        if (pg->type != PGT_l2 || pg->type_count == UINT32_MAX) {
            put_page(mfn);
            return -XEN_EBUSY;
        }
        pg->type_count++;
        pg->flags |= PGF_pinned;
        return 0;
    }
    if ((rc = claim_l2(pg))) {
        put_page(mfn);
        return rc;
    }
    *p = (struct pt_progress){.mfn = mfn, .next = 0, .op = PT_PIN};
    return pt_progress_step(d, p, budget);
}

/*
 * Drop one type reference of an L2 (a pin's, or the one CR3 held).  If it is
 * the last, the table is released in steps like an unpin: MM_RESTART until the
 * last entry is done, with `p` remembering where it stopped.
 */
int release_l2_preemptible(domid_t d, uint32_t mfn, struct pt_progress *p, unsigned int budget)
{
    if (p->op != PT_IDLE)
        return p->mfn == mfn && p->op == PT_UNPIN ? pt_progress_step(d, p, budget) : -XEN_EBUSY;
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->type != PGT_l2 || pg->type_count > 1) { /* nothing long: an L1, or an L2 still in use */
        put_page_and_type(mfn);
        return 0;
    }
    pg->flags |= PGF_partial;
    *p = (struct pt_progress){.mfn = mfn, .next = 0, .op = PT_UNPIN};
    return pt_progress_step(d, p, budget);
}

int unpin_preemptible(domid_t d, uint32_t mfn, struct pt_progress *p, unsigned int budget)
{
    if (p->op != PT_IDLE)
        return p->mfn == mfn && p->op == PT_UNPIN ? pt_progress_step(d, p, budget) : -XEN_EBUSY;
    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->owner != d)
        return -XEN_EPERM;
    if (!(pg->flags & PGF_pinned))
        return -XEN_EINVAL;
    pg->flags &= ~PGF_pinned;
    return release_l2_preemptible(d, mfn, p, budget);
}

int pt_progress_abandon(domid_t d, struct pt_progress *p, unsigned int budget)
{
    if (p->op == PT_PIN) {
        p->op = PT_UNDO;
        p->error = -XEN_EINVAL;
    }
    return p->op == PT_IDLE ? 0 : pt_progress_step(d, p, budget) == MM_RESTART ? MM_RESTART : 0;
}

int pin_table(domid_t d, uint32_t mfn, enum page_type type)
{
    if (type == PGT_l2) {
        struct pt_progress p = {0};
        return pin_l2_preemptible(d, mfn, &p, UINT32_MAX);
    }
    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->owner != d)
        return -XEN_EPERM;
    if (pg->flags & PGF_pinned)
        return -XEN_EINVAL;
    int rc = get_page_and_type(mfn, d, type);
    if (rc == 0)
        pg->flags |= PGF_pinned;
    return rc;
}

int unpin_table(domid_t d, uint32_t mfn)
{
    struct pt_progress p = {0};
    return unpin_preemptible(d, mfn, &p, UINT32_MAX);
}

int machphys_update(domid_t d, uint32_t mfn, uint32_t pfn)
{
    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->owner != d || pg->count == 0)
        return -XEN_EPERM;
    pg->pfn = pfn;
    return 0;
}
