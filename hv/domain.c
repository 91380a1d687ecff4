/*
 * domain.c - creating, ending and destroying domains.
 *
 * A domain ends in one of two ways: it shuts itself down (sched_op
 * SCHEDOP_shutdown) or it is crashed by the hypervisor because it cannot go on
 * (a fault with no handler, an unusable kernel stack).  Either way its vCPU
 * stops running at once, the reason is logged, and dom0 is told with
 * VIRQ_DOM_EXC.  Destroying a domain later returns every frame it owned: the
 * page tables are unpinned (which releases, level by level, every reference
 * they held) and then each frame's allocation reference is dropped.
 */
#include <lib.h>
#include <public/errno.h>
#include <public/sched.h>
#include <hv/arch.h>
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

uint32_t domain_hv_pages(void)
{
    return 1 + ROUNDUP(sizeof(struct vcpu), PAGE_SIZE) / PAGE_SIZE + 1 /* shared_info */ +
           1 /* guest root */ + NR_EVENT_CHANNELS * sizeof(struct evtchn) / PAGE_SIZE +
           grant_table_pages();
}

struct domain *domain_by_id(domid_t id)
{
    for (struct domain *d = domain_list; d; d = d->next)
        if (d->domain_id == id)
            return d;
    return NULL;
}

static int share_shared_info(struct domain *d)
{
    d->shared_info = alloc_xenheap_pages(1);
    if (!d->shared_info)
        return -XEN_ENOMEM;
    d->shared_info_mfn = ((uint32_t)d->shared_info - HV_VIRT_START) >> PAGE_SHIFT;
    struct page_info *pg = mfn_to_page(d->shared_info_mfn);
    pg->owner = d->domain_id; /* the guest may map it; it is freed with the domain */
    pg->flags |= PGF_xenheap;
    d->shared_info->vcpu_info[0].evtchn_upcall_mask = 1; /* events start masked */
    time_fill_vcpu_info(&d->shared_info->vcpu_info[0].time);
    return 0;
}

struct domain *domain_create(domid_t id, const char *name, int privileged)
{
    struct domain *d = alloc_xenheap_pages(1);
    struct vcpu *v = alloc_xenheap_pages(ROUNDUP(sizeof(struct vcpu), PAGE_SIZE) / PAGE_SIZE);
    if (!d || !v)
        goto fail;
    d->domain_id = id;
    strlcpy(d->name, name, sizeof(d->name));
    d->is_privileged = privileged;
    d->state = DOM_paused;
    d->vcpu = v;
    v->domain = d;
    v->state = VCPU_down;
    v->periodic_period = 10000000; /* VIRQ_TIMER every 10 ms until the guest says otherwise */
    d->console.budget = GUEST_CONSOLE_BURST;
    d->console.refilled_at = NOW();
    if (share_shared_info(d) || evtchn_init(d) || grant_table_init(d) || guest_root_alloc(v))
        goto fail;
    d->next = domain_list;
    domain_list = d;
    sched_add_vcpu(v);
    return d;
fail:
    printk("domain_create: out of hypervisor memory for domain %u\n", id);
    if (d && d->shared_info)
        put_page(d->shared_info_mfn);
    if (d && d->evtchn)
        evtchn_destroy(d);
    if (d)
        grant_table_destroy(d);
    if (v)
        guest_root_free(v);
    free_xenheap_pages(v, ROUNDUP(sizeof(struct vcpu), PAGE_SIZE) / PAGE_SIZE);
    free_xenheap_pages(d, 1);
    return NULL;
}

static const char *const shutdown_names[] = {"poweroff", "reboot", "suspend", "crash"};

static void domain_stop(struct domain *d)
{
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

/* Release every frame the domain owns; frames still mapped elsewhere live on. */
static void relinquish_memory(struct domain *d)
{
    struct vcpu *v = d->vcpu;
    pt_progress_abandon(d->domain_id, &v->pt_progress); /* a pin or unpin left half done */
    if (v->cr3_mfn) {
        put_page_and_type(v->cr3_mfn);
        v->cr3_mfn = 0;
    }
    for (uint32_t mfn = 0; mfn < max_page; mfn++) {
        struct page_info *pg = mfn_to_page(mfn);
        if (pg->owner == d->domain_id && (pg->flags & PGF_pinned)) {
            pg->flags &= ~PGF_pinned;
            put_page_and_type(mfn);
        }
    }
    for (uint32_t mfn = 0; mfn < max_page; mfn++) {
        struct page_info *pg = mfn_to_page(mfn);
        if (pg->owner == d->domain_id && (pg->flags & PGF_allocated)) {
            pg->flags &= ~PGF_allocated;
            put_page(mfn);
            if (pg->owner == d->domain_id)
                frame_orphan(mfn); /* someone still maps it: keep its id out of use */
        }
    }
}

_Static_assert(sizeof(struct domain) <= PAGE_SIZE, "a domain lives in one xenheap page");

/* Destroy a domain that is not running.  Afterwards `d` is gone. */
void domain_destroy(struct domain *d)
{
    BUG_ON(current == d->vcpu);
    d->state = DOM_dying;
    console_guest_report(d->domain_id, &d->console, NOW());
    sched_remove_vcpu(d->vcpu);
    fpu_forget(d->vcpu);
    for (struct domain **p = &domain_list; *p; p = &(*p)->next)
        if (*p == d) {
            *p = d->next; /* from now on nobody can find it: grants to it are dead */
            break;
        }
    evtchn_destroy(d);
    grant_table_destroy(d);
    relinquish_memory(d);
    if (initial_domain == d)
        initial_domain = NULL;
    guest_root_free(d->vcpu);
    free_xenheap_pages(d->vcpu, ROUNDUP(sizeof(struct vcpu), PAGE_SIZE) / PAGE_SIZE);
    free_xenheap_pages(d, 1);
}

void domain_count_error(struct domain *d)
{
    d->counters.hypercall_errors++;
}
