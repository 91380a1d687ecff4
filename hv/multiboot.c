/*
 * multiboot.c - read the Multiboot (v1) information the loader left us.
 *
 * The loader passes the physical address of a multiboot_info structure whose
 * flags say which fields are valid: bit 2 the command line, bit 3 the modules,
 * bit 6 the BIOS memory map (a list of variable-size entries, each prefixed by
 * its own size), bit 9 the loader's name.  Nothing here trusts the loader:
 * every pointer is read through `rd`, which refuses unreadable ranges, and
 * every string must end within 4 KiB.  The result is a plain boot_info.
 *
 * Tour 6/37 - after hv/console.c, before arch/x86/hv_mappings.c.
 */
#include <lib.h>
#include <hv/bootinfo.h>

#define MBI_CMDLINE 0x004
#define MBI_MODS    0x008
#define MBI_MMAP    0x040
#define MBI_LOADER  0x200

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb_module {
    uint32_t mod_start, mod_end, string, reserved;
};

struct mb_mmap_entry {
    uint32_t size; /* of the rest of the entry */
    uint32_t base_lo, base_hi, len_lo, len_hi, type;
} __attribute__((packed));

#define MB_MEMORY_AVAILABLE 1
#define MAX_STRING          4096

/* A NUL-terminated string at pa, or NULL if it does not end within MAX_STRING bytes. */
static const char *read_string(phys_reader_t rd, void *ctx, uint32_t pa)
{
    if (pa == 0)
        return NULL;
    for (uint32_t n = 1; n <= MAX_STRING; n++) {
        const char *s = rd(ctx, pa, n);
        if (!s)
            return NULL;
        if (s[n - 1] == 0)
            return s;
    }
    return NULL;
}

static int parse_modules(const struct mb_info *mi, phys_reader_t rd, void *ctx,
                         struct boot_info *bi, const char **err)
{
    if (mi->mods_count > MAX_BOOT_MODULES) {
        *err = "too many boot modules";
        return -1;
    }
    const struct mb_module *m = rd(ctx, mi->mods_addr, mi->mods_count * sizeof(*m));
    if (mi->mods_count && !m) {
        *err = "module list is not readable";
        return -1;
    }
    for (uint32_t i = 0; i < mi->mods_count; i++) {
        if (m[i].mod_end < m[i].mod_start) {
            *err = "module ends before it starts";
            return -1;
        }
        const char *s = m[i].string ? read_string(rd, ctx, m[i].string) : "";
        if (!s) {
            *err = "module string is not terminated";
            return -1;
        }
        bi->mods[i] = (struct boot_module){m[i].mod_start, m[i].mod_end, s};
    }
    bi->nr_modules = mi->mods_count;
    return 0;
}

static int parse_mmap(const struct mb_info *mi, phys_reader_t rd, void *ctx, struct boot_info *bi,
                      const char **err)
{
    uint32_t off = 0; /* always <= mmap_length, so the subtractions below cannot wrap */
    while (mi->mmap_length - off >= 4) {
        const uint32_t *size = rd(ctx, mi->mmap_addr + off, 4);
        if (!size) {
            *err = "memory map is not readable";
            return -1;
        }
        if (*size < 20 || *size > mi->mmap_length - off - 4) {
            *err = "memory map entry has a bad size";
            return -1;
        }
        const struct mb_mmap_entry *e = rd(ctx, mi->mmap_addr + off, 4 + *size);
        if (!e) {
            *err = "memory map is not readable";
            return -1;
        }
        if (e->type == MB_MEMORY_AVAILABLE && bi->nr_ram < MAX_MEM_RANGES) {
            uint64_t base = ((uint64_t)e->base_hi << 32) | e->base_lo;
            uint64_t len = ((uint64_t)e->len_hi << 32) | e->len_lo;
            bi->ram[bi->nr_ram++] = (struct mem_range){base, len};
        }
        off += 4 + *size;
    }
    return 0;
}

int multiboot_parse(uint32_t magic, uint32_t info_pa, phys_reader_t rd, void *ctx,
                    struct boot_info *bi, const char **err)
{
    memset(bi, 0, sizeof(*bi));
    bi->cmdline = "";
    bi->loader = "unknown";
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
        *err = "not started by a multiboot loader (bad magic)";
        return -1;
    }
    const struct mb_info *mi = rd(ctx, info_pa, sizeof(*mi));
    if (!mi) {
        *err = "multiboot information is not readable";
        return -1;
    }
    if ((mi->flags & MBI_CMDLINE) && !(bi->cmdline = read_string(rd, ctx, mi->cmdline))) {
        *err = "command line is not terminated";
        return -1;
    }
    if ((mi->flags & MBI_LOADER) && !(bi->loader = read_string(rd, ctx, mi->boot_loader_name)))
        bi->loader = "unknown";
    if ((mi->flags & MBI_MODS) && parse_modules(mi, rd, ctx, bi, err))
        return -1;
    if (!(mi->flags & MBI_MMAP)) {
        *err = "the loader gave no memory map";
        return -1;
    }
    if (parse_mmap(mi, rd, ctx, bi, err))
        return -1;
    if (bi->nr_ram == 0) {
        *err = "the memory map lists no available RAM";
        return -1;
    }
    return 0;
}
