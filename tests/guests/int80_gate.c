/*
 * int80_gate - the direct system-call gate follows the guest's trap table.
 * pvlab points IDT vector 0x80 straight at the running guest's handler, so a
 * system call costs no hypervisor entry; the danger (the class of Xen's
 * int80_direct_trap bugs) is a gate left pointing where the guest no longer
 * wants it.  Here the guest registers a handler of its own and `int $0x80`
 * reaches it; then it clears its table (set_trap_table(NULL)) and registers
 * only its fault handlers: `int $0x80` must now fault into the guest (#NP or
 * #GP), never reach the old handler, also after switches to other vCPUs; and
 * registering it again makes it work again.  A gate of DPL 0 or for a
 * selector outside the guest's kernel code is refused whole.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] = "int $0x80 reaches only the handler the guest registered (direct gate)";

extern void trap_6(void), trap_11(void), trap_13(void), trap_14(void);
volatile uint32_t int80_count;
void int80_counter(void);
__asm__(".text\n"
        "int80_counter:\n"
        "    incl int80_count\n"
        "    iret\n");

static long set_table(const struct trap_info *t)
{
    return HYPERVISOR_set_trap_table((struct trap_info *)t);
}

static void expect_handled(uint32_t want, const char *what)
{
    uint32_t before = int80_count;
    int vec = TRY_INSN("int $0x80", : : : "memory");
    if (vec != -1 || int80_count != before + want)
        xtf_failure("%s: vector %d, handler ran %u times", what, vec, int80_count - before);
}

void test_main(void)
{
    static const struct trap_info mine[] = {{0x80, 3, FLAT_KERNEL_CS, (uint32_t)int80_counter},
                                            {0, 0, 0, 0}};
    static const struct trap_info faults_only[] = {{6, 0, FLAT_KERNEL_CS, (uint32_t)trap_6},
                                                   {11, 0, FLAT_KERNEL_CS, (uint32_t)trap_11},
                                                   {13, 0, FLAT_KERNEL_CS, (uint32_t)trap_13},
                                                   {14, 0, FLAT_KERNEL_CS, (uint32_t)trap_14},
                                                   {0, 0, 0, 0}};
    expect_rc(set_table(mine), 0, "registering a handler of our own");
    expect_handled(1, "int $0x80 to our handler");

    expect_rc(set_table(NULL), 0, "clearing the table");
    expect_rc(set_table(faults_only), 0, "registering only the fault handlers");
    for (int round = 0; round < 2; round++) {
        uint32_t before = int80_count;
        int vec = TRY_INSN("int $0x80", : : : "memory");
        if ((vec != 11 && vec != 13) || int80_count != before)
            xtf_failure("int $0x80 with no handler (round %d): vector %d, old handler ran %u times",
                        round, vec, int80_count - before);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL); /* the gate is reloaded at every switch */
    }

    static const struct trap_info ring0_selector[] = {
        {0x80, 3, FLAT_KERNEL_CS & ~3u, (uint32_t)int80_counter}, {0, 0, 0, 0}};
    static const struct trap_info into_hv[] = {{0x80, 3, FLAT_KERNEL_CS, HYPERVISOR_VIRT_START},
                                               {0, 0, 0, 0}};
    expect_refused(set_table(ring0_selector), "a gate into ring 0's selector");
    expect_refused(set_table(into_hv), "a gate into the hypervisor's addresses");
    {
        uint32_t before = int80_count;
        int vec = TRY_INSN("int $0x80", : : : "memory");
        if ((vec != 11 && vec != 13) || int80_count != before)
            xtf_failure("a refused gate was installed: vector %d", vec);
    }

    expect_rc(set_table(mine), 0, "registering our handler again");
    expect_handled(1, "int $0x80 after registering again");
    trap_init(); /* minios's own table back, for the verdict's sake */
}
