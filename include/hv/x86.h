/*
 * x86.h - thin wrappers around the privileged instructions the hypervisor
 * uses: port I/O, control registers, TLB maintenance, the TSC and interrupts.
 */
#ifndef HV_X86_H
#define HV_X86_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t read_cr2(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline uint32_t read_cr3(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
#define X86_CR0_MP (1u << 1) /* wait/fwait also trap when TS is set */
#define X86_CR0_EM (1u << 2) /* no x87: every FPU instruction traps */
#define X86_CR0_TS (1u << 3) /* task switched: the next FPU instruction raises #NM */
#define X86_CR0_NE (1u << 5) /* x87 errors as #MF, not the legacy IRQ 13 */
static inline uint32_t read_cr0(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
static inline void write_cr0(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}
static inline void clts(void)
{
    __asm__ volatile("clts" ::: "memory");
}
static inline void write_cr3(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}
#ifdef HOST_TEST
/* Host unit tests run in user mode, where invlpg faults: tests/unit/fake_domain.c records it. */
void invlpg(uint32_t va);
#else
static inline void invlpg(uint32_t va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}
#endif
static inline void flush_tlb_local(void)
{
    write_cr3(read_cr3());
}
static inline void local_irq_disable(void)
{
    __asm__ volatile("cli" ::: "memory");
}
static inline void local_irq_enable(void)
{
    __asm__ volatile("sti" ::: "memory");
}
/* Enable interrupts and halt in one step: sti's one-instruction shadow closes the race. */
static inline void safe_halt(void)
{
    __asm__ volatile("sti; hlt" ::: "memory");
}

#define X86_EFLAGS_IF   0x00000200u
#define X86_EFLAGS_IOPL 0x00003000u
#define X86_EFLAGS_NT   0x00004000u
#define X86_EFLAGS_RF   0x00010000u
#define X86_EFLAGS_VM   0x00020000u
#define X86_EFLAGS_AC   0x00040000u
#define X86_EFLAGS_VIF  0x00080000u
#define X86_EFLAGS_VIP  0x00100000u
#define X86_EFLAGS_ID   0x00200000u

#endif
