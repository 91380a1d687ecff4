/*
 * console.c - minios's console.  dom0 writes with console_io(CONSOLEIO_write)
 * straight to the hypervisor's serial console, and reads what is typed with
 * CONSOLEIO_read when VIRQ_CONSOLE says input is waiting.
 */
#include <os.h>

volatile uint32_t console_events;

void console_init(void) {}

void console_write(const char *s, uint32_t n)
{
    HYPERVISOR_console_io(CONSOLEIO_write, n, s);
}

int printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, MIN((uint32_t)n, sizeof(buf) - 1));
    return n;
}

int console_read(char *buf, uint32_t n)
{
    return (int)HYPERVISOR_console_io(CONSOLEIO_read, n, buf);
}

static void console_virq(evtchn_port_t port, void *data)
{
    console_events++;
}

void console_input_init(void)
{
    if (bind_virq(VIRQ_CONSOLE, console_virq, NULL) < 0)
        printf("minios: cannot bind VIRQ_CONSOLE\n");
}
