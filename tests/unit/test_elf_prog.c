/*
 * test_elf_prog.c - the checks a user program passes before minios loads it
 * (proc/elf_prog.c): a good two-segment program is accepted; bad headers,
 * truncated tables, segments outside the file or the user range (the kernel
 * above it), overlapping segments, huge sizes, dynamic programs and entry
 * points outside the code are refused with a reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <elf_prog.h>

#define LO 0x08048000u
#define HI 0x08400000u

struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

static uint8_t img[0x3000];
static struct ehdr *eh = (struct ehdr *)img;
static struct phdr *ph = (struct phdr *)(img + sizeof(struct ehdr));

/* A good program: code at LO (R+X) from offset 0x1000, data+bss on the next page (R+W). */
static int setup(void **state)
{
    (void)state;
    memset(img, 0, sizeof(img));
    memcpy(eh->ident, "\177ELF\1\1\1", 7);
    eh->type = 2, eh->machine = 3, eh->version = 1, eh->entry = LO + 0x10;
    eh->phoff = sizeof(struct ehdr), eh->phentsize = sizeof(struct phdr), eh->phnum = 2;
    ph[0] = (struct phdr){1, 0x1000, LO, LO, 0x800, 0x800, 5, 0x1000};
    ph[1] = (struct phdr){1, 0x2000, LO + 0x1000, LO + 0x1000, 0x100, 0x3000, 6, 0x1000};
    return 0;
}

static const char *check(void)
{
    struct elf_prog p;
    const char *why = NULL;
    return elf_prog_check(img, sizeof(img), LO, HI, &p, &why) ? why : NULL;
}

static void test_good_program_accepted(void **state)
{
    (void)state;
    struct elf_prog p;
    const char *why = "unset";
    assert_int_equal(elf_prog_check(img, sizeof(img), LO, HI, &p, &why), 0);
    assert_int_equal(p.nr_segs, 2);
    assert_int_equal(p.entry, LO + 0x10);
    assert_int_equal(p.end, LO + 0x4000);
    assert_false(p.seg[0].writable);
    assert_true(p.seg[1].writable);
}

static void test_bad_headers_refused(void **state)
{
    (void)state;
    img[1] = 'X';
    assert_string_equal(check(), "not an ELF file");
    setup(NULL);
    img[4] = 2; /* ELF64 */
    assert_non_null(check());
    setup(NULL);
    eh->machine = 62;
    assert_string_equal(check(), "not an i386 executable");
    setup(NULL);
    eh->type = 3; /* shared object */
    assert_non_null(check());
    setup(NULL);
    eh->phentsize = 20;
    assert_string_equal(check(), "bad program header table");
    struct elf_prog p;
    const char *why;
    assert_int_equal(elf_prog_check(img, 20, LO, HI, &p, &why), -1); /* truncated */
}

static void test_table_outside_file_refused(void **state)
{
    (void)state;
    eh->phoff = sizeof(img) - 40;
    assert_string_equal(check(), "program headers outside the file");
    setup(NULL);
    eh->phoff = 0xFFFFFFF0u; /* would wrap */
    assert_string_equal(check(), "program headers outside the file");
}

/* Found by the host fuzzer (tests/fuzz/corpus/elf_prog/crash-misaligned-phdrs): the table is
 * read in place as structures, so an odd offset was a misaligned access. */
static void test_misaligned_table_refused(void **state)
{
    (void)state;
    memmove(img + sizeof(struct ehdr) + 1, ph, 2 * sizeof(struct phdr));
    eh->phoff = sizeof(struct ehdr) + 1;
    assert_string_equal(check(), "program headers not 4-byte aligned");
}

static void test_segment_outside_file_refused(void **state)
{
    (void)state;
    ph[1].offset = 0x2F01; /* one byte past the end */
    assert_string_equal(check(), "segment data outside the file");
    setup(NULL);
    ph[1].offset = 0xFFFFFF00u, ph[1].filesz = 0x200;
    assert_string_equal(check(), "segment data outside the file");
    setup(NULL);
    ph[1].filesz = 0x4000; /* more in the file than in memory */
    assert_non_null(check());
}

static void test_kernel_range_and_huge_sizes_refused(void **state)
{
    (void)state;
    ph[1].vaddr = 0xC0000000u;
    assert_string_equal(check(), "segment outside the user range");
    setup(NULL);
    ph[1].vaddr = LO - 0x1000;
    assert_string_equal(check(), "segment outside the user range");
    setup(NULL);
    ph[1].memsz = 0xFFFFF000u; /* huge: wraps past 4 GiB */
    assert_string_equal(check(), "segment outside the user range");
    setup(NULL);
    ph[1].memsz = HI - ph[1].vaddr + 1; /* one byte too many */
    assert_string_equal(check(), "segment outside the user range");
}

static void test_overlapping_segments_refused(void **state)
{
    (void)state;
    ph[1].vaddr = LO + 0x800; /* shares the code's page */
    assert_string_equal(check(), "overlapping segments");
    setup(NULL);
    ph[1].vaddr = LO - 0x100 + 0x100, ph[1].memsz = 0x100;
    assert_string_equal(check(), "overlapping segments");
}

static void test_dynamic_and_entry_refused(void **state)
{
    (void)state;
    eh->phnum = 3;
    ph[2] = (struct phdr){3, 0, 0, 0, 0, 0, 4, 1}; /* PT_INTERP */
    assert_string_equal(check(), "a dynamically linked program");
    setup(NULL);
    eh->entry = LO + 0x1000; /* in the data segment */
    assert_string_equal(check(), "entry point outside the executable segments");
    setup(NULL);
    ph[0].type = ph[1].type = 4; /* only notes */
    assert_string_equal(check(), "no loadable segment");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_good_program_accepted, setup),
        cmocka_unit_test_setup(test_bad_headers_refused, setup),
        cmocka_unit_test_setup(test_table_outside_file_refused, setup),
        cmocka_unit_test_setup(test_misaligned_table_refused, setup),
        cmocka_unit_test_setup(test_segment_outside_file_refused, setup),
        cmocka_unit_test_setup(test_kernel_range_and_huge_sizes_refused, setup),
        cmocka_unit_test_setup(test_overlapping_segments_refused, setup),
        cmocka_unit_test_setup(test_dynamic_and_entry_refused, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
