/*
 * map_hypervisor_frame - a guest may map only frames it owns.  Mapping the
 * hypervisor's own frames (its code at 1 MiB, frame 0, the BIOS area), a frame
 * beyond the end of memory, or a 4 MiB superpage over the hypervisor, must be
 * refused through every interface: update_va_mapping and mmu_update on an L1,
 * and mmu_update on the page directory.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] = "mapping a hypervisor frame is refused (XSA-148 class)";

static uint8_t victim[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static uint32_t pte_maddr(uint32_t va)
{
    const uint32_t *l2 = (const uint32_t *)start_info.pt_base;
    uint32_t l1_mfn = l2[va >> 22] >> PAGE_SHIFT;
    return (l1_mfn << PAGE_SHIFT) + ((va >> 12) & 1023) * 4;
}

void test_main(void)
{
    static const uint32_t frames[] = {0x100, 0x101, 0x0, 0x9F, 0xB8, 0xFFFFF};
    uint32_t va = (uint32_t)victim;
    uint32_t l2_maddr = virt_to_mfn((void *)start_info.pt_base) << PAGE_SHIFT;
    struct pvlab_counters before = read_counters();
    unsigned int attempts = 0;
    for (unsigned int i = 0; i < ARRAY_SIZE(frames); i++) {
        uint32_t pte = (frames[i] << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED;
        expect_refused(HYPERVISOR_update_va_mapping(va, pte | _PAGE_RW, UVMF_INVLPG),
                       "update_va_mapping of a hypervisor frame, writable");
        expect_refused(HYPERVISOR_update_va_mapping(va, pte, UVMF_INVLPG),
                       "update_va_mapping of a hypervisor frame, read-only");
        struct mmu_update u = {pte_maddr(va), pte};
        expect_refused(HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF),
                       "mmu_update of an L1 entry to a hypervisor frame");
        attempts += 3;
    }
    /* A 4 MiB superpage covering the hypervisor's image, in a free page-directory slot. */
    struct mmu_update big = {l2_maddr + 0x100 * 4,
                             0x00000000 | _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE | _PAGE_ACCESSED};
    expect_refused(HYPERVISOR_mmu_update(&big, 1, NULL, DOMID_SELF),
                   "a PSE superpage in the page directory");
    /* Pointing a page-directory slot at a hypervisor frame as if it were an L1. */
    struct mmu_update fake_l1 = {l2_maddr + 0x100 * 4, (0x100 << PAGE_SHIFT) | _PAGE_PRESENT};
    expect_refused(HYPERVISOR_mmu_update(&fake_l1, 1, NULL, DOMID_SELF),
                   "a hypervisor frame as an L1 table");
    attempts += 2;
    struct pvlab_counters after = read_counters();
    if (after.hypercall_errors - before.hypercall_errors != attempts)
        xtf_failure("%u refusals counted, expected %u",
                    (uint32_t)(after.hypercall_errors - before.hypercall_errors), attempts);
    /* Our own page is still mapped where it was and writable. */
    victim[0] = 0x5A;
    if (victim[0] != 0x5A)
        xtf_failure("the victim page lost its mapping");
}
