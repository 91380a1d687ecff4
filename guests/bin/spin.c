/*
 * spin [MS] - a CPU-bound test program: loop for MS milliseconds of wall
 * time (forever without an argument), then report the CPU time it got.
 */
#include <ulib.h>

int main(int argc, char **argv)
{
    uint64_t ms = argc > 1 ? strtoul(argv[1], NULL, 10) : 0, t0 = now_ns();
    volatile uint32_t work = 0;
    while (ms == 0 || now_ns() - t0 < ms * 1000000u)
        for (int i = 0; i < 1000; i++)
            work++;
    struct pvlab_timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    uint32_t cpu_ms = (uint32_t)cpu.tv_sec * 1000 + (uint32_t)cpu.tv_nsec / 1000000;
    printf("spin: pid %d got %u ms of CPU in %u ms\n", getpid(), cpu_ms,
           (uint32_t)((now_ns() - t0) / 1000000));
    return 0;
}
