/*
 * blkif_check.h - the backend's checks on a block request (blkif_check.c).
 * Pure code: it is compiled into dom0 and into the host unit tests.
 */
#ifndef BLKIF_CHECK_H
#define BLKIF_CHECK_H

#include <stdint.h>
#include <public/io/blkif.h>

struct vbd_limits {
    uint64_t sectors; /* size of the virtual disk */
    int readonly;
};

/*
 * Check a request the backend has already copied out of the ring.  Returns
 * BLKIF_RSP_OKAY with the number of sectors it moves in *nr_sectors, or
 * BLKIF_RSP_ERROR / BLKIF_RSP_EOPNOTSUPP with a reason in *why.
 */
int blkif_check_request(const struct blkif_request *req, const struct vbd_limits *v,
                        uint32_t *nr_sectors, const char **why);

/*
 * The frontend's side: describe `count` sectors (1..88) starting at `sector`,
 * held in consecutive whole pages whose grant references are grefs[0..], as a
 * read or write request: one segment per page, sectors 0..7 of each page but
 * the last.  Returns the number of segments, or 0 if count is out of range.
 */
unsigned int blkif_build_rw(struct blkif_request *req, uint8_t op, uint64_t sector, uint32_t count,
                            const grant_ref_t *grefs, uint16_t handle, uint64_t id);

#endif
