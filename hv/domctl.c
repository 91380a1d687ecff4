/*
 * domctl.c - the control domain's hypercall for managing other domains.
 *
 * xm-lite in dom0 creates a domain (an empty, paused shell with a name and an
 * id), has the hypervisor build it from a kernel image it read from the boot
 * archive (XEN_DOMCTL_pvlab_build), attaches its console and xenstore rings,
 * and unpauses it.  It reads domains' state with getdomaininfo (or by name:
 * pvlab_info_by_name, for every xm-lite command that names one), and destroys
 * them, which returns every frame, grant mapping and event channel.
 *
 * Tour 35/37 - after hv/physdev.c, before hv/trace.c.
 */
#include <lib.h>
#include <public/domctl.h>
#include <public/errno.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <hv/sched.h>

#define MAX_IMAGE (8u << 20)

static domid_t next_domid = 1;
static domid_t max_domid = DOMID_SELF - 1; /* max_domid= on the command line, for tests */

void domid_set_limit(uint32_t n)
{
    if (n >= 1 && n < DOMID_SELF)
        max_domid = (domid_t)n;
}

/*
 * Ids go upwards and wrap after max_domid.  An id is skipped while a domain
 * has it, and while any frame still carries it after its domain was destroyed
 * (hv/frame_alloc.c: orphan_frames): a stale grant mapping must never meet a
 * new domain of the same id.
 */
static domid_t allocate_domid(void)
{
    for (unsigned int tries = 0; tries < max_domid; tries++) {
        domid_t id = next_domid;
        next_domid = next_domid >= max_domid ? 1 : next_domid + 1;
        if (domain_by_id(id) || dying_domain_by_id(id))
            continue;
        if (orphan_frames(id)) {
            printk("(XEN) domain id %u skipped: %u of its frames are still mapped by others\n", id,
                   orphan_frames(id));
            continue;
        }
        return id;
    }
    return 0;
}

static long createdomain(struct xen_domctl *op)
{
    op->u.createdomain.name[sizeof(op->u.createdomain.name) - 1] = 0;
    if (!op->u.createdomain.name[0])
        return -XEN_EINVAL;
    if (domain_by_name(op->u.createdomain.name))
        return -XEN_EEXIST;
    domid_t id = allocate_domid();
    if (!id)
        return -XEN_ENOSPC;
    struct domain *d = domain_create(id, op->u.createdomain.name, 0);
    if (!d)
        return -XEN_ENOMEM;
    op->domain = id;
    printk("(XEN) domain %u (%s) created\n", id, d->name);
    return 0;
}

/* Build in steps (hv/domain_build.c); MM_RESTART makes do_domctl() continue the call. */
static long build(struct domain *d, struct xen_domctl_pvlab_build *b)
{
    if (!d->build) {
        if (d->tot_pages)
            return -XEN_EEXIST; /* already built */
        if (b->image_len == 0 || b->image_len > MAX_IMAGE || b->mem_mb < XEN_DOMCTL_MIN_MEM_MB ||
            b->mem_mb > XEN_DOMCTL_MAX_MEM_MB)
            return -XEN_EINVAL;
        b->cmdline[sizeof(b->cmdline) - 1] = 0;
        long rc = build_begin_from_guest(d, b->image, b->image_len, b->cmdline, b->mem_mb << 20);
        if (rc)
            return rc;
    }
    struct build_result r;
    long rc = build_step(d, 1, &r);
    if (rc == 0) {
        b->console_port = r.console_port;
        b->store_port = r.store_port;
        b->console_mfn = r.console_mfn;
        b->store_mfn = r.store_mfn;
    }
    return rc;
}

static uint32_t info_flags(const struct domain *d)
{
    uint32_t f = 0;
    if (d->state == DOM_dying)
        f |= XEN_DOMINF_dying;
    if (d->state == DOM_paused)
        f |= XEN_DOMINF_paused;
    if (d->state == DOM_shutdown || d->state == DOM_crashed)
        f |= XEN_DOMINF_shutdown | (d->shutdown_reason << XEN_DOMINF_shutdownshift);
    if (d->state == DOM_crashed)
        f |= XEN_DOMINF_pvlab_crashed;
    if (d->vcpu == current)
        f |= XEN_DOMINF_running;
    else if (d->vcpu->state == VCPU_blocked)
        f |= XEN_DOMINF_blocked;
    return f;
}

