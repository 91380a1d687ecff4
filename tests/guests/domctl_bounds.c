/*
 * domctl_bounds - the control domain's own operations at their bounds (dom0
 * is trusted to manage, not to break the hypervisor): destroying or pausing
 * itself, domains that do not exist, an empty or duplicate name, a build from
 * an image pointer into the hypervisor or of absurd size, a memory size of
 * zero or 4 GiB, an unknown command or interface version.  Each is refused
 * and the hypervisor carries on; the domain created for the test is destroyed
 * and every frame comes back (the chain harness checks the count).
 */
#include "xtf.h"
#include <public/domctl.h>
#include <public/errno.h>

const char test_title[] = "domctl on itself, missing domains and absurd builds is refused";

static long domctl(uint32_t cmd, domid_t dom, struct xen_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return HYPERVISOR_domctl(op);
}

void test_main(void)
{
    static struct xen_domctl op;
    domid_t self = 0;
    expect_refused(domctl(XEN_DOMCTL_destroydomain, self, &op), "destroying itself");
    expect_refused(domctl(XEN_DOMCTL_pausedomain, self, &op), "pausing itself");
    expect_refused(domctl(XEN_DOMCTL_unpausedomain, 0x7000, &op), "unpausing a missing domain");
    expect_refused(domctl(XEN_DOMCTL_getdomaininfo, 0x7FEF, &op), "info past the last domain");
    memset(&op, 0, sizeof(op));
    expect_refused(domctl(XEN_DOMCTL_createdomain, 0, &op), "a domain with an empty name");
    strlcpy(op.u.createdomain.name, "victim", sizeof(op.u.createdomain.name));
    expect_rc(domctl(XEN_DOMCTL_createdomain, 0, &op), 0, "creating a domain");
    domid_t d = op.domain;
    expect_refused(domctl(XEN_DOMCTL_createdomain, 0, &op), "a second domain of the same name");

    memset(&op, 0, sizeof(op));
    op.u.build.image = 0xFC100000;
    op.u.build.image_len = 4096;
    op.u.build.mem_mb = 16;
    expect_refused(domctl(XEN_DOMCTL_pvlab_build, d, &op), "a build from hypervisor memory");
    op.u.build.image = (uint32_t)&op;
    op.u.build.image_len = 0xFFFFFFF0;
    expect_refused(domctl(XEN_DOMCTL_pvlab_build, d, &op), "a build from a 4 GiB image");
    op.u.build.image_len = 64;
    expect_refused(domctl(XEN_DOMCTL_pvlab_build, d, &op), "a build from 64 bytes of garbage");
    op.u.build.mem_mb = 0;
    expect_refused(domctl(XEN_DOMCTL_pvlab_build, d, &op), "a build of 0 MiB");
    op.u.build.mem_mb = 4096;
    expect_refused(domctl(XEN_DOMCTL_pvlab_build, d, &op), "a build of 4 GiB");

    expect_rc(domctl(0x7777, d, &op), -XEN_ENOSYS, "an unknown domctl");
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.interface_version = 0xDEAD;
    op.domain = d;
    expect_refused(HYPERVISOR_domctl(&op), "a wrong interface version");
    expect_rc(domctl(XEN_DOMCTL_destroydomain, d, &op), 0, "destroying the test's domain");
    expect_refused(domctl(XEN_DOMCTL_destroydomain, d, &op), "destroying it twice");
}
