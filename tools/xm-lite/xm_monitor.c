/*
 * xm_monitor.c - the monitor: the background xm-lite that outlives
 * `xm-lite create` and waits for domains to end, as xl's background process
 * does for each domain -- but one for all of them.  create hands its new
 * domain to the monitor (start_monitor(): DOMSVC_MONITOR, naming the serial
 * dom0's services gave this create, so a later domain with the same id is
 * never taken for it) and starts `xm-lite monitor` when none runs.
 * `create -c` hands it over when the console lets go (Ctrl-], or the
 * domain ended: the console shows its last words first), so the monitor
 * never destroys a domain whose output the attached user has not seen.
 *
 * The monitor sleeps in DOMSVC_WAIT_EXIT (guests/minios/proc/domsvc.c)
 * until the hypervisor's VIRQ_DOM_EXC says a watched domain shut down or
 * crashed; then it reports that on the console and destroys the domain,
 * unless the config says on_crash = "preserve" for a crash (the domain is
 * kept for inspection, `xm-lite destroy` ends it).  It ends when no domain
 * is left to watch, so a dom0 with no domUs has no monitor.
 *
 * One process for every domain, where xl has one per domain: dom0's
 * process table has NPROC slots, and a monitor each filled it at about the
 * 30th domU (issue 15); a process also costs dom0 its page directory,
 * kernel stack and image, where a watched domain costs two words of the
 * kernel's record of it.  Killing the monitor leaves exits unreported and
 * unreaped until the next create starts another, which watches them all.
 */
#include "xm.h"

static const char *const shutdown_reasons[] = {"poweroff", "reboot", "suspend", "crash"};

/* Hand domain `id` to the monitor, starting one if none runs; a warning if it cannot run. */
void start_monitor(domid_t id, uint32_t serial)
{
    long rc = domsvc(DOMSVC_MONITOR, id, (void *)serial, 0);
    if (rc <= 0) /* one runs already, or the domain is gone: nothing to start */
        return;
    char *argv[] = {"xm-lite", "monitor", NULL};
    int pid = spawn("/bin/xm-lite", argv);
    if (pid == -E_NOENT)
        pid = spawn("/boot/bin/xm-lite", argv); /* an ext2 root without programs */
    if (pid < 0)
        printf("xm-lite: cannot start the monitor (%s): the end of domain %u will not be "
               "reported until a later create starts it\n",
               strerror(-pid), id);
}

/* Say how a domain ended; destroy it unless its config keeps a crashed one. */
static void report(const struct pvlab_domexit *ex)
{
    if (ex->crashed) {
        printf("\nxm-lite: domain %s (%u) crashed: %s\n", ex->name, ex->domid, ex->crash_reason);
        if (ex->preserve) {
            printf("xm-lite: keeping it for inspection (on_crash = \"preserve\")\n");
            return;
        }
    } else {
        printf("\nxm-lite: domain %s (%u) shut down (%s)\n", ex->name, ex->domid,
               ex->reason < 4 ? shutdown_reasons[ex->reason] : "?");
    }
    destroy((domid_t)ex->domid);
}

/* xm-lite monitor (started by create, not typed): until no domain is left to watch. */
int cmd_monitor(int argc, char **argv)
{
    struct pvlab_domexit ex;
    if (argc != 2)
        return printf("usage: xm-lite monitor (create starts it)\n"), -1;
    for (;;) {
        long rc = domsvc(DOMSVC_WAIT_EXIT, 0, &ex, 0);
        if (rc == -E_NOENT || rc == -E_BUSY)
            return 0; /* nothing left to watch, or another process is the monitor */
        if (rc)
            return -1;
        report(&ex);
    }
}
