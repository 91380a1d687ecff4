/*
 * frame_alloc.c - the machine-frame allocator.
 *
 * Free frames are those the frame table marks as owned by DOMID_FREE.  Guest
 * memory (the "domain heap") is taken from the top of memory down, so the
 * bottom 48 MiB, which the hypervisor can reach through its direct map, stays
 * available for the hypervisor's own structures (the "xen heap").  A frame is
 * scrubbed before it is handed to a domain, so no domain ever sees another's
 * data.
 *
 * A frame can outlive its owner: if another domain still maps it through a
 * grant when its owner is destroyed, it keeps the owner's id until that last
 * reference goes.  Such frames are counted per id (frame_orphan()), and the
 * id is not given to a new domain while any remain (hv/domctl.c), so a stale
 * frame can never pass an ownership check as the new domain's.
 *
 * Tour 9/37 - after arch/x86/desc.c, before arch/x86/i8259.c.
 */
#include <lib.h>
#include <hv/console.h>
#include <hv/mm.h>

struct page_info *frame_table;
uint32_t max_page;
static uint32_t nr_free, nr_total;
static uint32_t high_hint;           /* no free frame above this one */
static uint32_t orphans[DOMID_SELF]; /* per destroyed domain id: its frames still referenced */

void page_alloc_init(void)
{
    for (uint32_t i = 0; i < max_page; i++) {
        frame_table[i] = (struct page_info){0};
        frame_table[i].owner = DOMID_IO;
    }
    nr_free = nr_total = 0;
    high_hint = 0;
}

void page_alloc_add_range(uint32_t first, uint32_t nr)
{
    for (uint32_t mfn = first; mfn < first + nr && mfn < max_page; mfn++) {
        if (mfn == 0 || frame_table[mfn].owner == DOMID_FREE)
            continue;
        frame_table[mfn].owner = DOMID_FREE;
        nr_free++;
        nr_total++;
        if (mfn > high_hint)
            high_hint = mfn;
    }
}

void free_frame(uint32_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);
    if ((pg->flags & PGF_orphan) && pg->owner < DOMID_SELF)
        orphans[pg->owner]--;
    pg->owner = DOMID_FREE;
    pg->type = PGT_none;
    pg->type_count = 0;
    pg->count = 0;
    pg->flags &= PGF_tlb_stale;
    nr_free++;
    if (mfn > high_hint)
        high_hint = mfn;
}

void frame_orphan(uint32_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->owner >= DOMID_SELF || (pg->flags & PGF_orphan))
        return;
    pg->flags |= PGF_orphan;
    orphans[pg->owner]++;
}

uint32_t orphan_frames(domid_t owner)
{
    return owner < DOMID_SELF ? orphans[owner] : 0;
}

void assign_frame(uint32_t mfn, domid_t owner)
{
    struct page_info *pg = mfn_to_page(mfn);
    pg->owner = owner;
    pg->count = 1;
    pg->flags = (pg->flags & PGF_tlb_stale) | PGF_allocated;
    nr_free--;
}

uint32_t alloc_domheap_page(domid_t owner)
{
    for (uint32_t mfn = high_hint; mfn > 0; mfn--) {
        if (frame_table[mfn].owner != DOMID_FREE)
            continue;
        high_hint = mfn;
        assign_frame(mfn, owner);
        void *p = map_domain_page(mfn);
        memset(p, 0, PAGE_SIZE);
        unmap_domain_page(p);
        return mfn;
    }
    return 0;
}

void *alloc_xenheap_pages(unsigned int nr)
{
    uint32_t run = 0;
    for (uint32_t mfn = 1; mfn < MIN(max_page, DIRECTMAP_FRAMES); mfn++) {
        run = frame_table[mfn].owner == DOMID_FREE ? run + 1 : 0;
        if (run < nr)
            continue;
        uint32_t first = mfn + 1 - nr;
        for (uint32_t i = first; i <= mfn; i++)
            assign_frame(i, DOMID_XEN);
        void *p = mfn_to_va(first);
        memset(p, 0, nr * PAGE_SIZE);
        return p;
    }
    return NULL;
}

void free_xenheap_pages(void *va, unsigned int nr)
{
    if (!va)
        return;
    uint32_t first = va_to_mfn(va);
    for (uint32_t i = 0; i < nr; i++)
        free_frame(first + i);
}

uint32_t free_page_count(void)
{
    return nr_free;
}

uint32_t total_page_count(void)
{
    return nr_total;
}
