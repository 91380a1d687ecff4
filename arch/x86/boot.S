/*
 * boot.S - the first instructions the hypervisor runs.
 *
 * A multiboot loader (QEMU's -kernel or GRUB) enters _start in 32-bit
 * protected mode with paging off, %eax = the multiboot magic and %ebx = the
 * physical address of the multiboot information.  We load a small GDT, build
 * the boot page directory (an identity map of the first 4 MiB so this code
 * keeps running, and the direct map of 0..48 MiB at 0xFC000000 in 4 MiB
 * superpages), turn on paging and jump to our link address, where C takes over
 * in start_hypervisor() (hv/main.c).
 *
 * Tour 2/37 - after arch/x86/hv.lds.S, before hv/main.c.
 */
#include <hv/config.h>

#define V2P(x) ((x) - HV_VIRT_START)
#define MB_MAGIC 0x1BADB002
/*
 * Flags: page-align modules, give us a memory map, and use the load addresses
 * below (bit 16).  With those, GRUB and QEMU load the image the same way; left
 * to read the ELF headers, GRUB takes e_entry as virtual and QEMU as physical.
 */
#define MB_FLAGS 0x00010003

    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long V2P(mb_header)              /* header_addr */
    .long V2P(_hv_start)              /* load_addr: the image starts with this header */
    .long V2P(_edata)                 /* load_end_addr */
    .long V2P(_hv_end)                /* bss_end_addr: the loader zeroes the bss */
    .long V2P(_start)                 /* entry_addr */

    .text
    .code32
    .globl _start
_start:
    cli
    cld
    movl %eax, V2P(boot_mb_magic)
    movl %ebx, V2P(boot_mb_info)
    lgdt V2P(boot_gdt_desc)
    ljmp $0x08, $V2P(1f)
1:  movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs

    /* Boot page directory: identity 0..4 MiB, direct map 48 MiB at 0xFC000000. */
    movl $V2P(idle_pg_table), %edi
    movl $0x83, (%edi)                /* 0 -> 0, 4 MiB, RW, present */
    movl $(HV_VIRT_START >> 22), %ecx
    movl $0x83, %eax                  /* 4 MiB, RW, present (not global: see hv_mappings.c) */
2:  movl %eax, (%edi,%ecx,4)
    addl $0x400000, %eax
    incl %ecx
    cmpl $((HV_VIRT_START + DIRECTMAP_SIZE) >> 22), %ecx
    jne 2b

    movl %cr4, %eax
    orl $0x10, %eax                   /* PSE */
    movl %eax, %cr4
    movl $V2P(idle_pg_table), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80010000, %eax             /* PG | WP: ring 0 honours read-only pages */
    movl %eax, %cr0
    movl $3f, %eax
    jmp *%eax
3:  movl $_boot_stack_top, %esp      /* the frame's place, through the direct map (entry.S) */
    pushl boot_mb_info
    pushl boot_mb_magic
    call start_hypervisor
4:  hlt
    jmp 4b

    .data
    .align 8
boot_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF          /* 0x08: flat ring-0 code */
    .quad 0x00CF92000000FFFF          /* 0x10: flat ring-0 data */
boot_gdt_desc:
    .word 3 * 8 - 1
    .long V2P(boot_gdt)

    .globl boot_mb_magic, boot_mb_info
boot_mb_magic: .long 0
boot_mb_info:  .long 0

    .section .bss
    .align 4096
    .globl idle_pg_table
idle_pg_table:
    .space 4096
