/*
 * swtch.S - the kernel-stack switch under every process switch.
 *
 * swtch(save, load) pushes the callee-saved registers on the current ring-1
 * stack, stores %esp in *save, loads `load` as %esp and pops the registers
 * saved there: it returns on the other stack, into whoever called swtch()
 * on it last.  A new process's stack is prepared (proc.c) so that its first
 * return lands in proc_entry, which enables events and leaves for ring 3
 * through trap_return (entry.S) with the trap frame spawn built above it.
 *
 * Tour 32/58 - after proc/sched.c, before proc/syscall.c.
 */
    .text
    .globl swtch
swtch:
    movl 4(%esp), %eax
    movl 8(%esp), %edx
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl %edx, %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

    .globl proc_entry
proc_entry:
    call proc_first_run
    jmp trap_return
