/*
 * time.c - system time and the timer interrupt.
 *
 * System time is nanoseconds since boot, read from the TSC and scaled by a
 * factor measured against the PIT at boot.  Guests get the same scale in
 * their vcpu_time_info (tsc_timestamp, system_time, tsc_to_system_mul,
 * tsc_shift) and compute time themselves with rdtsc, without a hypercall.
 * Under QEMU's -icount shift=0 the TSC advances one tick per instruction, so
 * both figures repeat exactly from run to run.
 *
 * The PIT interrupts HZ times a second; each tick fires due guest timers
 * (VIRQ_TIMER, hv/timer.c) and lets the scheduler end a time slice.
 *
 * Tour 12/37 - after arch/x86/fpu.c, before arch/x86/pit.c.
 */
#include <lib.h>
#include <public/xen.h>
#include <hv/arch.h>
#include <hv/config.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/x86.h>

uint64_t tsc_hz;
uint64_t jiffies;
static uint64_t boot_tsc;
static uint32_t tsc_mul;
static int8_t tsc_shift;

/* Choose mul and shift so that ns = ((tsc << shift) * mul) >> 32 (shift may be negative). */
static void compute_scale(uint64_t hz)
{
    uint64_t mul = (1000000000ull << 32) / hz; /* may exceed 32 bits when hz < 1 GHz */
    int shift = 0;
    while (mul >= (1ull << 32)) {
        mul >>= 1;
        shift++;
    }
    while (mul < (1ull << 31)) {
        mul <<= 1;
        shift--;
    }
    tsc_mul = (uint32_t)mul;
    tsc_shift = (int8_t)shift;
}

uint64_t NOW(void)
{
    return scale_delta(rdtsc() - boot_tsc, tsc_mul, tsc_shift);
}

uint64_t tsc_ticks_to_ns(uint64_t ticks)
{
    return scale_delta(ticks, tsc_mul, tsc_shift);
}

void time_init(void)
{
    tsc_hz = calibrate_tsc_hz();
    boot_tsc = rdtsc();
    compute_scale(tsc_hz);
    pit_init(HZ);
    printk("(XEN) TSC runs at %u.%03u MHz; timer at %u Hz\n", (uint32_t)(tsc_hz / 1000000),
           (uint32_t)(tsc_hz / 1000 % 1000), HZ);
}

/* Guests compute time from this record; the TSC never changes rate here, so it is written once. */
void time_fill_vcpu_info(struct vcpu_time_info *t)
{
    t->version++;
    __asm__ volatile("" ::: "memory");
    t->tsc_timestamp = boot_tsc;
    t->system_time = 0;
    t->tsc_to_system_mul = tsc_mul;
    t->tsc_shift = tsc_shift;
    __asm__ volatile("" ::: "memory");
    t->version++;
}

/*
 * A tick that comes later than one period after the last shows how long
 * interrupts were held off: the hypervisor does everything with interrupts
 * off, so that is the length of its longest stretch of work.  It is charged to
 * the domain that was running (the one whose hypercall it was), so a guest
 * that makes the hypervisor work too long without a break is seen.
 */
static void note_tick_lateness(uint64_t now)
{
    static uint64_t last;
    uint64_t late = last && now - last > 1000000000ull / HZ ? now - last - 1000000000ull / HZ : 0;
    last = now;
    if (late && !is_idle_vcpu(current) && late > current->domain->counters.tick_late_max)
        current->domain->counters.tick_late_max = late;
}

void timer_interrupt(void)
{
    uint64_t now = NOW();
    jiffies++;
    note_tick_lateness(now);
    fire_timers(now); /* hv/timer.c */
    sched_tick();     /* and the running vCPU's slice may be over */
}
