/*
 * sysctl.h - sysctl: system-wide queries for the control domain.
 *
 * pvlab adds one command of its own, XEN_SYSCTL_pvlab_counters, which reads a
 * domain's instrument counters (the lab's "haps": hypervisor entries by cause,
 * CR3 loads, refused hypercalls, ...).  A domain may read its own counters;
 * only a privileged domain may read another's.
 */
#ifndef PUBLIC_SYSCTL_H
#define PUBLIC_SYSCTL_H

#include <stdint.h>
#include "xen.h"
#include "trace.h"

#define XEN_SYSCTL_INTERFACE_VERSION 1
#define XEN_SYSCTL_readconsole       1 /* dom0: read the hypervisor's log */
#define XEN_SYSCTL_physinfo          3 /* dom0: total and free memory */
#define XEN_SYSCTL_pvlab_counters    0x70
#define XEN_SYSCTL_pvlab_trace       0x71 /* dom0: the trace buffer (public/trace.h) */

struct pvlab_counters {
    uint64_t hv_entries;        /* every entry into the hypervisor while this domain ran */
    uint64_t hypercalls;        /* int $0x82 */
    uint64_t hypercall_errors;  /* hypercalls that returned a negative errno */
    uint64_t exceptions;        /* guest faults taken by the hypervisor */
    uint64_t bounces;           /* exceptions bounced to the guest's handler */
    uint64_t interrupts;        /* physical interrupts taken while the domain ran */
    uint64_t upcalls;           /* event upcalls delivered */
    uint64_t cr3_loads;         /* page-directory switches for this domain */
    uint64_t validation_errors; /* page-table updates refused */
    uint64_t wakeups;           /* times an event woke the blocked vCPU */
    uint64_t wake_wait_total;   /* ns from those wakes to running, summed */
    uint64_t wake_wait_max;     /* ns: the longest of them */
    uint64_t fpu_loads;         /* #NM traps that gave it the FPU (lazy switching) */
    uint64_t tick_late_max;     /* ns: the latest a 1 ms timer tick came while it ran (what
                                 * the hypervisor did for it with interrupts off) */
};

struct xen_sysctl {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct {
            domid_t domid; /* IN: DOMID_SELF or a domain id */
            uint16_t _pad;
            uint32_t _pad2; /* keeps the counters 8-byte aligned on every compiler */
            struct pvlab_counters counters; /* OUT */
        } pvlab_counters;
        struct {
            uint32_t buffer; /* IN: guest pointer */
            uint32_t count;  /* IN: buffer size; OUT: bytes copied (the newest) */
        } readconsole;
        struct pvlab_trace_op trace;
        struct {
            uint32_t total_pages;
            uint32_t free_pages;
            uint32_t nr_domains;
            uint32_t hv_pages_per_domain; /* pvlab: hypervisor memory each domain costs */
            uint32_t scrub_pages;         /* pvlab: free pages the idle loop has still to scrub */
            uint32_t hv_pages_domu_max;   /* pvlab: the most any unprivileged domain holds */
            uint32_t hv_pages_dom0;       /* pvlab: what the privileged domain holds */
        } physinfo;
        uint8_t pad[128];
    } u;
};

#endif
