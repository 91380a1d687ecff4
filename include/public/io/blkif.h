/*
 * io/blkif.h - the block device protocol between a frontend (the domU's
 * virtual disk) and a backend (dom0's driver of the real disk).
 *
 * The frontend puts requests on a shared ring (io/ring.h): an operation, a
 * starting sector, and up to 11 segments, each a grant reference to one of
 * its pages plus the first and last 512-byte sector used within that page.
 * The backend answers each with a response carrying the request's id and a
 * status.  Layouts are i386's ("x86_32-abi"): 64-bit fields are only 4-byte
 * aligned, which the pack pragma reproduces on any compiler, so a request is
 * 108 bytes, a response 12, and a one-page ring holds 32 of them.
 *
 * In the xenstore the backend publishes sectors, sector-size, info (flags
 * below) and feature-flush-cache; the frontend publishes ring-ref,
 * event-channel and protocol.
 *
 * Persistent grants (feature-persistent, pvlab's form): a backend that can
 * keep a frontend's pages mapped for the life of the connection writes
 * feature-persistent = 1.  A frontend that answers with feature-persistent
 * = 1 also writes pool-ref and pool-pages (pvlab's keys): grant references
 * pool-ref .. pool-ref + pool-pages - 1 grant, in order and writable, the
 * pages of its I/O pool, at most BLKIF_POOL_MAX_PAGES, and stay granted
 * until the backend is Closed.  The backend maps the pool once, side by
 * side, when it connects; a segment naming a pool reference then needs no
 * grant operation.  The pool holds only data on its way to or from the
 * disk, which the backend reaches anyway.
 */
#ifndef PUBLIC_IO_BLKIF_H
#define PUBLIC_IO_BLKIF_H

#include <stdint.h>
#include "../grant_table.h"
#include "ring.h"

typedef uint16_t blkif_vdev_t;
typedef uint64_t blkif_sector_t;

#define BLKIF_OP_READ            0
#define BLKIF_OP_WRITE           1
#define BLKIF_OP_WRITE_BARRIER   2
#define BLKIF_OP_FLUSH_DISKCACHE 3

#define BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define BLKIF_SECTORS_PER_PAGE         8
#define BLKIF_POOL_MAX_PAGES           64 /* pvlab: a frontend's I/O pool, at most (256 KiB) */

#define BLKIF_RSP_EOPNOTSUPP (-2)
#define BLKIF_RSP_ERROR      (-1)
#define BLKIF_RSP_OKAY       0

#define VDISK_CDROM     0x1
#define VDISK_REMOVABLE 0x2
#define VDISK_READONLY  0x4

#define XEN_IO_PROTO_ABI_X86_32 "x86_32-abi"
#define XVD_MAJOR               202 /* xvda is device 202:0 (51712), xvdb 202:16, ... */

/* A virtual disk's name (xvda..xvdp) as its device number, the key of its xenstore directories
 * (device/vbd/51712): 0, or -1 if `vdev` is no such name.  The toolstack and the backend agree
 * on it through this one definition. */
static inline int xvd_devid(const char *vdev, uint32_t *devid)
{
    if (vdev[0] != 'x' || vdev[1] != 'v' || vdev[2] != 'd' || vdev[3] < 'a' || vdev[3] > 'p' ||
        vdev[4])
        return -1;
    *devid = (XVD_MAJOR << 8) | ((uint32_t)(vdev[3] - 'a') << 4);
    return 0;
}

#pragma pack(push, 4)
struct blkif_request_segment {
    grant_ref_t gref;   /* a page of the frontend's */
    uint8_t first_sect; /* the first and last 512-byte sectors used in it (0..7) */
    uint8_t last_sect;
    uint16_t _pad;
};

struct blkif_request {
    uint8_t operation;   /* BLKIF_OP_* */
    uint8_t nr_segments; /* 1..11 for read and write; 0 for a flush */
    blkif_vdev_t handle;
    uint64_t id; /* echoed in the response */
    blkif_sector_t sector_number;
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct blkif_response {
    uint64_t id;
    uint8_t operation;
    uint8_t _pad;
    int16_t status; /* BLKIF_RSP_* */
};
#pragma pack(pop)

_Static_assert(sizeof(struct blkif_request) == 108, "i386 blkif request layout");
_Static_assert(sizeof(struct blkif_response) == 12, "i386 blkif response layout");

DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response);

#endif
