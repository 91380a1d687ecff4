/*
 * mm.h - machine frames: the frame table, the frame allocator, temporary
 * mappings, and the rules that keep guest page tables safe.
 *
 * Every machine frame has a struct page_info.  Its `count` is the number of
 * general references (the owner's allocation reference, each mapping of the
 * frame in a validated page table, each pin, the page directory loaded in
 * CR3); its `type` says what the frame is currently used as (a level-1 or
 * level-2 page table, or a writably-mapped page) and `type_count` how many
 * references hold that type.  A frame can change type only when type_count is
 * zero, so a frame can never be both a page table and writable by the guest.
 */
#ifndef HV_MM_H
#define HV_MM_H

#include <stdint.h>
#include <public/errno.h>
#include <public/xen.h>
#include <hv/config.h>

struct domain;

enum page_type {
    PGT_none = 0,
    PGT_l1 = 1,       /* a validated level-1 page table */
    PGT_l2 = 2,       /* a validated page directory */
    PGT_writable = 3, /* mapped writable somewhere */
    PGT_frame = 4,    /* a vCPU's frame page (frame_page_take()): never mapped by a guest */
};

#define PGF_allocated 0x01 /* the owner's allocation reference is held */
#define PGF_pinned    0x02 /* pinned by the owner with mmuext_op */
#define PGF_xenheap   0x04 /* a hypervisor page shared with its owner (shared_info) */
#define PGF_tlb_stale 0x08 /* was writable: flush the TLB before it becomes a page table */
#define PGF_orphan    0x10 /* its owner is destroyed; another domain's reference keeps it */
#define PGF_partial                                                                                \
    0x20               /* an L2 half way through a preemptible pin or unpin (struct pt_progress) */
#define PGF_dirty 0x40 /* free, and not yet scrubbed (hv/frame_alloc.c) */

/*
 * A domain's frames are on its page_list (struct domain), as Xen's
 * d->page_list: a circular list linked through each frame's page_info, so a
 * frame joins when its owner becomes a domain (allocated to it, or a
 * hypervisor page shared with it) and leaves when it is freed, or when its
 * owner is destroyed while another domain still holds it (an orphan), each in
 * O(1).  Whatever looks at one domain's frames (destroying it, a page
 * directory slot it must follow) walks its list, not the whole frame table.
 * A frame is on at most one list; `next` is NULL when it is on none.  A frame
 * joins at the tail, and while its owner is listed (not dying) a frame that
 * becomes a page directory (PGT_l2) moves to the head and one that stops
 * being one to the tail (hv/frame_table.c: set_page_type(), through which
 * every such type change goes), so that the directories lead the list and
 * set_hv_l2_slot() stops at the first other frame: it walked all of dom0's
 * frames, about 245,000 instructions for 64 MiB, each time dom0 took or gave
 * back a grant window (issue 15).
 */
struct page_list {
    struct page_list *next, *prev;
};

struct page_info {
    uint32_t count;        /* general references */
    uint32_t type_count;   /* references that hold `type` */
    uint16_t owner;        /* a domid, or DOMID_XEN / DOMID_FREE / DOMID_IO */
    uint8_t type;          /* enum page_type */
    uint8_t flags;         /* PGF_* */
    uint32_t pfn;          /* the owner's pseudo-physical number for it (the M2P table) */
    struct page_list list; /* on its owner's page_list, if the owner is a live domain */
};

extern struct page_info *frame_table;
extern uint32_t max_page; /* frames 0 .. max_page-1 have a page_info */

static inline struct page_info *mfn_to_page(uint32_t mfn)
{
    return &frame_table[mfn];
}
static inline int mfn_valid(uint32_t mfn)
{
    return mfn < max_page;
}
static inline uint32_t page_to_mfn(const struct page_info *pg)
{
    return (uint32_t)(pg - frame_table);
}

static inline void page_list_init(struct page_list *head)
{
    head->next = head->prev = head;
}
static inline int page_list_empty(const struct page_list *head)
{
    return head->next == head;
}
static inline int page_listed(const struct page_info *pg)
{
    return pg->list.next != NULL;
}
static inline struct page_info *page_of_link(struct page_list *l)
{
    return (struct page_info *)((char *)l - __builtin_offsetof(struct page_info, list));
}
/* The frame after `l` on the list `head`, or NULL at its end. */
static inline struct page_info *page_list_next(const struct page_list *head, struct page_list *l)
{
    return l->next == head ? NULL : page_of_link(l->next);
}
static inline void page_list_add(struct page_list *head, struct page_info *pg)
{
    pg->list.next = head->next;
    pg->list.prev = head;
    head->next->prev = &pg->list;
    head->next = &pg->list;
}
static inline void page_list_add_tail(struct page_list *head, struct page_info *pg)
{
    page_list_add((struct page_list *)head->prev, pg);
}
static inline void page_list_del(struct page_info *pg)
{
    if (!page_listed(pg))
        return;
    pg->list.prev->next = pg->list.next;
    pg->list.next->prev = pg->list.prev;
    pg->list.next = pg->list.prev = NULL;
}
/* A listed frame that became a page directory goes to the head of its owner's list; one that
 * stopped being one, to the tail. */
