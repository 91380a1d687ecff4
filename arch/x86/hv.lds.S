/*
 * hv.lds.S - link the hypervisor at 0xFC100000 (virtual) but load it at
 * 1 MiB (physical).  Multiboot loaders place the image at its physical
 * address and jump to the physical entry point with paging off.
 *
 * The C preprocessor makes build/arch/x86/hv.lds from this file, so the
 * addresses come from the one layout header, include/hv/config.h
 * (HV_VIRT_START, HV_LOAD_PHYS, ENTRY_AREA), as they do for the C code.
 *
 * The .entry section is the "entry area": the IDT stubs, the descriptor
 * tables and an entry stack, linked at ENTRY_AREA (0xFF800000) so that they
 * are at the same address in the hypervisor's page tables and in the guest
 * root that is loaded while a guest runs (see arch/x86/hv_mappings.c).  Its pages
 * are loaded right after .data.
 *
 * Tour 1/37 - after README.md, before arch/x86/boot.S.
 */
#include <hv/config.h>

OUTPUT_FORMAT("elf32-i386")
OUTPUT_ARCH(i386)
ENTRY(_start_phys)

HV_OFFSET = HV_VIRT_START;

SECTIONS
{
    . = HV_VIRT_START + HV_LOAD_PHYS;
    _hv_start = .;
    .text : AT(ADDR(.text) - HV_OFFSET) {
        *(.multiboot)
        *(.text .text.*)
    }
    .rodata : AT(ADDR(.rodata) - HV_OFFSET) {
        *(.rodata .rodata.*)
        . = ALIGN(4);
        __start_ex_table = .;
        *(.ex_table)
        __stop_ex_table = .;
    }
    .data : AT(ADDR(.data) - HV_OFFSET) {
        *(.data .data.*)
    }
    . = ALIGN(4096);
    _entry_alias = .;
    .entry ENTRY_AREA : AT(_entry_alias - HV_OFFSET) {
        _entry_text_start = .;
        *(.entry.text)
        . = ALIGN(4096);
        _entry_data_start = .;
        *(.entry.data)
        . = ALIGN(4096);
        _entry_stack_start = .;
        *(.entry.stack)
        . = ALIGN(4096);
        _entry_end = .;
    }
    . = _entry_alias + SIZEOF(.entry);
    ASSERT(entry_frame_page == ENTRY_FRAME_PAGE, "the frame page moved: change ENTRY_FRAME_PAGE")
    ASSERT(_entry_end <= RUNNING_DOMAIN_VA, "the entry area runs into the running domain's window")
    /* The hypervisor stack is in the entry area (entry.S), which is mapped only
     * after paging_init(): boot.S starts on it through the direct map. */
    _boot_stack_top = _entry_alias + (entry_frame_page - ENTRY_AREA);
    _edata = .;
    .bss : AT(ADDR(.bss) - HV_OFFSET) {
        __bss_start = .;
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(4096);
        __bss_end = .;
    }
    _hv_end = .;
    _start_phys = _start - HV_OFFSET;
    /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame) }
}
