/*
 * machine.h - the operations table: everything minios asks of the machine
 * underneath it, as Linux's pvops.
 *
 * The same minios.elf starts two ways (head.S: _start).  Started by the
 * pvlab hypervisor, %esi points at a Xen start_info and minios runs in
 * ring 1: it asks the hypervisor for every privileged act, with a
 * hypercall (arch/pv/pv_ops.c).  Started by a multiboot loader, %eax holds
 * 0x2BADB002 and minios runs in ring 0 on the bare machine: it does the same
 * acts itself, with the instructions they stand for (arch/native/).  At
 * start of day `machine` is filled from one of the two tables, and every
 * layer above calls through it: the page-table code, the scheduler, the
 * event loop, the console and the disk driver are the same code in both
 * modes.  docs/native.md sets the two columns side by side.
 *
 * Natively there are no event channels, but the code above this table
 * keeps using them: an IRQ from the 8259 PIC is turned into a pending
 * "port" in a shared_info page minios keeps for itself, and delivered
 * through the same upcall (entry.S: hypervisor_callback).  Interrupt masking
 * is therefore the same byte in both modes (vcpu_info's evtchn_upcall_mask);
 * what differs is how events that arrived while masked are delivered
 * (kick_events) and how the CPU waits for the next one with events masked
 * (block).
 */
#ifndef MINIOS_MACHINE_H
#define MINIOS_MACHINE_H

#include <stdint.h>
#include <public/xen.h>

enum boot_mode { MODE_NATIVE, MODE_DOM0, MODE_DOMU };

struct machine_ops {
    const char *name; /* "native" or "pv" */
    /* Page tables: one PTE of the address space in CR3 (flags: UVMF_*); one
     * page-directory entry, by machine address; pinning; the CR3 load. */
    int (*update_va_mapping)(uint32_t va, uint32_t pte, uint32_t flags);
    int (*set_pde)(uint32_t pde_maddr, uint32_t val);
    int (*pin_l2)(uint32_t l2_mfn);
    int (*unpin_l2)(uint32_t l2_mfn);
    int (*load_cr3)(uint32_t l2_mfn);
    /* Traps: the exception and system-call entries; where traps from ring 3 land. */
    int (*set_trap_table)(const struct trap_info *table);
    int (*set_kernel_stack)(uint32_t esp);
    /* Events: page becomes the shared_info page (the hypervisor's mapped
     * there, or the native machine's own), and the upcall entry is set;
     * delivering what arrived while masked; sleeping until an event is
     * pending (events stay masked: the caller dispatches, events.c:
     * wait_for_events()). */
    void (*events_init)(void *page);
    void (*kick_events)(void);
    void (*block)(void);
    /* Interrupt sources as event ports: a virtual IRQ (timer, console), a
     * physical IRQ (the disk), its end of interrupt, the ports a driver uses. */
    int (*bind_virq)(uint32_t virq);
    int (*bind_pirq)(uint32_t irq);
    void (*unmask_port)(evtchn_port_t port);
    void (*irq_done)(uint32_t irq);
    int (*grant_ioports)(uint16_t first, uint16_t nr);
    /* Timer: fill vcpu_info's time record and start the 100 Hz tick. */
    int (*time_init)(void);
    /* Console (dom0's and native's; a domU uses its console ring instead). */
    void (*console_write)(const char *s, uint32_t n);
    int (*console_read)(char *buf, uint32_t n);
    /* Power: SHUTDOWN_poweroff or SHUTDOWN_crash; never returns. */
    void (*shutdown)(unsigned int reason) __attribute__((noreturn));
};

extern struct machine_ops machine;
extern enum boot_mode boot_mode;
extern const char *boot_mode_reason; /* how _start knew: for `info` */

static inline int is_native(void)
{
    return boot_mode == MODE_NATIVE;
}

/* arch/pv/pv_ops.c and arch/native/native_ops.c */
extern const struct machine_ops pv_ops, native_ops;

/* arch/native/: the native numbers `info` and the benchmarks show */
extern uint32_t native_cr3_loads, native_interrupts, native_counter_reads;

#endif
