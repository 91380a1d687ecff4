/*
 * ide.c - dom0's disk driver: the primary ATA channel of QEMU's PIIX IDE
 * controller, in PIO mode, driven by interrupts.
 *
 * dom0 reaches the hardware only through what the hypervisor grants it: the
 * channel's I/O ports (PHYSDEVOP_pvlab_ioport_grant adds them to dom0's TSS
 * I/O bitmap) and IRQ 14, which arrives as an event channel
 * (EVTCHNOP_bind_pirq).  The hypervisor masks the line each time it fires;
 * we read the status register (which acknowledges the drive) and then unmask
 * it with PHYSDEVOP_eoi.
 *
 * Natively the same driver runs in ring 0 through the operations table
 * (machine.h): the ports need no grant, IRQ 14 comes from the 8259 PIC
 * (acknowledged by the IRQ entry) and is turned into an event port there.
 *
 * Commands: IDENTIFY DEVICE for the model and size, READ SECTORS (0x20) and
 * WRITE SECTORS (0x30) with 28-bit LBAs, up to 256 sectors each, one
 * interrupt per sector, and FLUSH CACHE (0xE7).
 *
 * Tour 42/58 - after blkdev.c, before ramdisk.c.
 */
#include <os.h>
#include <blkdev.h>
#include <portio.h>

#define ATA_BASE   0x1F0
#define ATA_CTRL   0x3F6
#define ATA_IRQ    14
#define REG_DATA   0
#define REG_COUNT  2
#define REG_LBA0   3
#define REG_LBA1   4
#define REG_LBA2   5
#define REG_DRIVE  6
#define REG_STATUS 7 /* read: status (acknowledges the interrupt) */
#define REG_CMD    7 /* write: command */
#define ST_ERR     0x01
#define ST_DRQ     0x08
#define ST_DF      0x20
#define ST_BSY     0x80
#define CMD_READ   0x20
#define CMD_WRITE  0x30
#define CMD_FLUSH  0xE7
#define CMD_IDENT  0xEC

static volatile uint32_t irqs;
static int irq_port;
static struct blkdev hda;
uint64_t ide_sectors_read, ide_sectors_written, ide_interrupts;

static void ide_event(evtchn_port_t port, void *data)
{
    irqs++;
    ide_interrupts++;
}

static void eoi(void)
{
    machine.irq_done(ATA_IRQ);
}

/* Wait for the drive to raise its interrupt (counted since `seen`); returns its status. */
static int wait_irq(uint32_t seen)
{
    uint64_t deadline = monotonic_ns() + 5000000000ull;
    while (irqs == seen && monotonic_ns() < deadline) {
        uint32_t ev = event_count;
        if (irqs == seen)
            block_until(&event_count, ev); /* the IDE event, or a timer tick, wakes us */
    }
    uint8_t st = inb(ATA_BASE + REG_STATUS);
    eoi();
    if (irqs == seen)
        return -1; /* no interrupt: the drive is gone or stuck */
    return (st & (ST_ERR | ST_DF)) ? -1 : st;
}

static int wait_not_busy(void)
{
    for (uint32_t i = 0; i < 10000000; i++) {
        uint8_t st = inb(ATA_BASE + REG_STATUS);
        if (!(st & ST_BSY))
            return (st & (ST_ERR | ST_DF)) ? -1 : st;
    }
    return -1;
}

static void issue(uint8_t cmd, uint64_t lba, uint32_t count)
{
    outb(ATA_BASE + REG_DRIVE, 0xE0 | ((lba >> 24) & 0x0F)); /* master, LBA mode */
    outb(ATA_BASE + REG_COUNT, (uint8_t)count);              /* 0 means 256 */
    outb(ATA_BASE + REG_LBA0, (uint8_t)lba);
    outb(ATA_BASE + REG_LBA1, (uint8_t)(lba >> 8));
    outb(ATA_BASE + REG_LBA2, (uint8_t)(lba >> 16));
    outb(ATA_BASE + REG_CMD, cmd);
}

