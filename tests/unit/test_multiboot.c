/*
 * test_multiboot.c - the parser of the loader's Multiboot information
 * (hv/multiboot.c), run against a fake physical memory.
 *
 * multiboot_parse() is the first code that reads data the hypervisor did not
 * produce, before anything else is set up, so it must not trust the loader:
 * every pointer may be bad, every length may lie, every string may be
 * unterminated.  The fake reader below hands out a fresh heap copy of exactly
 * the bytes asked for, so besides checking results and error messages, a run
 * under valgrind catches any read past what the parser asked the reader to
 * vouch for.  Each test starts from a complete, valid information structure
 * (command line, loader name, two modules, a memory map with a 64-bit entry)
 * and breaks one thing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hv/bootinfo.h>

/* The Multiboot (v1) structures, laid out as in the specification. */
#define MBI_CMDLINE 0x004
#define MBI_MODS    0x008
#define MBI_MMAP    0x040
#define MBI_LOADER  0x200

struct mbi {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mbi_module {
    uint32_t mod_start, mod_end, string, reserved;
};

struct mbi_mmap_entry {
    uint32_t size, base_lo, base_hi, len_lo, len_hi, type;
};

#define MMAP_AVAILABLE 1
#define MMAP_RESERVED  2

/* Where the fake loader put things in the fake physical memory. */
#define PHYS_SIZE   0x10000u
#define MBI_PA      0x1000u
#define CMDLINE_PA  0x2000u
#define LOADER_PA   0x2800u
#define MODS_PA     0x3000u
#define STRINGS_PA  0x3800u
#define MMAP_PA     0x4000u
#define LONG_STR_PA 0x8000u /* room for a 4 KiB+ string */
#define MAX_STRING  4096

static uint8_t phys[PHYS_SIZE];
static uint32_t next_string_pa;

/* ---------------------------------------------------------------- the fake reader */

struct read_copy {
    struct read_copy *next;
    uint64_t bytes[]; /* 8-byte aligned, like the direct map */
};
static struct read_copy *copies;

static const void *fake_read(void *ctx, uint32_t pa, uint32_t len)
{
    (void)ctx;
    if ((uint64_t)pa + len > PHYS_SIZE)
        return NULL;
    struct read_copy *c = malloc(sizeof(*c) + len);
    assert_non_null(c);
    memcpy(c->bytes, phys + pa, len);
    c->next = copies;
    copies = c;
    return c->bytes;
}

static void free_copies(void)
{
    while (copies) {
        struct read_copy *c = copies;
        copies = c->next;
        free(c);
    }
}

/* ---------------------------------------------------------------- building the information */

static struct mbi *mbi(void)
{
    return (struct mbi *)(phys + MBI_PA);
}

static uint32_t put_string(uint32_t pa, const char *s)
{
    memcpy(phys + pa, s, strlen(s) + 1);
    return pa;
}

static uint32_t add_string(const char *s)
{
    uint32_t pa = put_string(next_string_pa, s);
    next_string_pa += strlen(s) + 1;
    return pa;
}

static void add_module(uint32_t start, uint32_t end, const char *string)
{
    struct mbi_module *m = (struct mbi_module *)(phys + MODS_PA) + mbi()->mods_count++;
    *m = (struct mbi_module){start, end, string ? add_string(string) : 0, 0};
}

/* Append a memory map entry whose size field says `size` (20 for a standard entry). */
static void add_mmap_sized(uint32_t size, uint32_t type, uint64_t base, uint64_t len)
{
    struct mbi_mmap_entry e = {size, (uint32_t)base, base >> 32, (uint32_t)len, len >> 32, type};
    memcpy(phys + MMAP_PA + mbi()->mmap_length, &e, sizeof(e));
    mbi()->mmap_length += 4 + size;
}

static void add_mmap(uint32_t type, uint64_t base, uint64_t len)
{
    add_mmap_sized(20, type, base, len);
}

/* A PC with 640 KiB of low memory, 127 MiB above 1 MiB and 1 GiB above 4 GiB. */
static int setup_good_info(void **state)
{
    (void)state;
    memset(phys, 0, sizeof(phys));
    next_string_pa = STRINGS_PA;
    *mbi() = (struct mbi){.flags = MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER,
                          .cmdline = put_string(CMDLINE_PA, "dom0_mem=64M loglvl=all"),
                          .boot_loader_name = put_string(LOADER_PA, "GRUB 2.06"),
                          .mods_addr = MODS_PA,
                          .mmap_addr = MMAP_PA};
    add_module(0x200000, 0x218000, "minios.elf dom0");
    add_module(0x219000, 0x21A000, NULL);
    add_mmap(MMAP_AVAILABLE, 0x0, 0x9FC00);
    add_mmap(MMAP_RESERVED, 0xF0000, 0x10000);
    add_mmap(MMAP_AVAILABLE, 0x100000, 0x7F00000);
    add_mmap(MMAP_RESERVED, 0xFFFC0000, 0x40000);
    add_mmap(MMAP_AVAILABLE, 0x100000000ull, 0x40000000);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_copies();
    return 0;
}

static int parse(struct boot_info *bi, const char **err)
{
    *err = NULL;
    return multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI_PA, fake_read, NULL, bi, err);
}

