/*
 * dom0_ioports - even the privileged domain cannot be given a port that
 * starts a DMA or reconfigures the platform (the class of XSA-59 and of
 * device-assignment escapes: a DMA engine writes wherever it is told, page
 * tables or not).  Runs as the initial domain, which may ask for ports.
 *
 * Every port outside hv/physdev.c's allow-list is refused - QEMU's fw_cfg
 * with its DMA interface, the ELCR, PCI configuration, the DMA controllers,
 * the IDE bus-master range, the PIT, reset and power-off ports, COM1 - and
 * the refused port then still raises #GP, so the TSS bitmap was not opened.
 * A range that only starts in the allow-list is refused whole.  A port on the
 * list is granted and works.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/physdev.h>

const char test_title[] = "I/O ports that can DMA or reconfigure the platform are never granted";

static long grant(uint32_t first, uint32_t nr)
{
    struct physdev_pvlab_ioport_grant g = {(uint16_t)first, (uint16_t)nr};
    return HYPERVISOR_physdev_op(PHYSDEVOP_pvlab_ioport_grant, &g);
}

static int inb_faults(uint16_t port)
{
    return TRY_INSN("inb %%dx, %%al", : : "d"(port) : "eax", "memory") == VEC_GP;
}

void test_main(void)
{
    static const struct {
        uint16_t port;
        const char *what;
    } denied[] = {
        {0x510, "fw_cfg selector"},
        {0x514, "fw_cfg DMA address"},
        {0x4D0, "ELCR"},
        {0xCF8, "PCI configuration"},
        {0xCFC, "PCI data"},
        {0x00, "DMA controller"},
        {0x87, "DMA page register"},
        {0xC0, "second DMA"},
        {0xC000, "PCI I/O (bus master)"},
        {0xC040, "PCI I/O"},
        {0x40, "PIT"},
        {0x64, "keyboard controller"},
        {0x92, "fast reset"},
        {0x604, "ACPI power-off"},
        {0x3F8, "COM1"},
        {0xF4, "isa-debug-exit"},
        {0x20, "PIC"},
        {0x70, "CMOS"},
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(denied); i++) {
        expect_rc(grant(denied[i].port, 1), -XEN_EPERM, denied[i].what);
        if (!inb_faults(denied[i].port))
            xtf_failure("port %x (%s) is reachable after the refusal", denied[i].port,
                        denied[i].what);
    }
    expect_rc(grant(0x1F0, 9), -XEN_EPERM, "ATA range running into 0x1F8");
    expect_rc(grant(0x50C, 16), -XEN_EPERM, "a range over fw_cfg");
    expect_rc(grant(0xFFFF, 2), -XEN_EINVAL, "a range past 0xFFFF");
    expect_rc(grant(0x170, 8), 0, "secondary ATA command block");
    if (inb_faults(0x177))
        xtf_failure("a granted port still faults");
}
