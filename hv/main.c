/*
 * main.c - the hypervisor's boot story, from the multiboot loader to dom0.
 *
 * start_hypervisor() is called by boot.S with paging on and the first 48 MiB
 * of machine memory mapped at 0xFC000000.  It reads what the loader told us,
 * sets up the CPU's tables, takes charge of memory, starts the clock, builds
 * dom0 from the first boot module and hands the CPU to the scheduler, which
 * enters dom0 in ring 1.  It never returns.
 *
 * Command line: dom0_mem=SIZE (default 64M), max_domid=N, and `chain`, a test
 * mode in which every boot module is a kernel run in turn (hv/chain.c).
 * Building dom0 and reaping it when it stops are hv/initial_domain.c's.
 *
 * Tour 3/37 - after arch/x86/boot.S, before arch/x86/serial.c.
 */
#include <lib.h>
#include <public/domctl.h>
#include <public/sched.h>
#include <public/version.h>
#include <hv/arch.h>
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/hypercall.h>
#include <hv/fpu.h>
#include <hv/domain.h>
#include <hv/entry.h>
#include <hv/initial_domain.h>
#include <hv/irq.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/x86.h>

extern char _hv_start[], _hv_end[];

static struct boot_info boot_info;
static uint32_t dom0_mem = DEFAULT_DOM0_MEM;
static int chain_mode;

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
            if (v >= ((uint64_t)XEN_DOMCTL_MIN_MEM_MB << 20) &&
                v <= ((uint64_t)XEN_DOMCTL_MAX_MEM_MB << 20))
                dom0_mem = (uint32_t)v & PAGE_MASK;
            else
                printk("(XEN) ignoring dom0_mem outside %uM..%uM\n", XEN_DOMCTL_MIN_MEM_MB,
                       XEN_DOMCTL_MAX_MEM_MB);
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

/* dom0 from the first module, with the second (if any) as its boot archive; or chain mode. */
static void build_dom0(void)
{
    if (boot_info.nr_modules == 0)
        panic("no boot modules: pass dom0's kernel as the first module");
    if (chain_mode) {
        if (chain_start(&boot_info, dom0_mem))
            panic("chain: no module could be built");
        return;
    }
    clamp_dom0_mem(); /* dom0_mem=4G on a 64 MiB machine */
    const struct boot_module *initrd = boot_info.nr_modules > 1 ? &boot_info.mods[1] : NULL;
    if (build_initial_domain(0, "Domain-0", &boot_info.mods[0], initrd, dom0_mem))
        panic("could not build dom0");
}

/*
 * The boot story.  Each step needs the ones before it: the tables before
 * anything can trap, memory before any domain, the clock before the
 * scheduler's slices, and dom0 before there is anything to schedule.
 */
void start_hypervisor(uint32_t magic, uint32_t mbi)
{
    uint64_t entry_tsc = rdtsc(); /* under -icount: instructions since reset */
    const char *err;
    serial_init(); /* COM1: printk works from here on */
    printk("\n pvlab %u.%u%s - a paravirtualizing hypervisor for i386\n\n", PVLAB_VERSION_MAJOR,
           PVLAB_VERSION_MINOR, PVLAB_EXTRAVERSION);
    /* What the loader left us: memory map, modules, command line (hv/multiboot.c). */
    if (multiboot_parse(magic, mbi, directmap_reader, NULL, &boot_info, &err))
        panic("multiboot: %s", err);
    printk("(XEN) TSC at hypervisor entry: %u%09u\n", (uint32_t)(entry_tsc / 1000000000u),
           (uint32_t)(entry_tsc % 1000000000u));
    print_boot_info();
    parse_cmdline(boot_info.cmdline); /* dom0_mem=, max_domid=, chain */
    paging_init();          /* drop the identity map; map_domain_page window; the entry area */
    desc_init();            /* GDT with the guests' ring-1 and ring-3 segments, IDT, TSS */
    init_memory();          /* the frame table, and every free frame to the allocator */
    pic_init();             /* the 8259s, every line masked */
    fpu_init();             /* CR0.TS set: the first x87 use by a guest traps (lazy switch) */
    time_init();            /* TSC calibrated against the PIT; the PIT ticks at HZ */
    sched_init();           /* the idle vCPU runs; slice lengths in TSC ticks */
    hypercall_table_set(0); /* the handlers the hypercall gate calls (arch/x86/entry.S) */
    build_dom0();           /* dom0 from the first module, or chain mode's first kernel */
    pic_unmask(IRQ_TIMER);  /* the tick: timers and time slices */
    pic_unmask(IRQ_SERIAL); /* console input, for dom0 */
    printk("(XEN) scheduler started; entering dom0 in ring 1\n");
    start_scheduler(); /* the idle loop picks dom0 and enters it in ring 1 */
}
