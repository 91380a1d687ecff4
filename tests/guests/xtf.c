/*
 * xtf.c - the test guests' main program: title, test, verdict, power off.
 * The name of the test is the guest's command line (set by the runner).
 */
#include "xtf.h"
#include <public/io/xenbus.h>

/* The verdicts, worst last: the first reason of the worst one is reported. */
enum verdict { V_SUCCESS, V_SKIP, V_ERROR, V_FAILURE };
static const char *const verdict_names[] = {"SUCCESS", "SKIP", "ERROR", "FAILURE"};
static enum verdict verdict = V_SUCCESS;
static char reason[160];

static void record(enum verdict v, const char *label, const char *fmt, va_list ap)
{
    char line[160];
    vsnprintf(line, sizeof(line), fmt, ap);
    printf("  %s: %s\n", label, line);
    if (v > verdict) {
        verdict = v;
        strlcpy(reason, line, sizeof(reason));
    }
}

void xtf_failure(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(V_FAILURE, "failed", fmt, ap);
    va_end(ap);
}

void xtf_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(V_ERROR, "setup broke", fmt, ap);
    va_end(ap);
}

static void skip_reason(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(V_SKIP, "skipped", fmt, ap);
    va_end(ap);
}

void xtf_skip(const char *why)
{
    skip_reason("%s", why);
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

uint32_t xtf_xenbus_state(const char *dir)
{
    char path[96], buf[16];
    snprintf(path, sizeof(path), "%s/state", dir);
    return xenbus_read(path, buf, sizeof(buf)) > 0 ? strtoul(buf, NULL, 10) : 0;
}

int xtf_wait_xenbus_state(const char *dir, uint32_t want)
{
    for (int i = 0; i < 500 && xtf_xenbus_state(dir) != want; i++) {
        uint32_t t = timer_ticks;
        block_until(&timer_ticks, t);
    }
    return xtf_xenbus_state(dir) == want ? 0 : -1;
}

int xtf_find_vbd(char *dir, char *backend, domid_t *be)
{
    char list[64], path[96], buf[16];
    if (xenbus_request(XS_DIRECTORY, "device/vbd", NULL, 0, list, sizeof(list)) <= 0)
        return -1;
    snprintf(dir, 48, "device/vbd/%s", list);
    snprintf(path, sizeof(path), "%s/backend", dir);
    if (xenbus_read(path, backend, 64) <= 0 || xtf_wait_xenbus_state(backend, XenbusStateInitWait))
        return -1;
    snprintf(path, sizeof(path), "%s/backend-id", dir);
    if (xenbus_read(path, buf, sizeof(buf)) <= 0)
        return -1;
    *be = (domid_t)strtoul(buf, NULL, 10);
    return 0;
}

void make_page_readonly(void *va)
{
    if (map_frame_at((uint32_t)va, virt_to_mfn(va), _PAGE_PRESENT | _PAGE_ACCESSED))
        xtf_error("cannot remap a page read-only");
}

struct pvlab_counters read_counters(void)
{
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_pvlab_counters,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.pvlab_counters.domid = DOMID_SELF;
    if (HYPERVISOR_sysctl(&op))
        xtf_error("sysctl(pvlab_counters) refused");
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
    if (verdict == V_SUCCESS)
        printf("XTF: %s: SUCCESS\n", name);
    else
        printf("XTF: %s: %s: %s\n", name, verdict_names[verdict], reason);
    return 0;
}