static void assert_refused(const char *why)
{
    struct boot_info bi;
    const char *err;
    assert_int_equal(parse(&bi, &err), -1);
    assert_non_null(err);
    assert_string_equal(err, why);
}

static void assert_accepted(struct boot_info *bi)
{
    const char *err;
    int rc = parse(bi, &err);
    if (rc != 0)
        fail_msg("refused: %s", err ? err : "(no message)");
}

/* ---------------------------------------------------------------- good information */

static void test_good_info_gives_cmdline_loader_modules_and_ram(void **state)
{
    (void)state;
    struct boot_info bi;
    assert_accepted(&bi);
    assert_string_equal(bi.cmdline, "dom0_mem=64M loglvl=all");
    assert_string_equal(bi.loader, "GRUB 2.06");

    assert_int_equal(bi.nr_modules, 2);
    assert_int_equal(bi.mods[0].start, 0x200000);
    assert_int_equal(bi.mods[0].end, 0x218000);
    assert_string_equal(bi.mods[0].string, "minios.elf dom0");
    assert_int_equal(bi.mods[1].start, 0x219000);
    assert_int_equal(bi.mods[1].end, 0x21A000);
    assert_string_equal(bi.mods[1].string, ""); /* string pointer 0: no command line */

    /* Only the available entries, in order; the reserved ones are skipped. */
    assert_int_equal(bi.nr_ram, 3);
    assert_int_equal(bi.ram[0].base, 0x0);
    assert_int_equal(bi.ram[0].len, 0x9FC00);
    assert_int_equal(bi.ram[1].base, 0x100000);
    assert_int_equal(bi.ram[1].len, 0x7F00000);
    assert_int_equal(bi.ram[2].base, 0x100000000ull);
    assert_int_equal(bi.ram[2].len, 0x40000000);
}

static void test_64bit_base_and_length_keep_their_high_halves(void **state)
{
    (void)state;
    mbi()->mmap_length = 0;
    add_mmap(MMAP_AVAILABLE, 0x0000000123456000ull, 0x0000000200000000ull);
    struct boot_info bi;
    assert_accepted(&bi);
    assert_int_equal(bi.nr_ram, 1);
    assert_int_equal(bi.ram[0].base, 0x123456000ull);
    assert_int_equal(bi.ram[0].len, 0x200000000ull);
}

static void test_absent_optional_fields_give_defaults(void **state)
{
    (void)state;
    mbi()->flags = MBI_MMAP;
    struct boot_info bi;
    assert_accepted(&bi);
    assert_string_equal(bi.cmdline, "");
    assert_string_equal(bi.loader, "unknown");
    assert_int_equal(bi.nr_modules, 0);
    assert_int_equal(bi.nr_ram, 3);
}

static void test_module_list_flag_with_no_modules_is_fine(void **state)
{
    (void)state;
    mbi()->mods_count = 0;
    mbi()->mods_addr = 0xFFFFFFF0; /* not read when there is nothing to read */
    struct boot_info bi;
    assert_accepted(&bi);
    assert_int_equal(bi.nr_modules, 0);
}

static void test_exactly_max_boot_modules_are_accepted(void **state)
{
    (void)state;
    mbi()->mods_count = 0;
    for (unsigned int i = 0; i < MAX_BOOT_MODULES; i++)
        add_module(0x400000 + i * 0x1000, 0x400000 + i * 0x1000 + 0x800, "m");
    struct boot_info bi;
    assert_accepted(&bi);
    assert_int_equal(bi.nr_modules, MAX_BOOT_MODULES);
    assert_int_equal(bi.mods[MAX_BOOT_MODULES - 1].start,
                     0x400000 + (MAX_BOOT_MODULES - 1) * 0x1000);
}

