/*
 * pirq_bounds - physical interrupts and I/O ports at their bounds, asked for
 * by the privileged domain (trusted to drive devices, not to take the
 * machine's own interrupts or ports).  Binding the timer's IRQ 0, the
 * cascade 2 or the console's IRQ 4, an IRQ past the PIC's 15 or a "negative"
 * one is refused; a free line binds once and a second bind is -EBUSY; closing
 * its channel releases the line (it binds again); an EOI for a line we do not
 * hold, or through a pointer into the hypervisor, is refused; an empty, long
 * or wrapping I/O-port range is refused; an unknown physdev_op is -ENOSYS.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/physdev.h>

const char test_title[] = "physical IRQ binding, EOI and I/O-port ranges at their bounds";

static long bind(uint32_t irq, evtchn_port_t *port)
{
    struct evtchn_bind_pirq b = {.pirq = irq};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &b);
    *port = b.port;
    return rc;
}

static long eoi(uint32_t irq)
{
    struct physdev_eoi e = {irq};
    return HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &e);
}

static long grant(uint32_t first, uint32_t nr)
{
    struct physdev_pvlab_ioport_grant g = {(uint16_t)first, (uint16_t)nr};
    return HYPERVISOR_physdev_op(PHYSDEVOP_pvlab_ioport_grant, &g);
}

void test_main(void)
{
    evtchn_port_t port;
    static const uint32_t refused[] = {0, 2, 4, 16, 255, 0x80000000u, 0xFFFFFFFFu};
    for (unsigned int i = 0; i < ARRAY_SIZE(refused); i++)
        if (bind(refused[i], &port) >= 0)
            xtf_failure("IRQ %u was bound (port %u)", refused[i], port);

    const uint32_t line = 10; /* free on QEMU's PC: no device of ours uses it */
    expect_rc(bind(line, &port), 0, "binding a free line");
    evtchn_port_t again;
    expect_rc(bind(line, &again), -XEN_EBUSY, "binding it a second time");
    expect_rc(eoi(line), 0, "an EOI for the line we hold");
    expect_rc(eoi(11), -XEN_EINVAL, "an EOI for a line we do not hold");
    expect_rc(eoi(0xFFFFFFFFu), -XEN_EINVAL, "an EOI for line 2^32-1");
    expect_rc(HYPERVISOR_physdev_op(PHYSDEVOP_eoi, (void *)HYPERVISOR_VIRT_START), -XEN_EFAULT,
              "an EOI argument in the hypervisor");
    struct evtchn_close c = {.port = port};
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_close, &c), 0, "closing its channel");
    expect_rc(eoi(line), -XEN_EINVAL, "an EOI after the close");
    expect_rc(bind(line, &port), 0, "binding the line again after the close");
    c.port = port;
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_close, &c), 0, "closing it again");

    expect_rc(grant(0x1F0, 0), -XEN_EINVAL, "an empty port range");
    expect_rc(grant(0x1F0, 65), -XEN_EINVAL, "65 ports at once");
    expect_rc(grant(0xFFFF, 2), -XEN_EINVAL, "a range past port 0xFFFF");
    expect_rc(HYPERVISOR_physdev_op(99, NULL), -XEN_ENOSYS, "an unknown physdev_op");
}
