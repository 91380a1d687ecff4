/*
 * sysctl_bounds - the control domain's queries at their bounds.  A wrong
 * interface version or an unknown command is refused before anything is
 * read; the counters of a domain that does not exist are -ESRCH; the
 * hypervisor's log is copied into no more than the count asked for (a
 * canary after a 64-byte buffer survives), into nothing for a count of 0,
 * and not at all into a buffer in the hypervisor (-EFAULT); physinfo's
 * figures are consistent (free <= total, at least this domain); and an
 * operation structure whose end lies on a read-only page is read but cannot
 * be answered: -EFAULT.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/sysctl.h>

const char test_title[] = "sysctl: versions, commands, domains and buffers at their bounds";

static uint8_t area[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static struct xen_sysctl op_for(uint32_t cmd)
{
    struct xen_sysctl op = {.cmd = cmd, .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    return op;
}

static void readconsole_bounds(void)
{
    static uint8_t buf[64 + 1];
    struct xen_sysctl op = op_for(XEN_SYSCTL_readconsole);
    memset(buf, 0xA5, sizeof(buf));
    op.u.readconsole.buffer = (uint32_t)buf;
    op.u.readconsole.count = 64;
    expect_rc(HYPERVISOR_sysctl(&op), 0, "reading 64 bytes of the log");
    if (op.u.readconsole.count > 64 || buf[64] != 0xA5)
        xtf_failure("readconsole wrote %u bytes into a buffer of 64", op.u.readconsole.count);
    op = op_for(XEN_SYSCTL_readconsole);
    op.u.readconsole.buffer = (uint32_t)buf;
    op.u.readconsole.count = 0;
    expect_rc(HYPERVISOR_sysctl(&op), 0, "reading 0 bytes of the log");
    if (op.u.readconsole.count != 0)
        xtf_failure("a read of 0 bytes returned %u", op.u.readconsole.count);
    op = op_for(XEN_SYSCTL_readconsole);
    op.u.readconsole.buffer = HYPERVISOR_VIRT_START;
    op.u.readconsole.count = 4096;
    expect_rc(HYPERVISOR_sysctl(&op), -XEN_EFAULT, "the log into the hypervisor");
}

void test_main(void)
{
    struct xen_sysctl op = op_for(XEN_SYSCTL_physinfo);
    static const uint32_t versions[] = {0, XEN_SYSCTL_INTERFACE_VERSION + 1, 0xFFFFFFFFu};
    for (unsigned int i = 0; i < ARRAY_SIZE(versions); i++) {
        op.interface_version = versions[i];
        expect_rc(HYPERVISOR_sysctl(&op), -XEN_EINVAL, "a wrong interface version");
    }
    op = op_for(2);
    expect_rc(HYPERVISOR_sysctl(&op), -XEN_ENOSYS, "sysctl command 2");
    op = op_for(0xFFFFFFFFu);
    expect_rc(HYPERVISOR_sysctl(&op), -XEN_ENOSYS, "sysctl command 2^32-1");

    op = op_for(XEN_SYSCTL_pvlab_counters);
    op.u.pvlab_counters.domid = 7777;
    expect_rc(HYPERVISOR_sysctl(&op), -XEN_ESRCH, "the counters of a domain that does not exist");
    op.u.pvlab_counters.domid = DOMID_SELF;
    expect_rc(HYPERVISOR_sysctl(&op), 0, "our own counters");
    if (op.u.pvlab_counters.counters.hypercalls == 0)
        xtf_failure("our own counters show no hypercall");

    readconsole_bounds();

    op = op_for(XEN_SYSCTL_physinfo);
    expect_rc(HYPERVISOR_sysctl(&op), 0, "physinfo");
    if (op.u.physinfo.free_pages > op.u.physinfo.total_pages || op.u.physinfo.nr_domains < 1)
        xtf_failure("physinfo: %u free of %u pages, %u domains", op.u.physinfo.free_pages,
                    op.u.physinfo.total_pages, op.u.physinfo.nr_domains);

    /* The structure's last 8 bytes on a read-only page: readable, not answerable. */
    struct xen_sysctl *edge = (struct xen_sysctl *)(area + PAGE_SIZE - (sizeof(*edge) - 8));
    *edge = op_for(XEN_SYSCTL_physinfo);
    make_page_readonly(area + PAGE_SIZE);
    expect_rc(HYPERVISOR_sysctl(edge), -XEN_EFAULT, "an answer onto a read-only page");
}
