/*
 * domain.c - creating, ending and destroying domains.
 *
 * A domain ends in one of two ways: it shuts itself down (sched_op
 * SCHEDOP_shutdown) or it is crashed by the hypervisor because it cannot go on
 * (a fault with no handler, an unusable kernel stack).  Either way its vCPU
 * stops running at once, the reason is logged, and dom0 is told with
 * VIRQ_DOM_EXC.  Destroying a domain later returns every frame it owned: the
 * page tables are unpinned (which releases, level by level, every reference
 * they held) and then each frame's allocation reference is dropped, in
 * bounded steps (see domain_relinquish()).
 *
 * Tour 18/37 - after hv/initial_domain.c, before hv/domain_build.c.
 */
#include <lib.h>
#include <public/domctl.h>
#include <public/errno.h>
#include <public/sched.h>
#include <hv/arch.h>
#include <hv/asm_offsets.h>
#include <hv/console.h>
#include <hv/entry.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/fpu.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/x86.h>

struct domain *domain_list;
struct domain *initial_domain; /* dom0, or in chain mode the module running now */

/*
 * What physinfo reports of the listed domains, kept as it changes so that `xm-lite create`'s
 * look at free memory costs the same with a thousand domains as with one (issue 15): their
 * count, the hypervisor pages they hold, and how many domUs hold each number of pages (the
 * last count is of those holding HV_PAGES_TALLIED - 1 or more, which only a domU mapping many
 * grants reaches: then the most is found with a walk).
 */
#define HV_PAGES_TALLIED 64
static struct {
    uint32_t domains, pages, privileged_pages;
    uint32_t domus_holding[HV_PAGES_TALLIED];
} tally;

static void tally_domain(const struct domain *d, int sign)
{
    tally.domains += sign;
    tally.pages += sign * (int)d->hv_pages;
    if (d->is_privileged)
        tally.privileged_pages += sign * (int)d->hv_pages;
    else
        tally.domus_holding[MIN(d->hv_pages, HV_PAGES_TALLIED - 1)] += sign;
}

void domain_tally_hv_pages(struct domain *d, int nr)
{
    if (d->tallied)
        tally_domain(d, -1);
    d->hv_pages += nr;
    if (d->tallied)
        tally_domain(d, 1);
}

static uint32_t domu_most_hv_pages(void)
{
    uint32_t n = HV_PAGES_TALLIED - 1, most = 0;
    if (tally.domus_holding[n]) {
        for (struct domain *d = domain_list; d; d = d->next)
            if (!d->is_privileged)
                most = MAX(most, d->hv_pages);
        return most;
    }
    while (n && !tally.domus_holding[n])
        n--;
    return n;
}

uint32_t domain_hv_pages(uint32_t *domu_max, uint32_t *privileged)
{
    if (domu_max)
        *domu_max = domu_most_hv_pages();
    if (privileged)
        *privileged = tally.privileged_pages;
    uint32_t n = tally.domains;
    return n ? (tally.pages + n - 1) / n : 0;
}

uint32_t domain_count(void)
{
    return tally.domains;
}

/*
 * Listed domains by id, so that finding one costs the same with a thousand
 * domains as with two (every event sent, grant mapped and domctl looks one
 * up): a directory of pages of DOMIDS_PER_PAGE pointers, a page taken with
 * the first id in its range and given back with the last.  domain_by_id()
 * reads it inline (include/hv/domain.h).
 */
struct domain **domid_dir[DOMID_DIR_PAGES];
static uint16_t domid_dir_used[sizeof(domid_dir) / sizeof(domid_dir[0])];

static int domid_dir_add(struct domain *d)
{
    struct domain ***page = &domid_dir[d->domain_id / DOMIDS_PER_PAGE];
    if (!*page && !(*page = alloc_xenheap_pages(1)))
        return -XEN_ENOMEM;
    (*page)[d->domain_id % DOMIDS_PER_PAGE] = d;
    domid_dir_used[d->domain_id / DOMIDS_PER_PAGE]++;
    return 0;
}

