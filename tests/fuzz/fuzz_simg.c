/*
 * fuzz_simg.c - the RAM disk's sparse image reader (guests/minios/simg.c) on
 * arbitrary bytes.
 *
 * A sparse image comes from the boot archive, which anyone building a boot
 * could have written.  simg_check() must refuse every malformed image with a
 * reason and never read outside it; for an image it accepts, simg_walk()
 * must visit pages in strictly increasing order, each inside the disk, each
 * with 4096 bytes of data inside the image, and exactly as many pages as the
 * data the image holds.  The check and the walk read the header and the
 * extent table as structures, so the input is first copied to an aligned
 * buffer of exactly its size, as the boot archive's 4-byte alignment of file
 * data gives minios.
 * Seeds (tests/fuzz/corpus/simg/, from make_seeds.py): small images as
 * scripts/mksimg.py writes them, an empty disk, and a few that fail one check.
 */
#include <string.h>

#include <simg.h>
#include "fuzz.h"

struct walk {
    const uint8_t *img;
    uint32_t len, nr_pages, pages_seen;
    int64_t last;
};

static int visit(void *ctx, uint32_t page, const uint8_t *data)
{
    struct walk *w = ctx;
    FUZZ_CHECK((int64_t)page > w->last, "pages in increasing order");
    FUZZ_CHECK(page < w->nr_pages, "a page inside the disk");
    FUZZ_CHECK(data >= w->img && (size_t)(data - w->img) + SIMG_PAGE <= w->len,
               "page data inside the image");
    w->last = page;
    w->pages_seen++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX)
        return 0;
    uint8_t *img = malloc(size ? size : 1);
    FUZZ_CHECK(img != NULL, "out of memory");
    memcpy(img, data, size);
    uint32_t nr_pages = 0;
    const char *why = NULL;
    if (simg_check(img, (uint32_t)size, &nr_pages, &why) == 0) {
        struct walk w = {img, (uint32_t)size, nr_pages, 0, -1};
        FUZZ_CHECK(nr_pages >= 1 && nr_pages <= SIMG_MAX_PAGES, "disk size");
        FUZZ_CHECK(simg_walk(img, visit, &w) == 0, "the walk ends");
        const struct simg_header *h = (const void *)img;
        FUZZ_CHECK(w.pages_seen ==
                       (size - sizeof(*h) - h->nr_extents * sizeof(struct simg_extent)) / SIMG_PAGE,
                   "every page of data visited once");
    } else {
        FUZZ_CHECK(why && strlen(why) > 0, "a refusal says why");
    }
    free(img);
    return 0;
}
