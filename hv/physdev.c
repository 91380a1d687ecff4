/*
 * physdev.c - physical interrupts and I/O ports for dom0's drivers.
 *
 * The hypervisor drives the PIT (IRQ 0), the cascade (IRQ 2) and the serial
 * line (IRQ 4) itself; any other line of the 8259s can be bound by the
 * initial domain to an event channel (EVTCHNOP_bind_pirq).  When the line
 * fires, pirq_interrupt() masks it and raises the event; dom0's driver does
 * its work and unmasks it with PHYSDEVOP_eoi.  Ports are granted the same
 * way, except the ones the hypervisor itself uses.
 *
 * Tour 34/37 - after hv/irq.c, before hv/domctl.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <public/physdev.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/irq.h>

#define NR_PIRQS 16

static struct {
    domid_t dom;
    uint16_t port; /* 0: not bound */
} pirqs[NR_PIRQS];

static int hypervisor_irq(uint32_t irq)
{
    return irq == IRQ_TIMER || irq == 2 || irq == IRQ_SERIAL;
}

int pirq_bind(struct domain *d, uint32_t irq, uint32_t port)
{
    if (!d->is_privileged)
        return -XEN_EPERM;
    if (irq >= NR_PIRQS || hypervisor_irq(irq))
        return -XEN_EINVAL;
    if (pirqs[irq].port)
        return -XEN_EBUSY;
    pirqs[irq].dom = d->domain_id;
    pirqs[irq].port = (uint16_t)port;
    pic_unmask(irq);
    printk("(XEN) IRQ %u now raises event channel %u of domain %u\n", irq, port, d->domain_id);
    return 0;
}

void pirq_unbind(struct domain *d, uint32_t irq)
{
    if (irq < NR_PIRQS && pirqs[irq].port && pirqs[irq].dom == d->domain_id) {
        pic_mask(irq);
        pirqs[irq].port = 0;
    }
}

/* From do_irq: hand the interrupt to its domain, masked until that domain's EOI. */
int pirq_interrupt(unsigned int irq)
{
    if (irq >= NR_PIRQS || !pirqs[irq].port)
        return 0;
    struct domain *d = domain_by_id(pirqs[irq].dom);
    pic_mask(irq);
    if (d)
        evtchn_set_pending(d, pirqs[irq].port);
    return 1;
}

/*
 * The ports dom0 may be given: an allow-list of legacy ISA devices that cannot
 * start a DMA on their own.  Everything else is refused, because a port that
 * can start a DMA or reconfigure the platform is a way around every page
 * table check: the DMA controllers (0x00-0x1F, 0x80-0x8F, 0xC0-0xDF), QEMU's
 * fw_cfg (0x510-0x51B, which has a DMA interface), the IDE bus-master ports
 * (PCI I/O space, placed by the firmware), PCI configuration (0xCF8-0xCFF,
 * which moves BARs and enables bus mastering), the interrupt controllers and
 * their ELCR (0x20, 0xA0, 0x4D0-0x4D1), the PIT, the keyboard controller and
 * fast-reset ports (they reset the machine), CMOS and the NMI mask, COM1 (the
 * hypervisor's console), ACPI power-off and isa-debug-exit.  An allow-list
 * fails safe: a device nobody thought of stays out of dom0's reach.
 */
static const struct {
    uint16_t first, last;
    const char *what;
} dom0_ports[] = {
    {0x1F0, 0x1F7, "primary ATA command block"},
    {0x3F6, 0x3F6, "primary ATA control"},
    {0x170, 0x177, "secondary ATA command block"},
    {0x376, 0x376, "secondary ATA control"},
    {0x2F8, 0x2FF, "COM2"},
    {0x3E8, 0x3EF, "COM3"},
    {0x2E8, 0x2EF, "COM4"},
    {0x378, 0x37A, "LPT1 (its ECP DMA needs the DMA controller, which is refused)"},
};

static int port_grantable(uint32_t p)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(dom0_ports); i++)
        if (p >= dom0_ports[i].first && p <= dom0_ports[i].last)
            return 1;
    return 0;
}

static long ioport_grant(const struct physdev_pvlab_ioport_grant *g)
{
    uint32_t first = g->first_port, nr = g->nr_ports;
    if (nr == 0 || nr > 64 || first + nr > 65536)
        return -XEN_EINVAL;
    for (uint32_t p = first; p < first + nr; p++)
        if (!port_grantable(p)) {
            printk("(XEN) refused dom0 I/O port %04x: not a port dom0 may drive\n", p);
            return -XEN_EPERM;
        }
    ioport_allow(first, nr);
    printk("(XEN) dom0 may use I/O ports %04x-%04x\n", first, first + nr - 1);
    return 0;
}

long do_physdev_op(uint32_t cmd, uint32_t arg)
{
    struct domain *d = current->domain;
    if (!d->is_privileged)
        return -XEN_EPERM;
    switch (cmd) {
    case PHYSDEVOP_eoi: {
        struct physdev_eoi e;
        if (copy_from_guest(&e, arg, sizeof(e)))
            return -XEN_EFAULT;
        if (e.irq >= NR_PIRQS || !pirqs[e.irq].port || pirqs[e.irq].dom != d->domain_id)
            return -XEN_EINVAL;
        pic_unmask(e.irq);
        return 0;
    }
    case PHYSDEVOP_pvlab_ioport_grant: {
        struct physdev_pvlab_ioport_grant g;
        if (copy_from_guest(&g, arg, sizeof(g)))
            return -XEN_EFAULT;
        return ioport_grant(&g);
    }
    default:
        return -XEN_ENOSYS;
    }
}
