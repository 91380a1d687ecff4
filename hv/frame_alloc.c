/*
 * frame_alloc.c - the machine-frame allocator.
 *
 * Free frames are those the frame table marks as owned by DOMID_FREE.  Guest
 * memory (the "domain heap") is taken from the top of memory down, so the
 * bottom 48 MiB, which the hypervisor can reach through its direct map, stays
 * available for the hypervisor's own structures (the "xen heap").
 *
 * No domain may ever see another's data, so every free frame is either clean
 * (known to hold zeros) or dirty (PGF_dirty: it may hold what its last owner,
 * or whatever ran before the hypervisor, left there).  Freed frames and all
 * of memory at boot start dirty; the idle loop scrubs them, a batch at a time
 * from the top of memory down (scrub_free_frames(), as Xen's idle scrubber
 * does), and a domain's frames are taken clean when there are clean ones -
 * so building a domain costs no scrubbing when the machine has had time to
 * idle - and scrubbed on the spot when there are not.
 *
 * A frame can outlive its owner: if another domain still maps it through a
 * grant when its owner is destroyed, it keeps the owner's id until that last
 * reference goes.  Such frames are counted per id (frame_orphan()), and the
 * id is not given to a new domain while any remain (hv/domctl.c), so a stale
 * frame can never pass an ownership check as the new domain's.
 *
 * A frame a domain owns is on that domain's page_list (include/hv/mm.h) from
 * the moment it is taken for it (take_frame(), share_xenheap_page()) until
 * it is freed (free_frame()) or orphaned by the destroy
 * (hv/frame_table.c: release_domain_frames()), or set aside as its vCPU's
 * frame page (frame_page_take()); those are the only places a frame changes hands.
 *
 * Tour 9/37 - after arch/x86/desc.c, before arch/x86/i8259.c.
 */
#include <lib.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/mm.h>

struct page_info *frame_table;
uint32_t max_page;
static uint32_t nr_free, nr_total;
#define SCRUB_LOOKS_PER_FRAME 64      /* frames a scan may pass over per frame it may scrub */
static uint32_t nr_dirty;             /* free frames still to be scrubbed */
static uint32_t high_hint;            /* no free frame above this one */
static uint32_t clean_hint;           /* no clean free frame above this one */
static uint32_t scrub_hint;           /* no dirty free frame above this one */
static uint32_t nr_xenheap;           /* the hypervisor's own pages (and shared_info's kind) */
static uint32_t nr_scrubbed_on_alloc; /* frames a domain had to wait for: no clean one */
static uint32_t low_hint;             /* no free frame below this one (the xenheap's search) */
static uint32_t orphans[DOMID_SELF];  /* per destroyed domain id: its frames still referenced */

/*
 * The searches for a clean free frame go down from clean_hint, past the frames in use.  Bit g
 * of clean_groups says that frames [32g, 32g + 32) may hold a clean free frame: set when the
 * idle loop scrubs one there, cleared when a search looks at the whole group and finds none.
 * So a search passes frames in use 32 at a time, and 1,024 at a time where a word of it is
 * zero.  Without it a search that began above a thousand domains' frames (a frame freed and
 * scrubbed up there) looked at each of them: 257,178 instructions in one create with 250 tiny
 * domUs running (issue 15).
 */
#define CLEAN_GROUP 32
static uint32_t clean_groups[(MAX_MACHINE_MEMORY >> PAGE_SHIFT) / CLEAN_GROUP / 32];

void page_alloc_init(void)
{
    for (uint32_t i = 0; i < max_page; i++) {
        frame_table[i] = (struct page_info){0};
        frame_table[i].owner = DOMID_IO;
    }
    nr_free = nr_total = nr_dirty = 0;
    high_hint = clean_hint = scrub_hint = 0;
    memset(clean_groups, 0, sizeof(clean_groups));
    low_hint = UINT32_MAX;
}

