/*
 * chain.c - chain mode, a test mode: every boot module is a kernel, run one
 * after another as the initial domain.
 *
 * `chain` on the hypervisor's command line turns it on.  The hostile-guest
 * tests use it to run many small guests in one boot: module m runs as
 * domain m; when it ends, however it ends, the reaper (hv/initial_domain.c)
 * destroys it, this file prints how many frames are free against the count
 * before the first domain was built - so a test sees any frame a destroyed
 * domain failed to give back - and builds the next.  After the last module
 * the machine powers off.
 *
 * Tour 21/37 - after hv/elf.c, before arch/x86/entry.S.
 */
#include <lib.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/initial_domain.h>
#include <hv/mm.h>

static const struct boot_info *chain_boot; /* NULL unless chain mode is on */
static uint32_t chain_mem;
static unsigned int next_module;  /* the next kernel to run */
static uint32_t chain_free_pages; /* free frames before the first domain was built */

int chain_active(void)
{
    return chain_boot != NULL;
}

/* Build the next kernel module as the initial domain; 0 if one was built. */
static int chain_next(void)
{
    while (next_module < chain_boot->nr_modules) {
        unsigned int m = next_module++;
        const struct boot_module *k = &chain_boot->mods[m];
        printk("(XEN) chain: starting module %u (%s) as domain %u\n", m, k->string, m);
        const char *name = m == 0 || !*module_args(k) ? "Domain-0" : module_args(k);
        if (build_initial_domain((domid_t)m, name, k, NULL, chain_mem) == 0)
            return 0;
    }
    return -1;
}

int chain_start(const struct boot_info *bi, uint32_t mem)
{
    chain_boot = bi;
    chain_mem = mem;
    chain_free_pages = free_page_count();
    return chain_next();
}

void chain_continue(void)
{
    printk("(XEN) chain: domain destroyed; free frames %u (before first domain: %u)\n",
           free_page_count(), chain_free_pages);
    if (chain_next() == 0)
        return;
    printk("(XEN) chain: all modules run; powering off\n");
    machine_power_off();
}
