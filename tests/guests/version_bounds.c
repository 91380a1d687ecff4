/*
 * version_bounds - xen_version writes exactly what each command promises and
 * nothing beyond it (the class of info leaks and overruns in "query" calls:
 * XSA-72's and others' copies of a fixed-size structure).  Each buffer is
 * surrounded by canaries: extraversion writes its 16 bytes, capabilities its
 * 1024, platform_parameters its 4, and the canaries on both sides are
 * untouched; the results are NUL-terminated; a buffer that runs onto a
 * read-only page, or into the hypervisor, or is NULL, is -EFAULT (as in Xen,
 * the part before the fault may have been written, never a byte before the
 * buffer or on the read-only page); an unknown command is -ENOSYS.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/version.h>

const char test_title[] =
    "xen_version writes exactly its result's size, and refuses bad buffers (XSA-72 class)";

#define CANARY 0xA5
static uint8_t page[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static int has_nul(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!p[i])
            return 1;
    return 0;
}

/* Run cmd into a buffer of `size` at `off` in page, canaries around it; check what changed. */
static void exact(int cmd, uint32_t size, uint32_t off, const char *what)
{
    memset(page, CANARY, sizeof(page));
    long rc = HYPERVISOR_xen_version(cmd, page + off);
    if (rc != 0)
        xtf_failure("%s: returned %ld", what, rc);
    if (page[off - 1] != CANARY || page[off + size] != CANARY)
        xtf_failure("%s: wrote outside its %u bytes", what, size);
    if (cmd != XENVER_platform_parameters && !has_nul(page + off, size))
        xtf_failure("%s: the result is not NUL-terminated", what);
}

void test_main(void)
{
    exact(XENVER_extraversion, 16, 100, "extraversion");
    exact(XENVER_capabilities, 1024, 200, "capabilities");
    exact(XENVER_platform_parameters, 4, 300, "platform_parameters");
    uint32_t start;
    memcpy(&start, page + 300, 4);
    if (start != HYPERVISOR_VIRT_START)
        xtf_failure("platform_parameters says %08x", start);

    /* 16 bytes ending one byte into a read-only page: refused, nothing written before the buffer.
     */
    memset(page, CANARY, sizeof(page));
    make_page_readonly(page + PAGE_SIZE);
    expect_rc(HYPERVISOR_xen_version(XENVER_extraversion, page + PAGE_SIZE - 15), -XEN_EFAULT,
              "extraversion running onto a read-only page");
    if (page[PAGE_SIZE - 16] != CANARY || page[PAGE_SIZE] != CANARY)
        xtf_failure("a refused extraversion wrote outside its buffer");
    expect_rc(HYPERVISOR_xen_version(XENVER_capabilities, (void *)(HYPERVISOR_VIRT_START - 512)),
              -XEN_EFAULT, "capabilities running into the hypervisor");
    expect_rc(HYPERVISOR_xen_version(XENVER_extraversion, NULL), -XEN_EFAULT, "a NULL buffer");
    expect_rc(HYPERVISOR_xen_version(99, page), -XEN_ENOSYS, "an unknown command");
    expect_rc(HYPERVISOR_xen_version(XENVER_pagesize, NULL), PAGE_SIZE, "pagesize");
}
