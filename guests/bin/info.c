/*
 * info - what this domain is: the mode minios booted in and how it knew,
 * memory, domain id, uptime, the hypervisor under it and the command line
 * (SYS_sysinfo).
 */
#include <ulib.h>

static const char *const mode_names[] = {"native", "dom0", "domU"};

int main(void)
{
    static struct pvlab_sysinfo si;
    if (sysinfo(&si) || si.mode > 2)
        return printf("info: the kernel did not answer\n"), 1;
    int native = si.mode == 0;
    printf("mode:       %s (%s)\n", mode_names[si.mode], si.mode_reason);
    /* MiB to the nearest: a PV domain's guest has a page less than it was given (its vCPU's
     * frame page, docs/memory-layout.md) */
    printf("memory:     %u MiB (%u pages, %u free)\n", (si.nr_pages + 128) / 256, si.nr_pages,
           si.free_pages);
    if (!native)
        printf("domain id:  %u%s\n", si.domid,
               si.privileged ? " (privileged, initial domain)" : "");
    printf("uptime:     %u.%03u s (%s)\n", (uint32_t)(si.uptime_ns / 1000000000u),
           (uint32_t)(si.uptime_ns / 1000000u % 1000),
           native ? "TSC against the PIT" : "guest virtual time");
    if (native)
        printf("hypervisor: none: ring 0 on the bare machine\n");
    else
        printf("hypervisor: pvlab %u.%u%s\n", si.hv_version >> 16, si.hv_version & 0xFFFF,
               si.hv_extra);
    printf("command:    %s\n", si.cmdline);
    return 0;
}
