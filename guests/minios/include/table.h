/*
 * table.h - tables of records that grow as they fill (guests/minios/table.c):
 * dom0's per-domain records, limited by memory rather than by a constant,
 * and found by domain id in constant time.
 */
#ifndef MINIOS_TABLE_H
#define MINIOS_TABLE_H

#include <stdint.h>

/* Ids the by-id index covers (the domids below DOMID_FIRST_RESERVED fit), a page of
 * pointers per TABLE_IDS_PER_PAGE of them. */
#define TABLE_ID_LIMIT     32768u
#define TABLE_IDS_PER_PAGE (4096u / sizeof(void *)) /* a page of pointers */

/* Each record starts with `int in_use` (0: a free slot).  Declare one with
 * TABLE_OF(struct x); it holds no memory until its first record. */
struct table {
    uint32_t record_size, per_chunk;
    uint32_t nr_chunks, dir_slots;
    uint32_t high;      /* one past the highest slot ever handed out */
    uint32_t free_hint; /* no free slot below this one */
    void **chunks;
    void **by_id[TABLE_ID_LIMIT / TABLE_IDS_PER_PAGE]; /* pages of record pointers, by id */
};
#define TABLE_OF(type)                                                                             \
    {                                                                                              \
        .record_size = sizeof(type)                                                                \
    }

/* A free record (zeroed if never used; as its last user left it otherwise), or
 * NULL when memory is out.  The caller sets in_use. */
void *table_new(struct table *t);
/* Record r (one of t's) is free again: in_use is cleared, the rest is kept. */
void table_free(struct table *t, void *r);
/* Record i, used or free, or NULL past the last slot; records never move. */
void *table_at(const struct table *t, uint32_t i);
/* The slots a scan must visit: every used record is below this (the highest
 * slot ever handed out, not the table's capacity, so dom0's service loop,
 * which scans its tables at every wake-up, pays for the domains there have
 * been, not for a page of empty slots). */
uint32_t table_slots(const struct table *t);

/* The by-id index, for tables of one record per domain: r is id's (NULL: none).  Setting
 * takes a page of the index the first time an id in its range is set; -1 when memory is
 * out or id is past TABLE_ID_LIMIT. */
int table_set_id(struct table *t, uint32_t id, void *r);
void *table_by_id(const struct table *t, uint32_t id);

#endif
