/*
 * spin [MS] [sys] - a CPU-bound test program: loop for MS milliseconds of
 * wall time (forever without an argument or with 0), then report the CPU
 * time it got.  With `sys` it spins in system calls instead (stat, over and
 * over): nearly all its time is then in the kernel, where a timer upcall
 * only records the tick, so only the check on the way back to ring 3
 * (proc/syscall.c) can end its slice.
 */
#include <ulib.h>

/* A slice of work: ring-3 arithmetic, or system calls. */
static void work(int in_kernel)
{
    static volatile uint32_t count;
    struct pvlab_stat st;
    for (int i = 0; i < 1000; i++)
        if (in_kernel && i % 50 == 0)
            stat("/bin/spin", &st);
        else if (!in_kernel)
            count++;
}

int main(int argc, char **argv)
{
    uint64_t ms = argc > 1 ? strtoul(argv[1], NULL, 10) : 0, t0 = now_ns();
    int in_kernel = argc > 2 && !strcmp(argv[2], "sys");
    while (ms == 0 || now_ns() - t0 < ms * 1000000u)
        work(in_kernel);
    struct pvlab_timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    uint32_t cpu_ms = (uint32_t)cpu.tv_sec * 1000 + (uint32_t)cpu.tv_nsec / 1000000;
    printf("spin: pid %d%s got %u ms of CPU in %u ms\n", getpid(), in_kernel ? " (sys)" : "",
           cpu_ms, (uint32_t)((now_ns() - t0) / 1000000));
    return 0;
}
