/*
 * desc.c - the native descriptor tables: the GDT, the TSS and the IDT that
 * the pvlab hypervisor keeps for a PV minios (arch/x86/desc.c), kept here by
 * minios itself.
 *
 * The GDT puts its four flat segments at the indices Xen uses for the guest
 * (259-262), so the user selectors are the very numbers a PV minios uses
 * (FLAT_USER_CS 0x082b, FLAT_USER_DS 0x0833) and proc.c builds the same
 * frames in both modes; only the kernel's run in ring 0 (0x0818, 0x0820)
 * instead of ring 1.  The TSS holds the one thing the CPU needs from it:
 * where a trap from ring 3 finds its stack (ss0:esp0), which PV minios sets
 * with stack_switch and native minios writes here (native_set_kernel_stack).
 *
 * The IDT is filled from the same trap table a PV minios hands to
 * set_trap_table (traps.c), plus the gates the hypervisor would otherwise
 * own: the PIC's IRQs, the event kick and a catcher for stray hypercalls
 * (entry.S).  Exceptions are trap gates, so the interrupt flag is left as it
 * was, as a PV bounce leaves the event mask; the page fault goes through
 * native_pf_entry, which copies CR2 to where the handler reads it.
 *
 * Tour 8/58 - after arch/native/native_ops.c, before arch/native/irq.c.
 */
#include <entry.h>
#include "native.h"

#define GDT_ENTRIES 264
#define IDX_KCODE   259
#define IDX_KDATA   260
#define IDX_UCODE   261
#define IDX_UDATA   262
#define IDX_TSS     263
#define GATE_INTR   0xE
#define GATE_TRAP   0xF

struct tss {
    uint16_t link, r0;
    uint32_t esp0;
    uint16_t ss0, r1;
    uint32_t unused[22];
    uint16_t trap, iomap_base;
} __attribute__((packed));

struct desc_ptr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));
static uint64_t idt[256] __attribute__((aligned(8)));
static struct tss tss;
uint32_t *native_cr2_slot;  /* vcpu_info's cr2, written by native_pf_entry */
uint32_t native_pf_handler; /* the trap table's page-fault entry */

static void (*const irq_entries[NR_IRQS])(void) = {
    native_irq_0,  native_irq_1,  native_irq_2,  native_irq_3, native_irq_4,  native_irq_5,
    native_irq_6,  native_irq_7,  native_irq_8,  native_irq_9, native_irq_10, native_irq_11,
    native_irq_12, native_irq_13, native_irq_14, native_irq_15};

/* A segment descriptor: base, limit in 4 KiB units when `gran`, access byte. */
static uint64_t segment(uint32_t base, uint32_t limit, uint8_t access, int gran)
{
    uint64_t d = (limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16);
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xF) << 48;
    d |= (uint64_t)(gran ? 0xC : 0x0) << 52; /* 4 KiB granularity, 32-bit */
    d |= (uint64_t)(base >> 24) << 56;
    return d;
}

/* An IDT gate to handler in the kernel's code segment. */
static void set_gate(unsigned int vector, void *handler, unsigned int type, unsigned int dpl)
{
    uint32_t a = (uint32_t)handler;
    idt[vector] = (a & 0xFFFF) | ((uint64_t)NATIVE_KERNEL_CS << 16) |
                  ((uint64_t)(0x80 | (dpl << 5) | type) << 40) | ((uint64_t)(a >> 16) << 48);
}

/* Load the GDT and reload every segment register from it; then the TSS. */
static void load_gdt(void)
{
    struct desc_ptr p = {sizeof(gdt) - 1, (uint32_t)gdt};
    __asm__ volatile("lgdt %0\n"
                     "ljmp %1, $1f\n"
                     "1: movl %2, %%eax\n"
                     "movl %%eax, %%ds\n"
                     "movl %%eax, %%es\n"
                     "movl %%eax, %%fs\n"
                     "movl %%eax, %%gs\n"
                     "movl %%eax, %%ss\n"
                     :
                     : "m"(p), "i"(NATIVE_KERNEL_CS), "i"(NATIVE_KERNEL_DS)
                     : "eax", "memory");
    __asm__ volatile("ltr %w0" ::"r"(NATIVE_TSS_SEL));
}

/* GDT, TSS and an IDT with the gates the trap table does not name. */
void desc_init(void)
{
    gdt[IDX_KCODE] = segment(0, 0xFFFFF, 0x9A, 1); /* present, ring 0, code */
    gdt[IDX_KDATA] = segment(0, 0xFFFFF, 0x92, 1);
    gdt[IDX_UCODE] = segment(0, 0xFFFFF, 0xFA, 1); /* ring 3 */
    gdt[IDX_UDATA] = segment(0, 0xFFFFF, 0xF2, 1);
    tss.ss0 = NATIVE_KERNEL_DS;
    tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 reaches no port */
    gdt[IDX_TSS] = segment((uint32_t)&tss, sizeof(tss) - 1, 0x89, 0);
    load_gdt();
    for (unsigned int i = 0; i < NR_IRQS; i++)
        set_gate(VECTOR_IRQ0 + i, irq_entries[i], GATE_INTR, 0);
    set_gate(VECTOR_KICK, native_kick_entry, GATE_INTR, 0);
    set_gate(VECTOR_STRAY, native_stray_entry, GATE_INTR, 0);
    struct desc_ptr p = {sizeof(idt) - 1, (uint32_t)idt};
    __asm__ volatile("lidt %0" ::"m"(p));
}

/* set_trap_table's native twin: one gate per entry, until the all-zero one. */
int native_set_trap_table(const struct trap_info *t)
{
    for (; t->address; t++) {
        unsigned int dpl = t->flags & 3;
        if (t->vector == 14) {
            native_pf_handler = t->address;
            set_gate(14, native_pf_entry, GATE_INTR, dpl);
        } else {
            set_gate(t->vector, (void *)t->address, GATE_TRAP, dpl);
        }
    }
    return 0;
}

/* stack_switch's native twin: the stack a trap from ring 3 lands on. */
int native_set_kernel_stack(uint32_t esp)
{
    tss.esp0 = esp;
    return 0;
}
