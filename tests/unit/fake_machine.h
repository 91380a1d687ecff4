/*
 * fake_machine.h - a pretend machine on which hv/frame_table.c runs on the host.
 *
 * frame_table.c reaches the machine only through a handful of functions and globals
 * (see the end of include/hv/mm.h): the frame table, map_domain_page, and the
 * platform hooks free_frame, install_hv_l2_slots and mm_flush_tlb.
 * fake_machine.c provides them over FAKE_FRAMES host pages and records what
 * frame_table.c did with them, so a test can set up frames the way the domain builder
 * and a guest would, call the validation rules, and then check every frame's
 * counts as well as the side effects: which frames were freed, how often the
 * TLB was flushed, whether every mapping was unmapped again.
 */
#ifndef FAKE_MACHINE_H
#define FAKE_MACHINE_H

#include <stdint.h>
#include <hv/mm.h>

#define FAKE_FRAMES 256

/* Two ordinary guests. */
#define DOM_A 1
#define DOM_B 2

/* Every frame free (owner DOMID_FREE) and zeroed; every record cleared. */
void fake_machine_reset(void);

/* Hand a frame to a domain as hv/frame_alloc.c's allocator does: one allocation reference, and
 * for DOM_A and DOM_B a place on their page_list (fake_machine_domain()). */
void give_frame(uint32_t mfn, domid_t owner);

/* The struct domain whose page_list give_frame() uses: DOM_A's or DOM_B's own here (an id and a
 * list, nothing else), NULL for another id; after fake_machine_domains(lookup), lookup's. */
struct domain *fake_machine_domain(domid_t id);
void fake_machine_domains(struct domain *(*lookup)(domid_t id)); /* fake_domain.c's domains */

/* A frame's 1024 words, for a test to fill in (as a guest would before pinning) or inspect. */
uint32_t *frame_words(uint32_t mfn);

static inline uint32_t pte(uint32_t mfn, uint32_t flags)
{
    return (mfn << PAGE_SHIFT) | flags;
}

/* The machine address of entry `idx` of the table in frame `mfn`, as mmu_update names it. */
static inline uint64_t entry_maddr(uint32_t mfn, unsigned int idx)
{
    return ((uint64_t)mfn << PAGE_SHIFT) | (idx * 4);
}

/* What install_hv_l2_slots writes into page-directory slot `slot` (1008..1023). */
static inline uint32_t hv_slot_pattern(unsigned int slot)
{
    return 0xF1F10000u | slot;
}

/* What frame_table.c did. */
unsigned int fake_tlb_flushes(void);
unsigned int fake_frees(void);                /* calls to free_frame */
int fake_was_freed(uint32_t mfn);             /* free_frame ran for this frame */
unsigned int fake_mappings_outstanding(void); /* map_domain_page minus unmap_domain_page */

/*
 * The harness fails the running test at once if frame_table.c breaks one of its rules:
 * mapping a frame past the frame table, unmapping something it never mapped,
 * freeing a frame twice, or freeing one that still holds a type reference
 * (whose entries would then keep their references forever).
 */

#endif
