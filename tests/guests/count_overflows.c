/*
 * count_overflows - every hypercall that takes a count or a length is safe
 * with huge, wrapping and forged ones (the class of XSA-29, XSA-212 and the
 * many "count * size overflows" bugs).  Each gets an error, or is cut to what
 * the hypervisor will do in one go, and nothing outside the guest's buffers is
 * read or written: mmu_update and mmuext_op with counts that run off their
 * buffer or wrap, a forged continuation (HYPERCALL_PREEMPTED in a first call),
 * sched_op poll with too many ports, console reads and log reads with huge
 * counts, the trace with a huge buffer, grant_table_op with a huge count.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/grant_table.h>
#include <public/sysctl.h>

const char test_title[] =
    "huge, wrapping and forged counts in every hypercall that takes one (XSA-29/212 class)";

#define PREEMPTED (1u << 31)

static char small[16];

void test_main(void)
{
    static struct mmu_update one; /* ptr 0: frame 0 is never ours */
    uint32_t done = 0;
    expect_refused(HYPERVISOR_mmu_update(&one, 0x7FFFFFFF, &done, DOMID_SELF),
                   "mmu_update with a count running far past its buffer");
    expect_refused(HYPERVISOR_mmu_update(&one, 0xFFFFFFFF, &done, DOMID_SELF),
                   "mmu_update with count 0xFFFFFFFF (a forged continuation)");
    done = 0xFFFFFFF0;
    expect_refused(HYPERVISOR_mmu_update(&one, 1 | PREEMPTED, &done, DOMID_SELF),
                   "mmu_update with a forged continuation and a wrapping done count");
    expect_rc(HYPERVISOR_mmu_update(&one, 1 | PREEMPTED, (uint32_t *)0xFC000000, DOMID_SELF),
              -XEN_EFAULT, "a forged continuation whose done pointer is the hypervisor's");
    static struct mmuext_op ext = {.cmd = MMUEXT_TLB_FLUSH_LOCAL};
    expect_refused(HYPERVISOR_mmuext_op(&ext, 0x10000000, NULL, DOMID_SELF),
                   "mmuext_op with a count running off its buffer");

    uint32_t ports[2] = {1, 2};
    struct sched_poll poll = {.ports = (uint32_t)ports, .nr_ports = 129, .timeout = 1};
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL, "poll with 129 ports");
    poll.nr_ports = 0x40000001; /* * 4 wraps to 4 */
    expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL,
              "poll with a port count whose size wraps");

    long n = HYPERVISOR_console_io(CONSOLEIO_read, 0xFFFFFFFF, small);
    if (n != -XEN_EFAULT && (n < 0 || n > (long)sizeof(small)))
        xtf_failure("console read of 0xFFFFFFFF bytes into 16 returned %ld", n);

    struct xen_sysctl op = {.cmd = XEN_SYSCTL_readconsole,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.readconsole.buffer = 0xFBFFFFF0; /* a count the guest's own memory cannot hold */
    op.u.readconsole.count = 0xFFFFFFFF;
    expect_rc(HYPERVISOR_sysctl(&op), -XEN_EFAULT, "reading the log with a count that wraps");
    op.u.readconsole.buffer = 0xFBFFF000;
    op.u.readconsole.count = 0x2000;
    expect_rc(HYPERVISOR_sysctl(&op), -XEN_EFAULT,
              "reading the log into a range that runs into it");
    op = (struct xen_sysctl){.cmd = XEN_SYSCTL_pvlab_trace,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.trace.op = PVLAB_TRACE_START;
    op.u.trace.records = 0xFFFFFFFF;
    expect_rc(HYPERVISOR_sysctl(&op), -XEN_EINVAL, "a trace buffer of 4 G records");
    op.u.trace.op = PVLAB_TRACE_READ;
    op.u.trace.records = 0x10000000;
    op.u.trace.buffer = (uint32_t)small;
    expect_refused(HYPERVISOR_sysctl(&op), "reading 256 M trace records into 16 bytes");

    struct gnttab_query_size q = {.dom = DOMID_SELF};
    expect_refused(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 0x20000000),
                   "grant_table_op with 512 M operations");
    expect_refused(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 513),
                   "grant_table_op with one more operation than a call takes");
    expect_rc(HYPERVISOR_xen_version(XENVER_version, NULL) > 0 ? 0 : -1, 0,
              "a hypercall after all of them");
}
