/*
 * desc.c - the descriptor tables: one GDT, one IDT and one TSS for the CPU.
 *
 * The GDT's reserved area (from entry 0x100) holds the hypervisor's flat
 * ring-0 segments and the guests' ring-1 and ring-3 segments, whose limits
 * stop at 0xFBFFFFFF: a guest kernel runs in ring 1, which paging treats as
 * supervisor, so it is the segment limit that keeps it out of the hypervisor.
 *
 * The IDT sends exceptions and interrupts to entry.S.  The hypercall gate
 * (0x82) may be raised from ring 1 only; int3 and into from any ring (they are
 * bounced to the guest).  Vector 0x80 belongs to the running guest: it points
 * straight at the guest's own system-call handler in ring 1, so a system call
 * never enters the hypervisor; every switch rewrites it (desc_load_ring1(), inline in
 * include/hv/arch.h), with the descriptor desc_trap_table_changed made from the guest's
 * trap table.
 *
 * Tour 8/37 - after arch/x86/hv_mappings.c, before hv/frame_alloc.c.
 */
#include <lib.h>
#include <hv/arch.h>
#include <hv/entry.h>

/*
 * The TSS has no I/O permission bitmap (iomap_base points past its limit) and
 * guests run with IOPL 0, so no guest in any ring may use a port: each
 * `in`/`out` raises #GP.  The hardware would check ring 1 and ring 3 against
 * one bitmap, which would give dom0's processes its kernel's ports; instead
 * arch/x86/ioemul.c carries out the instructions of dom0's kernel alone.
 */
/* Beyond the TSS limit: no I/O bitmap, so every guest in/out faults (arch/x86/ioemul.c). */
#define IOMAP_NONE 0xFFFF

#define GDT_ENTRIES 0x108
#define TSS_SEL     0x0838

/*
 * The tables live in the entry area (hv.lds.S), where the guest root maps them
 * read-only: a guest must never be able to write a descriptor.  Because the
 * CPU may not write them either while a guest runs, every code and data
 * descriptor is created with its "accessed" bit already set.
 */
#define ENTRY_DATA __attribute__((section(".entry.data")))
static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8))) ENTRY_DATA;
uint64_t idt[256] __attribute__((aligned(8))) ENTRY_DATA; /* a switch loads idt[0x80] (arch.h) */
struct tss tss ENTRY_DATA;                                /* ... and the ring-1 stack */

struct desc_ptr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/* Segment descriptors: base 0; limit in 4 KiB pages; access byte = P | DPL | S | type | A. */
static uint64_t seg_desc(uint32_t limit_pages, uint8_t access)
{
    return (uint64_t)(limit_pages & 0xFFFF) | ((uint64_t)access << 40) |
           ((uint64_t)(0xC0 | ((limit_pages >> 16) & 0xF)) << 48);
}

static uint64_t gate_desc(void (*handler)(void), uint16_t sel, int dpl, int trap)
{
    uint32_t off = (uint32_t)handler;
    uint8_t type = 0x80 | (dpl << 5) | (trap ? 0xF : 0xE);
    return (uint64_t)(off & 0xFFFF) | ((uint64_t)sel << 16) | ((uint64_t)type << 40) |
           ((uint64_t)(off >> 16) << 48);
}

static void setup_gdt(void)
{
    const uint32_t guest_limit = (HYPERVISOR_VIRT_START >> 12) - 1; /* 0xFBFFF pages */
    gdt[__HYPERVISOR_CS >> 3] = seg_desc(0xFFFFF, 0x9B);
    gdt[__HYPERVISOR_DS >> 3] = seg_desc(0xFFFFF, 0x93);
    gdt[FLAT_RING1_CS >> 3] = seg_desc(guest_limit, 0xBB);
    gdt[FLAT_RING1_DS >> 3] = seg_desc(guest_limit, 0xB3);
    gdt[FLAT_RING3_CS >> 3] = seg_desc(guest_limit, 0xFB);
    gdt[FLAT_RING3_DS >> 3] = seg_desc(guest_limit, 0xF3);
    uint32_t base = (uint32_t)&tss, limit = sizeof(tss) - 1;
    gdt[TSS_SEL >> 3] = (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
                        ((uint64_t)0x89 << 40) | ((uint64_t)(base >> 24) << 56);

    struct desc_ptr p = {sizeof(gdt) - 1, (uint32_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "mov %2, %%ds\n\t"
                     "mov %2, %%es\n\t"
                     "mov %2, %%ss\n\t"
                     "mov %3, %%fs\n\t"
                     "mov %3, %%gs"
                     :
                     : "m"(p), "i"(__HYPERVISOR_CS), "r"(__HYPERVISOR_DS), "r"(0)
                     : "memory");
}

extern void vector_0(void), vector_1(void), vector_2(void), vector_3(void), vector_4(void),
    vector_5(void), vector_6(void), vector_7(void), vector_8(void), vector_9(void), vector_10(void),
    vector_11(void), vector_12(void), vector_13(void), vector_14(void), vector_15(void),
    vector_16(void), vector_17(void), vector_18(void), vector_19(void), vector_32(void),
    vector_33(void), vector_34(void), vector_35(void), vector_36(void), vector_37(void),
    vector_38(void), vector_39(void), vector_40(void), vector_41(void), vector_42(void),
    vector_43(void), vector_44(void), vector_45(void), vector_46(void), vector_47(void);

static void (*const exception_stubs[20])(void) = {
    vector_0,  vector_1,  vector_2,  vector_3,  vector_4,  vector_5,  vector_6,
    vector_7,  vector_8,  vector_9,  vector_10, vector_11, vector_12, vector_13,
    vector_14, vector_15, vector_16, vector_17, vector_18, vector_19};
static void (*const irq_stubs[16])(void) = {
    vector_32, vector_33, vector_34, vector_35, vector_36, vector_37, vector_38, vector_39,
    vector_40, vector_41, vector_42, vector_43, vector_44, vector_45, vector_46, vector_47};

static void setup_idt(void)
{
    for (int i = 0; i < 20; i++) {
        int dpl = (i == 3 || i == 4) ? 3 : 0; /* int3 and into may be used by guests */
        idt[i] = gate_desc(exception_stubs[i], __HYPERVISOR_CS, dpl, 0);
    }
    for (int i = 0; i < 16; i++)
        idt[0x20 + i] = gate_desc(irq_stubs[i], __HYPERVISOR_CS, 0, 0);
    idt[HYPERCALL_VECTOR] = gate_desc(tramp_entry, __HYPERVISOR_CS, 1, 0);
    struct desc_ptr p = {sizeof(idt) - 1, (uint32_t)idt};
    __asm__ volatile("lidt %0" ::"m"(p));
}

static void setup_tss(void)
{
    tss.ss0 = __HYPERVISOR_DS;
    tss.esp0 = (uint32_t)hv_stack_top - 16; /* the guest frame (entry.S), but es/ds/fs/gs */
    tss.ss1 = FLAT_RING1_DS;
    tss.iomap_base = IOMAP_NONE;
    __asm__ volatile("ltr %w0" ::"r"(TSS_SEL));
}

void desc_init(void)
{
    setup_gdt();
    setup_idt();
    setup_tss();
}

void desc_trap_table_changed(struct vcpu *v)
{
    const struct trap_info *ti = &v->trap_table[0x80];
    v->syscall_gate =
        ti->address ? gate_desc((void (*)(void))ti->address, FLAT_RING1_CS, TI_GET_DPL(ti), 1) : 0;
    desc_load_ring1(v->kernel_ss, v->kernel_sp, v->syscall_gate);
}
