/*
 * arch.h - what the generic hypervisor (hv/) needs from the x86 layer
 * (arch/x86/): descriptor tables, traps, the devices it drives itself, and the
 * exit paths to guests.
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <public/xen.h>
#include <hv/config.h>
#include <hv/io_decode.h>
#include <hv/uregs.h>

struct vcpu;

/* desc.c */
void desc_init(void);
struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));
extern struct tss tss;
extern uint64_t idt[256];
/* The ring-1 stack alone: the stack_switch hypercall. */
static inline void tss_set_ring1_stack(uint32_t ss, uint32_t esp)
{
    tss.ss1 = ss;
    tss.esp1 = esp;
}
/* A vCPU's ring-1 stack and int $0x80 gate (made when its trap table last changed, not here),
 * inline in the switch (hv/sched.c: two a round trip between domains), where a call cost as
 * much as the four stores. */
static inline void desc_load_ring1(uint32_t ss, uint32_t sp, uint64_t syscall_gate)
{
    tss_set_ring1_stack(ss, sp);
    idt[0x80] = syscall_gate;
}
void desc_trap_table_changed(struct vcpu *v); /* remake v's int $0x80 gate, load it */
void pic_mask(unsigned int irq);
/* ioemul.c: no guest has an I/O bitmap; dom0's kernel's port I/O is carried out on its #GP. */
void ioport_allow(uint32_t first, uint32_t nr); /* dom0 may use ports [first, first+nr) */
int ioemul_gp(struct cpu_user_regs *regs);      /* 1 if it was such an I/O instruction */

/* traps.c: entry.S calls one of the first two for every exception and interrupt */
void do_guest_entry(void); /* from a guest: its frame is guest_cpu_user_regs() */
void do_hypervisor_entry(struct cpu_user_regs *regs); /* the hypervisor interrupted */
void entry_trace(int on); /* record every entry's cause in the trace (hv/trace.c) */
void bounce_exception(struct cpu_user_regs *regs, unsigned int vector, int has_error_code);
/* An exception-like frame with no error code (an event upcall's): 0, or -XEN_EFAULT. */
int create_bounce_frame(struct cpu_user_regs *regs, uint32_t cs, uint32_t eip);
extern const char *const exception_names[20];

/* hv_mappings.c */
extern uint32_t idle_pg_table[1024];
void paging_init(void);
uint32_t idle_pg_table_maddr(void);
/* Its frame page and its domain's windows, its CR3, and its guest root for the trampoline (at a
 * switch, and at MMUEXT_NEW_BASEPTR, where the pages are already v's).  v comes in %eax: a
 * switch's call, which the instruments count CR3 loads by, then saves no register for it. */
void __attribute__((regparm(1))) load_guest_pagetable(struct vcpu *v);
void load_idle_pagetable(void); /* with entry.S's own frame page and no windows */
int guest_root_alloc(struct vcpu *v);
void guest_root_free(struct vcpu *v);
/* Slot idx of directory l2_mfn changed: v's guest root follows if it copies l2_mfn. */
void guest_root_sync(struct vcpu *v, uint32_t l2_mfn, unsigned int idx);
/* A page of a vCPU's that the entry area maps for it while it runs: writable, and marked
 * accessed and dirty already, so the CPU never writes the PTE back. */
static inline uint32_t entry_page_pte(uint32_t mfn)
{
    return (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
}
#define __va(pa) ((void *)((uint32_t)(pa) + HV_VIRT_START))
#define __pa(va) ((uint32_t)(va)-HV_VIRT_START)

/* serial.c */
void serial_init(void);
void serial_putc(char c);
void serial_irq(void);

/* i8259.c and pit.c */
void pic_init(void);
void pic_unmask(unsigned int irq);
void pic_eoi(unsigned int irq);
void pit_init(unsigned int hz);
uint64_t calibrate_tsc_hz(void);

/* power.c */
void machine_power_off(void) __attribute__((noreturn));
void machine_exit(int code) __attribute__((noreturn)); /* isa-debug-exit, then power off */

/* entry.S */
void tramp_entry(void); /* the hypercall gate's target, for the IDT (desc.c) */
void reset_stack_and_jump(void (*fn)(void)) __attribute__((noreturn));
void return_to_guest(void) __attribute__((noreturn));
size_t copy_guest(void *dst, const void *src, size_t n);
extern char hv_stack[], hv_stack_top[];

static inline struct cpu_user_regs *guest_cpu_user_regs(void)
{
    /* via an integer so the compiler does not treat hv_stack_top as a bounded array */
    return (struct cpu_user_regs *)((uint32_t)hv_stack_top - sizeof(struct cpu_user_regs));
}
static inline int guest_mode(const struct cpu_user_regs *r)
{
    return (r->cs & 3) != 0;
}

/*
 * One instruction each way between the hypervisor and a guest address, with
 * an entry in the exception table (as copy_guest()'s).  put_guest_u32() and
 * put_guest_u16() are one store and get_guest_u32() and get_guest_u8() one
 * load each, and one that faults goes on at the C label `fault` (the table's
 * fix-up is that label, so nothing needs a flag to test).  The caller checks
 * that the address lies below the hypervisor (guest_range_ok()).
 */
#define put_guest_sized(mov, type, dst, val, fault)                                                \
    __asm__ goto("1: " mov " %1, %0\n"                                                             \
                 ".pushsection .ex_table, \"a\"\n"                                                 \
                 ".long 1b, %l[" #fault "]\n"                                                      \
                 ".popsection"                                                                     \
                 : "=m"(*(type *)(dst))                                                            \
                 : "ri"((type)(val))                                                               \
                 :                                                                                 \
                 : fault)
#define put_guest_u32(dst, val, fault) put_guest_sized("movl", uint32_t, dst, val, fault)
#define put_guest_u16(dst, val, fault) put_guest_sized("movw", uint16_t, dst, val, fault)
#define get_guest_u32(val, src, fault)                                                             \
    __asm__ goto("1: movl %1, %0\n"                                                                \
                 ".pushsection .ex_table, \"a\"\n"                                                 \
                 ".long 1b, %l[" #fault "]\n"                                                      \
                 ".popsection"                                                                     \
                 : "=r"(val)                                                                       \
                 : "m"(*(const uint32_t *)(src))                                                   \
                 :                                                                                 \
                 : fault)
#define get_guest_u8(val, src, fault)                                                              \
    __asm__ goto("1: movzbl %1, %0\n"                                                              \
                 ".pushsection .ex_table, \"a\"\n"                                                 \
                 ".long 1b, %l[" #fault "]\n"                                                      \
                 ".popsection"                                                                     \
                 : "=r"(val)                                                                       \
                 : "m"(*(const uint8_t *)(src))                                                    \
                 :                                                                                 \
                 : fault)

/*
 * Could a #GP be dom0's kernel's port I/O (ioemul.c)?  Its error code is 0, it
 * comes from ring 1, and its first byte can begin a port-I/O instruction.  Most
 * #GPs stop at the first test that fails, and ioemul_gp() is not called.
 */
static inline int ioemul_may_start(const struct cpu_user_regs *r)
{
    uint32_t first;
    if (r->error_code != 0 || (r->cs & 3) != 1 || r->eip >= HYPERVISOR_VIRT_START)
        return 0;
    get_guest_u8(first, r->eip, unmapped);
    return io_insn_may_start(first);
unmapped:
    return 0;
}

#endif
