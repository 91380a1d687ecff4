/*
 * privileged_insns - ring 1 is not ring 0: cli, sti, hlt, lgdt, lidt, ltr,
 * reading or writing %cr3 and %cr0, invlpg, wbinvd and port I/O all raise
 * #GP, bounced to the guest's handler; none reaches the hardware.
 */
#include "xtf.h"

const char test_title[] = "cli, hlt, lgdt, mov %cr3 and friends raise #GP in ring 1";

void test_main(void)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) table = {0, 0};
    uint32_t zero = 0;
    struct pvlab_counters before = read_counters();
    struct {
        const char *name;
        int vec;
    } r[] = {
        {"cli", TRY_INSN("cli",
                         :
                         :
                         : "memory")},
        {"sti", TRY_INSN("sti",
                         :
                         :
                         : "memory")},
        {"hlt", TRY_INSN("hlt",
                         :
                         :
                         : "memory")},
        {"lgdt", TRY_INSN("lgdt (%0)",
                          :
                          : "r"(&table)
                          : "memory")},
        {"lidt", TRY_INSN("lidt (%0)",
                          :
                          : "r"(&table)
                          : "memory")},
        {"ltr", TRY_INSN("ltr %w0",
                         :
                         : "r"(zero)
                         : "memory")},
        {"mov %cr3 -> reg", TRY_INSN("movl %%cr3, %%eax",
                                     :
                                     :
                                     : "eax", "memory")},
        {"mov reg -> %cr3", TRY_INSN("movl %0, %%cr3",
                                     :
                                     : "r"(zero)
                                     : "memory")},
        {"mov reg -> %cr0", TRY_INSN("movl %0, %%cr0",
                                     :
                                     : "r"(zero)
                                     : "memory")},
        {"invlpg", TRY_INSN("invlpg (%0)",
                            :
                            : "r"(&table)
                            : "memory")},
        {"wbinvd", TRY_INSN("wbinvd",
                            :
                            :
                            : "memory")},
        {"outb", TRY_INSN("outb %%al, $0x80",
                          :
                          : "a"(0)
                          : "memory")},
        {"inb", TRY_INSN("inb $0x64, %%al",
                         :
                         :
                         : "eax", "memory")},
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(r); i++)
        if (r[i].vec != VEC_GP)
            xtf_failure("%s gave vector %d, expected #GP", r[i].name, r[i].vec);
    struct pvlab_counters after = read_counters();
    if (after.bounces - before.bounces != ARRAY_SIZE(r))
        xtf_failure("%u faults bounced, expected %u", (uint32_t)(after.bounces - before.bounces),
                    (uint32_t)ARRAY_SIZE(r));
}
