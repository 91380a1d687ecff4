/*
 * gnttab.c - grant tables in minios.
 *
 * Our own grant table: gnttab_init() asks the hypervisor for its first frame
 * (setup_table) and maps it; gnttab_grant_access() fills an entry so that
 * another domain may map or copy one of our pages, asking for one more frame
 * when every entry of those it has is in use (the hypervisor takes a page for
 * each, so a domain that grants little costs it little); gnttab_end_access()
 * revokes a grant unless it is still mapped (GTF_reading/GTF_writing).
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

static struct grant_entry_v1 *table;
static uint8_t table_pages[GNTTAB_MAX_FRAMES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
struct grant_slots gnttab_slots; /* which pages of the grant area are in use */
static grant_ref_t next_ref = GNTTAB_NR_RESERVED_ENTRIES;
static uint32_t nr_frames; /* set up and mapped so far */

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
    table = (struct grant_entry_v1 *)table_pages;
    if (grow())
        crash("grant table setup refused");
}

/* A free entry from next_ref on, or 0 when every entry set up is in use. */
static grant_ref_t free_ref(void)
{
    for (uint32_t n = 0; n < NR_REFS; n++) {
        grant_ref_t ref = next_ref;
        next_ref = next_ref + 1 < NR_REFS ? next_ref + 1 : GNTTAB_NR_RESERVED_ENTRIES;
        if (table[ref].flags == GTF_invalid)
            return ref;
    }
    return 0;
}

grant_ref_t gnttab_grant_access(domid_t dom, uint32_t mfn, int readonly)
{
    grant_ref_t ref = free_ref();
    if (!ref && grow() == 0) {
        next_ref = NR_REFS - GRANT_ENTRIES_PER_PAGE; /* the first entry of the new frame */
        ref = free_ref();
    }
    if (!ref)
        return 0;
    table[ref].frame = mfn;
    table[ref].domid = dom;
    barrier(); /* the entry is complete before it becomes valid */
    table[ref].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
    return ref;
}

/* Revoke a grant unless it is mapped; one compare-and-swap, so no mapping slips in between. */
int gnttab_end_access(grant_ref_t ref)
{
    uint16_t flags = table[ref].flags;
    do {
        if (flags & (GTF_reading | GTF_writing))
            return -1;
    } while (!__atomic_compare_exchange_n(&table[ref].flags, &flags, GTF_invalid, 0,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return 0;
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
    for (uint32_t i = 0; i < n; i++)
        if (ops[i].status != GNTST_okay)
            return unmap_partial_run(ops, first, n);
    return (void *)va;
}

int gnttab_unmap_run(const struct gnttab_map_grant_ref *ops, struct gnttab_unmap_grant_ref *unmaps,
                     uint32_t n)
{
    int rc = 0;
    for (uint32_t i = 0; i < n; i++) {
        unmaps[i].host_addr = ops[i].host_addr;
        unmaps[i].handle = ops[i].handle;
        unmaps[i].status = GNTST_general_error;
    }
    HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, unmaps, n);
    for (uint32_t i = 0; i < n; i++)
        if (unmaps[i].status == GNTST_okay)
            grant_slot_give(&gnttab_slots,
                            (uint32_t)(ops[i].host_addr - GRANT_AREA_START) / PAGE_SIZE);
        else
            rc = -1;
    return rc;
}
