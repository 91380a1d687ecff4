/*
 * fuzz_blkif.c - the block backend's checks on a request (guests/minios/
 * blkif_check.c) on arbitrary requests and disks.
 *
 * A frontend writes whatever it likes into its ring slots; dom0's blkback
 * copies a request out and asks blkif_check_request() whether to serve it.
 * The input is that copy (the 108-byte i386 struct blkif_request, padded
 * with zeros if short), then the disk: 8 bytes of size in sectors and a
 * read-only byte.  An accepted read or write must name 1..11 segments inside
 * their pages, move as many sectors as they describe, stay inside the disk
 * and not write a read-only one; an accepted flush carries no segment.
 * Then the frontend's side, blkif_build_rw(), builds a request from the
 * input's sector and count, and the backend must accept what the frontend
 * builds whenever the transfer fits the disk (they must agree on the rules).
 * Seeds (tests/fuzz/corpus/blkif/, from make_seeds.py): a read, a write to a
 * read-only disk, a flush, and a request at the very end of the disk.
 */
#include <string.h>

#include <blkif_check.h>
#include "fuzz.h"

struct fuzz_blkif_input {
    struct blkif_request req;
    uint64_t sectors;
    uint8_t readonly;
} __attribute__((packed));

static void check_verdict(const struct blkif_request *r, const struct vbd_limits *v, int st,
                          uint32_t nr)
{
    if (st != BLKIF_RSP_OKAY)
        return;
    if (r->operation == BLKIF_OP_FLUSH_DISKCACHE) {
        FUZZ_CHECK(r->nr_segments == 0 && nr == 0, "a flush moves nothing");
        return;
    }
    FUZZ_CHECK(r->operation == BLKIF_OP_READ || r->operation == BLKIF_OP_WRITE, "operation");
    FUZZ_CHECK(!(r->operation == BLKIF_OP_WRITE && v->readonly), "no write to a read-only disk");
    FUZZ_CHECK(r->nr_segments >= 1 && r->nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST, "segs");
    uint32_t total = 0;
    for (unsigned int i = 0; i < r->nr_segments; i++) {
        FUZZ_CHECK(r->seg[i].first_sect <= r->seg[i].last_sect &&
                       r->seg[i].last_sect < BLKIF_SECTORS_PER_PAGE,
                   "a segment inside its page");
        total += r->seg[i].last_sect - r->seg[i].first_sect + 1u;
    }
    FUZZ_CHECK(nr == total, "the sectors the segments describe");
    FUZZ_CHECK(r->sector_number < v->sectors && nr <= v->sectors - r->sector_number,
               "inside the disk");
}

/* What the frontend builds from this sector and count, the backend accepts if it fits. */
static void check_frontend_agrees(const struct fuzz_blkif_input *in, const struct vbd_limits *v)
{
    grant_ref_t grefs[BLKIF_MAX_SEGMENTS_PER_REQUEST] = {0};
    struct blkif_request req;
    uint32_t count = in->req.seg[0].gref % 100, nr;
    const char *why = NULL;
    uint8_t op = in->req.operation & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ;
    unsigned int n = blkif_build_rw(&req, op, in->req.sector_number, count, grefs, 0, 0);
    if (count == 0 || count > BLKIF_MAX_SEGMENTS_PER_REQUEST * BLKIF_SECTORS_PER_PAGE) {
        FUZZ_CHECK(n == 0, "the frontend refuses an impossible count");
        return;
    }
    FUZZ_CHECK(n == req.nr_segments && n >= 1, "the frontend's segments");
    int fits = req.sector_number < v->sectors && count <= v->sectors - req.sector_number;
    int st = blkif_check_request(&req, v, &nr, &why);
    if (fits && !(op == BLKIF_OP_WRITE && v->readonly))
        FUZZ_CHECK(st == BLKIF_RSP_OKAY && nr == count, "the backend accepts the frontend's");
    else
        FUZZ_CHECK(st != BLKIF_RSP_OKAY, "the backend refuses what does not fit");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_blkif_input in;
    memset(&in, 0, sizeof(in));
    memcpy(&in, data, size < sizeof(in) ? size : sizeof(in));
    struct blkif_request req = in.req; /* the backend's own, aligned copy */
    struct vbd_limits v = {in.sectors, in.readonly & 1};
    uint32_t nr = 0xdeadbeef;
    const char *why = NULL;
    int st = blkif_check_request(&req, &v, &nr, &why);
    FUZZ_CHECK(st == BLKIF_RSP_OKAY || st == BLKIF_RSP_ERROR || st == BLKIF_RSP_EOPNOTSUPP,
               "a known status");
    FUZZ_CHECK(st == BLKIF_RSP_OKAY || (why && strlen(why) > 0 && nr == 0), "a refusal says why");
    check_verdict(&req, &v, st, nr);
    check_frontend_agrees(&in, &v);
    return 0;
}
