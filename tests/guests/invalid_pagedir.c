/*
 * invalid_pagedir - MMUEXT_NEW_BASEPTR loads only a pinned page directory
 * the domain owns.  An unpinned page, an L1, a hypervisor frame, a frame past
 * the end of memory, and a directory whose entries are bad must all be
 * refused, and the domain keeps running on its own page directory.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] = "loading an invalid page directory is refused (XSA-148 class)";

static long new_baseptr(uint32_t mfn)
{
    struct mmuext_op op = {.cmd = MMUEXT_NEW_BASEPTR};
    op.arg1.mfn = mfn;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static long pin(uint32_t cmd, uint32_t mfn)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.mfn = mfn;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

void test_main(void)
{
    const uint32_t *l2 = (const uint32_t *)start_info.pt_base;
    uint32_t l1_mfn = l2[VIRT_BASE >> 22] >> PAGE_SHIFT;
    uint32_t *page = alloc_page();
    uint32_t page_mfn = virt_to_mfn(page);

    expect_refused(new_baseptr(page_mfn), "new_baseptr of an ordinary page");
    expect_refused(new_baseptr(l1_mfn), "new_baseptr of an L1 table");
    expect_refused(new_baseptr(0x100), "new_baseptr of a hypervisor frame");
    expect_refused(new_baseptr(0xFFFFF), "new_baseptr past the end of memory");
    expect_refused(new_baseptr(0), "new_baseptr of frame 0");

    /* A directory whose slot points at a hypervisor frame cannot be pinned. */
    page[0] = (0x100 << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW;
    expect_rc(
        HYPERVISOR_update_va_mapping(
            (uint32_t)page, (page_mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED, UVMF_INVLPG),
        0, "making the candidate directory read-only");
    expect_refused(pin(MMUEXT_PIN_L2_TABLE, page_mfn), "pinning a directory with a bad entry");
    expect_refused(new_baseptr(page_mfn), "new_baseptr of the unpinnable directory");

    /* Writing a hypervisor slot (>= 1008) of our pinned directory. */
    struct mmu_update u = {(virt_to_mfn(l2) << PAGE_SHIFT) + 1008 * 4,
                           (page_mfn << PAGE_SHIFT) | _PAGE_PRESENT};
    expect_rc(HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), -XEN_EPERM,
              "writing page-directory slot 1008");

    /* Reloading our own, valid, pinned directory works. */
    expect_rc(new_baseptr(virt_to_mfn(l2)), 0, "new_baseptr of our own directory");
}
