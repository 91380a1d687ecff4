/*
 * table.h - tables of records that grow as they fill (guests/minios/table.c):
 * dom0's per-domain records, limited by memory rather than by a constant.
 */
#ifndef MINIOS_TABLE_H
#define MINIOS_TABLE_H

#include <stdint.h>

/* Each record starts with `int in_use` (0: a free slot).  Declare one with
 * TABLE_OF(struct x); it holds no memory until its first record. */
struct table {
    uint32_t record_size, per_chunk;
    uint32_t nr_chunks, dir_slots;
    uint32_t high; /* one past the highest slot ever handed out */
    void **chunks;
};
#define TABLE_OF(type)                                                                             \
    {                                                                                              \
        .record_size = sizeof(type)                                                                \
    }

/* A free record (zeroed if never used; as its last user left it otherwise), or
 * NULL when memory is out.  The caller sets in_use. */
void *table_new(struct table *t);
/* Record i, used or free, or NULL past the last slot; records never move. */
void *table_at(const struct table *t, uint32_t i);
/* The slots a scan must visit: every used record is below this (the highest
 * slot ever handed out, not the table's capacity, so dom0's service loop,
 * which scans its tables at every wake-up, pays for the domains there have
 * been, not for a page of empty slots). */
uint32_t table_slots(const struct table *t);

#endif
