/*
 * test_elf.c - the guest kernel checker (hv/elf.c), on images assembled in
 * memory and on the real build/minios.elf.
 *
 * elf_parse() decides whether a file handed to the domain builder is a
 * loadable PV kernel, and what the builder needs to know about it: entry
 * point, virtual extent, where pseudo-physical page 0 goes (VIRT_BASE) and
 * the guest's name.  Dom0 will one day pass it files from anywhere, so it
 * must refuse anything malformed with a message, and never read past the
 * image: every parse here runs on a heap copy of exactly the image's size, so
 * valgrind reports any out-of-bounds read, including across the test that
 * truncates a good image at every length and the one that corrupts every byte.
 *
 * The builder below writes an ELF header, a table of program headers, and
 * appends segment data and "Xen" notes after them; each test starts from the
 * same good kernel (two PT_LOADs and a PT_NOTE) and breaks one thing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <public/arch-x86_32.h>
#include <public/elfnote.h>
#include <hv/elf.h>

/* ELF32 as in the System V ABI. */
struct elf32_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_NULL   0
#define PT_LOAD   1
#define PT_NOTE   4
#define ET_REL    1
#define ET_EXEC   2
#define ET_DYN    3
#define EM_386    3
#define EM_X86_64 62

#define MINIOS_ELF "build/minios.elf"

/* ---------------------------------------------------------------- building images */

#define IMAGE_MAX  8192
#define PHOFF      52
#define DATA_START 512 /* segment data and notes go after room for 14 program headers */

static struct {
    uint8_t bytes[IMAGE_MAX];
    uint32_t size;
} im;

struct notes {
    uint8_t bytes[2048];
    uint32_t len;
};

static struct elf32_ehdr *ehdr(void)
{
    return (struct elf32_ehdr *)im.bytes;
}

static struct elf32_phdr *phdr(unsigned int i)
{
    return (struct elf32_phdr *)(im.bytes + PHOFF) + i;
}

static void image_start(uint32_t entry)
{
    memset(&im, 0, sizeof(im));
    *ehdr() = (struct elf32_ehdr){.ident = {0x7F, 'E', 'L', 'F', 1, 1, 1},
                                  .type = ET_EXEC,
                                  .machine = EM_386,
                                  .version = 1,
                                  .entry = entry,
                                  .phoff = PHOFF,
                                  .ehsize = sizeof(struct elf32_ehdr),
                                  .phentsize = sizeof(struct elf32_phdr)};
    im.size = DATA_START;
}

/* Append bytes (4-aligned) after everything else; returns their file offset. */
static uint32_t image_append(const void *data, uint32_t len)
{
    uint32_t off = (im.size + 3) & ~3u;
    assert_true(off + len <= IMAGE_MAX);
    memcpy(im.bytes + off, data, len);
    im.size = off + len;
    return off;
}

static struct elf32_phdr *add_phdr(uint32_t type, uint32_t offset, uint32_t vaddr, uint32_t filesz,
                                   uint32_t memsz)
{
    struct elf32_phdr *p = phdr(ehdr()->phnum++);
    assert_true((uint8_t *)(p + 1) <= im.bytes + DATA_START);
    *p = (struct elf32_phdr){type, offset, vaddr, vaddr, filesz, memsz, 7, 0x1000};
    return p;
}

/* A PT_LOAD whose file data is filesz bytes of a recognisable pattern. */
static struct elf32_phdr *add_load(uint32_t vaddr, uint32_t filesz, uint32_t memsz)
{
    uint8_t data[256];
    assert_true(filesz <= sizeof(data));
    for (uint32_t i = 0; i < filesz; i++)
        data[i] = (uint8_t)(vaddr >> 12) + i;
    return add_phdr(PT_LOAD, image_append(data, filesz), vaddr, filesz, memsz);
}

/* Append one note: namesz, descsz, type, then name and desc, each padded to 4. */
static void add_note_raw(struct notes *n, uint32_t namesz, uint32_t descsz, uint32_t type,
                         const void *name, const void *desc)
{
    uint32_t name_len = (namesz + 3) & ~3u, desc_len = (descsz + 3) & ~3u;
    uint32_t hdr[3] = {namesz, descsz, type};
    assert_true(n->len + 12 + name_len + desc_len <= sizeof(n->bytes));
    memcpy(n->bytes + n->len, hdr, 12);
    memcpy(n->bytes + n->len + 12, name, namesz);
    memcpy(n->bytes + n->len + 12 + name_len, desc, descsz);
    n->len += 12 + name_len + desc_len;
}

