/*
 * iret_crafted - an iret from ring 1 with a crafted frame cannot enter ring
 * 0 or the hypervisor (the class of the x86 iret/sysret privilege bugs, e.g.
 * XSA-7, and of guests returning through frames they built themselves).
 *
 * Each attempt pushes a frame (EFLAGS, CS, EIP) and executes iret: to the
 * hypervisor's code selector, with RPL 0 and with our RPL; to ring 1 at an
 * address inside the hypervisor.  Each must fault (#GP, or #PF once past the
 * segment check) and be bounced back to us, and the hypervisor still answers
 * hypercalls afterwards.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] = "iret with crafted frames cannot reach ring 0 or the hypervisor";

/* iret to (cs, eip, eflags); returns the vector it faulted with, or -1 if it landed at `back`. */
static int crafted_iret(uint32_t cs, uint32_t eip, uint32_t eflags)
{
    uint32_t before = faults_fixed_up;
    __asm__ volatile("pushl %[fl]\n"
                     "pushl %[cs]\n"
                     "pushl %[ip]\n"
                     "1: iret\n"
                     "2:\n"
                     ".pushsection .ex_table, \"a\"\n.long 1b, 3f\n.popsection\n"
                     ".pushsection .text.fixup, \"ax\"\n"
                     "3: addl $12, %%esp\n" /* the frame the faulting iret left behind */
                     "jmp 2b\n"
                     ".popsection\n"
                     :
                     : [fl] "r"(eflags), [cs] "r"(cs), [ip] "r"(eip)
                     : "memory");
    return faults_fixed_up != before ? (int)last_fault_vector : -1;
}

/*
 * iret to ring 1 at 0xFC100000.  Hardware refuses it at the iret (the address
 * is past CS's limit, #GP with the frame still on the stack); QEMU's TCG lets
 * the iret through and faults on the first fetch there (#PF at that address,
 * the frame gone, because the guest root does not map the hypervisor).  Both
 * are recovered here through the exception table, each with its own fixup.
 */
#define HV_CODE 0xFC100000
static int iret_into_hypervisor(uint32_t eflags)
{
    uint32_t before = faults_fixed_up;
    __asm__ volatile("pushl %[fl]\n"
                     "pushl %[cs]\n"
                     "pushl %[ip]\n"
                     "1: iret\n"
                     "2:\n"
                     ".pushsection .ex_table, \"a\"\n.long 1b, 3f\n.long %c[ip], 2b\n.popsection\n"
                     ".pushsection .text.fixup, \"ax\"\n"
                     "3: addl $12, %%esp\n"
                     "jmp 2b\n"
                     ".popsection\n"
                     :
                     : [fl] "r"(eflags), [cs] "i"(FLAT_KERNEL_CS), [ip] "i"(HV_CODE)
                     : "memory");
    return faults_fixed_up != before ? (int)last_fault_vector : -1;
}

static void landed(void) {}

void test_main(void)
{
    uint32_t flags;
    __asm__ volatile("pushfl; popl %0" : "=r"(flags));
    int v = crafted_iret(__HYPERVISOR_CS, (uint32_t)landed, flags);
    if (v != VEC_GP)
        xtf_failure("iret to the hypervisor's code selector gave %d, expected #GP", v);
    v = crafted_iret(__HYPERVISOR_CS & ~3u, (uint32_t)landed, flags);
    if (v != VEC_GP)
        xtf_failure("iret to selector %x (RPL 0) gave %d, expected #GP", __HYPERVISOR_CS & ~3u, v);
    v = iret_into_hypervisor(flags);
    if (v != VEC_GP && v != VEC_PF)
        xtf_failure("iret into the hypervisor's code gave %d, expected #GP or #PF", v);
    expect_rc(HYPERVISOR_xen_version(XENVER_version, NULL) > 0 ? 0 : -1, 0,
              "a hypercall after the crafted irets");
}
