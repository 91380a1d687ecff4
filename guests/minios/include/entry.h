/*
 * entry.h - minios's assembly, as C sees it: the entry points C hands to the
 * CPU or the hypervisor, the routines C calls, and the symbols C reads.  Each
 * is declared here once, so no .c file declares another file's symbol
 * (scripts/check_layers.py checks that), and each name says which file
 * defines it:
 *
 *   head.S               _start (machine.h), boot_stack_top
 *   entry.S              trap_N and syscall_entry (the trap table),
 *                        hypervisor_callback and failsafe_callback (the upcalls)
 *   usermode.S           run_user and the int $0x80 benchmark's user code
 *   proc/swtch.S         swtch (proc.h) and proc_entry
 *   proc/initfs.S        the programs built into the kernel
 *   arch/native/entry.S  the native IDT's gates
 */
#ifndef MINIOS_ENTRY_H
#define MINIOS_ENTRY_H

#include <stdint.h>

/* head.S: the boot stack, where traps from ring 3 land until a process runs. */
extern char boot_stack_top[];

/* entry.S: the trap table's entries (traps.c) and the two upcalls (arch/pv/pv_ops.c). */
void trap_0(void), trap_1(void), trap_3(void), trap_4(void), trap_5(void), trap_6(void),
    trap_7(void), trap_9(void), trap_10(void), trap_11(void), trap_12(void), trap_13(void),
    trap_14(void), trap_16(void), trap_17(void), trap_18(void), trap_19(void);
void syscall_entry(void); /* int $0x80, a trap gate straight from ring 3 */
void hypervisor_callback(void), failsafe_callback(void);

/* usermode.S: run `entry` in ring 3 with %ebx = ebx until its int $0x80 with %eax = 1 (user.c). */
uint32_t run_user(uint32_t entry, uint32_t user_esp, uint32_t ebx);
extern char user_int80_loop[], user_int80_end[]; /* the code it runs: copied to a user page */
extern uint32_t user_result[4];                  /* %esi %edi %ecx %edx at its end */

/* proc/swtch.S: where a new process's first swtch() returns (proc.c builds its stack so). */
void proc_entry(void);

/* proc/initfs.S: build/bin.cpio, a domU's root file system (startup.c). */
extern const char initfs_start[], initfs_end[];

/* arch/native/entry.S: the native IDT's gates (arch/native/desc.c). */
void native_pf_entry(void), native_kick_entry(void), native_stray_entry(void);
void native_irq_0(void), native_irq_1(void), native_irq_2(void), native_irq_3(void),
    native_irq_4(void), native_irq_5(void), native_irq_6(void), native_irq_7(void),
    native_irq_8(void), native_irq_9(void), native_irq_10(void), native_irq_11(void),
    native_irq_12(void), native_irq_13(void), native_irq_14(void), native_irq_15(void);

#endif
