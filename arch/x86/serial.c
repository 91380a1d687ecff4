/*
 * serial.c - the 16550 UART on COM1, the hypervisor's console.
 *
 * Output is polled (the log must work even when interrupts are off, as in a
 * panic).  Input raises IRQ 4; each byte received is handed to the console
 * layer, which queues it for dom0 and raises VIRQ_CONSOLE.
 *
 * Tour 4/37 - after hv/main.c, before hv/console.c.
 */
#include <hv/arch.h>
#include <hv/entry.h>
#include <hv/x86.h>

#define COM1     0x3F8
#define UART_RBR 0 /* receive buffer */
#define UART_THR 0 /* transmit holding */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR   0x01 /* data ready */
#define LSR_THRE 0x20 /* transmitter holding register empty */

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80); /* DLAB: set the divisor */
    outb(COM1 + 0, 1);           /* 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03); /* 8N1 */
    outb(COM1 + UART_FCR, 0x07); /* FIFOs on and cleared */
    outb(COM1 + UART_MCR, 0x0B); /* DTR, RTS, OUT2 (routes the IRQ to the PIC) */
    outb(COM1 + UART_IER, 0x01); /* interrupt on received data */
}

void serial_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_irq(void)
{
    while (inb(COM1 + UART_LSR) & LSR_DR)
        console_rx_byte((char)inb(COM1 + UART_RBR));
}
