/*
 * bench - the kernel's path lengths: a null hypercall, int $0x80 from ring 3,
 * a #GP bounce, grant map+unmap and a kernel page fault (guests/minios/
 * bench.c, through SYS_kbench), printed as BENCH lines by the kernel itself
 * since they measure ring-1 code.  tests/bench.py reads them.
 */
#include <ulib.h>

int main(void)
{
    int rc = kbench();
    if (rc == -E_NOSYS)
        return printf("bench: needs the pvlab hypervisor; minios is running natively (no "
                      "hypervisor here)\n"),
               1;
    if (rc)
        return printf("bench: %s\n", strerror(-rc)), 1;
    return 0;
}
