/*
 * xtf.c - the test guests' main program: title, test, verdict, power off.
 * The name of the test is the guest's command line (set by the runner).
 */
#include "xtf.h"

static char first_failure[160];
static int failures;

void xtf_failure(const char *fmt, ...)
{
    va_list ap;
    if (failures++ == 0) {
        va_start(ap, fmt);
        vsnprintf(first_failure, sizeof(first_failure), fmt, ap);
        va_end(ap);
    }
    char line[160];
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    printf("  failed: %s\n", line);
}

void expect_rc(long rc, long want, const char *what)
{
    if (rc != want)
        xtf_failure("%s returned %ld, expected %ld", what, rc, want);
}

void expect_refused(long rc, const char *what)
{
    if (rc >= 0)
        xtf_failure("%s was accepted (returned %ld)", what, rc);
}

void make_page_readonly(void *va)
{
    if (map_frame_at((uint32_t)va, virt_to_mfn(va), _PAGE_PRESENT | _PAGE_ACCESSED))
        xtf_failure("cannot remap a page read-only");
}

struct pvlab_counters read_counters(void)
{
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_pvlab_counters,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.pvlab_counters.domid = DOMID_SELF;
    if (HYPERVISOR_sysctl(&op))
        xtf_failure("sysctl(pvlab_counters) refused");
    return op.u.pvlab_counters.counters;
}

int app_main(void)
{
    const char *name = start_info.cmd_line[0] ? start_info.cmd_line : "test";
    printf("XTF: %s: %s\n", name, test_title);
    test_main();
    /* The hypervisor must still serve us after everything the test tried. */
    if (HYPERVISOR_xen_version(XENVER_version, NULL) < 0)
        xtf_failure("the hypervisor stopped answering hypercalls");
    if (failures)
        printf("XTF: %s: FAILURE: %s\n", name, first_failure);
    else
        printf("XTF: %s: SUCCESS\n", name);
    return 0;
}