static inline void page_list_order_l2(struct page_list *head, struct page_info *pg, int is_l2)
{
    if (!page_listed(pg))
        return;
    page_list_del(pg);
    if (is_l2)
        page_list_add(head, pg);
    else
        page_list_add_tail(head, pg);
}

/* Page-table entry helpers (non-PAE: 32-bit entries, 1024 per table). */
#define PTE_MFN(e)       ((e) >> PAGE_SHIFT)
#define L1_DISALLOW_MASK (_PAGE_PSE | _PAGE_GLOBAL) /* bit 7 is PAT in an L1 */
#define L2_DISALLOW_MASK (_PAGE_PSE | _PAGE_GLOBAL)
#define L1_INDEX(va)     (((va) >> 12) & 1023)
#define L2_INDEX(va)     ((va) >> 22)

/* References and types (hv/frame_table.c). Each returns 0 or a negative errno. */
/* get_page(), get_writable_type(), put_page() and put_page_type() are inline, below. */
int get_page_type(uint32_t mfn, enum page_type type);
int get_page_and_type(uint32_t mfn, domid_t d, enum page_type type);
void put_page_and_type(uint32_t mfn);

/* Validated page-table operations (hv/frame_table.c). */
int pt_update(domid_t d, uint64_t ptr, uint32_t val); /* one MMU_NORMAL_PT_UPDATE */
int pin_table(domid_t d, uint32_t mfn, enum page_type type);
int unpin_table(domid_t d, uint32_t mfn);

/*
 * Pinning or unpinning an L2 can touch a million entries (1007 L1s of 1024),
 * so mmuext_op does it in steps of at most `budget` L2 entries: a call that
 * returns MM_RESTART must be made again with the same arguments (a hypercall
 * continuation), and the vCPU's pt_progress remembers where it stopped.
 */
#define MM_RESTART 1
struct pt_progress {
    uint32_t mfn;  /* the L2 being worked on */
    uint16_t next; /* the next entry to (in)validate */
    uint8_t op;    /* PT_IDLE, PT_PIN, PT_UNDO (a failed pin, rolling back), PT_UNPIN */
    int16_t error; /* PT_UNDO: what the pin fails with once rolled back */
};
enum { PT_IDLE, PT_PIN, PT_UNDO, PT_UNPIN };
int pin_l2_preemptible(domid_t d, uint32_t mfn, struct pt_progress *p, unsigned int budget);
int unpin_preemptible(domid_t d, uint32_t mfn, struct pt_progress *p, unsigned int budget);
int release_l2_preemptible(domid_t d, uint32_t mfn, struct pt_progress *p, unsigned int budget);
/* Finish an unpin or undo a pin left half done: 0 when done, else MM_RESTART. */
int pt_progress_abandon(domid_t d, struct pt_progress *p, unsigned int budget);
int machphys_update(domid_t d, uint32_t mfn, uint32_t pfn);

/* Provided by the platform (arch/x86/hv_mappings.c) or by the unit-test harness. */
void *map_domain_page(uint32_t mfn);
void unmap_domain_page(void *va);
/* Grant copy's two mappings (`which` 0 or 1): valid until the next map_copy_page(which, ...);
 * never unmapped (arch/x86/hv_mappings.c says why that is safe). */
void *map_copy_page(unsigned int which, uint32_t mfn);
void free_frame(uint32_t mfn); /* return a frame with no references to the allocator */
void install_hv_l2_slots(uint32_t *l2, domid_t owner); /* slots 1007-1023 of owner's directory */
void set_hv_l2_slot(struct domain *owner, unsigned int idx, uint32_t l2e); /* every validated one */
void mm_flush_tlb(void);

/* hv/domain.c (the unit-test harness fakes it): a guest slot of a page directory changed; the
 * guest roots that copy it follow. */
void l2_entry_changed(uint32_t l2_mfn, unsigned int idx);
/* hv/domain.c (faked likewise): frame mfn became a page directory (is_l2) or stopped being one;
 * its owner's page_list keeps the directories first (page_list_order_l2()).  Called only by
 * the one setter of a frame's type, hv/frame_table.c: set_page_type(). */
void l2_type_changed(uint32_t mfn, int is_l2);

/*
 * The reference rules, one definition each, inline: validating an L1 takes
 * 1,024 general references and writable types (hv/frame_table.c: get_l1e()),
 * and a grant map or unmap takes or drops both on each call
 * (hv/grant_table.c).  A frame's type changes only when its type_count is
 * zero; get_page_type() (hv/frame_table.c) holds the rest of the type rules,
 * and a writable type is taken the same way there.
 */
