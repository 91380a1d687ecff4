/*
 * test_simg.c - the sparse disk image a RAM disk is loaded from
 * (guests/minios/simg.c): a well-formed image is walked page by page in
 * order, with the disk's size; and every field a malformed image can get
 * wrong is refused with the reason naming that field -- the magic, the page
 * size, the disk size, the reserved word, an extent table that runs past the
 * file, an empty extent, extents out of order or overlapping, an extent past
 * the disk's end, and a length that does not match the pages announced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <simg.h>
#include <public/syscall.h>

#define NPAGES 16

/* An image of a 16-page disk carrying pages 2-3 and 9, page n filled with the byte n. */
static uint8_t *image(uint32_t *len)
{
    struct simg_extent ext[2] = {{2, 2}, {9, 1}};
    *len = sizeof(struct simg_header) + sizeof(ext) + 3 * SIMG_PAGE;
    uint8_t *img = calloc(1, *len);
    struct simg_header h = {{0}, SIMG_PAGE, NPAGES, 2, 0};
    memcpy(h.magic, SIMG_MAGIC, SIMG_MAGIC_LEN);
    memcpy(img, &h, sizeof(h));
    memcpy(img + sizeof(h), ext, sizeof(ext));
    uint8_t *data = img + sizeof(h) + sizeof(ext);
    memset(data, 2, SIMG_PAGE);
    memset(data + SIMG_PAGE, 3, SIMG_PAGE);
    memset(data + 2 * SIMG_PAGE, 9, SIMG_PAGE);
    return img;
}

static struct simg_header *header(uint8_t *img)
{
    return (struct simg_header *)img;
}

static struct simg_extent *extent(uint8_t *img, int i)
{
    return (struct simg_extent *)(img + sizeof(struct simg_header)) + i;
}

struct seen {
    uint32_t pages[8];
    int n;
};

static int record_page(void *ctx, uint32_t page, const uint8_t *data)
{
    struct seen *s = ctx;
    if (data[0] != page || data[SIMG_PAGE - 1] != page)
        return -1; /* the wrong data for this page */
    s->pages[s->n++] = page;
    return 0;
}

static void test_a_good_image_is_walked_in_order(void **state)
{
    (void)state;
    uint32_t len, pages = 0;
    const char *why;
    uint8_t *img = image(&len);
    assert_int_equal(simg_check(img, len, &pages, &why), 0);
    assert_int_equal(pages, NPAGES);
    struct seen s = {{0}, 0};
    assert_int_equal(simg_walk(img, record_page, &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.pages[0], 2);
    assert_int_equal(s.pages[1], 3);
    assert_int_equal(s.pages[2], 9);
    free(img);
}

static int stop_at_three(void *ctx, uint32_t page, const uint8_t *data)
{
    (void)ctx, (void)data;
    return page == 3 ? 42 : 0;
}

static void test_the_walk_stops_at_the_first_error(void **state)
{
    (void)state;
    uint32_t len;
    uint8_t *img = image(&len);
    assert_int_equal(simg_walk(img, stop_at_three, NULL), 42);
    free(img);
}

static void test_an_image_of_zeros_carries_no_pages(void **state)
{
    (void)state;
    struct simg_header h = {{0}, SIMG_PAGE, NPAGES, 0, 0};
    memcpy(h.magic, SIMG_MAGIC, SIMG_MAGIC_LEN);
    uint32_t pages;
    const char *why;
    assert_int_equal(simg_check(&h, sizeof(h), &pages, &why), 0);
    assert_int_equal(pages, NPAGES);
}

/* Break one thing in a good image; the check must refuse it for the reason that names it. */
static void refused(void (*breakit)(uint8_t *img, uint32_t *len), const char *field)
{
    uint32_t len, pages = 1234;
    const char *why = NULL;
    uint8_t *img = image(&len);
    breakit(img, &len);
    assert_int_equal(simg_check(img, len, &pages, &why), -E_INVAL);
    assert_non_null(why);
    assert_non_null(strstr(why, field));
    assert_int_equal(pages, 1234); /* untouched */
    free(img);
}

static void bad_magic(uint8_t *img, uint32_t *len)
{
    (void)len, img[0] ^= 1;
}
static void bad_page_size(uint8_t *img, uint32_t *len)
{
    (void)len, header(img)->page_size = 512;
}
static void zero_pages(uint8_t *img, uint32_t *len)
{
    (void)len, header(img)->nr_pages = 0;
}
static void huge_disk(uint8_t *img, uint32_t *len)
{
    (void)len, header(img)->nr_pages = SIMG_MAX_PAGES + 1;
}
static void reserved(uint8_t *img, uint32_t *len)
{
    (void)len, header(img)->reserved = 7;
}
static void table_too_long(uint8_t *img, uint32_t *len)
{
    (void)img;
    *len = sizeof(struct simg_header) + sizeof(struct simg_extent); /* the second entry is cut */
}
static void huge_table(uint8_t *img, uint32_t *len)
{
    (void)len, header(img)->nr_extents = 0xFFFFFFFFu;
}
static void empty_extent(uint8_t *img, uint32_t *len)
{
    (void)len, extent(img, 1)->count = 0;
}
static void out_of_order(uint8_t *img, uint32_t *len)
{
    (void)len, extent(img, 1)->first = 1;
}
static void overlapping(uint8_t *img, uint32_t *len)
{
    (void)len, extent(img, 1)->first = 3;
}
static void past_the_disk(uint8_t *img, uint32_t *len)
{
    (void)len, extent(img, 1)->first = NPAGES;
}
static void wrapping(uint8_t *img, uint32_t *len)
{
    (void)len, extent(img, 1)->count = 0xFFFFFFFFu;
}
static void short_file(uint8_t *img, uint32_t *len)
{
    (void)img, *len -= 1;
}
static void long_file(uint8_t *img, uint32_t *len)
{
    (void)img, *len -= SIMG_PAGE;
}
static void tiny_file(uint8_t *img, uint32_t *len)
{
    (void)img, *len = 10;
}

static void test_each_malformed_field_is_named(void **state)
{
    (void)state;
    refused(bad_magic, "magic");
    refused(bad_page_size, "page_size");
    refused(zero_pages, "nr_pages");
    refused(huge_disk, "nr_pages");
    refused(reserved, "reserved");
    refused(table_too_long, "nr_extents");
    refused(huge_table, "nr_extents");
    refused(empty_extent, "0 pages");
    refused(out_of_order, "out of order");
    refused(overlapping, "overlapping");
    refused(past_the_disk, "past the end of the disk");
    refused(wrapping, "past the end of the disk");
    refused(short_file, "length");
    refused(long_file, "length");
    refused(tiny_file, "header");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_good_image_is_walked_in_order),
        cmocka_unit_test(test_the_walk_stops_at_the_first_error),
        cmocka_unit_test(test_an_image_of_zeros_carries_no_pages),
        cmocka_unit_test(test_each_malformed_field_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
