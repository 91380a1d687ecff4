/*
 * paging.c - the hypervisor's own mappings.
 *
 * boot.S built idle_pg_table: the direct map of the first 48 MiB in 4 MiB
 * global superpages, plus an identity map of the first 4 MiB that we drop
 * here.  Slot 1023 gets a page table for the map_domain_page window, through
 * which the hypervisor reaches any frame outside the direct map.  Every guest
 * page directory receives copies of slots 1008-1023 when it is validated
 * (install_hv_l2_slots), so the hypervisor is mapped in every address space.
 */
#include <lib.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/mm.h>
#include <hv/x86.h>

static uint32_t mapcache_l1[1024] __attribute__((aligned(4096)));
static uint32_t mapcache_used[MAPCACHE_SLOTS / 32];

void paging_init(void)
{
    idle_pg_table[0] = 0; /* the boot identity map is no longer needed */
    idle_pg_table[MAPCACHE_START >> 22] = __pa(mapcache_l1) | _PAGE_PRESENT | _PAGE_RW;
    flush_tlb_local();
}

uint32_t idle_pg_table_maddr(void)
{
    return __pa(idle_pg_table);
}

void install_hv_l2_slots(uint32_t *l2)
{
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
        return __va(mfn << PAGE_SHIFT);
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
