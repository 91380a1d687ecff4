/*
 * gnttab.c - grant tables in minios.
 *
 * Our own grant table: gnttab_init() asks the hypervisor for its first frame
 * (setup_table) and maps it; gnttab_grant_access() fills an entry so that
 * another domain may map or copy one of our pages, asking for one more frame
 * when every entry of those it has is in use (the hypervisor takes a page for
 * each, so a domain that grants little costs it little); gnttab_end_access()
 * revokes a grant unless it is still mapped (GTF_reading/GTF_writing).  A
 * driver that grants many pages per request (blkfront: 33 for a 132 KiB
 * transfer) reserves references once instead (gnttab_reserve(), as Linux's
 * gnttab_alloc_grant_references): they are never handed out to anyone else,
 * so a request's pages are granted with one call and no search, two stores
 * an entry (gnttab_grant_pages()), and each grant is still revoked when its
 * request is answered (gnttab_end_access(), inline in os.h).
 *
 * Others' grants: gnttab_map() maps a grant into a free page of our grant
 * area (GRANT_AREA_START, the 32 MiB below the hypervisor); the hypervisor
 * writes the mapping there itself.  Its caller builds the operation in place
 * (gnttab_map_args()) and finds the status and handle in it.  The page taken
 * is the lowest free one, found from a floor below which every page is in
 * use (include/grant_slots.h): dom0 holds two pages for each running domU.
 * gnttab_map() and gnttab_unmap() are inline (include/os.h: a backend maps
 * and unmaps a grant per request); here are only the pages' bitmap and a
 * map's rare ways, a full word at the floor and a refusal, and the map of a
 * run of grants into pages side by side (gnttab_map_run(): blkback maps a
 * request's segments so, and the disk moves them in one device request).
 *
 * Tour 19/58 - after table.c, before time.c.
 */
#include <os.h>

#define MAX_REFS (GNTTAB_MAX_FRAMES * GRANT_ENTRIES_PER_PAGE)

struct grant_entry_v1 *gnttab_table; /* os.h's inline grant and end of access write it */
static uint8_t table_pages[GNTTAB_MAX_FRAMES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
struct grant_slots gnttab_slots; /* which pages of the grant area are in use */
static grant_ref_t next_ref = GNTTAB_NR_RESERVED_ENTRIES;
static uint32_t nr_frames;               /* set up and mapped so far */
static uint32_t reserved[MAX_REFS / 32]; /* a bit per reference kept by gnttab_reserve() */

#define NR_REFS (nr_frames * GRANT_ENTRIES_PER_PAGE)

/* One more frame of entries: the hypervisor's setup_table takes it, and we map it. */
static int grow(void)
{
    uint32_t frames[GNTTAB_MAX_FRAMES];
    if (nr_frames == GNTTAB_MAX_FRAMES)
        return -1;
    struct gnttab_setup_table op = {
        .dom = DOMID_SELF, .nr_frames = nr_frames + 1, .frame_list = (uint32_t)frames};
    if (HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &op, 1) || op.status != GNTST_okay)
        return -1;
    if (map_frame_at((uint32_t)table_pages[nr_frames], frames[nr_frames],
                     _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY))
        crash("cannot map the grant table");
    nr_frames++;
    return 0;
}

void gnttab_init(void)
{
    gnttab_table = (struct grant_entry_v1 *)table_pages;
    if (grow())
        crash("grant table setup refused");
}

/* Is ref unused: not granted, and not reserved by a driver? */
static int unused(grant_ref_t ref)
{
    return gnttab_table[ref].flags == GTF_invalid && !(reserved[ref / 32] >> (ref % 32) & 1);
}

/* A free entry from next_ref on, or 0 when every entry set up is in use. */
static grant_ref_t free_ref(void)
{
    for (uint32_t n = 0; n < NR_REFS; n++) {
        grant_ref_t ref = next_ref;
        next_ref = next_ref + 1 < NR_REFS ? next_ref + 1 : GNTTAB_NR_RESERVED_ENTRIES;
        if (unused(ref))
            return ref;
    }
    return 0;
}

grant_ref_t gnttab_reserve(uint32_t n)
{
    do {
        uint32_t run = 0;
        for (grant_ref_t ref = GNTTAB_NR_RESERVED_ENTRIES; n && ref < NR_REFS; ref++) {
            run = unused(ref) ? run + 1 : 0;
            if (run < n)
                continue;
            for (grant_ref_t r = ref + 1 - n; r <= ref; r++)
                reserved[r / 32] |= 1u << (r % 32);
            return ref + 1 - n;
        }
    } while (n && grow() == 0);
    return 0;
}

/* Fill entry ref, which is not in use: the frame, then flags and domid in one store, so the entry
 * is whole when it becomes valid (two volatile stores stay in order, and x86 makes stores
 * visible in order).  `word` is the entry's first word: flags | domid << 16. */
static inline void fill(struct grant_entry_v1 *e, uint32_t mfn, uint32_t word)
{
    volatile uint32_t *words = (volatile uint32_t *)e;
    _Static_assert(offsetof(struct grant_entry_v1, flags) == 0 &&
                       offsetof(struct grant_entry_v1, domid) == 2,
                   "flags and domid share the entry's first word, flags in its low half");
    words[1] = mfn;
    words[0] = word;
}

