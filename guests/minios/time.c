/*
 * time.c - minios's clock and timer.
 *
 * Time needs no hypercall: the hypervisor publishes (tsc_timestamp,
 * system_time, mul, shift) in our vcpu_time_info and we scale the TSC
 * ourselves.  The hypervisor's periodic VIRQ_TIMER (every 10 ms) arrives
 * through an event channel; the handler just counts ticks.  Natively
 * machine.time_init measures the TSC against the PIT and fills the same
 * record, and the PIT's 100 Hz IRQ 0 is what VIRQ_TIMER is bound to.
 *
 * Tour 20/58 - after gnttab.c, before xenbus.c.
 */
#include <os.h>

volatile uint32_t timer_ticks;
evtchn_port_t timer_port;

uint64_t monotonic_ns(void)
{
    const volatile struct vcpu_time_info *t = &HYPERVISOR_shared_info->vcpu_info[0].time;
    uint32_t version;
    uint64_t ns;
    do {
        version = t->version;
        barrier();
        ns = t->system_time +
             scale_delta(rdtsc() - t->tsc_timestamp, t->tsc_to_system_mul, t->tsc_shift);
        barrier();
    } while ((version & 1) || version != t->version);
    return ns;
}

static void timer_handler(evtchn_port_t port, void *data)
{
    timer_ticks++;
}

void time_init(void)
{
    if (machine.time_init())
        crash("no clock");
    int port = bind_virq(VIRQ_TIMER, timer_handler, NULL);
    if (port < 0)
        crash("cannot bind VIRQ_TIMER");
    timer_port = (evtchn_port_t)port;
}
