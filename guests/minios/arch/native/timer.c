/*
 * timer.c - the native clock: the TSC, scaled with the same vcpu_time_info
 * record the hypervisor fills for a PV minios, and the PIT as the tick.
 *
 * native_time_init() measures the TSC's rate against a 10 ms one-shot of
 * the PIT's channel 2 (whose output can be read in port 0x61, with no
 * interrupt), writes the record so that time.c's monotonic_ns() counts from
 * minios's first instruction, and starts channel 0 at 100 Hz: IRQ 0, which
 * VIRQ_TIMER is bound to (irq.c), the same 10 ms tick a PV minios gets.
 *
 * Tour 11/58 - after arch/native/entry.S, before arch/native/serial.c.
 */
#include "native.h"

#define PIT_HZ       1193182u
#define PIT_CH0      0x40
#define PIT_CH2      0x42
#define PIT_CMD      0x43
#define PORT_B       0x61 /* bit 0: channel 2's gate; bit 5: its output */
#define TICK_HZ      100
#define CALIBRATE_MS 10

/* TSC ticks per second, measured over a 10 ms PIT one-shot. */
static uint64_t tsc_hz(void)
{
    uint16_t count = PIT_HZ / (1000 / CALIBRATE_MS);
    outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(PIT_CMD, 0xB0);                        /* channel 2, low then high byte, mode 0 */
    outb(PIT_CH2, (uint8_t)count);
    outb(PIT_CH2, (uint8_t)(count >> 8));
    uint64_t t0 = rdtsc();
    while (!(inb(PORT_B) & 0x20))
        ;
    return (rdtsc() - t0) * (1000 / CALIBRATE_MS);
}

/* mul and shift such that ns = ((delta << shift) * mul) >> 32, as Xen's record has them. */
static void scale_for(uint64_t hz, uint32_t *mul, int8_t *shift)
{
    int s = 0;
    uint64_t tps = hz;
    while (tps <= 1000000000ull)
        tps <<= 1, s++;
    while (tps > 2000000000ull)
        tps >>= 1, s--;
    *mul = (uint32_t)((1000000000ull << 32) / tps);
    *shift = (int8_t)s;
}

int native_time_init(void)
{
    uint64_t hz = tsc_hz();
    if (hz == 0)
        return -1;
    struct vcpu_time_info *t = &HYPERVISOR_shared_info->vcpu_info[0].time;
    t->version = 1;
    barrier();
    t->tsc_timestamp = start_tsc;
    t->system_time = 0;
    scale_for(hz, &t->tsc_to_system_mul, &t->tsc_shift);
    barrier();
    t->version = 2;
    uint16_t div = PIT_HZ / TICK_HZ;
    outb(PIT_CMD, 0x34); /* channel 0, low then high byte, rate generator */
    outb(PIT_CH0, (uint8_t)div);
    outb(PIT_CH0, (uint8_t)(div >> 8));
    printf("native: TSC at %u kHz (against the PIT), tick %u Hz on IRQ %u\n", (uint32_t)(hz / 1000),
           TICK_HZ, IRQ_TIMER);
    return 0;
}
