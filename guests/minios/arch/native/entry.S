/*
 * entry.S - the native interrupt entries: what the hypervisor's exit path
 * does for a PV minios, done by minios's own IDT gates (desc.c).
 *
 * An IRQ from the 8259 PIC arrives on an interrupt gate (IF clear) with the
 * CPU's frame on the kernel stack: eip, cs, eflags, and esp/ss when it came
 * from ring 3 - the frame the hypervisor builds when it bounces an upcall.
 * irq_common calls native_irq(irq) (irq.c), which acknowledges the PIC and
 * marks the IRQ's port pending in shared_info, exactly as the hypervisor
 * would.  If events are not masked it also masks them and returns 1: the
 * entry turns interrupts back on and jumps into the same upcall a PV minios
 * gets (../../entry.S: hypervisor_callback), which irets when done.  If they
 * are masked the event waits, and local_events_enable() delivers it later
 * with int $VECTOR_KICK, which takes the same path with no IRQ (-1).
 *
 * A page fault's address is in CR2, where a PV minios finds it in
 * vcpu_info: native_pf_entry copies it there before entering the handler
 * from the trap table, with the interrupted code's IF restored.
 *
 * int $0x82, a hypercall, has no hypervisor to go to: native_stray_entry
 * answers -ENOSYS (irq.c: native_stray_hypercall says which call it was).
 *
 * Tour 10/58 - after arch/native/irq.c, before arch/native/timer.c.
 */
#define VECTOR_IRQ0 0x20

.macro IRQ n
    .globl native_irq_\n
native_irq_\n:
    pushl $\n
    jmp irq_common
.endm

    .text
    IRQ 0
    IRQ 1
    IRQ 2
    IRQ 3
    IRQ 4
    IRQ 5
    IRQ 6
    IRQ 7
    IRQ 8
    IRQ 9
    IRQ 10
    IRQ 11
    IRQ 12
    IRQ 13
    IRQ 14
    IRQ 15

    .globl native_kick_entry
native_kick_entry:
    pushl $-1

irq_common:                      /* the CPU's frame, then the IRQ number (-1: a kick) */
    pushl %eax
    pushl %ecx
    pushl %edx
    pushl 12(%esp)
    cld
    call native_irq
    addl $4, %esp
    testl %eax, %eax
    popl %edx
    popl %ecx
    popl %eax
    leal 4(%esp), %esp           /* drop the IRQ number; the flags stay */
    jnz 1f
    iret
1:  sti                          /* events are masked now; the CPU may interrupt again */
    jmp hypervisor_callback

    .globl native_pf_entry
native_pf_entry:                 /* interrupt gate: CR2 cannot change before we read it */
    pushl %eax
    pushl %ecx
    movl %cr2, %eax
    movl native_cr2_slot, %ecx
    movl %eax, (%ecx)
    popl %ecx
    popl %eax
    testl $0x200, 12(%esp)       /* error code, eip, cs, eflags: was IF on? */
    jz 1f
    sti
1:  jmp *native_pf_handler

    .globl native_stray_entry
native_stray_entry:
    pushl %ecx
    pushl %edx
    pushl %eax
    cld
    call native_stray_hypercall
    addl $4, %esp
    popl %edx
    popl %ecx
    iret
