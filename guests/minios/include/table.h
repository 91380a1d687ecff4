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
uint32_t table_slots(const struct table *t);

#endif
