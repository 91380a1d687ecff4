/*
 * blkif_check.h - the backend's checks on a block request (blkif_check.c).
 * Pure code: it is compiled into dom0 and into the host unit tests.
 */
#ifndef BLKIF_CHECK_H
#define BLKIF_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <public/io/blkif.h>

struct vbd_limits {
    uint64_t sectors; /* size of the virtual disk */
    int readonly;
};

/* The bytes of a request before its segments (operation .. sector_number). */
#define BLKIF_REQUEST_HEADER offsetof(struct blkif_request, seg)
_Static_assert(BLKIF_REQUEST_HEADER % 4 == 0 && sizeof(struct blkif_request_segment) == 8,
               "a request copies as whole words: the header, then two a segment");

/*
 * The backend's copy of a ring slot the frontend may be rewriting: every word
 * read once, the header, then as many segments as the copy's nr_segments says
 * (at most BLKIF_MAX_SEGMENTS_PER_REQUEST); the segments beyond are left as
 * they were, and blkif_check_request() never reads them.  Inline: blkback
 * copies every request, and a call costs a third of the copy.
 */
static inline void blkif_copy_request(struct blkif_request *dst,
                                      const volatile struct blkif_request *src)
{
    const volatile uint32_t *from = (const volatile uint32_t *)src;
    uint32_t *to = (uint32_t *)dst, w[2];
#pragma GCC unroll 5
    for (uint32_t i = 0; i < BLKIF_REQUEST_HEADER / 4; i++) { /* each word read once */
        w[0] = from[i];
        __builtin_memcpy(&to[i], &w[0], 4);
    }
    uint32_t nr = dst->nr_segments; /* from our copy: the slot may have changed since */
    if (nr > BLKIF_MAX_SEGMENTS_PER_REQUEST)
        nr = BLKIF_MAX_SEGMENTS_PER_REQUEST;
    from += BLKIF_REQUEST_HEADER / 4, to += BLKIF_REQUEST_HEADER / 4;
    for (uint32_t i = 0; i < nr; i++, from += 2, to += 2) { /* a segment is two words */
        w[0] = from[0];
        w[1] = from[1];
        __builtin_memcpy(to, w, 8);
    }
}

/*
 * Check a request the backend has already copied out of the ring.  Returns
 * BLKIF_RSP_OKAY with the number of sectors it moves in *nr_sectors, or
 * BLKIF_RSP_ERROR / BLKIF_RSP_EOPNOTSUPP with a reason in *why.
 */
int blkif_check_request(const struct blkif_request *req, const struct vbd_limits *v,
                        uint32_t *nr_sectors, const char **why);

/*
 * Do a checked request's segments abut in their pages - each but the first starts a page, each
 * but the last ends one - so that its pages mapped side by side hold its sectors as one run?
 * `nr` is its number of sectors (blkif_check_request()).  Every segment lies in its page, so
 * the first holds at most 8 - first_sect sectors, the last at most last_sect + 1, and each
 * between at most 8: the segments abut exactly when nr reaches that sum.  One comparison,
 * where a look at each segment cost blkback seven instructions a page.
 */
static inline int blkif_segments_abut(const struct blkif_request *req, uint32_t nr)
{
    uint32_t n = req->nr_segments;
    return nr == (n - 1) * BLKIF_SECTORS_PER_PAGE - req->seg[0].first_sect +
                     req->seg[n - 1].last_sect + 1u;
}

/*
 * A frontend's I/O pool (feature-persistent, pvlab's form; io/blkif.h): grant references
 * ref .. ref + pages - 1, which blkback maps side by side for the connection's life.  A pool
 * may take dom0's grant area only down to BLKBACK_POOL_KEEP_FREE free pages: half the area
 * stays for what every domain needs whatever the pools (two pages a domU for its console and
 * store, one a disk for its ring, and RUN_PAGES for the run being moved the per-request way).
 */
#define BLKBACK_POOL_KEEP_FREE (GRANT_AREA_SLOTS / 2)

struct blkif_pool {
    grant_ref_t ref; /* the first of its references */
    uint32_t pages;  /* 1..BLKIF_POOL_MAX_PAGES */
};

/*
 * The frontend's pool keys as read from its directory (NULL for a key that is absent), checked
 * before anything is mapped: 1 with *pool set if it offers a pool dom0 may map, 0 if it offers
 * none (no feature-persistent, or 0), -1 with the key and its problem in *why.  free_slots is
 * the number of pages of dom0's grant area free now.
 */
int blkif_check_pool(const char *feature, const char *ref, const char *pages, uint32_t free_slots,
                     struct blkif_pool *pool, const char **why);

/*
 * The frontend's side: describe `count` sectors (1..88) starting at `sector`,
 * held in consecutive whole pages whose grant references are grefs[0..], as a
 * read or write request: one segment per page, sectors 0..7 of each page but
 * the last.  Returns the number of segments, or 0 if count is out of range.
 * Inline: blkfront builds one per request, and the call's seven arguments
 * cost as much as the building.
 */
static inline unsigned int blkif_build_rw(struct blkif_request *req, uint8_t op, uint64_t sector,
                                          uint32_t count, const grant_ref_t *grefs, uint16_t handle,
                                          uint64_t id)
{
    const uint32_t max = BLKIF_MAX_SEGMENTS_PER_REQUEST * BLKIF_SECTORS_PER_PAGE;
    if (count == 0 || count > max)
        return 0;
    req->operation = op;
    req->handle = handle;
    req->id = id;
    req->sector_number = sector;
    unsigned int nseg = (count + BLKIF_SECTORS_PER_PAGE - 1) / BLKIF_SECTORS_PER_PAGE, i;
    for (i = 0; i + 1 < nseg; i++) { /* whole pages: built whole, then copied as two words */
        struct blkif_request_segment s = {grefs[i], 0, BLKIF_SECTORS_PER_PAGE - 1, 0};
        __builtin_memcpy(&req->seg[i], &s, sizeof(s));
    }
    req->seg[i] = (struct blkif_request_segment){
        grefs[i], 0, (uint8_t)((count - 1) % BLKIF_SECTORS_PER_PAGE), 0};
    req->nr_segments = (uint8_t)nseg;
    return nseg;
}

#endif
