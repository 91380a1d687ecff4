/*
 * cachesim.c - the LRU cache model of cachesim.h.
 *
 * Every set keeps its resident lines in a doubly linked recency list (most
 * recently used first), threaded through the way array, so a hit moves a line
 * to the front and a miss evicts from the back in constant time whatever the
 * associativity.  Finding a line is a lookup in one open-addressing hash table
 * per cache (line address -> way, linear probing, deletion by backward shift),
 * so a fully associative 1 MiB cache of 16384 lines costs no more per access
 * than a direct-mapped one.  A line address (address >> line shift) names both
 * the set (its low bits) and the tag, so the table needs no separate tag.
 */
#include "cachesim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

static unsigned int log2_of(uint64_t v)
{
    unsigned int n = 0;
    while (v >>= 1)
        n++;
    return n;
}

int cache_config_check(const struct cache_config *cfg, char *err, size_t errlen)
{
    const char *why = NULL;
    if (!is_pow2(cfg->size))
        why = "size must be a power of two";
    else if (!is_pow2(cfg->line) || cfg->line < 4)
        why = "line must be a power of two of at least 4 bytes";
    else if (cfg->line > cfg->size)
        why = "line is larger than the cache";
    else if (cfg->assoc && !is_pow2(cfg->assoc))
        why = "assoc must be a power of two (1 direct-mapped, 0 fully associative)";
    else if (cfg->assoc && (uint64_t)cfg->assoc * cfg->line > cfg->size)
        why = "assoc * line is larger than the cache";
    if (why && err)
        snprintf(err, errlen, "cache %u/%u/%u: %s", cfg->size, cfg->line, cfg->assoc, why);
    return why ? -1 : 0;
}

int cache_init(struct cache *c, const struct cache_config *cfg, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    if (cache_config_check(cfg, err, errlen))
        return -1;
    uint32_t lines = cfg->size / cfg->line;
    c->cfg = *cfg;
    c->line_shift = log2_of(cfg->line);
    c->ways_per_set = cfg->assoc ? cfg->assoc : lines;
    c->nsets = lines / c->ways_per_set;
    c->set_mask = c->nsets - 1;
    c->index_mask = 2 * lines - 1; /* at most half full: short probe runs */
    c->ways = calloc(lines, sizeof(*c->ways));
    c->mru = calloc(c->nsets, sizeof(*c->mru));
    c->lru = calloc(c->nsets, sizeof(*c->lru));
    c->used = calloc(c->nsets, sizeof(*c->used));
    c->index = calloc((size_t)c->index_mask + 1, sizeof(*c->index));
    if (!c->ways || !c->mru || !c->lru || !c->used || !c->index) {
        cache_free(c);
        if (err)
            snprintf(err, errlen, "cache %u/%u/%u: out of memory", cfg->size, cfg->line,
                     cfg->assoc);
        return -1;
    }
    cache_flush(c);
    return 0;
}

void cache_free(struct cache *c)
{
    free(c->ways);
    free(c->mru);
    free(c->lru);
    free(c->used);
    free(c->index);
    memset(c, 0, sizeof(*c));
}

void cache_flush(struct cache *c)
{
    for (uint32_t s = 0; s < c->nsets; s++) {
        c->mru[s] = c->lru[s] = -1;
        c->used[s] = 0;
    }
    memset(c->index, 0xff, ((size_t)c->index_mask + 1) * sizeof(*c->index));
}

/* ---------------------------------------------------------------- the index */

static uint32_t slot_of(const struct cache *c, uint64_t line)
{
    return (uint32_t)((line * 0x9E3779B97F4A7C15ull) >> 32) & c->index_mask;
}

/* The slot holding `line`, or the empty slot where it would go. */
static uint32_t index_find(const struct cache *c, uint64_t line)
{
    uint32_t i = slot_of(c, line);
    while (c->index[i] >= 0 && c->ways[c->index[i]].line != line)
        i = (i + 1) & c->index_mask;
    return i;
}

/* Remove the entry at slot i, moving later entries of its probe run back so
 * every remaining entry stays reachable from its home slot. */
static void index_remove(struct cache *c, uint32_t i)
{
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & c->index_mask;
        if (c->index[j] < 0)
            break;
        uint32_t home = slot_of(c, c->ways[c->index[j]].line);
        /* Entry j may fill hole i unless its home lies cyclically in (i, j]. */
        int home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!home_between) {
            c->index[i] = c->index[j];
            i = j;
        }
    }
    c->index[i] = -1;
}

/* ---------------------------------------------------------------- recency lists */

static void list_unlink(struct cache *c, uint32_t set, int32_t w)
{
    struct cache_way *way = &c->ways[w];
    if (way->newer >= 0)
        c->ways[way->newer].older = way->older;
    else
        c->mru[set] = way->older;
    if (way->older >= 0)
        c->ways[way->older].newer = way->newer;
    else
        c->lru[set] = way->newer;
}

static void list_push_front(struct cache *c, uint32_t set, int32_t w)
{
    struct cache_way *way = &c->ways[w];
    way->newer = -1;
    way->older = c->mru[set];
    if (way->older >= 0)
        c->ways[way->older].newer = w;
    else
        c->lru[set] = w;
    c->mru[set] = w;
}

/* ---------------------------------------------------------------- lookups */

/* One line: returns 1 on a miss (the line is then resident), 0 on a hit. */
static int access_line(struct cache *c, uint64_t line)
{
    uint32_t set = (uint32_t)(line & c->set_mask);
    if (c->mru[set] >= 0 && c->ways[c->mru[set]].line == line)
        return 0; /* the common case: already the most recent */
    uint32_t slot = index_find(c, line);
    int32_t w = c->index[slot];
    if (w >= 0) {
        list_unlink(c, set, w);
        list_push_front(c, set, w);
        return 0;
    }
    if (c->used[set] < c->ways_per_set) {
        w = (int32_t)(set * c->ways_per_set + c->used[set]++);
    } else {
        w = c->lru[set];
        list_unlink(c, set, w);
        index_remove(c, index_find(c, c->ways[w].line));
        slot = index_find(c, line); /* the removal may have moved the free slot */
    }
    c->ways[w].line = line;
    c->index[slot] = w;
    list_push_front(c, set, w);
    return 1;
}

void cache_access(struct cache *c, uint64_t addr, uint32_t size, struct cache_counts *n)
{
    uint64_t first = addr >> c->line_shift;
    uint64_t last = (addr + (size ? size : 1) - 1) >> c->line_shift;
    for (uint64_t line = first; line <= last; line++) {
        n->accesses++;
        n->misses += access_line(c, line);
    }
}

int cache_contains(const struct cache *c, uint64_t addr)
{
    return c->index[index_find(c, addr >> c->line_shift)] >= 0;
}

int64_t cache_parse_size(const char *s)
{
    char *end;
    if (!s || !*s)
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s)
        return -1;
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    if (*end == 'B' || *end == 'b')
        end++;
    return *end ? -1 : (int64_t)v;
}
