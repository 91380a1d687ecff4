/*
 * boot.S - the native side of _start (head.S): a multiboot loader left us in
 * protected mode with paging off, running at physical addresses, %ebx
 * pointing at the multiboot information.
 *
 * minios is linked at 0xC0000000 and loaded at 1 MiB, so before any C can
 * run paging must map one to the other.  native_entry fills the boot page
 * tables (in the .bss, zeroed by the loader): BOOT_L1S L1 tables
 * (boot_map.h) mapping from 1 MiB at 0xC0000000 - the kernel, the boot
 * archive, its p2m array and the first free pages - and, in the same directory, two 4 MiB pages mapping the first
 * 8 MiB at 0 so that this code survives turning paging on and the
 * multiboot information can still be read.  Then it jumps to the link
 * address and calls start_native(mbi) (start.c) on the boot stack, which
 * builds the rest with the same code a PV minios uses (mm.c: mm_init).
 *
 * Tour 5/58 - after arch/pv/pv_ops.c, before arch/native/start.c.
 */
#include "boot_map.h"
#define VIRT_BASE        0xC0000000
#define NATIVE_PHYS_BASE 0x00100000
#define PHYS(x)          ((x) - VIRT_BASE + NATIVE_PHYS_BASE)
#define PTE_KERNEL       0x003 /* present, writable */
#define PDE_4M_KERNEL    0x083 /* present, writable, 4 MiB page */

    .text
    .globl native_entry
native_entry:
    cli
    movl %ebx, PHYS(native_mb_info)
    movl $PHYS(boot_l1), %edi          /* boot_l1[i] = frame 256 + i */
    movl $(NATIVE_PHYS_BASE | PTE_KERNEL), %eax
    movl $(BOOT_L1S * 1024), %ecx
1:  movl %eax, (%edi)
    addl $4, %edi
    addl $4096, %eax
    loop 1b
    movl $PHYS(boot_l2), %edi
    movl $PDE_4M_KERNEL, 0(%edi)                   /* 0-4 MiB at 0 */
    movl $(0x400000 | PDE_4M_KERNEL), 4(%edi)      /* 4-8 MiB at 4 MiB */
    movl $(PHYS(boot_l1) + PTE_KERNEL), %eax       /* slots 768 on: the L1s */
    addl $(VIRT_BASE >> 20), %edi
    movl $BOOT_L1S, %ecx
4:  movl %eax, (%edi)
    addl $4, %edi
    addl $4096, %eax
    loop 4b
    movl %cr4, %eax
    orl $0x10, %eax                                /* PSE, for the 4 MiB pages */
    movl %eax, %cr4
    movl $PHYS(boot_l2), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80000000, %eax                          /* PG (WP stays clear) */
    movl %eax, %cr0
    movl $2f, %eax
    jmp *%eax                                      /* to the link address */
2:  movl $boot_stack_top, %esp
    pushl native_mb_info
    call start_native
3:  hlt
    jmp 3b

    .data
    .globl native_mb_info
native_mb_info: .long 0

    .section .bss
    .p2align 12
    .globl boot_l2, boot_l1
boot_l2: .space 4096
boot_l1: .space BOOT_L1S * 4096
