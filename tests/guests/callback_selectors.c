/*
 * callback_selectors - the entry points a guest registers (trap handlers,
 * its ring-1 stack, the event and failsafe callbacks) cannot name a ring-0 or
 * ring-3 selector or an address in the hypervisor (the class of XSA-339 and
 * the early set_trap_table/stack_switch bugs): each is refused with -EINVAL,
 * nothing of it is kept, and the guest's real handlers still work afterwards.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] =
    "set_trap_table, stack_switch, set_callbacks: ring-0 selectors refused (XSA-339 class)";

static void handler(void) {}

static void bad_trap(uint8_t vector, uint16_t cs, uint32_t address, const char *what)
{
    struct trap_info t[2] = {{.vector = vector, .flags = 0, .cs = cs, .address = address}, {0}};
    expect_rc(HYPERVISOR_set_trap_table(t), -XEN_EINVAL, what);
}

void test_main(void)
{
    uint32_t h = (uint32_t)handler;
    bad_trap(13, __HYPERVISOR_CS, h, "a #GP handler in the hypervisor's code segment");
    bad_trap(13, FLAT_USER_CS, h, "a #GP handler in ring 3");
    bad_trap(13, 0, h, "a null code selector");
    bad_trap(14, FLAT_KERNEL_CS, 0xFC100000, "a #PF handler inside the hypervisor");
    bad_trap(14, FLAT_KERNEL_CS, 0xFFFFFFF0, "a #PF handler at the top of memory");
    bad_trap(0x82, FLAT_KERNEL_CS, h, "taking over the hypercall vector");
    bad_trap(0x80, __HYPERVISOR_CS | 3, h, "a system call gate into ring 0 with RPL 3");

    expect_rc(HYPERVISOR_stack_switch(__HYPERVISOR_CS + 8, 0x1000), -XEN_EINVAL,
              "a ring-0 stack segment");
    expect_rc(HYPERVISOR_stack_switch(FLAT_USER_DS, 0x1000), -XEN_EINVAL, "a ring-3 stack segment");
    expect_rc(HYPERVISOR_stack_switch(FLAT_KERNEL_SS, 0xFC200000), -XEN_EINVAL,
              "a ring-1 stack inside the hypervisor");

    expect_rc(HYPERVISOR_set_callbacks(__HYPERVISOR_CS, handler, 0, NULL), -XEN_EINVAL,
              "an event callback in ring 0");
    expect_rc(HYPERVISOR_set_callbacks(FLAT_KERNEL_CS, (void (*)(void))0xFC000000, 0, NULL),
              -XEN_EINVAL, "an event callback inside the hypervisor");
    expect_rc(HYPERVISOR_set_callbacks(FLAT_KERNEL_CS, handler, __HYPERVISOR_CS, handler),
              -XEN_EINVAL, "a failsafe callback in ring 0");

    /* Nothing of the above was kept: our own #GP handler still fixes up a fault. */
    if (TRY_INSN("cli", ::: "memory") != VEC_GP)
        xtf_failure("after the refusals, cli no longer reaches our #GP handler");
}
