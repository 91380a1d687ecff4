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