static void test_empty_module_is_accepted(void **state)
{
    (void)state;
    struct mbi_module *m = (struct mbi_module *)(phys + MODS_PA);
    m[1].mod_end = m[1].mod_start;
    struct boot_info bi;
    assert_accepted(&bi);
    assert_int_equal(bi.mods[1].start, bi.mods[1].end);
}

static void test_longest_allowed_command_line_is_accepted(void **state)
{
    (void)state;
    memset(phys + LONG_STR_PA, 'x', MAX_STRING - 1);
    phys[LONG_STR_PA + MAX_STRING - 1] = 0;
    mbi()->cmdline = LONG_STR_PA;
    struct boot_info bi;
    assert_accepted(&bi);
    assert_int_equal(strlen(bi.cmdline), MAX_STRING - 1);
}

static void test_unterminated_loader_name_reads_as_unknown(void **state)
{
    (void)state;
    memset(phys + LONG_STR_PA, 'G', MAX_STRING + 16);
    mbi()->boot_loader_name = LONG_STR_PA;
    struct boot_info bi;
    assert_accepted(&bi);
    assert_string_equal(bi.loader, "unknown");
}

static void test_unreadable_loader_name_reads_as_unknown(void **state)
{
    (void)state;
    mbi()->boot_loader_name = PHYS_SIZE + 0x1000;
    struct boot_info bi;
    assert_accepted(&bi);
    assert_string_equal(bi.loader, "unknown");
}

static void test_mmap_entries_larger_than_20_bytes_are_stepped_over(void **state)
{
    (void)state;
    /* Some loaders pad entries (ACPI 3.0 attributes); the size field says how far to step. */
    mbi()->mmap_length = 0;
    add_mmap_sized(24, MMAP_AVAILABLE, 0x100000, 0x100000);
    add_mmap_sized(20, MMAP_RESERVED, 0x200000, 0x1000);
    add_mmap_sized(28, MMAP_AVAILABLE, 0x300000, 0x200000);
    struct boot_info bi;
    assert_accepted(&bi);
    assert_int_equal(bi.nr_ram, 2);
    assert_int_equal(bi.ram[0].base, 0x100000);
    assert_int_equal(bi.ram[1].base, 0x300000);
    assert_int_equal(bi.ram[1].len, 0x200000);
}

static void test_bytes_after_the_last_mmap_entry_too_short_for_a_size_are_ignored(void **state)
{
    (void)state;
    mbi()->mmap_length += 3;
    struct boot_info bi;
    assert_accepted(&bi);
    assert_int_equal(bi.nr_ram, 3);
}

static void test_more_ram_ranges_than_fit_are_dropped_not_overflowed(void **state)
{
    (void)state;
    mbi()->mmap_length = 0;
    for (unsigned int i = 0; i < MAX_MEM_RANGES + 8; i++)
        add_mmap(MMAP_AVAILABLE, (uint64_t)i << 24, 0x100000);
    struct boot_info bi;
    assert_accepted(&bi);
    assert_int_equal(bi.nr_ram, MAX_MEM_RANGES);
    assert_int_equal(bi.ram[MAX_MEM_RANGES - 1].base, (uint64_t)(MAX_MEM_RANGES - 1) << 24);
}

/* ---------------------------------------------------------------- refusals */

static void test_bad_magic_is_refused_with_defaults_filled_in(void **state)
{
    (void)state;
    struct boot_info bi;
    const char *err = NULL;
    assert_int_equal(multiboot_parse(0x1BADB002, MBI_PA, fake_read, NULL, &bi, &err), -1);
    assert_string_equal(err, "not started by a multiboot loader (bad magic)");
    assert_string_equal(bi.cmdline, ""); /* callers may still print these */
    assert_string_equal(bi.loader, "unknown");
    assert_int_equal(bi.nr_modules, 0);
    assert_int_equal(bi.nr_ram, 0);
}

static void test_unreadable_info_pointer_is_refused(void **state)
{
    (void)state;
    struct boot_info bi;
    const char *err = NULL;
    assert_int_equal(
        multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, PHYS_SIZE + 64, fake_read, NULL, &bi, &err),
        -1);
    assert_string_equal(err, "multiboot information is not readable");
}

static void test_info_straddling_the_end_of_memory_is_refused(void **state)
{
    (void)state;
    struct boot_info bi;
    const char *err = NULL;
    uint32_t pa = PHYS_SIZE - sizeof(struct mbi) + 4;
    assert_int_equal(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, pa, fake_read, NULL, &bi, &err),
                     -1);
    assert_string_equal(err, "multiboot information is not readable");
}

static void test_missing_memory_map_flag_is_refused(void **state)
{
    (void)state;
    mbi()->flags &= ~MBI_MMAP;
    assert_refused("the loader gave no memory map");
}

