/*
 * xm_privcmd.c - what xm_query.c needs from a ring-3 program: the
 * hypervisor through the privcmd system call (guests/minios/proc/privcmd.c),
 * and output on descriptor 1.  Linked into /bin/xm-lite and /bin/xl.
 */
#include <ulib.h>
#include <public/xen.h>
#include "xm_query.h"

long xm_domctl(struct xen_domctl *op)
{
    return privcmd(__HYPERVISOR_domctl, op);
}

long xm_sysctl(struct xen_sysctl *op)
{
    return privcmd(__HYPERVISOR_sysctl, op);
}

long xm_xen_version(int cmd, void *arg)
{
    return xen_version(cmd, arg);
}

void xm_write(const char *s, uint32_t n)
{
    write(1, s, n);
}
