/*
 * xenpeer_user.c - the user-space half of `make bench-xen`: dom0's system
 * call and privcmd hypercall, timed between plugin markers.
 *
 * The module (tools/xenpeer/module/xenpeer.c) times paths that start in the
 * PV kernel; this program times the two that start in dom0's user space,
 * where xl and pvlab's xm-lite live.  `getppid` is a null system call: in a
 * 64-bit PV dom0 its `syscall` enters Xen first, which bounces it to the
 * kernel (the kernel is in ring 3 too), and the return goes through Xen
 * again.  The privcmd hypercall is what a toolstack issues: an ioctl on
 * /dev/xen/privcmd that Linux turns into a hypercall (`xen_version` here,
 * pvlab's null hypercall).  On bare Linux (no /dev/xen/privcmd) only the
 * getppid windows run, for the same kernel without a hypervisor under it.
 *
 * Each window is N calls between two `xchg %bx,%bx` markers (the plugin's
 * convention, docs/instruments.md), run REPEATS times, and each prints
 *   xenpeer: window name=NAME n=N check=C
 * to stdout, the same line the module logs, so the host pairs windows with
 * names in order.  No libc: it is linked -static -nostdlib, its few system
 * calls are inline `syscall`s, so nothing but the measured call runs
 * between the markers.
 */
#include "xenpeer.h"

#define N       XENPEER_N
#define REPEATS XENPEER_REPEATS

#define SYS_write   1
#define SYS_open    2
#define SYS_ioctl   16
#define SYS_exit    60
#define SYS_getppid 110
#define O_RDWR      2

/* linux/include/uapi/xen/privcmd.h: _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall)) */
struct privcmd_hypercall {
    unsigned long long op, arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL                                                                    \
    (((unsigned long)sizeof(struct privcmd_hypercall) << 16) | ('P' << 8))
#define HYPERVISOR_xen_version 17
#define XENVER_version         0

static long sys3(long nr, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return r;
}

static inline void marker(void)
{
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
}

static unsigned long length(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

static void put(const char *s)
{
    sys3(SYS_write, 1, (long)s, (long)length(s));
}

/* Decimal of v (negative too) into buf, which must hold 21 bytes. */
static const char *decimal(long v, char *buf)
{
    char *p = buf + 20;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    *p = 0;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    return p;
}

static void report(const char *name, long check)
{
    char buf[21];
    put("xenpeer: window name=");
    put(name);
    put(" n=");
    put(decimal(N, buf));
    put(" check=");
    put(decimal(check, buf));
    put("\n");
}

static long run_getppid(long fd)
{
    long r = 0;
    marker();
    for (int i = 0; i < N; i++)
        r = sys3(SYS_getppid, 0, 0, 0);
    marker();
    return r;
}

static long run_privcmd(long fd)
{
    struct privcmd_hypercall call = {.op = HYPERVISOR_xen_version, .arg = {XENVER_version}};
    long r = 0;
    marker();
    for (int i = 0; i < N; i++)
        r = sys3(SYS_ioctl, fd, IOCTL_PRIVCMD_HYPERCALL, (long)&call);
    marker();
    return r;
}

static void measure(const char *name, long (*run)(long), long fd)
{
    for (int k = 0; k < REPEATS; k++)
        report(name, run(fd));
}

/* The kernel enters with %rsp 16-byte aligned and no return address: realign for C. */
void _start(void) __attribute__((noreturn, force_align_arg_pointer));

void _start(void)
{
    long fd = sys3(SYS_open, (long)"/dev/xen/privcmd", O_RDWR, 0);
    measure("getppid", run_getppid, fd);
    if (fd >= 0)
        measure("privcmd_xen_version", run_privcmd, fd);
    else
        put("xenpeer: no /dev/xen/privcmd: getppid only\n");
    sys3(SYS_exit, 0, 0, 0);
    for (;;)
        ;
}