static void test_memory_map_with_only_reserved_entries_is_refused(void **state)
{
    (void)state;
    mbi()->mmap_length = 0;
    add_mmap(MMAP_RESERVED, 0x0, 0x100000);
    add_mmap(3, 0x100000, 0x10000); /* ACPI reclaimable is not RAM we may use */
    assert_refused("the memory map lists no available RAM");
}

static void test_empty_memory_map_is_refused(void **state)
{
    (void)state;
    mbi()->mmap_length = 0;
    assert_refused("the memory map lists no available RAM");
}

static void test_mmap_entry_smaller_than_20_bytes_is_refused(void **state)
{
    (void)state;
    mbi()->mmap_length = 0;
    add_mmap(MMAP_AVAILABLE, 0x100000, 0x100000);
    add_mmap_sized(16, MMAP_AVAILABLE, 0x200000, 0x100000);
    assert_refused("memory map entry has a bad size");
}

static void test_mmap_entry_with_size_zero_is_refused(void **state)
{
    (void)state;
    mbi()->mmap_length = 0;
    add_mmap_sized(0, MMAP_AVAILABLE, 0x200000, 0x100000);
    mbi()->mmap_length = 24;
    assert_refused("memory map entry has a bad size");
}

static void test_mmap_entry_running_past_mmap_length_is_refused(void **state)
{
    (void)state;
    mbi()->mmap_length -= 1; /* the last entry now ends one byte past the map */
    assert_refused("memory map entry has a bad size");
}

static void test_size_field_at_the_end_of_the_mmap_with_no_entry_is_refused(void **state)
{
    (void)state;
    mbi()->mmap_length += 4; /* a size field (zero) and nothing after it */
    assert_refused("memory map entry has a bad size");
}

/*
 * In 32 bits, `off + 4 + size` wraps for a huge size, so a bounds check
 * written that way passes: the entry is then read past what was asked for and
 * the walk steps by 4 + size, which may be zero (a hang) or a few bytes.
 */
static void test_mmap_entry_size_wrapping_to_a_zero_step_is_refused(void **state)
{
    (void)state;
    mbi()->mmap_length = 0;
    add_mmap_sized(0xFFFFFFFCu, MMAP_AVAILABLE, 0x100000, 0x100000);
    mbi()->mmap_length = 48;
    assert_refused("memory map entry has a bad size");
}

static void test_mmap_entry_size_wrapping_past_a_later_offset_is_refused(void **state)
{
    (void)state;
    static const uint32_t huge[] = {0xFFFFFFFFu, 0xFFFFFFE4u, 0xFFFFFFE8u, 0x80000000u};
    for (unsigned int i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
        mbi()->mmap_length = 0;
        add_mmap(MMAP_AVAILABLE, 0x100000, 0x100000);
        add_mmap_sized(huge[i], MMAP_AVAILABLE, 0x200000, 0x100000);
        mbi()->mmap_length = 48;
        assert_refused("memory map entry has a bad size");
    }
}

static void test_mmap_running_off_readable_memory_is_refused(void **state)
{
    (void)state;
    /* The map claims two entries, but memory ends right after the first. */
    mbi()->mmap_addr = PHYS_SIZE - 24;
    mbi()->mmap_length = 48;
    struct mbi_mmap_entry e = {20, 0x100000, 0, 0x100000, 0, MMAP_AVAILABLE};
    memcpy(phys + PHYS_SIZE - 24, &e, sizeof(e));
    assert_refused("memory map is not readable");
}

static void test_mmap_entry_body_off_readable_memory_is_refused(void **state)
{
    (void)state;
    /* The size field is readable, the 20 bytes it announces are not. */
    mbi()->mmap_addr = PHYS_SIZE - 8;
    mbi()->mmap_length = 24;
    uint32_t size = 20;
    memcpy(phys + PHYS_SIZE - 8, &size, 4);
    assert_refused("memory map is not readable");
}

static void test_unreadable_memory_map_is_refused(void **state)
{
    (void)state;
    mbi()->mmap_addr = 0xFFFFFF00;
    assert_refused("memory map is not readable");
}

static void test_more_than_max_boot_modules_is_refused(void **state)
{
    (void)state;
    mbi()->mods_count = 0;
    for (unsigned int i = 0; i < MAX_BOOT_MODULES + 1; i++)
        add_module(0x400000, 0x401000, NULL);
    assert_refused("too many boot modules");
}

