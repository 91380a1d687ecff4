/*
 * console.c - the hypervisor's console: printk, the log ring, and serial input.
 *
 * Everything the hypervisor prints goes to the serial line and into a 16 KiB
 * ring, so the log can be read back later (xm-lite dmesg).  Bytes typed on the
 * serial line are queued here and announced to dom0 with VIRQ_CONSOLE; dom0
 * reads them with console_io(CONSOLEIO_read).
 */
#include <lib.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/event.h>
#include <hv/x86.h>

#define LOG_SIZE 16384
#define RX_SIZE  1024

static char log_ring[LOG_SIZE];
static uint32_t log_prod;
static char rx_ring[RX_SIZE];
static uint32_t rx_prod, rx_cons;

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
        log_ring[log_prod++ % LOG_SIZE] = s[i];
    }
}

static void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    local_irq_disable();
    printk("\n****************************************\nPANIC: ");
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\n****************************************\n");
    machine_exit(0x7F);
}

/* Copy the newest `n` bytes of the log (or all of it, if less), oldest first. */
uint32_t console_read_log(char *dst, uint32_t n)
{
    uint32_t avail = MIN(log_prod, (uint32_t)LOG_SIZE);
    n = MIN(n, avail);
    uint32_t start = log_prod - n;
    for (uint32_t i = 0; i < n; i++)
        dst[i] = log_ring[(start + i) % LOG_SIZE];
    return n;
}

void console_rx_byte(char c)
{
    if (rx_prod - rx_cons < RX_SIZE)
        rx_ring[rx_prod++ % RX_SIZE] = c;
    send_global_virq(VIRQ_CONSOLE);
}

uint32_t console_rx_read(char *dst, uint32_t n)
{
    uint32_t i = 0;
    while (i < n && rx_cons != rx_prod)
        dst[i++] = rx_ring[rx_cons++ % RX_SIZE];
    return i;
}
