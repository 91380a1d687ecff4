/*
 * serial.c - the native console: COM1, a 16550 UART, at 115200 8N1.
 *
 * Under pvlab the hypervisor owns COM1 and dom0 reaches it with console_io;
 * natively minios drives it here, behind the same two table entries
 * (console_write, console_read).  Output waits for the transmitter to be
 * empty, one byte at a time (the UART of QEMU, or a real one at 115200
 * baud, keeps up).  Input is interrupt-driven: the UART raises IRQ 4 when a
 * byte arrives, which is bound as VIRQ_CONSOLE (irq.c), and console_read
 * empties the receive FIFO, which also lowers the interrupt.
 *
 * Tour 12/58 - after arch/native/timer.c, before traps.c.
 */
#include "native.h"

#define COM1     0x3F8
#define REG_DATA 0 /* receive / transmit; the divisor's low byte when DLAB */
#define REG_IER  1 /* interrupt enable; the divisor's high byte when DLAB */
#define REG_FCR  2
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5
#define LSR_DATA 0x01 /* a byte is waiting */
#define LSR_THRE 0x20 /* the transmitter can take a byte */

/* 115200 8N1, FIFOs on, the receive interrupt on (OUT2 connects it to the PIC). */
void serial_init(void)
{
    outb(COM1 + REG_IER, 0x00);
    outb(COM1 + REG_LCR, 0x80); /* DLAB: the divisor follows */
    outb(COM1 + REG_DATA, 1);   /* 115200 = 115200 / 1 */
    outb(COM1 + REG_IER, 0);
    outb(COM1 + REG_LCR, 0x03); /* 8 bits, no parity, 1 stop bit */
    outb(COM1 + REG_FCR, 0xC7); /* FIFOs on and cleared, 14-byte trigger */
    outb(COM1 + REG_MCR, 0x0B); /* DTR, RTS, OUT2 */
    outb(COM1 + REG_IER, 0x01); /* received-data interrupt */
}

static void put(char c)
{
    while (!(inb(COM1 + REG_LSR) & LSR_THRE))
        ;
    outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put('\r');
        put(s[i]);
    }
}

/* What has been typed, up to n bytes; 0 if nothing. */
int serial_read(char *buf, uint32_t n)
{
    uint32_t k = 0;
    while (k < n && (inb(COM1 + REG_LSR) & LSR_DATA))
        buf[k++] = (char)inb(COM1 + REG_DATA);
    return (int)k;
}
