/*
 * xm_query.c - the xm-lite commands that only look: list, info, sched and
 * dmesg, and finding the domain a command names.  They reach the hypervisor only through the four
 * functions of xm_query.h, so the same object serves two ring-3 programs, /bin/xm-lite (xm.c) and
 * /bin/xl (guests/bin/xl.c), which supply the privcmd system call, with the same output either way.
 */
#include <lib.h>
#include "xm_query.h"

/* The first domain with an id >= `from`, through XEN_DOMCTL_getdomaininfo; 0 or an error. */
static long getdomaininfo(domid_t from, struct xen_domctl *op)
{
    memset(op, 0, sizeof(*op));
    op->cmd = XEN_DOMCTL_getdomaininfo;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = from;
    return xm_domctl(op);
}

/*
 * A domain named on a command line: all digits is an id (as xl reads a qualifier), anything
 * else a name; a name that is all digits is still found when no domain has that id.  One
 * hypercall either way (the hypervisor keeps its domains by id and by name), where this was a
 * getdomaininfo per domain until one matched (issue 15).
 */
int xm_find_domain(const char *arg, struct xen_domctl *op)
{
    const char *end;
    unsigned long n = strtoul(arg, &end, 10);
    if (*arg && !*end && n < DOMID_FIRST_RESERVED && !getdomaininfo((domid_t)n, op) &&
        op->domain == n)
        return 0;
    if (strlen(arg) >= sizeof(op->u.getdomaininfo.name))
        return -1;
    memset(op, 0, sizeof(*op));
    op->cmd = XEN_DOMCTL_pvlab_info_by_name;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    strlcpy(op->u.getdomaininfo.name, arg, sizeof(op->u.getdomaininfo.name));
    return xm_domctl(op) ? -1 : 0;
}

static void state_string(uint32_t f, char *s)
{
    strlcpy(s, "------", 7);
    if (f & XEN_DOMINF_running)
        s[0] = 'r';
    if (f & XEN_DOMINF_blocked)
        s[1] = 'b';
    if (f & XEN_DOMINF_paused)
        s[2] = 'p';
    if ((f & XEN_DOMINF_shutdown) && !(f & XEN_DOMINF_pvlab_crashed))
        s[3] = 's';
    if (f & XEN_DOMINF_pvlab_crashed)
        s[4] = 'c';
    if (f & XEN_DOMINF_dying)
        s[5] = 'd';
}

int xm_list(void)
{
    struct xen_domctl op;
    printf("Name              ID   Mem VCPUs State   Time(s)\n");
    for (domid_t next = 0;; next = op.domain + 1) {
        memset(&op, 0, sizeof(op));
        if (getdomaininfo(next, &op))
            break;
        const struct xen_domctl_getdomaininfo *i = &op.u.getdomaininfo;
        char state[8];
        state_string(i->flags, state);
        uint32_t ds = (uint32_t)(i->cpu_time / 100000000u); /* tenths of a second */
        printf("%-16s %3u %5u %5u %s %7u.%u\n", i->name, op.domain, i->tot_pages / 256,
               i->nr_online_vcpus, state, ds / 10, ds % 10);
    }
    return 0;
}

/* The hypervisor's per-domain counters (sysctl pvlab_counters); 0 or an error. */
static long counters(domid_t dom, struct pvlab_counters *c)
{
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_pvlab_counters,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.pvlab_counters.domid = dom;
    long rc = xm_sysctl(&op);
    *c = op.u.pvlab_counters.counters;
    return rc;
}

/* xm-lite sched: CPU time and wake latency per domain (the scheduler's view). */
int xm_sched(void)
{
    struct xen_domctl op;
    printf("Name              ID    CPU(ms)  Wakeups AvgWait(us) MaxWait(us) TickLate(us)\n");
    for (domid_t next = 0;; next = op.domain + 1) {
        memset(&op, 0, sizeof(op));
        if (getdomaininfo(next, &op))
            break;
        struct pvlab_counters c;
        if (counters(op.domain, &c))
            continue;
        uint64_t avg = c.wakeups ? c.wake_wait_total / c.wakeups : 0;
        printf("%-16s %3u %10u %8u %11u %11u %12u\n", op.u.getdomaininfo.name, op.domain,
               (uint32_t)(op.u.getdomaininfo.cpu_time / 1000000u), (uint32_t)c.wakeups,
               (uint32_t)(avg / 1000u), (uint32_t)(c.wake_wait_max / 1000u),
               (uint32_t)(c.tick_late_max / 1000u));
    }
    return 0;
}

int xm_physinfo(struct xen_sysctl *op)
{
    memset(op, 0, sizeof(*op));
    op->cmd = XEN_SYSCTL_physinfo;
    op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return (int)xm_sysctl(op);
}

int xm_info(void)
{
    struct xen_sysctl op;
    if (xm_physinfo(&op))
        return -1;
    char extra[16] = "";
    xm_xen_version(XENVER_extraversion, extra);
    long v = xm_xen_version(XENVER_version, NULL);
    printf("hypervisor       : pvlab %ld.%ld%s\n", v >> 16, v & 0xFFFF, extra);
    printf("total_memory     : %u MiB (%u pages)\n", op.u.physinfo.total_pages / 256,
           op.u.physinfo.total_pages);
    printf("free_memory      : %u MiB (%u pages)\n", op.u.physinfo.free_pages / 256,
           op.u.physinfo.free_pages);
    printf("scrub_pending    : %u pages\n", op.u.physinfo.scrub_pages);
    printf("domains          : %u\n", op.u.physinfo.nr_domains);
    printf("hv_mem_per_domain: %u KiB (%u pages) on average\n",
           op.u.physinfo.hv_pages_per_domain * 4, op.u.physinfo.hv_pages_per_domain);
    printf("hv_mem_domU_max  : %u KiB (%u pages)\n", op.u.physinfo.hv_pages_domu_max * 4,
           op.u.physinfo.hv_pages_domu_max);
    printf("hv_mem_dom0      : %u KiB (%u pages)\n", op.u.physinfo.hv_pages_dom0 * 4,
           op.u.physinfo.hv_pages_dom0);
    return 0;
}

int xm_dmesg(void)
{
    static char buf[16384];
    struct xen_sysctl op;
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_readconsole;
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    op.u.readconsole.buffer = (uint32_t)buf;
    op.u.readconsole.count = sizeof(buf);
    if (xm_sysctl(&op)) {
        printf("xm-lite: cannot read the hypervisor's log\n");
        return -1;
    }
    xm_write(buf, op.u.readconsole.count);
    return 0;
}
