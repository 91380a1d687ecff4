/*
 * test_cachesim.c - the cache model of the lab's QEMU plugin
 * (tools/plugin/cachesim.c).
 *
 * The plugin's hit rates are only as good as this model, so it is checked
 * three ways: against short access sequences worked out by hand for a
 * direct-mapped, a 2-way set-associative and a fully associative cache (which
 * line is evicted, and when); against the closed-form hit rate of a strided
 * sweep; and against a deliberately naive reference model (an array per set,
 * shifted on every access) over long pseudo-random sequences, which exercises
 * the hash index's deletions far more than any hand-worked case can.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cachesim.h"

static struct cache make(uint32_t size, uint32_t line, uint32_t assoc)
{
    struct cache c;
    struct cache_config cfg = {size, line, assoc};
    char err[128];
    assert_int_equal(cache_init(&c, &cfg, err, sizeof(err)), 0);
    return c;
}

/* One access of `size` bytes; returns the misses it caused. */
static uint64_t touch(struct cache *c, uint64_t addr, uint32_t size)
{
    struct cache_counts n = {0, 0};
    cache_access(c, addr, size, &n);
    return n.misses;
}

static void bad_configurations_are_refused_with_a_reason(void **state)
{
    (void)state;
    char err[128];
    struct cache_config bad[] = {
        {3000, 64, 1},  /* size not a power of two */
        {16384, 48, 1}, /* line not a power of two */
        {16384, 2, 1},  /* line too small */
        {64, 128, 1},   /* line larger than the cache */
        {16384, 64, 3}, /* assoc not a power of two */
        {1024, 64, 32}, /* more ways than lines */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_equal(cache_config_check(&bad[i], err, sizeof(err)), -1);
        assert_non_null(strstr(err, "cache "));
    }
    struct cache_config good = {16384, 64, 0};
    assert_int_equal(cache_config_check(&good, err, sizeof(err)), 0);
}

/* 256 bytes, 16-byte lines, direct-mapped: 16 sets; 0x000 and 0x100 collide. */
static void direct_mapped_hand_worked(void **state)
{
    (void)state;
    struct cache c = make(256, 16, 1);
    assert_int_equal(touch(&c, 0x000, 4), 1); /* cold */
    assert_int_equal(touch(&c, 0x00c, 4), 0); /* same line */
    assert_int_equal(touch(&c, 0x010, 4), 1); /* set 1, cold */
    assert_int_equal(touch(&c, 0x100, 4), 1); /* set 0: evicts 0x000 */
    assert_false(cache_contains(&c, 0x000));
    assert_int_equal(touch(&c, 0x000, 4), 1); /* and back: evicts 0x100 */
    assert_int_equal(touch(&c, 0x010, 1), 0); /* set 1 untouched by all that */
    assert_int_equal(touch(&c, 0x0f0, 4), 1); /* set 15 */
    assert_int_equal(touch(&c, 0x1f0, 4), 1);
    assert_int_equal(touch(&c, 0x0f0, 4), 1);
    cache_free(&c);
}

/* 64 bytes, 16-byte lines, 2 ways: 2 sets; A, B, C all map to set 0. */
static void two_way_lru_evicts_the_least_recent(void **state)
{
    (void)state;
    struct cache c = make(64, 16, 2);
    const uint64_t A = 0x00, B = 0x20, C = 0x40, D = 0x10; /* D is in set 1 */
    assert_int_equal(touch(&c, A, 4), 1);
    assert_int_equal(touch(&c, B, 4), 1);
    assert_int_equal(touch(&c, A, 4), 0); /* A is now the most recent */
    assert_int_equal(touch(&c, D, 4), 1); /* set 1 does not disturb set 0 */
    assert_int_equal(touch(&c, C, 4), 1); /* evicts B, not A */
    assert_true(cache_contains(&c, A));
    assert_false(cache_contains(&c, B));
    assert_true(cache_contains(&c, C));
    assert_int_equal(touch(&c, B, 4), 1); /* evicts A (C is more recent) */
    assert_false(cache_contains(&c, A));
    assert_int_equal(touch(&c, C, 4), 0);
    assert_int_equal(touch(&c, D, 4), 0);
    cache_free(&c);
}

