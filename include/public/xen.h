/*
 * xen.h - the core of the pvlab guest ABI: hypercall numbers, the page-table
 * update interface, the start_info page a domain is booted with, and the
 * shared_info page it shares with the hypervisor.
 *
 * A guest enters the hypervisor with `int $0x82`: the hypercall number in
 * %eax, up to five arguments in %ebx %ecx %edx %esi %edi, the result in %eax
 * (a negative errno from errno.h on failure).  Numbers, structure layouts and
 * constants are Xen's, so a student can read Xen's documentation beside ours.
 */
#ifndef PUBLIC_XEN_H
#define PUBLIC_XEN_H

#include <stdint.h>
#include "arch-x86_32.h"

#define HYPERCALL_VECTOR 0x82

/* Hypercall numbers (Xen's). */
#define __HYPERVISOR_set_trap_table    0
#define __HYPERVISOR_mmu_update        1
#define __HYPERVISOR_set_gdt           2
#define __HYPERVISOR_stack_switch      3
#define __HYPERVISOR_set_callbacks     4
#define __HYPERVISOR_fpu_taskswitch    5
#define __HYPERVISOR_update_va_mapping 14
#define __HYPERVISOR_set_timer_op      15
#define __HYPERVISOR_xen_version       17
#define __HYPERVISOR_console_io        18
#define __HYPERVISOR_grant_table_op    20
#define __HYPERVISOR_vcpu_op           24
#define __HYPERVISOR_mmuext_op         26
#define __HYPERVISOR_sched_op          29
#define __HYPERVISOR_event_channel_op  32
#define __HYPERVISOR_physdev_op        33
#define __HYPERVISOR_sysctl            35
#define __HYPERVISOR_domctl            36
#define NR_HYPERCALLS                  64

/* Virtual interrupts, delivered through event channels bound with bind_virq. */
#define VIRQ_TIMER   0 /* the vCPU's periodic or one-shot timer */
#define VIRQ_DEBUG   1
#define VIRQ_CONSOLE 2 /* dom0: input is waiting in the hypervisor's console */
#define VIRQ_DOM_EXC 3 /* dom0: a domain crashed or shut down */
#define NR_VIRQS     24

/* mmu_update: the low two bits of ptr select the command. */
#define MMU_NORMAL_PT_UPDATE 0 /* ptr = machine address of a PTE; val = new PTE */
#define MMU_MACHPHYS_UPDATE                                                                        \
    1 /* ptr = machine address of a frame; val = its pseudo-physical number */
struct mmu_update {
    uint64_t ptr;
    uint64_t val;
};

/* mmuext_op commands. */
#define MMUEXT_PIN_L1_TABLE    0
#define MMUEXT_PIN_L2_TABLE    1
#define MMUEXT_UNPIN_TABLE     4
#define MMUEXT_NEW_BASEPTR     5
#define MMUEXT_TLB_FLUSH_LOCAL 6
#define MMUEXT_INVLPG_LOCAL    7
struct mmuext_op {
    uint32_t cmd;
    union {
        xen_pfn_t mfn;        /* PIN_*, UNPIN_TABLE, NEW_BASEPTR */
        uint32_t linear_addr; /* INVLPG_LOCAL */
    } arg1;
    union {
        uint32_t nr_ents;
        uint32_t vcpumask;
    } arg2;
};

/* update_va_mapping flags. */
#define UVMF_NONE           0
#define UVMF_TLB_FLUSH      1
#define UVMF_INVLPG         2
#define UVMF_FLUSHTYPE_MASK 3
#define UVMF_LOCAL          0
#define UVMF_ALL            4

/*
 * Special domain ids (Xen's numbers): from DOMID_FIRST_RESERVED on, an id
 * names no domain.  DOMID_SELF means "the caller itself"; DOMID_IO, DOMID_XEN
 * and DOMID_FREE are the owners the frame table gives frames that are not
 * RAM, the hypervisor's own, and free ones (DOMID_FREE is Xen's
 * DOMID_INVALID); DOMID_IDLE is the idle vCPU's.
 */
#define DOMID_FIRST_RESERVED 0x7FF0u
#define DOMID_SELF           0x7FF0u
#define DOMID_IO             0x7FF1u
#define DOMID_XEN            0x7FF2u
#define DOMID_FREE           0x7FF4u
#define DOMID_IDLE           0x7FFFu
typedef uint16_t domid_t;

/* console_io commands. */
#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

/* Per-vCPU system time, in nanoseconds since the hypervisor booted. */
struct vcpu_time_info {
    uint32_t version; /* odd while the hypervisor is updating the record */
    uint32_t pad0;
    uint64_t tsc_timestamp;     /* TSC when system_time was sampled */
    uint64_t system_time;       /* ns since boot at tsc_timestamp */
    uint32_t tsc_to_system_mul; /* ns = ((tsc delta << shift) * mul) >> 32 */
    int8_t tsc_shift;
    int8_t flags;
    uint8_t pad1[2];
};

struct vcpu_info {
    uint8_t evtchn_upcall_pending; /* an event is waiting for the upcall */
    uint8_t evtchn_upcall_mask;    /* the guest's "interrupts disabled" flag */
    uint16_t _pad;
    uint32_t evtchn_pending_sel; /* which words of evtchn_pending have news */
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
}; /* 64 bytes */

#define XEN_LEGACY_MAX_VCPUS 32
#define NR_EVENT_CHANNELS    1024

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint32_t evtchn_pending[32];
    uint32_t evtchn_mask[32];
    uint32_t wc_version; /* wall clock: when the machine booted */
    uint32_t wc_sec;
    uint32_t wc_nsec;
    struct arch_shared_info arch;
};

/* start_info: the page a domain finds at %esi when it first runs. */
#define MAX_GUEST_CMDLINE 1024
struct start_info {
    char magic[32];       /* "xen-3.0-x86_32" */
    uint32_t nr_pages;    /* pages allocated to the domain */
    uint32_t shared_info; /* MACHINE address of the shared_info page */
    uint32_t flags;       /* SIF_* */
    xen_pfn_t store_mfn;  /* MACHINE frame of the xenstore ring */
    uint32_t store_evtchn;
    union {
        struct {
            xen_pfn_t mfn; /* MACHINE frame of the console ring */
            uint32_t evtchn;
        } domU;
        struct {
            uint32_t info_off;
            uint32_t info_size;
        } dom0;
    } console;
    uint32_t pt_base;      /* VIRTUAL address of the page directory */
    uint32_t nr_pt_frames; /* number of bootstrap page-table frames */
    uint32_t mfn_list;     /* VIRTUAL address of the pfn-to-mfn array */
    uint32_t mod_start;    /* VIRTUAL address of the boot module, if any */
    uint32_t mod_len;
    char cmd_line[MAX_GUEST_CMDLINE];
    uint32_t first_p2m_pfn;
    uint32_t nr_p2m_frames;
};
#define SIF_PRIVILEGED 1 /* the domain may use privileged hypercalls */
#define SIF_INITDOMAIN 2 /* the domain is the initial control domain */

/*
 * Page-table entry bits a guest may use in the PTEs it asks the hypervisor to
 * write.  PSE (4 MiB) entries are not allowed in guest page directories.
 */
#define _PAGE_PRESENT  0x001
#define _PAGE_RW       0x002
#define _PAGE_USER     0x004
#define _PAGE_PWT      0x008
#define _PAGE_PCD      0x010
#define _PAGE_ACCESSED 0x020
#define _PAGE_DIRTY    0x040
#define _PAGE_PSE      0x080
#define _PAGE_GLOBAL   0x100
#define _PAGE_AVAIL    0xE00

#endif