static uint32_t first_word(domid_t dom, int readonly)
{
    return (uint32_t)dom << 16 | GTF_permit_access | (readonly ? GTF_readonly : 0);
}

/* A reserved reference is not free: its last grant is still mapped (its end failed).  Revoke it
 * now if it is no longer mapped; if it still is, grant from the free entries instead. */
static __attribute__((noinline, cold)) grant_ref_t grant_busy(grant_ref_t ref, domid_t dom,
                                                              uint32_t mfn, int readonly)
{
    if (gnttab_end_access(ref))
        return gnttab_grant_access(dom, mfn, readonly);
    fill(&gnttab_table[ref], mfn, first_word(dom, readonly));
    return ref;
}

uint32_t gnttab_grant_pages(grant_ref_t first, domid_t dom, int readonly, const void *const *pages,
                            uint32_t n, grant_ref_t *refs)
{
    uint32_t word = first_word(dom, readonly);
    struct grant_entry_v1 *e = &gnttab_table[first];
    for (uint32_t p = 0; p < n; p++, e++) {
        uint32_t mfn = virt_to_mfn(pages[p]);
        if (__builtin_expect(e->flags == GTF_invalid, 1))
            fill(e, mfn, word), refs[p] = first + p;
        else if (!(refs[p] = grant_busy(first + p, dom, mfn, readonly)))
            return p;
    }
    return n;
}

grant_ref_t gnttab_grant_access(domid_t dom, uint32_t mfn, int readonly)
{
    grant_ref_t ref = free_ref();
    if (!ref && grow() == 0) {
        next_ref = NR_REFS - GRANT_ENTRIES_PER_PAGE; /* the first entry of the new frame */
        ref = free_ref();
    }
    if (ref)
        fill(&gnttab_table[ref], mfn, first_word(dom, readonly));
    return ref;
}

/* The floor's word of the grant area is full (rare): the floor goes up to a word with room,
 * and the map is made from there. */
__attribute__((noinline, cold)) void *gnttab_map_above_full_words(struct gnttab_map_grant_ref *op)
{
    if (!grant_slots_raise(&gnttab_slots)) {
        op->status = GNTST_no_device_space;
        return NULL;
    }
    return gnttab_map(op);
}

/* A map refused: its page of the grant area is free again. */
__attribute__((noinline, cold)) void *gnttab_map_refused(uint32_t va)
{
    grant_slot_give(&gnttab_slots, (va - GRANT_AREA_START) / PAGE_SIZE);
    return NULL;
}

/* Give back the run's pages from slot `first`, unmapping those the hypervisor mapped. */
static void *unmap_partial_run(struct gnttab_map_grant_ref *ops, uint32_t first, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (ops[i].status != GNTST_okay)
            grant_slot_give(&gnttab_slots, first + i);
        else if (gnttab_unmap((void *)(uint32_t)ops[i].host_addr, ops[i].handle))
            printf("gnttab: a page of a refused run could not be unmapped\n");
    return NULL;
}

_Static_assert(GNTST_okay == 0, "refused_any(): the statuses ORed are 0 only if all are okay");

/* Did the hypervisor refuse any of n operations, whose statuses lie `stride` bytes apart?  The
 * statuses ORed together: GNTST_okay is 0 and every refusal negative, so one test at the end. */
static int refused_any(const int16_t *status, uint32_t stride, uint32_t n)
{
    uint32_t any = 0;
    for (const char *p = (const char *)status, *end = p + n * stride; p != end; p += stride)
        any |= *(const uint16_t *)p;
    return any != GNTST_okay;
}

void *gnttab_map_run(struct gnttab_map_grant_ref *ops, uint32_t n)
{
    uint32_t first = grant_slots_take_run(&gnttab_slots, n);
    if (first == GRANT_AREA_SLOTS)
        return NULL;
    uint32_t va = GRANT_AREA_START + first * PAGE_SIZE;
    for (uint32_t i = 0; i < n; i++) {
        ops[i].host_addr = va + i * PAGE_SIZE;
        ops[i].status = GNTST_general_error;
    }
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, ops, n);
    if (refused_any(&ops[0].status, sizeof(*ops), n))
        return unmap_partial_run(ops, first, n);
    return (void *)va;
}

/* Some of the unmaps of a run were refused: the pages of the others are free again. */
static __attribute__((noinline, cold)) int
give_unmapped(const struct gnttab_unmap_grant_ref *unmaps, uint32_t first, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (unmaps[i].status == GNTST_okay)
            grant_slot_give(&gnttab_slots, first + i);
    return -1;
}

int gnttab_unmap_run(const struct gnttab_map_grant_ref *ops, struct gnttab_unmap_grant_ref *unmaps,
                     uint32_t n)
{
    uint32_t va = (uint32_t)ops[0].host_addr, first = (va - GRANT_AREA_START) / PAGE_SIZE;
    for (uint32_t i = 0; i < n; i++, va += PAGE_SIZE) { /* the run's pages, side by side */
        unmaps[i].host_addr = va;
        unmaps[i].handle = ops[i].handle;
        unmaps[i].status = GNTST_general_error;
    }
    HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, unmaps, n);
    if (refused_any(&unmaps[0].status, sizeof(*unmaps), n))
        return give_unmapped(unmaps, first, n);
    grant_slots_give_run(&gnttab_slots, first, n);
    return 0;
}
