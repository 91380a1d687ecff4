/*
 * domctl_bounds - the control domain's own operations at their bounds (dom0
 * is trusted to manage, not to break the hypervisor): destroying or pausing
 * itself, domains that do not exist, an empty or duplicate name, a build from
 * an image pointer into the hypervisor or of absurd size, a memory size of
 * zero or 4 GiB, an image whose segment lies in a page dom0 cannot read (the
 * builder copies segments from dom0's memory into the new domain's frames
 * only after taking them, so the fault comes half way through), unpausing
 * the domain that build left (it holds its frames, but no page directory,
 * frame page or registers: it would run with CR3 0), an unknown command or
 * interface version.  Each is refused and the hypervisor carries on: the
 * refused unpause is counted as an error, the half-built domain never runs
 * while dom0 yields to it, the domain created for the test is destroyed and
 * every frame comes back (the chain harness checks the count).
 */
#include "xtf.h"
#include <public/domctl.h>
#include <public/elfnote.h>
#include <public/errno.h>

const char test_title[] = "domctl on itself, missing domains and absurd builds is refused";

static long domctl(uint32_t cmd, domid_t dom, struct xen_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return HYPERVISOR_domctl(op);
}

/* A PV kernel's ELF head (header, a PT_LOAD of one page at file offset 4096, a GUEST_OS note)
 * in the page at `img`; its segment is the page after. */
static void write_elf_head(uint8_t *img)
{
    static const uint32_t ehdr[13] = {
        0x464C457F, 0x00010101, 0, 0, 0x00030002, 1, 0xC0000000, 52, 0, 0, 0x00200034, 2, 0};
    static const uint32_t phdr[16] = {1, 4096, 0xC0000000, 0, 4096, 4096, 5, 4096, /* PT_LOAD */
                                      4, 116,  0,          0, 24,   24,   4, 4};   /* PT_NOTE */
    static const uint32_t note[6] = {
        4, 5, XEN_ELFNOTE_GUEST_OS, 0x006E6558 /* "Xen" */, 0x74736574 /* "test" */, 0};
    memcpy(img, ehdr, sizeof(ehdr));
    memcpy(img + 52, phdr, sizeof(phdr));
    memcpy(img + 116, note, sizeof(note));
}

/* A domain whose build failed half way is not unpaused (hv/domctl.c: pause() asks for a frame
 * page, which only a finished build sets), and does not run when dom0 gives way to it. */
static void unpause_half_built(domid_t d, struct xen_domctl *op)
{
    uint64_t errors = read_counters().hypercall_errors;
    expect_rc(domctl(XEN_DOMCTL_unpausedomain, d, op), -XEN_EINVAL,
              "unpausing a domain whose build failed half way");
    if (read_counters().hypercall_errors != errors + 1)
        xtf_failure("the refused unpause was not counted as a hypercall error");
    for (int i = 0; i < 3; i++)
        expect_rc(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0, "a yield after the unpause");
    expect_rc(domctl(XEN_DOMCTL_getdomaininfo, d, op), 0, "info on the half-built domain");
    const struct xen_domctl_getdomaininfo *i = &op->u.getdomaininfo;
    if (op->domain != d || !(i->flags & XEN_DOMINF_paused) || i->cpu_time)
        xtf_failure("the half-built domain ran: domain %u, flags %#x, cpu_time %u ns", op->domain,
                    i->flags, (uint32_t)i->cpu_time);
}

/* The head is good and readable; the segment's page is unmapped while the build runs. */
static void build_with_an_unreadable_segment(domid_t d, struct xen_domctl *op)
{
    uint8_t *img = alloc_pages(2);
    if (!img) {
        xtf_error("no two pages for the image");
        return;
    }
    write_elf_head(img);
    uint32_t seg_va = (uint32_t)img + PAGE_SIZE, seg_mfn = virt_to_mfn((void *)seg_va);
    if (map_frame_at(seg_va, 0, 0)) {
        xtf_error("cannot unmap the segment's page");
        return;
    }
    memset(op, 0, sizeof(*op));
    op->u.build.image = (uint32_t)img;
    op->u.build.image_len = 2 * PAGE_SIZE;
    op->u.build.mem_mb = 4;
    expect_rc(domctl(XEN_DOMCTL_pvlab_build, d, op), -XEN_EFAULT,
              "a build whose segment lies in a page dom0 cannot read");
    expect_rc(domctl(XEN_DOMCTL_pvlab_build, d, op), -XEN_EEXIST, "building it again");
    unpause_half_built(d, op);
    if (map_frame_at(seg_va, seg_mfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY))
        xtf_error("cannot map the segment's page back");
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
    build_with_an_unreadable_segment(d, &op); /* last: a build that failed half way stays so */

    expect_rc(domctl(0x7777, d, &op), -XEN_ENOSYS, "an unknown domctl");
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.interface_version = 0xDEAD;
    op.domain = d;
    expect_refused(HYPERVISOR_domctl(&op), "a wrong interface version");
    expect_rc(domctl(XEN_DOMCTL_destroydomain, d, &op), 0, "destroying the test's domain");
    expect_refused(domctl(XEN_DOMCTL_destroydomain, d, &op), "destroying it twice");
}
