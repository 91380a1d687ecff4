/*
 * grant_table.c - grant tables: sharing pages between domains by reference.
 *
 * A domain grants access to one of its frames by filling an entry of its grant
 * table (pages it shares with us, set up by setup_table).  Another domain maps
 * the grant with map_grant_ref or copies through it with copy.  The rules:
 *
 *   - an entry is read once from the guest-writable table and checked
 *     afterwards, so the granter cannot change it under our feet;
 *   - the mapping domain must be the one named in the entry, and may map
 *     writable only what is not granted read-only;
 *   - a mapped frame holds a general reference (and a writable type
 *     reference if writable) for as long as it is mapped, so it survives
 *     even the granter's death, and can never be or become a page table while
 *     mapped writable;
 *   - pin counts per entry (active_grant) say when GTF_reading/GTF_writing
 *     may be cleared, in whatever order mappings come and go.
 *
 * Mappings go only into the caller's grant area (GRANT_AREA_START, page
 * directory slot 1007), whose page table belongs to the hypervisor: a guest
 * cannot rewrite or duplicate a grant mapping with mmu_update, which keeps the
 * accounting above exact.  A handle is the slot number in that area.
 *
 * Tour 32/37 - after hv/event_channel.c, before hv/irq.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <hv/console.h>
#include <hv/entry.h>
#include <hv/domain.h>
#include <hv/grant.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/x86.h>

#define ACTIVE_PAGES   ROUNDUP(NR_GRANT_ENTRIES * sizeof(struct active_grant), PAGE_SIZE) / PAGE_SIZE
#define MAPTRACK_PAGES ROUNDUP(GRANT_AREA_SLOTS * sizeof(struct maptrack), PAGE_SIZE) / PAGE_SIZE

/* Most domains never map another's grant: their maptrack is allocated at their first mapping. */
static int maptrack_alloc(struct domain *md)
{
    md->grant.maptrack = alloc_xenheap_pages(MAPTRACK_PAGES);
    if (!md->grant.maptrack)
        return -XEN_ENOMEM;
    md->hv_pages += MAPTRACK_PAGES;
    return 0;
}

uint32_t grant_table_pages(void)
{
    return GNTTAB_MAX_FRAMES + ACTIVE_PAGES + 1; /* a domU's maptrack comes with a first mapping */
}

int grant_table_init(struct domain *d)
{
    struct grant_table *gt = &d->grant;
    gt->shared = alloc_xenheap_pages(GNTTAB_MAX_FRAMES);
    gt->active = alloc_xenheap_pages(ACTIVE_PAGES);
    gt->area_l1 = alloc_xenheap_pages(1);
    /* dom0 maps every domU's console and store: its maptrack from the start; a domU's comes
     * with its first mapping (most never map one). */
    if (!gt->shared || !gt->active || !gt->area_l1 || (d->is_privileged && maptrack_alloc(d))) {
        free_xenheap_pages(gt->shared, GNTTAB_MAX_FRAMES); /* not yet the domain's */
        gt->shared = NULL;
        return -XEN_ENOMEM; /* grant_table_destroy() frees the rest */
    }
    for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++) {
        uint32_t mfn = va_to_mfn(gt->shared) + i;
        struct page_info *pg = mfn_to_page(mfn);
        pg->owner = d->domain_id; /* the guest maps these; freed with the domain */
        pg->flags |= PGF_xenheap;
        gt->shared_mfn[i] = mfn;
    }
    gt->area_l1_mfn = va_to_mfn(gt->area_l1);
    return 0;
}

