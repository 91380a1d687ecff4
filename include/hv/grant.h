/*
 * grant.h - grant tables inside the hypervisor (hv/grant_table.c).
 */
#ifndef HV_GRANT_H
#define HV_GRANT_H

#include <stdint.h>
#include <public/grant_table.h>
#include <hv/config.h> /* GRANT_AREA_WINDOWS */

struct domain;

/* Per-entry state while a grant is mapped: who holds it, and which frame. */
struct active_grant {
    uint16_t rd_pins, wr_pins;
    uint32_t frame;
};

/*
 * A mapping of another domain's grant is recorded in two words of its
 * window, one page apart (hv/grant_table.c): the slot's page-table entry,
 * which says that the slot is in use (present), which frame it maps and
 * whether writable, and its maptrack word, which names the grant: the
 * granter's id above the reference (a reference fits in 16 bits).
 */
#define MAPTRACK(granter, ref) ((uint32_t)(granter) << 16 | (ref))
#define MAPTRACK_GRANTER(m)    ((domid_t)((m) >> 16))
#define MAPTRACK_REF(m)        ((grant_ref_t)((m)&0xFFFF))

#define GRANT_WINDOW_SLOTS 1024 /* mappings one page table of the area holds */
#define NR_GRANT_ENTRIES   (GNTTAB_MAX_FRAMES * GRANT_ENTRIES_PER_PAGE)
/* Pin records in struct domain: the console's, the store's, a few more. */
#define ACTIVE_INLINE 16

/*
 * What a domain holds is taken as it is used (hv/grant_table.c): its first
 * shared frame at creation (the builder grants it the console and store
 * there), the others at setup_table; pin records for its first ACTIVE_INLINE
 * references inline, a page per shared frame for the rest at their first
 * pin; a window of its grant area (page table and maptrack) at its first
 * mapping of another's grant there.  Windows after the first are given
 * back when their last mapping goes.
 */
/* 4 MiB of a domain's grant area: two pages taken together, its page table (owned by the
 * hypervisor) and right after it the slots' maptrack words. */
#define GRANT_WINDOW_PAGES 2
struct grant_window {
    uint32_t *l1; /* GRANT_WINDOW_SLOTS entries, then as many maptrack words */
    uint32_t nr_maps;
};

struct grant_table {
    struct grant_entry_v1 *shared[GNTTAB_MAX_FRAMES]; /* pages the guest maps and writes */
    uint32_t shared_mfn[GNTTAB_MAX_FRAMES];
    uint32_t nr_frames; /* shared frames taken so far */
    struct active_grant active_inline[ACTIVE_INLINE];
    struct active_grant *active[GNTTAB_MAX_FRAMES]; /* refs >= ACTIVE_INLINE: a page per frame */
    struct grant_window window[GRANT_AREA_WINDOWS]; /* taken at a first mapping there */
    uint32_t permit_head; /* an entry's first word that grants this domain access */
};

int grant_table_init(struct domain *d);
void grant_table_destroy(struct domain *d); /* releases its mappings of others' grants too */
void gnttab_grant_to_dom0(struct domain *d, grant_ref_t ref, uint32_t mfn);
long do_grant_table_op(uint32_t cmd, uint32_t uop, uint32_t count);
uint32_t grant_table_pages(void); /* hypervisor pages a grant table takes at its creation */
uint32_t grant_maps_held(const struct domain *d); /* its mappings of grants */
/* Entry `ref` of d's table, and its pin record: NULL while its frame (or page of records) is
 * not taken. */
struct grant_entry_v1 *grant_entry(struct domain *d, grant_ref_t ref);
struct active_grant *active_entry(struct domain *d, grant_ref_t ref);

#endif
