/*
 * ps - the processes: pid, parent, state, CPU time, frames held, name; then
 * this domain's CR3 loads and hypervisor entries so far (each process switch
 * is one validated CR3 load).  Natively there is no hypervisor: only the
 * CR3 loads (plain mov %cr3) are shown.
 */
#include <ulib.h>

static const char *state_name(uint32_t s)
{
    return s == PSTATE_RUNNABLE   ? "ready"
           : s == PSTATE_RUNNING  ? "running"
           : s == PSTATE_SLEEPING ? "sleeping"
           : s == PSTATE_ZOMBIE   ? "zombie"
                                  : "?";
}

int main(void)
{
    static struct pvlab_procinfo p[32];
    int n = procinfo(p, 32);
    printf("  PID  PPID STATE      CPU(ms) PAGES NAME\n");
    for (int i = 0; i < n; i++)
        printf("%5d %5d %-9s %8u %5u %s\n", p[i].pid, p[i].ppid, state_name(p[i].state),
               p[i].cpu_ms, p[i].pages, p[i].name);
    struct pvlab_hvcounters c;
    struct pvlab_uname u;
    int native = uname(&u) == 0 && !strcmp(u.nodename, "native");
    int rc = hvcounters(&c);
    if (rc == 0 && native)
        printf("cr3 loads %u (natively: no hypervisor)\n", c.cr3_loads);
    else if (rc == 0)
        printf("cr3 loads %u, hypervisor entries %u, hypercalls %u\n", c.cr3_loads, c.hv_entries,
               c.hypercalls);
    return n < 0;
}