static long getdomaininfo(struct xen_domctl *op)
{
    struct domain *best = domain_from_id(op->domain);
    if (!best)
        return -XEN_ESRCH;
    struct xen_domctl_getdomaininfo *i = &op->u.getdomaininfo;
    memset(i, 0, sizeof(*i));
    op->domain = i->domain = best->domain_id;
    i->flags = info_flags(best);
    i->tot_pages = best->tot_pages;
    i->max_pages = best->max_pages;
    i->cpu_time = sched_cpu_time_ns(best->vcpu);
    i->nr_online_vcpus = 1;
    strlcpy(i->name, best->name, sizeof(i->name));
    strlcpy(i->crash_reason, best->crash_reason, sizeof(i->crash_reason));
    return 0;
}

/* XEN_DOMCTL_pvlab_info_by_name: getdomaininfo of the domain with this name (a hash lookup). */
static long info_by_name(struct xen_domctl *op)
{
    op->u.getdomaininfo.name[sizeof(op->u.getdomaininfo.name) - 1] = '\0';
    struct domain *d = domain_by_name(op->u.getdomaininfo.name);
    if (!d)
        return -XEN_ESRCH;
    op->domain = d->domain_id;
    return getdomaininfo(op);
}

static long pause(struct domain *d, int paused)
{
    if (paused && d->state == DOM_running)
        d->state = DOM_paused;
    else if (!paused && d->state == DOM_paused && d->vcpu->frame_pte) /* built */
        d->state = DOM_running;
    else
        return -XEN_EINVAL;
    vcpu_update_state(d->vcpu);
    return 0;
}

/*
 * Destroy in steps: the first call kills the domain, and each call releases
 * a budget of its frames; MM_RESTART makes do_domctl() issue the same call
 * again as a continuation, which finds the domain on the dying list.
 */
static long destroy(domid_t id)
{
    struct domain *d = domain_by_id(id);
    if (d == current->domain)
        return -XEN_EINVAL; /* dom0 does not manage itself through domctl */
    if (d) {
        printk("(XEN) domain %u (%s) destroyed\n", d->domain_id, d->name);
        domain_kill(d);
    } else if (!(d = dying_domain_by_id(id))) {
        return -XEN_ESRCH;
    }
    return domain_relinquish(d, RELINQUISH_BUDGET);
}

/* Xen's XEN_DOMCTL_get_domain_state (include/public/domctl.h). */
static long get_domain_state(struct xen_domctl *op)
{
    struct xen_domctl_get_domain_state *s = &op->u.get_domain_state;
    domid_t id = op->domain;
    if (id == DOMID_FREE && domain_next_changed(&id))
        return -XEN_ENOENT;
    if (id >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    *s = (struct xen_domctl_get_domain_state){.domid = id, .state = domain_state_flags(id)};
    op->domain = id;
    return 0;
}

static long dispatch(struct xen_domctl *op)
{
    if (op->cmd == XEN_DOMCTL_get_domain_state)
        return get_domain_state(op);
    if (op->cmd == XEN_DOMCTL_destroydomain)
        return destroy(op->domain);
    if (op->cmd == XEN_DOMCTL_createdomain)
        return createdomain(op);
    if (op->cmd == XEN_DOMCTL_getdomaininfo)
        return getdomaininfo(op);
    if (op->cmd == XEN_DOMCTL_pvlab_info_by_name)
        return info_by_name(op);
    struct domain *d = domain_by_id(op->domain);
    if (!d)
        return -XEN_ESRCH;
    if (d == current->domain)
        return -XEN_EINVAL; /* dom0 does not manage itself through domctl */
    switch (op->cmd) {
    case XEN_DOMCTL_pvlab_build:
        return build(d, &op->u.build);
    case XEN_DOMCTL_pausedomain:
        return pause(d, 1);
    case XEN_DOMCTL_unpausedomain:
        return pause(d, 0);
    case XEN_DOMCTL_max_mem:
        d->max_pages = (uint32_t)(op->u.max_mem.max_memkb >> 2);
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

long do_domctl(uint32_t arg)
{
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    struct xen_domctl op;
    if (copy_from_guest(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EINVAL;
    long rc = dispatch(&op);
    if (rc == MM_RESTART)
        return hypercall_continue(__HYPERVISOR_domctl, arg, 0, 0, 0);
    if (rc == 0 && copy_to_guest(arg, &op, sizeof(op)))
        return -XEN_EFAULT;
    return rc;
}
