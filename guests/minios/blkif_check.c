/*
 * blkif_check.c - the pure parts of the block protocol: how a frontend
 * describes a transfer as a request (blkif_check.h: blkif_build_rw, inline),
 * and what a backend must verify before it touches a disk on a frontend's
 * behalf.  The request is the backend's own copy (a frontend could
 * change the ring slot while we look at it).  Each segment must describe
 * sectors inside one page (first <= last <= 7); the whole transfer must lie
 * inside the virtual disk, whose sectors are counted from its own start, so
 * no request can reach another domain's part of the real disk; a read-only
 * disk refuses writes.
 *
 * The copy out of the ring (blkif_check.h: blkif_copy_request, inline) takes
 * the fixed header and then only the segments the copied header counts: a
 * one-page request is 7 words, not the 27 of a whole slot, and a count above
 * 11 is refused by the check before any segment is looked at.
 *
 * A frontend's offer of an I/O pool (blkif_check_pool) is checked here too,
 * from the strings it wrote in the store, before blkback maps anything: a
 * number is decimal digits and fits 32 bits, the pool has 1 to
 * BLKIF_POOL_MAX_PAGES pages, its references lie past the reserved ones and
 * inside the largest grant table a domain can have (no sum wraps), and dom0's
 * grant area keeps half its pages free after it.
 *
 * Tour 46/58 - after blkfront.c, before blkback.c.
 */
#include <blkif_check.h>

static int refuse(const char **why, const char *reason, int status)
{
    *why = reason;
    return status;
}

int blkif_check_request(const struct blkif_request *req, const struct vbd_limits *v,
                        uint32_t *nr_sectors, const char **why)
{
    *nr_sectors = 0;
    switch (req->operation) {
    case BLKIF_OP_FLUSH_DISKCACHE:
        if (req->nr_segments != 0)
            return refuse(why, "a flush carries no segments", BLKIF_RSP_ERROR);
        return BLKIF_RSP_OKAY;
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        break;
    default:
        return refuse(why, "unknown operation", BLKIF_RSP_EOPNOTSUPP);
    }
    if (req->operation == BLKIF_OP_WRITE && v->readonly)
        return refuse(why, "write to a read-only disk", BLKIF_RSP_ERROR);
    if (req->nr_segments == 0 || req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
        return refuse(why, "bad number of segments", BLKIF_RSP_ERROR);
    uint32_t total = 0;
    for (unsigned int i = 0; i < req->nr_segments; i++) {
        const struct blkif_request_segment *s = &req->seg[i];
        if (s->first_sect > s->last_sect || s->last_sect >= BLKIF_SECTORS_PER_PAGE)
            return refuse(why, "a segment reaches outside its page", BLKIF_RSP_ERROR);
        total += s->last_sect - s->first_sect + 1u;
    }
    if (req->sector_number >= v->sectors || total > v->sectors - req->sector_number)
        return refuse(why, "sectors beyond the end of the disk", BLKIF_RSP_ERROR);
    *nr_sectors = total;
    return BLKIF_RSP_OKAY;
}

/* s as a number: decimal digits only, at most UINT32_MAX; 0, or -1. */
static int parse_u32(const char *s, uint32_t *v)
{
    uint64_t n = 0;
    if (!*s)
        return -1;
    for (; *s; s++)
        if (*s < '0' || *s > '9' || (n = n * 10 + (uint32_t)(*s - '0')) > UINT32_MAX)
            return -1; /* n stays below 10 * 2^32: no wrap */
    *v = (uint32_t)n;
    return 0;
}

#define MAX_GRANT_REFS (GNTTAB_MAX_FRAMES * GRANT_ENTRIES_PER_PAGE)

int blkif_check_pool(const char *feature, const char *ref, const char *pages, uint32_t free_slots,
                     struct blkif_pool *pool, const char **why)
{
    uint32_t r, n;
    if (!feature || (feature[0] == '0' && !feature[1]))
        return 0;
    if (feature[0] != '1' || feature[1])
        return refuse(why, "feature-persistent: neither 0 nor 1", -1);
    if (!ref || parse_u32(ref, &r))
        return refuse(why, "pool-ref: missing, or not a decimal number below 2^32", -1);
    if (!pages || parse_u32(pages, &n))
        return refuse(why, "pool-pages: missing, or not a decimal number below 2^32", -1);
    if (n == 0 || n > BLKIF_POOL_MAX_PAGES)
        return refuse(why, "pool-pages: not 1 to BLKIF_POOL_MAX_PAGES (64)", -1);
    if (r < GNTTAB_NR_RESERVED_ENTRIES)
        return refuse(why, "pool-ref: one of the reserved references (0-7)", -1);
    if (r > MAX_GRANT_REFS - n)
        return refuse(why, "pool-ref: the pool runs past the largest grant table (2048)", -1);
    if (free_slots < BLKBACK_POOL_KEEP_FREE || free_slots - BLKBACK_POOL_KEEP_FREE < n)
        return refuse(why, "pool-pages: dom0's grant area would keep less than half free", -1);
    *pool = (struct blkif_pool){r, n};
    return 1;
}
