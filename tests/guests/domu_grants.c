/*
 * domu_grants - grant mappings are refused unless the grant really allows
 * them: grants never given, given to another domain, revoked, or read-only
 * mapped writable; bad addresses and handles.  And while a grant is mapped
 * the reference counts show: the mapped frame cannot become a page table, and
 * the granter cannot revoke the entry, in whatever order maps and unmaps come.
 * References reserved by a driver are its alone, and never granted over while
 * their last grant is still mapped.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] =
    "bad grant maps are refused and grant reference counts stay exact (XSA-255/268 class)";

static int16_t try_map(domid_t dom, grant_ref_t ref, int ro)
{
    struct gnttab_map_grant_ref map;
    gnttab_map_args(&map, dom, ref, ro);
    void *va = gnttab_map(&map);
    if (va)
        gnttab_unmap(va, map.handle);
    return map.status;
}

static long pin_l1(uint32_t mfn, uint32_t cmd)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.mfn = mfn;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void refused_maps(domid_t self)
{
    for (grant_ref_t r = 2; r < 40; r++) /* dom0 has granted us nothing */
        if (try_map(0, r, 1) != GNTST_permission_denied)
            xtf_failure("dom0's grant %u, never given, was not refused", r);
    for (domid_t d = 1; d < 12; d++) /* every domU's console page is granted to dom0 only */
        if (d != self && try_map(d, GNTTAB_RESERVED_CONSOLE, 1) == GNTST_okay)
            xtf_failure("domain %u's console grant (for dom0) was mapped by us", d);
    if (try_map(0x7000, 3, 1) != GNTST_bad_domain)
        xtf_failure("a grant of a domain that does not exist was not refused");
    if (try_map(0, 5000, 1) != GNTST_bad_gntref && try_map(0, 5000, 1) != GNTST_permission_denied)
        xtf_failure("a grant reference past the table was not refused");
    struct gnttab_map_grant_ref op = {
        .host_addr = 0xC0000000, .flags = GNTMAP_host_map, .ref = 2, .dom = self};
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
    if (op.status != GNTST_bad_virt_addr)
        xtf_failure("a map outside the grant area gave status %d", op.status);
    struct gnttab_unmap_grant_ref un = {.handle = 77};
    HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &un, 1);
    if (un.status != GNTST_bad_handle)
        xtf_failure("unmapping a handle never given gave status %d", un.status);
}

/* Our own grants, to ourselves: read-only stays read-only; revoked is revoked. */
static void own_grants(domid_t self)
{
    uint8_t *page = alloc_page();
    uint32_t mfn = virt_to_mfn(page);
    grant_ref_t ro = gnttab_grant_access(self, mfn, 1);
    if (try_map(self, ro, 0) != GNTST_permission_denied)
        xtf_failure("a read-only grant was mapped writable");
    if (try_map(self, ro, 1) != GNTST_okay)
        xtf_failure("a read-only grant could not be mapped read-only");
    gnttab_end_access(ro);
    if (try_map(self, ro, 1) != GNTST_permission_denied)
        xtf_failure("a revoked grant was mapped");

    grant_ref_t rw = gnttab_grant_access(self, mfn, 0);
    struct gnttab_map_grant_ref map1, map2;
    gnttab_map_args(&map1, self, rw, 0);
    gnttab_map_args(&map2, self, rw, 1);
    uint8_t *m1 = gnttab_map(&map1);
    uint8_t *m2 = gnttab_map(&map2);
    if (!m1 || !m2)
        return xtf_failure("mapping our own grant failed (status %d, %d)", map1.status,
                           map2.status);
    page[0] = 0x42;
    if (m1[0] != 0x42 || m2[0] != 0x42)
        xtf_failure("the grant mappings do not show the page");
    make_page_readonly(page);
    if (pin_l1(mfn, MMUEXT_PIN_L1_TABLE) != -XEN_EBUSY)
        xtf_failure("a frame mapped writable through a grant became a page table");
    if (gnttab_end_access(rw) == 0)
        xtf_failure("the grant was revoked while mapped");
    gnttab_unmap(m1,
                 map1.handle); /* writable first, then read-only: the opposite order of mapping */
    if (gnttab_end_access(rw) == 0)
        xtf_failure("the grant was revoked while still mapped read-only");
    gnttab_unmap(m2, map2.handle);
    if (gnttab_end_access(rw) != 0)
        xtf_failure("the grant could not be revoked after both unmaps");
    /* (its only non-zero byte, 0x42, is a not-present entry: a valid L1) */
    if (pin_l1(mfn, MMUEXT_PIN_L1_TABLE) != 0)
        xtf_failure("after the grant was unmapped the frame still could not be a page table");
    pin_l1(mfn, MMUEXT_UNPIN_TABLE);
}

