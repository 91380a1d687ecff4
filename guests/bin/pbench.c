/*
 * pbench - the process figures for `make bench` (tests/bench.py), counted
 * under -icount, where the TSC advances one tick per instruction:
 *   pbench getpid N   N getpid round trips from ring 3
 *   pbench privcmd N  N xen_version hypercalls from ring 3 through the
 *                     privcmd system call (dom0 only: the toolstack's way
 *                     to the hypervisor, proc/privcmd.c; make bench-xen's row)
 *   pbench switch N   two processes yielding to each other, 2N switches
 *   pbench spawn N    N spawn + exit + wait of /bin/true
 * Each prints one BENCH line with instructions and hypervisor entries,
 * hypercalls and CR3 loads per operation, from this domain's counters.
 * The operation is chosen before the TSC is read: each has a loop of its
 * own, so nothing but the operation runs N times between the two reads.
 */
#include <ulib.h>
#include <public/version.h>

static void report(const char *name, uint64_t ticks, const struct pvlab_hvcounters *a,
                   const struct pvlab_hvcounters *b, uint32_t n)
{
    /* the second hvcounters call is one hypercall and one hypervisor entry of its own */
    uint32_t entries = b->hv_entries - a->hv_entries - (b->interrupts - a->interrupts) - 1;
    uint32_t calls = b->hypercalls - a->hypercalls - 1, cr3 = b->cr3_loads - a->cr3_loads;
    printf("BENCH %s n=%u insns_per_op=%u hv_entries_per_op=%u.%03u hypercalls_per_op=%u.%03u "
           "cr3_loads_per_op=%u.%03u\n",
           name, n, (uint32_t)(ticks / n), entries / n, entries % n * 1000 / n, calls / n,
           calls % n * 1000 / n, cr3 / n, cr3 % n * 1000 / n);
}

static int yielder(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        sched_yield();
    return 0;
}

static int getpids(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        getpid();
    return 0;
}

/* The last answer: a version number, or why privcmd refused (a domU, a dropped right). */
static int privcmds(uint32_t n)
{
    int r = 0;
    for (uint32_t i = 0; i < n; i++)
        r = xen_version(XENVER_version, NULL);
    return r < 0 ? r : 0;
}

static int spawns(uint32_t n)
{
    char *targs[] = {"true", NULL};
    for (uint32_t i = 0; i < n; i++)
        waitpid(spawn("/bin/true", targs), NULL, 0);
    return 0;
}

static const struct {
    const char *what, *name; /* the argument; the BENCH line's name */
    int (*loop)(uint32_t n);
} ops[] = {
    {"getpid", "getpid", getpids},
    {"privcmd", "privcmd", privcmds},
    {"switch", "process_switch", yielder},
    {"spawn", "spawn", spawns},
};

/* N yields against a child that yields as often: the figure is per switch, 2N of them. */
static int start_yielder(uint32_t n)
{
    char nbuf[12], *yargs[] = {"pbench", "yielder", nbuf, NULL};
    snprintf(nbuf, sizeof(nbuf), "%u", n);
    int child = spawn("/bin/pbench", yargs);
    if (child >= 0)
        sched_yield(); /* let the child reach its loop */
    return child;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "getpid";
    uint32_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    if (!strcmp(what, "yielder"))
        return yielder(n);
    unsigned k = 0;
    while (k < ARRAY_SIZE(ops) && strcmp(what, ops[k].what))
        k++;
    if (k == ARRAY_SIZE(ops) || n == 0) {
        printf("pbench: usage: pbench getpid|privcmd|switch|spawn N (N > 0)\n");
        return 1;
    }
    int child = ops[k].loop == yielder ? start_yielder(n) : 0;
    if (child < 0)
        return 1;
    struct pvlab_hvcounters a, b;
    hvcounters(&a);
    uint64_t t0 = rdtsc();
    int rc = ops[k].loop(n);
    uint64_t t1 = rdtsc();
    hvcounters(&b);
    if (rc < 0)
        printf("pbench: %s: %s\n", what, strerror(-rc));
    else
        report(ops[k].name, t1 - t0, &a, &b, child ? 2 * n : n);
    if (child)
        waitpid(child, NULL, 0);
    return rc < 0;
}
