/*
 * entry.h - the one way up: what the hardware layer (arch/x86/) calls in the
 * generic hypervisor (hv/).
 *
 * Dependencies run one way.  hv/ uses the machine through hv/arch.h,
 * hv/x86.h and hv/fpu.h; arch/x86/ knows nothing of hv/ except what this
 * header names.  It cannot know nothing: a trap has to be handed to the
 * hypervisor proper and the way out goes back through it, so the entry path
 * calls up.  Everything it calls up into is declared here (the functions
 * below are declared nowhere else), and the few hypervisor structures and
 * services the hardware layer reads are the headers included here, each with
 * what it is used for.  scripts/check_layers.py (run by make test) fails
 * if a file in arch/x86/ includes any other hv/ header.
 */
#ifndef HV_ENTRY_H
#define HV_ENTRY_H

#include <stdint.h>
#include <public/xen.h>
#include <hv/console.h> /* printk() and panic(), for faults in the hypervisor itself */
#include <hv/domain.h>  /* current, struct vcpu and struct domain (saved and loaded on a
                           switch), domain_crash() */
#include <hv/mm.h>      /* alloc_xenheap_pages(): a vCPU's guest root */
#include <hv/trace.h>   /* trace(): exceptions, interrupts and FPU loads are traced */

/* boot.S: the boot story (hv/main.c), with paging on and the stack set. */
void start_hypervisor(uint32_t magic, uint32_t mbi) __attribute__((noreturn));

/* entry.S: deferred work on the way out to a guest, when there is any (hv/exit.c), on the guest
 * frame at the top of the stack (guest_cpu_user_regs()), where it always is. */
void leave_hypervisor(void);

/* entry.S: a guest's iret frame was refused by the CPU; the domain dies (hv/domain.c). */
void crash_on_bad_iret(void) __attribute__((noreturn));

/* entry.S: the hypercall gate calls hypercall_table[] (hv/hypercall.c: hypercall_fn), and
 * traps.c switches its trace on and off. */
#include <hv/hypercall.h>
/* traps.c: the 8259's lines (hv/irq.c). */
void do_irq(unsigned int irq, struct cpu_user_regs *regs);

/* serial.c: a byte received on COM1, queued for dom0 (hv/console.c). */
void console_rx_byte(char c);

/* hv_mappings.c: the page-directory entries of owner's grant area, slots 1000-1007, into a
 * directory being validated (hv/grant_table.c). */
void grant_area_install(uint32_t *l2, domid_t owner);

#endif
