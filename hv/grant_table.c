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
 * directory slots 1000-1007), whose page tables belong to the hypervisor: a guest
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

_Static_assert(GRANT_WINDOW_PAGES *PAGE_SIZE == 2 * GRANT_WINDOW_SLOTS * sizeof(uint32_t),
               "a window is its page table and a maptrack word per slot");
_Static_assert(NR_GRANT_ENTRIES <= 0x10000, "a maptrack word holds a reference in 16 bits");
_Static_assert(GRANT_AREA_SLOTS == GRANT_AREA_WINDOWS * GRANT_WINDOW_SLOTS,
               "the grant area is GRANT_AREA_WINDOWS page tables' worth");
#define ACTIVE_PAGE_PAGES                                                                          \
    (ROUNDUP(GRANT_ENTRIES_PER_PAGE * sizeof(struct active_grant), PAGE_SIZE) >> PAGE_SHIFT)

/*
 * Most domains never map another's grant: a window of the grant area (its
 * page table and maptrack) comes with the first mapping there (dom0's first
 * window at once: it maps every domU's console and store), and every page
 * directory the domain has already validated gets the window's entry then
 * (hv/frame_table.c: set_hv_l2_slot()).  Windows after the first go back
 * when their last mapping does, so 500 domUs' worth of dom0's mappings cost
 * nothing once those domUs are gone.
 */
