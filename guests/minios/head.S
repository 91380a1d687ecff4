/*
 * head.S - minios's first instructions, and the ELF notes that make it a PV
 * kernel.
 *
 * The domain builder enters _start in ring 1 with paging on, %esi pointing at
 * start_info and %esp at a boot stack page just past the page tables.  We
 * switch to our own stack and call start_kernel(start_info) (kernel.c).
 */
#include <public/elfnote.h>

.macro ELFNOTE type, desc:vararg
    .pushsection .note.Xen, "a", @note
    .align 4
    .long 4
    .long 2f - 1f
    .long \type
    .asciz "Xen"
    .align 4
1:  \desc
2:  .align 4
    .popsection
.endm

    ELFNOTE XEN_ELFNOTE_GUEST_OS, .asciz "minios"
    ELFNOTE XEN_ELFNOTE_GUEST_VERSION, .asciz "0.1"
    ELFNOTE XEN_ELFNOTE_VIRT_BASE, .long 0xC0000000
    ELFNOTE XEN_ELFNOTE_LOADER, .asciz "generic"

    .section .text.head, "ax"
    .globl _start
_start:
    cld
    movl $boot_stack_top, %esp
    pushl %esi
    call start_kernel
1:  jmp 1b

    .section .bss
    .align 16
    .globl boot_stack, boot_stack_top
boot_stack:
    .space 16384
boot_stack_top:
