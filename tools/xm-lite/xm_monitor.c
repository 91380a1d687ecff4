/*
 * xm_monitor.c - a domain's monitor: the background xm-lite that outlives
 * `xm-lite create` and waits for the domain to end, as xl's per-domain
 * background process does.  create starts it (start_monitor()) as
 * `xm-lite monitor ID SERIAL`, where SERIAL is the number dom0's services
 * gave this create, so a monitor never takes a later domain with the same id
 * for its own.  `create -c` starts it when the console lets go (Ctrl-], or
 * the domain ended: the console shows its last words first), so the monitor
 * never destroys a domain whose output the attached user has not seen.
 *
 * It sleeps in DOMSVC_WAIT_EXIT (guests/minios/proc/domsvc.c) until the
 * hypervisor's VIRQ_DOM_EXC says the domain shut down or crashed; then it
 * reports that on the console and destroys the domain, unless the config
 * says on_crash = "preserve" for a crash (the domain is kept for inspection,
 * `xm-lite destroy` ends it).  A domain destroyed by hand wakes it too, with
 * nothing to report.  Killing a monitor leaves its domain's end unreported
 * and unreaped, as killing xl's does.
 */
#include "xm.h"

static const char *const shutdown_reasons[] = {"poweroff", "reboot", "suspend", "crash"};

/* Start the monitor of domain `id` in the background; a warning if it cannot run. */
void start_monitor(domid_t id, uint32_t serial)
{
    char ids[12], serials[12];
    snprintf(ids, sizeof(ids), "%u", id);
    snprintf(serials, sizeof(serials), "%u", serial);
    char *argv[] = {"xm-lite", "monitor", ids, serials, NULL};
    int pid = spawn("/bin/xm-lite", argv);
    if (pid == -E_NOENT)
        pid = spawn("/boot/bin/xm-lite", argv); /* an ext2 root without programs */
    if (pid < 0)
        printf("xm-lite: no monitor for domain %u (%s): its end will not be reported\n", id,
               strerror(-pid));
}

/* xm-lite monitor ID SERIAL (started by create, not typed). */
int cmd_monitor(int argc, char **argv)
{
    struct pvlab_domexit ex;
    if (argc != 4)
        return printf("usage: xm-lite monitor ID SERIAL (create starts it)\n"), -1;
    domid_t id = (domid_t)strtoul(argv[2], NULL, 10);
    long rc = domsvc(DOMSVC_WAIT_EXIT, id, &ex, strtoul(argv[3], NULL, 10));
    if (rc)
        return rc == -E_NOENT ? 0 : -1; /* destroyed meanwhile: nothing to report */
    if (ex.crashed) {
        printf("\nxm-lite: domain %s (%u) crashed: %s\n", ex.name, id, ex.crash_reason);
        if (ex.preserve)
            return printf("xm-lite: keeping it for inspection (on_crash = \"preserve\")\n"), 0;
    } else {
        printf("\nxm-lite: domain %s (%u) shut down (%s)\n", ex.name, id,
               ex.reason < 4 ? shutdown_reasons[ex.reason] : "?");
    }
    return destroy(id);
}
