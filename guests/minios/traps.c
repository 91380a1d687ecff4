/*
 * traps.c - minios's exception handlers.
 *
 * trap_init() registers one stub per exception with set_trap_table, plus the
 * int $0x80 system-call gate (DPL 3) that the hypervisor installs directly in
 * the IDT.  do_trap() gives an installed hook the first chance (tests and the
 * benchmarks use these), then hands a fault from ring 3 to the process layer
 * (user_trap_hook: the process is killed, the kernel carries on), then handles
 * page faults that probe_read() expected, and otherwise reports the fault and
 * crashes the domain.  do_syscall() passes an int $0x80 to syscall_hook.
 *
 * Tour 13/58 - after arch/native/serial.c, before entry.S.
 */
#include <entry.h>
#include <os.h>

static const char *const names[20] = {"divide error",
                                      "debug",
                                      "NMI",
                                      "int3",
                                      "overflow",
                                      "bounds",
                                      "invalid opcode",
                                      "device not available",
                                      "double fault",
                                      "coprocessor segment overrun",
                                      "invalid TSS",
                                      "segment not present",
                                      "stack segment",
                                      "general protection",
                                      "page fault",
                                      "reserved",
                                      "x87 error",
                                      "alignment check",
                                      "machine check",
                                      "SIMD error"};

#define T(v, dpl, fn)                                                                              \
    {                                                                                              \
        v, dpl, FLAT_KERNEL_CS, (uint32_t)fn                                                       \
    }
static const struct trap_info trap_table[] = {
    T(0, 0, trap_0),   T(1, 0, trap_1),           T(3, 3, trap_3),   T(4, 3, trap_4),
    T(5, 3, trap_5),   T(6, 0, trap_6),           T(7, 0, trap_7),   T(9, 0, trap_9),
    T(10, 0, trap_10), T(11, 0, trap_11),         T(12, 0, trap_12), T(13, 0, trap_13),
    T(14, 0, trap_14), T(16, 0, trap_16),         T(17, 0, trap_17), T(18, 0, trap_18),
    T(19, 0, trap_19), T(0x80, 3, syscall_entry), {0, 0, 0, 0}};

static trap_hook_t hooks[20];
int (*user_trap_hook)(struct trap_frame *f, uint32_t cr2);
void (*syscall_hook)(struct trap_frame *f);
void (*user_preempt_hook)(void);
volatile uint32_t page_faults_handled;
volatile uint32_t last_fault_vector, faults_fixed_up;

void trap_init(void)
{
    if (machine.set_trap_table(trap_table))
        crash("set_trap_table refused");
}

void set_trap_hook(unsigned int vector, trap_hook_t hook)
{
    hooks[vector] = hook;
}

/* probe_read: a load whose fault, if any, resumes at the fixup label. */
int probe_read(uint32_t addr, uint32_t *val)
{
    int failed = 0;
    __asm__ volatile("1: movl (%2), %0\n"
                     "2:\n"
                     ".pushsection .ex_table, \"a\"\n"
                     ".long 1b, 3f\n"
                     ".popsection\n"
                     ".pushsection .text.fixup, \"ax\"\n"
                     "3: movl $1, %1\n"
                     "   jmp 2b\n"
                     ".popsection\n"
                     : "=r"(*val), "+r"(failed)
                     : "r"(addr));
    return failed ? -1 : 0;
}

struct ex_entry {
    uint32_t insn, fixup;
};
extern const struct ex_entry __start_ex_table[], __stop_ex_table[];

static int fixup(struct trap_frame *f)
{
    for (const struct ex_entry *e = __start_ex_table; e < __stop_ex_table; e++)
        if (e->insn == f->eip) {
            f->eip = e->fixup;
            return 1;
        }
    return 0;
}

/* What do_trap() does when no hook took the fault. */
static void __attribute__((noinline)) unhooked_trap(struct trap_frame *f)
{
    unsigned int v = f->vector;
    /* (a fault before events_init() has mapped shared_info has no CR2 to show) */
    uint32_t cr2 = HYPERVISOR_shared_info ? HYPERVISOR_shared_info->vcpu_info[0].arch.cr2 : 0;
    if ((f->cs & 3) == 3 && user_trap_hook && user_trap_hook(f, cr2))
        return;
    if (fixup(f)) {
        last_fault_vector = v;
        faults_fixed_up++;
        if (v == 14) {
            page_faults_handled++;
            printf("minios: page fault at %08x (error %x), recovered\n", cr2, f->error_code);
        }
        return;
    }
    printf("minios: %s at eip %08x, error %x", v < 20 ? names[v] : "trap", f->eip, f->error_code);
    if (v == 14)
        printf(", address %08x", cr2);
    printf("\n");
    crash("unhandled exception");
}

/* A hook first, with no frame pointer: the benchmarks' faults end there.  entry.S passes the
 * frame in %eax (regparm), where a pushed argument would cost a push and a pop. */
void LEAN __attribute__((regparm(1))) do_trap(struct trap_frame *f)
{
    trap_hook_t hook = f->vector < 20 ? hooks[f->vector] : NULL;
    if (!hook || !hook(f))
        unhooked_trap(f);
}

/* An int $0x80 other than the null one: the process layer answers in f->eax. */
void do_syscall(struct trap_frame *f)
{
    if (syscall_hook)
        syscall_hook(f);
    else
        f->eax = (uint32_t)-XEN_ENOSYS;
}

/* Nomenclature for a vector, for fault reports. */
const char *trap_name(unsigned int vector)
{
    return vector < 20 ? names[vector] : "trap";
}
