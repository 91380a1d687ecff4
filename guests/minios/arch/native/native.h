/*
 * native.h - what the files of arch/native/ share: port I/O (portio.h), the physical
 * layout of a native boot, and each file's entry points.  Nothing outside
 * arch/native/ includes it; the rest of minios sees only machine.h.
 */
#ifndef MINIOS_NATIVE_H
#define MINIOS_NATIVE_H

#include <os.h>
#include <portio.h>
#include "boot_map.h"

#define NATIVE_PHYS_BASE 0x00100000u /* minios is loaded at 1 MiB: pfn p is frame p + 256 */
#define NATIVE_MFN_BASE  (NATIVE_PHYS_BASE >> PAGE_SHIFT)
#define NATIVE_MAX_PAGES (512u << 8) /* 512 MiB: what the 0xC0000000 mapping uses at most */
#define BOOT_MAP_END     (VIRT_BASE + BOOT_L1S * 0x400000u) /* boot.S maps up to here */

/* Selectors at the GDT indices Xen uses, so user code sees the same numbers. */
#define NATIVE_KERNEL_CS 0x0818 /* index 259, ring 0 */
#define NATIVE_KERNEL_DS 0x0820 /* index 260, ring 0 (also the kernel's %ss) */
#define NATIVE_TSS_SEL   0x0838 /* index 263 */

#define VECTOR_IRQ0  0x20 /* the 8259s' 16 lines land on 0x20-0x2f */
#define VECTOR_KICK  0x81 /* deliver events that arrived while masked */
#define VECTOR_STRAY 0x82 /* a hypercall with no hypervisor underneath */

#define IRQ_TIMER 0
#define IRQ_COM1  4
#define IRQ_ATA   14
#define NR_IRQS   16

/* A machine address of RAM above 1 MiB, as minios sees it at 0xC0000000. */
static inline void *maddr_to_virt(uint32_t maddr)
{
    return (void *)(maddr - NATIVE_PHYS_BASE + VIRT_BASE);
}

/* desc.c */
void desc_init(void);
int native_set_trap_table(const struct trap_info *table);
int native_set_kernel_stack(uint32_t esp);

/* irq.c */
void pic_init(void);
void native_events_init(void *page);
void native_kick_events(void);
void native_block(void);
int native_bind_virq(uint32_t virq);
int native_bind_pirq(uint32_t irq);
void native_unmask_port(evtchn_port_t port);

/* serial.c */
void serial_init(void);
void serial_write(const char *s, uint32_t n);
int serial_read(char *buf, uint32_t n);

/* timer.c */
int native_time_init(void);

#endif