static void add_note(struct notes *n, const char *name, uint32_t type, const void *desc,
                     uint32_t descsz)
{
    add_note_raw(n, strlen(name) + 1, descsz, type, name, desc);
}

static void add_xen_string_note(struct notes *n, uint32_t type, const char *s)
{
    add_note(n, "Xen", type, s, strlen(s) + 1);
}

static void add_xen_word_note(struct notes *n, uint32_t type, uint32_t value)
{
    add_note(n, "Xen", type, &value, 4);
}

static struct elf32_phdr *add_notes(const struct notes *n)
{
    return add_phdr(PT_NOTE, image_append(n->bytes, n->len), 0, n->len, n->len);
}

/*
 * The good kernel: text at 0xC0000000 (one page), data+bss at 0xC0001000
 * (three pages), entry 0xC0000010, GUEST_OS "testos", VIRT_BASE 0xC0000000.
 * The note segment is appended last, so the image's final byte belongs to it.
 */
#define GOOD_ENTRY  0xC0000010u
#define GOOD_VSTART 0xC0000000u
#define GOOD_VEND   0xC0004000u

static void build_good_kernel(void)
{
    image_start(GOOD_ENTRY);
    add_load(0xC0000000, 0x80, 0x1000);
    add_load(0xC0001000, 0x40, 0x3000);
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "testos");
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_VERSION, "0.1");
    add_xen_word_note(&n, XEN_ELFNOTE_VIRT_BASE, 0xC0000000);
    add_xen_string_note(&n, XEN_ELFNOTE_LOADER, "generic");
    add_notes(&n);
}

/* A kernel with the given notes and one PT_LOAD of a page at vaddr, entry at its start. */
static void build_kernel_with_notes(uint32_t vaddr, const struct notes *n)
{
    image_start(vaddr);
    add_load(vaddr, 0x20, 0x1000);
    add_notes(n);
}

static int setup_good_kernel(void **state)
{
    (void)state;
    build_good_kernel();
    return 0;
}

/* ---------------------------------------------------------------- parsing */

/* Parse a heap copy of exactly `size` bytes, so that valgrind sees any read past the end. */
static int parse_bytes(const uint8_t *bytes, uint32_t size, struct elf_image *img, const char **err)
{
    uint8_t *copy = malloc(size);
    assert_true(copy != NULL || size == 0);
    if (size)
        memcpy(copy, bytes, size);
    *err = NULL;
    int rc = elf_parse(copy, size, img, err);
    free(copy);
    img->data = NULL; /* it pointed into the copy */
    return rc;
}

static void assert_refused(const char *why)
{
    struct elf_image img;
    const char *err;
    assert_int_equal(parse_bytes(im.bytes, im.size, &img, &err), -1);
    assert_non_null(err);
    assert_string_equal(err, why);
}

static void assert_accepted(struct elf_image *img)
{
    const char *err;
    if (parse_bytes(im.bytes, im.size, img, &err) != 0)
        fail_msg("refused: %s", err ? err : "(no message)");
}

/* ---------------------------------------------------------------- good kernels */

static void test_good_pv_kernel_is_described(void **state)
{
    (void)state;
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.entry, GOOD_ENTRY);
    assert_int_equal(img.vstart, GOOD_VSTART);
    assert_int_equal(img.vend, GOOD_VEND);
    assert_int_equal(img.virt_base, 0xC0000000);
    assert_string_equal(img.guest_os, "testos");
    assert_int_equal(img.size, im.size);
    assert_int_equal(img.nr_segments, 2);
    assert_int_equal(img.seg[0].vaddr, 0xC0000000);
    assert_int_equal(img.seg[0].memsz, 0x1000);
    assert_int_equal(img.seg[0].offset, phdr(0)->offset);
    assert_int_equal(img.seg[0].filesz, 0x80);
    assert_int_equal(img.seg[1].vaddr, 0xC0001000);
    assert_int_equal(img.seg[1].memsz, 0x3000);
    assert_int_equal(img.seg[1].offset, phdr(1)->offset);
    assert_int_equal(img.seg[1].filesz, 0x40);
}

