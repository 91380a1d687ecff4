/*
 * irq.c - physical interrupts.  The hypervisor drives two devices itself: the
 * PIT (IRQ 0, the tick) and the serial line (IRQ 4, console input).
 *
 * Tour 33/37 - after hv/grant_table.c, before hv/physdev.c.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/entry.h>
#include <hv/irq.h>
#include <hv/time.h>

void do_irq(unsigned int irq, struct cpu_user_regs *regs)
{
    if (guest_mode(regs))
        current->domain->counters.interrupts++; /* and traced in do_entry_traced() */
    pic_eoi(irq);
    if (irq == IRQ_TIMER)
        timer_interrupt();
    else if (irq == IRQ_SERIAL)
        serial_irq();
    else
        pirq_interrupt(irq);
}
