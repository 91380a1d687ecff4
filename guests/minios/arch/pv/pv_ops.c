/*
 * pv_ops.c - the operations table under the pvlab hypervisor: each entry is
 * one hypercall (or, for interrupt masking, the shared_info byte the
 * hypervisor reads).
 *
 * This is minios as a Xen PV guest has always been: it runs in ring 1 and
 * cannot load CR3, write a page table, touch the IDT or the TSS, mask an
 * interrupt line or halt the CPU; it asks.  Every request is checked by
 * the hypervisor (hv/mm.c validates each page-table write against the
 * frame table), which is what these few lines cost: compare
 * arch/native/native_ops.c, where each entry is the instruction itself.
 * The entries are chosen at boot (kernel.c: start_kernel) and called
 * through `machine` (machine.h).
 *
 * Tour 4/58 - after kernel.c, before arch/native/boot.S.
 */
#include <entry.h>
#include <os.h>
#include <public/physdev.h>

/* update_va_mapping: the hypervisor validates the new PTE and flushes as asked. */
static int pv_update_va_mapping(uint32_t va, uint32_t pte, uint32_t flags)
{
    return (int)HYPERVISOR_update_va_mapping(va, pte, flags);
}

/* mmu_update of one entry of a (pinned) page directory. */
static int pv_set_pde(uint32_t pde_maddr, uint32_t val)
{
    struct mmu_update u = {pde_maddr, val};
    return (int)HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

/* One mmuext_op on a page directory. */
static int mmuext(unsigned int cmd, uint32_t mfn)
{
    struct mmuext_op op = {.cmd = cmd, .arg1.mfn = mfn};
    return (int)HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* Pin: the hypervisor validates the directory, its L1s and every page they map. */
static int pv_pin_l2(uint32_t l2_mfn)
{
    return mmuext(MMUEXT_PIN_L2_TABLE, l2_mfn);
}

static int pv_unpin_l2(uint32_t l2_mfn)
{
    return mmuext(MMUEXT_UNPIN_TABLE, l2_mfn);
}

/* The validated CR3 load of a process switch. */
static int pv_load_cr3(uint32_t l2_mfn)
{
    return mmuext(MMUEXT_NEW_BASEPTR, l2_mfn);
}

static int pv_set_trap_table(const struct trap_info *table)
{
    return (int)HYPERVISOR_set_trap_table(table);
}

/* stack_switch: the ring-1 stack the hypervisor puts in the TSS for us. */
static int pv_set_kernel_stack(uint32_t esp)
{
    return (int)HYPERVISOR_stack_switch(FLAT_KERNEL_SS, esp);
}

/* Map the hypervisor's shared_info page over `page` and register the upcall. */
static void pv_events_init(void *page)
{
    uint32_t va = (uint32_t)page;
    if (HYPERVISOR_update_va_mapping(
            va, start_info.shared_info | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY,
            UVMF_INVLPG))
        crash("cannot map shared_info");
    if (HYPERVISOR_set_callbacks(FLAT_KERNEL_CS, hypervisor_callback, FLAT_KERNEL_CS,
                                 failsafe_callback))
        crash("set_callbacks refused");
}

/* The two entries on the event paths (an event ping-pong crosses them twice) are as lean as
 * the hypercall once inlined in their callers (hypercall.h: lean_hypercall2()). */
/* Any hypercall: the hypervisor delivers a pending upcall on its way out. */
static LEAN void pv_kick_events(void)
{
    lean_hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);
}

/* Sleep until an event is pending, events left masked (pvlab's masked SCHEDOP_block): the
 * hypervisor makes no upcall when it wakes us, the caller dispatches the ports itself. */
static LEAN void pv_block(void)
{
    lean_hypercall2(__HYPERVISOR_sched_op, SCHEDOP_pvlab_block_masked, 0);
}

static int pv_bind_virq(uint32_t virq)
{
    struct evtchn_bind_virq op = {.virq = virq, .vcpu = 0};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
    return rc < 0 ? (int)rc : (int)op.port;
}

static int pv_bind_pirq(uint32_t irq)
{
    struct evtchn_bind_pirq op = {.pirq = irq};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &op);
    return rc < 0 ? (int)rc : (int)op.port;
}

/* EVTCHNOP_unmask: the hypervisor re-raises the upcall if the port is pending. */
static void pv_unmask_port(evtchn_port_t port)
{
    struct evtchn_unmask op = {port};
    HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

/* The hypervisor masked the line when it fired: PHYSDEVOP_eoi unmasks it. */
static void pv_irq_done(uint32_t irq)
{
    struct physdev_eoi e = {irq};
    HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &e);
}

/* dom0 reaches a device's ports only once the hypervisor adds them to its TSS I/O bitmap. */
static int pv_grant_ioports(uint16_t first, uint16_t nr)
{
    struct physdev_pvlab_ioport_grant g = {first, nr};
    return (int)HYPERVISOR_physdev_op(PHYSDEVOP_pvlab_ioport_grant, &g);
}

/* The hypervisor keeps our time record up to date; the tick is VIRQ_TIMER. */
static int pv_time_init(void)
{
    return 0;
}

static void pv_console_write(const char *s, uint32_t n)
{
    HYPERVISOR_console_io(CONSOLEIO_write, n, s);
}

static int pv_console_read(char *buf, uint32_t n)
{
    return (int)HYPERVISOR_console_io(CONSOLEIO_read, n, buf);
}

static void __attribute__((noreturn)) pv_shutdown(unsigned int reason)
{
    struct sched_shutdown s = {reason};
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

const struct machine_ops pv_ops = {
    .name = "pv",
    .update_va_mapping = pv_update_va_mapping,
    .set_pde = pv_set_pde,
    .pin_l2 = pv_pin_l2,
    .unpin_l2 = pv_unpin_l2,
    .load_cr3 = pv_load_cr3,
    .set_trap_table = pv_set_trap_table,
    .set_kernel_stack = pv_set_kernel_stack,
    .events_init = pv_events_init,
    .kick_events = pv_kick_events,
    .block = pv_block,
    .bind_virq = pv_bind_virq,
    .bind_pirq = pv_bind_pirq,
    .unmask_port = pv_unmask_port,
    .irq_done = pv_irq_done,
    .grant_ioports = pv_grant_ioports,
    .time_init = pv_time_init,
    .console_write = pv_console_write,
    .console_read = pv_console_read,
    .shutdown = pv_shutdown,
};