static void test_virt_base_defaults_to_vstart_rounded_down_to_4mib(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "nobase");
    build_kernel_with_notes(0xC0523000, &n);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.vstart, 0xC0523000);
    assert_int_equal(img.virt_base, 0xC0400000);
}

static void test_virt_base_note_shorter_than_4_bytes_is_ignored(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "short");
    add_note(&n, "Xen", XEN_ELFNOTE_VIRT_BASE, "\x00\x10", 2);
    build_kernel_with_notes(0x00801000, &n);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.virt_base, 0x00800000);
}

static void test_virt_base_page_aligned_below_vstart_is_accepted(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "low");
    add_xen_word_note(&n, XEN_ELFNOTE_VIRT_BASE, 0xBFFFF000);
    build_kernel_with_notes(0xC0000000, &n);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.virt_base, 0xBFFFF000);
}

static void test_virt_base_equal_to_vstart_is_accepted(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_word_note(&n, XEN_ELFNOTE_VIRT_BASE, 0x00401000);
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "exact");
    build_kernel_with_notes(0x00401000, &n);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.virt_base, 0x00401000);
    assert_string_equal(img.guest_os, "exact");
}

static void test_long_guest_os_is_truncated_and_terminated(void **state)
{
    (void)state;
    static const char name[] = "a-guest-os-name-much-longer-than-31-characters";
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, name);
    build_kernel_with_notes(0xC0000000, &n);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(strlen(img.guest_os), sizeof(img.guest_os) - 1);
    assert_memory_equal(img.guest_os, name, sizeof(img.guest_os) - 1);
}

static void test_guest_os_without_nul_stops_at_its_descsz(void **state)
{
    (void)state;
    struct notes n = {0};
    add_note(&n, "Xen", XEN_ELFNOTE_GUEST_OS, "abc", 3);
    n.bytes[n.len - 1] = 'd'; /* the padding after the 3-byte desc is not a NUL */
    build_kernel_with_notes(0xC0000000, &n);
    struct elf_image img;
    assert_accepted(&img);
    assert_string_equal(img.guest_os, "abc");
}

static void test_vstart_and_vend_span_segments_in_any_order(void **state)
{
    (void)state;
    image_start(0x00402000);
    add_load(0x00500000, 0x10, 0x2000);
    add_load(0x00400000, 0x10, 0x3000);
    add_load(0x00480000, 0x10, 0x1000);
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "order");
    add_notes(&n);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.vstart, 0x00400000);
    assert_int_equal(img.vend, 0x00502000);
    assert_int_equal(img.nr_segments, 3);
}

static void test_segment_ending_exactly_at_the_hypervisor_is_accepted(void **state)
{
    (void)state;
    add_load(HYPERVISOR_VIRT_START - 0x1000, 0x10, 0x1000);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.vend, HYPERVISOR_VIRT_START);
}

static void test_exactly_max_segments_are_accepted(void **state)
{
    (void)state;
    for (unsigned int i = 2; i < ELF_MAX_SEGMENTS; i++)
        add_load(0xC0010000 + i * 0x1000, 0, 0x1000);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.nr_segments, ELF_MAX_SEGMENTS);
}

static void test_empty_load_segment_is_ignored(void **state)
{
    (void)state;
    add_phdr(PT_LOAD, 0xFFFFFFF0, 0xFFFFF000, 0x100, 0); /* nonsense, but it loads nothing */
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.nr_segments, 2);
    assert_int_equal(img.vend, GOOD_VEND);
}

static void test_other_program_header_types_are_ignored(void **state)
{
    (void)state;
    add_phdr(PT_NULL, 0xFFFFFFF0, 0xFFFFF000, 0x100, 0x100);
    add_phdr(0x6474E551 /* PT_GNU_STACK */, 0, 0, 0, 0);
    struct elf_image img;
    assert_accepted(&img);
    assert_int_equal(img.nr_segments, 2);
}

static void test_notes_may_be_split_over_several_note_segments(void **state)
{
    (void)state;
    struct notes a = {0}, b = {0};
    add_xen_word_note(&a, XEN_ELFNOTE_VIRT_BASE, 0xC0000000);
    add_xen_string_note(&b, XEN_ELFNOTE_GUEST_OS, "split");
    image_start(0xC0000000);
    add_notes(&a);
    add_load(0xC0000000, 0x10, 0x1000);
    add_notes(&b);
    struct elf_image img;
    assert_accepted(&img);
    assert_string_equal(img.guest_os, "split");
    assert_int_equal(img.virt_base, 0xC0000000);
}

