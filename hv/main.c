/*
 * main.c - the hypervisor's boot story, from the multiboot loader to dom0.
 *
 * start_hypervisor() is called by boot.S with paging on and the first 48 MiB
 * of machine memory mapped at 0xFC000000.  It reads what the loader told us,
 * sets up the CPU's tables, takes charge of memory, starts the clock, builds
 * dom0 from the first boot module and hands the CPU to the scheduler, which
 * enters dom0 in ring 1.  It never returns.
 *
 * Command line: dom0_mem=SIZE (default 64M), and `chain`, a test mode in which
 * every boot module is a kernel, run one after another as the initial domain:
 * when one ends (however it ends) the hypervisor destroys it, checks that every
 * frame came back, and builds the next.
 */
#include <lib.h>
#include <public/sched.h>
#include <public/version.h>
#include <hv/arch.h>
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/fpu.h>
#include <hv/domain.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/x86.h>

extern char _hv_start[], _hv_end[];

static struct boot_info boot_info;
static uint32_t dom0_mem = DEFAULT_DOM0_MEM;
static int chain_mode;
static unsigned int next_module; /* chain mode: the next kernel to run */
static domid_t next_domid;
static uint32_t chain_free_pages; /* free frames before the first domain was built */

static const void *directmap_reader(void *ctx, uint32_t pa, uint32_t len)
{
    (void)ctx;
    if (pa + len < pa || pa + len > DIRECTMAP_SIZE)
        return NULL;
    return __va(pa);
}

static void parse_cmdline(const char *s)
{
    while (*s) {
        while (*s == ' ')
            s++;
        if (!strncmp(s, "dom0_mem=", 9)) {
            uint64_t v = parse_size(s + 9, &s);
            if (v >= (4u << 20) && v <= (900u << 20))
                dom0_mem = (uint32_t)v & PAGE_MASK;
            else
                printk("(XEN) ignoring dom0_mem outside 4M..900M\n");
        } else if (!strncmp(s, "max_domid=", 10)) {
            domid_set_limit(strtoul(s + 10, NULL, 0));
        } else if (!strncmp(s, "chain", 5)) {
            chain_mode = 1;
        }
        while (*s && *s != ' ')
            s++;
    }
}

static void print_boot_info(void)
{
    printk("(XEN) loader: %s\n(XEN) command line: %s\n", boot_info.loader, boot_info.cmdline);
    printk("(XEN) memory map (available RAM):\n");
    for (unsigned int i = 0; i < boot_info.nr_ram; i++) {
        const struct mem_range *r = &boot_info.ram[i];
        printk("(XEN)   %08x%08x - %08x%08x (%u KiB)\n", (uint32_t)(r->base >> 32),
               (uint32_t)r->base, (uint32_t)((r->base + r->len) >> 32),
               (uint32_t)(r->base + r->len), (uint32_t)(r->len >> 10));
    }
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.mods[i];
        printk("(XEN) module %u: %08x - %08x (%u bytes) %s\n", i, m->start, m->end,
               m->end - m->start, m->string);
    }
}

/* Everything below this physical address is the hypervisor's or the loader's. */
static uint32_t boot_reserved_end(void)
{
    uint32_t end = __pa(_hv_end);
    for (unsigned int i = 0; i < boot_info.nr_modules; i++)
        end = MAX(end, boot_info.mods[i].end);
    return ROUNDUP(end, PAGE_SIZE);
}

static void init_memory(void)
{
    uint64_t top = 0;
    for (unsigned int i = 0; i < boot_info.nr_ram; i++)
        top = MAX(top, boot_info.ram[i].base + boot_info.ram[i].len);
    max_page = (uint32_t)(MIN(top, (uint64_t)MAX_MACHINE_MEMORY) >> PAGE_SHIFT);
    uint32_t ft_start = boot_reserved_end();
    uint32_t ft_bytes = ROUNDUP(max_page * sizeof(struct page_info), PAGE_SIZE);
    if (ft_start + ft_bytes > DIRECTMAP_SIZE)
        panic("boot modules and frame table do not fit in the first 48 MiB");
    frame_table = __va(ft_start);
    page_alloc_init();
    uint32_t first_free = (ft_start + ft_bytes) >> PAGE_SHIFT;
    for (unsigned int i = 0; i < boot_info.nr_ram; i++) {
        uint64_t b = boot_info.ram[i].base, e = b + boot_info.ram[i].len;
        uint32_t s = (uint32_t)MAX(ROUNDUP(b, (uint64_t)PAGE_SIZE) >> PAGE_SHIFT, first_free);
        uint32_t t = (uint32_t)(MIN(e, (uint64_t)max_page << PAGE_SHIFT) >> PAGE_SHIFT);
        if (t > s)
            page_alloc_add_range(s, t - s);
    }
    printk("(XEN) frame table: %u frames (%u MiB) at %08x; %u frames free\n", max_page,
           max_page >> 8, ft_start, free_page_count());
}

static const void *module_bytes(const struct boot_module *m)
{
    return m->end <= DIRECTMAP_SIZE ? __va(m->start) : NULL;
}

