/*
 * linear_pagetable - a page directory cannot be used as a page table, nor
 * reach into the hypervisor's slots (the class of XSA-240 and XSA-182:
 * "linear" or recursive page tables, where an L2 entry names an L2 so that
 * the guest sees page tables as data, and a writable one lets it forge
 * mappings).  An entry of our pinned page directory naming that directory
 * itself, read-only or writable, is refused; so is one naming another pinned
 * directory, and a write to the entries that map the hypervisor (0xFC000000
 * up), even one that clears them.  Each refusal leaves the directory as it
 * was, and the domain keeps running on it.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] = "linear and recursive page tables, and the hypervisor's L2 slots, are "
                          "refused (XSA-240, XSA-182 class)";

static uint32_t spare_l2[1024] __attribute__((aligned(PAGE_SIZE)));

static long set_l2e(uint32_t l2_mfn, uint32_t slot, uint32_t val)
{
    struct mmu_update u = {((uint64_t)l2_mfn << PAGE_SHIFT) + slot * 4, val};
    return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

void test_main(void)
{
    volatile const uint32_t *l2 = (const uint32_t *)start_info.pt_base;
    uint32_t l2_mfn = virt_to_mfn((void *)l2);
    const uint32_t slot = 0x40000000u >> 22; /* 1 GiB: unused by this guest */
    const uint32_t hv_slot = HYPERVISOR_VIRT_START >> 22;
    uint32_t ro = _PAGE_PRESENT | _PAGE_ACCESSED, rw = ro | _PAGE_RW | _PAGE_DIRTY;
    uint32_t before = l2[slot], hv_before = l2[hv_slot];

    expect_refused(set_l2e(l2_mfn, slot, (l2_mfn << PAGE_SHIFT) | ro),
                   "an L2 entry naming its own L2, read-only");
    expect_refused(set_l2e(l2_mfn, slot, (l2_mfn << PAGE_SHIFT) | rw),
                   "an L2 entry naming its own L2, writable");

    /* A second directory of our own, pinned: naming it from the first is refused too. */
    make_page_readonly(spare_l2);
    struct mmuext_op pin = {.cmd = MMUEXT_PIN_L2_TABLE};
    pin.arg1.mfn = virt_to_mfn(spare_l2);
    long rc = HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF);
    if (rc != 0)
        xtf_failure("pinning an empty L2 of our own returned %ld", rc);
    expect_refused(set_l2e(l2_mfn, slot, (pin.arg1.mfn << PAGE_SHIFT) | ro),
                   "an L2 entry naming another pinned L2");

    expect_refused(set_l2e(l2_mfn, hv_slot, 0), "clearing the hypervisor's first L2 slot");
    expect_refused(set_l2e(l2_mfn, 1023, (l2_mfn << PAGE_SHIFT) | ro),
                   "the last L2 slot naming the L2");

    if (l2[slot] != before || l2[hv_slot] != hv_before)
        xtf_failure("a refused update changed the directory (%08x -> %08x, %08x -> %08x)", before,
                    l2[slot], hv_before, l2[hv_slot]);
    pin.cmd = MMUEXT_UNPIN_TABLE;
    expect_rc(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), 0, "unpinning the second L2");
}
