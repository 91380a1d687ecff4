/*
 * traps.c - what happens when the CPU enters the hypervisor.
 *
 * do_guest_entry() is called from entry.S for every exception and interrupt
 * that comes from a guest, do_hypervisor_entry() for those that interrupt the
 * hypervisor itself (the hypercall gate calls its handler directly,
 * hv/hypercall.c).  A fault in the hypervisor itself is
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
 * mask travels in bits 16-23 of the saved CS (Xen's convention).  The words
 * are stored straight onto the guest's stack, each store one instruction
 * whose fault goes to `unwritable` (put_guest_u32()), where a copy would
 * first build them here and then set up a string move.
 */
static void __attribute__((noinline)) frame_unwritable(uint32_t sp)
{
    domain_crash(current->domain, "cannot write a trap frame to its kernel stack at %08x", sp);
}

/* Can [top - bytes, top) hold a frame?  guest_range_ok() in one compare (no wrap, below the
 * hypervisor). */
static inline int frame_fits(uint32_t top, uint32_t bytes)
{
    return top - bytes <= HYPERVISOR_VIRT_START - bytes;
}

static inline __attribute__((always_inline)) int
push_bounce_frame(struct cpu_user_regs *regs, uint32_t cs, uint32_t eip, int has_err, uint32_t err)
{
    uint32_t saved_cs = regs->cs | ((uint32_t)current_vcpu_info->evtchn_upcall_mask << 16);
    uint32_t top = regs->esp, bytes = has_err ? 16 : 12;
    if ((saved_cs & 3) == 3) { /* from ring 3: ss:esp first, on the kernel's stack */
        top = current->kernel_sp;
        if (!frame_fits(top, 8))
            goto unwritable;
        put_guest_u32((uint32_t *)top - 1, regs->ss, unwritable);
        put_guest_u32((uint32_t *)top - 2, regs->esp, unwritable);
        regs->ss = current->kernel_ss;
        top -= 8;
    }
    if (!frame_fits(top, bytes))
        goto unwritable;
    put_guest_u32((uint32_t *)top - 1, regs->eflags, unwritable);
    put_guest_u32((uint32_t *)top - 2, saved_cs, unwritable);
    put_guest_u32((uint32_t *)top - 3, regs->eip, unwritable);
    if (has_err)
        put_guest_u32((uint32_t *)top - 4, err, unwritable);
    regs->esp = top - bytes;
    regs->cs = cs;
    regs->eip = eip;
    regs->eflags &= ~(0x100u | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM); /* TF too */
    return 0;
unwritable:
    frame_unwritable(top - bytes);
    return -XEN_EFAULT;
}

int create_bounce_frame(struct cpu_user_regs *regs, uint32_t cs, uint32_t eip)
{
    return push_bounce_frame(regs, cs, eip, 0, 0);
}

/* A guest's fault with no handler registered for it: the domain cannot go on. */
static void __attribute__((noinline)) no_handler(struct cpu_user_regs *regs, unsigned int vector)
{
    domain_crash(current->domain, "%s at eip %08x (error %04x, cr2 %08x) with no handler",
                 vector < 20 ? exception_names[vector] : "trap", regs->eip, regs->error_code,
                 current_vcpu_info->arch.cr2);
}

/* The body of bounce_exception(), inline in the exception path. */
static inline __attribute__((always_inline)) void bounce(struct cpu_user_regs *regs,
                                                         unsigned int vector, int has_error_code)
{
    const struct trap_info *ti = &current->trap_table[vector];
    if (!ti->address)
        return no_handler(regs, vector);
    if (push_bounce_frame(regs, ti->cs, ti->address, has_error_code, regs->error_code))
        return;
    if (TI_GET_IF(ti))
        current_vcpu_info->evtchn_upcall_mask = 1;
    current_counters->bounces++;
}

void bounce_exception(struct cpu_user_regs *regs, unsigned int vector, int has_error_code)
{
    bounce(regs, vector, has_error_code);
}

/* A fault in the hypervisor: a guest access that did not map (its fix-up), else a bug. */
void do_hypervisor_entry(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->entry_vector;
    if (vec >= 32 && vec < 48)
        return do_irq(vec - 32, regs);
    uint32_t fixup = vec < 32 ? search_exception_table(regs->eip) : 0;
    if (!fixup)
        fatal_trap(regs);
    regs->eip = fixup;
}

/*
 * An exception in a guest.  Two are not the guest's own: #NM after a switch
 * (the FPU is moved to this vCPU), and dom0's kernel driving a port it was
 * granted (carried out by ioemul_gp(), asked only when the first byte can
 * begin a port-I/O instruction).  Every other one is bounced.
 */
static inline __attribute__((always_inline)) void guest_exception(struct cpu_user_regs *regs,
                                                                  unsigned int vec)
{
    if (vec == 13 ? ioemul_may_start(regs) && ioemul_gp(regs)
                  : vec == 7 && !fpu_device_not_available())
        return;
    current_counters->exceptions++;
    if (vec == 14)
        current_vcpu_info->arch.cr2 = read_cr2();
    bounce(regs, vec, exception_has_error_code(vec));
}

/*
 * What entry.S calls for an entry from a guest: do_guest_entry, or while the
 * trace runs do_guest_entry_traced.  Swapping the pointer, rather than
 * testing a flag on every entry, keeps the trace's cost at zero instructions
 * when it is off (an indirect call is one instruction, as a direct one is).
 * The frame is always the one at the top of the stack, so neither takes an
 * argument.
 */
void (*entry_handler)(void) = do_guest_entry;

/* counters.hv_entries counts entries here; the sysctl adds the hypercalls (hv/hypercall.c). */
void do_guest_entry(void)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs();
    unsigned int vec = regs->entry_vector;
    current_counters->hv_entries++;
    if (vec == 13) /* a kernel's privileged instruction: the commonest, compiled with 13 known */
        guest_exception(regs, 13);
    else if (vec < 32)
        guest_exception(regs, vec);
    else if (vec < 48)
        do_irq(vec - 32, regs);
    else
        panic("unexpected vector %u", vec);
}

/* Record the entry's cause, exactly where do_guest_entry() counts it, then handle it. */
static void do_guest_entry_traced(void)
{
    unsigned int vec = guest_cpu_user_regs()->entry_vector;
    domid_t d = current->domain->domain_id;
    if (vec < 32 && vec != 7)
        trace_record(TRC_EXCEPTION, d, vec); /* counters.exceptions (#NM: TRC_FPU) */
    else if (vec >= 32 && vec < 48)
        trace_record(TRC_IRQ, d, vec - 32); /* counters.interrupts */
    do_guest_entry();
}

/* Hypercalls do not come here: entry.S calls hypercall_table[], which the trace swaps too. */
void entry_trace(int on)
{
    entry_handler = on ? do_guest_entry_traced : do_guest_entry;
    hypercall_table_set(on);
}
