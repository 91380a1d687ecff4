/*
 * writable_pagetable - a frame is never at once a page table and writable by
 * the guest.  Writable mappings of the pinned page directory or of an L1 are
 * refused, an L1 may not map itself writable, a page that is mapped writable
 * cannot be pinned as a page table, and a plain store to a page table traps.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] = "a writable mapping of a pinned page table is refused (XSA-148 class)";

static uint8_t spare[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

void test_main(void)
{
    uint32_t va = (uint32_t)spare;
    const uint32_t *l2 = (const uint32_t *)start_info.pt_base;
    uint32_t l2_mfn = virt_to_mfn(l2);
    uint32_t l1_mfn = l2[va >> 22] >> PAGE_SHIFT;
    uint32_t rw = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;

    expect_rc(HYPERVISOR_update_va_mapping(va, (l2_mfn << PAGE_SHIFT) | rw, UVMF_INVLPG),
              -XEN_EBUSY, "writable mapping of the pinned page directory");
    expect_rc(HYPERVISOR_update_va_mapping(va, (l1_mfn << PAGE_SHIFT) | rw, UVMF_INVLPG),
              -XEN_EBUSY, "writable mapping of an L1 in use");
    /* Read-only mappings of page tables are allowed: a guest reads its own tables. */
    expect_rc(HYPERVISOR_update_va_mapping(va, (l1_mfn << PAGE_SHIFT) | _PAGE_PRESENT, UVMF_INVLPG),
              0, "read-only mapping of an L1");
    uint32_t slot = (va >> 12) & 1023;
    if (((volatile uint32_t *)spare)[slot] >> PAGE_SHIFT != l1_mfn)
        xtf_failure("the L1 seen through a read-only mapping does not map itself");
    /* A store through the read-only mapping is a #PF bounced to us. */
    int vec = TRY_INSN("movl $0, (%0)", : : "r"(spare) : "memory");
    if (vec != VEC_PF)
        xtf_failure("a store to a page table did not fault (vector %d)", vec);
    /* Restore our mapping, then make an L1 entry map that L1 itself writable. */
    uint32_t own = (virt_to_mfn(spare) << PAGE_SHIFT) | rw;
    struct mmu_update u = {(l1_mfn << PAGE_SHIFT) + slot * 4, (l1_mfn << PAGE_SHIFT) | rw};
    expect_rc(HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), -XEN_EBUSY,
              "an L1 entry mapping its own L1 writable");
    expect_rc(HYPERVISOR_update_va_mapping(va, own, UVMF_INVLPG), 0, "restoring the mapping");
    /* A page that is mapped writable cannot become a page table. */
    struct mmuext_op pin = {.cmd = MMUEXT_PIN_L1_TABLE};
    pin.arg1.mfn = virt_to_mfn(spare);
    memset(spare, 0, sizeof(spare));
    expect_rc(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), -XEN_EBUSY,
              "pinning a writably-mapped page as an L1");
    spare[0] = 1;
    if (spare[0] != 1)
        xtf_failure("the spare page is no longer writable");
}