static void domid_dir_remove(struct domain *d)
{
    uint32_t i = d->domain_id / DOMIDS_PER_PAGE;
    if (!domid_dir[i] || domid_dir[i][d->domain_id % DOMIDS_PER_PAGE] != d)
        return;
    domid_dir[i][d->domain_id % DOMIDS_PER_PAGE] = NULL;
    if (--domid_dir_used[i] == 0) {
        free_xenheap_pages(domid_dir[i], 1);
        domid_dir[i] = NULL;
    }
}

/* Listed domains by name, so that createdomain's check that a name is free does not compare
 * it with every domain's: NAME_BUCKETS chains of struct domain's next_named. */
#define NAME_BUCKETS 256
static struct domain *name_hash[NAME_BUCKETS];

static struct domain **name_bucket(const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*name)
        h = (h ^ (uint8_t)*name++) * 16777619u;
    return &name_hash[h % NAME_BUCKETS];
}

struct domain *domain_by_name(const char *name)
{
    for (struct domain *d = *name_bucket(name); d; d = d->next_named)
        if (!strcmp(d->name, name))
            return d;
    return NULL;
}

static void name_unlist(struct domain *d)
{
    for (struct domain **p = name_bucket(d->name); *p; p = &(*p)->next_named)
        if (*p == d) {
            *p = d->next_named;
            break;
        }
}

struct domain *domain_from_id(domid_t from)
{
    for (uint32_t id = from; id < DOMID_FIRST_RESERVED; id++) {
        if (!domid_dir[id / DOMIDS_PER_PAGE]) {
            id = ROUNDUP(id + 1, DOMIDS_PER_PAGE) - 1; /* no domain in this page's range */
            continue;
        }
        if (domid_dir[id / DOMIDS_PER_PAGE][id % DOMIDS_PER_PAGE])
            return domid_dir[id / DOMIDS_PER_PAGE][id % DOMIDS_PER_PAGE];
    }
    return NULL;
}

/* A guest slot of page directory l2_mfn changed (hv/frame_table.c): the vCPU whose guest root
 * copies that directory follows (arch/x86/hv_mappings.c).  Only its owner can have it in CR3. */
void l2_entry_changed(uint32_t l2_mfn, unsigned int idx)
{
    if (idx >= HV_L2_FIRST_SLOT)
        return;
    struct domain *d = domain_by_id(mfn_to_page(l2_mfn)->owner);
    if (d)
        guest_root_sync(d->vcpu, l2_mfn, idx);
}

/* Frame mfn became a page directory or stopped being one (hv/frame_table.c): its owner, while
 * listed, keeps its directories first on its page_list (include/hv/mm.h).  A dying domain's
 * list keeps its order: the destroy's walk holds a cursor in it. */
void l2_type_changed(uint32_t mfn, int is_l2)
{
    struct domain *d = domain_by_id(mfn_to_page(mfn)->owner);
    if (d)
        page_list_order_l2(&d->page_list, mfn_to_page(mfn), is_l2);
}

/*
 * Domains whose state changed since dom0 last asked (XEN_DOMCTL_get_domain_state), as Xen's
 * dom_state_changed: a bit per id, the count of bits set, and a hint below which none is, so
 * that a look after VIRQ_DOM_EXC costs the domains that changed, not every domain.
 */
static uint32_t state_changed[DOMID_FIRST_RESERVED / 32 + 1];
static uint32_t nr_state_changed, changed_hint;

static void domain_changed_state(domid_t id)
{
    uint32_t bit = 1u << (id % 32);
    if (state_changed[id / 32] & bit)
        return;
    state_changed[id / 32] |= bit;
    nr_state_changed++;
    changed_hint = MIN(changed_hint, id / 32u);
}

