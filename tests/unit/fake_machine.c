/*
 * fake_machine.c - the machine that hv/frame_table.c runs on in the unit tests: a
 * frame table and FAKE_FRAMES pages of host memory, and the platform hooks
 * frame_table.c calls, each recording what it was asked to do (see fake_machine.h).
 * The frame allocator is the real one, hv/frame_alloc.c, over this frame table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <hv/domain.h>
#include "fake_machine.h"

static struct page_info frames[FAKE_FRAMES];
static uint32_t memory[FAKE_FRAMES][1024] __attribute__((aligned(4096)));
static uint8_t freed[FAKE_FRAMES];
static unsigned int nr_frees, nr_flushes, nr_mapped;
static struct domain dom_a, dom_b;                  /* their ids and frame lists */
static struct domain *(*domain_lookup)(domid_t id); /* or another harness's domains */

void fake_machine_reset(void)
{
    memset(frames, 0, sizeof(frames));
    memset(memory, 0, sizeof(memory));
    memset(freed, 0, sizeof(freed));
    for (uint32_t mfn = 0; mfn < FAKE_FRAMES; mfn++)
        frames[mfn].owner = DOMID_FREE;
    frame_table = frames;
    max_page = FAKE_FRAMES;
    nr_frees = nr_flushes = nr_mapped = 0;
    dom_a = (struct domain){.domain_id = DOM_A};
    dom_b = (struct domain){.domain_id = DOM_B};
    page_list_init(&dom_a.page_list);
    page_list_init(&dom_b.page_list);
    domain_lookup = NULL;
}

struct domain *fake_machine_domain(domid_t id)
{
    if (domain_lookup)
        return domain_lookup(id);
    return id == DOM_A ? &dom_a : id == DOM_B ? &dom_b : NULL;
}

void fake_machine_domains(struct domain *(*lookup)(domid_t id))
{
    domain_lookup = lookup;
}

void give_frame(uint32_t mfn, domid_t owner)
{
    assert_true(mfn < FAKE_FRAMES);
    struct page_info *pg = &frames[mfn];
    page_list_del(pg);
    pg->owner = owner;
    pg->count = 1;
    pg->flags = (pg->flags & PGF_tlb_stale) | PGF_allocated;
    freed[mfn] = 0;
    if (fake_machine_domain(owner))
        page_list_add_tail(&fake_machine_domain(owner)->page_list, pg);
}

uint32_t *frame_words(uint32_t mfn)
{
    assert_true(mfn < FAKE_FRAMES);
    return memory[mfn];
}

/* ---------------------------------------------------------------- what frame_table.c calls */

void *map_domain_page(uint32_t mfn)
{
    if (mfn >= FAKE_FRAMES)
        fail_msg("map_domain_page(%u): past the end of the frame table", mfn);
    nr_mapped++;
    return memory[mfn];
}

void *map_copy_page(unsigned int which, uint32_t mfn)
{
    if (which > 1 || mfn >= FAKE_FRAMES)
        fail_msg("map_copy_page(%u, %u): no such window or frame", which, mfn);
    return memory[mfn];
}

void unmap_domain_page(void *va)
{
    uintptr_t off = (uintptr_t)va - (uintptr_t)memory;
    if ((uintptr_t)va < (uintptr_t)memory || off >= sizeof(memory) || off % 4096)
        fail_msg("unmap_domain_page(%p): not a mapped frame", va);
    if (nr_mapped == 0)
        fail_msg("unmap_domain_page(%p): more unmaps than maps", va);
    nr_mapped--;
}

/*
 * The real hv/frame_alloc.c frees the frame; the test binaries are linked with
 * --wrap=free_frame, so every call from the code under test comes here first
 * and is checked: frame_table.c may only free what it may.
 */
void __real_free_frame(uint32_t mfn);
void __wrap_free_frame(uint32_t mfn)
{
    assert_true(mfn < FAKE_FRAMES);
    struct page_info *pg = &frames[mfn];
    if (pg->owner == DOMID_FREE)
        fail_msg("free_frame(%u): already free", mfn);
    if (pg->count != 0)
        fail_msg("free_frame(%u): still has %u references", mfn, pg->count);
    if (pg->type_count != 0)
        fail_msg("free_frame(%u): still holds %u type references", mfn, pg->type_count);
    __real_free_frame(mfn);
    freed[mfn] = 1;
    nr_frees++;
}

/* The direct map of the hypervisor heap: here, the fake's own frames. */
void *mfn_to_va(uint32_t mfn)
{
    if (mfn >= FAKE_FRAMES)
        fail_msg("mfn_to_va(%u): past the end of the frame table", mfn);
    return memory[mfn];
}

uint32_t va_to_mfn(const void *va)
{
    uintptr_t off = (uintptr_t)va - (uintptr_t)memory;
    if ((uintptr_t)va < (uintptr_t)memory || off >= sizeof(memory))
        fail_msg("va_to_mfn(%p): not in the fake machine's memory", va);
    return (uint32_t)(off / PAGE_SIZE);
}

void install_hv_l2_slots(uint32_t *l2, domid_t owner)
{
    (void)owner;
    for (unsigned int slot = GRANT_L2_FIRST_SLOT; slot < 1024; slot++)
        l2[slot] = hv_slot_pattern(slot);
}

void l2_entry_changed(uint32_t l2_mfn, unsigned int idx)
{
    (void)l2_mfn;
    (void)idx;
}

void l2_type_changed(uint32_t mfn, int is_l2)
{
    struct domain *d = fake_machine_domain(frames[mfn].owner);
    if (d)
        page_list_order_l2(&d->page_list, &frames[mfn], is_l2);
}

void mm_flush_tlb(void)
{
    nr_flushes++;
}

/* ---------------------------------------------------------------- what the tests ask */

unsigned int fake_tlb_flushes(void)
{
    return nr_flushes;
}

unsigned int fake_frees(void)
{
    return nr_frees;
}

int fake_was_freed(uint32_t mfn)
{
    return mfn < FAKE_FRAMES && freed[mfn];
}

unsigned int fake_mappings_outstanding(void)
{
    return nr_mapped;
}
