/*
 * grant_table.h - grant tables (v1): how a domain lets another domain map or
 * copy one of its pages.
 *
 * The granting domain writes an entry {flags, domid, frame} in its grant
 * table, a set of pages it shares with the hypervisor; the entry's index is
 * the grant reference it passes to the other domain (through xenstore or a
 * ring).  The other domain then asks the hypervisor to map or copy that
 * reference.  Entries 0 and 1 are reserved for the console and xenstore
 * pages, which the domain builder grants to dom0.
 *
 * pvlab maps grants only into the caller's grant area: the 4 MiB below the
 * hypervisor (GRANT_AREA_START), whose page table belongs to the hypervisor,
 * so a guest can never rewrite a grant mapping behind the hypervisor's back.
 */
#ifndef PUBLIC_GRANT_TABLE_H
#define PUBLIC_GRANT_TABLE_H

#include <stdint.h>
#include "xen.h"

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

struct grant_entry_v1 {
    uint16_t flags; /* GTF_* */
    domid_t domid;  /* the domain being granted access */
    uint32_t frame; /* the machine frame granted */
};
#define GRANT_ENTRIES_PER_PAGE     (4096 / sizeof(struct grant_entry_v1)) /* 512 */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE    0
#define GNTTAB_RESERVED_XENSTORE   1
#define GNTTAB_MAX_FRAMES          4 /* pvlab: 2048 grant references per domain */

#define GTF_invalid       0
#define GTF_permit_access 1
#define GTF_type_mask     3
#define GTF_readonly      (1u << 2) /* the grantee may only read */
#define GTF_reading       (1u << 3) /* set by the hypervisor while mapped */
#define GTF_writing       (1u << 4) /* set by the hypervisor while mapped writable */

/* The grant area: where map_grant_ref puts mappings (just below the hypervisor), 8,192 pages:
 * dom0 maps two for each domU (its console and store), so room for 4,096 domUs. */
#define GRANT_AREA_START 0xFA000000u
#define GRANT_AREA_SIZE  0x02000000u
/* Its pages, each a slot for one mapping; a map's handle is its slot's number. */
#define GRANT_AREA_SLOTS (GRANT_AREA_SIZE >> XEN_PAGE_SHIFT)

#define GNTTABOP_map_grant_ref   0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table     2
#define GNTTABOP_copy            5
#define GNTTABOP_query_size      6

#define GNTMAP_host_map (1u << 1)
#define GNTMAP_readonly (1u << 2)

#define GNTST_okay              0
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)

struct gnttab_map_grant_ref {
    uint64_t host_addr;    /* IN: a page in the caller's grant area */
    uint32_t flags;        /* IN: GNTMAP_host_map [| GNTMAP_readonly] */
    grant_ref_t ref;       /* IN */
    domid_t dom;           /* IN: the granting domain */
    int16_t status;        /* OUT: GNTST_* */
    grant_handle_t handle; /* OUT: for unmap */
    uint64_t dev_bus_addr; /* OUT: the machine address mapped */
};

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    grant_handle_t handle;
    int16_t status;
    uint16_t _pad;
};

struct gnttab_setup_table {
    domid_t dom; /* IN: DOMID_SELF */
    uint16_t _pad;
    uint32_t nr_frames; /* IN */
    int16_t status;     /* OUT */
    uint16_t _pad2;
    uint32_t frame_list; /* IN: guest pointer to nr_frames xen_pfn_t (OUT: machine frames) */
};

struct gnttab_query_size {
    domid_t dom;
    uint16_t _pad;
    uint32_t nr_frames;     /* OUT */
    uint32_t max_nr_frames; /* OUT */
    int16_t status;
    uint16_t _pad2;
};

#define GNTCOPY_source_gref (1u << 0)
#define GNTCOPY_dest_gref   (1u << 1)
struct gnttab_copy_ptr {
    union {
        grant_ref_t ref; /* with GNTCOPY_*_gref: a grant of `domid` */
        xen_pfn_t gmfn;  /* otherwise: a machine frame of the caller */
    } u;
    domid_t domid;
    uint16_t offset;
};
struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags; /* GNTCOPY_* */
    int16_t status;
    uint16_t _pad;
};

#endif