static void test_notes_of_the_largest_allowed_sizes_are_accepted(void **state)
{
    (void)state;
    static uint8_t name[64], desc[1024];
    memset(name, 'n', sizeof(name));
    struct notes n = {0};
    add_note_raw(&n, sizeof(name), sizeof(desc), 1, name, desc);
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "big");
    build_kernel_with_notes(0xC0000000, &n);
    struct elf_image img;
    assert_accepted(&img);
    assert_string_equal(img.guest_os, "big");
}

static void test_bytes_after_the_last_note_too_short_for_a_header_are_ignored(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "tail");
    n.len += 8;
    build_kernel_with_notes(0xC0000000, &n);
    struct elf_image img;
    assert_accepted(&img);
}

static void test_entry_at_vstart_and_at_last_byte_is_accepted(void **state)
{
    (void)state;
    struct elf_image img;
    ehdr()->entry = GOOD_VSTART;
    assert_accepted(&img);
    ehdr()->entry = GOOD_VEND - 1;
    assert_accepted(&img);
    assert_int_equal(img.entry, GOOD_VEND - 1);
}

/* build/minios.elf, whole, in a static buffer (the test is skipped if it was not built). */
static uint32_t read_minios_elf(const uint8_t **data)
{
    static uint8_t file[4 << 20];
    FILE *f = fopen(MINIOS_ELF, "rb");
    if (!f) {
        print_message("%s not found (run `make` first, from the top of the tree)\n", MINIOS_ELF);
        skip();
    }
    size_t size = fread(file, 1, sizeof(file), f);
    fclose(f);
    assert_true(size > sizeof(struct elf32_ehdr) && size < sizeof(file));
    *data = file;
    return (uint32_t)size;
}

static void test_real_minios_elf_is_a_pv_kernel(void **state)
{
    (void)state;
    const uint8_t *file;
    uint32_t size = read_minios_elf(&file);

    struct elf_image img, cut;
    const char *err;
    if (parse_bytes(file, size, &img, &err) != 0)
        fail_msg("%s refused: %s", MINIOS_ELF, err);
    assert_string_equal(img.guest_os, "minios");
    assert_int_equal(img.virt_base, 0xC0000000); /* guests/minios/head.S */
    assert_int_equal(img.entry, ((struct elf32_ehdr *)file)->entry);
    assert_int_equal(img.vstart, 0xC0000000);
    assert_true(img.vend > img.vstart && img.vend <= HYPERVISOR_VIRT_START);
    assert_true(img.nr_segments >= 1);
    for (unsigned int i = 0; i < img.nr_segments; i++) {
        const struct elf_segment *s = &img.seg[i];
        assert_true(s->offset + s->filesz <= size);
        assert_true(s->filesz <= s->memsz);
        assert_true(s->vaddr >= img.vstart && s->vaddr + s->memsz <= img.vend);
        /* Cutting the file inside this segment's data must be refused. */
        if (s->filesz) {
            assert_int_equal(parse_bytes(file, s->offset + s->filesz - 1, &cut, &err), -1);
            assert_non_null(strstr(err, "truncated"));
        }
    }
}

/* The domain builder's way (hv/domain_build.c: fetch_head()): the first page, then as many
 * bytes as elf_head_len() asks for, until it stops asking for more. */
static uint32_t head_len_of(const uint8_t *file, uint32_t size)
{
    uint32_t have = size < 4096 ? size : 4096, need;
    while ((need = elf_head_len(file, have, size)) > have)
        have = need;
    return have;
}

/* elf_parse_head() on a heap copy of exactly the head, as parse_bytes() does. */
static int parse_head(const uint8_t *file, uint32_t have, uint32_t size, struct elf_image *img,
                      const char **err)
{
    uint8_t *copy = malloc(have);
    assert_non_null(copy);
    memcpy(copy, file, have);
    *err = NULL;
    int rc = elf_parse_head(copy, have, size, img, err);
    free(copy);
    img->data = NULL;
    return rc;
}

/* Parsed from its head alone, the real kernel is described as from the whole file, and the
 * head (headers and notes) is a small part of it: the builder copies only that much. */
