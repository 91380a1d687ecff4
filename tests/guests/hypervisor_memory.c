/*
 * hypervisor_memory - a ring-1 kernel cannot touch the hypervisor.  Paging
 * treats ring 1 as supervisor, so the classic defence is the segment limit
 * (0xFBFFFFFF); QEMU's TCG does not check data-segment limits, so pvlab also
 * unmaps the hypervisor while a guest runs (the guest root).  Every read and
 * write below must fault: #GP where the limit is enforced, #PF under TCG.
 * The entry area stays mapped for the CPU's sake, read-only except its stack:
 * writes to its code and to the descriptor tables must fault too.
 */
#include "xtf.h"

const char test_title[] = "a ring-1 kernel cannot read or write hypervisor memory";

static const uint32_t hypervisor[] = {
    0xFC000000, /* direct map: machine frame 0 */
    0xFC100000, /* the hypervisor's code */
    0xFC10A000, /* its data */
    0xFC200000, /* heap and frame table */
    0xFEFFF000, /* the end of the direct map */
    0xFFC00000, /* the map_domain_page window */
    0xFFFFFFFC, /* the last word */
};

static int blocked(int vec)
{
    return vec == VEC_GP || vec == VEC_PF;
}

void test_main(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(hypervisor); i++) {
        uint32_t a = hypervisor[i];
        int r = TRY_INSN("movl (%0), %%eax", : : "r"(a) : "eax", "memory");
        int w = TRY_INSN("movl $0xdeadbeef, (%0)", : : "r"(a) : "memory");
        if (!blocked(r))
            xtf_failure("reading %08x was not stopped (vector %d)", a, r);
        if (!blocked(w))
            xtf_failure("writing %08x was not stopped (vector %d)", a, w);
    }
    /* The entry area: the IDT stubs (first page) and descriptor tables (next two). */
    for (uint32_t a = 0xFF800000; a < 0xFF803000; a += 0x1000) {
        int w = TRY_INSN("movl $0xdeadbeef, (%0)", : : "r"(a) : "memory");
        if (!blocked(w))
            xtf_failure("writing the entry area at %08x was not stopped (vector %d)", a, w);
    }
    /* Through a segment override with the ring-1 selectors, too. */
    uint32_t sel = FLAT_KERNEL_DS, a = 0xFC100000;
    __asm__ volatile("movl %0, %%fs" : : "r"(sel));
    int r = TRY_INSN("movl %%fs:(%0), %%eax", : : "r"(a) : "eax", "memory");
    if (!blocked(r))
        xtf_failure("reading %08x through %%fs was not stopped (vector %d)", a, r);
    /* And the hypervisor still answers. */
    expect_rc(HYPERVISOR_xen_version(XENVER_version, NULL) >> 16, PVLAB_VERSION_MAJOR,
              "xen_version after the attempts");
}
