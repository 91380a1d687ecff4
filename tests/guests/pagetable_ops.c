/*
 * pagetable_ops - the legitimate page-table operations work: a guest builds a
 * second address space from its own frames, pins it, switches to it with
 * MMUEXT_NEW_BASEPTR, runs there, switches back and unpins it; it pins and
 * unpins an L1; changes a mapping with update_va_mapping and sees the new
 * frame after INVLPG; and MMU_MACHPHYS_UPDATE is accepted for its own frame.
 */
#include "xtf.h"

const char test_title[] =
    "pin, unpin, new_baseptr, update_va_mapping, tlb flush and invlpg work (XSA-148 class)";

static long mmuext(uint32_t cmd, uint32_t arg)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.mfn = arg;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void make_readonly(void *va)
{
    expect_rc(map_frame_at((uint32_t)va, virt_to_mfn(va), _PAGE_PRESENT | _PAGE_ACCESSED), 0,
              "remapping a page read-only");
}

static void second_address_space(void)
{
    const uint32_t *cur = (const uint32_t *)start_info.pt_base;
    uint32_t *l2 = alloc_page();
    memcpy(l2, cur, 1008 * 4); /* the same L1s: they are validated once more by reference */
    make_readonly(l2);
    uint32_t mfn = virt_to_mfn(l2);
    expect_rc(mmuext(MMUEXT_PIN_L2_TABLE, mfn), 0, "pinning a copy of our page directory");
    expect_rc(mmuext(MMUEXT_NEW_BASEPTR, mfn), 0, "switching to it");
    volatile uint32_t probe = start_info.nr_pages; /* we are running on it */
    (void)probe;
    expect_rc(mmuext(MMUEXT_NEW_BASEPTR, virt_to_mfn(cur)), 0, "switching back");
    expect_rc(mmuext(MMUEXT_UNPIN_TABLE, mfn), 0, "unpinning the copy");
    expect_rc(mmuext(MMUEXT_UNPIN_TABLE, mfn), -22, "unpinning it twice");
}

static void pin_an_l1(void)
{
    uint32_t *l1 = alloc_page();
    uint32_t *data = alloc_page();
    l1[5] = (virt_to_mfn(data) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW;
    make_readonly(l1);
    expect_rc(mmuext(MMUEXT_PIN_L1_TABLE, virt_to_mfn(l1)), 0, "pinning an L1");
    /* While it maps `data` writable, `data` cannot become a page table. */
    expect_rc(mmuext(MMUEXT_PIN_L1_TABLE, virt_to_mfn(data)), -16, "pinning a mapped data page");
    expect_rc(mmuext(MMUEXT_UNPIN_TABLE, virt_to_mfn(l1)), 0, "unpinning the L1");
}

static void remap_and_flush(void)
{
    uint8_t *a = alloc_page(), *b = alloc_page();
    a[0] = 0xAA;
    b[0] = 0xBB;
    uint32_t flags = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    /* Map b's frame at a's address without a flush request, then flush by hand. */
    expect_rc(HYPERVISOR_update_va_mapping((uint32_t)a, (virt_to_mfn(b) << PAGE_SHIFT) | flags,
                                           UVMF_NONE),
              0, "update_va_mapping without flush");
    expect_rc(mmuext(MMUEXT_INVLPG_LOCAL, (uint32_t)a), 0, "invlpg");
    if (a[0] != 0xBB)
        xtf_failure("after invlpg the old frame is still visible");
    expect_rc(HYPERVISOR_update_va_mapping((uint32_t)a, (virt_to_mfn(b) << PAGE_SHIFT) | flags,
                                           UVMF_TLB_FLUSH),
              0, "update_va_mapping with a TLB flush");
    expect_rc(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0), 0, "tlb_flush_local");
    struct mmu_update u = {((uint64_t)virt_to_mfn(b) << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE,
                           virt_to_pfn(b)};
    expect_rc(HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), 0, "MMU_MACHPHYS_UPDATE");
}

/* Batches larger than the hypervisor does in one go continue transparently. */
static void long_batches(void)
{
    static struct mmu_update reqs[1000];
    uint8_t *page = alloc_page();
    for (int i = 0; i < 1000; i++)
        reqs[i] = (struct mmu_update){
            ((uint64_t)virt_to_mfn(page) << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, virt_to_pfn(page)};
    uint32_t done = 0;
    expect_rc(HYPERVISOR_mmu_update(reqs, 1000, &done, DOMID_SELF), 0, "1000 mmu_updates");
    if (done != 1000)
        xtf_failure("mmu_update reported %u of 1000 done", done);
    /* A bad request deep in a long batch: the count says exactly where it stopped. */
    reqs[700].ptr = 0; /* frame 0 is never ours */
    done = 0;
    expect_refused(HYPERVISOR_mmu_update(reqs, 1000, &done, DOMID_SELF), "a bad update at 700");
    if (done != 700)
        xtf_failure("after a refusal at 700, mmu_update reported %u done", done);
    static struct mmuext_op ops[40];
    uint32_t *l1 = alloc_page();
    make_readonly(l1);
    for (int i = 0; i < 40; i++) {
        ops[i].cmd = i % 2 ? MMUEXT_UNPIN_TABLE : MMUEXT_PIN_L1_TABLE;
        ops[i].arg1.mfn = virt_to_mfn(l1);
    }
    done = 0;
    expect_rc(HYPERVISOR_mmuext_op(ops, 40, &done, DOMID_SELF), 0, "20 pin/unpin pairs");
    if (done != 40)
        xtf_failure("mmuext_op reported %u of 40 done", done);
    static char text[3000];
    memset(text, '.', sizeof(text));
    text[sizeof(text) - 1] = '\n';
    expect_rc(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(text), text), 0,
              "a 3000-byte console write");
}

void test_main(void)
{
    struct pvlab_counters before = read_counters();
    second_address_space();
    pin_an_l1();
    remap_and_flush();
    long_batches();
    struct pvlab_counters after = read_counters();
    if (after.cr3_loads - before.cr3_loads < 2)
        xtf_failure("the two page-directory switches were not counted");
}
