/*
 * pit.c - the 8254 programmable interval timer: the periodic tick (channel 0)
 * and the yardstick for measuring the TSC's rate (channel 2).
 *
 * Tour 13/37 - after hv/time.c, before hv/sched.c.
 */
#include <lib.h>
#include <hv/arch.h>
#include <hv/x86.h>

#define PIT_HZ 1193182u

void pit_init(unsigned int hz)
{
    uint16_t div = (uint16_t)(PIT_HZ / hz);
    outb(0x43, 0x34); /* channel 0, lo/hi byte, rate generator */
    outb(0x40, div & 0xFF);
    outb(0x40, div >> 8);
}

/* Count TSC ticks across a 10 ms one-shot on channel 2 (its gate is in port 0x61). */
uint64_t calibrate_tsc_hz(void)
{
    const uint32_t count = PIT_HZ / 100;
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xB0); /* channel 2, lo/hi byte, interrupt on terminal count */
    outb(0x42, count & 0xFF);
    outb(0x42, count >> 8);
    uint64_t t0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        ;
    uint64_t t1 = rdtsc();
    return (t1 - t0) * 100;
}
