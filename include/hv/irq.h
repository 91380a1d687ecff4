/*
 * irq.h - physical interrupts: who handles each line of the 8259s.
 */
#ifndef HV_IRQ_H
#define HV_IRQ_H

struct cpu_user_regs;

#define IRQ_TIMER  0
#define IRQ_SERIAL 4

void do_irq(unsigned int irq, struct cpu_user_regs *regs);

#endif
