/*
 * bootinfo.h - what the hypervisor learns from its multiboot loader, and the
 * parser that extracts it (hv/multiboot.c).
 */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MAX_BOOT_MODULES           64
#define MAX_MEM_RANGES             32

struct boot_module {
    uint32_t start, end; /* physical, [start, end) */
    const char *string;  /* the module's command line ("" if none) */
};

struct mem_range {
    uint64_t base, len; /* available RAM */
};

struct boot_info {
    const char *cmdline;
    const char *loader;
    unsigned int nr_modules;
    struct boot_module mods[MAX_BOOT_MODULES];
    unsigned int nr_ram;
    struct mem_range ram[MAX_MEM_RANGES];
};

/*
 * How the parser reads physical memory: returns a pointer to [pa, pa+len), or
 * NULL if that range is not readable.  The hypervisor passes its direct map;
 * the unit tests pass a fake.
 */
typedef const void *(*phys_reader_t)(void *ctx, uint32_t pa, uint32_t len);

/* Returns 0, or -1 with *err describing what was wrong with the information. */
int multiboot_parse(uint32_t magic, uint32_t info_pa, phys_reader_t rd, void *ctx,
                    struct boot_info *bi, const char **err);

#endif
