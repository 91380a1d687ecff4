/*
 * entry.S - how the hypervisor's bounces arrive in minios.
 *
 * Exceptions: the hypervisor builds on our ring-1 stack the same frame the CPU
 * would (error code if any, eip, cs, eflags, and esp/ss when the fault came
 * from ring 3).  Each stub pushes a dummy error code if needed and the vector,
 * saves the registers as a struct trap_frame and calls do_trap(), then irets.
 * iret from ring 1 to ring 1 or 3 needs no hypervisor.
 *
 * Events: hypervisor_callback is the event upcall registered with
 * set_callbacks.  It runs with events masked (evtchn_upcall_mask = 1), handles
 * every pending port, then unmasks and checks once more before returning.
 *
 * System calls: syscall_entry is installed as the direct int $0x80 gate, so
 * a ring-3 process reaches it without entering the hypervisor.
 *
 * Processes: an upcall that interrupted ring 3 calls user_preempt_hook
 * (proc/sched.c) before returning, with events still masked: that is where
 * a process's time slice ends and another process is switched in.
 *
 * The kernel's data segment is loaded from %ss, which the CPU (or the
 * hypervisor) has just set to the kernel's stack segment: 0x0821, ring 1,
 * under pvlab; 0x0820, ring 0, natively (arch/native/desc.c).  The same
 * instruction count either way.  Natively the IRQ entry
 * (arch/native/irq_entry.S) jumps to hypervisor_callback with the CPU's own
 * interrupt frame, which has the layout of the hypervisor's bounce frame.
 *
 * Tour 14/58 - after traps.c, before console.c.
 */
#include <asm_offsets.h> /* SHINFO_*: vcpu_info[0] in shared_info, checked by the compiler */

.macro TRAP n, has_error_code
    .globl trap_\n
trap_\n:
    .if \has_error_code == 0
    pushl $0
    .endif
    pushl $\n
    jmp trap_common
.endm

    .text
    TRAP 0, 0
    TRAP 1, 0
    TRAP 3, 0
    TRAP 4, 0
    TRAP 5, 0
    TRAP 6, 0
    TRAP 7, 0
    TRAP 9, 0
    TRAP 10, 1
    TRAP 11, 1
    TRAP 12, 1
    TRAP 13, 1
    TRAP 14, 1
    TRAP 16, 0
    TRAP 17, 1
    TRAP 18, 0
    TRAP 19, 0

trap_common:
    pushl %ds
    pushl %es
    pushal
    movl %ss, %eax               /* the kernel's data segment */
    movl %eax, %ds
    movl %eax, %es
    movl %esp, %eax              /* do_trap(frame), regparm(1) */
    call do_trap
    .globl trap_return
trap_return:                     /* also a new process's way into ring 3 */
    popal
    popl %es
    popl %ds
    addl $8, %esp
    iret

    .globl hypervisor_callback
hypervisor_callback:
    pushl %ds
    pushl %es
    pushal
    movl %ss, %eax               /* the kernel's data segment */
    movl %eax, %ds
    movl %eax, %es
1:  call do_hypervisor_callback
    /* Back to ring 3 (a process, not the benchmark's run_user)?  Time to switch, maybe. */
    movl 44(%esp), %eax          /* the interrupted %cs */
    andl $3, %eax
    cmpl $3, %eax
    jne 3f
    cmpl $0, run_user_active
    jne 3f
    movl user_preempt_hook, %eax
    testl %eax, %eax
    jz 3f
    call *%eax
3:
    /* Unmask, then look again: an event that arrived meanwhile is handled now. */
    movl HYPERVISOR_shared_info, %esi
    movb $0, SHINFO_upcall_mask(%esi)    /* vcpu_info[0].evtchn_upcall_mask = 0 */
    cmpb $0, SHINFO_upcall_pending(%esi) /* evtchn_upcall_pending? */
    je 2f
    movb $1, SHINFO_upcall_mask(%esi)
    jmp 1b
2:  popal
    popl %es
    popl %ds
    iret

    .globl failsafe_callback
failsafe_callback:
    iret

/*
 * int $0x80: %eax = 0 is the null system call, answered at once.  Inside the
 * benchmark's run_user any other value ends the user-mode run; otherwise the
 * registers are saved as a struct trap_frame and do_syscall() answers in its
 * %eax.
 */
    .globl syscall_entry
syscall_entry:
    testl %eax, %eax
    jnz 1f
    iret
1:  cmpl $0, run_user_active
    jne user_mode_exit
    pushl $0
    pushl $0x80
    pushl %ds
    pushl %es
    pushal
    movl %ss, %eax               /* the kernel's data segment */
    movl %eax, %ds
    movl %eax, %es
    pushl %esp
    call do_syscall
    addl $4, %esp
    jmp trap_return