static void mark_dirty(uint32_t mfn)
{
    frame_table[mfn].flags |= PGF_dirty;
    nr_dirty++;
    scrub_hint = MAX(scrub_hint, mfn);
}

static void scrub(uint32_t mfn)
{
    void *p = map_domain_page(mfn);
    memset(p, 0, PAGE_SIZE);
    unmap_domain_page(p);
}

void page_alloc_add_range(uint32_t first, uint32_t nr)
{
    for (uint32_t mfn = first; mfn < first + nr && mfn < max_page; mfn++) {
        if (mfn == 0 || frame_table[mfn].owner == DOMID_FREE)
            continue;
        frame_table[mfn].owner = DOMID_FREE;
        mark_dirty(mfn); /* whatever ran before us may have left anything there */
        low_hint = MIN(low_hint, mfn);
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
    if (pg->owner == DOMID_XEN || (pg->flags & PGF_xenheap))
        nr_xenheap--;
    page_list_del(pg);
    pg->owner = DOMID_FREE;
    pg->type = PGT_none;
    pg->type_count = 0;
    pg->count = 0;
    pg->flags &= PGF_tlb_stale; /* and PGF_dirty, next: a free frame has no other (take_frame()) */
    mark_dirty(mfn);
    low_hint = MIN(low_hint, mfn);
    nr_free++;
    if (mfn > high_hint)
        high_hint = mfn;
}

void frame_orphan(uint32_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);
    page_list_del(pg); /* its owner's list goes with the owner */
    if (pg->owner >= DOMID_SELF || (pg->flags & PGF_orphan))
        return;
    pg->flags |= PGF_orphan;
    orphans[pg->owner]++;
}

/*
 * A vCPU's frame page (include/hv/domain.h) is one of its domain's frames, as Xen keeps a vCPU's
 * vcpu_info in a page of the guest's: the builder takes the last frame of the domain's memory,
 * which the guest is not told of.  The entry path trusts what the frame holds (the CPU pushed
 * it), so no domain may write it while its vCPU waits, and none may read it: while it is a
 * frame page its owner is DOMID_XEN and it is off the domain's list, so every ownership check a
 * guest's request makes fails - a mapping in a page table, read-only or writable, a pin, a grant
 * or grant copy of it, an M2P update - and only the hypervisor and the running vCPU itself
 * (through the entry area) reach it.  Its type says what it is.  It stays in the domain's
 * tot_pages (the memory it was given), and goes back with the domain (domain_free()), dirty.
 */
int frame_page_take(uint32_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->count != 1 || pg->type_count != 0)
        return -XEN_EBUSY; /* something but its allocation holds it */
    page_list_del(pg);
    pg->owner = DOMID_XEN;
    pg->type = PGT_frame;
    pg->type_count = 1;
    return 0;
}

void frame_page_release(struct domain *d, uint32_t mfn)
{
    mfn_to_page(mfn)->owner = d->domain_id; /* a domain's frame, not the hypervisor heap's */
    free_frame(mfn);
}

uint32_t orphan_frames(domid_t owner)
{
    return owner < DOMID_SELF ? orphans[owner] : 0;
}

/* A clean free frame's record as its owner's allocation: the counts of free and dirty frames are
 * the caller's.  A free frame's flags are PGF_dirty and PGF_tlb_stale at most (free_frame()), so
 * a clean one's need only PGF_allocated.  Inline: a build takes thousands in one loop
 * (take_clean_run()). */
static inline __attribute__((always_inline)) void take_frame(struct page_info *pg, domid_t owner)
{
    pg->owner = owner;
    pg->count = 1;
    pg->flags |= PGF_allocated;
}

void share_xenheap_page(uint32_t mfn, struct domain *d)
{
    struct page_info *pg = mfn_to_page(mfn);
    pg->owner = d->domain_id;
    pg->flags |= PGF_xenheap;
    page_list_add_tail(&d->page_list, pg);
}

