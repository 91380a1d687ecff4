/*
 * usermode.S - running a little code in ring 3 (used by the int $0x80 benchmark).
 *
 * run_user(entry, user_esp, ebx) saves the kernel's callee-saved registers,
 * builds an iret frame for ring 3 (FLAT_USER_CS/SS) and irets into it with
 * %ebx preset.  The user code ends with int $0x80 and %eax = 1; syscall_entry
 * (entry.S) jumps to user_mode_exit, which stores %esi %edi %ecx %edx in
 * user_result and returns from run_user on the kernel stack.
 *
 * user_int80_loop is position-independent and is copied to a user page:
 * it times %ebx null system calls (int $0x80 with %eax = 0) with rdtsc.
 *
 * Tour 24/58 - after user.c, before startup.c.
 */
#include <public/arch-x86_32.h> /* FLAT_USER_CS, FLAT_USER_DS */

    .text
    .globl run_user
run_user:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, saved_kernel_esp
    movl $1, run_user_active
    movl 20(%esp), %ecx           /* entry */
    movl 24(%esp), %edx           /* user esp */
    movl 28(%esp), %ebx           /* argument in %ebx */
    pushl $FLAT_USER_DS
    pushl %edx
    pushl $0x202
    pushl $FLAT_USER_CS
    pushl %ecx
    movl $FLAT_USER_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    iret

    .globl user_mode_exit
user_mode_exit:
    movl %ss, %eax               /* the kernel's data segment */
    movl %eax, %ds
    movl %eax, %es
    movl %esi, user_result
    movl %edi, user_result + 4
    movl %ecx, user_result + 8
    movl %edx, user_result + 12
    movl saved_kernel_esp, %esp
    movl $0, run_user_active
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

    .globl user_int80_loop, user_int80_end
user_int80_loop:
    rdtsc
    movl %eax, %esi
    movl %edx, %edi
1:  xorl %eax, %eax
    int $0x80
    decl %ebx
    jnz 1b
    rdtsc
    movl %eax, %ecx
    movl $1, %eax
    int $0x80
user_int80_end:

    .data
saved_kernel_esp: .long 0
    .globl run_user_active        /* 1 while run_user's code is in ring 3 (entry.S) */
run_user_active: .long 0
    .globl user_result
user_result: .long 0, 0, 0, 0
