/*
 * head.S - minios's first instructions, and the two headers that let one
 * image start two ways: the Xen ELF notes that make it a PV kernel, and a
 * multiboot header that makes it a bare-metal kernel.
 *
 * Both loaders enter _start, the one entry point.  The pvlab domain builder
 * enters it at its link address (0xC0000000, the ELF's e_entry) in ring 1
 * with paging on, %esi pointing at start_info and %esp at a boot stack page
 * just past the page tables; %eax is 0.  A multiboot loader (QEMU -kernel,
 * GRUB) enters it at its physical address (entry_addr below) with paging
 * off and %eax = 0x2BADB002, %ebx = the multiboot information.  _start's
 * first test tells them apart with position-independent code only; the
 * native side goes on in arch/native/boot.S.
 *
 * The multiboot header sets flag bit 16 (the "a.out kludge"): the loader
 * then takes the load addresses from this header instead of the ELF program
 * headers, and jumps to entry_addr, while e_entry stays the virtual address
 * the domain builder needs.  The file is laid out linearly (minios.lds), so
 * loading [load_addr, load_end_addr) from the header's file offset puts
 * every byte at its AT() address.
 *
 * Tour 2/58 - after minios.lds, before kernel.c.
 */
#include <public/elfnote.h>

#define VIRT_BASE        0xC0000000
#define NATIVE_PHYS_BASE 0x00100000 /* natively, minios is loaded at 1 MiB */
#define PHYS(x)          ((x) - VIRT_BASE + NATIVE_PHYS_BASE)
#define MB_HEADER_MAGIC  0x1BADB002
#define MB_LOADER_MAGIC  0x2BADB002
#define MB_FLAGS         0x00010003 /* page-aligned modules, memory info, address fields */

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
    cmpl $MB_LOADER_MAGIC, %eax
    je native_entry              /* relative: right at the physical address too */
    movl $boot_stack_top, %esp
    pushl %esi
    call start_kernel
1:  jmp 1b

    .p2align 2
multiboot_header:
    .long MB_HEADER_MAGIC, MB_FLAGS, -(MB_HEADER_MAGIC + MB_FLAGS)
    .long PHYS(multiboot_header) /* header_addr */
    .long PHYS(_text)            /* load_addr */
    .long PHYS(_edata)           /* load_end_addr: the file's bytes end here */
    .long PHYS(_end)             /* bss_end_addr: the loader zeroes up to here */
    .long PHYS(_start)           /* entry_addr */

    .section .bss
    .align 16
    .globl boot_stack, boot_stack_top
boot_stack:
    .space 16384
boot_stack_top:
