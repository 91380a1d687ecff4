/*
 * hypercall.c - the hypercall table, and the small hypercalls that set up a
 * vCPU: its virtual IDT, its event callback, its kernel stack, and the
 * informational and console calls.
 *
 * A guest executes `int $0x82` with the number in %eax and arguments in %ebx,
 * %ecx, %edx, %esi, %edi.  arch/x86/entry.S looks the number up in
 * hypercall_table, calls the handler, and puts its result in the guest's
 * %eax.  Unknown numbers return -ENOSYS.  Every call, and every negative
 * result, is counted against the calling domain (struct pvlab_counters,
 * readable with sysctl).
 *
 * Tour 26/37 - after arch/x86/io_decode.c, before hv/exit.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <public/sysctl.h>
#include <public/vcpu.h>
#include <public/version.h>
#include <hv/arch.h>
#include <hv/asm_offsets.h>
#include <hv/console.h>
#include <hv/entry.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/fpu.h>
#include <hv/grant.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/trace.h>

#define CONSOLEIO_CHUNK 1024 /* bytes per call before a continuation: a serial line is slow */

static int guest_code_ok(uint32_t cs, uint32_t eip)
{
    return cs == FLAT_KERNEL_CS && eip < HYPERVISOR_VIRT_START;
}

/* Copy the guest's entries into v's table, up to one whose address is 0. */
static long read_trap_table(struct vcpu *v, uint32_t utraps)
{
    for (unsigned int i = 0; i < 256; i++) {
        struct trap_info ti;
        if (copy_from_guest(&ti, utraps + i * sizeof(ti), sizeof(ti)))
            return -XEN_EFAULT;
        if (ti.address == 0)
            break;
        if (!guest_code_ok(ti.cs, ti.address) || ti.vector == HYPERCALL_VECTOR)
            return -XEN_EINVAL;
        v->trap_table[ti.vector] = ti;
    }
    return 0;
}

/* set_trap_table: entries up to one whose address is 0; NULL clears the table.  The entries
 * read before a bad one stay, as they did before the int $0x80 gate was cached. */
static long do_set_trap_table(uint32_t utraps)
{
    struct vcpu *v = current;
    long rc = 0;
    if (utraps == 0)
        memset(v->trap_table, 0, sizeof(v->trap_table));
    else
        rc = read_trap_table(v, utraps);
    desc_trap_table_changed(v);
    return rc;
}

static long do_stack_switch(uint32_t ss, uint32_t esp)
{
    if (ss != FLAT_KERNEL_SS || esp > HYPERVISOR_VIRT_START)
        return -XEN_EINVAL;
    current->kernel_ss = ss;
    current->kernel_sp = esp;
    tss_set_ring1_stack(ss, esp);
    return 0;
}

static long do_set_callbacks(uint32_t ev_cs, uint32_t ev_eip, uint32_t fs_cs, uint32_t fs_eip)
{
    if (!guest_code_ok(ev_cs, ev_eip) || (fs_eip && !guest_code_ok(fs_cs, fs_eip)))
        return -XEN_EINVAL;
    current->event_cs = ev_cs;
    current->event_eip = ev_eip;
    current->failsafe_cs = fs_cs;
    current->failsafe_eip = fs_eip;
    return 0;
}

/* xen_version's sub-operations that copy something out (their buffers make a large frame);
 * noipa keeps them out of line and their arguments on the stack, where do_xen_version finds them.
 */
static long __attribute__((noipa)) xen_version_copy(uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case XENVER_extraversion: {
        char buf[16] = PVLAB_EXTRAVERSION;
        return copy_to_guest(arg, buf, sizeof(buf));
    }
    case XENVER_capabilities: {
        char buf[1024] = "xen-3.0-x86_32";
        return copy_to_guest(arg, buf, sizeof(buf));
    }
    case XENVER_platform_parameters: {
        uint32_t start = HYPERVISOR_VIRT_START;
        return copy_to_guest(arg, &start, sizeof(start));
    }
    case XENVER_pagesize:
        return PAGE_SIZE;
    default:
        return -XEN_ENOSYS;
    }
}

/*
 * XENVER_version first: it is the null hypercall, and a guest's way to have
 * events delivered: the answer is a compare and a constant.
 */
static long do_xen_version(uint32_t cmd, uint32_t arg)
{
    if (cmd == XENVER_version)
        return (PVLAB_VERSION_MAJOR << 16) | PVLAB_VERSION_MINOR;
    return xen_version_copy(cmd, arg);
}

