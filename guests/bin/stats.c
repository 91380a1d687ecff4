/* stats - this domain's hypervisor counters (SYS_stats); natively, minios's own counts. */
#include <ulib.h>

int main(void)
{
    static struct pvlab_stats c;
    int rc = stats(&c);
    if (rc)
        return printf("stats: sysctl refused\n"), 1;
    if (c.native)
        return printf("stats: natively %u interrupts, %u CR3 loads\n", (uint32_t)c.interrupts,
                      (uint32_t)c.cr3_loads),
               0;
    printf("hypervisor entries %u: hypercalls %u (%u refused), exceptions %u (%u bounced), "
           "interrupts %u\n",
           (uint32_t)c.hv_entries, (uint32_t)c.hypercalls, (uint32_t)c.hypercall_errors,
           (uint32_t)c.exceptions, (uint32_t)c.bounces, (uint32_t)c.interrupts);
    printf("event upcalls %u, cr3 loads %u, page-table updates refused %u\n", (uint32_t)c.upcalls,
           (uint32_t)c.cr3_loads, (uint32_t)c.validation_errors);
    return 0;
}
