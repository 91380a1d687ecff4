/*
 * irq.h - physical interrupts: who handles each line of the 8259s.
 */
#ifndef HV_IRQ_H
#define HV_IRQ_H

#include <stdint.h>

#define IRQ_TIMER  0
#define IRQ_SERIAL 4

/* physdev.c: interrupt lines dom0's drivers own */
struct domain;
int pirq_bind(struct domain *d, uint32_t irq, uint32_t port);
void pirq_unbind(struct domain *d, uint32_t irq);
int pirq_interrupt(unsigned int irq); /* 1 if a domain owns the line */

#endif
