/*
 * hv_mappings.c - the hypervisor's own mappings, and the guest root.
 *
 * boot.S built idle_pg_table: the direct map of the first 48 MiB in 4 MiB
 * superpages, plus an identity map of the first 4 MiB that we drop here.
 * Slot 1023 gets a page table for the map_domain_page window, through which
 * the hypervisor reaches any frame outside the direct map, and slot 1022 the
 * entry area (see hv.lds.S and entry.S).  The window's last two pages are
 * grant copy's own (map_copy_page): a copy maps its source and destination
 * there with no search for a free slot and no unmap, and a frame already in
 * its page costs not even the invlpg; what stays mapped there between copies
 * is reachable by no guest (the guest root has no window) and is used again
 * only by a copy that checked its frame anew.  (One CPU: with SMP each CPU
 * would need its own pair.)  Every guest page directory receives
 * copies of slots 1008-1023 when it is validated (install_hv_l2_slots), so
 * while the hypervisor runs it sees all of itself and all of the guest.
 *
 * While a guest runs, though, CR3 holds the guest root: a per-CPU page
 * directory whose slots 0-1007 are copies of the guest's own and whose only
 * hypervisor slot is the entry area, with the stubs and descriptor tables
 * read-only.  The design relies on segment limits to keep a ring-1 kernel
 * out of the hypervisor, as Xen's x86_32 did, but QEMU's TCG does not check
 * data-segment limits: without the guest root, a guest kernel under TCG could
 * read and write the whole hypervisor.  (Xen's XPTI and Linux's KPTI do the
 * same for Meltdown.)  The copy is refreshed on every page-directory switch
 * (load_guest_pagetable) and kept in step with mmu_update (guest_root_sync).
 *
 * Tour 7/37 - after hv/multiboot.c, before arch/x86/desc.c.
 */
#include <lib.h>
#include <hv/arch.h>
#include <hv/entry.h>
#include <hv/x86.h>

static uint32_t mapcache_l1[1024] __attribute__((aligned(4096)));
#define COPY_SLOTS 2 /* the window's last pages: map_copy_page()'s, never map_domain_page()'s */
static uint32_t mapcache_used[MAPCACHE_SLOTS / 32] = {[MAPCACHE_SLOTS / 32 - 1] =
                                                          ~0u << (32 - COPY_SLOTS)};
static uint32_t entry_l1_full[1024] __attribute__((aligned(4096)));  /* entry area, writable */
static uint32_t entry_l1_guest[1024] __attribute__((aligned(4096))); /* entry area, guest view */

extern char _entry_alias[], _entry_text_start[], _entry_data_start[], _entry_stack_start[],
    _entry_end[];
extern uint32_t tramp_full_cr3, tramp_guest_cr3;
/* The frame page's PTE in the two views of the entry area; the running domain's windows
 * (include/hv/domain.h), in the hypervisor's view alone.  Each is a constant address. */
#define FRAME_SLOT_FULL          entry_l1_full[L1_INDEX(ENTRY_FRAME_PAGE)]
#define FRAME_SLOT_GUEST         entry_l1_guest[L1_INDEX(ENTRY_FRAME_PAGE)]
#define RUNNING_DOMAIN_SLOT      entry_l1_full[L1_INDEX(RUNNING_DOMAIN_VA)]
#define RUNNING_SHARED_INFO_SLOT entry_l1_full[L1_INDEX(RUNNING_SHARED_INFO_VA)]
static uint32_t idle_frame_pte; /* entry.S's own frame page: no vCPU's */

/* The frame page's slot maps a vCPU's own frame page while it runs; the CR3 load that follows
 * flushes the old entry from the TLB. */
static void map_frame_page(uint32_t pte)
{
    FRAME_SLOT_FULL = pte;
    FRAME_SLOT_GUEST = pte;
}

/*
 * Map the entry area's pages.  The guest's view has the stubs and tables
 * read-only and the frame page (entry.S) writable, but not the hypervisor
 * stack below the frame.  The frame page's slot maps the running vCPU's own
 * frame page (map_frame_page(), at every switch); entry.S's page, the one
 * linked there, is mapped while no vCPU runs.
 */
static void map_entry_area(void)
{
    uint32_t pa = __pa(_entry_alias);
    for (uint32_t va = ENTRY_AREA; va < (uint32_t)_entry_end; va += PAGE_SIZE, pa += PAGE_SIZE) {
        unsigned int i = L1_INDEX(va);
        entry_l1_full[i] = pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
        if (va < (uint32_t)_entry_stack_start)
            entry_l1_guest[i] = pa | _PAGE_PRESENT | _PAGE_ACCESSED;
    }
    idle_frame_pte = FRAME_SLOT_FULL;
    map_frame_page(idle_frame_pte);
    idle_pg_table[L2_INDEX(ENTRY_AREA)] = __pa(entry_l1_full) | _PAGE_PRESENT | _PAGE_RW;
    /* A barrier as well as a flush: the compiler cannot see that later stores
     * into the entry area depend on the mapping made above. */
    flush_tlb_local();
}

/* Each vCPU has its own guest root page: its guest slots, and the entry area. */
int guest_root_alloc(struct vcpu *v)
{
    v->guest_root = alloc_xenheap_pages(1);
    if (!v->guest_root)
        return -1;
    v->guest_root[L2_INDEX(ENTRY_AREA)] = __pa(entry_l1_guest) | _PAGE_PRESENT | _PAGE_RW;
    v->guest_root_maddr = __pa(v->guest_root);
    v->root_source = 0;
    return 0;
}

