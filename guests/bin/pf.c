/*
 * pf [ADDR] - have the kernel read ADDR (default 0x1000, unmapped in every
 * page directory) with probe_read (SYS_kprobe): if the read faults, minios's
 * page-fault handler reports the address and recovers, and the kernel and
 * this program carry on.  A ring-3 read of the same address would kill the
 * program instead.
 */
#include <ulib.h>

int main(int argc, char **argv)
{
    uint32_t addr = argc > 1 ? strtoul(argv[1], NULL, 0) : 0x00001000, val = 0;
    printf("pf: reading %08x\n", addr);
    int rc = kprobe(addr, &val);
    if (rc == 0)
        printf("pf: %08x holds %08x\n", addr, val);
    else if (rc == -E_FAULT)
        printf("pf: the read faulted and minios's page-fault handler recovered\n");
    else
        return printf("pf: %s\n", strerror(-rc)), 1;
    return 0;
}
