/*
 * xm_bench.c - xm-lite's commands for `make bench` (tests/bench.py) and the
 * tests: `bench-create` (creation to the new domain's first console
 * output), `bench-list` (how long `xm-lite list` takes, in guest time),
 * `bench-wake` (what one wake-up costs dom0), `bench-destroy DOMAIN` (what
 * destroying one costs: the hypercall, and dom0's CPU until its services
 * have let go of it), `bench-lookup DOMAIN` (what finding a domain by name or
 * id costs, as every command naming one does), `wait DOMAIN KEY` (show its
 * console until it writes a xenstore key), and `evtping DOMAIN [COUNT]` (an event-channel ping-pong
 * with a domU, timed in dom0's kernel).
 */
#include "xm.h"

#define SCRUB_WAIT_NS 10000000000ull /* bench-create waits this long for a clean machine */

/*
 * Sleep until the idle loop has scrubbed every free frame (the machine's state after any idle
 * moment): creation is measured from there, not against a boot's worth of dirty memory.  The
 * idle loop runs only when no vCPU is runnable, so the wait is bounded: with a domain that
 * never blocks (or a dom0 whose every wake-up outlasted POLL_NS, as at 600 domUs before issue
 * 15's fix) the CPU never idles, and the wait would never end.
 */
static void wait_for_scrubbing(void)
{
    struct xen_sysctl op;
    uint64_t deadline = now_ns() + SCRUB_WAIT_NS;
    while (xm_physinfo(&op) == 0 && op.u.physinfo.scrub_pages) {
        if (now_ns() > deadline) {
            printf("xm-lite: %u free frames still dirty after %u s (the CPU never went idle): "
                   "measuring anyway\n",
                   op.u.physinfo.scrub_pages, (uint32_t)(SCRUB_WAIT_NS / 1000000000u));
            return;
        }
        pause_briefly();
    }
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
    domid_t id = xm_created; /* create knows it: no lookup inside the timed window */
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

/* dom0's CPU time so far (ns; instructions under -icount shift=0). */
static uint64_t dom0_cpu_ns(void)
{
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    return domctl(XEN_DOMCTL_getdomaininfo, 0, &op) || op.domain != 0 ? 0
                                                                      : op.u.getdomaininfo.cpu_time;
}

/*
 * xm-lite bench-wake [COUNT]: sleep POLL_NS COUNT times, as every wait of xm-lite does, and
 * report dom0's CPU time per round (its kernel's service loop, run at each wake-up, included).
 * With a thousand domUs this must cost what it costs with none: at 600 a round took longer than
 * POLL_NS, so dom0 never blocked (issue 15).
 */
int cmd_bench_wake(int argc, char **argv)
{
    uint32_t rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
    if (rounds == 0)
        return printf("usage: xm-lite bench-wake [COUNT]\n"), -1;
    uint64_t t0 = now_ns(), c0 = dom0_cpu_ns();
    for (uint32_t i = 0; i < rounds; i++)
        pause_briefly();
    uint64_t cpu = dom0_cpu_ns() - c0, ns = now_ns() - t0;
    printf("BENCH dom0_wake rounds=%u cpu_ns_per_round=%u wall_ns_per_round=%u\n", rounds,
           (uint32_t)(cpu / rounds), (uint32_t)(ns / rounds));
    return 0;
}

/*
 * xm-lite bench-destroy DOMAIN: the destroy hypercall in TSC ticks (instructions under -icount,
 * every step of its continuation included), then dom0's CPU time from the call until one
 * POLL_NS later, by when its kernel's services (xenstored, consoled, blkback) have released
 * the domain.
 */
int cmd_bench_destroy(int argc, char **argv)
{
    domid_t id;
    char name[32];
    if (argc < 3 || lookup(argv[2], &id, name) || id == 0)
        return printf("usage: xm-lite bench-destroy DOMAIN (not dom0)\n"), -1;
    uint64_t c0 = dom0_cpu_ns(), t0 = rdtsc();
    int rc = destroy(id);
    uint64_t ticks = rdtsc() - t0;
    pause_briefly();
    uint64_t cpu = dom0_cpu_ns() - c0;
    if (rc)
        return printf("xm-lite: destroy %s failed (%d)\n", name, rc), -1;
    printf("BENCH destroy tsc=%u dom0_cpu_ns=%u\n", (uint32_t)ticks, (uint32_t)cpu);
    return 0;
}

/*
 * xm-lite bench-lookup DOMAIN: what finding a domain named on the command line costs, as every
 * command that names one does (lookup()), in TSC ticks (instructions under -icount).
 */
int cmd_bench_lookup(int argc, char **argv)
{
    domid_t id;
    char name[32];
    if (argc < 3)
        return printf("usage: xm-lite bench-lookup DOMAIN\n"), -1;
    uint64_t t0 = rdtsc();
    int rc = lookup(argv[2], &id, name);
    uint64_t ticks = rdtsc() - t0;
    if (rc)
        return -1;
    printf("BENCH lookup %s id=%u tsc=%u\n", name, id, (uint32_t)ticks);
    return 0;
}

/*
 * xm-lite wait DOMAIN KEY: show the domain's console until it writes KEY (or 60 s pass).  It
 * waits through a benchmark's timed windows (a domU's blk bench, bench_scripts.c), so it looks
 * once a second, not every POLL_NS: each look (a xenstore read, a sleep, a switch to it and back,
 * about 3,900 instructions of dom0's) would be charged to the domU's figures, and dom0's own run
 * has no such process.  The console is shown by dom0's kernel meanwhile, not by the looks.
 */
#define WAIT_POLL_S 1

int cmd_wait(int argc, char **argv)
{
    domid_t id;
    char name[32], path[96], val[16];
    if (argc < 4 || lookup(argv[2], &id, name))
        return printf("usage: xm-lite wait DOMAIN KEY\n"), -1;
    snprintf(path, sizeof(path), "/local/domain/%u/%s", id, argv[3]);
    uint64_t deadline = now_ns() + 60000000000ull;
    domsvc(DOMSVC_CONSOLE_FOLLOW, id, (void *)1, 0);
    struct pvlab_timespec poll = {WAIT_POLL_S, 0};
    while (xs_read(path, val, sizeof(val)) < 0 && now_ns() < deadline)
        nanosleep(&poll);
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
