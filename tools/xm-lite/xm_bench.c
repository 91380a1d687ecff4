/*
 * xm_bench.c - xm-lite's commands for `make bench` (tests/bench.py) and the
 * tests: `bench-create` (creation to the new domain's first console
 * output), `bench-list` (how long `xm-lite list` takes, in guest time), `wait DOMAIN KEY` (show its
 * console until it writes a xenstore key), and `evtping DOMAIN [COUNT]` (an event-channel ping-pong
 * with a domU, timed in dom0's kernel).
 */
#include "xm.h"

/* Sleep until the idle loop has scrubbed every free frame (the machine's state after any idle
 * moment): creation is measured from there, not against a boot's worth of dirty memory. */
static void wait_for_scrubbing(void)
{
    struct xen_sysctl op;
    while (xm_physinfo(&op) == 0 && op.u.physinfo.scrub_pages)
        pause_briefly();
}

/* Create a domain, wait for its first console output, report how long that took, destroy it. */
int cmd_bench_create(int argc, char **argv)
{
    wait_for_scrubbing();
    uint64_t t0 = rdtsc(), ns0 = now_ns(), first = 0;
    char *args[5] = {"xm-lite", "create", argc > 2 ? argv[2] : "/etc/xm/nodisk.cfg", "name=bench",
                     NULL};
    if (cmd_create(4, args))
        return -1;
    domid_t id = xm_created; /* not lookup(): a walk over every domain, inside the timed window */
    while (domsvc(DOMSVC_FIRST_OUTPUT, id, &first, 0) == 0 && !first)
        pause_briefly();
    /* the kernel stamped the first output in TSC ticks; our polling is later, so the guest ns
     * at that moment are scaled from the TSC over the whole wait */
    uint64_t t1 = rdtsc(), ns1 = now_ns(), ticks = first - t0;
    uint64_t ns = t1 > t0 ? ticks * (ns1 - ns0) / (t1 - t0) : 0;
    printf("BENCH create_to_first_console_line tsc=%u ns=%u\n", (uint32_t)ticks, (uint32_t)ns);
    return destroy(id);
}

/* xm-lite list, timed: the guest time and instructions (TSC ticks under -icount) it took. */
int cmd_bench_list(int argc, char **argv)
{
    uint64_t t0 = rdtsc(), ns0 = now_ns();
    int rc = xm_list();
    uint64_t ticks = rdtsc() - t0, ns = now_ns() - ns0;
    printf("BENCH list tsc=%u ns=%u\n", (uint32_t)ticks, (uint32_t)ns);
    return rc;
}

/* xm-lite wait DOMAIN KEY: show the domain's console until it writes KEY (or 60 s pass). */
int cmd_wait(int argc, char **argv)
{
    domid_t id;
    char name[32], path[96], val[16];
    if (argc < 4 || lookup(argv[2], &id, name))
        return printf("usage: xm-lite wait DOMAIN KEY\n"), -1;
    snprintf(path, sizeof(path), "/local/domain/%u/%s", id, argv[3]);
    uint64_t deadline = now_ns() + 60000000000ull;
    domsvc(DOMSVC_CONSOLE_FOLLOW, id, (void *)1, 0);
    while (xs_read(path, val, sizeof(val)) < 0 && now_ns() < deadline)
        pause_briefly();
    domsvc(DOMSVC_CONSOLE_FOLLOW, id, NULL, 0);
    return 0;
}

/* ------------------------------------------------------------------ evtping */

/*
 * Event-channel ping-pong with a domU running `evtping` (minios): dom0's
 * kernel allocates a port for it, which we publish in its xenstore
 * directory; it binds and answers every event with one of its own.  The
 * round trips are timed in the kernel (DOMSVC_EVTCHN_PINGPONG), so the
 * figure is the event path without a process switch in it.
 */
int cmd_evtping(int argc, char **argv)
{
    domid_t id;
    char name[32], val[16];
    struct pvlab_pingpong pp = {.count = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000};
    if (argc < 3 || lookup(argv[2], &id, name) || id == 0 || pp.count == 0)
        return printf("usage: xm-lite evtping DOMAIN [COUNT]\n"), -1;
    int port = (int)domsvc(DOMSVC_EVTCHN_ALLOC, id, NULL, 0);
    if (port < 0)
        return printf("xm-lite: no free event channel\n"), -1;
    char ready[64];
    snprintf(ready, sizeof(ready), "/local/domain/%u/evtping/ready", id);
    xs(XS_RM, ready, NULL);
    snprintf(val, sizeof(val), "%u", port);
    xs_write_dom(id, "evtping/port", val);
    uint64_t t0 = now_ns();
    while (xs_read(ready, val, sizeof(val)) < 0) {
        if (now_ns() - t0 > 5000000000ull) {
            printf("xm-lite: %s did not bind (is it running evtping?)\n", name);
            domsvc(DOMSVC_EVTCHN_CLOSE, (uint32_t)port, NULL, 0);
            return -1;
        }
        pause_briefly();
    }
    long rc = domsvc(DOMSVC_EVTCHN_PINGPONG, (uint32_t)port, &pp, 0);
    domsvc(DOMSVC_EVTCHN_CLOSE, (uint32_t)port, NULL, 0);
    if (rc)
        return printf("xm-lite: evtping: %s\n", strerror((int)-rc)), -1;
    uint64_t ticks = pp.tsc_total;
    uint32_t n = pp.count;
    printf("evtping: %u round trips with %s, %u.%03u TSC ticks each\n", n, name,
           (uint32_t)(ticks / n), (uint32_t)(ticks % n * 1000 / n));
    printf("BENCH evtping_round_trip tsc=%u.%03u\n", (uint32_t)(ticks / n),
           (uint32_t)(ticks % n * 1000 / n));
    return 0;
}
