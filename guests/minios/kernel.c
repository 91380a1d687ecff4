/*
 * kernel.c - minios start of day.
 *
 * The same kernel starts two ways (head.S: _start tells them apart).  As a
 * PV guest, start_kernel() runs in ring 1 with the page tables the domain
 * builder made and a start_info in %esi.  On the bare machine, the multiboot
 * entry (arch/native/boot.S) turns on paging itself, and start_native()
 * (arch/native/start.c) makes a start_info of its own from the multiboot
 * information.  Both then choose their operations table (machine.h) and run
 * start_of_day(), which reads as the order a kernel must set itself up in:
 * exception handlers and the stack traps land on; the console; events (the
 * shared_info page and the upcall); the rest of memory, mapped with our own
 * page-table code; grant tables (PV only); the timer; console input; the
 * xenstore (a domU); then the application (startup.c: drivers, file systems
 * and /bin/sh; or a test).
 *
 * Tour 3/58 - after head.S, before arch/pv/pv_ops.c.
 */
#include <entry.h>
#include <os.h>

struct start_info start_info;
uint32_t *phys_to_machine;
struct machine_ops machine;
enum boot_mode boot_mode;
const char *boot_mode_reason;

int is_initial_domain(void)
{
    return (start_info.flags & SIF_INITDOMAIN) != 0;
}

/* Our domain id: 0 for dom0; a domU asks the xenstore, as Xen guests do. */
domid_t my_domid(void)
{
    char buf[16];
    if (is_native() || is_initial_domain() || xenbus_read("domid", buf, sizeof(buf)) <= 0)
        return 0;
    return (domid_t)strtoul(buf, NULL, 10);
}

void poweroff(void)
{
    machine.shutdown(SHUTDOWN_poweroff);
}

void crash(const char *why)
{
    printf("minios: fatal: %s\n", why);
    machine.shutdown(SHUTDOWN_crash);
}

uint64_t start_tsc; /* TSC at our first instruction: the boot's milestones */

/* Everything after the choice of machine: the same sequence in every mode. */
void start_of_day(void)
{
    phys_to_machine = (uint32_t *)start_info.mfn_list;
    trap_init();                                    /* exception and int $0x80 entries */
    if (set_kernel_stack((uint32_t)boot_stack_top)) /* where traps from ring 3 land */
        crash("stack_switch refused");
    console_init();   /* a domU's console ring */
    events_init();    /* shared_info and the upcall */
    mm_init();        /* map the rest of memory, the page allocator */
    if (!is_native()) /* grants exist only between domains */
        gnttab_init();
    time_init();          /* the clock and the 100 Hz tick */
    console_input_init(); /* typed bytes arrive as events */
    xenbus_init();        /* a domU's xenstore ring */
    local_events_enable();
    int rc = app_main();
    if (rc)
        crash("the application failed");
    poweroff();
}

/* The PV entry: the domain builder's start_info in %esi (head.S). */
void start_kernel(struct start_info *si)
{
    start_tsc = rdtsc();
    memcpy(&start_info, si, sizeof(start_info));
    machine = pv_ops;
    boot_mode = is_initial_domain() ? MODE_DOM0 : MODE_DOMU;
    boot_mode_reason = is_initial_domain()
                           ? "Xen start_info in %esi at entry, with SIF_INITDOMAIN"
                           : "Xen start_info in %esi at entry, without SIF_INITDOMAIN";
    start_of_day();
}