void guest_root_free(struct vcpu *v)
{
    free_xenheap_pages(v->guest_root, 1);
    v->guest_root = NULL;
}

void paging_init(void)
{
    idle_pg_table[0] = 0; /* the boot identity map is no longer needed */
    idle_pg_table[MAPCACHE_START >> 22] = __pa(mapcache_l1) | _PAGE_PRESENT | _PAGE_RW;
    map_entry_area();
    tramp_full_cr3 = __pa(idle_pg_table);
    flush_tlb_local();
}

/* v's guest root mirrors another page directory (or none yet): copy its own's guest slots.
 * Returns v, so that its caller keeps no register across the call for it. */
static __attribute__((noinline, regparm(1))) struct vcpu *guest_root_refresh(struct vcpu *v)
{
    const uint32_t *l2 = map_domain_page(v->cr3_mfn);
    memcpy(v->guest_root, l2, HV_L2_FIRST_SLOT * sizeof(uint32_t)); /* with the grant area */
    unmap_domain_page((void *)l2);
    v->root_source = v->cr3_mfn;
    return v;
}

/*
 * Load a vCPU's page directory, and map its frame page and its domain's window.  Its guest root is
 * refreshed only when it mirrors another directory: while a directory is loaded its CR3 reference
 * keeps it a validated L2, so it changes only through hv/frame_table.c, which reports
 * every change (hv/domain.c: l2_entry_changed(), which calls guest_root_sync() for each vCPU).
 */
void __attribute__((regparm(1))) load_guest_pagetable(struct vcpu *v)
{
    if (__builtin_expect(v->root_source != v->cr3_mfn, 0))
        v = guest_root_refresh(v);
    uint32_t cr3 = v->cr3_mfn << PAGE_SHIFT; /* before the stores, which could alias it for GCC */
    map_frame_page(v->frame_pte);
    RUNNING_DOMAIN_SLOT = v->domain_pte;
    RUNNING_SHARED_INFO_SLOT = v->shared_info_pte;
    write_cr3(cr3); /* which flushes the three pages' old entries from the TLB */
    tramp_full_cr3 = cr3;
    tramp_guest_cr3 = v->guest_root_maddr;
}

/* Guest slot idx of page directory l2_mfn changed: if v's guest root copies it, copy it again. */
void guest_root_sync(struct vcpu *v, uint32_t l2_mfn, unsigned int idx)
{
    if (v->guest_root && v->root_source == l2_mfn) {
        const uint32_t *l2 = map_domain_page(l2_mfn);
        v->guest_root[idx] = l2[idx];
        unmap_domain_page((void *)l2);
    }
}

/* No vCPU runs: entry.S's own frame page, and no domain's windows, so that no page freed while
 * the idle loop runs (a domain destroyed) is mapped there; a use of a window faults at once. */
void load_idle_pagetable(void)
{
    map_frame_page(idle_frame_pte);
    RUNNING_DOMAIN_SLOT = 0;
    RUNNING_SHARED_INFO_SLOT = 0;
    write_cr3(__pa(idle_pg_table));
    tramp_full_cr3 = __pa(idle_pg_table);
}

uint32_t idle_pg_table_maddr(void)
{
    return __pa(idle_pg_table);
}

void install_hv_l2_slots(uint32_t *l2, domid_t owner)
{
    grant_area_install(l2, owner);
    for (unsigned int i = HV_L2_FIRST_SLOT; i < 1024; i++)
        l2[i] = idle_pg_table[i];
}

void mm_flush_tlb(void)
{
    flush_tlb_local();
}

/* Frames in the direct map need no slot; others borrow one of 1024 window slots. */
void *map_domain_page(uint32_t mfn)
{
    if (mfn < DIRECTMAP_FRAMES)
        return mfn_to_va(mfn);
    for (unsigned int i = 0; i < MAPCACHE_SLOTS; i++) {
        if (mapcache_used[i / 32] & (1u << (i % 32)))
            continue;
        mapcache_used[i / 32] |= 1u << (i % 32);
        uint32_t va = MAPCACHE_START + i * PAGE_SIZE;
        mapcache_l1[i] = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW;
        invlpg(va);
        return (void *)va;
    }
    panic("map_domain_page: all %d slots in use", MAPCACHE_SLOTS);
}

void *map_copy_page(unsigned int which, uint32_t mfn)
{
    if (mfn < DIRECTMAP_FRAMES)
        return mfn_to_va(mfn);
    unsigned int i = MAPCACHE_SLOTS - COPY_SLOTS + which;
    uint32_t va = MAPCACHE_START + i * PAGE_SIZE,
             pte = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW;
    if (mapcache_l1[i] != pte) {
        mapcache_l1[i] = pte;
        invlpg(va);
    }
    return (void *)va;
}

void unmap_domain_page(void *p)
{
    uint32_t va = (uint32_t)p & PAGE_MASK;
    if (va < MAPCACHE_START)
        return;
    unsigned int i = (va - MAPCACHE_START) >> PAGE_SHIFT;
    mapcache_l1[i] = 0;
    invlpg(va);
    mapcache_used[i / 32] &= ~(1u << (i % 32));
}