int domain_next_changed(domid_t *id)
{
    if (!nr_state_changed)
        return -XEN_ENOENT;
    while (!state_changed[changed_hint])
        changed_hint++; /* a bit is set at or above the hint */
    uint32_t w = state_changed[changed_hint];
    uint32_t b = (uint32_t)__builtin_ctz(w);
    state_changed[changed_hint] = w & (w - 1);
    nr_state_changed--;
    *id = (domid_t)(changed_hint * 32 + b);
    return 0;
}

uint16_t domain_state_flags(domid_t id)
{
    struct domain *d = domain_by_id(id);
    if (!d)
        return dying_domain_by_id(id)
                   ? XEN_DOMCTL_GETDOMSTATE_STATE_EXIST | XEN_DOMCTL_GETDOMSTATE_STATE_DYING
                   : XEN_DOMCTL_GETDOMSTATE_STATE_DEAD;
    return XEN_DOMCTL_GETDOMSTATE_STATE_EXIST |
           (d->state >= DOM_shutdown ? XEN_DOMCTL_GETDOMSTATE_STATE_SHUTDOWN : 0);
}

static int share_shared_info(struct domain *d)
{
    d->shared_info = alloc_xenheap_pages(1);
    if (!d->shared_info)
        return -XEN_ENOMEM;
    d->shared_info_mfn = va_to_mfn(d->shared_info);
    share_xenheap_page(d->shared_info_mfn, d); /* the guest may map it; freed with the domain */
    d->shared_info->vcpu_info[0].evtchn_upcall_mask = 1; /* events start masked */
    time_fill_vcpu_info(&d->shared_info->vcpu_info[0].time);
    return 0;
}

_Static_assert(sizeof(struct domain_page) <= PAGE_SIZE, "a domain and its vCPU share a page");
/* entry.S counts in the running domain's counters by this offset (include/hv/asm_offsets.h). */
_Static_assert(offsetof(struct domain_page, d.counters) == DOMAIN_PAGE_counters,
               "DOMAIN_PAGE_counters");

struct domain *domain_create(domid_t id, const char *name, int privileged)
{
    uint32_t heap_before = xenheap_page_count();
    struct domain_page *page = alloc_xenheap_pages(1);
    struct domain *d = page ? &page->d : NULL;
    struct vcpu *v = page ? &page->v : NULL;
    if (!page)
        goto fail;
    d->domain_id = id;
    page_list_init(&d->page_list);
    strlcpy(d->name, name, sizeof(d->name));
    d->is_privileged = privileged;
    d->state = DOM_paused;
    d->vcpu = v;
    v->domain = d;
    v->domain_pte = entry_page_pte(__pa(page) >> PAGE_SHIFT);
    v->state = VCPU_down;
    v->periodic_period = 10000000; /* VIRQ_TIMER every 10 ms until the guest says otherwise */
    d->console.budget = GUEST_CONSOLE_BURST;
    d->console.refilled_at = NOW();
    if (share_shared_info(d) || evtchn_init(d) || grant_table_init(d) || guest_root_alloc(v))
        goto fail;
    v->shared_info_pte = entry_page_pte(d->shared_info_mfn);
    d->hv_pages = xenheap_page_count() - heap_before;
    if (domid_dir_add(d))
        goto fail;
    if (sched_add_vcpu(v)) { /* room for it in the timer heap */
        domid_dir_remove(d);
        goto fail;
    }
    d->next = domain_list;
    if (domain_list)
        domain_list->pprev = &d->next;
    d->pprev = &domain_list;
    domain_list = d;
    d->tallied = 1;
    tally_domain(d, 1);
    d->next_named = *name_bucket(d->name);
    *name_bucket(d->name) = d;
    return d;
fail:
    printk("(XEN) domain %u: the hypervisor's heap (its %u MiB direct map) is full: no room "
           "for its %u KiB of structures\n",
           id, DIRECTMAP_SIZE >> 20, MAX(domain_hv_pages(NULL, NULL), 1u) * 4);
    if (d)
        release_domain_frames(d, UINT32_MAX); /* shared_info and the grant table's frames */
    if (d)
        evtchn_destroy(d);
    if (d)
        grant_table_destroy(d);
    if (v)
        guest_root_free(v);
    free_xenheap_pages(page, 1);
    return NULL;
}

