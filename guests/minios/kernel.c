/*
 * kernel.c - minios start of day.
 *
 * start_kernel() runs in ring 1 with the page tables the domain builder made.
 * It reads as the order a PV kernel must set itself up in: keep a copy of
 * start_info; tell the hypervisor where our exception handlers and ring-1
 * stack are; find our console; map the shared_info page and register the
 * event callback; map the rest of our memory with our own page-table updates;
 * start the timer; then run the application (the shell, or a test).
 */
#include <os.h>

struct start_info start_info;
uint32_t *phys_to_machine;

int is_initial_domain(void)
{
    return (start_info.flags & SIF_INITDOMAIN) != 0;
}

/* Our domain id: 0 for dom0; a domU asks the xenstore, as Xen guests do. */
domid_t my_domid(void)
{
    char buf[16];
    if (is_initial_domain() || xenbus_read("domid", buf, sizeof(buf)) <= 0)
        return 0;
    return (domid_t)strtoul(buf, NULL, 10);
}

void poweroff(void)
{
    struct sched_shutdown s = {SHUTDOWN_poweroff};
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

void crash(const char *why)
{
    printf("minios: fatal: %s\n", why);
    struct sched_shutdown s = {SHUTDOWN_crash};
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

uint64_t start_tsc; /* TSC at our first instruction: the boot's milestones */

void start_kernel(struct start_info *si)
{
    extern char boot_stack_top[];
    start_tsc = rdtsc();
    memcpy(&start_info, si, sizeof(start_info));
    phys_to_machine = (uint32_t *)start_info.mfn_list;
    trap_init();
    if (set_kernel_stack((uint32_t)boot_stack_top))
        crash("stack_switch refused");
    console_init();
    events_init();
    mm_init();
    gnttab_init();
    time_init();
    console_input_init();
    xenbus_init();
    local_events_enable();
    int rc = app_main();
    if (rc)
        crash("the application failed");
    poweroff();
}
