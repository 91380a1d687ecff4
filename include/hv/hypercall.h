/*
 * hypercall.h - the hypercall table and the handlers it dispatches to.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stdint.h>
#include <hv/asm_offsets.h> /* NR_HYPERCALLS */

/* A handler: the guest's %ebx %ecx %edx %esi %edi (arch/x86/entry.S calls it). */
typedef long hypercall_fn(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
extern hypercall_fn *hypercall_table[NR_HYPERCALLS];
void hypercall_table_set(int traced); /* fill the table; traced: record every call first */

/*
 * Hypercall continuations: a long hypercall does part of its work and asks to
 * be called again with new arguments.  The guest's %eip is moved back over
 * its `int $0x82`, so the call is re-issued after any pending interrupt has
 * been taken: the hypervisor, whose interrupts are off, stays preemptible.
 */
long hypercall_continue(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4);
/* ... and a handler returns what hypercall_continue() returns, unchanged. */
#define HYPERCALL_PREEMPTED (1u << 31) /* in a count: "continuation; done so far is in *pdone" */

/* Each handler takes the guest's %ebx %ecx %edx %esi %edi. */
long do_mmu_update(uint32_t ureqs, uint32_t count, uint32_t pdone, uint32_t foreigndom);
long do_update_va_mapping(uint32_t va, uint32_t val, uint32_t flags);
long do_mmuext_op(uint32_t uops, uint32_t count, uint32_t pdone, uint32_t foreigndom);
long do_sched_op(uint32_t cmd, uint32_t arg);
long do_set_timer_op(uint32_t lo, uint32_t hi);
long do_console_io(uint32_t cmd, uint32_t count, uint32_t buf);
long do_sysctl(uint32_t arg);
long do_domctl(uint32_t arg);
long do_physdev_op(uint32_t cmd, uint32_t arg);

#endif
