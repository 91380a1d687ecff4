/*
 * plugin_window - a marker window with a known number of page-directory
 * switches, seen by two instruments at once (tests/instrument_tests.py).
 *
 * Run as the initial domain under the lab's QEMU plugin.  Between two
 * `xchg %bx,%bx` markers the guest asks the hypervisor for SWITCHES
 * MMUEXT_NEW_BASEPTR loads, alternating between its own page directory and a
 * pinned copy; around the window it reads its own hypervisor counters
 * (XEN_SYSCTL_pvlab_counters) and prints the differences on one line:
 *
 *     PLUGIN_WINDOW switches=N cr3_loads=N hv_entries=N hypercalls=N
 *
 * The plugin must find exactly cr3_loads executions of the `mov %cr3` in the
 * hypervisor's load_guest_pagetable(), and the hypervisor's entry count
 * (which also includes the second sysctl, after the window) one more than the
 * guest-kernel-to-hypervisor mode changes the plugin saw in the window.
 */
#include "xtf.h"

const char test_title[] = "page-directory switches between markers, counted by the hypervisor";

#define SWITCHES 10

static long mmuext(uint32_t cmd, uint32_t arg)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.mfn = arg;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static inline void marker(void)
{
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
}

void test_main(void)
{
    const uint32_t *cur = (const uint32_t *)start_info.pt_base;
    uint32_t *copy = alloc_page();
    memcpy(copy, cur, 1008 * 4); /* the guest slots: the same L1s, validated once more */
    make_page_readonly(copy);
    uint32_t mfn[2] = {virt_to_mfn(copy), virt_to_mfn(cur)};
    expect_rc(mmuext(MMUEXT_PIN_L2_TABLE, mfn[0]), 0, "pinning a copy of our page directory");

    struct pvlab_counters before = read_counters();
    marker();
    long bad = 0;
    for (int i = 0; i < SWITCHES; i++)
        bad |= mmuext(MMUEXT_NEW_BASEPTR, mfn[i % 2]);
    marker();
    struct pvlab_counters after = read_counters();

    expect_rc(bad, 0, "MMUEXT_NEW_BASEPTR");
    printf("PLUGIN_WINDOW switches=%d cr3_loads=%u hv_entries=%u hypercalls=%u\n", SWITCHES,
           (uint32_t)(after.cr3_loads - before.cr3_loads),
           (uint32_t)(after.hv_entries - before.hv_entries),
           (uint32_t)(after.hypercalls - before.hypercalls));
    if (after.cr3_loads - before.cr3_loads != SWITCHES)
        xtf_failure("the hypervisor counted %u CR3 loads, expected %d",
                    (uint32_t)(after.cr3_loads - before.cr3_loads), SWITCHES);
    expect_rc(mmuext(MMUEXT_UNPIN_TABLE, mfn[0]), 0, "unpinning the copy");
}
