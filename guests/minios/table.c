/*
 * table.c - tables of records that grow as they fill, for dom0's services.
 *
 * dom0 keeps a record for every domU it serves - a console, a xenstore
 * client, a managed domain - and how many domUs there can be is a question
 * of memory, not of a number fixed when minios was compiled.  A table here
 * starts empty and takes one chunk of pages at a time from the page
 * allocator as it fills; a record never moves once it has an address, so a
 * service may keep pointers to its records (the attached console) while the
 * table grows.  The chunks are found through a directory, itself a page run
 * that doubles when it is full.  Every record starts with an `int in_use`:
 * zero is a free slot, which is what a fresh (zeroed) chunk holds.  Records
 * are freed with table_free(), which keeps a hint of the lowest free slot,
 * so that taking a record does not scan past a thousand used ones; chunks
 * are kept for the next domain.  Each chunk ends with its own number, so
 * that table_free() finds a record's slot from its address alone (it looked
 * through the directory: a thousand chunks for xenstored's clients, whose
 * record, with its message buffers, takes a chunk of three pages).
 *
 * A table of one record per domain also keeps an index by domain id
 * (table_set_id(), table_by_id()): a directory of pages of pointers, as the
 * hypervisor's own (hv/domain.c), so that finding a domain's console or
 * store client costs the same with a thousand domains as with one.  Before
 * it, every create and every poll of a console searched the whole table
 * (issue 15).
 *
 * Tour 18/58 - after mm.c, before gnttab.c.
 */
#include <os.h>
#include <table.h>

static uint32_t chunk_pages(const struct table *t)
{
    return (t->per_chunk * t->record_size + sizeof(uint32_t) + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Where a chunk keeps its number: its last word. */
static uint32_t *chunk_number(const struct table *t, void *chunk)
{
    return (uint32_t *)((uint8_t *)chunk + chunk_pages(t) * PAGE_SIZE) - 1;
}

static uint32_t capacity(const struct table *t)
{
    return t->nr_chunks * t->per_chunk;
}

void *table_at(const struct table *t, uint32_t i)
{
    if (i >= capacity(t))
        return NULL;
    return (uint8_t *)t->chunks[i / t->per_chunk] + (i % t->per_chunk) * t->record_size;
}

uint32_t table_slots(const struct table *t)
{
    return t->high;
}

/* Room for one more chunk pointer in the directory: 0, or -1 when out of memory. */
static int grow_directory(struct table *t)
{
    if (t->nr_chunks < t->dir_slots)
        return 0;
    uint32_t pages = t->dir_slots ? 2 * t->dir_slots * sizeof(void *) / PAGE_SIZE : 1;
    void **dir = alloc_pages(pages);
    if (!dir)
        return -1;
    for (uint32_t i = 0; i < t->nr_chunks; i++)
        dir[i] = t->chunks[i];
    for (uint32_t p = 0; t->chunks && p < t->dir_slots * sizeof(void *) / PAGE_SIZE; p++)
        free_page((uint8_t *)t->chunks + p * PAGE_SIZE);
    t->chunks = dir;
    t->dir_slots = pages * PAGE_SIZE / sizeof(void *);
    return 0;
}

void *table_new(struct table *t)
{
    if (!t->per_chunk) /* as many as fit in a page with the chunk's number, or one */
        t->per_chunk = t->record_size + sizeof(uint32_t) > PAGE_SIZE
                           ? 1
                           : (uint32_t)((PAGE_SIZE - sizeof(uint32_t)) / t->record_size);
    uint32_t i = t->free_hint;
    while (i < capacity(t) && *(int *)table_at(t, i))
        i++;
    if (i == capacity(t)) {
        if (grow_directory(t))
            return NULL;
        void *chunk = alloc_pages(chunk_pages(t));
        if (!chunk)
            return NULL;
        *chunk_number(t, chunk) = t->nr_chunks;
        t->chunks[t->nr_chunks++] = chunk;
    }
    if (i >= t->high)
        t->high = i + 1;
    t->free_hint = i; /* the caller takes it, or leaves it free if it fails */
    return table_at(t, i);
}

/* A chunk of one page holds r's page (chunks are page runs); a larger one holds r alone. */
void table_free(struct table *t, void *r)
{
    *(int *)r = 0;
    uint8_t *chunk = chunk_pages(t) == 1 ? (uint8_t *)((uintptr_t)r & ~(uintptr_t)(PAGE_SIZE - 1))
                                         : (uint8_t *)r;
    uint32_t c = *chunk_number(t, chunk);
    if (c >= t->nr_chunks || t->chunks[c] != chunk)
        return; /* not one of t's records */
    uint32_t i = c * t->per_chunk + (uint32_t)((uint8_t *)r - chunk) / t->record_size;
    t->free_hint = i < t->free_hint ? i : t->free_hint;
}

int table_set_id(struct table *t, uint32_t id, void *r)
{
    if (id >= TABLE_ID_LIMIT)
        return -1;
    void ***page = &t->by_id[id / TABLE_IDS_PER_PAGE];
    if (!*page && r) {
        _Static_assert(TABLE_IDS_PER_PAGE * sizeof(void *) <= PAGE_SIZE, "an index page");
        if (!(*page = alloc_pages(1)))
            return -1;
    }
    if (*page)
        (*page)[id % TABLE_IDS_PER_PAGE] = r;
    return 0;
}

void *table_by_id(const struct table *t, uint32_t id)
{
    void **page = id < TABLE_ID_LIMIT ? t->by_id[id / TABLE_IDS_PER_PAGE] : NULL;
    return page ? page[id % TABLE_IDS_PER_PAGE] : NULL;
}