/* A module's string is "PATH ARGS...": the guest's command line is ARGS. */
static const char *module_args(const struct boot_module *m)
{
    const char *s = m->string;
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

static int build_initial_domain(unsigned int kernel_index, const struct boot_module *initrd)
{
    const struct boot_module *k = &boot_info.mods[kernel_index];
    const char *name = kernel_index == 0 || !*module_args(k) ? "Domain-0" : module_args(k);
    struct domain *d = domain_create(next_domid, name, 1);
    if (!d)
        return -1;
    const void *image = module_bytes(k), *mod = initrd ? module_bytes(initrd) : NULL;
    if (!image || (initrd && !mod)) {
        printk("(XEN) boot module above the direct map\n");
        domain_destroy(d);
        return -1;
    }
    if (construct_domain(d, image, k->end - k->start, mod, initrd ? initrd->end - initrd->start : 0,
                         module_args(k), dom0_mem, NULL)) {
        domain_destroy(d);
        return -1;
    }
    d->state = DOM_running;
    vcpu_update_state(d->vcpu);
    initial_domain = d;
    return 0;
}

/*
 * dom0_mem larger than the machine: give dom0 what is free, less a reserve for
 * its page tables and the hypervisor's per-domain memory, and say so in one
 * line (as Xen does) rather than fail to build it.
 */
static void clamp_dom0_mem(void)
{
    uint32_t free_bytes = free_page_count() << PAGE_SHIFT;
    uint32_t fit = free_bytes > DOM0_MEM_RESERVE ? (free_bytes - DOM0_MEM_RESERVE) & PAGE_MASK : 0;
    if (dom0_mem <= fit)
        return;
    printk("(XEN) dom0_mem=%uK is more than the machine has free; dom0 gets %uK\n", dom0_mem >> 10,
           fit >> 10);
    dom0_mem = fit;
}

/* Chain mode: build the next kernel module as the initial domain; 0 if one was built. */
static int chain_next(void)
{
    while (next_module < boot_info.nr_modules) {
        unsigned int m = next_module++;
        next_domid = (domid_t)m;
        printk("(XEN) chain: starting module %u (%s) as domain %u\n", m, boot_info.mods[m].string,
               next_domid);
        if (build_initial_domain(m, NULL) == 0)
            return 0;
    }
    return -1;
}

/*
 * Called from the idle loop: reap the initial domain once it has stopped.
 * Without chain mode the machine powers off when dom0 does (exit status 0),
 * or reports a crash through isa-debug-exit.
 */
void idle_died_domains(void)
{
    struct domain *d0 = initial_domain;
    if (!d0 || d0->state < DOM_shutdown)
        return;
    int crashed = d0->state == DOM_crashed;
    printk("(XEN) domain %u counters: hypercalls %u (%u refused), page-table updates refused "
           "%u, exceptions %u (bounced %u), upcalls %u, cr3 loads %u\n",
           d0->domain_id, (uint32_t)d0->counters.hypercalls,
           (uint32_t)d0->counters.hypercall_errors, (uint32_t)d0->counters.validation_errors,
           (uint32_t)d0->counters.exceptions, (uint32_t)d0->counters.bounces,
           (uint32_t)d0->counters.upcalls, (uint32_t)d0->counters.cr3_loads);
    uint32_t reason = d0->shutdown_reason;
    domain_destroy(d0);
    if (chain_mode) {
        printk("(XEN) chain: domain destroyed; free frames %u (before first domain: %u)\n",
               free_page_count(), chain_free_pages);
        if (chain_next() == 0)
            return;
        printk("(XEN) chain: all modules run; powering off\n");
        machine_power_off();
    }
    if (crashed) {
        printk("(XEN) the initial domain crashed; stopping\n");
        machine_exit(1);
    }
    printk("(XEN) the initial domain shut down (%s); powering off\n",
           reason == SHUTDOWN_reboot ? "reboot" : "poweroff");
    machine_power_off();
}

void start_hypervisor(uint32_t magic, uint32_t mbi)
{
    uint64_t entry_tsc = rdtsc(); /* under -icount: instructions since reset */
    const char *err;
    serial_init();
    printk("\n pvlab %u.%u%s - a paravirtualizing hypervisor for i386\n\n", PVLAB_VERSION_MAJOR,
           PVLAB_VERSION_MINOR, PVLAB_EXTRAVERSION);
    if (multiboot_parse(magic, mbi, directmap_reader, NULL, &boot_info, &err))
        panic("multiboot: %s", err);
    printk("(XEN) TSC at hypervisor entry: %u%09u\n", (uint32_t)(entry_tsc / 1000000000u),
           (uint32_t)(entry_tsc % 1000000000u));
    print_boot_info();
    parse_cmdline(boot_info.cmdline);
    paging_init();
    desc_init();
    init_memory();
    pic_init();
    fpu_init();
    time_init();
    sched_init();
    if (boot_info.nr_modules == 0)
        panic("no boot modules: pass dom0's kernel as the first module");
    chain_free_pages = free_page_count();
    if (chain_mode) {
        if (chain_next())
            panic("chain: no module could be built");
    } else {
        clamp_dom0_mem(); /* dom0_mem=4G on a 64 MiB machine */
        if (build_initial_domain(0, boot_info.nr_modules > 1 ? &boot_info.mods[1] : NULL))
            panic("could not build dom0");
    }
    pic_unmask(0);
    pic_unmask(4);
    printk("(XEN) scheduler started; entering dom0 in ring 1\n");
    start_scheduler();
}