/* A general reference to a frame `d` owns. */
static inline __attribute__((always_inline)) int get_page(uint32_t mfn, domid_t d)
{
    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->owner != d || pg->count == 0)
        return -XEN_EPERM;
    if (pg->count == UINT32_MAX)
        return -XEN_EBUSY;
    pg->count++;
    return 0;
}

/* The writable type's reference: get_page_type(mfn, PGT_writable).  A writable frame needs no
 * validation, only the type rule.  Its own store of the type, not set_page_type()'s: a frame with
 * no type references is PGT_none, never a directory, so no page_list moves (validating an L1
 * claims thousands of these). */
static inline __attribute__((always_inline)) int get_writable_type(struct page_info *pg)
{
    if (pg->flags & PGF_partial)
        return -XEN_EBUSY; /* half way through a preemptible pin or unpin */
    if (pg->type_count == 0)
        pg->type = PGT_writable;
    else if (pg->type != PGT_writable || pg->type_count == UINT32_MAX)
        return -XEN_EBUSY;
    pg->type_count++;
    return 0;
}

static inline __attribute__((always_inline)) void put_page(uint32_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->count == 0)
        return; /* a bug in a caller; never underflow */
    if (--pg->count == 0)
        free_frame(mfn);
}

void page_type_released(uint32_t mfn); /* the last type reference went (hv/frame_table.c) */
static inline __attribute__((always_inline)) void put_page_type(uint32_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->type_count == 0)
        return;
    if (--pg->type_count == 0)
        page_type_released(mfn);
}

/*
 * The hypervisor heap (the "xen heap") is direct-mapped: its frame numbers
 * and addresses convert with no lookup.  On the host, the unit tests' fake
 * machine (tests/unit/fake_machine.c) provides these over its own frames.
 */
#ifdef HOST_TEST
uint32_t va_to_mfn(const void *va);
void *mfn_to_va(uint32_t mfn);
#else
static inline uint32_t va_to_mfn(const void *va)
{
    return ((uint32_t)va - HV_VIRT_START) >> PAGE_SHIFT;
}
static inline void *mfn_to_va(uint32_t mfn)
{
    return (void *)(HV_VIRT_START + (mfn << PAGE_SHIFT));
}
#endif

/* The frame allocator (hv/frame_alloc.c). */
void page_alloc_init(void);
void page_alloc_add_range(uint32_t first_mfn, uint32_t nr);
uint32_t alloc_domheap_page(struct domain *d); /* 0 on failure (frame 0 is never free) */
/* Up to n clean frames in one scan, highest first, as alloc_domheap_page() would hand them out:
 * into mfns[], each frame's pfn (the M2P) set to first_pfn + its index; returns how many (fewer
 * than n: no clean frame is left, and alloc_domheap_page() scrubs one on the spot). */
uint32_t alloc_clean_domheap_pages(struct domain *d, uint32_t *mfns, uint32_t first_pfn,
                                   uint32_t n);
void *alloc_xenheap_pages(unsigned int nr); /* zeroed, direct-mapped, contiguous; NULL on failure */
void free_xenheap_pages(void *va, unsigned int nr);
uint32_t free_page_count(void);
uint32_t dirty_page_count(void);         /* free frames still to be scrubbed */
uint32_t frames_scrubbed_on_alloc(void); /* since boot: allocations that found no clean frame */
uint32_t xenheap_page_count(void);       /* pages the hypervisor holds for itself and domains */
/* Scrub up to `budget` dirty free frames (the idle loop), looking at a bounded number of frames;
 * returns how many it scrubbed, or 1 when it stopped at its look limit having scrubbed none
 * (0: nothing left to scrub). */
int scrub_free_frames(uint32_t budget);
uint32_t total_page_count(void);
void assign_frame(uint32_t mfn, domid_t owner); /* mark an allocated frame as owned */
/* A hypervisor page `d` may map (shared_info, grant frames): owned by it, on its list, freed with
 * its other frames. */
void share_xenheap_page(uint32_t mfn, struct domain *d);
/* Destroying `d`: drop the allocation reference of at most `budget` / 4 frames of its list,
 * each taken off it (one still referenced elsewhere becomes an orphan); 1 once the list is empty.
 */
int release_domain_frames(struct domain *d, uint32_t budget);
void frame_orphan(uint32_t mfn); /* its owner is gone, but it is still referenced */
/* A vCPU's frame page: one of d's frames with no reference but its allocation, set aside (no
 * domain can map, type, grant or free it), and given back to the allocator with d's others. */
int frame_page_take(uint32_t mfn); /* 0, or -XEN_EBUSY if it is referenced */
void frame_page_release(struct domain *d, uint32_t mfn);
uint32_t orphan_frames(domid_t owner); /* frames still carrying a destroyed owner's id */

#endif
