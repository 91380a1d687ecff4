/*
 * crash_first.S - a PV kernel whose very first instruction faults, before it
 * has registered any handler: the hypervisor must crash it with a logged
 * reason, dom0 must be told (VIRQ_DOM_EXC), and nothing else must suffer.
 */
#include <public/elfnote.h>

    .pushsection .note.Xen, "a", @note
    .align 4
    .long 4, 2f - 1f, XEN_ELFNOTE_GUEST_OS
    .asciz "Xen"
    .align 4
1:  .asciz "crash_first"
2:  .align 4
    .popsection

    .section .text.head, "ax"
    .globl _start
_start:
    ud2
