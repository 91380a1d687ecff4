/*
 * console.c - the hypervisor's console: printk, the log ring, and serial input.
 *
 * Everything the hypervisor prints goes to the serial line and into a 16 KiB
 * ring, so the log can be read back later (xm-lite dmesg).  Bytes typed on the
 * serial line are queued here and announced to dom0 with VIRQ_CONSOLE; dom0
 * reads them with console_io(CONSOLEIO_read).
 *
 * Only the initial domain writes to this console as it is.  Any other domain
 * that uses console_io(CONSOLEIO_write) - minios does, before its console
 * ring is up - gets every line prefixed with "(dN) ", control characters
 * shown as '?', and a budget of bytes per second (console_write_guest()), so
 * a domU can neither forge a "(XEN)" line nor flood the log.  Xen does the
 * same in its debug builds.
 *
 * Tour 5/37 - after arch/x86/serial.c, before hv/multiboot.c.
 */
#include <lib.h>
#include <hv/arch.h>
#include <hv/config.h>
#include <hv/console.h>
#include <hv/entry.h>
#include <hv/event.h>
#include <hv/x86.h>

#define LOG_SIZE 16384
#define RX_SIZE  1024

static char log_ring[LOG_SIZE];
static uint32_t log_prod;
static char rx_ring[RX_SIZE];
static uint32_t rx_prod, rx_cons;
static char last_written = '\n';
static int guest_partial; /* the last bytes written were a domU's, without a newline */

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
        log_ring[log_prod++ % LOG_SIZE] = s[i];
    }
    if (n)
        last_written = s[n - 1];
}

/* Refill a domain's byte budget for the time since it was last refilled. */
static void refill(struct guest_console *gc, uint64_t now)
{
    uint64_t earned = (now - gc->refilled_at) * GUEST_CONSOLE_RATE / 1000000000ull;
    if (earned == 0)
        return;
    gc->budget = (uint32_t)MIN(gc->budget + earned, (uint64_t)GUEST_CONSOLE_BURST);
    gc->refilled_at = now;
}

/* Start a line for domain `domid`, on a line of its own. */
static void start_line(domid_t domid)
{
    char prefix[16];
    if (last_written != '\n')
        console_write("\n", 1);
    int n = snprintf(prefix, sizeof(prefix), "(d%u) ", domid);
    console_write(prefix, (size_t)n);
}

/*
 * An unprivileged domain's console_io write: prefixed, filtered, and within
 * its budget.  What is over budget is dropped and counted, and one line says
 * so when the budget comes back.
 */
void console_write_guest(domid_t domid, struct guest_console *gc, const char *s, size_t n,
                         uint64_t now)
{
    refill(gc, now);
    for (size_t i = 0; i < n; i++) {
        if (!gc->budget) {
            gc->dropped += (uint32_t)(n - i);
            break;
        }
        gc->budget--;
        char c = s[i];
        if (c != '\n' && c != '\t' && (c < 0x20 || c > 0x7E))
            c = '?'; /* no \r, no escape sequences: nothing can overwrite a line */
        if (!gc->mid_line || last_written == '\n')
            start_line(domid);
        console_write(&c, 1);
        gc->mid_line = c != '\n';
    }
    guest_partial = last_written != '\n';
    if (gc->dropped && now - gc->reported_at >= 1000000000ull) /* at most one report a second */
        console_guest_report(domid, gc, now);
}

/* Say how much of a domain's output was dropped since the last report (also when it dies). */
void console_guest_report(domid_t domid, struct guest_console *gc, uint64_t now)
{
    if (!gc->dropped)
        return;
    printk("(XEN) domain %u: %u bytes of console output dropped (rate limit)\n", domid,
           gc->dropped);
    gc->dropped = 0;
    gc->reported_at = now;
}

static void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    if (guest_partial) { /* the hypervisor's lines start a line, even after a domU's partial one */
        console_write("\n", 1);
        guest_partial = 0;
    }
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
