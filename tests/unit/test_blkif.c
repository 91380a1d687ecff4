/*
 * test_blkif.c - the block protocol's pure parts: the i386 request layout a
 * frontend and backend must agree on byte for byte, how blkfront turns a
 * transfer into a request (blkif_build_rw), and every check blkback makes
 * before touching the disk (blkif_check_request): operations, segment counts,
 * segments that leave their page, sectors beyond the virtual disk (including
 * arithmetic that would overflow), and writes to a read-only disk; and the
 * backend's copy of a ring slot (blkif_copy_request), which takes the header
 * and only the segments its own copy of nr_segments counts; and whether a
 * request's segments abut (blkif_segments_abut), against its definition; and
 * which I/O pools a frontend may offer blkback (blkif_check_pool): bad
 * numbers, sizes, reserved or overflowing references, and the grant area's
 * budget, each refused with the key it names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <blkif_check.h>

static const struct vbd_limits disk = {32768, 0}, rodisk = {32768, 1};

static void test_i386_layout_and_ring_size(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct blkif_request_segment), 8);
    assert_int_equal(sizeof(struct blkif_request), 108);
    assert_int_equal(offsetof(struct blkif_request, id), 4); /* 4-byte aligned, as on i386 */
    assert_int_equal(offsetof(struct blkif_request, sector_number), 12);
    assert_int_equal(offsetof(struct blkif_request, seg), 20);
    assert_int_equal(sizeof(struct blkif_response), 12);
    assert_int_equal(offsetof(struct blkif_response, status), 10);
    assert_int_equal(__CONST_RING_SIZE(blkif, 4096), 32);
}

static void test_build_splits_into_pages(void **state)
{
    (void)state;
    grant_ref_t g[11] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    struct blkif_request r;
    assert_int_equal(blkif_build_rw(&r, BLKIF_OP_WRITE, 500, 1, g, 51712, 3), 1);
    assert_int_equal(r.seg[0].first_sect, 0);
    assert_int_equal(r.seg[0].last_sect, 0);
    assert_int_equal(r.seg[0].gref, 10);
    assert_int_equal(r.handle, 51712);
    assert_int_equal(r.id, 3);
    assert_int_equal(r.sector_number, 500);
    assert_int_equal(blkif_build_rw(&r, BLKIF_OP_READ, 0, 8, g, 0, 0), 1);
    assert_int_equal(r.seg[0].last_sect, 7);
    assert_int_equal(blkif_build_rw(&r, BLKIF_OP_READ, 0, 9, g, 0, 0), 2);
    assert_int_equal(r.seg[1].first_sect, 0);
    assert_int_equal(r.seg[1].last_sect, 0);
    assert_int_equal(blkif_build_rw(&r, BLKIF_OP_READ, 0, 88, g, 0, 0), 11);
    for (int i = 0; i < 11; i++) {
        assert_int_equal(r.seg[i].gref, 10 + i);
        assert_int_equal(r.seg[i].last_sect, 7);
    }
    assert_int_equal(blkif_build_rw(&r, BLKIF_OP_READ, 0, 0, g, 0, 0), 0);
    assert_int_equal(blkif_build_rw(&r, BLKIF_OP_READ, 0, 89, g, 0, 0), 0);
}

static void test_built_requests_pass_the_backends_checks(void **state)
{
    (void)state;
    grant_ref_t g[11] = {0};
    struct blkif_request r;
    const char *why;
    uint32_t n;
    for (uint32_t count = 1; count <= 88; count++) {
        blkif_build_rw(&r, BLKIF_OP_WRITE, 32768 - count, count, g, 0, 0);
        assert_int_equal(blkif_check_request(&r, &disk, &n, &why), BLKIF_RSP_OKAY);
        assert_int_equal(n, count);
    }
}

static struct blkif_request one(uint8_t op, uint64_t sector, uint8_t first, uint8_t last)
{
    struct blkif_request r = {.operation = op, .nr_segments = 1, .sector_number = sector};
    r.seg[0].first_sect = first;
    r.seg[0].last_sect = last;
    return r;
}

static void expect(const struct blkif_request *r, const struct vbd_limits *v, int status,
                   const char *why_want)
{
    const char *why = NULL;
    uint32_t n;
    assert_int_equal(blkif_check_request(r, v, &n, &why), status);
    if (why_want)
        assert_string_equal(why, why_want);
}

