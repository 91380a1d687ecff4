/*
 * i8259.c - the two cascaded 8259 interrupt controllers of the PC.
 *
 * We move their vectors from the BIOS's 0x08 (which collides with CPU
 * exceptions) to 0x20-0x2f and keep every line masked until a driver asks.
 *
 * Tour 10/37 - after hv/frame_alloc.c, before arch/x86/fpu.c.
 */
#include <hv/arch.h>
#include <hv/x86.h>

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1

static uint16_t irq_mask = 0xFFFB; /* everything masked except the cascade (IRQ 2) */

static void pic_write_mask(void)
{
    outb(PIC1_DATA, irq_mask & 0xFF);
    outb(PIC2_DATA, irq_mask >> 8);
}

void pic_init(void)
{
    outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, 0x20); /* ICW2: vector base */
    outb(PIC2_DATA, 0x28);
    outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    pic_write_mask();
}

void pic_unmask(unsigned int irq)
{
    irq_mask &= ~(1u << irq);
    pic_write_mask();
}

void pic_mask(unsigned int irq)
{
    irq_mask |= 1u << irq;
    pic_write_mask();
}

void pic_eoi(unsigned int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, 0x20);
    outb(PIC1_CMD, 0x20);
}
