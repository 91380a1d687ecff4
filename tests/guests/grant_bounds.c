/*
 * grant_bounds - grant-table operations past every bound (the class of
 * XSA-255, XSA-268 and the grant copy/offset bugs): a table of too many
 * frames, references past the table, a mapping outside the grant area or of
 * a domain that does not exist, an unmap of a handle never given, copies whose
 * offset and length run off the page, copies of frames that are not ours, an
 * unknown sub-command.  Each operation fails with its own status, the call
 * itself never crashes anything, and a good copy still works afterwards.
 */
#include "xtf.h"
#include <public/errno.h>
#include <public/grant_table.h>

const char test_title[] =
    "grant-table references, offsets and lengths past every bound (XSA-255/268 class)";

static int16_t copy(struct gnttab_copy c)
{
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1);
    return rc ? (int16_t)rc : c.status;
}

static void expect_bad(int16_t st, const char *what)
{
    if (st >= 0)
        xtf_failure("%s succeeded (status %d)", what, st);
}

void test_main(void)
{
    uint32_t frames[64];
    struct gnttab_setup_table t = {
        .dom = DOMID_SELF, .nr_frames = 64, .frame_list = (uint32_t)frames};
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &t, 1);
    if (rc == 0 && t.status == 0)
        xtf_failure("a grant table of 64 frames was set up");

    struct gnttab_map_grant_ref m = {
        .host_addr = 0xFC000000, .flags = GNTMAP_host_map, .ref = 9, .dom = DOMID_SELF};
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    expect_bad(m.status, "a grant mapped at the hypervisor's first page");
    m = (struct gnttab_map_grant_ref){
        .host_addr = 0x1000, .flags = GNTMAP_host_map, .ref = 9, .dom = DOMID_SELF};
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    expect_bad(m.status, "a grant mapped outside the grant area");
    m.ref = 0x7FFFFFFF;
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    expect_bad(m.status, "a reference past the table");
    m.dom = 0x7000;
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    expect_bad(m.status, "a grant of a domain that does not exist");
    struct gnttab_unmap_grant_ref u = {.host_addr = 0, .handle = 0xFFFF};
    HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
    expect_bad(u.status, "an unmap of a handle never given");
    u.handle = 12345;
    HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
    expect_bad(u.status, "an unmap of a handle past the grant area");

    uint8_t *src = alloc_page(), *dst = alloc_page();
    memset(src, 0x5A, PAGE_SIZE);
    struct gnttab_copy c = {.source = {.u.gmfn = virt_to_mfn(src), .domid = DOMID_SELF},
                            .dest = {.u.gmfn = virt_to_mfn(dst), .domid = DOMID_SELF},
                            .len = 16};
    c.source.offset = 4090;
    expect_bad(copy(c), "a copy whose source runs off its page");
    c.source.offset = 0;
    c.dest.offset = 4095;
    c.len = 2;
    expect_bad(copy(c), "a copy whose destination runs off its page");
    c.dest.offset = 0;
    c.len = 0xFFFF;
    expect_bad(copy(c), "a copy of 64 KiB");
    c.len = 16;
    c.source.u.gmfn = 1; /* not ours */
    expect_bad(copy(c), "a copy from a frame that is not ours");
    c.source.u.gmfn = virt_to_mfn(src);
    c.dest.u.gmfn = 0xFFFFFFFF;
    expect_bad(copy(c), "a copy to a frame past the frame table");
    c.dest.u.gmfn = virt_to_mfn(dst);
    c.flags = GNTCOPY_source_gref;
    c.source.u.ref = 0x7FFFFFFF;
    expect_bad(copy(c), "a copy from a reference past the table");
    c.flags = 0;
    c.source.u.gmfn = virt_to_mfn(src);
    expect_rc(copy(c), 0, "a good copy after all that");
    if (dst[15] != 0x5A || dst[16] != 0)
        xtf_failure("the good copy did not copy exactly 16 bytes");
    expect_rc(HYPERVISOR_grant_table_op(99, &c, 1), -XEN_ENOSYS, "an unknown grant sub-command");
}
