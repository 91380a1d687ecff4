/*
 * hypervisor_memory - a ring-1 kernel cannot touch the hypervisor.  Paging
 * treats ring 1 as supervisor, so the classic defence is the segment limit
 * (0xFBFFFFFF); QEMU's TCG does not check data-segment limits, so pvlab also
 * unmaps the hypervisor while a guest runs (the guest root).  Every read and
 * write below must fault: #GP where the limit is enforced, #PF under TCG.
 * The entry area stays mapped for the CPU's sake, read-only except the page
 * the CPU pushes a trap frame into: writes to its code and to the descriptor
 * tables must fault too, and so must the running domain's windows beyond the
 * entry area, where the hypervisor counts the guest's hypercalls: a guest
 * that could write there could forge its own counters.  The hypervisor's own
 * stack lies directly below the frame page (arch/x86/entry.S), so right after
 * hypercalls have run on it, no word of the 16 KiB below the frame page may
 * be readable, and the frame page must hold nothing beyond the 68-byte frame.
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
    0xFF810000, /* the running domain's windows: its struct domain, with its counters, */
    0xFF811000, /* and its shared_info, mapped for the hypervisor alone (hv/config.h) */
    0xFFFFFFFC, /* the last word */
};

static int blocked(int vec)
{
    return vec == VEC_GP || vec == VEC_PF;
}

#define ENTRY_AREA  0xFF800000u
#define ENTRY_END   0xFF840000u /* the entry area is far smaller than this */
#define HV_STACK    (16u * 1024) /* hv/config.h: HV_STACK_SIZE */
#define FRAME_BYTES 68           /* struct cpu_user_regs */

/* The entry page a ring-1 kernel can write: where the CPU pushes its trap frames. */
static uint32_t frame_page(void)
{
    for (uint32_t a = ENTRY_AREA; a < ENTRY_END; a += 0x1000) {
        uint32_t v;
        if (TRY_INSN("movl (%1), %0", : "=r"(v) : "r"(a) : "memory") != -1)
            continue;
        if (TRY_INSN("movl %0, (%1)", : : "r"(v), "r"(a) : "memory") == -1)
            return a; /* wrote back what was there */
    }
    return 0;
}

/* After a hypercall: the stack it ran on is unreadable, and the frame page clean above the frame. */
static void check_hypervisor_stack(void)
{
    uint32_t page = frame_page();
    if (!page) {
        xtf_error("no writable page in the entry area (where does the CPU push a trap frame?)");
        return;
    }
    for (uint32_t a = page - HV_STACK; a < page; a += 4) {
        expect_rc(HYPERVISOR_xen_version(XENVER_version, NULL) >> 16, PVLAB_VERSION_MAJOR,
                  "xen_version before reading the hypervisor stack");
        int r = TRY_INSN("movl (%0), %%eax", : : "r"(a) : "eax", "memory");
        if (!blocked(r)) {
            xtf_failure("the hypervisor stack at %08x was readable (vector %d)", a, r);
            return;
        }
    }
    for (uint32_t a = page + FRAME_BYTES; a < page + 0x1000; a += 4)
        if (*(volatile uint32_t *)a != 0) {
            xtf_failure("the frame page holds %08x at %08x, beyond the frame", *(uint32_t *)a, a);
            return;
        }
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
    check_hypervisor_stack();
    /* And the hypervisor still answers. */
    expect_rc(HYPERVISOR_xen_version(XENVER_version, NULL) >> 16, PVLAB_VERSION_MAJOR,
              "xen_version after the attempts");
}