long do_console_io(uint32_t cmd, uint32_t count, uint32_t buf)
{
    char chunk[128];
    struct domain *d = current->domain;
    if (cmd == CONSOLEIO_write) {
        if (!guest_range_ok(buf, count)) /* the whole buffer, before printing any of it */
            return -XEN_EFAULT;
        if (count > CONSOLEIO_CHUNK) {
            long rc = do_console_io(cmd, CONSOLEIO_CHUNK, buf);
            if (rc)
                return rc;
            return hypercall_continue(__HYPERVISOR_console_io, cmd, count - CONSOLEIO_CHUNK,
                                      buf + CONSOLEIO_CHUNK, 0);
        }
        for (uint32_t done = 0; done < count;) {
            uint32_t n = MIN(count - done, sizeof(chunk));
            if (copy_from_guest(chunk, buf + done, n))
                return -XEN_EFAULT;
            if (d->is_privileged)
                console_write(chunk, n);
            else
                console_write_guest(d->domain_id, &d->console, chunk, n, NOW());
            done += n;
        }
        return 0;
    }
    if (cmd == CONSOLEIO_read) {
        if (!d->is_privileged)
            return -XEN_EPERM;
        if (!guest_range_ok(buf, count))
            return -XEN_EFAULT; /* before taking anything out of the input queue */
        uint32_t n = console_rx_read(chunk, MIN(count, sizeof(chunk)));
        return copy_to_guest(buf, chunk, n) ? -XEN_EFAULT : (long)n;
    }
    return -XEN_ENOSYS;
}

static long do_vcpu_op(uint32_t cmd, uint32_t vcpuid, uint32_t arg)
{
    struct vcpu *v = current;
    if (vcpuid != 0)
        return -XEN_ENOENT;
    if (cmd == VCPUOP_stop_periodic_timer) {
        v->periodic_period = 0;
        timer_update(v);
        return 0;
    }
    if (cmd == VCPUOP_set_periodic_timer) {
        struct vcpu_set_periodic_timer t;
        if (copy_from_guest(&t, arg, sizeof(t)))
            return -XEN_EFAULT;
        if (t.period_ns < 1000000)
            return -XEN_EINVAL;
        v->periodic_period = t.period_ns;
        v->periodic_next = NOW() + t.period_ns;
        timer_update(v);
        return 0;
    }
    return -XEN_ENOSYS;
}

/* dom0: the newest `count` bytes of the hypervisor's log, copied out in chunks. */
static long readconsole(struct xen_sysctl *op)
{
    static char buf[16384];
    uint32_t n = console_read_log(buf, MIN(op->u.readconsole.count, (uint32_t)sizeof(buf)));
    if (copy_to_guest(op->u.readconsole.buffer, buf, n))
        return -XEN_EFAULT;
    op->u.readconsole.count = n;
    return 0;
}

static long physinfo(struct xen_sysctl *op)
{
    op->u.physinfo.total_pages = total_page_count();
    op->u.physinfo.free_pages = free_page_count();
    op->u.physinfo.nr_domains = domain_count();
    op->u.physinfo.hv_pages_per_domain =
        domain_hv_pages(&op->u.physinfo.hv_pages_domu_max, &op->u.physinfo.hv_pages_dom0);
    op->u.physinfo.scrub_pages = dirty_page_count();
    return 0;
}