/* 64 bytes, 16-byte lines, fully associative: one set of 4 ways. */
static void fully_associative_lru(void **state)
{
    (void)state;
    struct cache c = make(64, 16, 0);
    for (uint64_t a = 0; a < 64; a += 16)
        assert_int_equal(touch(&c, a, 4), 1);
    assert_int_equal(touch(&c, 0, 4), 0);  /* recency now 0, 48, 32, 16 */
    assert_int_equal(touch(&c, 64, 4), 1); /* evicts 16 */
    assert_false(cache_contains(&c, 16));
    assert_int_equal(touch(&c, 16, 4), 1); /* evicts 32 */
    assert_false(cache_contains(&c, 32));
    assert_int_equal(touch(&c, 0, 4), 0);
    assert_int_equal(touch(&c, 48, 4), 0);
    assert_int_equal(touch(&c, 64, 4), 0);
    /* Lines far apart collide in no set: a fully associative cache has one. */
    assert_int_equal(touch(&c, 0x100000, 4), 1); /* evicts 16, the least recent */
    assert_false(cache_contains(&c, 16));
    cache_free(&c);
}

static void line_crossing_access_looks_up_both_lines(void **state)
{
    (void)state;
    struct cache c = make(256, 16, 1);
    struct cache_counts n = {0, 0};
    cache_access(&c, 0x0e, 4, &n); /* bytes 0x0e-0x11: lines 0 and 1 */
    assert_int_equal(n.accesses, 2);
    assert_int_equal(n.misses, 2);
    cache_access(&c, 0x0c, 4, &n); /* within line 0 */
    assert_int_equal(n.accesses, 3);
    assert_int_equal(n.misses, 2);
    cache_access(&c, 0x1e, 4, &n); /* line 1 (hit) and line 2 (miss) */
    assert_int_equal(n.accesses, 5);
    assert_int_equal(n.misses, 3);
    cache_access(&c, 0x00, 48, &n); /* three whole lines, all resident */
    assert_int_equal(n.accesses, 8);
    assert_int_equal(n.misses, 3);
    cache_access(&c, 0x40, 0, &n); /* size 0 is one byte */
    assert_int_equal(n.accesses, 9);
    cache_free(&c);
}

/*
 * A sweep of `bytes` with stride `stride`, `passes` times.  When the buffer
 * fits, only the first pass misses, once per line; when every set sees more
 * lines than it has ways, LRU evicts each line before its next use and every
 * pass misses once per line.
 */
static void sweep(struct cache *c, uint64_t base, uint32_t bytes, uint32_t stride, int passes,
                  struct cache_counts *n)
{
    for (int p = 0; p < passes; p++)
        for (uint64_t a = base; a < base + bytes; a += stride)
            cache_access(c, a, 4, n);
}

static void stride_pattern_known_hit_rate(void **state)
{
    (void)state;
    uint32_t assocs[] = {1, 2, 8, 0};
    for (size_t i = 0; i < 4; i++) {
        struct cache c = make(16384, 64, assocs[i]);
        struct cache_counts n = {0, 0};
        sweep(&c, 0x100000, 8192, 16, 3, &n); /* fits: 128 lines, 512 accesses a pass */
        assert_int_equal(n.accesses, 3 * 512);
        assert_int_equal(n.misses, 128);
        cache_flush(&c);
        n = (struct cache_counts){0, 0};
        sweep(&c, 0x100000, 65536, 16, 3, &n); /* 4x the cache: every line misses each pass */
        assert_int_equal(n.accesses, 3 * 4096);
        assert_int_equal(n.misses, 3 * 1024); /* hit rate 75 %: 3 of every 4 accesses */
        cache_free(&c);
    }
    /* The homework's sizes on one 96 KiB sweep, stride 16, two passes. */
    uint32_t sizes[] = {16384, 131072, 1048576};
    uint64_t want_misses[] = {2 * 1536, 1536, 1536};
    for (size_t i = 0; i < 3; i++) {
        struct cache c = make(sizes[i], 64, 8);
        struct cache_counts n = {0, 0};
        sweep(&c, 0x200000, 98304, 16, 2, &n);
        assert_int_equal(n.accesses, 2 * 6144);
        assert_int_equal(n.misses, want_misses[i]);
        cache_free(&c);
    }
}

/* Fully associative 1 MiB (16384 ways, one set): LRU's cliff one line past the size. */
static void fully_associative_one_mebibyte_cliff(void **state)
{
    (void)state;
    struct cache c = make(1 << 20, 64, 0);
    struct cache_counts n = {0, 0};
    sweep(&c, 0, 1 << 20, 64, 2, &n);
    assert_int_equal(n.misses, 16384); /* fits exactly: the second pass hits */
    cache_flush(&c);
    n = (struct cache_counts){0, 0};
    sweep(&c, 0, (1 << 20) + 64, 64, 2, &n);
    assert_int_equal(n.misses, 2 * 16385); /* one line too many: everything misses */
    cache_free(&c);
}

