/*
 * start.c - the native start of day, up to the shared one.
 *
 * boot.S has turned paging on with the boot page tables and called
 * start_native() with the multiboot information's physical address.  What
 * the domain builder hands a PV minios in start_info, this file works out
 * from the multiboot information, in the same structure, so that the
 * shared code reads one description of its memory:
 *
 *   nr_pages   the RAM above 1 MiB (mem_upper), at most NATIVE_MAX_PAGES;
 *              pseudo-physical page p is physical page p + 256
 *   mfn_list   the p2m array saying so, placed just after the kernel
 *   pt_base    boot_l2, the boot page directory (boot.S)
 *   cmd_line   the loader's command line
 *   mod_start  the first multiboot module, if any (QEMU's -initrd, GRUB's
 *   mod_len    module): the boot archive, as dom0 gets its own from the
 *              hypervisor, so its ram/NAME.simg files become RAM disks here
 *              too (ramdisk.c); without one, the programs built into the
 *              kernel are the archive
 *   flags      0: no SIF_INITDOMAIN, no SIF_PRIVILEGED - there is no domain
 *
 * The multiboot information is read first, through the identity map of the
 * first 8 MiB, because QEMU puts it right after the kernel, where the p2m
 * array goes; the identity map is dropped afterwards.  QEMU also puts the
 * modules right after the kernel (after the command lines), so the p2m array
 * and everything the boot allocates go after the archive when it lies there;
 * mm_init() never hands out the archive's pages.  Then the machine
 * itself: GDT, TSS and IDT (desc.c), the PIC (irq.c), COM1 (serial.c); and
 * start_of_day() (kernel.c) with the native operations table.
 *
 * Tour 6/58 - after arch/native/boot.S, before arch/native/native_ops.c.
 */
#include "native.h"

#define MB_INFO_MEMORY  0x001
#define MB_INFO_CMDLINE 0x004
#define MB_INFO_MODS    0x008
#define MB_INFO_LOADER  0x200
#define IDENTITY_END    0x800000u /* boot.S maps the first 8 MiB at 0 */

struct multiboot_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t unused[9]; /* symbols, memory map, drives, config: not needed */
    uint32_t boot_loader_name;
};

struct multiboot_module {
    uint32_t mod_start, mod_end; /* physical, end exclusive */
    uint32_t string, reserved;
};

/* The application decides whether it can run on the bare machine (minios's own can;
 * the PV test guests, which exist to poke the hypervisor, cannot). */
int app_runs_natively __attribute__((weak));
static char loader[32] = "unnamed loader";

extern uint32_t boot_l2[1024];
extern char _end[];

/* The first module as the boot archive, if it lies in our memory above the kernel (else it is
 * left out, said why). */
static void read_module(const struct multiboot_info *mbi)
{
    if (!(mbi->flags & MB_INFO_MODS) || !mbi->mods_count ||
        mbi->mods_addr + sizeof(struct multiboot_module) > IDENTITY_END)
        return;
    const struct multiboot_module *mod = (const struct multiboot_module *)mbi->mods_addr;
    uint32_t kernel_end = ROUNDUP((uint32_t)_end, PAGE_SIZE) - VIRT_BASE + NATIVE_PHYS_BASE;
    uint32_t ram_end = NATIVE_PHYS_BASE + (start_info.nr_pages << PAGE_SHIFT);
    if (mod->mod_start < kernel_end || mod->mod_end <= mod->mod_start || mod->mod_end > ram_end) {
        printf("minios: the boot module at 0x%x-0x%x is not in RAM above the kernel "
               "(0x%x-0x%x): no boot archive\n",
               mod->mod_start, mod->mod_end, kernel_end, ram_end);
        return;
    }
    start_info.mod_start = (uint32_t)maddr_to_virt(mod->mod_start);
    start_info.mod_len = mod->mod_end - mod->mod_start;
}

/* The RAM above 1 MiB, the command line and the boot module, from the loader; 0, or -1 if
 * unusable. */
