/*
 * uaccess.c - the check that stands between a system call and a user
 * pointer.
 *
 * The kernel runs in ring 1 and can read and write everything a process
 * maps, and the kernel itself besides; so before it touches memory a
 * process named, it checks the range against that process's own regions.
 * A range may run across adjacent regions (data into heap); it may not
 * touch a gap, wrap around the top of the address space, or write a
 * read-only region.  What the check accepts is mapped, so the kernel never
 * faults on a user pointer.
 *
 * Tour 34/58 - after proc/syscall.c, before proc/tty.c.
 */
#include <lib.h>
#include <uaccess.h>

/* The region holding addr (writable if asked), or NULL. */
static const struct uregion *region_at(const struct uregion *r, unsigned int n, uint32_t addr,
                                       int write)
{
    for (unsigned int i = 0; i < n; i++)
        if (addr >= r[i].start && addr < r[i].end && (r[i].writable || !write))
            return &r[i];
    return NULL;
}

int user_range_ok(const struct uregion *r, unsigned int n, uint32_t addr, uint32_t len, int write)
{
    if (len == 0)
        return 1;
    if (addr + len < addr || addr + len == 0)
        return 0; /* wraps around (or ends exactly at 4 GiB, which no region reaches) */
    uint32_t end = addr + len;
    while (addr < end) {
        const struct uregion *g = region_at(r, n, addr, write);
        if (!g)
            return 0;
        addr = g->end;
    }
    return 1;
}

uint32_t user_bytes_from(const struct uregion *r, unsigned int n, uint32_t addr)
{
    uint32_t start = addr;
    const struct uregion *g;
    while ((g = region_at(r, n, addr, 0)) != NULL && g->end > addr)
        addr = g->end;
    return addr - start;
}
