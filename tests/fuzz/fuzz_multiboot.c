/*
 * fuzz_multiboot.c - the hypervisor's reader of the loader's Multiboot
 * information (hv/multiboot.c) over a physical memory made of fuzz bytes.
 *
 * multiboot_parse() is the first code to read what the hypervisor did not
 * write.  Here the input is the whole physical memory, with the information
 * structure at address 0 (so the structure's own pointers are small offsets
 * into the input the fuzzer can aim), and the magic is always right.  As in
 * tests/unit/test_multiboot.c, the reader hands out a fresh heap copy of
 * exactly the bytes asked for, so AddressSanitizer catches any read beyond
 * what the parser had the reader vouch for.  After a success, the command
 * line, the loader's name and every module string must be NUL-terminated
 * strings the parser vouched for, and every module must end after it starts.
 * Seeds (tests/fuzz/corpus/multiboot/, from make_seeds.py): a complete
 * structure (command line, loader name, two modules, a memory map with a
 * 64-bit entry), and the same without modules.
 */
#include <string.h>

#include <hv/bootinfo.h>
#include "fuzz.h"

#define INFO_PA    0
#define MAX_COPIES 8192

static const uint8_t *phys;
static size_t phys_size;
static void *copies[MAX_COPIES];
static unsigned int nr_copies;

static const void *fuzz_read(void *ctx, uint32_t pa, uint32_t len)
{
    (void)ctx;
    if ((uint64_t)pa + len > phys_size || nr_copies == MAX_COPIES)
        return NULL;
    uint8_t *c = malloc(len ? len : 1);
    FUZZ_CHECK(c != NULL, "out of memory");
    memcpy(c, phys + pa, len);
    copies[nr_copies++] = c;
    return c;
}

static void check_accepted(const struct boot_info *bi)
{
    FUZZ_CHECK(bi->cmdline && bi->loader, "strings set");
    FUZZ_CHECK(strlen(bi->cmdline) < 4096 && strlen(bi->loader) < 4096, "strings end");
    FUZZ_CHECK(bi->nr_modules <= MAX_BOOT_MODULES, "module count");
    for (unsigned int i = 0; i < bi->nr_modules; i++) {
        FUZZ_CHECK(bi->mods[i].end >= bi->mods[i].start, "module ends after it starts");
        FUZZ_CHECK(bi->mods[i].string && strlen(bi->mods[i].string) < 4096, "module string");
    }
    FUZZ_CHECK(bi->nr_ram >= 1 && bi->nr_ram <= MAX_MEM_RANGES, "RAM ranges");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    const char *err = NULL;
    phys = data;
    phys_size = size;
    if (multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, INFO_PA, fuzz_read, NULL, &bi, &err) == 0)
        check_accepted(&bi);
    else
        FUZZ_CHECK(err && strlen(err) > 0, "a refusal says why");
    while (nr_copies)
        free(copies[--nr_copies]);
    return 0;
}
