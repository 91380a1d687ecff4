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

/* On a continuation the count carries HYPERCALL_PREEMPTED and *pdone holds the work done. */
static int resume_count(uint32_t *count, uint32_t pdone, uint32_t *done)
{
    *done = 0;
    if (!(*count & HYPERCALL_PREEMPTED))
        return 0;
    *count &= ~HYPERCALL_PREEMPTED;
    return pdone && copy_from_guest(done, pdone, sizeof(*done)) ? -XEN_EFAULT : 0;
}

long do_mmu_update(uint32_t ureqs, uint32_t count, uint32_t pdone, uint32_t foreigndom)
{
    struct domain *d = current->domain;
    uint32_t done, i = 0;
    long rc = resume_count(&count, pdone, &done);
    if (rc)
        return rc;
    if (!self_only(foreigndom))
        return -XEN_EPERM;
    for (; i < count && rc == 0; i++) {
        if (i == MMU_UPDATE_BATCH) {
            done += i;
            if (pdone && copy_to_guest(pdone, &done, sizeof(done)))
                return -XEN_EFAULT;
            return hypercall_continue(__HYPERVISOR_mmu_update,
                                      ureqs + i * sizeof(struct mmu_update),
                                      (count - i) | HYPERCALL_PREEMPTED, pdone, foreigndom);
        }
        struct mmu_update req;
        if ((rc = copy_from_guest(&req, ureqs + i * sizeof(req), sizeof(req))))
            break;
        uint32_t cmd = req.ptr & 3;
        uint64_t ptr = req.ptr & ~3ull;
        if (cmd == MMU_NORMAL_PT_UPDATE)
            rc = pt_update(d->domain_id, ptr, (uint32_t)req.val);
        else if (cmd == MMU_MACHPHYS_UPDATE)
            rc = machphys_update(d->domain_id, (uint32_t)(ptr >> PAGE_SHIFT), (uint32_t)req.val);
        else
            rc = -XEN_ENOSYS;
        if (rc) {
            refuse(d, "mmu_update at", (uint32_t)ptr, rc);
            break;
        }
    }
    done += i;
    if (pdone && copy_to_guest(pdone, &done, sizeof(done)))
        return -XEN_EFAULT;
    return rc;
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

/* Continue an mmuext_op batch at op `i`: the ops before it are done. */
static long mmuext_continue(uint32_t uops, uint32_t i, uint32_t count, uint32_t done,
                            uint32_t pdone, uint32_t foreigndom)
{
    done += i;
    if (pdone && copy_to_guest(pdone, &done, sizeof(done)))
        return -XEN_EFAULT;
    return hypercall_continue(__HYPERVISOR_mmuext_op, uops + i * sizeof(struct mmuext_op),
                              (count - i) | HYPERCALL_PREEMPTED, pdone, foreigndom);
}

long do_mmuext_op(uint32_t uops, uint32_t count, uint32_t pdone, uint32_t foreigndom)
{
    struct domain *d = current->domain;
    uint32_t done, i = 0;
    long rc = resume_count(&count, pdone, &done);
    if (rc)
        return rc;
    if (!self_only(foreigndom))
        return -XEN_EPERM;
    for (; i < count; i++) {
        if (i == MMUEXT_BATCH)
            return mmuext_continue(uops, i, count, done, pdone, foreigndom);
        struct mmuext_op op;
        if ((rc = copy_from_guest(&op, uops + i * sizeof(op), sizeof(op))))
            break;
        rc = mmuext_one(d, &op);
        if (rc == MM_RESTART) /* a long pin or unpin, part done: the same op again */
            return mmuext_continue(uops, i, count, done, pdone, foreigndom);
        if (rc) {
            refuse(d, "mmuext_op on", op.arg1.mfn, rc);
            break;
        }
    }
    done += i;
    if (pdone && copy_to_guest(pdone, &done, sizeof(done)))
        return -XEN_EFAULT;
    return rc;
}
