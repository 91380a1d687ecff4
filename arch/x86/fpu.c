/*
 * fpu.c - each vCPU's x87 and MMX registers, switched lazily.
 *
 * The FPU has one set of registers and every domain uses them, so they are
 * part of a vCPU's state as much as %eax is - but saving and restoring 108
 * bytes on every switch is wasted on the many switches where nobody touches
 * the FPU.  So, as Xen and Linux long did, the switch only sets CR0.TS
 * (fpu_switch_to()); the first FPU or MMX instruction the new vCPU executes
 * raises #NM, and only then fpu_device_not_available() saves the registers
 * of their previous owner into its vcpu and loads the current vCPU's.  A vCPU
 * that never used the FPU gets a clean image (fpu_init_image: control word
 * 0x037F, every register empty and zero) - not the previous owner's data,
 * which fninit alone would leave behind in the registers.
 *
 * A guest kernel that switches FPU state lazily between its own processes
 * needs a TS of its own, as Linux does on bare metal; it cannot write CR0
 * from ring 1, so it asks with the fpu_taskswitch hypercall (Xen's, number 5).
 * While the guest's TS is set, CR0.TS stays set whoever owns the registers,
 * and the #NM its next FPU instruction raises is first used by us (the
 * registers are moved to this vCPU if they must be), then bounced to the
 * guest's own #NM handler, with the guest's TS cleared on the way, as Xen
 * does - so the handler need not make a second hypercall to clear it.
 *
 * SSE is not offered: CR4.OSFXSR stays clear, so SSE instructions raise #UD,
 * and fnsave/frstor cover all the state there is.  The hypervisor itself is
 * built with -mgeneral-regs-only and never touches these registers.
 *
 * Tour 11/37 - after arch/x86/i8259.c, before hv/time.c.
 */
#include <lib.h>
#include <hv/entry.h>
#include <hv/fpu.h>
#include <hv/x86.h>

struct vcpu_fpu *fpu_owner; /* whose registers the FPU holds now, or NULL */
int fpu_ts_set;             /* CR0.TS as we last wrote it (reading CR0 costs more) */
static const struct fpu_state fpu_init_image = {.fcw = 0x037F, .ftw = 0xFFFF};

void fpu_init(void)
{
    write_cr0((read_cr0() & ~X86_CR0_EM) | X86_CR0_MP | X86_CR0_NE | X86_CR0_TS);
    fpu_ts_set = 1;
}

void fpu_set_ts(int want_ts)
{
    write_cr0(want_ts ? read_cr0() | X86_CR0_TS : read_cr0() & ~X86_CR0_TS);
    fpu_ts_set = want_ts;
}

/* Make the current vCPU the registers' owner, with its own state in them. */
static void fpu_take(void)
{
    struct vcpu_fpu *me = &current->fpu;
    if (fpu_owner == me)
        return; /* nothing to move: TS was set for someone else's sake */
    if (fpu_owner)
        __asm__ volatile("fnsave %0" : "=m"(fpu_owner->regs));
    const struct fpu_state *img = me->used ? &me->regs : &fpu_init_image;
    __asm__ volatile("frstor %0" ::"m"(*img));
    me->used = 1;
    fpu_owner = me;
    current->domain->counters.fpu_loads++;
    trace(TRC_FPU, current->domain->domain_id, 0);
}

int fpu_device_not_available(void)
{
    clts();
    fpu_ts_set = 0;
    fpu_take();
    if (!current->fpu.guest_ts)
        return 0;
    current->fpu.guest_ts = 0; /* cleared as the fault is delivered, as Xen does */
    return 1;
}

long fpu_taskswitch(int set)
{
    current->fpu.guest_ts = set != 0;
    fpu_switch_to(&current->fpu);
    return 0;
}

void fpu_forget(struct vcpu_fpu *f)
{
    if (fpu_owner == f)
        fpu_owner = NULL; /* its registers stay until the next owner's frstor overwrites them */
}