static void test_real_minios_elf_parses_from_its_head(void **state)
{
    (void)state;
    const uint8_t *file;
    uint32_t size = read_minios_elf(&file);
    struct elf_image whole, head;
    const char *err;
    assert_int_equal(parse_bytes(file, size, &whole, &err), 0);
    uint32_t have = head_len_of(file, size);
    assert_true(have < size / 4);
    if (parse_head(file, have, size, &head, &err) != 0)
        fail_msg("%s refused from its %u-byte head: %s", MINIOS_ELF, have, err);
    assert_int_equal(head.size, size);
    assert_int_equal(head.entry, whole.entry);
    assert_int_equal(head.vstart, whole.vstart);
    assert_int_equal(head.vend, whole.vend);
    assert_int_equal(head.virt_base, whole.virt_base);
    assert_string_equal(head.guest_os, whole.guest_os);
    assert_int_equal(head.nr_segments, whole.nr_segments);
    assert_memory_equal(head.seg, whole.seg, sizeof(whole.seg));
}

/* What the parse reads must lie in the head: a head one byte short of the notes, or of the
 * program headers, is refused (and valgrind sees nothing read past it). */
static void test_a_head_short_of_its_headers_or_notes_is_refused(void **state)
{
    (void)state;
    struct elf_image img;
    const char *err;
    assert_int_equal(elf_head_len(im.bytes, 16, im.size), sizeof(struct elf32_ehdr));
    assert_int_equal(elf_head_len(im.bytes, PHOFF, im.size), PHOFF + ehdr()->phnum * 32u);
    uint32_t have = head_len_of(im.bytes, im.size);
    assert_int_equal(parse_head(im.bytes, have, im.size, &img, &err), 0);
    assert_int_equal(parse_head(im.bytes, have - 1, im.size, &img, &err), -1);
    assert_non_null(strstr(err, "note segment lies outside"));
    assert_int_equal(parse_head(im.bytes, PHOFF + 1, im.size, &img, &err), -1);
    assert_non_null(strstr(err, "program headers outside"));
    assert_int_equal(elf_parse_head(im.bytes, im.size + 1, im.size, &img, &err), -1);
}

/* ---------------------------------------------------------------- headers */

static void test_image_shorter_than_a_header_is_refused(void **state)
{
    (void)state;
    im.size = sizeof(struct elf32_ehdr) - 1;
    assert_refused("truncated: shorter than an ELF header");
    im.size = 0;
    assert_refused("truncated: shorter than an ELF header");
}

static void test_every_truncation_of_a_good_kernel_is_refused(void **state)
{
    (void)state;
    struct elf_image img;
    const char *err;
    for (uint32_t len = 0; len < im.size; len++) {
        int rc = parse_bytes(im.bytes, len, &img, &err);
        if (rc != -1 || !err || strncmp(err, "truncated: ", 11) != 0)
            fail_msg("cut at %u of %u: rc %d, err \"%s\"", len, im.size, rc, err ? err : "");
    }
    assert_int_equal(parse_bytes(im.bytes, im.size, &img, &err), 0);
}

static void test_corrupting_any_byte_never_crashes(void **state)
{
    (void)state;
    /* Under valgrind this is the out-of-bounds check; here, every refusal must say why. */
    static const uint8_t values[] = {0x00, 0x01, 0x7F, 0x80, 0xFF};
    struct elf_image img;
    const char *err;
    for (uint32_t pos = 0; pos < im.size; pos++) {
        uint8_t saved = im.bytes[pos];
        for (unsigned int v = 0; v < sizeof(values); v++) {
            im.bytes[pos] = values[v];
            if (parse_bytes(im.bytes, im.size, &img, &err) != 0 && (!err || !*err))
                fail_msg("byte %u = %#x: refused without a reason", pos, values[v]);
        }
        im.bytes[pos] = saved;
    }
}

static void test_bad_magic_is_refused(void **state)
{
    (void)state;
    for (unsigned int i = 0; i < 4; i++) {
        uint8_t saved = ehdr()->ident[i];
        ehdr()->ident[i] ^= 0x20;
        assert_refused("not an ELF file");
        ehdr()->ident[i] = saved;
    }
}

static void test_64bit_class_is_refused(void **state)
{
    (void)state;
    ehdr()->ident[4] = 2; /* ELFCLASS64 */
    assert_refused("not a 32-bit ELF (pvlab guests are i386)");
}

