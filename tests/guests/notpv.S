/*
 * notpv.S - an i386 ELF executable that is not a PV kernel (no "Xen" notes):
 * xm-lite must refuse to build a domain from it.
 */
    .section .text.head, "ax"
    .globl _start
_start:
    hlt
