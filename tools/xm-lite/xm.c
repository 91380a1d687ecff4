/*
 * xm.c - xm-lite: dom0's toolstack, after Xen's xm/xl, a ring-3 program
 * (/bin/xm-lite).
 *
 *   xm-lite list | info | sched | dmesg
 *   xm-lite create CONFIG [-c]      build a domain from a config file (ext2, or the boot archive)
 *   xm-lite console|pause|unpause|shutdown|destroy DOMAIN   (a name or an id; shutdown asks
 *                                   the domain through control/shutdown first)
 *   xm-lite store ls [PATH]         (also: xm-lite xenstore-ls) show the xenstore tree
 *
 * It reaches the hypervisor through the privcmd system call, the xenstore
 * through the xenbus one (guests/minios/proc/privcmd.c), and the services
 * that stay in dom0's kernel -- the console service, the xenstore's rings,
 * the block backend, domain-exit handling -- through SYS_domsvc
 * (guests/minios/proc/domsvc.c), as xl uses /dev/xen/privcmd,
 * /dev/xen/xenbus, xenconsoled and the backends.
 *
 * This file is the command line; each job has a file of its own:
 *   xm_create.c   create
 *   xm_domain.c   console, pause, unpause, shutdown, destroy, block-list,
 *                 grant-map; naming a domain, domctl, SYS_domsvc
 *   xm_store.c    the xenstore client, store ls
 *   xm_query.c    list, info, sched, dmesg (shared with /bin/xl)
 *   xm_bench.c    bench-create, bench-list, bench-wake, bench-destroy, bench-lookup,
 *                 wait, evtping (make bench and the tests)
 *   xm_trace.c    trace
 *   xm_monitor.c  monitor: the background xm-lite that create starts, which
 *                 reports each domain's end and destroys it (unless its config
 *                 says on_crash = "preserve"), as xl's does
 *
 * In a domU privcmd answers -E_PERM and xm-lite says it needs dom0's
 * privilege.
 */
#include "xm.h"

/* Only dom0's processes that hold the right may run the toolstack: say plainly if we may not. */
static int may_run(void)
{
    struct pvlab_uname u;
    struct xen_domctl op;
    if (uname(&u) == 0 && !strcmp(u.nodename, "native"))
        return printf("xm-lite: needs the pvlab hypervisor; minios is running natively (no "
                      "hypervisor here)\n"),
               0;
    memset(&op, 0, sizeof(op));
    long rc = domctl(XEN_DOMCTL_getdomaininfo, 0, &op);
    if (rc == -E_PERM)
        return printf("xm-lite: only dom0 runs the toolstack (privcmd: %s)\n", strerror(E_PERM)), 0;
    return 1;
}

static void usage(void)
{
    printf("usage: xm-lite list | info | sched | dmesg | create CONFIG [-c] [name=N] "
           "[memory=MB] |\n"
           "               console DOMAIN | pause DOMAIN | unpause DOMAIN | shutdown DOMAIN |\n"
           "               destroy DOMAIN | store ls [PATH] | xenstore-ls [PATH] |\n"
           "               evtping DOMAIN [COUNT] | block-list DOMAIN | wait DOMAIN KEY |\n"
           "               trace start [RECORDS] | trace stop | trace dump |\n"
           "               grant-map DOMAIN GREF | grant-unmap | bench-create [CONFIG] | "
           "bench-list | bench-wake [COUNT] |\n"
           "               bench-destroy DOMAIN | bench-lookup DOMAIN\n");
}

static int run(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
    } commands[] = {
        {"create", cmd_create},
        {"store", cmd_store},
        {"xenstore-ls", cmd_store},
        {"evtping", cmd_evtping},
        {"block-list", cmd_block_list},
        {"wait", cmd_wait},
        {"bench-create", cmd_bench_create},
        {"bench-list", cmd_bench_list},
        {"bench-wake", cmd_bench_wake},
        {"bench-destroy", cmd_bench_destroy},
        {"bench-lookup", cmd_bench_lookup},
        {"trace", cmd_trace},
        {"grant-map", cmd_grant_map},
        {"console", cmd_on_domain},
        {"pause", cmd_on_domain},
        {"unpause", cmd_on_domain},
        {"shutdown", cmd_on_domain},
        {"destroy", cmd_on_domain},
        {"monitor", cmd_monitor},
    };
    int (*const looking[])(void) = {xm_list, xm_info, xm_sched, xm_dmesg};
    const char *names[] = {"list", "info", "sched", "dmesg"};
    const char *c = argv[1];
    for (unsigned int i = 0; i < 4; i++)
        if (!strcmp(c, names[i]))
            return looking[i]();
    if (!strcmp(c, "grant-unmap"))
        return cmd_grant_unmap();
    for (unsigned int i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(c, commands[i].name))
            return commands[i].fn(argc, argv);
    printf("xm-lite: unknown command '%s' (try 'xm-lite help')\n", c);
    return -1;
}

int main(int argc, char **argv)
{
    if (!may_run())
        return 1;
    if (argc < 2 || !strcmp(argv[1], "help")) {
        usage();
        return argc < 2 ? 1 : 0;
    }
    return run(argc, argv) ? 1 : 0;
}