long do_sysctl(uint32_t arg)
{
    struct xen_sysctl op;
    if (copy_from_guest(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -XEN_EINVAL;
    if (op.cmd == XEN_SYSCTL_readconsole || op.cmd == XEN_SYSCTL_physinfo) {
        if (!current->domain->is_privileged)
            return -XEN_EPERM;
        long rc = op.cmd == XEN_SYSCTL_readconsole ? readconsole(&op) : physinfo(&op);
        return rc ? rc : copy_to_guest(arg, &op, sizeof(op));
    }
    if (op.cmd == XEN_SYSCTL_pvlab_trace) {
        if (!current->domain->is_privileged)
            return -XEN_EPERM;
        long rc = trace_control(&op.u.trace);
        long copied = copy_to_guest(arg, &op, sizeof(op));
        return rc ? rc : copied;
    }
    if (op.cmd != XEN_SYSCTL_pvlab_counters)
        return -XEN_ENOSYS;
    struct domain *self = current->domain, *d = self;
    domid_t id = op.u.pvlab_counters.domid;
    if (id != DOMID_SELF && id != self->domain_id) {
        if (!self->is_privileged)
            return -XEN_EPERM;
        if (!(d = domain_by_id(id)))
            return -XEN_ESRCH;
    }
    op.u.pvlab_counters.counters = d->counters;
    sched_wake_wait_ns(&op.u.pvlab_counters.counters);
    /* do_entry() counts the other entries; entry.S counts a hypercall only once */
    op.u.pvlab_counters.counters.hv_entries += d->counters.hypercalls;
    return copy_to_guest(arg, &op, sizeof(op));
}

static long do_ni_hypercall(void)
{
    return -XEN_ENOSYS;
}

/*
 * The hypercall table, Xen's numbers.  arch/x86/entry.S: tramp_entry calls
 * hypercall_table[%eax] directly with the guest's %ebx %ecx %edx %esi %edi
 * pushed as five arguments; a handler declares the ones it uses (the caller
 * removes arguments in the i386 C convention, so the rest are ignored).
 */
#define HYPERCALL(fn) ((hypercall_fn *)(void (*)(void))(fn))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init" /* every number, then the implemented ones */
static hypercall_fn *const hypercall_handlers[NR_HYPERCALLS] = {
    [0 ... NR_HYPERCALLS - 1] = HYPERCALL(do_ni_hypercall),
    [__HYPERVISOR_set_trap_table] = HYPERCALL(do_set_trap_table),
    [__HYPERVISOR_mmu_update] = HYPERCALL(do_mmu_update),
    [__HYPERVISOR_stack_switch] = HYPERCALL(do_stack_switch),
    [__HYPERVISOR_set_callbacks] = HYPERCALL(do_set_callbacks),
    [__HYPERVISOR_fpu_taskswitch] = HYPERCALL(fpu_taskswitch),
    [__HYPERVISOR_update_va_mapping] = HYPERCALL(do_update_va_mapping),
    [__HYPERVISOR_set_timer_op] = HYPERCALL(do_set_timer_op),
    [__HYPERVISOR_xen_version] = HYPERCALL(do_xen_version),
    [__HYPERVISOR_console_io] = HYPERCALL(do_console_io),
    [__HYPERVISOR_grant_table_op] = HYPERCALL(do_grant_table_op),
    [__HYPERVISOR_vcpu_op] = HYPERCALL(do_vcpu_op),
    [__HYPERVISOR_mmuext_op] = HYPERCALL(do_mmuext_op),
    [__HYPERVISOR_sched_op] = HYPERCALL(do_sched_op),
    [__HYPERVISOR_event_channel_op] = HYPERCALL(do_event_channel_op),
    [__HYPERVISOR_physdev_op] = HYPERCALL(do_physdev_op),
    [__HYPERVISOR_sysctl] = HYPERCALL(do_sysctl),
    [__HYPERVISOR_domctl] = HYPERCALL(do_domctl),
};
#pragma GCC diagnostic pop

/*
 * What entry.S calls: hypercall_handlers, or while the trace runs a table
 * whose every entry is traced_hypercall().  Swapping the table, rather than
 * testing a flag on every call, keeps the trace's cost at zero instructions
 * when it is off.
 */
hypercall_fn *hypercall_table[NR_HYPERCALLS];

/* Record the call (the number and its sub-operation, %ebx), then make it. */
static long traced_hypercall(uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
    uint32_t nr = guest_cpu_user_regs()->eax; /* below NR_HYPERCALLS: entry.S checked it */
    trace_record(TRC_HYPERCALL, current->domain->domain_id, (nr & 0xFFFFu) | (a1 << 16));
    return hypercall_handlers[nr](a1, a2, a3, a4, a5);
}

void hypercall_table_set(int traced)
{
    for (unsigned int nr = 0; nr < NR_HYPERCALLS; nr++)
        hypercall_table[nr] = traced ? traced_hypercall : hypercall_handlers[nr];
}

/*
 * The frame's registers now hold the next call, %eax its number: entry.S
 * leaves through the whole frame when it sees HYPERCALL_CONTINUED.
 */
long hypercall_continue(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4)
{
    struct cpu_user_regs *r = guest_cpu_user_regs();
    r->eax = nr;
    r->ebx = a1;
    r->ecx = a2;
    r->edx = a3;
    r->esi = a4;
    r->eip -= 2; /* back over `int $0x82` (0xCD 0x82) */
    return HYPERCALL_CONTINUED;
}
