/*
 * initial_domain.c - the one domain the hypervisor builds by itself, and its
 * reaper.
 *
 * Every other domain is built by dom0's toolstack through domctl; dom0 itself
 * has no one to build it, so the hypervisor does, from the first boot module
 * (its kernel) and the second (its boot archive).  When that domain stops -
 * shut down or crashed - there is no toolstack left to destroy it either, so
 * the idle loop calls reap_initial_domain(), which destroys it and ends the
 * machine: powered off after a shutdown, an isa-debug-exit failure status
 * after a crash.  In chain mode (hv/chain.c) the reaper instead builds the
 * next module as the new initial domain.
 *
 * Tour 17/37 - after hv/timer.c, before hv/domain.c.
 */
#include <lib.h>
#include <public/sched.h>
#include <hv/arch.h>
#include <hv/config.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/initial_domain.h>
#include <hv/mm.h>
#include <hv/sched.h>

/* A module's bytes, if the direct map reaches them. */
static const void *module_bytes(const struct boot_module *m)
{
    return m->end <= DIRECTMAP_SIZE ? __va(m->start) : NULL;
}

const char *module_args(const struct boot_module *m)
{
    const char *s = m->string;
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

int build_initial_domain(domid_t id, const char *name, const struct boot_module *k,
                         const struct boot_module *initrd, uint32_t mem)
{
    struct domain *d = domain_create(id, name, 1);
    if (!d)
        return -1;
    const void *image = module_bytes(k), *mod = initrd ? module_bytes(initrd) : NULL;
    if (!image || (initrd && !mod)) {
        printk("(XEN) boot module above the direct map\n");
        domain_destroy(d);
        return -1;
    }
    if (construct_domain(d, image, k->end - k->start, mod, initrd ? initrd->end - initrd->start : 0,
                         module_args(k), mem, NULL)) {
        domain_destroy(d);
        return -1;
    }
    d->state = DOM_running;
    vcpu_update_state(d->vcpu);
    initial_domain = d;
    return 0;
}

static void print_counters(const struct domain *d)
{
    printk("(XEN) domain %u counters: hypercalls %u (%u refused), page-table updates refused "
           "%u, exceptions %u (bounced %u), upcalls %u, cr3 loads %u\n",
           d->domain_id, (uint32_t)d->counters.hypercalls, (uint32_t)d->counters.hypercall_errors,
           (uint32_t)d->counters.validation_errors, (uint32_t)d->counters.exceptions,
           (uint32_t)d->counters.bounces, (uint32_t)d->counters.upcalls,
           (uint32_t)d->counters.cr3_loads);
}

void reap_initial_domain(void)
{
    struct domain *d0 = initial_domain;
    if (!d0 || d0->state < DOM_shutdown)
        return;
    int crashed = d0->state == DOM_crashed;
    print_counters(d0);
    uint32_t reason = d0->shutdown_reason;
    domain_destroy(d0);
    if (chain_active()) {
        chain_continue();
        return;
    }
    if (crashed) {
        printk("(XEN) the initial domain crashed; stopping\n");
        machine_exit(1);
    }
    printk("(XEN) the initial domain shut down (%s); powering off\n",
           reason == SHUTDOWN_reboot ? "reboot" : "poweroff");
    machine_power_off();
}
