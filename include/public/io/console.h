/*
 * io/console.h - a domU's console page: two byte rings, input and output,
 * with free-running indices (Xen's layout).  The domU produces into `out` and
 * consumes from `in`; dom0's console service does the opposite, and each
 * side notifies the other through the console event channel.
 */
#ifndef PUBLIC_IO_CONSOLE_H
#define PUBLIC_IO_CONSOLE_H

#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
    char in[1024];
    char out[2048];
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
};

#endif