void assign_frame(uint32_t mfn, domid_t owner)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->flags & PGF_dirty) { /* the caller scrubs it */
        pg->flags &= ~PGF_dirty;
        nr_dirty--;
    }
    take_frame(pg, owner);
    nr_free--;
}

static inline __attribute__((always_inline)) int clean_free(const struct page_info *pg)
{
    return pg->owner == DOMID_FREE && !(pg->flags & PGF_dirty);
}

/* How many frames from mfn down a search for a clean free frame may pass at once (mfn is the
 * top of a group that clean_groups rules out, or of a zero word of it); 0: look at mfn. */
static uint32_t clean_skip(uint32_t mfn)
{
    uint32_t g = mfn / CLEAN_GROUP, *word = &clean_groups[g / 32], bit = 1u << (g % 32);
    if (mfn % CLEAN_GROUP != CLEAN_GROUP - 1)
        return 0;
    if (!*word && mfn % (CLEAN_GROUP * 32) == CLEAN_GROUP * 32 - 1)
        return CLEAN_GROUP * 32;
    if (*word & bit) {
        for (uint32_t f = mfn; f + CLEAN_GROUP > mfn; f--) /* from the top: where it looks next */
            if (clean_free(&frame_table[f]))
                return 0;
        *word &= ~bit; /* none after all */
    }
    return CLEAN_GROUP;
}

/* A search going down from clean_hint (no clean free frame above it) is past the bottom of
 * mfn's group, taking or passing each frame: none is left there. */
static void group_passed(uint32_t mfn)
{
    if (mfn % CLEAN_GROUP == 0)
        clean_groups[mfn / CLEAN_GROUP / 32] &= ~(1u << (mfn / CLEAN_GROUP % 32));
}

/* The highest clean free frame at or below `from` (at most clean_hint), or 0. */
static uint32_t find_clean(uint32_t from)
{
    uint32_t mfn = from;
    while (mfn > 0) {
        uint32_t skip = clean_skip(mfn);
        if (!skip && clean_free(&frame_table[mfn]))
            return mfn;
        if (!skip)
            group_passed(mfn);
        mfn = mfn > MAX(skip, 1u) ? mfn - MAX(skip, 1u) : 0;
    }
    return 0;
}

/* The highest free frame at or below `from`, clean or not; 0 if none (only when no clean one
 * is left: dom0's build at boot, before any idle moment). */
static uint32_t find_free(uint32_t from)
{
    for (uint32_t mfn = from; mfn > 0; mfn--)
        if (frame_table[mfn].owner == DOMID_FREE)
            return mfn;
    return 0;
}

uint32_t alloc_domheap_page(struct domain *d)
{
    uint32_t mfn = nr_free > nr_dirty ? find_clean(MIN(clean_hint, high_hint)) : 0;
    if (mfn) {
        clean_hint = mfn;
        group_passed(mfn);
    } else if ((mfn = find_free(high_hint)) != 0)
        high_hint = mfn;
    else
        return 0;
    int dirty = (frame_table[mfn].flags & PGF_dirty) != 0;
    assign_frame(mfn, d->domain_id);
    page_list_add_tail(&d->page_list, mfn_to_page(mfn));
    if (dirty) {
        scrub(mfn); /* no clean frame left: the idle loop has not caught up */
        nr_scrubbed_on_alloc++;
    }
    return mfn;
}

/*
 * Take the run of clean free frames from `top` down, at most n (top, top - 1, ...; frame 0 is
 * never free, so a run stops above it): each its owner's allocation, linked at the tail of d's
 * list as a chain and the chain joined once, its pfn pfn + its index, into mfns[].  The groups
 * whose bottom frame the run took are passed (group_passed()), a group at a time after the
 * run, not a test a frame: a build's step asks for 2,048 frames, most often one run.  Returns
 * how many.
 */
