/*
 * sysinfo.c - the system calls behind the small programs that look at the
 * domain and its kernel: info, uptime, ticks, stats, pf, bench and halt
 * (guests/bin).  Until these existed the kernel ran those commands itself,
 * for the ring-3 shell, through one call that took a whole command line
 * (SYS_kcmd); now each program asks for exactly what it shows and prints
 * it, as a Linux program reads uname(2), sysinfo(2) or reboot(2).
 *
 *   SYS_sysinfo   the mode and how it was chosen, memory, domain id, time,
 *                 the timer's port and tick count, the hypervisor's version,
 *                 the command line
 *   SYS_stats     this domain's hypervisor counters (natively, minios's own
 *                 count of interrupts and CR3 loads); SYS_hvcounters, a few
 *                 of them for the process benchmarks
 *   SYS_poweroff  write the file systems back, then power the domain off
 *   SYS_kbench    the kernel's path-length benchmarks (bench.c): they
 *                 measure ring-1 code, so they run in the kernel and print
 *                 their BENCH lines from there
 *   SYS_kprobe    one kernel read that may fault, to watch minios's
 *                 page-fault handler recover (traps.c: probe_read())
 *
 * The last three need the process's privcmd right (a process that gave it
 * up with privdrop gets -E_PERM): they power off, take over the CPU for a
 * while, and read kernel memory.
 *
 * Tour 36/58 - after proc/tty.c, before proc/procfs.c.
 */
#include <os.h>
#include <bench.h>
#include <ext2fs.h>
#include <proc.h>

int sys_sysinfo(uint32_t usi, uint32_t b, uint32_t c, uint32_t d)
{
    static struct pvlab_sysinfo si; /* the kernel is not preempted while it fills it */
    memset(&si, 0, sizeof(si));
    si.mode = (uint32_t)boot_mode;
    strlcpy(si.mode_reason, boot_mode_reason, sizeof(si.mode_reason));
    si.nr_pages = start_info.nr_pages;
    si.free_pages = free_pages();
    si.uptime_ns = monotonic_ns();
    si.timer_ticks = timer_ticks;
    si.timer_port = timer_port;
    strlcpy(si.cmdline, start_info.cmd_line, sizeof(si.cmdline));
    if (!is_native()) {
        si.domid = my_domid();
        si.privileged = is_initial_domain();
        si.hv_version = (uint32_t)HYPERVISOR_xen_version(XENVER_version, NULL);
        HYPERVISOR_xen_version(XENVER_extraversion, si.hv_extra);
        si.hv_extra[sizeof(si.hv_extra) - 1] = 0;
    }
    return copy_to_user(usi, &si, sizeof(si));
}

/* This domain's counters from the hypervisor: 0, or -E_PERM if it would not say. */
int own_hv_counters(struct pvlab_counters *k)
{
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_pvlab_counters,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.pvlab_counters.domid = DOMID_SELF;
    if (HYPERVISOR_sysctl(&op))
        return -E_PERM;
    *k = op.u.pvlab_counters.counters;
    return 0;
}

int sys_stats(uint32_t ust, uint32_t b, uint32_t c, uint32_t d)
{
    struct pvlab_stats st = {.native = is_native()};
    struct pvlab_counters k;
    if (is_native()) {
        st.interrupts = native_interrupts;
        st.cr3_loads = native_cr3_loads;
        return copy_to_user(ust, &st, sizeof(st));
    }
    if (own_hv_counters(&k))
        return -E_PERM;
    st.hv_entries = k.hv_entries, st.hypercalls = k.hypercalls;
    st.hypercall_errors = k.hypercall_errors, st.exceptions = k.exceptions;
    st.bounces = k.bounces, st.interrupts = k.interrupts, st.upcalls = k.upcalls;
    st.cr3_loads = k.cr3_loads, st.validation_errors = k.validation_errors;
    return copy_to_user(ust, &st, sizeof(st));
}

/*
 * SYS_hvcounters, the process benchmarks' (pbench) few counters.  Natively
 * there is no hypervisor to count: the CR3 loads are minios's own count, and
 * each read counts as the one hypervisor entry and hypercall a read costs
 * under pvlab, so pbench's correction for its own read leaves 0 entries and
 * 0 hypercalls per operation.
 */
int sys_hvcounters(uint32_t uc, uint32_t b, uint32_t c, uint32_t d)
{
    struct pvlab_hvcounters h = {0};
    struct pvlab_counters k;
    if (is_native()) {
        native_counter_reads++;
        h = (struct pvlab_hvcounters){native_counter_reads, native_counter_reads, 0, 0,
                                      native_cr3_loads};
    } else if (own_hv_counters(&k)) {
        return -E_PERM;
    } else {
        h = (struct pvlab_hvcounters){(uint32_t)k.hv_entries, (uint32_t)k.hypercalls,
                                      (uint32_t)k.interrupts, (uint32_t)k.upcalls,
                                      (uint32_t)k.cr3_loads};
    }
    return copy_to_user(uc, &h, sizeof(h));
}

int sys_poweroff(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    if (!current_proc->may_privcmd)
        return -E_PERM;
    ext2fs_shutdown(); /* the buffer caches reach the disk first */
    printf("halting: %s\n",
           is_native() ? "ACPI S5 (0x2000 to port 0x604)" : "sched_op(SCHEDOP_shutdown, poweroff)");
    poweroff();
}

/* Back to the calling process's page directory and ring-1 stack, which a benchmark borrowed. */
static void return_to_process(void)
{
    struct proc *p = current_proc;
    if (set_base_ptr(virt_to_mfn(p->l2)) ||
        set_kernel_stack((uint32_t)(p->kstack + KSTACK_PAGES * PAGE_SIZE)))
        crash("cannot return to a process after a kernel benchmark");
}

int sys_kbench(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    if (!current_proc->may_privcmd)
        return -E_PERM;
    if (is_native())
        return -E_NOSYS; /* the figures are the hypervisor's paths */
    run_benchmarks();
    return_to_process(); /* the int $0x80 benchmark ran in its own ring-3 page */
    return 0;
}

int sys_kprobe(uint32_t addr, uint32_t uval, uint32_t c, uint32_t d)
{
    uint32_t val = 0;
    if (!current_proc->may_privcmd)
        return -E_PERM;
    if (probe_read(addr, &val))
        return -E_FAULT;
    return copy_to_user(uval, &val, sizeof(val));
}
