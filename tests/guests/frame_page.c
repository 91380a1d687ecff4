/*
 * frame_page - a vCPU's frame page is no guest's to map.  Its registers live
 * in a page of its own domain's memory (hv/frame_alloc.c: frame_page_take()),
 * mapped at the top of the hypervisor stack while it runs; the exit path
 * trusts what the page holds, so no page table may map it, writable or
 * read-only.  The builder takes the domain's last frame for it and tells the
 * guest of one page less: the domain's tot_pages is its start_info.nr_pages
 * plus one.  The frame page is among the frames around the guest's own
 * (its memory is taken in one run from the top down); each of those not in
 * the guest's p2m list must be refused by update_va_mapping, writable and
 * read-only.  A hypervisor that left the frame page the domain's would map
 * it read-only, and the test would name the frame.
 */
#include "xtf.h"
#include <public/domctl.h>
#include <public/errno.h>

const char test_title[] = "a vCPU's frame page cannot be mapped by its guest";

#define MARGIN    16u                 /* frames looked at beyond the guest's lowest and highest */
#define SPAN_BITS (64u * 1024)        /* the most frames the look covers */
static uint32_t ours[SPAN_BITS / 32]; /* bit i: frame lo + i is one of the guest's */
static uint8_t victim[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void tot_pages_is_one_more(void)
{
    struct xen_domctl op = {.cmd = XEN_DOMCTL_getdomaininfo,
                            .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
                            .domain = 0};
    long rc = HYPERVISOR_domctl(&op);
    if (rc) {
        xtf_error("getdomaininfo of itself: %ld", rc);
        return;
    }
    if (op.u.getdomaininfo.tot_pages != start_info.nr_pages + 1)
        xtf_failure("the domain holds %u frames and its guest was told of %u: the frame page "
                    "should be the one more",
                    (uint32_t)op.u.getdomaininfo.tot_pages, (uint32_t)start_info.nr_pages);
}

/* Try frame `mfn` at `victim`, writable and read-only: both must be refused. */
static int try_map(uint32_t mfn)
{
    uint32_t pte = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED;
    long rw = HYPERVISOR_update_va_mapping((uint32_t)victim, pte | _PAGE_RW, UVMF_INVLPG);
    long ro = HYPERVISOR_update_va_mapping((uint32_t)victim, pte, UVMF_INVLPG);
    if (rw == 0 || ro == 0) {
        xtf_failure("frame %05x, not one of the guest's pages, was mapped %s (it holds %08x "
                    "%08x ...: a frame page holds a vCPU's registers)",
                    mfn, ro == 0 ? "read-only" : "writable", ((uint32_t *)victim)[0],
                    ((uint32_t *)victim)[1]);
        return -1;
    }
    return 0;
}

void test_main(void)
{
    tot_pages_is_one_more();
    uint32_t lo = UINT32_MAX, hi = 0, nr = start_info.nr_pages;
    for (uint32_t pfn = 0; pfn < nr; pfn++) {
        lo = MIN(lo, phys_to_machine[pfn]);
        hi = MAX(hi, phys_to_machine[pfn]);
    }
    lo = lo > MARGIN ? lo - MARGIN : 1;
    hi += MARGIN;
    if (hi - lo >= SPAN_BITS) {
        xtf_skip("the guest's frames are spread too far to look at every frame among them");
        return;
    }
    for (uint32_t pfn = 0; pfn < nr; pfn++) {
        uint32_t i = phys_to_machine[pfn] - lo;
        ours[i / 32] |= 1u << (i % 32);
    }
    uint32_t own_mfn = virt_to_mfn(victim), tried = 0;
    for (uint32_t mfn = lo; mfn <= hi; mfn++) {
        uint32_t i = mfn - lo;
        if (ours[i / 32] & (1u << (i % 32)))
            continue;
        tried++;
        if (try_map(mfn))
            break;
    }
    expect_rc(HYPERVISOR_update_va_mapping((uint32_t)victim,
                                           (own_mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW |
                                               _PAGE_ACCESSED | _PAGE_DIRTY,
                                           UVMF_INVLPG),
              0, "the victim page mapped back");
    if (tried == 0)
        xtf_error("no frame among the guest's is someone else's: where is the frame page?");
}