static void test_big_endian_is_refused(void **state)
{
    (void)state;
    ehdr()->ident[5] = 2; /* ELFDATA2MSB */
    assert_refused("not little-endian");
}

static void test_wrong_machine_is_refused(void **state)
{
    (void)state;
    ehdr()->machine = EM_X86_64;
    assert_refused("not an i386 ELF");
}

static void test_relocatable_and_shared_objects_are_refused(void **state)
{
    (void)state;
    ehdr()->type = ET_DYN;
    assert_refused("not an executable ELF");
    ehdr()->type = ET_REL;
    assert_refused("not an executable ELF");
}

static void test_unexpected_program_header_size_is_refused(void **state)
{
    (void)state;
    ehdr()->phentsize = 56; /* an ELF64 program header */
    assert_refused("unexpected program header size");
}

static void test_no_program_headers_is_refused(void **state)
{
    (void)state;
    ehdr()->phnum = 0;
    assert_refused("truncated: program headers outside the file");
}

static void test_program_headers_past_the_end_are_refused(void **state)
{
    (void)state;
    ehdr()->phoff = im.size - 2 * sizeof(struct elf32_phdr); /* room for 2 of the 3 */
    assert_refused("truncated: program headers outside the file");
    ehdr()->phoff = im.size + 4;
    assert_refused("truncated: program headers outside the file");
}

static void test_program_header_offset_that_wraps_is_refused(void **state)
{
    (void)state;
    ehdr()->phoff = 0xFFFFFFF0;
    assert_refused("truncated: program headers outside the file");
}

static void test_huge_program_header_count_is_refused(void **state)
{
    (void)state;
    ehdr()->phnum = 0xFFFF;
    assert_refused("truncated: program headers outside the file");
}

/* ---------------------------------------------------------------- segments */

static void test_segment_data_past_the_end_is_refused(void **state)
{
    (void)state;
    phdr(1)->offset = im.size - 0x20; /* 0x40 bytes of data, 0x20 in the file */
    assert_refused("truncated: a segment's data lies outside the file");
}

static void test_segment_data_offset_that_wraps_is_refused(void **state)
{
    (void)state;
    phdr(1)->offset = 0xFFFFFFF0; /* offset + filesz wraps to 0x30 */
    assert_refused("truncated: a segment's data lies outside the file");
}

static void test_segment_data_ending_exactly_at_the_end_is_accepted(void **state)
{
    (void)state;
    phdr(1)->offset = im.size - phdr(1)->filesz;
    struct elf_image img;
    assert_accepted(&img);
}

static void test_file_size_larger_than_memory_size_is_refused(void **state)
{
    (void)state;
    phdr(0)->memsz = phdr(0)->filesz - 1;
    assert_refused("a segment's file size exceeds its memory size");
}

static void test_segment_reaching_into_the_hypervisor_is_refused(void **state)
{
    (void)state;
    add_load(HYPERVISOR_VIRT_START - 0x1000, 0x10, 0x1001);
    assert_refused("a segment reaches into the hypervisor's address range");
}

static void test_segment_inside_the_hypervisor_is_refused(void **state)
{
    (void)state;
    add_load(0xFC100000, 0x10, 0x1000);
    assert_refused("a segment reaches into the hypervisor's address range");
}

static void test_segment_wrapping_past_4gib_is_refused(void **state)
{
    (void)state;
    add_load(0xFFFFF000, 0x10, 0x2000); /* ends at 0x1000 after wrapping */
    assert_refused("a segment reaches into the hypervisor's address range");
}

static void test_segment_ending_exactly_at_4gib_is_refused(void **state)
{
    (void)state;
    add_load(0xFFFFF000, 0x10, 0x1000); /* vaddr + memsz is 0 in 32 bits */
    assert_refused("a segment reaches into the hypervisor's address range");
}

static void test_segment_huge_memsz_wrapping_to_low_memory_is_refused(void **state)
{
    (void)state;
    add_load(0x00400000, 0x10, 0xFFFFF000); /* ends at 0x003FF000 */
    assert_refused("a segment reaches into the hypervisor's address range");
}

static void test_too_many_segments_are_refused(void **state)
{
    (void)state;
    for (unsigned int i = 2; i < ELF_MAX_SEGMENTS + 1; i++)
        add_load(0xC0010000 + i * 0x1000, 0, 0x1000);
    assert_refused("too many loadable segments");
}

