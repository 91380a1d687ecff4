/*
 * bench_scripts.c - what the benchmarks of `make bench` (tests/bench.py,
 * tests/blk_bench.py) have a domain do at boot, chosen by words on its
 * command line:
 *
 *   dom0  blkbench[=ram]  dom0's block benchmark, then a domU's through
 *                         blkfront with grant copy, then one whose backend
 *                         maps each segment
 *   dom0  benchdom        the many-domain figures: event-channel ping-pong,
 *                         domain creation to first console output
 *   domU  blkbench        the kernel's block benchmark on xvda, through its
 *                         I/O pool if it has one, then through the kernel's
 *                         own buffer (nopool), then data/bench-done in the
 *                         xenstore for dom0 to see
 *   domU  evtping         answer dom0's `xm-lite evtping` on the port it
 *                         publishes in the xenstore
 *   any   dbenchbench=T   dbench on the bench loadfile for T seconds with 1,
 *                         then 2 clients (tests/dbench_bench.py); in dom0,
 *                         dbenchbench=domU:T has a domU on ram1 run them
 *
 * dom0's scripts drive the toolstack, a program, so they are ';'-separated
 * lines that /bin/sh types at its first prompt (sh -t); the last, `echo
 * BENCH domains done`, is the marker the host waits for.
 *
 * Tour 58/58 - after bench.c, before docs/processes.md.
 */
#include <os.h>
#include <bench.h>
#include <blkdev.h>
#include <cmdline.h>
#include <ext2fs.h>
#include <public/syscall.h>

/* dom0's block benchmark: on hda1 (the IDE disk, whose completions depend on the host), or with
 * `blkbench=ram` on ram1, a RAM disk of the boot archive (ramdisk.c), which repeats exactly. */
static const char *blkbench_script(int ram)
{
    static char script[512];
    const char *dev = ram ? "ram1" : "hda1",
               *cfg = ram ? "/etc/xm/domU-ram.cfg" : "/etc/xm/domU.cfg";
    snprintf(script, sizeof(script),
             "blk bench %s;xm-lite create %s extra=blkbench bemode=copy;"
             "xm-lite wait domU data/bench-done;xm-lite block-list domU;"
             "xm-lite destroy domU;"
             "xm-lite create %s name=mapper extra=blkbench bemode=map;"
             "xm-lite wait mapper data/bench-done;xm-lite block-list mapper;"
             "xm-lite destroy mapper;echo BENCH domains done",
             dev, cfg, cfg);
    return script;
}

const char *dom0_bench_script(void)
{
    if (cmdline_has("benchdom"))
        return "xm-lite create /etc/xm/nodisk.cfg name=pp extra=evtping;"
               "xm-lite evtping pp 1000;xm-lite info;xm-lite destroy pp;"
               "xm-lite bench-create /etc/xm/nodisk.cfg;xm-lite info;echo BENCH domains done";
    if (cmdline_has("blkbench") || cmdline_has("blkbench=ram"))
        return blkbench_script(cmdline_has("blkbench=ram"));
    return NULL;
}

/*
 * make bench's dbench figures: typed by the shell at boot, so that no keystroke's timing enters
 * the runs and under -icount they repeat exactly.  dom0's domU case starts the domU on ram1
 * (domU-ram.cfg) and attaches to its console, through which its output reaches the serial line.
 */
const char *dbench_bench_script(void)
{
    static char script[320];
    char arg[16];
    if (!cmdline_value("dbenchbench=", arg, sizeof(arg)))
        return NULL;
    if (!strncmp(arg, "domU:", 5) && is_initial_domain())
        snprintf(script, sizeof(script),
                 "xm-lite create /boot/etc/xm/domU-ram.cfg extra=dbenchbench=%s;"
                 "xm-lite console domU",
                 arg + 5);
    else
        snprintf(script, sizeof(script),
                 "dbench -c /boot/etc/dbench/bench.txt -t %s 1;"
                 "dbench -c /boot/etc/dbench/bench.txt -t %s 2;echo BENCH domains done",
                 arg, arg);
    return script;
}

/* dom0's ping: answer it (no count: dom0 counts the answers). */
static void ping(evtchn_port_t port, void *data)
{
    notify_remote(port); /* pong */
}

/* domU: answer dom0's `xm-lite evtping`; the port comes through the xenstore. */
static void answer_evtping(void)
{
    char buf[16];
    uint64_t t0 = monotonic_ns();
    printf("evtping: waiting for dom0's port in the xenstore\n");
    while (xenbus_read("evtping/port", buf, sizeof(buf)) <= 0) {
        if (monotonic_ns() - t0 > 30000000000ull)
            return (void)printf("evtping: no port after 30 s\n");
        uint32_t seen = timer_ticks;
        block_until(&timer_ticks, seen);
    }
    int port = bind_interdomain(0, strtoul(buf, NULL, 10), ping, NULL);
    if (port < 0 || xenbus_write("evtping/ready", "1"))
        return (void)printf("evtping: cannot bind dom0's port (%d)\n", port);
    printf("evtping: answering on port %d\n", port);
}

/* domU: the block benchmark on xvda, shown as if typed - through the disk's I/O pool if it has
 * one (persistent grants: no grant operation), then the per-request way, through the kernel's
 * own buffer - then the mark dom0 waits for. */
static void domu_blkbench(void)
{
    struct blkdev *d = blkdev_find("xvda");
    if (!d)
        printf("domU# blk bench xvda\nblk: no device 'xvda' (try 'blk list')\n");
    else if (ext2fs_holder(d))
        printf("domU# blk bench xvda\nblk: xvda is mounted at %s; refusing to write it raw\n",
               ext2fs_holder(d));
    else {
        if (d->pool_take) {
            printf("domU# blk bench xvda\n");
            blk_bench(d, 0);
        }
        printf("domU# blk -n bench xvda\n");
        blk_bench(d, BLKDEV_NOPOOL);
    }
    xenbus_write("data/bench-done", "1");
}

void boot_benchmarks(void)
{
    if (cmdline_has("evtping"))
        answer_evtping();
    if (cmdline_has("bench") && is_native()) { /* the native boot's figures (tests/bench.py) */
        prompt_tsc = rdtsc();
        printf("BENCH native_start_tsc=%u%09u boot_to_prompt_tsc=%u%09u\n",
               (uint32_t)(start_tsc / 1000000000u), (uint32_t)(start_tsc % 1000000000u),
               (uint32_t)(prompt_tsc / 1000000000u), (uint32_t)(prompt_tsc % 1000000000u));
        bench_page_fault();
    }
    if (cmdline_has("bench") && !is_native()) {
        prompt_tsc = rdtsc(); /* no prompt yet: measure before any input can arrive */
        run_benchmarks();
    }
    if (cmdline_has("blkbench") && !is_initial_domain() && !is_native())
        domu_blkbench();
}