static uint32_t window_l2e(const struct grant_window *w)
{
    return w->l1 ? (va_to_mfn(w->l1) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED : 0;
}

static int window_take(struct domain *md, unsigned int i)
{
    struct grant_window *w = &md->grant.window[i];
    w->l1 = domain_take_pages(md, GRANT_WINDOW_PAGES);
    if (!w->l1)
        return -XEN_ENOMEM;
    set_hv_l2_slot(md, GRANT_L2_FIRST_SLOT + i, window_l2e(w));
    return 0;
}

static void window_give(struct domain *md, unsigned int i, int flush)
{
    struct grant_window *w = &md->grant.window[i];
    if (flush) {
        set_hv_l2_slot(md, GRANT_L2_FIRST_SLOT + i, 0);
        mm_flush_tlb(); /* the processor may keep the old directory entry */
    }
    domain_give_pages(md, w->l1, GRANT_WINDOW_PAGES);
    *w = (struct grant_window){0};
}

/* A slot's maptrack word, one page after its page-table entry: one base register reaches both. */
static inline uint32_t *maptrack_of(uint32_t *pte)
{
    return pte + GRANT_WINDOW_SLOTS;
}

uint32_t grant_maps_held(const struct domain *d)
{
    uint32_t n = 0;
    for (unsigned int i = 0; i < GRANT_AREA_WINDOWS; i++)
        n += d->grant.window[i].nr_maps;
    return n;
}

void grant_area_install(uint32_t *l2, domid_t owner)
{
    struct domain *d = domain_by_id(owner);
    for (unsigned int i = 0; i < GRANT_AREA_WINDOWS; i++)
        l2[GRANT_L2_FIRST_SLOT + i] = d ? window_l2e(&d->grant.window[i]) : 0;
}

uint32_t grant_table_pages(void)
{
    return 1; /* its first shared frame; everything else comes with use */
}

/* Entry `ref` of `d`'s table, unchecked: the caller knows `ref` is below NR_GRANT_ENTRIES and
 * its frame taken (grant_entry() checks both; an unpin knows them from its map). */
static inline __attribute__((always_inline)) struct grant_entry_v1 *entry_at(struct domain *d,
                                                                             grant_ref_t ref)
{
    return &d->grant.shared[ref / GRANT_ENTRIES_PER_PAGE][ref % GRANT_ENTRIES_PER_PAGE];
}

/* The frames not yet taken have no page (shared[] is NULL from nr_frames on). */
struct grant_entry_v1 *grant_entry(struct domain *d, grant_ref_t ref)
{
    if (ref >= NR_GRANT_ENTRIES || !d->grant.shared[ref / GRANT_ENTRIES_PER_PAGE])
        return NULL;
    return entry_at(d, ref);
}

struct active_grant *active_entry(struct domain *d, grant_ref_t ref)
{
    struct active_grant *page = d->grant.active[ref / GRANT_ENTRIES_PER_PAGE];
    if (ref < ACTIVE_INLINE)
        return &d->grant.active_inline[ref];
    return page ? &page[ref % GRANT_ENTRIES_PER_PAGE] : NULL;
}

/* The page of pin records for `ref`, taken at the first pin there; NULL when the heap is full. */
static __attribute__((noinline)) struct active_grant *active_page_take(struct domain *d,
                                                                       grant_ref_t ref)
{
    return d->grant.active[ref / GRANT_ENTRIES_PER_PAGE] = domain_take_pages(d, ACTIVE_PAGE_PAGES);
}

/* The pin record of a reference about to be pinned (below the granter's entries' bound). */
static inline struct active_grant *active_take(struct domain *d, grant_ref_t ref)
{
    if (ref < ACTIVE_INLINE)
        return &d->grant.active_inline[ref];
    struct active_grant *page = d->grant.active[ref / GRANT_ENTRIES_PER_PAGE];
    if (!page && !(page = active_page_take(d, ref)))
        return NULL;
    return &page[ref % GRANT_ENTRIES_PER_PAGE];
}

/* Shared frames up to `nr`: the guest maps them, and they go with its other frames. */
static int shared_frames_take(struct domain *d, uint32_t nr)
{
    struct grant_table *gt = &d->grant;
    while (gt->nr_frames < nr) {
        struct grant_entry_v1 *page = domain_take_pages(d, 1);
        if (!page)
            return -XEN_ENOMEM;
        uint32_t mfn = va_to_mfn(page);
        share_xenheap_page(mfn, d);
        gt->shared[gt->nr_frames] = page;
        gt->shared_mfn[gt->nr_frames++] = mfn;
    }
    return 0;
}

/* The first word of an entry that grants `grantee` access (writable, unless GTF_readonly is
 * set too): each domain keeps its own (grant_table_init()), one load in a map. */
static inline uint32_t permit_head(domid_t grantee)
{
    return (uint32_t)grantee << 16 | GTF_permit_access;
}

int grant_table_init(struct domain *d)
{
    memset(&d->grant, 0, sizeof(d->grant));
    d->grant.permit_head = permit_head(d->domain_id);
    /* dom0 maps every domU's console and store: its first window from the start. */
    if (shared_frames_take(d, 1) || (d->is_privileged && window_take(d, 0)))
        return -XEN_ENOMEM; /* grant_table_destroy() frees the rest */
    return 0;
}

void gnttab_grant_to_dom0(struct domain *d, grant_ref_t ref, uint32_t mfn)
{
    *grant_entry(d, ref) = (struct grant_entry_v1){GTF_permit_access, 0, mfn};
}

/* Both of a pin record's counts in one load: reading pins below, writing pins above. */
static inline uint32_t pins_of(const struct active_grant *a)
{
    uint32_t both;
    __builtin_memcpy(&both, a, sizeof(both));
    return both;
}
_Static_assert(offsetof(struct active_grant, rd_pins) == 0 &&
                   offsetof(struct active_grant, wr_pins) == 2,
               "pins_of() reads both pin counts as one little-endian word");

/* A grant mapping's pin on its entry goes: GTF_writing and GTF_reading are cleared with the
 * last pins of their kind.  `ref` comes from a maptrack word, below NR_GRANT_ENTRIES (a map
 * checked it); a pin record there means its entry's frame was set up (a map found the entry
 * before it took the record, and a domain's frames stay until it dies), so only the record is
 * looked for. */
static inline void unpin(struct domain *granter, grant_ref_t ref, int readonly)
{
    struct active_grant *a = active_entry(granter, ref);
    if (!a)
        return;
    struct grant_entry_v1 *entry = entry_at(granter, ref);
    uint16_t *pins = readonly ? &a->rd_pins : &a->wr_pins;
    if (*pins)
        (*pins)--;
    uint32_t left = pins_of(a);
    uint16_t clear = (left >> 16 ? 0 : GTF_writing) | (left ? 0 : GTF_reading);
    if (clear)
        __atomic_and_fetch(&entry->flags, (uint16_t)~clear, __ATOMIC_RELAXED);
}

/*
 * A granter other than the caller: most often the one the operation before
 * named, for a backend maps its frontend's grants, request after request.
 * last_granter remembers the last one found, only ever a listed domain, so
 * that other_domain() answers it in five instructions instead of a
 * directory look-up.  A domain leaves the directory only in domain_kill()
 * and in a create that failed (hv/domain.c), each of which then calls
 * grant_table_destroy() before any grant operation can run, and that
 * forgets whatever is remembered, once its release of the domain's own
 * mappings is done: so the pointer is always a listed domain's, and an id is
 * never taken for the domain that had it before.  One CPU: with SMP, one per
 * CPU.
 */
#define NO_GRANTER 0x10000u /* equal to no domid_t */
static struct {
    uint32_t id; /* a domid_t, or NO_GRANTER */
    struct domain *d;
} last_granter = {NO_GRANTER, NULL};

/* Another domain, from the directory, which lists no dying domain (domain_kill() takes it out
 * as it marks it dying; the running domain is never the one killed): a call, so that its look-up
 * (inline in include/hv/domain.h) does not take registers from the map's and unmap's own values;
 * and called as an external function is (noipa: its argument on the stack), which measured 5 fewer
 * instructions a map and unmap than GCC's register convention for a local one. */
static __attribute__((noipa)) struct domain *other_domain(domid_t id)
{
    if (id == last_granter.id)
        return last_granter.d;
    struct domain *d = domain_by_id(id);
    if (d) {
        last_granter.id = id;
        last_granter.d = d;
    }
    return d;
}

/* The granter named by an operation: most often the caller itself (a backend granting to
 * itself, the benchmark), found without the directory. */
static inline struct domain *granter_of(struct domain *md, domid_t id)
{
    return id == md->domain_id ? md : other_domain(id);
}

/*
 * Does an entry grant the grantee whose permit_head() is `permit` the access
 * wanted?  `head` is its first word (flags, then the domain id above them),
 * read once from the guest-writable table: the type must be permit_access,
 * the domain the grantee's, and
 * GTF_readonly clear unless the access is read-only (`readonly` is
 * GTF_readonly then, else 0: a map's GNTMAP_readonly bit as it is).  One
 * compare of the bits that matter.
 */
static inline int entry_permits(uint32_t head, uint32_t permit, uint32_t readonly)
{
    uint32_t mask = (0xFFFF0000u | GTF_type_mask | GTF_readonly) ^ readonly;
    if ((head & mask) != permit)
        return GNTST_permission_denied;
    return GNTST_okay;
}
_Static_assert(GTF_readonly == GNTMAP_readonly,
               "entry_permits() takes a map's readonly bit as it is");
_Static_assert(offsetof(struct grant_entry_v1, flags) == 0 &&
                   offsetof(struct grant_entry_v1, domid) == 2,
               "entry_permits() reads flags and domid as one little-endian word");

/* An entry's two words, each read once (the granter may change them at any time). */
static inline uint32_t entry_head(const struct grant_entry_v1 *entry)
{
    return *(const volatile uint32_t *)entry;
}
static inline uint32_t entry_frame(const struct grant_entry_v1 *entry)
{
    return *(const volatile uint32_t *)&entry->frame;
}

/* A copy's check: read an entry once, check it, and say which frame it grants. */
static inline __attribute__((always_inline)) int
check_entry(struct domain *granter, grant_ref_t ref, domid_t grantee, int readonly, uint32_t *frame)
{
    struct grant_entry_v1 *entry = grant_entry(granter, ref);
    if (!entry)
        return GNTST_bad_gntref; /* beyond the frames the granter set up */
    int rc = entry_permits(entry_head(entry), permit_head(grantee), readonly ? GTF_readonly : 0);
    if (rc != GNTST_okay)
        return rc;
    uint32_t granted = entry_frame(entry);
    const struct active_grant *a = active_entry(granter, ref);
    *frame = a && pins_of(a) ? a->frame : granted; /* a pinned grant keeps its frame */
    return GNTST_okay;
}

/* References that keep a frame alive (and writable-typed) while it is mapped or copied: the
 * frame table's own rules (include/hv/mm.h), inline. */
static inline int get_frame(uint32_t frame, domid_t owner, int readonly)
{
    if (get_page(frame, owner))
        return GNTST_bad_page;
    if (!readonly && get_writable_type(mfn_to_page(frame))) {
        put_page(frame);
        return GNTST_bad_page;
    }
    return GNTST_okay;
}

static inline void put_frame(uint32_t frame, int readonly)
{
    if (!readonly)
        put_page_type(frame);
    put_page(frame);
}

/* The grant-area slot a host address (its two words) names, or GRANT_AREA_SLOTS if it names none.
 */
static inline uint32_t slot_of(uint32_t lo, uint32_t hi)
{
    uint32_t off = lo - GRANT_AREA_START;
    if (hi || off >= GRANT_AREA_SIZE || (off & (PAGE_SIZE - 1)))
        return GRANT_AREA_SLOTS;
    return off >> PAGE_SHIFT;
}

/* The address of grant-area slot `slot`. */
static inline uint32_t slot_va(uint32_t slot)
{
    return GRANT_AREA_START + slot * PAGE_SIZE;
}

/* The page-table entry of grant-area slot `slot` in a window not yet taken: the window is
 * taken now (cold: once per window); NULL when the hypervisor's heap has no room for it. */
static __attribute__((cold, noinline)) uint32_t *slot_pte_new_window(struct domain *md,
                                                                     uint32_t slot)
{
    if (window_take(md, slot / GRANT_WINDOW_SLOTS))
        return NULL;
    return &md->grant.window[slot / GRANT_WINDOW_SLOTS].l1[slot % GRANT_WINDOW_SLOTS];
}

/* The page-table entry of grant-area slot `slot`, its window taken at the first mapping there;
 * NULL when the hypervisor's heap has no room for the window. */
static inline uint32_t *slot_pte(struct domain *md, uint32_t slot)
{
    uint32_t *l1 = md->grant.window[slot / GRANT_WINDOW_SLOTS].l1;
    return l1 ? &l1[slot % GRANT_WINDOW_SLOTS] : slot_pte_new_window(md, slot);
}

/* A map's argument words as the guest wrote them: host_addr's two, flags, ref, and dom with the
 * status above it. */
struct map_args {
    uint32_t addr_lo, addr_hi, flags, ref, dom_status;
};
_Static_assert(offsetof(struct gnttab_map_grant_ref, flags) == offsetof(struct map_args, flags) &&
                   offsetof(struct gnttab_map_grant_ref, ref) == offsetof(struct map_args, ref) &&
                   offsetof(struct gnttab_map_grant_ref, dom) ==
                       offsetof(struct map_args, dom_status) &&
                   offsetof(struct gnttab_map_grant_ref, handle) == sizeof(struct map_args),
               "struct map_args is struct gnttab_map_grant_ref's arguments, word by word");

/*
 * The granter's side of a map: its entry read once and checked, the pin record, the frame's
 * references (the frame table's rules, inline), the pins and the entry's flags.
 */
static inline __attribute__((always_inline)) int
pin_grant(struct domain *md, domid_t dom, grant_ref_t ref, uint32_t ro, uint32_t *frame)
{
    struct domain *gd = granter_of(md, dom);
    if (!gd)
        return GNTST_bad_domain;
    struct grant_entry_v1 *entry = grant_entry(gd, ref);
    if (!entry)
        return GNTST_bad_gntref; /* beyond the frames the granter set up */
    int rc = entry_permits(entry_head(entry), md->grant.permit_head, ro);
    if (rc != GNTST_okay)
        return rc;
    uint32_t f = entry_frame(entry);
    struct active_grant *a = active_take(gd, ref);
    if (!a)
        return GNTST_no_device_space; /* no page for the granter's pin records */
    if (pins_of(a))
        f = a->frame; /* a pinned grant keeps its frame */
    rc = get_frame(f, dom, ro);
    if (rc != GNTST_okay)
        return rc;
    a->frame = f;
    if (ro)
        a->rd_pins++;
    else
        a->wr_pins++;
    __atomic_or_fetch(&entry->flags, ro ? GTF_reading : GTF_reading | GTF_writing,
                      __ATOMIC_RELAXED);
    *frame = f;
    return GNTST_okay;
}

/* A map that failed after counting its slot in its window: the count goes back. */
static __attribute__((cold, noinline)) void unclaim(struct domain *md, uint32_t slot)
{
    md->grant.window[slot / GRANT_WINDOW_SLOTS].nr_maps--;
}

/*
 * Map one grant, the mapper's side first: its flags and its slot (free),
 * then the granter's (pin_grant()).  The slot's page-table entry is the
 * mapping's record of its frame and access, and its maptrack word beside it
 * names the grant; the word is written as soon as the slot is found (it
 * means nothing while the entry is not present: measured, 4 instructions
 * fewer than at the end, GCC's registers being what they are).  Returns the
 * status, and on success the frame in *frame.
 */
static inline int map_one(struct domain *md, const struct map_args *op, uint32_t *frame)
{
    uint32_t ro = op->flags & GNTMAP_readonly;
    if (!(op->flags & GNTMAP_host_map))
        return GNTST_general_error;
    uint32_t slot = slot_of(op->addr_lo, op->addr_hi);
    if (slot == GRANT_AREA_SLOTS)
        return GNTST_bad_virt_addr;
    uint32_t *pte = slot_pte(md, slot);
    if (!pte)
        return GNTST_no_device_space; /* the hypervisor's heap is full */
    if (*pte & _PAGE_PRESENT)
        return GNTST_bad_virt_addr; /* the slot is in use */
    domid_t dom = (domid_t)op->dom_status;
    *maptrack_of(pte) = MAPTRACK(dom, op->ref); /* meaningless until the entry is present */
    md->grant.window[slot / GRANT_WINDOW_SLOTS].nr_maps++;
    /* one copy of the granter's side for each access, each with `ro` a constant */
    int rc = ro ? pin_grant(md, dom, op->ref, GNTMAP_readonly, frame)
                : pin_grant(md, dom, op->ref, 0, frame);
    if (rc != GNTST_okay) {
        unclaim(md, slot);
        return rc;
    }
    *pte =
        *frame << PAGE_SHIFT | _PAGE_PRESENT | _PAGE_ACCESSED | (ro ? 0 : _PAGE_RW | _PAGE_DIRTY);
    return GNTST_okay;
}

/* A mapping's frame references and its pin on the granter's entry go (the granter may be gone:
 * the frame's references keep the frame). */
static inline __attribute__((always_inline)) void
release_frame_and_pin(struct domain *md, uint32_t pte, uint32_t m, int readonly)
{
    put_frame(pte >> PAGE_SHIFT, readonly);
    struct domain *gd = granter_of(md, MAPTRACK_GRANTER(m));
    if (gd)
        unpin(gd, MAPTRACK_REF(m), readonly);
}

/* Undo the mapping in slot `slot`, whose entry is `pte`; the granter may be gone by now.  A
 * window after the first goes back with its last mapping (but not while the domain is being torn
 * down: `flush` 0). */
static inline __attribute__((always_inline)) void release_slot(struct domain *md, uint32_t slot,
                                                               uint32_t *pte, int flush)
{
    uint32_t e = *pte, m = *maptrack_of(pte);
    *pte = 0;
    if (flush)
        invlpg(slot_va(slot));
    unsigned int wi = slot / GRANT_WINDOW_SLOTS;
    if (--md->grant.window[wi].nr_maps == 0 && wi > 0 && flush)
        window_give(md, wi, 1); /* the entry and maptrack word are read: the window may go */
    if (e & _PAGE_RW)           /* one copy for each access, each with `readonly` a constant */
        release_frame_and_pin(md, e, m, 0);
    else
        release_frame_and_pin(md, e, m, 1);
}

static inline int unmap_one(struct domain *md, uint32_t lo, uint32_t hi, uint32_t slot)
{
    if (slot >= GRANT_AREA_SLOTS)
        return GNTST_bad_handle;
    uint32_t *l1 = md->grant.window[slot / GRANT_WINDOW_SLOTS].l1;
    uint32_t *pte = l1 ? &l1[slot % GRANT_WINDOW_SLOTS] : NULL;
    if (!pte || !(*pte & _PAGE_PRESENT))
        return GNTST_bad_handle;
    if (((lo ^ slot_va(slot)) | hi) && (lo | hi))
        return GNTST_bad_virt_addr; /* given, and naming another slot or none */
    release_slot(md, slot, pte, 1);
    return GNTST_okay;
}

/* One side of a copy: the frame it names, checked and referenced.  Inline, so that each of
 * copy_one()'s two calls is compiled for its own side (`dest` is a constant there). */
static inline __attribute__((always_inline)) int copy_side(struct domain *md,
                                                           const struct gnttab_copy_ptr *p,
                                                           int is_gref, int dest, uint32_t *frame)
{
    if (!is_gref) {
        *frame = p->u.gmfn;
        return get_frame(*frame, md->domain_id, !dest) ? GNTST_bad_page : GNTST_okay;
    }
    struct domain *gd = domain_by_id(p->domid);
    if (!gd)
        return GNTST_bad_domain;
    int rc = check_entry(gd, p->u.ref, md->domain_id, !dest, frame);
    return rc != GNTST_okay ? rc : get_frame(*frame, gd->domain_id, !dest);
}

/* A whole page (both offsets 0, as the bounds check then leaves them): one string move of its
 * words, without memmove's call, overlap test and byte tail, which cost a block backend 24
 * instructions a page.  Copying a frame onto itself leaves it as it was. */
static inline void copy_whole_page(void *dst, const void *src)
{
#ifdef HOST_TEST
    memcpy(dst, src, PAGE_SIZE);
#else
    uint32_t words = PAGE_SIZE / 4;
    __asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
#endif
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
    const uint8_t *s = map_copy_page(0, sf);
    uint8_t *d = map_copy_page(1, df);
    if (op->len == PAGE_SIZE)
        copy_whole_page(d, s);
    else
        memmove(d + op->dest.offset, s + op->source.offset, op->len);
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
    if (shared_frames_take(d, op->nr_frames))
        return GNTST_general_error; /* the hypervisor's heap is full */
    if (copy_to_guest(op->frame_list, d->grant.shared_mfn, op->nr_frames * sizeof(uint32_t)))
        return GNTST_bad_virt_addr;
    return GNTST_okay;
}

/*
 * Run `count` operations of one kind; each has its own status.  Each is copied
 * in whole and checked in the copy, and what goes back is the part from
 * `out` (a field of the type) to its end: the results (status, and a
 * map's handle and bus address), not the arguments before them, which the
 * guest wrote and which are as it left them.  Each kind has its own function,
 * so a map or an unmap keeps its few values in registers.
 */
#define GRANT_LOOP(type, out, body)                                                                \
    for (uint32_t i = 0; i < count; i++) {                                                         \
        type op;                                                                                   \
        uint32_t p = uop + i * sizeof(op);                                                         \
        if (copy_from_guest(&op, p, sizeof(op)))                                                   \
            return -XEN_EFAULT;                                                                    \
        op.status = (int16_t)(body);                                                               \
        if (op.status != GNTST_okay)                                                               \
            d->counters.hypercall_errors++; /* the call succeeds; the operation did not */         \
        if (copy_to_guest(p + offsetof(type, out), &op.out, sizeof(op) - offsetof(type, out)))     \
            return -XEN_EFAULT;                                                                    \
    }                                                                                              \
    return 0

/*
 * A map reads only its arguments (host_addr, flags, ref, and dom with the
 * status beside it, five words) and writes back its status (16 bits), and on
 * success the handle and bus address too (three words; a failed map leaves
 * them as the guest wrote them).  The results are built apart from the
 * arguments, so neither needs to live in memory.  Map and unmap are calls of
 * their own (noinline), each with few values to keep in registers.
 */
#define MAP_STATUS offsetof(struct gnttab_map_grant_ref, status)
#define MAP_HANDLE offsetof(struct gnttab_map_grant_ref, handle)
/* A map or unmap refused: the call succeeds, the operation did not; its status goes back to
 * the guest address `at`, as `width` bytes: 2 for a map, whose handle follows it; 4 for an unmap,
 * the pad beside it zero, as on its success (`status` is the 16 bits, zero-extended). */
static __attribute__((cold, noinline)) int refused(struct domain *d, uint32_t at, uint32_t status,
                                                   uint32_t width)
{
    d->counters.hypercall_errors++;
    return copy_to_guest(at, &status, width); /* little-endian: its low bytes first */
}

static __attribute__((noinline)) long map_grant_refs(uint32_t uop, uint32_t count)
{
    struct domain *d = current->domain;
    for (uint32_t p = uop, end = uop + count * sizeof(struct gnttab_map_grant_ref); p != end;
         p += sizeof(struct gnttab_map_grant_ref)) {
        struct map_args op;
        if (!guest_range_ok(p, sizeof(struct gnttab_map_grant_ref)) ||
            copy_from_guest(&op, p, sizeof(op)))
            return -XEN_EFAULT; /* the whole operation first: its results go back too */
        uint32_t frame;
        int16_t status = (int16_t)map_one(d, &op, &frame);
        if (status != GNTST_okay) {
            if (refused(d, p + MAP_STATUS, (uint16_t)status, sizeof(status)))
                return -XEN_EFAULT;
            continue;
        }
        uint32_t out[3] = {(op.addr_lo - GRANT_AREA_START) >> PAGE_SHIFT,
                           frame << PAGE_SHIFT}; /* the slot; the machine address */
        int16_t okay = GNTST_okay;
        if (copy_to_guest(p + MAP_STATUS, &okay, sizeof(okay)) ||
            copy_to_guest(p + MAP_HANDLE, out, sizeof(out)))
            return -XEN_EFAULT;
    }
    return 0;
}

/* An unmap reads host_addr and handle (dev_bus_addr between them comes too: one range check),
 * and writes back its status, the pad beside it zero. */
#define UNMAP_ARGS   offsetof(struct gnttab_unmap_grant_ref, status)
#define UNMAP_HANDLE offsetof(struct gnttab_unmap_grant_ref, handle)

static __attribute__((noinline)) long unmap_grant_refs(uint32_t uop, uint32_t count)
{
    struct domain *d = current->domain;
    for (uint32_t p = uop, end = uop + count * sizeof(struct gnttab_unmap_grant_ref); p != end;
         p += sizeof(struct gnttab_unmap_grant_ref)) {
        uint32_t w[UNMAP_ARGS / 4]; /* host_addr's two words, dev_bus_addr's, the handle */
        if (!guest_range_ok(p, sizeof(struct gnttab_unmap_grant_ref)) ||
            copy_from_guest(w, p, UNMAP_ARGS))
            return -XEN_EFAULT; /* the whole operation first: its status goes back too */
        uint32_t status = (uint16_t)unmap_one(d, w[0], w[1], w[UNMAP_HANDLE / 4]);
        if (status != GNTST_okay) {
            if (refused(d, p + UNMAP_ARGS, status, sizeof(status)))
                return -XEN_EFAULT;
            continue;
        }
        if (copy_to_guest(p + UNMAP_ARGS, &status, sizeof(status)))
            return -XEN_EFAULT;
    }
    return 0;
}

static __attribute__((noinline)) long copy_grant_refs(uint32_t uop, uint32_t count)
{
    struct domain *d = current->domain;
    GRANT_LOOP(struct gnttab_copy, status, copy_one(d, &op));
}

static __attribute__((noinline)) long setup_tables(uint32_t uop, uint32_t count)
{
    struct domain *d = current->domain;
    GRANT_LOOP(struct gnttab_setup_table, status, setup_table(d, &op));
}

static __attribute__((noinline)) long query_sizes(uint32_t uop, uint32_t count)
{
    struct domain *d = current->domain;
    GRANT_LOOP(
        struct gnttab_query_size, nr_frames,
        (op.nr_frames = d->grant.nr_frames, op.max_nr_frames = GNTTAB_MAX_FRAMES,
         (op.dom == DOMID_SELF || op.dom == d->domain_id) ? GNTST_okay : GNTST_permission_denied));
}

/* The operations a backend makes on every request come first, each one compare. */
long do_grant_table_op(uint32_t cmd, uint32_t uop, uint32_t count)
{
    if (count > 512)
        return -XEN_EINVAL;
    if (cmd == GNTTABOP_map_grant_ref)
        return map_grant_refs(uop, count);
    if (cmd == GNTTABOP_unmap_grant_ref)
        return unmap_grant_refs(uop, count);
    switch (cmd) {
    case GNTTABOP_copy:
        return copy_grant_refs(uop, count);
    case GNTTABOP_setup_table:
        return setup_tables(uop, count);
    case GNTTABOP_query_size:
        return query_sizes(uop, count);
    default:
        return -XEN_ENOSYS;
    }
}

void grant_table_destroy(struct domain *d)
{
    struct grant_table *gt = &d->grant;
    for (uint32_t w = 0; w < GRANT_AREA_WINDOWS; w++) { /* a window never mapped has no L1 */
        uint32_t *l1 = gt->window[w].l1;
        for (uint32_t i = 0; l1 && i < GRANT_WINDOW_SLOTS; i++)
            if (l1[i] & _PAGE_PRESENT)
                release_slot(d, w * GRANT_WINDOW_SLOTS + i, &l1[i], 0);
    }
    for (unsigned int i = 0; i < GRANT_AREA_WINDOWS; i++)
        window_give(d, i, 0); /* the domain's directories die with it */
    for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++) {
        domain_give_pages(d, gt->active[i], ACTIVE_PAGE_PAGES);
        gt->active[i] = NULL;
    }
    /* The shared frames belong to the domain and go with its other frames. */
    /* d, or a domain the release of d's mappings found: forgotten all the same */
    last_granter.id = NO_GRANTER;
}
