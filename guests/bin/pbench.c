/*
 * pbench - the process figures for `make bench` (tests/bench.py), counted
 * under -icount, where the TSC advances one tick per instruction:
 *   pbench getpid N   N getpid round trips from ring 3
 *   pbench switch N   two processes yielding to each other, 2N switches
 *   pbench spawn N    N spawn + exit + wait of /bin/true
 * Each prints one BENCH line with instructions and hypervisor entries,
 * hypercalls and CR3 loads per operation, from this domain's counters.
 */
#include <ulib.h>

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

static void yielder(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        sched_yield();
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "getpid";
    uint32_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    struct pvlab_hvcounters a, b;
    if (!strcmp(what, "yielder")) {
        yielder(n);
        return 0;
    }
    char nbuf[12], *yargs[] = {"pbench", "yielder", nbuf, NULL}, *targs[] = {"true", NULL};
    snprintf(nbuf, sizeof(nbuf), "%u", n);
    int child = !strcmp(what, "switch") ? spawn("/bin/pbench", yargs) : 0;
    if (child < 0)
        return 1;
    if (child)
        sched_yield(); /* let the child reach its loop */
    hvcounters(&a);
    uint64_t t0 = rdtsc();
    for (uint32_t i = 0; i < n; i++) {
        if (!strcmp(what, "getpid"))
            getpid();
        else if (child)
            sched_yield();
        else
            waitpid(spawn("/bin/true", targs), NULL, 0);
    }
    uint64_t t1 = rdtsc();
    hvcounters(&b);
    report(child ? "process_switch" : what, t1 - t0, &a, &b, child ? 2 * n : n);
    if (child)
        waitpid(child, NULL, 0);
    return 0;
}
