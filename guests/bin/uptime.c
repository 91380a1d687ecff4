/* uptime - the time since this domain started, and the timer ticks it has had (SYS_sysinfo). */
#include <ulib.h>

int main(void)
{
    static struct pvlab_sysinfo si;
    if (sysinfo(&si))
        return printf("uptime: the kernel did not answer\n"), 1;
    printf("up %u.%03u s, %u timer ticks\n", (uint32_t)(si.uptime_ns / 1000000000u),
           (uint32_t)(si.uptime_ns / 1000000u % 1000), si.timer_ticks);
    return 0;
}
