/*
 * traps.c - what happens when the CPU enters the hypervisor.
 *
 * do_entry() is called from entry.S for every exception and interrupt (the
 * hypercall gate calls its handler directly, hv/hypercall.c).  A fault in the hypervisor itself is
 * either expected (a guest pointer that did not map, recovered through the exception table) or a
 * bug, which stops the machine with a register dump.  A fault in a guest is never the hypervisor's
 * problem: it is bounced to the handler the guest registered with set_trap_table, by building on
 * the guest's own stack the frame the CPU would have built had the guest's handler been in the IDT.
 * A guest with no handler for its fault is crashed, with the reason logged.
 *
 * Tour 23/37 - after arch/x86/entry.S, before arch/x86/ioemul.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <hv/arch.h>
#include <hv/entry.h>
#include <hv/fpu.h>
#include <hv/guest_access.h>
#include <hv/x86.h>

const char *const exception_names[20] = {"#DE divide error",
                                         "#DB debug",
                                         "NMI",
                                         "#BP breakpoint",
                                         "#OF overflow",
                                         "#BR bound range",
                                         "#UD invalid opcode",
                                         "#NM device not available",
                                         "#DF double fault",
                                         "coprocessor overrun",
                                         "#TS invalid TSS",
                                         "#NP segment not present",
                                         "#SS stack fault",
                                         "#GP general protection",
                                         "#PF page fault",
                                         "reserved",
                                         "#MF x87 error",
                                         "#AC alignment check",
                                         "#MC machine check",
                                         "#XM SIMD error"};

static int exception_has_error_code(unsigned int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

struct ex_entry {
    uint32_t insn, fixup;
};
extern const struct ex_entry __start_ex_table[], __stop_ex_table[];

static uint32_t search_exception_table(uint32_t eip)
{
    for (const struct ex_entry *e = __start_ex_table; e < __stop_ex_table; e++)
        if (e->insn == eip)
            return e->fixup;
    return 0;
}

static void __attribute__((noreturn)) fatal_trap(struct cpu_user_regs *r)
{
    unsigned int v = r->entry_vector;
    printk("\n*** HYPERVISOR BUG: %s in ring 0 ***\n", v < 20 ? exception_names[v] : "trap");
    printk("eip %08x  error %04x  cr2 %08x  cr3 %08x  eflags %08x\n", r->eip, r->error_code,
           read_cr2(), read_cr3(), r->eflags);
    printk("eax %08x ebx %08x ecx %08x edx %08x\n", r->eax, r->ebx, r->ecx, r->edx);
    printk("esi %08x edi %08x ebp %08x esp %08x\n", r->esi, r->edi, r->ebp,
           (uint32_t)r + 44); /* a ring-0 trap pushes no esp: the frame ends at eflags */
    panic("fatal trap %u in the hypervisor", v);
}

/*
 * Push a trap frame on the guest's ring-1 stack and point the guest at
 * cs:eip.  From ring 3 we switch to the kernel stack registered with
 * stack_switch and push ss:esp as well, like the CPU does.  The saved upcall
 * mask travels in bits 16-23 of the saved CS (Xen's convention).
 */
int create_bounce_frame(struct cpu_user_regs *regs, uint32_t cs, uint32_t eip, int has_err,
                        uint32_t err)
{
    struct vcpu *v = current;
    uint32_t words[6], *w = words + 6; /* filled from the top down, as the CPU pushes */
    uint32_t sp = regs->esp, ss = regs->ss;
    if ((regs->cs & 3) == 3) {
        sp = v->kernel_sp;
        ss = v->kernel_ss;
        *--w = regs->ss;
        *--w = regs->esp;
    }
    *--w = regs->eflags;
    *--w = regs->cs | ((uint32_t)current_vcpu_info->evtchn_upcall_mask << 16);
    *--w = regs->eip;
    if (has_err)
        *--w = err;
    uint32_t bytes = (uint32_t)(words + 6 - w) * 4;
    sp -= bytes;
    if (copy_to_guest(sp, w, bytes)) {
        domain_crash(v->domain, "cannot write a trap frame to its kernel stack at %08x", sp);
        return -XEN_EFAULT;
    }
    regs->esp = sp;
    regs->ss = ss;
    regs->cs = cs;
    regs->eip = eip;
    regs->eflags &= ~(0x100u | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM); /* TF too */
    return 0;
}

void bounce_exception(struct cpu_user_regs *regs, unsigned int vector, int has_error_code)
{
    struct vcpu *v = current;
    const struct trap_info *ti = &v->trap_table[vector];
    if (!ti->address) {
        domain_crash(v->domain, "%s at eip %08x (error %04x, cr2 %08x) with no handler",
                     vector < 20 ? exception_names[vector] : "trap", regs->eip, regs->error_code,
                     vcpu_info(v)->arch.cr2);
        return;
    }
    if (create_bounce_frame(regs, ti->cs, ti->address, has_error_code, regs->error_code))
        return;
    if (TI_GET_IF(ti))
        current_vcpu_info->evtchn_upcall_mask = 1;
    v->domain->counters.bounces++;
}

static void do_exception(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->entry_vector;
    if (!guest_mode(regs)) {
        uint32_t fixup = search_exception_table(regs->eip);
        if (!fixup)
            fatal_trap(regs);
        regs->eip = fixup;
        return;
    }
    if (vec == 7 && !fpu_device_not_available())
        return; /* #NM: the vCPU's first FPU instruction since a switch; the guest's own TS
                 * (fpu_taskswitch) makes it the guest's as well, bounced below */
    if (vec == 13 && ioemul_gp(regs))
        return; /* dom0's kernel driving a port it was granted (arch/x86/ioemul.c) */
    current->domain->counters.exceptions++;
    if (vec == 14)
        current_vcpu_info->arch.cr2 = read_cr2();
    bounce_exception(regs, vec, exception_has_error_code(vec));
}

/*
 * What entry.S calls for every entry: do_entry, or while the trace runs
 * do_entry_traced.  Swapping the pointer, rather than testing a flag on every
 * entry, keeps the trace's cost at zero instructions when it is off (an
 * indirect call is one instruction, as a direct one is).
 */
void (*entry_handler)(struct cpu_user_regs *regs) = do_entry;

/* Record the entry's cause, exactly where do_entry() counts it, then handle it. */
static void do_entry_traced(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->entry_vector;
    if (guest_mode(regs)) {
        domid_t d = current->domain->domain_id;
        if (vec < 32 && vec != 7)
            trace_record(TRC_EXCEPTION, d, vec); /* counters.exceptions (#NM: TRC_FPU) */
        else if (vec >= 32 && vec < 48)
            trace_record(TRC_IRQ, d, vec - 32); /* counters.interrupts */
    }
    do_entry(regs);
}

/* Hypercalls do not come here: entry.S calls hypercall_table[], which the trace swaps too. */
void entry_trace(int on)
{
    entry_handler = on ? do_entry_traced : do_entry;
    hypercall_table_set(on);
}

/* counters.hv_entries counts entries here; the sysctl adds the hypercalls (hv/hypercall.c). */
void do_entry(struct cpu_user_regs *regs)
{
    if (guest_mode(regs))
        current->domain->counters.hv_entries++;
    unsigned int vec = regs->entry_vector;
    if (vec < 32)
        do_exception(regs);
    else if (vec < 48)
        do_irq(vec - 32, regs);
    else
        panic("unexpected vector %u", vec);
}
