/*
 * io_pool.h - which pages of a disk's I/O pool are lent out (guests/minios/blkfront.c).
 *
 * A domU disk whose backend keeps the frontend's pages mapped for the connection's life
 * (persistent grants, include/public/io/blkif.h) has a pool of at most BLKIF_POOL_MAX_PAGES
 * pages, side by side and granted once; blkdev_io_buffer() lends its callers runs of them as
 * I/O buffers, so a transfer through them needs no grant operation.  A bit per page in one
 * 64-bit word is enough: a run is the lowest stretch of clear bits that fits, and a run given
 * back must be one that is lent out whole (a double give or a stray one is refused, not
 * absorbed).  Pure and inline: tests/unit/test_io_pool.c builds it on the host.
 */
#ifndef MINIOS_IO_POOL_H
#define MINIOS_IO_POOL_H

#include <stdint.h>

#define IO_POOL_MAX_PAGES 64 /* the bitmap's width; BLKIF_POOL_MAX_PAGES must fit in it */

struct io_pool {
    uint64_t used;  /* bit p: page p is lent out */
    uint32_t pages; /* of the pool (0: no pool) */
};

/* The bits of pages first .. first + n - 1 (1 <= n <= 64). */
static inline uint64_t io_pool_bits(uint32_t first, uint32_t n)
{
    return (n == IO_POOL_MAX_PAGES ? ~0ull : (1ull << n) - 1) << first;
}

/* Lend the lowest run of n free pages: its first page, or -1 if no run of n is free. */
static inline int32_t io_pool_take(struct io_pool *p, uint32_t n)
{
    if (n == 0 || n > p->pages)
        return -1;
    for (uint32_t first = 0; first + n <= p->pages; first++)
        if (!(p->used & io_pool_bits(first, n))) {
            p->used |= io_pool_bits(first, n);
            return (int32_t)first;
        }
    return -1;
}

/* Give back the run of n pages from `first`: 0, or -1 (nothing changed) if they are not all
 * lent out or not all in the pool. */
static inline int io_pool_give(struct io_pool *p, uint32_t first, uint32_t n)
{
    if (n == 0 || first >= p->pages || n > p->pages - first)
        return -1;
    uint64_t bits = io_pool_bits(first, n);
    if ((p->used & bits) != bits)
        return -1;
    p->used &= ~bits;
    return 0;
}

#endif
