/*
 * control.c - a domU answering the toolstack's requests, as Xen guests do:
 * `xm-lite shutdown DOMAIN` writes "poweroff" to the domain's
 * control/shutdown key in the xenstore (as xl shutdown does), and the domain
 * powers itself off, writing its file systems back first, instead of being
 * stopped by the hypervisor with dirty blocks in its buffer cache.
 *
 * minios has no xenstore watches, so the scheduler's housekeeping calls
 * control_poll(), which reads the key once every CONTROL_POLL_TICKS timer
 * ticks: a round trip to dom0's xenstore a second, in a domU only.  A
 * domain that never answers (a test guest, a hung kernel) is shut down by the
 * hypervisor when xm-lite's grace period ends.
 *
 * Tour 40/58 - after proc/domsvc.c, before blkdev.c.
 */
#include <os.h>
#include <control.h>
#include <ext2fs.h>

#define CONTROL_POLL_TICKS 100 /* 1 s at 100 Hz */

void control_poll(void)
{
    static uint32_t last;
    char req[16];
    if (is_initial_domain() || timer_ticks - last < CONTROL_POLL_TICKS)
        return;
    last = timer_ticks;
    if (xenbus_read("control/shutdown", req, sizeof(req)) <= 0 || strcmp(req, "poweroff"))
        return;
    printf("minios: the toolstack asked for a shutdown (control/shutdown = poweroff)\n");
    ext2fs_shutdown();
    poweroff();
}
