/*
 * ticks - watch the timer virtual interrupt (VIRQ_TIMER) arrive for a
 * second: the kernel's tick count (SYS_sysinfo) before and after, sleeping
 * a tick at a time in between.
 */
#include <ulib.h>

#define TICK_NS 10000000 /* minios's timer: 100 Hz */

static void print_seconds(uint64_t ns)
{
    printf("%u.%03u s", (uint32_t)(ns / 1000000000u), (uint32_t)(ns / 1000000u % 1000));
}

int main(void)
{
    static struct pvlab_sysinfo first, now;
    const struct pvlab_timespec tick = {0, TICK_NS};
    if (sysinfo(&first))
        return printf("ticks: the kernel did not answer\n"), 1;
    printf("ticks: VIRQ_TIMER arrives on event channel %u; %u ticks so far\n", first.timer_port,
           first.timer_ticks);
    do {
        nanosleep(&tick);
        sysinfo(&now);
    } while (now.uptime_ns - first.uptime_ns < 1000000000ull);
    uint32_t n = now.timer_ticks - first.timer_ticks;
    printf("ticks: %u timer events in ", n);
    print_seconds(now.uptime_ns - first.uptime_ns);
    printf(" (%u Hz)\n", n);
    return 0;
}
