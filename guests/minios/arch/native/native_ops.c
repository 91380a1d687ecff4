/*
 * native_ops.c - the operations table on the bare machine: each entry is the
 * privileged instruction (or the few stores) that the PV table's hypercall
 * asks the hypervisor to perform after checking it (arch/pv/pv_ops.c).
 *
 * Page tables are ordinary memory in ring 0: update_va_mapping finds the L1
 * through CR3 and writes the entry, then invlpg; a page-directory entry is
 * one store and a TLB flush; pinning, the hypervisor's promise that a page
 * stays a valid page table, means nothing here.  A process switch's CR3
 * load is `mov %cr3` (counted in native_cr3_loads for the benchmarks).  The
 * ports are ours (ring 0 ignores the I/O bitmap), and an IRQ's end of
 * interrupt went to the PIC on entry (irq.c).  Power off is QEMU's ACPI S5
 * (0x2000 to port 0x604, exit status 0); a crash writes to the
 * isa-debug-exit port when there is one (exit status 3, as a crashed dom0),
 * then stops the CPU.
 *
 * Tour 7/58 - after arch/native/start.c, before arch/native/desc.c.
 */
#include "native.h"

#define ACPI_PM1A_CNT 0x604
#define ACPI_S5       0x2000
#define DEBUG_EXIT    0xF4
#define PTE_PRESENT   _PAGE_PRESENT

uint32_t native_cr3_loads, native_counter_reads;

static inline uint32_t read_cr3(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr3, %0" : "=r"(v));
    return v;
}

static inline void flush_tlb(void)
{
    __asm__ volatile("movl %%cr3, %%eax; movl %%eax, %%cr3" ::: "eax", "memory");
}

/* Write the PTE of va in the address space in CR3; flush as asked. */
static int native_update_va_mapping(uint32_t va, uint32_t pte, uint32_t flags)
{
    const uint32_t *l2 = maddr_to_virt(read_cr3() & ~(PAGE_SIZE - 1));
    uint32_t pde = l2[va >> 22];
    if (!(pde & PTE_PRESENT))
        return -XEN_EINVAL;
    uint32_t *l1 = maddr_to_virt(pde & ~(PAGE_SIZE - 1));
    l1[(va >> PAGE_SHIFT) & 1023] = pte;
    if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG)
        __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
    else if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_TLB_FLUSH)
        flush_tlb();
    return 0;
}

/* One store into a page directory, wherever it is; the TLB may hold the old entry. */
static int native_set_pde(uint32_t pde_maddr, uint32_t val)
{
    *(volatile uint32_t *)maddr_to_virt(pde_maddr) = val;
    flush_tlb();
    return 0;
}

/* Nobody to promise anything to. */
static int native_pin(uint32_t l2_mfn)
{
    return 0;
}

static int native_load_cr3(uint32_t l2_mfn)
{
    __asm__ volatile("movl %0, %%cr3" ::"r"(l2_mfn << PAGE_SHIFT) : "memory");
    native_cr3_loads++;
    return 0;
}

/* End of interrupt was sent to the PIC when the IRQ came in. */
static void native_irq_done(uint32_t irq) {}

static int native_grant_ioports(uint16_t first, uint16_t nr)
{
    return 0; /* ring 0 reaches every port */
}

static void __attribute__((noreturn)) native_shutdown(unsigned int reason)
{
    if (reason == SHUTDOWN_poweroff) {
        printf("minios: shut down: poweroff (native: ACPI S5 through port 0x%x)\n", ACPI_PM1A_CNT);
        outw(ACPI_PM1A_CNT, ACPI_S5);
    } else {
        printf("minios: shut down: crash (native: isa-debug-exit, then the CPU stops)\n");
        outb(DEBUG_EXIT, 1);
    }
    for (;;)
        __asm__ volatile("cli; hlt");
}

const struct machine_ops native_ops = {
    .name = "native",
    .update_va_mapping = native_update_va_mapping,
    .set_pde = native_set_pde,
    .pin_l2 = native_pin,
    .unpin_l2 = native_pin,
    .load_cr3 = native_load_cr3,
    .set_trap_table = native_set_trap_table,
    .set_kernel_stack = native_set_kernel_stack,
    .events_init = native_events_init,
    .kick_events = native_kick_events,
    .block = native_block,
    .bind_virq = native_bind_virq,
    .bind_pirq = native_bind_pirq,
    .unmask_port = native_unmask_port,
    .irq_done = native_irq_done,
    .grant_ioports = native_grant_ioports,
    .time_init = native_time_init,
    .console_write = serial_write,
    .console_read = serial_read,
    .shutdown = native_shutdown,
};