static void test_operations(void **state)
{
    (void)state;
    struct blkif_request r = one(BLKIF_OP_READ, 0, 0, 7);
    expect(&r, &disk, BLKIF_RSP_OKAY, NULL);
    r.operation = BLKIF_OP_WRITE_BARRIER;
    expect(&r, &disk, BLKIF_RSP_EOPNOTSUPP, "unknown operation");
    r.operation = 200;
    expect(&r, &disk, BLKIF_RSP_EOPNOTSUPP, "unknown operation");
    struct blkif_request f = {.operation = BLKIF_OP_FLUSH_DISKCACHE};
    expect(&f, &disk, BLKIF_RSP_OKAY, NULL);
    expect(&f, &rodisk, BLKIF_RSP_OKAY, NULL);
    f.nr_segments = 1;
    expect(&f, &disk, BLKIF_RSP_ERROR, "a flush carries no segments");
}

static void test_segment_counts(void **state)
{
    (void)state;
    struct blkif_request r = one(BLKIF_OP_READ, 0, 0, 7);
    r.nr_segments = 0;
    expect(&r, &disk, BLKIF_RSP_ERROR, "bad number of segments");
    r.nr_segments = 12;
    expect(&r, &disk, BLKIF_RSP_ERROR, "bad number of segments");
    r.nr_segments = 255;
    expect(&r, &disk, BLKIF_RSP_ERROR, "bad number of segments");
    r.nr_segments = 11;
    expect(&r, &disk, BLKIF_RSP_OKAY, NULL); /* zeroed segments: one sector each */
}

static void test_segments_stay_in_their_page(void **state)
{
    (void)state;
    for (int first = 0; first < 10; first++)
        for (int last = 0; last < 10; last++) {
            struct blkif_request r = one(BLKIF_OP_READ, 0, (uint8_t)first, (uint8_t)last);
            int ok = first <= last && last <= 7;
            expect(&r, &disk, ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR,
                   ok ? NULL : "a segment reaches outside its page");
        }
    struct blkif_request r = one(BLKIF_OP_READ, 0, 0, 7);
    r.nr_segments = 3;
    r.seg[2].first_sect = 4;
    r.seg[2].last_sect = 255;
    expect(&r, &disk, BLKIF_RSP_ERROR, "a segment reaches outside its page");
}

static void test_sectors_stay_inside_the_disk(void **state)
{
    (void)state;
    const char *beyond = "sectors beyond the end of the disk";
    struct blkif_request r = one(BLKIF_OP_READ, 32767, 0, 0);
    expect(&r, &disk, BLKIF_RSP_OKAY, NULL);
    r = one(BLKIF_OP_READ, 32767, 0, 1);
    expect(&r, &disk, BLKIF_RSP_ERROR, beyond);
    r = one(BLKIF_OP_READ, 32768, 0, 0);
    expect(&r, &disk, BLKIF_RSP_ERROR, beyond);
    r = one(BLKIF_OP_READ, UINT64_MAX, 0, 0);
    expect(&r, &disk, BLKIF_RSP_ERROR, beyond);
    r = one(BLKIF_OP_WRITE, UINT64_MAX - 2, 0, 7); /* sector + count would wrap */
    expect(&r, &disk, BLKIF_RSP_ERROR, beyond);
    r = one(BLKIF_OP_READ, 32760, 0, 7);
    expect(&r, &disk, BLKIF_RSP_OKAY, NULL);
    struct vbd_limits empty = {0, 0};
    r = one(BLKIF_OP_READ, 0, 0, 0);
    expect(&r, &empty, BLKIF_RSP_ERROR, beyond);
}

static void test_read_only_disks_refuse_writes(void **state)
{
    (void)state;
    struct blkif_request r = one(BLKIF_OP_WRITE, 0, 0, 7);
    expect(&r, &rodisk, BLKIF_RSP_ERROR, "write to a read-only disk");
    r.operation = BLKIF_OP_READ;
    expect(&r, &rodisk, BLKIF_RSP_OKAY, NULL);
}