static int read_multiboot(uint32_t mbi_pa)
{
    if (mbi_pa + sizeof(struct multiboot_info) > IDENTITY_END)
        return -1;
    const struct multiboot_info *mbi = (const struct multiboot_info *)mbi_pa;
    if (!(mbi->flags & MB_INFO_MEMORY) || mbi->mem_upper < 16 * 1024)
        return -1; /* no memory size, or under 17 MiB */
    start_info.nr_pages = MIN(mbi->mem_upper / 4, NATIVE_MAX_PAGES);
    if ((mbi->flags & MB_INFO_CMDLINE) && mbi->cmdline < IDENTITY_END - sizeof(start_info.cmd_line))
        strlcpy(start_info.cmd_line, (const char *)mbi->cmdline, sizeof(start_info.cmd_line));
    if ((mbi->flags & MB_INFO_LOADER) && mbi->boot_loader_name < IDENTITY_END - sizeof(loader))
        strlcpy(loader, (const char *)mbi->boot_loader_name, sizeof(loader));
    read_module(mbi);
    return 0;
}

/* The p2m array after the kernel, or after the boot archive when that is where the array and
 * mm_init's L1 tables would go: pfn p is frame p + 256.  Returns the first free pfn. */
static uint32_t build_p2m(void)
{
    uint32_t p2m_bytes = ROUNDUP(start_info.nr_pages * 4, PAGE_SIZE);
    uint32_t boot_use = p2m_bytes + (start_info.nr_pages / 1024 + 1) * PAGE_SIZE;
    uint32_t start = ROUNDUP((uint32_t)_end, PAGE_SIZE);
    if (start_info.mod_len && start_info.mod_start < start + boot_use)
        start = ROUNDUP(start_info.mod_start + start_info.mod_len, PAGE_SIZE);
    if (start + boot_use > BOOT_MAP_END) {
        printf("minios: the boot archive ends at 0x%x, past the %u MiB the boot page tables map: "
               "no room for the p2m array\n",
               start_info.mod_start + start_info.mod_len, (BOOT_MAP_END - VIRT_BASE) >> 20);
        machine.shutdown(SHUTDOWN_crash);
    }
    uint32_t *p2m = (uint32_t *)start;
    for (uint32_t p = 0; p < start_info.nr_pages; p++)
        p2m[p] = p + NATIVE_MFN_BASE;
    start_info.mfn_list = (uint32_t)p2m;
    return virt_to_pfn(p2m) + ROUNDUP(start_info.nr_pages * 4, PAGE_SIZE) / PAGE_SIZE;
}

/* The identity map was for boot.S and the multiboot information only. */
static void drop_identity_map(void)
{
    boot_l2[0] = boot_l2[1] = 0;
    uint32_t cr3;
    __asm__ volatile("movl %%cr3, %0; movl %0, %%cr3" : "=r"(cr3)::"memory");
}

void start_native(uint32_t mbi_pa)
{
    start_tsc = rdtsc();
    serial_init();
    machine = native_ops;
    boot_mode = MODE_NATIVE;
    boot_mode_reason = "multiboot magic 0x2BADB002 in %eax at entry, no start_info";
    strlcpy(start_info.magic, "native (multiboot)", sizeof(start_info.magic));
    if (!app_runs_natively) {
        printf("minios: this kernel is a PV-only test guest: it needs the pvlab hypervisor and "
               "refuses to start natively\n");
        machine.shutdown(SHUTDOWN_crash);
    }
    if (read_multiboot(mbi_pa)) {
        printf("minios: the multiboot information gives no usable memory size\n");
        machine.shutdown(SHUTDOWN_crash);
    }
    boot_first_free_pfn = build_p2m();
    start_info.pt_base = (uint32_t)boot_l2;
    start_info.nr_pt_frames = 1 + BOOT_L1S;
    drop_identity_map();
    desc_init();
    pic_init();
    printf("minios: native start (%s), loader: %s, %u MiB above 1 MiB\n", boot_mode_reason, loader,
           start_info.nr_pages / 256);
    start_of_day();
}
