/*
 * uregs.h - struct cpu_user_regs as assembly sees it.
 *
 * arch/x86/entry.S builds and restores exactly the struct cpu_user_regs of
 * include/public/arch-x86_32.h (as xv6's trapasm.S builds x86.h's
 * trapframe), and boot.S leaves room for one at the top of the stack.  Those
 * files can only use numbers, so the numbers are here, once; every C file
 * that includes this header (through hv/arch.h, i.e. the whole hypervisor)
 * checks them against the structure with _Static_assert, so a field moved in
 * the C structure stops the build instead of corrupting a guest's registers.
 */
#ifndef HV_UREGS_H
#define HV_UREGS_H

#include <public/arch-x86_32.h>

#define UREGS_ebx        0
#define UREGS_ecx        4
#define UREGS_edx        8
#define UREGS_esi        12
#define UREGS_edi        16
#define UREGS_eax        24
#define UREGS_error_code 28
#define UREGS_vector     30
#define UREGS_eip        32
#define UREGS_cs         36
#define UREGS_es         52
#define UREGS_ds         56
#define UREGS_fs         60
#define UREGS_gs         64
#define UREGS_SIZE       68
#define UREGS_WORDS      (UREGS_SIZE / 4)

#ifndef __ASSEMBLY__
#include <stddef.h>
_Static_assert(offsetof(struct cpu_user_regs, ebx) == UREGS_ebx, "UREGS_ebx");
_Static_assert(offsetof(struct cpu_user_regs, ecx) == UREGS_ecx, "UREGS_ecx");
_Static_assert(offsetof(struct cpu_user_regs, edx) == UREGS_edx, "UREGS_edx");
_Static_assert(offsetof(struct cpu_user_regs, esi) == UREGS_esi, "UREGS_esi");
_Static_assert(offsetof(struct cpu_user_regs, edi) == UREGS_edi, "UREGS_edi");
_Static_assert(offsetof(struct cpu_user_regs, eax) == UREGS_eax, "UREGS_eax");
_Static_assert(offsetof(struct cpu_user_regs, error_code) == UREGS_error_code, "UREGS_error_code");
_Static_assert(offsetof(struct cpu_user_regs, entry_vector) == UREGS_vector, "UREGS_vector");
_Static_assert(offsetof(struct cpu_user_regs, eip) == UREGS_eip, "UREGS_eip");
_Static_assert(offsetof(struct cpu_user_regs, cs) == UREGS_cs, "UREGS_cs");
_Static_assert(offsetof(struct cpu_user_regs, es) == UREGS_es, "UREGS_es");
_Static_assert(offsetof(struct cpu_user_regs, ds) == UREGS_ds, "UREGS_ds");
_Static_assert(offsetof(struct cpu_user_regs, fs) == UREGS_fs, "UREGS_fs");
_Static_assert(offsetof(struct cpu_user_regs, gs) == UREGS_gs, "UREGS_gs");
_Static_assert(sizeof(struct cpu_user_regs) == UREGS_SIZE, "UREGS_SIZE");
#endif

#endif
