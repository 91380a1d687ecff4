/*
 * x86_haps.h - which instructions are "haps": the events the lab's plugin
 * counts from outside the machine (tools/plugin/pvlab_cache.c).
 *
 * QEMU 7.2's plugin API cannot read registers or see exceptions, only the
 * bytes and addresses of the instructions it translates.  So the events Simics
 * reports as haps (Core_Control_Register_Write on CR3, Core_Mode_Change, ...)
 * are recognised here, once per translated instruction, from the opcode bytes:
 * the plugin then counts each execution of a recognised instruction.  Mode
 * changes are not an instruction at all: the plugin finds them from the
 * address of the code executing (pvlab_cache.c), not here.
 *
 * Pure C, tested on the host by tests/unit/test_x86_haps.c.
 */
#ifndef X86_HAPS_H
#define X86_HAPS_H

#include <stddef.h>
#include <stdint.h>

enum hap_kind {
    HAP_NONE,
    HAP_MARKER,    /* xchg %bx,%bx (66 87 DB): Simics' magic instruction */
    HAP_CR3_WRITE, /* mov %reg,%cr3 (0F 22 /3) */
    HAP_INT80,     /* int $0x80: a system call */
    HAP_INT82,     /* int $0x82: a pvlab (Xen x86_32) hypercall */
    HAP_INT_OTHER, /* any other int n, into, int1 */
    HAP_INT3,      /* int3 (CC) */
    HAP_SYSENTER,  /* 0F 34 */
    HAP_SYSEXIT,   /* 0F 35 */
    HAP_IRET,      /* CF, with or without an operand-size prefix */
    HAP_KINDS
};

/* Classify one instruction from its bytes (len of them). */
enum hap_kind hap_decode(const uint8_t *insn, size_t len);

/* Is it sti (FB)?  Not a hap: the plugin ends a hypervisor stretch there, as
 * the hypervisor opens itself to interrupts (only its idle loop does). */
int insn_is_sti(const uint8_t *insn, size_t len);

/* The name used in the plugin's reports: "cr3_writes", "int80", ... */
const char *hap_name(enum hap_kind kind);

#endif