uint32_t grant_area_l2e(domid_t owner)
{
    struct domain *d = domain_by_id(owner);
    if (!d || !d->grant.area_l1)
        return 0;
    return (d->grant.area_l1_mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
}

void gnttab_grant_to_dom0(struct domain *d, grant_ref_t ref, uint32_t mfn)
{
    d->grant.shared[ref] = (struct grant_entry_v1){GTF_permit_access, 0, mfn};
}

static void unpin(struct domain *granter, grant_ref_t ref, int readonly)
{
    struct active_grant *a = &granter->grant.active[ref];
    if (readonly && a->rd_pins)
        a->rd_pins--;
    else if (!readonly && a->wr_pins)
        a->wr_pins--;
    volatile uint16_t *flags = &granter->grant.shared[ref].flags;
    if (a->wr_pins == 0)
        *flags &= ~GTF_writing;
    if (a->rd_pins + a->wr_pins == 0)
        *flags &= ~GTF_reading;
}

/* Read an entry once and check it grants `grantee` the access wanted; returns a GNTST_*. */
static int check_entry(struct domain *granter, grant_ref_t ref, domid_t grantee, int readonly,
                       uint32_t *frame)
{
    if (ref >= NR_GRANT_ENTRIES)
        return GNTST_bad_gntref;
    struct grant_entry_v1 e = *(volatile struct grant_entry_v1 *)&granter->grant.shared[ref];
    if ((e.flags & GTF_type_mask) != GTF_permit_access || e.domid != grantee)
        return GNTST_permission_denied;
    if (!readonly && (e.flags & GTF_readonly))
        return GNTST_permission_denied;
    struct active_grant *a = &granter->grant.active[ref];
    *frame = a->rd_pins + a->wr_pins ? a->frame : e.frame; /* a pinned grant keeps its frame */
    return GNTST_okay;
}

/* References that keep a frame alive (and writable-typed) while it is mapped or copied. */
static int get_frame(uint32_t frame, domid_t owner, int readonly)
{
    if (get_page(frame, owner))
        return GNTST_bad_page;
    if (!readonly && get_page_type(frame, PGT_writable)) {
        put_page(frame);
        return GNTST_bad_page;
    }
    return GNTST_okay;
}

static void put_frame(uint32_t frame, int readonly)
{
    if (!readonly)
        put_page_type(frame);
    put_page(frame);
}

static int map_one(struct domain *md, struct gnttab_map_grant_ref *op)
{
    int ro = (op->flags & GNTMAP_readonly) != 0;
    uint32_t slot = (uint32_t)(op->host_addr - GRANT_AREA_START) >> PAGE_SHIFT;
    if (!(op->flags & GNTMAP_host_map))
        return GNTST_general_error;
    if (op->host_addr < GRANT_AREA_START || op->host_addr >= GRANT_AREA_START + GRANT_AREA_SIZE ||
        (op->host_addr & (PAGE_SIZE - 1)))
        return GNTST_bad_virt_addr;
    if (!md->grant.maptrack && maptrack_alloc(md))
        return GNTST_no_device_space;
    if (md->grant.maptrack[slot].in_use)
        return GNTST_bad_virt_addr;
    struct domain *gd = domain_by_id(op->dom);
    if (!gd || gd->state == DOM_dying)
        return GNTST_bad_domain;
    uint32_t frame;
    int rc = check_entry(gd, op->ref, md->domain_id, ro, &frame);
    if (rc == GNTST_okay)
        rc = get_frame(frame, gd->domain_id, ro);
    if (rc != GNTST_okay)
        return rc;
    struct active_grant *a = &gd->grant.active[op->ref];
    a->frame = frame;
    if (ro)
        a->rd_pins++;
    else
        a->wr_pins++;
    gd->grant.shared[op->ref].flags |= GTF_reading | (ro ? 0 : GTF_writing);
    md->grant.area_l1[slot] =
        (frame << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | (ro ? 0 : _PAGE_RW | _PAGE_DIRTY);
    md->grant.maptrack[slot] = (struct maptrack){1, (uint8_t)ro, gd->domain_id, op->ref, frame};
    md->grant.nr_maps++;
    op->handle = slot;
    op->dev_bus_addr = (uint64_t)frame << PAGE_SHIFT;
    return GNTST_okay;
}

/* Undo one mapping; the granter may be gone by now. */
static void release_slot(struct domain *md, uint32_t slot, int flush)
{
    struct maptrack *m = &md->grant.maptrack[slot];
    md->grant.area_l1[slot] = 0;
    if (flush)
        invlpg(GRANT_AREA_START + slot * PAGE_SIZE);
    put_frame(m->frame, m->readonly);
    struct domain *gd = domain_by_id(m->granter);
    if (gd && gd->grant.active)
        unpin(gd, m->ref, m->readonly);
    *m = (struct maptrack){0};
    md->grant.nr_maps--;
}

static int unmap_one(struct domain *md, struct gnttab_unmap_grant_ref *op)
{
    if (op->handle >= GRANT_AREA_SLOTS || !md->grant.maptrack ||
        !md->grant.maptrack[op->handle].in_use)
        return GNTST_bad_handle;
    if (op->host_addr && op->host_addr != GRANT_AREA_START + (uint64_t)op->handle * PAGE_SIZE)
        return GNTST_bad_virt_addr;
    release_slot(md, op->handle, 1);
    return GNTST_okay;
}

static int copy_side(struct domain *md, const struct gnttab_copy_ptr *p, int is_gref, int dest,
                     uint32_t *frame)
{
    if (!is_gref) {
        *frame = p->u.gmfn;
        return get_frame(*frame, md->domain_id, !dest) ? GNTST_bad_page : GNTST_okay;
    }
    struct domain *gd = domain_by_id(p->domid);
    if (!gd || gd->state == DOM_dying)
        return GNTST_bad_domain;
    int rc = check_entry(gd, p->u.ref, md->domain_id, !dest, frame);
    return rc != GNTST_okay ? rc : get_frame(*frame, gd->domain_id, !dest);
}

static int copy_one(struct domain *md, const struct gnttab_copy *op)
{
    if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    uint32_t sf, df;
    int rc = copy_side(md, &op->source, op->flags & GNTCOPY_source_gref, 0, &sf);
    if (rc != GNTST_okay)
        return rc;
    rc = copy_side(md, &op->dest, op->flags & GNTCOPY_dest_gref, 1, &df);
    if (rc != GNTST_okay) {
        put_frame(sf, 1);
        return rc;
    }
    const uint8_t *s = map_domain_page(sf);
    uint8_t *d = map_domain_page(df);
    memmove(d + op->dest.offset, s + op->source.offset, op->len);
    unmap_domain_page(d);
    unmap_domain_page((void *)s);
    put_frame(df, 0);
    put_frame(sf, 1);
    return GNTST_okay;
}

static int setup_table(struct domain *d, struct gnttab_setup_table *op)
{
    if (op->dom != DOMID_SELF && op->dom != d->domain_id)
        return GNTST_permission_denied;
    if (op->nr_frames > GNTTAB_MAX_FRAMES)
        return GNTST_general_error;
    if (copy_to_guest(op->frame_list, d->grant.shared_mfn, op->nr_frames * sizeof(uint32_t)))
        return GNTST_bad_virt_addr;
    return GNTST_okay;
}

/* Run `count` operations of one kind; each has its own status. */
#define GRANT_LOOP(type, body)                                                                     \
    for (uint32_t i = 0; i < count; i++) {                                                         \
        type op;                                                                                   \
        uint32_t p = uop + i * sizeof(op);                                                         \
        if (copy_from_guest(&op, p, sizeof(op)))                                                   \
            return -XEN_EFAULT;                                                                    \
        op.status = (int16_t)(body);                                                               \
        if (op.status != GNTST_okay)                                                               \
            d->counters.hypercall_errors++; /* the call succeeds; the operation did not */         \
        if (copy_to_guest(p, &op, sizeof(op)))                                                     \
            return -XEN_EFAULT;                                                                    \
    }                                                                                              \
    return 0

long do_grant_table_op(uint32_t cmd, uint32_t uop, uint32_t count)
{
    struct domain *d = current->domain;
    if (count > 512)
        return -XEN_EINVAL;
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        GRANT_LOOP(struct gnttab_map_grant_ref, map_one(d, &op));
    case GNTTABOP_unmap_grant_ref:
        GRANT_LOOP(struct gnttab_unmap_grant_ref, unmap_one(d, &op));
    case GNTTABOP_copy:
        GRANT_LOOP(struct gnttab_copy, copy_one(d, &op));
    case GNTTABOP_setup_table:
        GRANT_LOOP(struct gnttab_setup_table, setup_table(d, &op));
    case GNTTABOP_query_size:
        GRANT_LOOP(struct gnttab_query_size,
                   (op.nr_frames = GNTTAB_MAX_FRAMES, op.max_nr_frames = GNTTAB_MAX_FRAMES,
                    (op.dom == DOMID_SELF || op.dom == d->domain_id) ? GNTST_okay
                                                                     : GNTST_permission_denied));
    default:
        return -XEN_ENOSYS;
    }
}

void grant_table_destroy(struct domain *d)
{
    struct grant_table *gt = &d->grant;
    for (uint32_t slot = 0; gt->maptrack && slot < GRANT_AREA_SLOTS; slot++)
        if (gt->maptrack[slot].in_use)
            release_slot(d, slot, 0);
    free_xenheap_pages(gt->active, ACTIVE_PAGES);
    if (gt->maptrack)
        d->hv_pages -= MAPTRACK_PAGES;
    free_xenheap_pages(gt->maptrack, MAPTRACK_PAGES);
    free_xenheap_pages(gt->area_l1, 1);
    gt->active = NULL;
    gt->maptrack = NULL;
    gt->area_l1 = NULL;
    /* The shared pages belong to the domain and go with its other frames. */
}