static uint32_t take_clean_run(struct domain *d, uint32_t top, uint32_t *mfns, uint32_t pfn,
                               uint32_t n)
{
    struct page_list *head = &d->page_list, *tail = head->prev;
    struct page_info *pg = &frame_table[top];
    uint32_t i = 0;
    do {
        take_frame(pg, d->domain_id);
        pg->pfn = pfn + i;
        pg->list.prev = tail;
        tail->next = &pg->list;
        tail = &pg->list;
        mfns[i] = top - i;
        i++;
        pg--;
        /* clean_free(pg), written out: with the call GCC rotated the loop, one more a frame */
    } while (i < n && pg->owner == DOMID_FREE && !(pg->flags & PGF_dirty));
    tail->next = head;
    head->prev = tail;
    for (uint32_t g = ROUNDUP(top + 1 - i, CLEAN_GROUP); g <= top; g += CLEAN_GROUP)
        group_passed(g);
    return i;
}

uint32_t alloc_clean_domheap_pages(struct domain *d, uint32_t *mfns, uint32_t first_pfn, uint32_t n)
{
    uint32_t got = 0, mfn = MIN(clean_hint, high_hint);
    n = MIN(n, nr_free - nr_dirty); /* the clean free frames there are */
    while (got < n && (mfn = find_clean(mfn)) != 0) {
        uint32_t run = take_clean_run(d, mfn, mfns + got, first_pfn + got, n - got);
        got += run;
        mfn -= run; /* the frame below the run: in use, dirty, or not looked at */
    }
    nr_free -= got;
    if (got)
        clean_hint = mfns[got - 1]; /* as alloc_domheap_page() leaves it after its last */
    return got;
}

/*
 * The scan passes over allocated and clean frames on its way down to dirty ones; it looks at
 * no more than SCRUB_LOOKS_PER_FRAME of them for each frame it may scrub, so one call stays
 * short (about 8 instructions a look) even when the dirty frames lie far below scrub_hint,
 * e.g. a destroyed domain's low frames under a machine's worth of others.  A scan cut short
 * there returns 1, so the idle loop opens interrupts and comes back.
 */
int scrub_free_frames(uint32_t budget)
{
    uint32_t done = 0, looks = budget * SCRUB_LOOKS_PER_FRAME;
    for (uint32_t mfn = scrub_hint; mfn > 0 && nr_dirty && done < budget; mfn--, scrub_hint--) {
        if (looks-- == 0)
            return done ? (int)done : 1; /* more to look at: not idle yet */
        struct page_info *pg = &frame_table[mfn];
        if (pg->owner != DOMID_FREE || !(pg->flags & PGF_dirty))
            continue;
        scrub(mfn);
        pg->flags &= ~PGF_dirty;
        nr_dirty--;
        clean_hint = MAX(clean_hint, mfn);
        clean_groups[mfn / CLEAN_GROUP / 32] |= 1u << (mfn / CLEAN_GROUP % 32);
        done++;
    }
    return done;
}

uint32_t xenheap_page_count(void)
{
    return nr_xenheap;
}

uint32_t frames_scrubbed_on_alloc(void)
{
    return nr_scrubbed_on_alloc;
}

uint32_t dirty_page_count(void)
{
    return nr_dirty;
}

void *alloc_xenheap_pages(unsigned int nr)
{
    if (nr == 0)
        return NULL; /* the scan below would return a page it never took */
    uint32_t run = 0, first_free = 0;
    for (uint32_t mfn = MAX(low_hint, 1); mfn < MIN(max_page, DIRECTMAP_FRAMES); mfn++) {
        run = frame_table[mfn].owner == DOMID_FREE ? run + 1 : 0;
        if (run == 1 && !first_free)
            first_free = mfn;
        if (run < nr)
            continue;
        uint32_t first = mfn + 1 - nr;
        low_hint = first == first_free ? mfn + 1 : first_free;
        nr_xenheap += nr;
        for (uint32_t i = first; i <= mfn; i++) {
            if (frame_table[i].flags & PGF_dirty)
                scrub(i); /* a clean frame is zero already */
            assign_frame(i, DOMID_XEN);
        }
        return mfn_to_va(first);
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
