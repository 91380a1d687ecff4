/*
 * pt_hypercalls.c - the page-table hypercalls: mmu_update, update_va_mapping and
 * mmuext_op.  They copy the guest's requests in, apply them one by one through
 * the validation rules of frame_table.c, and stop at the first refusal, reporting how
 * many succeeded.  Refusals are counted and logged (the first few per domain)
 * so a student can see which rule a guest broke.
 *
 * Tour 30/37 - after hv/frame_table.c, before hv/event_channel.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <hv/trace.h>
#include <hv/x86.h>

#define MAX_LOGGED_REFUSALS 32

static long refuse(struct domain *d, const char *what, uint32_t arg, long rc)
{
    d->counters.validation_errors++;
    if (d->counters.validation_errors <= MAX_LOGGED_REFUSALS)
        printk("(XEN) d%u: %s %08x refused (%ld)\n", d->domain_id, what, arg, rc);
    return rc;
}

static int self_only(uint32_t foreigndom)
{
    return foreigndom == DOMID_SELF || foreigndom == current->domain->domain_id;
}

#define MMU_UPDATE_BATCH 128 /* updates per call before a continuation */
#define MMUEXT_BATCH     8   /* pins can validate a million entries each */

/*
 * mmu_update and mmuext_op are batches: `count` requests at `ureqs`, applied
 * in order, the number done written to *pdone (if pdone is not 0).  A batch
 * longer than its budget is continued: the guest's call is re-issued for the
 * rest, its count marked HYPERCALL_PREEMPTED and *pdone holding the work done
 * so far, so *pdone counts the whole batch at the end.
 */
struct batch {
    uint32_t nr;                              /* __HYPERVISOR_mmu_update or _mmuext_op */
    uint32_t size;                            /* of one request */
    uint32_t ureqs, count, pdone, foreigndom; /* the call's arguments */
    uint32_t done;                            /* requests done by earlier calls */
};

/* Start (or resume) a batch; 0, or the error that ends the call at once. */
static long batch_begin(struct batch *b)
{
    b->done = 0;
    if (b->count & HYPERCALL_PREEMPTED) {
        b->count &= ~HYPERCALL_PREEMPTED;
        if (b->pdone && copy_from_guest(&b->done, b->pdone, sizeof(b->done)))
            return -XEN_EFAULT;
    }
    return self_only(b->foreigndom) ? 0 : -XEN_EPERM;
}

/* End the call after `i` more requests: the total done to *pdone, then rc. */
static long batch_end(const struct batch *b, uint32_t i, long rc)
{
    uint32_t done = b->done + i;
    if (b->pdone && copy_to_guest(b->pdone, &done, sizeof(done)))
        return -XEN_EFAULT;
    return rc;
}

/* End the call at request `i` and have the guest make it again from there. */
static long batch_continue(const struct batch *b, uint32_t i)
{
    long rc = batch_end(b, i, 0);
    if (rc)
        return rc;
    return hypercall_continue(b->nr, b->ureqs + i * b->size, (b->count - i) | HYPERCALL_PREEMPTED,
                              b->pdone, b->foreigndom);
}

/* One request of a batch, at guest address ureq: 0, MM_RESTART (the same again), or an error. */
typedef long (*batch_request_fn)(struct domain *d, uint32_t ureq);

/* Apply b's requests in order, at most `budget` in this call; stop at the first refusal. */
static long run_batch(struct batch *b, uint32_t budget, batch_request_fn one)
{
    struct domain *d = current->domain;
    uint32_t i = 0;
    long rc = batch_begin(b);
    if (rc)
        return rc;
    for (; i < b->count; i++) {
        if (i == budget)
            return batch_continue(b, i);
        rc = one(d, b->ureqs + i * b->size);
        if (rc == MM_RESTART) /* a long pin or unpin, part done: the same request again */
            return batch_continue(b, i);
        if (rc)
            break;
    }
    return batch_end(b, i, rc);
}

static long mmu_update_request(struct domain *d, uint32_t ureq)
{
    struct mmu_update req;
    long rc = copy_from_guest(&req, ureq, sizeof(req));
    if (rc)
        return rc;
    uint32_t cmd = req.ptr & 3;
    uint64_t ptr = req.ptr & ~3ull;
    if (cmd == MMU_NORMAL_PT_UPDATE)
        rc = pt_update(d->domain_id, ptr, (uint32_t)req.val);
    else if (cmd == MMU_MACHPHYS_UPDATE)
        rc = machphys_update(d->domain_id, (uint32_t)(ptr >> PAGE_SHIFT), (uint32_t)req.val);
    else
        rc = -XEN_ENOSYS;
    return rc ? refuse(d, "mmu_update at", (uint32_t)ptr, rc) : 0;
}

