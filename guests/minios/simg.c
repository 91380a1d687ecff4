/*
 * simg.c - reading the sparse disk image of simg.h.
 *
 * The image comes from the boot archive, which anyone building a boot could
 * have written, so every field is checked before a page is copied: the magic
 * and page size, a size a 32-bit guest can hold, extents that are not empty,
 * that come in increasing order without overlapping and lie inside the disk,
 * and a length that is exactly the header, the table and the pages the table
 * announces.  Also compiled on the host for its unit test
 * (tests/unit/test_simg.c).
 *
 * Tour 44/58 - after ramdisk.c, before blkfront.c.
 */
#include <simg.h>
#include <lib.h>
#include <public/syscall.h>

static int refuse(const char **why, const char *reason)
{
    *why = reason;
    return -E_INVAL;
}

static const struct simg_extent *extents(const void *img)
{
    return (const struct simg_extent *)((const uint8_t *)img + sizeof(struct simg_header));
}

/* The extent table: increasing, non-empty, inside the disk; the number of data pages it names. */
static int check_extents(const struct simg_header *h, const struct simg_extent *e, uint32_t *data,
                         const char **why)
{
    uint32_t next = 0; /* the first page the next extent may start at */
    *data = 0;
    for (uint32_t i = 0; i < h->nr_extents; i++) {
        if (e[i].count == 0)
            return refuse(why, "extent table: an extent of 0 pages");
        if (e[i].first < next)
            return refuse(why, "extent table: extents out of order or overlapping");
        if (e[i].first > h->nr_pages || e[i].count > h->nr_pages - e[i].first)
            return refuse(why, "extent table: an extent past the end of the disk");
        next = e[i].first + e[i].count;
        *data += e[i].count; /* <= nr_pages <= SIMG_MAX_PAGES: no overflow */
    }
    return 0;
}

int simg_check(const void *img, uint32_t len, uint32_t *nr_pages, const char **why)
{
    const struct simg_header *h = img;
    uint32_t data;
    *why = "";
    if (len < sizeof(*h))
        return refuse(why, "shorter than its header");
    if (memcmp(h->magic, SIMG_MAGIC, SIMG_MAGIC_LEN))
        return refuse(why, "magic: not a pvlab sparse image (" SIMG_MAGIC ")");
    if (h->page_size != SIMG_PAGE)
        return refuse(why, "page_size: not 4096");
    if (h->nr_pages == 0 || h->nr_pages > SIMG_MAX_PAGES)
        return refuse(why, "nr_pages: 0, or more than 1 GiB");
    if (h->reserved != 0)
        return refuse(why, "reserved: not 0");
    if (h->nr_extents > h->nr_pages ||
        (len - sizeof(*h)) / sizeof(struct simg_extent) < h->nr_extents)
        return refuse(why, "nr_extents: the table runs past the end of the file");
    int rc = check_extents(h, extents(img), &data, why);
    if (rc)
        return rc;
    uint32_t table = sizeof(*h) + h->nr_extents * sizeof(struct simg_extent);
    if ((len - table) / SIMG_PAGE != data || (len - table) % SIMG_PAGE)
        return refuse(why, "length: not the header, the table and the pages it names");
    *nr_pages = h->nr_pages;
    return 0;
}

int simg_walk(const void *img, int (*fn)(void *ctx, uint32_t page, const uint8_t *data), void *ctx)
{
    const struct simg_header *h = img;
    const struct simg_extent *e = extents(img);
    const uint8_t *data = (const uint8_t *)(e + h->nr_extents);
    for (uint32_t i = 0; i < h->nr_extents; i++)
        for (uint32_t p = 0; p < e[i].count; p++, data += SIMG_PAGE) {
            int rc = fn(ctx, e[i].first + p, data);
            if (rc)
                return rc;
        }
    return 0;
}
