/*
 * hypercall_pointers - every hypercall argument that points into the guest
 * is checked: a pointer into the hypervisor's 64 MiB, a range that runs into
 * it, a pointer to unmapped memory, or a write to a read-only page gets
 * -EFAULT, and the hypervisor neither crashes nor writes where it should not.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] =
    "hypercall pointers into the hypervisor or unmapped memory get -EFAULT (XSA-2x class)";

static const uint32_t bad[] = {
    0xFC000000, /* the first hypervisor byte */
    0xFC100000, /* the hypervisor's code */
    0xFFFFF000, /* the top page */
    0x00001000, /* unmapped in minios */
    0x40000000, /* unmapped */
};

static void try_pointer(uint32_t p)
{
    char what[64];
    struct sched_shutdown dummy;
    (void)dummy;
#define TRY(expr, name)                                                                            \
    do {                                                                                           \
        snprintf(what, sizeof(what), "%s with %08x", name, p);                                     \
        expect_rc(expr, -XEN_EFAULT, what);                                                        \
    } while (0)
    TRY(HYPERVISOR_console_io(CONSOLEIO_write, 16, (const char *)p), "console_io write");
    TRY(HYPERVISOR_set_trap_table((const struct trap_info *)p), "set_trap_table");
    TRY(HYPERVISOR_mmu_update((const struct mmu_update *)p, 1, NULL, DOMID_SELF), "mmu_update");
    TRY(HYPERVISOR_mmuext_op((const struct mmuext_op *)p, 1, NULL, DOMID_SELF), "mmuext_op");
    TRY(HYPERVISOR_sched_op(SCHEDOP_shutdown, (void *)p), "sched_op shutdown");
    TRY(HYPERVISOR_sched_op(SCHEDOP_poll, (void *)p), "sched_op poll");
    TRY(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, (void *)p), "event_channel_op");
    TRY(HYPERVISOR_xen_version(XENVER_extraversion, (void *)p), "xen_version (write)");
    TRY(HYPERVISOR_sysctl((struct xen_sysctl *)p), "sysctl");
    TRY(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, (void *)p), "vcpu_op");
#undef TRY
}

void test_main(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
        try_pointer(bad[i]);

    /* A buffer that starts in guest memory but runs into the hypervisor. */
    expect_rc(HYPERVISOR_console_io(CONSOLEIO_write, 0x20, (const char *)0xFBFFFFF0), -XEN_EFAULT,
              "console_io write straddling 0xFC000000");
    /* A huge length that wraps around 4 GiB. */
    expect_rc(HYPERVISOR_console_io(CONSOLEIO_write, 0xFFFFFFF0, "x"), -XEN_EFAULT,
              "console_io write with a wrapping length");

    /* Results written to a read-only page (our page directory) must fail, not land. */
    uint32_t pd = start_info.pt_base;
    uint32_t before = *(volatile uint32_t *)pd;
    expect_rc(HYPERVISOR_xen_version(XENVER_extraversion, (void *)pd), -XEN_EFAULT,
              "xen_version writing into the read-only page directory");
    struct mmu_update req = {0, 0}; /* ptr 0: frame 0 is never ours */
    long rc = HYPERVISOR_mmu_update(&req, 1, (uint32_t *)pd, DOMID_SELF);
    expect_refused(rc, "mmu_update with its done-count written to a read-only page");
    if (*(volatile uint32_t *)pd != before)
        xtf_failure("the read-only page directory changed");

    /* A good pointer still works afterwards. */
    expect_rc(HYPERVISOR_console_io(CONSOLEIO_write, 3, "ok\n"), 0, "console_io write");
}