long do_mmu_update(uint32_t ureqs, uint32_t count, uint32_t pdone, uint32_t foreigndom)
{
    struct batch b = {
        __HYPERVISOR_mmu_update, sizeof(struct mmu_update), ureqs, count, pdone, foreigndom, 0};
    return run_batch(&b, MMU_UPDATE_BATCH, mmu_update_request);
}

static void flush_after(uint32_t flags, uint32_t va)
{
    if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG)
        invlpg(va);
    else if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_TLB_FLUSH)
        flush_tlb_local();
}

/* Change the PTE that maps `va` in the current address space. */
long do_update_va_mapping(uint32_t va, uint32_t val, uint32_t flags)
{
    struct domain *d = current->domain;
    if (va >= HYPERVISOR_VIRT_START)
        return refuse(d, "update_va_mapping of", va, -XEN_EINVAL);
    uint32_t *l2 = map_domain_page(current->cr3_mfn);
    uint32_t l2e = l2[L2_INDEX(va)];
    unmap_domain_page(l2);
    if (!(l2e & _PAGE_PRESENT))
        return refuse(d, "update_va_mapping (no L1) of", va, -XEN_EINVAL);
    uint64_t ptr = ((uint64_t)PTE_MFN(l2e) << PAGE_SHIFT) | (L1_INDEX(va) * 4);
    long rc = pt_update(d->domain_id, ptr, val);
    if (rc)
        return refuse(d, "update_va_mapping of", va, rc);
    flush_after(flags, va);
    return 0;
}

static long new_baseptr(struct domain *d, uint32_t mfn)
{
    if (!mfn_valid(mfn) || mfn_to_page(mfn)->owner != d->domain_id)
        return -XEN_EPERM;
    struct page_info *pg = mfn_to_page(mfn);
    if (!(pg->flags & PGF_pinned) || pg->type != PGT_l2)
        return -XEN_EINVAL;
    long rc = get_page_and_type(mfn, d->domain_id, PGT_l2);
    if (rc)
        return rc;
    uint32_t old = current->cr3_mfn;
    current->cr3_mfn = mfn;
    load_guest_pagetable(current);
    d->counters.cr3_loads++;
    trace(TRC_CR3, d->domain_id, mfn);
    if (old)
        put_page_and_type(old);
    return 0;
}

static long mmuext_one(struct domain *d, const struct mmuext_op *op)
{
    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
        return pin_table(d->domain_id, op->arg1.mfn, PGT_l1);
    case MMUEXT_PIN_L2_TABLE:
        return pin_l2_preemptible(d->domain_id, op->arg1.mfn, &current->pt_progress, MM_L2_BUDGET);
    case MMUEXT_UNPIN_TABLE:
        return unpin_preemptible(d->domain_id, op->arg1.mfn, &current->pt_progress, MM_L2_BUDGET);
    case MMUEXT_NEW_BASEPTR:
        return new_baseptr(d, op->arg1.mfn);
    case MMUEXT_TLB_FLUSH_LOCAL:
        flush_tlb_local();
        return 0;
    case MMUEXT_INVLPG_LOCAL:
        if (op->arg1.linear_addr >= HYPERVISOR_VIRT_START)
            return -XEN_EINVAL;
        invlpg(op->arg1.linear_addr);
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

static long mmuext_request(struct domain *d, uint32_t ureq)
{
    struct mmuext_op op;
    long rc = copy_from_guest(&op, ureq, sizeof(op));
    if (rc)
        return rc;
    rc = mmuext_one(d, &op);
    return rc && rc != MM_RESTART ? refuse(d, "mmuext_op on", op.arg1.mfn, rc) : rc;
}

long do_mmuext_op(uint32_t uops, uint32_t count, uint32_t pdone, uint32_t foreigndom)
{
    struct batch b = {
        __HYPERVISOR_mmuext_op, sizeof(struct mmuext_op), uops, count, pdone, foreigndom, 0};
    return run_batch(&b, MMUEXT_BATCH, mmuext_request);
}