static void test_absurd_module_count_is_refused_before_reading(void **state)
{
    (void)state;
    mbi()->mods_count = 0x10000001; /* * 16 wraps to 16 bytes in 32 bits */
    assert_refused("too many boot modules");
}

static void test_module_ending_before_it_starts_is_refused(void **state)
{
    (void)state;
    struct mbi_module *m = (struct mbi_module *)(phys + MODS_PA);
    m[1].mod_end = m[1].mod_start - 1;
    assert_refused("module ends before it starts");
}

static void test_unreadable_module_list_is_refused(void **state)
{
    (void)state;
    mbi()->mods_addr = PHYS_SIZE - 16; /* room for one of the two entries */
    assert_refused("module list is not readable");
}

static void test_unterminated_module_string_is_refused(void **state)
{
    (void)state;
    memset(phys + LONG_STR_PA, 'm', MAX_STRING + 16);
    ((struct mbi_module *)(phys + MODS_PA))[0].string = LONG_STR_PA;
    assert_refused("module string is not terminated");
}

static void test_module_string_running_off_memory_is_refused(void **state)
{
    (void)state;
    memset(phys + PHYS_SIZE - 8, 'm', 8);
    ((struct mbi_module *)(phys + MODS_PA))[1].string = PHYS_SIZE - 8;
    assert_refused("module string is not terminated");
}

static void test_command_line_without_nul_in_4kib_is_refused(void **state)
{
    (void)state;
    memset(phys + LONG_STR_PA, 'x', MAX_STRING);
    phys[LONG_STR_PA + MAX_STRING] = 0; /* one byte too late */
    mbi()->cmdline = LONG_STR_PA;
    assert_refused("command line is not terminated");
}

static void test_command_line_running_off_memory_is_refused(void **state)
{
    (void)state;
    memset(phys + PHYS_SIZE - 5, 'x', 5);
    mbi()->cmdline = PHYS_SIZE - 5;
    assert_refused("command line is not terminated");
}

static void test_command_line_flag_with_null_pointer_is_refused(void **state)
{
    (void)state;
    mbi()->cmdline = 0;
    assert_refused("command line is not terminated");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_good_info, teardown)
    const struct CMUnitTest tests[] = {
        T(test_good_info_gives_cmdline_loader_modules_and_ram),
        T(test_64bit_base_and_length_keep_their_high_halves),
        T(test_absent_optional_fields_give_defaults),
        T(test_module_list_flag_with_no_modules_is_fine),
        T(test_exactly_max_boot_modules_are_accepted),
        T(test_empty_module_is_accepted),
        T(test_longest_allowed_command_line_is_accepted),
        T(test_unterminated_loader_name_reads_as_unknown),
        T(test_unreadable_loader_name_reads_as_unknown),
        T(test_mmap_entries_larger_than_20_bytes_are_stepped_over),
        T(test_bytes_after_the_last_mmap_entry_too_short_for_a_size_are_ignored),
        T(test_more_ram_ranges_than_fit_are_dropped_not_overflowed),
        T(test_bad_magic_is_refused_with_defaults_filled_in),
        T(test_unreadable_info_pointer_is_refused),
        T(test_info_straddling_the_end_of_memory_is_refused),
        T(test_missing_memory_map_flag_is_refused),
        T(test_memory_map_with_only_reserved_entries_is_refused),
        T(test_empty_memory_map_is_refused),
        T(test_mmap_entry_smaller_than_20_bytes_is_refused),
        T(test_mmap_entry_with_size_zero_is_refused),
        T(test_mmap_entry_running_past_mmap_length_is_refused),
        T(test_size_field_at_the_end_of_the_mmap_with_no_entry_is_refused),
        T(test_mmap_entry_size_wrapping_to_a_zero_step_is_refused),
        T(test_mmap_entry_size_wrapping_past_a_later_offset_is_refused),
        T(test_mmap_running_off_readable_memory_is_refused),
        T(test_mmap_entry_body_off_readable_memory_is_refused),
        T(test_unreadable_memory_map_is_refused),
        T(test_more_than_max_boot_modules_is_refused),
        T(test_absurd_module_count_is_refused_before_reading),
        T(test_module_ending_before_it_starts_is_refused),
        T(test_unreadable_module_list_is_refused),
        T(test_unterminated_module_string_is_refused),
        T(test_module_string_running_off_memory_is_refused),
        T(test_command_line_without_nul_in_4kib_is_refused),
        T(test_command_line_running_off_memory_is_refused),
        T(test_command_line_flag_with_null_pointer_is_refused),
    };
#undef T
    return cmocka_run_group_tests_name("multiboot", tests, NULL, NULL);
}
