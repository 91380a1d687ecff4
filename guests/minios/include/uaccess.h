/*
 * uaccess.h - is a user pointer safe for the kernel to touch?
 * (proc/uaccess.c).  A process's address space is a short list of regions
 * (its ELF segments, its heap, its stack); a range is good only if every
 * byte of it lies in a region, and, for a write, a writable one.  Pure
 * logic, tested on the host by tests/unit/test_uaccess.c.
 */
#ifndef MINIOS_UACCESS_H
#define MINIOS_UACCESS_H

#include <stdint.h>

struct uregion {
    uint32_t start, end; /* [start, end) */
    int writable;
};

/* 1 if [addr, addr+len) is all inside the regions (writable ones if `write`), else 0. */
int user_range_ok(const struct uregion *r, unsigned int n, uint32_t addr, uint32_t len, int write);
/* How many bytes from addr on are readable without a gap (0 if addr itself is not). */
uint32_t user_bytes_from(const struct uregion *r, unsigned int n, uint32_t addr);

#endif
