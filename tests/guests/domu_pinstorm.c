/*
 * domu_pinstorm - pinning and unpinning page directories as a denial of
 * service (the XSA-45 class; issue 14, defect 3).
 *
 * Pinning an L2 validates every L1 it points to, and unpinning the last
 * reference releases them: here 4 page directories share 512 L1s of 1024
 * entries each, so one mmuext_op of 4 pins and 4 unpins touches about a
 * million entries.  Done in one go with interrupts off, that held the CPU for
 * a fifth of a second and more.  The hypervisor now does it in steps of
 * MM_L2_BUDGET L2 entries with hypercall continuations, so dom0 keeps
 * answering; the test checks dom0's wake latency while this runs, and this
 * guest checks every pin and unpin still does exactly its job.
 */
#include "xtf.h"

const char test_title[] = "a storm of L2 pins and unpins cannot hold the CPU (XSA-45 class)";

#define NR_L1 512
#define NR_L2 4

static void readonly(void *va)
{
    expect_rc(map_frame_at((uint32_t)va, virt_to_mfn(va), _PAGE_PRESENT | _PAGE_ACCESSED), 0,
              "remapping a page-table page read-only");
}

/* NR_L2 directories over the same NR_L1 full L1s, each L1 mapping `data` read-only 1024 times. */
static void build(uint32_t *l2_mfn)
{
    uint32_t data = virt_to_mfn(alloc_page());
    uint32_t *l1s = alloc_pages(NR_L1);
    if (!l1s) {
        xtf_failure("out of memory for %u L1s", NR_L1);
        return;
    }
    for (int i = 0; i < NR_L1; i++) {
        uint32_t *l1 = l1s + i * 1024;
        for (int j = 0; j < 1024; j++)
            l1[j] = (data << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER;
        readonly(l1);
    }
    for (int k = 0; k < NR_L2; k++) {
        uint32_t *l2 = alloc_page();
        for (int i = 0; i < NR_L1; i++)
            l2[i] = (virt_to_mfn(l1s + i * 1024) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER;
        readonly(l2);
        l2_mfn[k] = virt_to_mfn(l2);
    }
}

void test_main(void)
{
    uint32_t l2[NR_L2];
    build(l2);
    struct mmuext_op ops[2 * NR_L2];
    for (int k = 0; k < NR_L2; k++) {
        ops[k] = (struct mmuext_op){.cmd = MMUEXT_PIN_L2_TABLE};
        ops[k].arg1.mfn = l2[k];
        ops[NR_L2 + k] = (struct mmuext_op){.cmd = MMUEXT_UNPIN_TABLE};
        ops[NR_L2 + k].arg1.mfn = l2[k];
    }
    printf("XTF: %s: storming\n", start_info.cmd_line);
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory"); /* the lab plugin's window starts */
    uint64_t t0 = monotonic_ns();
    int rounds = 0;
    while (monotonic_ns() - t0 < 3000000000ull) {
        uint32_t done = 0;
        long rc = HYPERVISOR_mmuext_op(ops, 2 * NR_L2, &done, DOMID_SELF);
        if (rc != 0 || done != 2 * NR_L2) {
            xtf_failure("round %d: mmuext_op returned %ld after %u ops", rounds, rc, done);
            return;
        }
        rounds++;
    }
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory"); /* ... and ends */
    /* A pinned directory is really validated: pinning it twice is refused, unpinning works. */
    struct mmuext_op pin = {.cmd = MMUEXT_PIN_L2_TABLE};
    pin.arg1.mfn = l2[0];
    expect_rc(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), 0, "a last pin");
    expect_rc(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), -22, "pinning it twice");
    pin.cmd = MMUEXT_UNPIN_TABLE;
    expect_rc(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), 0, "the last unpin");
    printf("%s: %d rounds of %d pins and unpins\n", start_info.cmd_line, rounds, 2 * NR_L2);
}