/* A read whose slot the frontend filled with 0x5a; the backend's copy starts out 0xee. */
static void copy_slot(struct blkif_request *dst, uint8_t nr_segments)
{
    struct blkif_request slot;
    memset(&slot, 0x5a, sizeof(slot));
    slot.operation = BLKIF_OP_READ;
    slot.nr_segments = nr_segments;
    memset(dst, 0xee, sizeof(*dst));
    blkif_copy_request(dst, &slot);
}

static void test_copy_takes_the_header_and_the_counted_segments(void **state)
{
    (void)state;
    struct blkif_request r;
    const uint8_t *b = (const uint8_t *)&r;
    for (uint8_t nr = 0; nr <= BLKIF_MAX_SEGMENTS_PER_REQUEST; nr++) {
        copy_slot(&r, nr);
        assert_int_equal(r.nr_segments, nr);
        size_t copied = offsetof(struct blkif_request, seg) + nr * sizeof(r.seg[0]);
        for (size_t i = 0; i < sizeof(r); i++)
            if (i > offsetof(struct blkif_request, nr_segments))
                assert_int_equal(b[i], i < copied ? 0x5a : 0xee);
    }
}

static void test_copy_of_too_many_segments_stops_at_the_slot(void **state)
{
    (void)state;
    struct blkif_request r;
    copy_slot(&r, 200); /* the copy stays inside the slot and the check refuses it */
    assert_int_equal(r.nr_segments, 200);
    assert_int_equal(r.seg[BLKIF_MAX_SEGMENTS_PER_REQUEST - 1].gref, 0x5a5a5a5a);
    expect(&r, &disk, BLKIF_RSP_ERROR, "bad number of segments");
}

/* The plain definition: each segment but the first starts its page, each but the last ends it. */
static int abut_by_definition(const struct blkif_request *r)
{
    for (unsigned int i = 0; i < r->nr_segments; i++)
        if ((i > 0 && r->seg[i].first_sect != 0) ||
            (i + 1 < r->nr_segments && r->seg[i].last_sect != BLKIF_SECTORS_PER_PAGE - 1))
            return 0;
    return 1;
}

/* blkif_segments_abut()'s one comparison against the definition, for every request of one to
 * four segments that passes the checks (36 ways for a segment to lie in its page), and for
 * eleven segments with one of them short. */
static void test_segments_abut_exactly_when_each_meets_the_next(void **state)
{
    (void)state;
    struct blkif_request r = {.operation = BLKIF_OP_READ};
    uint32_t nr, ways = 36, tried = 0, abutting = 0;
    const char *why;
    for (unsigned int n = 1; n <= 4; n++) {
        uint32_t combos = 1;
        for (unsigned int i = 0; i < n; i++)
            combos *= ways;
        r.nr_segments = (uint8_t)n;
        for (uint32_t c = 0; c < combos; c++) {
            for (unsigned int i = 0, k = c; i < n; i++, k /= ways) {
                uint32_t w = k % ways, first = 0;
                while (w >= BLKIF_SECTORS_PER_PAGE - first) /* the w-th (first, last) pair */
                    w -= BLKIF_SECTORS_PER_PAGE - first++;
                r.seg[i].first_sect = (uint8_t)first;
                r.seg[i].last_sect = (uint8_t)(first + w);
            }
            assert_int_equal(blkif_check_request(&r, &disk, &nr, &why), BLKIF_RSP_OKAY);
            assert_int_equal(blkif_segments_abut(&r, nr), abut_by_definition(&r));
            tried++, abutting += abut_by_definition(&r);
        }
    }
    assert_int_equal(tried, 36 + 36 * 36 + 36 * 36 * 36 + 36 * 36 * 36 * 36);
    assert_true(abutting > 36 && abutting < tried / 10);
    grant_ref_t g[11] = {0};
    assert_int_equal(blkif_build_rw(&r, BLKIF_OP_READ, 0, 88, g, 0, 0), 11);
    for (unsigned int i = 0; i < 11; i++) {
        assert_int_equal(blkif_check_request(&r, &disk, &nr, &why), BLKIF_RSP_OKAY);
        assert_true(blkif_segments_abut(&r, nr));
        r.seg[i].last_sect = 6; /* a hole after segment i, or the last one shorter */
        assert_int_equal(blkif_check_request(&r, &disk, &nr, &why), BLKIF_RSP_OKAY);
        assert_int_equal(blkif_segments_abut(&r, nr), i == 10);
        r.seg[i].last_sect = 7;
    }
}

