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

/* Is [addr, addr+len) a range a guest may name?  Pure: unit-tested on the host.  Written
 * without the sum addr + len, which could wrap: for a length known at compile time it is one
 * compare. */
static inline int guest_range_ok(uint32_t addr, uint32_t len)
{
    return len <= HYPERVISOR_VIRT_START && addr <= HYPERVISOR_VIRT_START - len;
}

#ifndef HOST_TEST
#include <hv/arch.h>

/*
 * A copy of a size known at compile time, a whole number of words up to
 * GUEST_COPY_INLINE, is done inline, one load or store with a fix-up a word
 * (get_guest_u32(), put_guest_u32()): an event channel's port, a grant
 * operation; so is a store of one 16-bit word (put_guest_u16(): a grant
 * map's status).  Any other goes through copy_guest()'s string move, whose call
 * and set-up cost more than a few words.
 */
#define GUEST_COPY_INLINE 32
#define GUEST_COPY_IS_INLINE(n)                                                                    \
    (__builtin_constant_p(n) && (n) % 4 == 0 && (n) <= GUEST_COPY_INLINE)

static inline __attribute__((always_inline)) int copy_from_guest(void *dst, uint32_t gsrc, size_t n)
{
    if (!guest_range_ok(gsrc, n))
        return -XEN_EFAULT;
    if (GUEST_COPY_IS_INLINE(n)) {
#pragma GCC unroll 8
        for (size_t i = 0; i < n / 4; i++) {
            uint32_t w;
            get_guest_u32(w, gsrc + 4 * i, fault);
            __builtin_memcpy((char *)dst + 4 * i, &w, 4);
        }
        return 0;
    }
    return copy_guest(dst, (const void *)gsrc, n) ? -XEN_EFAULT : 0;
fault:
    return -XEN_EFAULT;
}
static inline __attribute__((always_inline)) int copy_to_guest(uint32_t gdst, const void *src,
                                                               size_t n)
{
    if (!guest_range_ok(gdst, n))
        return -XEN_EFAULT;
    if (__builtin_constant_p(n) && n == 2) { /* a status word alone */
        uint16_t h;
        __builtin_memcpy(&h, src, 2);
        put_guest_u16(gdst, h, fault);
        return 0;
    }
    if (GUEST_COPY_IS_INLINE(n)) {
#pragma GCC unroll 8
        for (size_t i = 0; i < n / 4; i++) {
            uint32_t w;
            __builtin_memcpy(&w, (const char *)src + 4 * i, 4);
            put_guest_u32((uint32_t *)gdst + i, w, fault);
        }
        return 0;
    }
    return copy_guest((void *)gdst, src, n) ? -XEN_EFAULT : 0;
fault:
    return -XEN_EFAULT;
}
#endif

#endif
