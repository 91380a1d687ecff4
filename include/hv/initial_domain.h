/*
 * initial_domain.h - the domain the hypervisor builds itself, from a boot
 * module (hv/initial_domain.c), and chain mode, which runs every module in
 * turn as that domain (hv/chain.c).
 */
#ifndef HV_INITIAL_DOMAIN_H
#define HV_INITIAL_DOMAIN_H

#include <stdint.h>
#include <public/xen.h>
#include <hv/bootinfo.h>

/*
 * Build the kernel in module `kernel` (with `initrd` as its boot archive, or
 * NULL) as domain `id` with `mem` bytes, and make it the initial domain,
 * running.  `name` is the domain's name.  0, or -1 with the reason logged.
 */
int build_initial_domain(domid_t id, const char *name, const struct boot_module *kernel,
                         const struct boot_module *initrd, uint32_t mem);

/* A module's string is "PATH ARGS...": its guest's command line is ARGS. */
const char *module_args(const struct boot_module *m);

/*
 * From the idle loop: once the initial domain has stopped, destroy it; then
 * either chain mode builds the next module, or the machine powers off (exit
 * status 0), or, if it crashed, stops through isa-debug-exit.
 */
void reap_initial_domain(void);

/* Chain mode (hv/chain.c): start with the first module; -1 if none could be built. */
int chain_start(const struct boot_info *bi, uint32_t mem);
int chain_active(void);
/* After the reaper destroyed one module's domain: build the next, or power off. */
void chain_continue(void);

#endif