static const char *const shutdown_names[] = {"poweroff", "reboot", "suspend", "crash"};

static void domain_stop(struct domain *d)
{
    domain_changed_state(d->domain_id);
    vcpu_update_state(d->vcpu);
    if (current == d->vcpu)
        raise_schedule();
    send_global_virq(VIRQ_DOM_EXC);
}

void domain_shutdown(struct domain *d, uint32_t reason)
{
    if (d->state >= DOM_shutdown)
        return;
    d->state = DOM_shutdown;
    d->shutdown_reason = reason;
    printk("(XEN) domain %u (%s) shut down: %s\n", d->domain_id, d->name,
           reason < 4 ? shutdown_names[reason] : "unknown reason");
    domain_stop(d);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    if (d->state >= DOM_crashed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->crash_reason, sizeof(d->crash_reason), fmt, ap);
    va_end(ap);
    d->state = DOM_crashed;
    d->shutdown_reason = SHUTDOWN_crash;
    printk("(XEN) domain %u (%s) crashed: %s\n", d->domain_id, d->name, d->crash_reason);
    domain_stop(d);
}

void crash_on_bad_iret(void)
{
    domain_crash(current->domain, "the CPU refused to return to it (bad iret frame)");
    return_to_guest(); /* leave_hypervisor schedules another vCPU or the idle loop */
}

/*
 * Destroying a domain is done in steps, as Xen's domain_relinquish_resources()
 * is, because it can be long: releasing a page directory touches up to a
 * million entries, and a domain may own hundreds of thousands of frames
 * (walked on its page_list, never by scanning the frame table).  domain_kill() takes the domain out
 * of everyone's reach at once (unlisted, off the scheduler, its event channels and grants closed)
 * and parks it on dying_list; each domain_relinquish() step then does at most a budget of work and
 * says whether more is left, and domctl turns "more" into a hypercall continuation.  The phases, in
 * order:
 */
enum relinquish_phase {
    RQ_HALF_DONE, /* a pin or unpin the guest left half done: finish or undo it */
    RQ_CR3,       /* the page directory CR3 held */
    RQ_PINNED,    /* every pinned table, walking the domain's page_list */
    RQ_FRAMES,    /* every allocation reference, taking frames off that list */
    RQ_DONE,
};

static struct domain *dying_list; /* killed, with frames still to release */

/* The frame the RQ_PINNED walk looks at next, or NULL at the end of the list. */
static struct page_info *pinned_cursor(struct domain *d)
{
    return d->relinquish_next == &d->page_list ? NULL : page_of_link(d->relinquish_next);
}

/* Has the RQ_PINNED walk table work at this frame: a pinned table, or one half released? */
static int pinned_work(struct domain *d, struct page_info *pg)
{
    return d->vcpu->pt_progress.op != PT_IDLE || (pg->flags & PGF_pinned);
}

/* One frame in the RQ_PINNED walk: the work units it cost; *more if its table is not done.  The
 * frame keeps its allocation reference, so it stays on the list while its table is released. */
static uint32_t release_pinned(struct domain *d, struct page_info *pg, int *more)
{
    struct pt_progress *p = &d->vcpu->pt_progress;
    if (!pinned_work(d, pg))
        return 1;
    if (p->op == PT_IDLE)
        pg->flags &= ~PGF_pinned;
    *more = release_l2_preemptible(d->domain_id, page_to_mfn(pg), p, MM_L2_BUDGET) == MM_RESTART;
    return RELINQUISH_BUDGET; /* table work ends the step: its own budget bounded it */
}

