/*
 * domu_privileged - an unprivileged domain cannot use the control domain's
 * interfaces: every domctl, the privileged sysctls, remote shutdown, reading
 * the hypervisor's console, and foreign page-table updates get -EPERM.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/physdev.h>

const char test_title[] = "domctl and other privileged operations from a domU get -EPERM";

void test_main(void)
{
    static const uint32_t cmds[] = {XEN_DOMCTL_createdomain,  XEN_DOMCTL_destroydomain,
                                    XEN_DOMCTL_pausedomain,   XEN_DOMCTL_unpausedomain,
                                    XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem,
                                    XEN_DOMCTL_pvlab_build,   999};
    for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
        struct xen_domctl op;
        memset(&op, 0, sizeof(op));
        op.cmd = cmds[i];
        op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
        op.domain = 0;
        char what[40];
        snprintf(what, sizeof(what), "domctl %u", cmds[i]);
        expect_rc(HYPERVISOR_domctl(&op), -XEN_EPERM, what);
    }
    struct xen_sysctl s = {.cmd = XEN_SYSCTL_physinfo,
                           .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    expect_rc(HYPERVISOR_sysctl(&s), -XEN_EPERM, "sysctl physinfo");
    s.cmd = XEN_SYSCTL_readconsole;
    expect_rc(HYPERVISOR_sysctl(&s), -XEN_EPERM, "sysctl readconsole");
    s.cmd = XEN_SYSCTL_pvlab_counters;
    s.u.pvlab_counters.domid = 0;
    expect_rc(HYPERVISOR_sysctl(&s), -XEN_EPERM, "reading dom0's counters");
    struct sched_remote_shutdown r = {.domain_id = 0, .reason = SHUTDOWN_poweroff};
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &r), -XEN_EPERM,
              "remote shutdown of dom0");
    char c;
    expect_rc(HYPERVISOR_console_io(CONSOLEIO_read, 1, &c), -XEN_EPERM, "console_io read");
    struct mmu_update u = {0, 0};
    expect_rc(HYPERVISOR_mmu_update(&u, 1, NULL, 0), -XEN_EPERM, "mmu_update for dom0");
    struct physdev_pvlab_ioport_grant g = {0x1F0, 8};
    expect_rc(HYPERVISOR_physdev_op(PHYSDEVOP_pvlab_ioport_grant, &g), -XEN_EPERM,
              "asking for the disk's I/O ports");
    struct physdev_eoi e = {14};
    expect_rc(HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &e), -XEN_EPERM, "EOI of the disk's IRQ");
    struct evtchn_bind_pirq bp = {.pirq = 14};
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &bp), -XEN_EPERM,
              "binding the disk's IRQ");
    uint32_t port = 0x1F7; /* the disk's status register, which dom0 may read */
    int vec = TRY_INSN("inb %%dx, %%al", : : "d"(port) : "eax", "memory");
    if (vec != VEC_GP)
        xtf_failure("reading the disk's status port gave vector %d, expected #GP", vec);
    struct evtchn_alloc_unbound a = {.dom = 0, .remote_dom = 0};
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), -XEN_EPERM,
              "alloc_unbound in dom0's name");
}
