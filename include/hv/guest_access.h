/*
 * guest_access.h - reading and writing guest memory from a hypercall.
 *
 * A hypercall argument that points into the guest is a guest virtual address
 * in the current address space.  It is accepted only if the whole range lies
 * below the hypervisor (so a guest cannot make us read or write our own
 * memory), and the copy itself survives faults (an unmapped or read-only
 * guest page gives -EFAULT instead of a hypervisor crash).
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <public/errno.h>
#include <public/arch-x86_32.h>

/* Is [addr, addr+len) a range a guest may name?  Pure: unit-tested on the host. */
static inline int guest_range_ok(uint32_t addr, uint32_t len)
{
    return addr + len >= addr && addr + len <= HYPERVISOR_VIRT_START;
}

#ifndef HOST_TEST
#include <hv/arch.h>
static inline int copy_from_guest(void *dst, uint32_t gsrc, size_t n)
{
    if (!guest_range_ok(gsrc, n))
        return -XEN_EFAULT;
    return copy_guest(dst, (const void *)gsrc, n) ? -XEN_EFAULT : 0;
}
static inline int copy_to_guest(uint32_t gdst, const void *src, size_t n)
{
    if (!guest_range_ok(gdst, n))
        return -XEN_EFAULT;
    return copy_guest((void *)gdst, src, n) ? -XEN_EFAULT : 0;
}
#endif

#endif