static void test_kernel_without_load_segments_is_refused(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "noload");
    image_start(0xC0000000);
    add_notes(&n);
    assert_refused("no loadable segments");
}

static void test_kernel_with_only_empty_load_segments_is_refused(void **state)
{
    (void)state;
    phdr(0)->memsz = phdr(0)->filesz = 0;
    phdr(1)->memsz = phdr(1)->filesz = 0;
    assert_refused("no loadable segments");
}

/* ---------------------------------------------------------------- notes */

static void test_kernel_without_notes_is_not_a_pv_kernel(void **state)
{
    (void)state;
    image_start(0xC0000000);
    add_load(0xC0000000, 0x10, 0x1000);
    assert_refused("not a PV kernel: no \"Xen\" GUEST_OS ELF note");
}

static void test_xen_notes_without_guest_os_are_not_a_pv_kernel(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_word_note(&n, XEN_ELFNOTE_VIRT_BASE, 0xC0000000);
    add_xen_string_note(&n, XEN_ELFNOTE_LOADER, "generic");
    build_kernel_with_notes(0xC0000000, &n);
    assert_refused("not a PV kernel: no \"Xen\" GUEST_OS ELF note");
}

static void test_guest_os_note_under_another_name_does_not_count(void **state)
{
    (void)state;
    struct notes n = {0};
    add_note(&n, "Linux", XEN_ELFNOTE_GUEST_OS, "linux", 6);
    add_note(&n, "GNU", XEN_ELFNOTE_GUEST_OS, "gnu", 4);
    add_note_raw(&n, 3, 6, XEN_ELFNOTE_GUEST_OS, "Xen", "xenos"); /* "Xen" without its NUL */
    build_kernel_with_notes(0xC0000000, &n);
    assert_refused("not a PV kernel: no \"Xen\" GUEST_OS ELF note");
}

static void test_note_name_longer_than_64_is_malformed(void **state)
{
    (void)state;
    static uint8_t name[65];
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "before");
    add_note_raw(&n, sizeof(name), 4, 1, name, "desc");
    build_kernel_with_notes(0xC0000000, &n);
    assert_refused("malformed ELF note");
}

static void test_note_desc_longer_than_1024_is_malformed(void **state)
{
    (void)state;
    static uint8_t desc[1025];
    struct notes n = {0};
    add_note(&n, "Xen", XEN_ELFNOTE_GUEST_VERSION, desc, sizeof(desc));
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "after");
    build_kernel_with_notes(0xC0000000, &n);
    assert_refused("malformed ELF note");
}

static void test_note_running_past_its_segment_is_malformed(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "overrun");
    build_kernel_with_notes(0xC0000000, &n);
    phdr(1)->filesz -= 4; /* the desc's last word is cut off */
    assert_refused("malformed ELF note");
}

static void test_note_sizes_that_wrap_when_rounded_are_malformed(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "wrap");
    build_kernel_with_notes(0xC0000000, &n);
    uint32_t *hdr = (uint32_t *)(im.bytes + phdr(1)->offset);
    hdr[0] = 0xFFFFFFFD; /* rounds up to 0 */
    assert_refused("malformed ELF note");
    hdr[0] = 4;
    hdr[1] = 0xFFFFFFFF;
    assert_refused("malformed ELF note");
}

static void test_note_segment_outside_the_file_is_refused(void **state)
{
    (void)state;
    phdr(2)->offset = im.size - 8;
    assert_refused("truncated: a note segment lies outside the file");
    phdr(2)->offset = 0xFFFFFFFC;
    assert_refused("truncated: a note segment lies outside the file");
}

/* ---------------------------------------------------------------- entry and VIRT_BASE */

static void test_entry_below_the_segments_is_refused(void **state)
{
    (void)state;
    ehdr()->entry = GOOD_VSTART - 1;
    assert_refused("entry point is outside the loadable segments");
    ehdr()->entry = 0;
    assert_refused("entry point is outside the loadable segments");
}

static void test_entry_at_or_past_the_end_of_the_segments_is_refused(void **state)
{
    (void)state;
    ehdr()->entry = GOOD_VEND;
    assert_refused("entry point is outside the loadable segments");
    ehdr()->entry = 0xFC000000;
    assert_refused("entry point is outside the loadable segments");
}

