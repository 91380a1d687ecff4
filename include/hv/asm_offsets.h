/*
 * asm_offsets.h - what arch/x86/entry.S reads in C structures, besides the
 * frame (hv/uregs.h).
 *
 * The hypercall path counts every call, and every refused one, in the running
 * domain's counters, and the exit path looks at the running vCPU's event
 * flags, each at a constant address in the running domain's windows
 * (include/hv/domain.h: current_counters, current_vcpu_info).
 * Assembly can only use numbers, so they are here, once; any C file that
 * includes this header checks them against the structures, and
 * hv/hypercall.c does (and hv/domain.c DOMAIN_PAGE_counters, which needs
 * struct domain: no header of this layer may include hv/domain.h), so a
 * moved field stops the build.
 */
#ifndef HV_ASM_OFFSETS_H
#define HV_ASM_OFFSETS_H

#include <hv/config.h> /* RUNNING_DOMAIN_VA, RUNNING_SHARED_INFO_VA */

#define NR_HYPERCALLS        64   /* hypercall_table[]: numbers 0..63 (Xen's are below 64) */
#define ASM_HYPERCALL_VECTOR 0x82 /* HYPERCALL_VECTOR, for assembly */
/* hv/hypercall.c: hypercall_continue()'s result, below every errno (-1..-4095): entry.S
 * then leaves with the frame it wrote.  A guest never sees it. */
#define HYPERCALL_CONTINUED (-4096)

#define DOMAIN_PAGE_counters   0x2b0 /* struct domain_page: d.counters */
#define PVLAB_hypercalls       8     /* struct pvlab_counters */
#define PVLAB_hypercall_errors 16
/* The running domain's counters: a constant address (include/hv/domain.h: current_counters). */
#define RUNNING_COUNTERS (RUNNING_DOMAIN_VA + DOMAIN_PAGE_counters)

#define SHARED_INFO_vcpu_info    0 /* struct shared_info: vcpu_info[0] */
#define VCPU_INFO_upcall_pending 0 /* struct vcpu_info */
#define VCPU_INFO_upcall_mask    1
/* The running vCPU's vcpu_info: a constant address (include/hv/domain.h: current_vcpu_info). */
#define RUNNING_VCPU_INFO (RUNNING_SHARED_INFO_VA + SHARED_INFO_vcpu_info)

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <public/sysctl.h>
#include <public/xen.h>
_Static_assert(ASM_HYPERCALL_VECTOR == HYPERCALL_VECTOR, "ASM_HYPERCALL_VECTOR");
_Static_assert(offsetof(struct pvlab_counters, hypercalls) == PVLAB_hypercalls, "PVLAB_hypercalls");
_Static_assert(offsetof(struct pvlab_counters, hypercall_errors) == PVLAB_hypercall_errors,
               "PVLAB_hypercall_errors");
_Static_assert(offsetof(struct shared_info, vcpu_info) == SHARED_INFO_vcpu_info,
               "SHARED_INFO_vcpu_info");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_pending) == VCPU_INFO_upcall_pending,
               "VCPU_INFO_upcall_pending");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_mask) == VCPU_INFO_upcall_mask,
               "VCPU_INFO_upcall_mask");
#endif

#endif
