/*
 * console.c - minios's console.
 *
 * dom0 writes with console_io(CONSOLEIO_write) straight to the hypervisor's
 * serial console, and reads what is typed with CONSOLEIO_read when
 * VIRQ_CONSOLE says input is waiting.
 *
 * A domU has a console page instead (start_info.console.domU): it produces
 * into the page's `out` ring and consumes from its `in` ring, and notifies
 * dom0's console service through the console event channel.  Until dom0 has
 * bound that channel the notifications go nowhere, but the bytes wait in the
 * ring, so nothing printed early is lost.
 *
 * Natively the console is COM1, driven by minios itself
 * (arch/native/serial.c) behind the same two calls dom0 uses.
 *
 * Tour 15/58 - after entry.S, before events.c.
 */
#include <os.h>
#include <public/io/console.h>

volatile uint32_t console_events;
static struct xencons_interface *ring; /* NULL in dom0 */
static evtchn_port_t ring_port;

void console_init(void)
{
    if (is_native() || is_initial_domain())
        return;
    int pfn = mfn_to_pfn(start_info.console.domU.mfn);
    if (pfn < 0)
        return; /* no console page: output is lost, but we run on */
    ring = pfn_to_virt((uint32_t)pfn);
    ring_port = start_info.console.domU.evtchn;
}

static void ring_write(const char *s, uint32_t n)
{
    for (int stalls = 0; n && stalls < 1000;) {
        XENCONS_RING_IDX cons = ring->out_cons, prod = ring->out_prod;
        barrier();
        uint32_t space = sizeof(ring->out) - (prod - cons);
        if (space == 0) { /* full: let dom0 run and drain it */
            notify_remote(ring_port);
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            stalls++;
            continue;
        }
        uint32_t k = MIN(n, space);
        for (uint32_t i = 0; i < k; i++)
            ring->out[MASK_XENCONS_IDX(prod + i, ring->out)] = s[i];
        barrier(); /* the bytes are in before the index moves */
        ring->out_prod = prod + k;
        s += k, n -= k;
    }
    notify_remote(ring_port);
}

/*
 * A domU: give dom0 the CPU until its console service has taken everything printed so far (or a
 * hundred turns have passed: nobody may be draining).  A benchmark calls this before it starts
 * timing, so that dom0's forwarding of the last line printed is not timed with what follows.
 * dom0 and native print synchronously: nothing to wait for.
 */
void console_flush(void)
{
    for (int turns = 0; ring && ring->out_cons != ring->out_prod && turns < 100; turns++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void console_write(const char *s, uint32_t n)
{
    if (ring)
        ring_write(s, n);
    else
        machine.console_write(s, n);
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

static int ring_read(char *buf, uint32_t n)
{
    XENCONS_RING_IDX cons = ring->in_cons, prod = ring->in_prod;
    barrier();
    uint32_t k = 0;
    while (k < n && cons != prod)
        buf[k++] = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];
    barrier();
    ring->in_cons = cons;
    if (k)
        notify_remote(ring_port);
    return (int)k;
}

int console_read(char *buf, uint32_t n)
{
    if (ring)
        return ring_read(buf, n);
    return machine.console_read(buf, n);
}

static void console_event(evtchn_port_t port, void *data)
{
    console_events++;
}

void console_input_init(void)
{
    if (ring)
        bind_port(ring_port, console_event, NULL);
    else if (bind_virq(VIRQ_CONSOLE, console_event, NULL) < 0)
        printf("minios: cannot bind VIRQ_CONSOLE\n");
}