/* The pool check's verdict, and that a refusal names the key `key`. */
static int pool(const char *feature, const char *ref, const char *pages, uint32_t free_slots,
                const char *key)
{
    struct blkif_pool p = {0, 0};
    const char *why = "";
    int rc = blkif_check_pool(feature, ref, pages, free_slots, &p, &why);
    if (rc < 0)
        assert_int_equal(strncmp(why, key, strlen(key)), 0);
    if (rc > 0)
        assert_int_equal(p.ref + p.pages - 1 >= p.ref, 1);
    return rc;
}

static void test_pools_offered_and_refused(void **state)
{
    (void)state;
    const uint32_t all = GRANT_AREA_SLOTS;
    struct blkif_pool p;
    const char *why;
    assert_int_equal(blkif_check_pool("1", "100", "64", all, &p, &why), 1);
    assert_int_equal(p.ref, 100);
    assert_int_equal(p.pages, 64);
    assert_int_equal(pool(NULL, "100", "8", all, ""), 0); /* no offer: no pool, no complaint */
    assert_int_equal(pool("0", "100", "8", all, ""), 0);
    assert_int_equal(pool("2", "100", "8", all, "feature-persistent"), -1);
    assert_int_equal(pool("1", NULL, "8", all, "pool-ref"), -1);
    assert_int_equal(pool("1", "100", NULL, all, "pool-pages"), -1);
    assert_int_equal(pool("1", "", "8", all, "pool-ref"), -1);
    assert_int_equal(pool("1", "1x", "8", all, "pool-ref"), -1);
    assert_int_equal(pool("1", "-5", "8", all, "pool-ref"), -1);
    assert_int_equal(pool("1", "100", "0", all, "pool-pages"), -1);
    assert_int_equal(pool("1", "100", "1", all, ""), 1);
    assert_int_equal(pool("1", "100", "65", all, "pool-pages"), -1);
    assert_int_equal(pool("1", "100", "4294967295", all, "pool-pages"), -1);
    assert_int_equal(pool("1", "100", "4294967296", all, "pool-pages"), -1); /* 2^32 */
    assert_int_equal(pool("1", "100", "99999999999999999999999", all, "pool-pages"), -1);
    assert_int_equal(pool("1", "7", "8", all, "pool-ref"), -1);
    assert_int_equal(pool("1", "8", "8", all, ""), 1);
    assert_int_equal(pool("1", "2040", "8", all, ""), 1); /* the last references of 4 frames */
    assert_int_equal(pool("1", "2041", "8", all, "pool-ref"), -1);
    assert_int_equal(pool("1", "4294967290", "8", all, "pool-ref"), -1); /* would wrap */
    assert_int_equal(pool("1", "4294967295", "64", all, "pool-ref"), -1);
    /* The budget: half the grant area stays free after the pool. */
    assert_int_equal(pool("1", "100", "64", BLKBACK_POOL_KEEP_FREE + 64, ""), 1);
    assert_int_equal(pool("1", "100", "64", BLKBACK_POOL_KEEP_FREE + 63, "pool-pages"), -1);
    assert_int_equal(pool("1", "100", "1", BLKBACK_POOL_KEEP_FREE - 1, "pool-pages"), -1);
    assert_int_equal(pool("1", "100", "1", 0, "pool-pages"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_i386_layout_and_ring_size),
        cmocka_unit_test(test_build_splits_into_pages),
        cmocka_unit_test(test_built_requests_pass_the_backends_checks),
        cmocka_unit_test(test_operations),
        cmocka_unit_test(test_segment_counts),
        cmocka_unit_test(test_segments_stay_in_their_page),
        cmocka_unit_test(test_sectors_stay_inside_the_disk),
        cmocka_unit_test(test_read_only_disks_refuse_writes),
        cmocka_unit_test(test_copy_takes_the_header_and_the_counted_segments),
        cmocka_unit_test(test_copy_of_too_many_segments_stops_at_the_slot),
        cmocka_unit_test(test_segments_abut_exactly_when_each_meets_the_next),
        cmocka_unit_test(test_pools_offered_and_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