static int ide_read(struct blkdev *d, uint64_t sector, uint32_t count, void *buf)
{
    for (uint32_t done = 0; done < count;) {
        uint32_t n = MIN(count - done, 256u);
        uint32_t seen = irqs;
        issue(CMD_READ, sector + done, n);
        for (uint32_t i = 0; i < n; i++, seen++) {
            if (wait_irq(seen) < 0)
                return -XEN_EIO;
            uint16_t *p = (uint16_t *)((uint8_t *)buf + (done + i) * SECTOR_SIZE);
            __asm__ volatile("rep insw" : "+D"(p) : "d"(ATA_BASE + REG_DATA), "c"(256) : "memory");
        }
        done += n;
        ide_sectors_read += n;
    }
    return 0;
}

static int ide_write(struct blkdev *d, uint64_t sector, uint32_t count, const void *buf)
{
    for (uint32_t done = 0; done < count;) {
        uint32_t n = MIN(count - done, 256u);
        uint32_t seen = irqs;
        issue(CMD_WRITE, sector + done, n);
        for (uint32_t i = 0; i < n; i++, seen++) {
            int st = i == 0 ? wait_not_busy() : 0; /* the first sector needs no interrupt */
            if (st < 0 || !(inb(ATA_BASE + REG_STATUS) & ST_DRQ))
                return -XEN_EIO;
            const uint16_t *p = (const uint16_t *)((const uint8_t *)buf + (done + i) * SECTOR_SIZE);
            __asm__ volatile("rep outsw" : "+S"(p) : "d"(ATA_BASE + REG_DATA), "c"(256) : "memory");
            if (wait_irq(seen) < 0)
                return -XEN_EIO;
        }
        done += n;
        ide_sectors_written += n;
    }
    return 0;
}

static int ide_flush(struct blkdev *d)
{
    uint32_t seen = irqs;
    issue(CMD_FLUSH, 0, 0);
    return wait_irq(seen) < 0 ? -XEN_EIO : 0;
}

static int grant_ports(uint16_t first, uint16_t nr)
{
    return machine.grant_ioports(first, nr);
}

static int identify(void)
{
    static uint16_t id[256];
    uint32_t seen = irqs;
    if (inb(ATA_BASE + REG_STATUS) == 0xFF)
        return -1; /* floating bus: no drive */
    issue(CMD_IDENT, 0, 0);
    if (wait_irq(seen) < 0 || !(inb(ATA_BASE + REG_STATUS) & ST_DRQ))
        return -1;
    __asm__ volatile("rep insw" : : "D"(id), "d"(ATA_BASE + REG_DATA), "c"(256) : "memory");
    for (int i = 0; i < 20; i++) { /* words 27-46: the model, two characters per word, swapped */
        hda.model[2 * i] = (char)(id[27 + i] >> 8);
        hda.model[2 * i + 1] = (char)id[27 + i];
    }
    for (int i = 39; i >= 0 && hda.model[i] == ' '; i--)
        hda.model[i] = 0;
    hda.sectors = id[60] | ((uint32_t)id[61] << 16);
    return hda.sectors ? 0 : -1;
}

int ide_init(void)
{
    if (grant_ports(ATA_BASE, 8) || grant_ports(ATA_CTRL, 1)) {
        printf("ide: the hypervisor refused the ATA ports\n");
        return -1;
    }
    irq_port = bind_pirq(ATA_IRQ, ide_event, NULL);
    if (irq_port < 0) {
        printf("ide: cannot bind IRQ %d\n", ATA_IRQ);
        return -1;
    }
    outb(ATA_CTRL, 0x00); /* nIEN clear: the drive interrupts */
    strlcpy(hda.name, "hda", sizeof(hda.name));
    if (identify()) {
        printf("ide: no disk on the primary channel\n");
        return -1;
    }
    hda.read = ide_read;
    hda.write = ide_write;
    hda.flush = ide_flush;
    blkdev_register(&hda);
    blkdev_add_partitions(&hda);
    printf("ide: hda: %s, %u sectors (%u MiB), IRQ %d on event channel %d\n", hda.model,
           (uint32_t)hda.sectors, (uint32_t)(hda.sectors >> 11), ATA_IRQ, irq_port);
    return 0;
}