/* Map our own grant ref writable: the page's address (unmapped by the caller), or NULL. */
static uint8_t *map_own(domid_t self, grant_ref_t ref, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref map;
    gnttab_map_args(&map, self, ref, 0);
    uint8_t *va = gnttab_map(&map);
    *handle = map.handle;
    return va;
}

/* References a driver reserved (gnttab_reserve(), as blkfront does for its ring slots): never
 * handed out by gnttab_grant_access(), granted in place by gnttab_grant_pages(), and one whose
 * last grant is still mapped is not granted over: another reference is used, and once the
 * mapping is gone the reserved one is revoked and used again. */
static void reserved_grants(domid_t self)
{
    enum { N = 20, MANY = 600 }; /* MANY: more than the first frame, so every entry is passed */
    static grant_ref_t got[MANY];
    uint8_t *page = alloc_page(), *other = alloc_page();
    const void *pages[2] = {page, other};
    grant_ref_t first = gnttab_reserve(N), refs[2];
    grant_handle_t h;
    if (!first)
        return xtf_failure("no run of %d grant references could be reserved", N);
    for (int i = 0; i < MANY; i++)
        if ((got[i] = gnttab_grant_access(self, virt_to_mfn(page), 1)) >= first &&
            got[i] < first + N)
            xtf_failure("gnttab_grant_access() handed out reserved reference %u", got[i]);
    for (int i = 0; i < MANY; i++)
        gnttab_end_access(got[i]);
    if (gnttab_grant_pages(first, self, 0, pages, 2, refs) != 2 || refs[0] != first ||
        refs[1] != first + 1)
        return xtf_failure("two pages were not granted through the references reserved");
    uint8_t *m = map_own(self, first, &h);
    page[0] = 0x17;
    if (!m || m[0] != 0x17)
        return xtf_failure("a reserved reference's grant does not map its page");
    gnttab_end_access(first + 1);
    if (gnttab_grant_pages(first, self, 0, &pages[1], 1, refs) != 1 || refs[0] == first)
        xtf_failure("a reserved reference still mapped was granted over");
    page[0] = 0x18;
    if (m[0] != 0x18)
        xtf_failure("the mapping of the first grant no longer shows its page");
    gnttab_end_access(refs[0]);
    gnttab_unmap(m, h);
    if (gnttab_grant_pages(first, self, 0, &pages[1], 1, refs) != 1 || refs[0] != first)
        return xtf_failure("a reserved reference no longer mapped was not used again");
    other[0] = 0x19;
    if (!(m = map_own(self, first, &h)) || m[0] != 0x19)
        return xtf_failure("the reserved reference, used again, does not map its new page");
    gnttab_unmap(m, h);
    if (gnttab_end_access(first) != 0 || try_map(self, first, 1) != GNTST_permission_denied)
        xtf_failure("the reserved reference's grant could not be revoked");
}

void test_main(void)
{
    domid_t self = my_domid();
    refused_maps(self);
    own_grants(self);
    reserved_grants(self);
}