static void test_unaligned_virt_base_is_refused(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "unaligned");
    add_xen_word_note(&n, XEN_ELFNOTE_VIRT_BASE, 0xBFFFF800);
    build_kernel_with_notes(0xC0000000, &n);
    assert_refused("VIRT_BASE note is above the image or not page aligned");
}

static void test_virt_base_above_vstart_is_refused(void **state)
{
    (void)state;
    struct notes n = {0};
    add_xen_string_note(&n, XEN_ELFNOTE_GUEST_OS, "above");
    add_xen_word_note(&n, XEN_ELFNOTE_VIRT_BASE, 0xC0001000);
    build_kernel_with_notes(0xC0000000, &n);
    assert_refused("VIRT_BASE note is above the image or not page aligned");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, setup_good_kernel)
    const struct CMUnitTest tests[] = {
        T(test_good_pv_kernel_is_described),
        T(test_virt_base_defaults_to_vstart_rounded_down_to_4mib),
        T(test_virt_base_note_shorter_than_4_bytes_is_ignored),
        T(test_virt_base_page_aligned_below_vstart_is_accepted),
        T(test_virt_base_equal_to_vstart_is_accepted),
        T(test_long_guest_os_is_truncated_and_terminated),
        T(test_guest_os_without_nul_stops_at_its_descsz),
        T(test_vstart_and_vend_span_segments_in_any_order),
        T(test_segment_ending_exactly_at_the_hypervisor_is_accepted),
        T(test_exactly_max_segments_are_accepted),
        T(test_empty_load_segment_is_ignored),
        T(test_other_program_header_types_are_ignored),
        T(test_notes_may_be_split_over_several_note_segments),
        T(test_notes_of_the_largest_allowed_sizes_are_accepted),
        T(test_bytes_after_the_last_note_too_short_for_a_header_are_ignored),
        T(test_entry_at_vstart_and_at_last_byte_is_accepted),
        T(test_real_minios_elf_is_a_pv_kernel),
        T(test_real_minios_elf_parses_from_its_head),
        T(test_a_head_short_of_its_headers_or_notes_is_refused),
        T(test_image_shorter_than_a_header_is_refused),
        T(test_every_truncation_of_a_good_kernel_is_refused),
        T(test_corrupting_any_byte_never_crashes),
        T(test_bad_magic_is_refused),
        T(test_64bit_class_is_refused),
        T(test_big_endian_is_refused),
        T(test_wrong_machine_is_refused),
        T(test_relocatable_and_shared_objects_are_refused),
        T(test_unexpected_program_header_size_is_refused),
        T(test_no_program_headers_is_refused),
        T(test_program_headers_past_the_end_are_refused),
        T(test_program_header_offset_that_wraps_is_refused),
        T(test_huge_program_header_count_is_refused),
        T(test_segment_data_past_the_end_is_refused),
        T(test_segment_data_offset_that_wraps_is_refused),
        T(test_segment_data_ending_exactly_at_the_end_is_accepted),
        T(test_file_size_larger_than_memory_size_is_refused),
        T(test_segment_reaching_into_the_hypervisor_is_refused),
        T(test_segment_inside_the_hypervisor_is_refused),
        T(test_segment_wrapping_past_4gib_is_refused),
        T(test_segment_ending_exactly_at_4gib_is_refused),
        T(test_segment_huge_memsz_wrapping_to_low_memory_is_refused),
        T(test_too_many_segments_are_refused),
        T(test_kernel_without_load_segments_is_refused),
        T(test_kernel_with_only_empty_load_segments_is_refused),
        T(test_kernel_without_notes_is_not_a_pv_kernel),
        T(test_xen_notes_without_guest_os_are_not_a_pv_kernel),
        T(test_guest_os_note_under_another_name_does_not_count),
        T(test_note_name_longer_than_64_is_malformed),
        T(test_note_desc_longer_than_1024_is_malformed),
        T(test_note_running_past_its_segment_is_malformed),
        T(test_note_sizes_that_wrap_when_rounded_are_malformed),
        T(test_note_segment_outside_the_file_is_refused),
        T(test_entry_below_the_segments_is_refused),
        T(test_entry_at_or_past_the_end_of_the_segments_is_refused),
        T(test_unaligned_virt_base_is_refused),
        T(test_virt_base_above_vstart_is_refused),
    };
#undef T
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
