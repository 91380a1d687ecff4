/*
 * physdev.h - physdev_op: how dom0 gets at the real hardware it drives.
 *
 * A physical interrupt line (a "pirq") reaches dom0 as an event channel bound
 * with EVTCHNOP_bind_pirq.  When it fires the hypervisor masks the line and
 * raises the event; dom0's driver services the device and then calls
 * PHYSDEVOP_eoi, which unmasks the line again (Xen's protocol).  I/O ports
 * are granted with pvlab's PHYSDEVOP_pvlab_ioport_grant: a range dom0 asks
 * for, if the hypervisor does not drive those ports itself (PIC, PIT, serial,
 * power-off).  Everything here is for the initial domain only.
 */
#ifndef PUBLIC_PHYSDEV_H
#define PUBLIC_PHYSDEV_H

#include <stdint.h>

#define PHYSDEVOP_eoi                 12
#define PHYSDEVOP_pvlab_ioport_grant  0x70

struct physdev_eoi {
    uint32_t irq;
};

struct physdev_pvlab_ioport_grant {
    uint16_t first_port;
    uint16_t nr_ports;
};

#endif
