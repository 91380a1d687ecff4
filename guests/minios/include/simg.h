/*
 * simg.h - the sparse disk image a RAM disk is loaded from.
 *
 * A file system image is mostly zeros (an empty ext2 of 64 MiB has a few
 * hundred KiB of metadata), so the boot archive carries only its non-zero
 * pages: a header, a table of extents (runs of consecutive non-zero pages, in
 * increasing order, none overlapping), then the data of every extent, one
 * after the other.  A page not in any extent reads as zeros.  The host writes
 * the format with scripts/mksimg.py (which reads SIMG_MAGIC from this file),
 * minios reads it with simg.c into a RAM disk (ramdisk.c).
 *
 *   struct simg_header                      magic, page size, pages, extents
 *   struct simg_extent  [nr_extents]        first page, number of pages
 *   page data           [sum of counts]     SIMG_PAGE bytes each
 */
#ifndef MINIOS_SIMG_H
#define MINIOS_SIMG_H

#include <stdint.h>

#define SIMG_MAGIC     "PVLSIMG1"
#define SIMG_MAGIC_LEN 8
#define SIMG_PAGE      4096u
#define SIMG_MAX_PAGES (1u << 18) /* 1 GiB: more than a 32-bit minios can hold */

struct simg_header {
    char magic[SIMG_MAGIC_LEN];
    uint32_t page_size; /* SIMG_PAGE */
    uint32_t nr_pages;  /* the disk's size in pages */
    uint32_t nr_extents;
    uint32_t reserved; /* 0 */
};

struct simg_extent {
    uint32_t first; /* page number */
    uint32_t count; /* pages, at least 1 */
};

/* Check the whole image: 0 and the disk's size in pages in *nr_pages, or a negative errno and a
 * one-line reason in *why (which field, and what is wrong with it). */
int simg_check(const void *img, uint32_t len, uint32_t *nr_pages, const char **why);

/* Call fn(ctx, page, data) for every page the image carries, in order (the image must have
 * passed simg_check); stop at the first non-zero return and return it. */
int simg_walk(const void *img, int (*fn)(void *ctx, uint32_t page, const uint8_t *data), void *ctx);

#endif
