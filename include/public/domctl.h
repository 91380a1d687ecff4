/*
 * domctl.h - domctl: the control domain's interface for building and managing
 * other domains.  Only a privileged domain (dom0) may call it; others get
 * -EPERM.  Command numbers are Xen's where Xen has the command;
 * XEN_DOMCTL_pvlab_build is pvlab's own: it hands the hypervisor a kernel
 * image from dom0's memory and has it build the domain exactly as it built
 * dom0 (hv/domain_build.c), instead of dom0 mapping the new domain's memory
 * and writing its page tables itself as Xen's libxc does.
 */
#ifndef PUBLIC_DOMCTL_H
#define PUBLIC_DOMCTL_H

#include <stdint.h>
#include "xen.h"

#define XEN_DOMCTL_INTERFACE_VERSION 1

#define XEN_DOMCTL_createdomain       1
#define XEN_DOMCTL_destroydomain      2
#define XEN_DOMCTL_pausedomain        3
#define XEN_DOMCTL_unpausedomain      4
#define XEN_DOMCTL_getdomaininfo      5
#define XEN_DOMCTL_max_mem            11
#define XEN_DOMCTL_get_domain_state   90
#define XEN_DOMCTL_pvlab_build        0x70
#define XEN_DOMCTL_pvlab_info_by_name 0x71

struct xen_domctl_createdomain {
    char name[32]; /* pvlab: the domain's name, for logs */
};

/* Flags in xen_domctl_getdomaininfo.flags (Xen's). */
#define XEN_DOMINF_dying         (1u << 0)
#define XEN_DOMINF_shutdown      (1u << 2) /* shut down; reason in bits 16-23 */
#define XEN_DOMINF_paused        (1u << 3)
#define XEN_DOMINF_blocked       (1u << 4)
#define XEN_DOMINF_running       (1u << 5)
#define XEN_DOMINF_shutdownshift 16
#define XEN_DOMINF_pvlab_crashed (1u << 8) /* pvlab: crashed (shutdown reason is crash) */

/*
 * getdomaininfo answers XEN_DOMCTL_getdomaininfo with the first domain whose id is at least
 * xen_domctl.domain (Xen's), and pvlab's XEN_DOMCTL_pvlab_info_by_name with the domain whose
 * name is in `name` (IN, NUL-terminated), its id in xen_domctl.domain: -ESRCH if there is
 * none.  Xen's toolstack finds a name by listing every domain; pvlab's hypervisor keeps its
 * names in a hash, so `xm-lite destroy NAME` costs the same with a thousand domains as with one.
 */
struct xen_domctl_getdomaininfo {
    domid_t domain; /* OUT: the first domain with an id >= the one asked for */
    uint16_t _pad;
    uint32_t flags;
    uint32_t tot_pages;
    uint32_t max_pages;
    uint64_t cpu_time; /* ns */
    uint32_t nr_online_vcpus;
    uint32_t _pad2;
    char name[32];         /* pvlab */
    char crash_reason[96]; /* pvlab */
};

/*
 * XEN_DOMCTL_get_domain_state (Xen's, from 4.20): the state of the domain
 * named in xen_domctl.domain or, when that is DOMID_FREE (Xen's
 * DOMID_INVALID), of the next domain whose state changed since the last such
 * call, its id returned in both xen_domctl.domain and domid; -ENOENT when no
 * change is left.  So dom0, woken by VIRQ_DOM_EXC, asks once per domain that
 * changed rather than once per domain.  pvlab records a change when a domain
 * shuts down, crashes or is destroyed (Xen also at creation); it has no
 * unique ids (unique_id is 0).
 */
#define XEN_DOMCTL_GETDOMSTATE_STATE_EXIST    0x0001 /* the domain exists (dying or not) */
#define XEN_DOMCTL_GETDOMSTATE_STATE_SHUTDOWN 0x0002 /* shut down or crashed */
#define XEN_DOMCTL_GETDOMSTATE_STATE_DYING    0x0004 /* being destroyed */
#define XEN_DOMCTL_GETDOMSTATE_STATE_DEAD     0x0008 /* destroyed: every frame back */
struct xen_domctl_get_domain_state {
    domid_t domid; /* OUT */
    uint16_t state;
    uint32_t pad1;
    uint64_t unique_id;
};

struct xen_domctl_max_mem {
    uint64_t max_memkb;
};

/*
 * A domain's memory, in MiB: what pvlab_build accepts, dom0_mem= on the
 * hypervisor's command line, and xm-lite's `memory`.  900 MiB keeps a domain
 * well below the 3 GiB the frame table covers (hv/config.h: MAX_MACHINE_MEMORY).
 */
#define XEN_DOMCTL_MIN_MEM_MB 1
#define XEN_DOMCTL_MAX_MEM_MB 900

/* pvlab: build a created (paused) domain from an ELF image in the caller's memory. */
struct xen_domctl_pvlab_build {
    uint32_t image;        /* IN: guest pointer to the ELF image */
    uint32_t image_len;    /* IN */
    uint32_t mem_mb;       /* IN */
    char cmdline[256];     /* IN */
    uint32_t console_port; /* OUT: the new domain's console port (unbound, for dom0) */
    uint32_t store_port;   /* OUT: its xenstore port */
    uint32_t console_mfn;  /* OUT: granted to dom0 as grant reference 0 */
    uint32_t store_mfn;    /* OUT: granted to dom0 as grant reference 1 */
};

struct xen_domctl {
    uint32_t cmd;
    uint32_t interface_version;
    domid_t domain;
    uint16_t _pad;
    uint32_t _pad2;
    union {
        struct xen_domctl_createdomain createdomain;
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_max_mem max_mem;
        struct xen_domctl_get_domain_state get_domain_state;
        struct xen_domctl_pvlab_build build;
        uint8_t pad[512];
    } u;
};

#endif
