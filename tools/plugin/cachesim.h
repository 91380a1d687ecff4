/*
 * cachesim.h - a set-associative LRU cache model, the heart of the lab's
 * cache instrument (tools/plugin/pvlab_cache.c feeds it every instruction
 * fetch and data access QEMU executes).
 *
 * A cache is described by its size, line size and associativity, all powers
 * of two; associativity 1 is direct-mapped and 0 means fully associative (one
 * set holding every line).  The model keeps only tags, never data: an access
 * either finds its line (a hit, which makes the line the most recently used
 * of its set) or misses and brings the line in, evicting the least recently
 * used line of the set when the set is full.  Writes allocate like reads.
 *
 * An access of `size` bytes that crosses line boundaries is one lookup per
 * line touched, and each lookup counts as one access in the counts, as a cache
 * with line-wide ports sees it.  The model is pure C without QEMU or glib, so
 * tests/unit/test_cachesim.c checks it on the host against hand-worked access
 * sequences.
 */
#ifndef CACHESIM_H
#define CACHESIM_H

#include <stddef.h>
#include <stdint.h>

struct cache_config {
    uint32_t size;  /* bytes */
    uint32_t line;  /* bytes per line */
    uint32_t assoc; /* ways per set; 1 direct-mapped, 0 fully associative */
};

/* What a caller counts: one set of these per cache, region and window. */
struct cache_counts {
    uint64_t accesses;
    uint64_t misses;
};

/* One resident line: its line address (address >> line shift) and its place in
 * its set's recency list (way indices, -1 at either end). */
struct cache_way {
    uint64_t line;
    int32_t newer, older;
};

struct cache {
    struct cache_config cfg;
    unsigned int line_shift;
    uint32_t nsets, ways_per_set;
    uint64_t set_mask;
    struct cache_way *ways; /* nsets * ways_per_set */
    int32_t *mru, *lru;     /* per set: most and least recently used way, -1 if empty */
    uint32_t *used;         /* per set: ways filled so far (ways fill in index order) */
    int32_t *index;         /* open-addressing hash: line address -> way, -1 empty */
    uint32_t index_mask;
};

/*
 * Check a configuration; on error write a message naming the bad field to
 * err (errlen bytes) and return -1.
 */
int cache_config_check(const struct cache_config *cfg, char *err, size_t errlen);

/* Allocate an empty cache; returns -1 (with a message) on a bad configuration
 * or when memory runs out. */
int cache_init(struct cache *c, const struct cache_config *cfg, char *err, size_t errlen);
void cache_free(struct cache *c);

/* Forget every line (a cold cache); the configuration stays. */
void cache_flush(struct cache *c);

/* Access [addr, addr + size); add the lookups and misses to *n.  size 0 counts
 * as 1. */
void cache_access(struct cache *c, uint64_t addr, uint32_t size, struct cache_counts *n);

/* Look one line up without changing anything: is the byte at addr cached? */
int cache_contains(const struct cache *c, uint64_t addr);

/* Parse "16K", "1M", "64", "0x40" into bytes; -1 if it is not a number. */
int64_t cache_parse_size(const char *s);

#endif