static void flush_forgets_everything(void **state)
{
    (void)state;
    struct cache c = make(1024, 32, 2);
    assert_int_equal(touch(&c, 0x40, 4), 1);
    assert_int_equal(touch(&c, 0x40, 4), 0);
    cache_flush(&c);
    assert_false(cache_contains(&c, 0x40));
    assert_int_equal(touch(&c, 0x40, 4), 1);
    cache_free(&c);
}

/* ---------------------------------------------------------------- reference model */

/* The obvious LRU: per set an array of line addresses, most recent first. */
struct ref_cache {
    uint32_t nsets, ways, shift;
    uint64_t *lines; /* nsets * ways, UINT64_MAX empty */
};

static int ref_access(struct ref_cache *r, uint64_t addr)
{
    uint64_t line = addr >> r->shift;
    uint64_t *set = &r->lines[(line % r->nsets) * r->ways];
    uint32_t i = 0;
    while (i < r->ways && set[i] != line)
        i++;
    int miss = i == r->ways;
    if (miss)
        i = r->ways - 1;
    memmove(&set[1], &set[0], i * sizeof(*set));
    set[0] = line;
    return miss;
}

static void agrees_with_a_naive_model_on_random_sequences(void **state)
{
    (void)state;
    struct cache_config cfgs[] = {{4096, 32, 1}, {4096, 32, 4}, {4096, 64, 0}, {32768, 64, 16}};
    srand(11);
    for (size_t k = 0; k < sizeof(cfgs) / sizeof(cfgs[0]); k++) {
        struct cache c = make(cfgs[k].size, cfgs[k].line, cfgs[k].assoc);
        struct ref_cache r;
        r.ways = cfgs[k].assoc ? cfgs[k].assoc : cfgs[k].size / cfgs[k].line;
        r.nsets = cfgs[k].size / cfgs[k].line / r.ways;
        r.shift = __builtin_ctz(cfgs[k].line);
        r.lines = malloc((size_t)r.nsets * r.ways * sizeof(uint64_t));
        memset(r.lines, 0xff, (size_t)r.nsets * r.ways * sizeof(uint64_t));
        uint64_t misses = 0, ref_misses = 0;
        for (int i = 0; i < 200000; i++) {
            /* Mostly a working set a little larger than the cache, some far lines. */
            uint64_t addr = (uint64_t)(rand() % (cfgs[k].size * 3 / 2));
            if (i % 7 == 0)
                addr += (uint64_t)(rand() % 64) << 24;
            addr &= ~3ull;
            misses += touch(&c, addr, 4);
            ref_misses += ref_access(&r, addr);
            if (misses != ref_misses)
                fail_msg("config %zu: access %d (addr %#llx): model %llu misses, reference %llu", k,
                         i, (unsigned long long)addr, (unsigned long long)misses,
                         (unsigned long long)ref_misses);
        }
        assert_true(misses > 1000 && misses < 200000); /* neither all hits nor all misses */
        free(r.lines);
        cache_free(&c);
    }
}

static void sizes_parse_with_suffixes(void **state)
{
    (void)state;
    assert_int_equal(cache_parse_size("16K"), 16384);
    assert_int_equal(cache_parse_size("1024k"), 1 << 20);
    assert_int_equal(cache_parse_size("1M"), 1 << 20);
    assert_int_equal(cache_parse_size("64"), 64);
    assert_int_equal(cache_parse_size("0x40"), 64);
    assert_int_equal(cache_parse_size("128KB"), 131072);
    assert_int_equal(cache_parse_size("12Q"), -1);
    assert_int_equal(cache_parse_size(""), -1);
    assert_int_equal(cache_parse_size("K"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_configurations_are_refused_with_a_reason),
        cmocka_unit_test(direct_mapped_hand_worked),
        cmocka_unit_test(two_way_lru_evicts_the_least_recent),
        cmocka_unit_test(fully_associative_lru),
        cmocka_unit_test(line_crossing_access_looks_up_both_lines),
        cmocka_unit_test(stride_pattern_known_hit_rate),
        cmocka_unit_test(fully_associative_one_mebibyte_cliff),
        cmocka_unit_test(flush_forgets_everything),
        cmocka_unit_test(agrees_with_a_naive_model_on_random_sequences),
        cmocka_unit_test(sizes_parse_with_suffixes),
    };
    return cmocka_run_group_tests_name("cachesim", tests, NULL, NULL);
}
