/*
 * segment_dpl0 - a ring-1 kernel cannot load the hypervisor's ring-0
 * segments: each attempt (%ds, %es, %fs, %gs, %ss, and a far jump to the
 * ring-0 code selector) raises #GP, which the hypervisor bounces to us.
 */
#include "xtf.h"

const char test_title[] = "loading a DPL-0 selector into a segment register raises #GP";

void test_main(void)
{
    uint32_t hds = __HYPERVISOR_DS;
    struct {
        uint32_t off;
        uint16_t sel;
    } __attribute__((packed)) far = {0, __HYPERVISOR_CS};
    struct pvlab_counters before = read_counters();
    int v[6];
    v[0] = TRY_INSN("movl %0, %%ds", : : "r"(hds) : "memory");
    v[1] = TRY_INSN("movl %0, %%es", : : "r"(hds) : "memory");
    v[2] = TRY_INSN("movl %0, %%fs", : : "r"(hds) : "memory");
    v[3] = TRY_INSN("movl %0, %%gs", : : "r"(hds) : "memory");
    v[4] = TRY_INSN("movl %0, %%ss", : : "r"(hds) : "memory");
    v[5] = TRY_INSN("ljmp *(%0)", : : "r"(&far) : "memory");
    static const char *const what[] = {"%ds", "%es", "%fs", "%gs", "%ss", "far jump"};
    for (int i = 0; i < 6; i++)
        if (v[i] != VEC_GP)
            xtf_failure("loading %s with 0x%x gave vector %d, expected #GP", what[i], hds, v[i]);
    struct pvlab_counters after = read_counters();
    if (after.bounces - before.bounces != 6)
        xtf_failure("%u faults bounced, expected 6", (uint32_t)(after.bounces - before.bounces));
    uint16_t ds;
    __asm__ volatile("mov %%ds, %0" : "=r"(ds));
    if (ds != FLAT_KERNEL_DS)
        xtf_failure("%%ds is now %x", ds);
}