/* Walk the domain's frames from d->relinquish_next with at most `budget` units; 1 if done. */
static int walk_pinned(struct domain *d, uint32_t budget)
{
    uint32_t used = 0;
    struct page_info *pg;
    while ((pg = pinned_cursor(d)) != NULL && used < budget) {
        int more = 0;
        if (used && pinned_work(d, pg))
            break; /* table work begins a step of its own, not on top of a walk's budget */
        used += release_pinned(d, pg, &more);
        if (!more)
            d->relinquish_next = pg->list.next;
    }
    return pinned_cursor(d) == NULL;
}

/* The step of one phase: 1 when the phase is over. */
static int relinquish_phase_step(struct domain *d, uint32_t budget)
{
    struct vcpu *v = d->vcpu;
    switch (d->relinquish_phase) {
    case RQ_HALF_DONE:
        return pt_progress_abandon(d->domain_id, &v->pt_progress, MM_L2_BUDGET) != MM_RESTART;
    case RQ_CR3:
        if (v->cr3_mfn && release_l2_preemptible(d->domain_id, v->cr3_mfn, &v->pt_progress,
                                                 MM_L2_BUDGET) == MM_RESTART)
            return 0;
        v->cr3_mfn = 0;
        return 1;
    case RQ_PINNED:
        return walk_pinned(d, budget);
    default:
        return release_domain_frames(d, budget);
    }
}

/* Free what is left of a domain whose frames are all released.  `d` is gone. */
static void domain_free(struct domain *d)
{
    for (struct domain **p = &dying_list; *p; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            break;
        }
    if (initial_domain == d)
        initial_domain = NULL;
    guest_root_free(d->vcpu);
    if (d->vcpu->frame_pte) /* never mapped now: d's vCPU is not current (domain_kill()) */
        frame_page_release(d, PTE_MFN(d->vcpu->frame_pte));
    free_xenheap_pages(d, 1); /* and its vCPU: struct domain_page */
}

void domain_kill(struct domain *d)
{
    BUG_ON(current == d->vcpu);
    d->state = DOM_dying;
    domain_changed_state(d->domain_id);
    console_guest_report(d->domain_id, &d->console, NOW());
    sched_remove_vcpu(d->vcpu);
    fpu_forget(&d->vcpu->fpu);
    *d->pprev = d->next; /* from now on nobody can find it: grants to it are dead (it walked the
                          * list to find it: 7,600 instructions for the oldest of a thousand) */
    if (d->next)
        d->next->pprev = d->pprev;
    tally_domain(d, -1);
    d->tallied = 0;
    domid_dir_remove(d);
    name_unlist(d);
    d->next = dying_list;
    dying_list = d;
    build_abandon(d); /* destroyed while being built: its frames are released below */
    evtchn_destroy(d);
    grant_table_destroy(d);
    d->relinquish_phase = RQ_HALF_DONE;
    d->relinquish_next = d->page_list.next;
}

int domain_relinquish(struct domain *d, uint32_t budget)
{
    while (d->relinquish_phase != RQ_DONE) {
        if (!relinquish_phase_step(d, budget)) {
            if (budget != UINT32_MAX)
                return MM_RESTART;
            continue; /* unbounded (domain_destroy()): the next step at once */
        }
        d->relinquish_phase++;
        d->relinquish_next = d->page_list.next;
        if (d->relinquish_phase != RQ_DONE && budget != UINT32_MAX)
            return MM_RESTART; /* each phase starts a step of its own */
    }
    domain_free(d);
    return 0;
}

struct domain *dying_domain_by_id(domid_t id)
{
    for (struct domain *d = dying_list; d; d = d->next)
        if (d->domain_id == id)
            return d;
    return NULL;
}

void domain_destroy(struct domain *d)
{
    domain_kill(d);
    domain_relinquish(d, UINT32_MAX);
}

void domain_count_error(struct domain *d)
{
    d->counters.hypercall_errors++;
}
