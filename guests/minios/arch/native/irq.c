/*
 * irq.c - interrupts on the bare machine, turned into the events the rest
 * of minios already understands.
 *
 * A PV minios never sees an interrupt: the hypervisor takes it, sets a bit
 * in the domain's shared_info page (evtchn_pending, evtchn_pending_sel,
 * evtchn_upcall_pending) and, unless the domain has masked events
 * (evtchn_upcall_mask), enters its upcall.  Natively minios plays the
 * hypervisor's part for itself, in a shared_info page that is just one of
 * its own: native_irq() (called by entry.S for every IRQ) acknowledges the
 * 8259 PIC and raises the port the IRQ was bound to; the upcall and
 * everything above it (events.c, the scheduler's preemption) are shared.
 *
 * Masking stays the byte in vcpu_info, not cli/sti: the kernel's critical
 * sections are the same in both modes, and an IRQ that arrives while it is
 * set only marks its port.  The two things the byte cannot do on its own
 * are the operations-table entries here: deliver what arrived while masked
 * (native_kick_events: int $VECTOR_KICK) and wait for the next interrupt
 * without losing one (native_block: cli, test upcall_pending, sti; hlt -
 * sti's one instruction of delay makes the pair atomic; events stay masked
 * and the caller dispatches what arrived).
 *
 * Ports: IRQ n is port n + 1 (port 0 is never valid).  VIRQ_TIMER is the
 * PIT's IRQ 0, VIRQ_CONSOLE COM1's IRQ 4; a "physical IRQ" is the line.
 *
 * Tour 9/58 - after arch/native/desc.c, before arch/native/entry.S.
 */
#include "native.h"

#define PIC1_CMD    0x20
#define PIC1_DATA   0x21
#define PIC2_CMD    0xA0
#define PIC2_DATA   0xA1
#define PIC_EOI     0x20
#define IRQ_CASCADE 2

uint32_t native_interrupts;
static uint16_t pic_mask = 0xFFFF & ~(1u << IRQ_CASCADE);
static evtchn_port_t irq_port[NR_IRQS];

static void pic_write_mask(void)
{
    outb(PIC1_DATA, (uint8_t)pic_mask);
    outb(PIC2_DATA, (uint8_t)(pic_mask >> 8));
}

/* Both 8259s remapped to VECTOR_IRQ0.., every line masked but the cascade. */
void pic_init(void)
{
    outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, VECTOR_IRQ0); /* ICW2: vector base */
    outb(PIC2_DATA, VECTOR_IRQ0 + 8);
    outb(PIC1_DATA, 1u << IRQ_CASCADE); /* ICW3: the slave is on line 2 */
    outb(PIC2_DATA, IRQ_CASCADE);
    outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    pic_write_mask();
}

static void pic_unmask(unsigned int irq)
{
    pic_mask &= (uint16_t) ~(1u << irq);
    pic_write_mask();
}

static void pic_eoi(unsigned int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

/* What the hypervisor's evtchn_set_pending does: mark the port, and the upcall if unmasked. */
static void raise_port(evtchn_port_t port)
{
    struct shared_info *s = HYPERVISOR_shared_info;
    uint32_t w = port / 32, bit = 1u << (port % 32);
    __atomic_fetch_or(&s->evtchn_pending[w], bit, __ATOMIC_SEQ_CST);
    if (s->evtchn_mask[w] & bit)
        return;
    __atomic_fetch_or(&s->vcpu_info[0].evtchn_pending_sel, 1u << w, __ATOMIC_SEQ_CST);
    s->vcpu_info[0].evtchn_upcall_pending = 1;
}

/*
 * entry.S's C half, with interrupts off: acknowledge IRQ irq (-1: a kick),
 * raise its port; 1 if the upcall must run now (events are then masked).
 */
int native_irq(int irq)
{
    if (irq >= 0) {
        pic_eoi((unsigned int)irq);
        native_interrupts++;
        if (irq_port[irq])
            raise_port(irq_port[irq]);
    }
    struct vcpu_info *vi = &HYPERVISOR_shared_info->vcpu_info[0];
    if (vi->evtchn_upcall_mask || !vi->evtchn_upcall_pending)
        return 0;
    vi->evtchn_upcall_mask = 1;
    return 1;
}

/* int $0x82 natively: nobody to answer but us. */
int native_stray_hypercall(uint32_t nr)
{
    printf("minios: hypercall %u called natively: it needs the pvlab hypervisor (-ENOSYS)\n", nr);
    return -XEN_ENOSYS;
}

/* Our own page is shared_info; the upcall needs no registering. */
void native_events_init(void *page)
{
    extern uint32_t *native_cr2_slot;
    struct shared_info *s = page;
    native_cr2_slot = &s->vcpu_info[0].arch.cr2;
}

void native_kick_events(void)
{
    __asm__ volatile("int %0" ::"i"(VECTOR_KICK) : "memory");
}

/* With events masked: sleep until an interrupt has made one pending (native_irq() marks it and,
 * masked, runs no upcall); the caller dispatches it. */
void native_block(void)
{
    struct vcpu_info *vi = &HYPERVISOR_shared_info->vcpu_info[0];
    __asm__ volatile("cli" ::: "memory");
    if (vi->evtchn_upcall_pending)
        __asm__ volatile("sti" ::: "memory");
    else
        __asm__ volatile("sti; hlt" ::: "memory");
}

/* Route IRQ irq to port irq + 1 and open the line. */
static int bind_irq(unsigned int irq)
{
    if (irq >= NR_IRQS || irq == IRQ_CASCADE)
        return -XEN_EINVAL;
    irq_port[irq] = (evtchn_port_t)(irq + 1);
    pic_unmask(irq);
    return (int)irq_port[irq];
}

int native_bind_virq(uint32_t virq)
{
    if (virq == VIRQ_TIMER)
        return bind_irq(IRQ_TIMER);
    if (virq == VIRQ_CONSOLE)
        return bind_irq(IRQ_COM1);
    return -XEN_ENOSYS;
}

int native_bind_pirq(uint32_t irq)
{
    return bind_irq(irq);
}

/* EVTCHNOP_unmask's native twin: an event that came while masked is raised now. */
void native_unmask_port(evtchn_port_t port)
{
    struct shared_info *s = HYPERVISOR_shared_info;
    uint32_t w = port / 32, bit = 1u << (port % 32);
    __atomic_fetch_and(&s->evtchn_mask[w], ~bit, __ATOMIC_SEQ_CST);
    if (!(s->evtchn_pending[w] & bit))
        return;
    __atomic_fetch_or(&s->vcpu_info[0].evtchn_pending_sel, 1u << w, __ATOMIC_SEQ_CST);
    s->vcpu_info[0].evtchn_upcall_pending = 1;
    if (!s->vcpu_info[0].evtchn_upcall_mask)
        native_kick_events();
}
