/*
 * arch-x86_32.h - the i386 half of the pvlab guest ABI.
 *
 * Everything here is what a 32-bit paravirtualized guest must know about the
 * machine it runs on under pvlab: where the hypervisor lives in every address
 * space, which segment selectors a ring-1 kernel and its ring-3 processes use,
 * and the layout of saved registers and of the per-vCPU shared data.  Names and
 * numbers follow Xen's classic x86_32 (non-PAE) ABI; every field has an explicit
 * width so the same header compiles for the hypervisor, the guests and the
 * 64-bit host that runs the unit tests.
 */
#ifndef PUBLIC_ARCH_X86_32_H
#define PUBLIC_ARCH_X86_32_H

/*
 * An unsigned constant that assembly, the linker script and C can all read:
 * this header, and the layout headers built on it, are included by .S files
 * and the hypervisor's linker script too, where a `u` suffix is an error.
 */
#if defined(__ASSEMBLY__)
#define XEN_UINT(x) x
#else
#define XEN_UINT(x) x##u
#endif

/* The hypervisor owns the top 64 MiB of every address space. */
#define HYPERVISOR_VIRT_START XEN_UINT(0xFC000000)

/* Pages are 4 KiB (non-PAE two-level paging). */
#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE  XEN_UINT(4096)

/*
 * GDT selectors.  Entries below 0x100 are left free for guests; the
 * hypervisor's own descriptors start at index 0x101 (Xen 2.0's numbering).
 */
#define FIRST_RESERVED_GDT_ENTRY 0x100
#define __HYPERVISOR_CS          0x0808 /* ring 0 code, flat 4 GiB */
#define __HYPERVISOR_DS          0x0810 /* ring 0 data, flat 4 GiB */
#define FLAT_RING1_CS            0x0819 /* guest kernel code, limit below the hypervisor */
#define FLAT_RING1_DS            0x0821 /* guest kernel data */
#define FLAT_RING3_CS            0x082b /* guest user code */
#define FLAT_RING3_DS            0x0833 /* guest user data */
#define FLAT_KERNEL_CS           FLAT_RING1_CS
#define FLAT_KERNEL_DS           FLAT_RING1_DS
#define FLAT_KERNEL_SS           FLAT_RING1_DS
#define FLAT_USER_CS             FLAT_RING3_CS
#define FLAT_USER_DS             FLAT_RING3_DS
#define FLAT_USER_SS             FLAT_RING3_DS

#ifndef __ASSEMBLY__
#include <stdint.h>

typedef uint32_t xen_ulong_t;
typedef uint32_t xen_pfn_t;

/*
 * Registers as saved on a hypervisor entry (Xen's x86_32 cpu_user_regs).
 * error_code and entry_vector share one word; es/ds/fs/gs sit above ss so
 * the hardware frame for an inter-ring trap lines up with eip..ss.
 */
struct cpu_user_regs {
    uint32_t ebx;
    uint32_t ecx;
    uint32_t edx;
    uint32_t esi;
    uint32_t edi;
    uint32_t ebp;
    uint32_t eax;
    uint16_t error_code;
    uint16_t entry_vector;
    uint32_t eip;
    uint16_t cs;
    uint8_t saved_upcall_mask;
    uint8_t _pad0;
    uint32_t eflags;
    uint32_t esp; /* esp..gs are valid only when the trap came from ring 1 or 3 */
    uint16_t ss, _pad1;
    uint16_t es, _pad2;
    uint16_t ds, _pad3;
    uint16_t fs, _pad4;
    uint16_t gs, _pad5;
};

/* One entry of the virtual IDT a guest registers with set_trap_table. */
struct trap_info {
    uint8_t vector; /* exception vector */
    uint8_t flags;  /* bits 0-1: privilege level allowed to raise it with INT; bit 2: mask events */
    uint16_t cs;    /* code selector (must be FLAT_RING1_CS) */
    uint32_t address; /* handler entry point */
};
#define TI_GET_DPL(_ti) ((_ti)->flags & 3)
#define TI_GET_IF(_ti)  ((_ti)->flags & 4)

struct arch_vcpu_info {
    uint32_t cr2; /* faulting address of the last #PF bounced to the guest */
    uint32_t pad[5];
};

struct arch_shared_info {
    uint32_t max_pfn;
    uint32_t pfn_to_mfn_frame_list_list;
    uint32_t nmi_reason;
};

#endif /* __ASSEMBLY__ */

#endif
