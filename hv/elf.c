/*
 * elf.c - check and describe a guest kernel image before we load it.
 *
 * A pvlab guest kernel is a 32-bit little-endian i386 ELF executable whose
 * loadable segments lie below the hypervisor and which announces itself as a
 * paravirtualized kernel with a "Xen" ELF note of type XEN_ELFNOTE_GUEST_OS.
 * Every offset and size in the headers is checked against the image size
 * before it is used, so a truncated or malicious image yields an error
 * message, never an out-of-bounds read.
 *
 * The parse reads only the image's head: the ELF header, the program headers
 * and the notes.  So the domain builder copies just that head out of dom0's
 * memory (elf_head_len() says how much) and loads the segments' bytes from
 * dom0 straight into the new domain's frames, without a copy of the whole
 * image in the hypervisor's heap (elf_parse_head()).
 *
 * Tour 20/37 - after hv/domain_build.c, before hv/chain.c.
 */
#include <lib.h>
#include <public/arch-x86_32.h>
#include <public/elfnote.h>
#include <hv/elf.h>

#define PAGE_SIZE_4K 4096u

struct elf32_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_LOAD 1
#define PT_NOTE 4
#define ET_EXEC 2
#define EM_386  3

static int fail(const char **err, const char *why)
{
    *err = why;
    return -1;
}

/* Offset/length pair within the image, without overflow. */
static int in_image(uint32_t size, uint32_t off, uint32_t len)
{
    return off <= size && len <= size - off;
}

/* `head` holds the image's first head_len bytes; the program headers must lie there. */
static int check_header(const struct elf32_ehdr *h, uint32_t head_len, const char **err)
{
    if (head_len < sizeof(*h))
        return fail(err, "truncated: shorter than an ELF header");
    if (memcmp(h->ident, "\177ELF", 4) != 0)
        return fail(err, "not an ELF file");
    if (h->ident[4] != 1)
        return fail(err, "not a 32-bit ELF (pvlab guests are i386)");
    if (h->ident[5] != 1)
        return fail(err, "not little-endian");
    if (h->machine != EM_386)
        return fail(err, "not an i386 ELF");
    if (h->type != ET_EXEC)
        return fail(err, "not an executable ELF");
    if (h->phentsize != sizeof(struct elf32_phdr))
        return fail(err, "unexpected program header size");
    if (h->phoff % 4)
        return fail(err, "program headers not 4-byte aligned");
    if (h->phnum == 0 || !in_image(head_len, h->phoff, h->phnum * sizeof(struct elf32_phdr)))
        return fail(err, "truncated: program headers outside the file");
    return 0;
}

static int add_load(struct elf_image *img, const struct elf32_phdr *p, const char **err)
{
    if (p->memsz == 0)
        return 0;
    if (!in_image(img->size, p->offset, p->filesz))
        return fail(err, "truncated: a segment's data lies outside the file");
    if (p->filesz > p->memsz)
        return fail(err, "a segment's file size exceeds its memory size");
    if (p->vaddr + p->memsz < p->vaddr || p->vaddr + p->memsz > HYPERVISOR_VIRT_START)
        return fail(err, "a segment reaches into the hypervisor's address range");
    if (img->nr_segments == ELF_MAX_SEGMENTS)
        return fail(err, "too many loadable segments");
    img->seg[img->nr_segments++] = (struct elf_segment){p->vaddr, p->memsz, p->offset, p->filesz};
    if (img->nr_segments == 1 || p->vaddr < img->vstart)
        img->vstart = p->vaddr;
    if (p->vaddr + p->memsz > img->vend)
        img->vend = p->vaddr + p->memsz;
    return 0;
}

/* Walk the notes in one PT_NOTE segment, keeping the "Xen" ones we understand. */
static int parse_notes(struct elf_image *img, uint32_t head_len, const struct elf32_phdr *p,
                       int *is_pv, const char **err)
{
    if (!in_image(head_len, p->offset, p->filesz))
        return fail(err, "truncated: a note segment lies outside the file");
    if (p->offset % 4)
        return fail(err, "a note segment is not 4-byte aligned");
    uint32_t off = 0;
    while (off + 12 <= p->filesz) {
        const uint32_t *n = (const uint32_t *)(img->data + p->offset + off);
        uint32_t namesz = n[0], descsz = n[1], type = n[2];
        uint32_t name_len = ROUNDUP(namesz, 4), desc_len = ROUNDUP(descsz, 4);
        if (namesz > 64 || descsz > 1024 || 12 + name_len + desc_len > p->filesz - off)
            return fail(err, "malformed ELF note");
        const char *name = (const char *)(n + 3);
        const uint8_t *desc = (const uint8_t *)name + name_len;
        if (namesz == 4 && memcmp(name, "Xen", 4) == 0) {
            if (type == XEN_ELFNOTE_GUEST_OS) {
                *is_pv = 1;
                strncpy(img->guest_os, (const char *)desc, MIN(descsz, sizeof(img->guest_os) - 1));
            } else if (type == XEN_ELFNOTE_VIRT_BASE && descsz >= 4) {
                memcpy(&img->virt_base, desc, 4);
            }
        }
        off += 12 + name_len + desc_len;
    }
    return 0;
}

uint32_t elf_head_len(const void *head, uint32_t head_len, uint32_t size)
{
    const struct elf32_ehdr *h = head;
    uint64_t need = sizeof(*h);
    if (head_len >= sizeof(*h) && h->phentsize == sizeof(struct elf32_phdr) && h->phoff % 4 == 0) {
        need = MAX(need, (uint64_t)h->phoff + (uint64_t)h->phnum * sizeof(struct elf32_phdr));
        const struct elf32_phdr *ph = (const void *)((const uint8_t *)head + h->phoff);
        for (unsigned int i = 0; need <= head_len && i < h->phnum; i++)
            if (ph[i].type == PT_NOTE)
                need = MAX(need, (uint64_t)ph[i].offset + ph[i].filesz);
    }
    return (uint32_t)MIN(need, (uint64_t)size);
}

int elf_parse(const void *data, uint32_t size, struct elf_image *img, const char **err)
{
    return elf_parse_head(data, size, size, img, err);
}

int elf_parse_head(const void *head, uint32_t head_len, uint32_t size, struct elf_image *img,
                   const char **err)
{
    const struct elf32_ehdr *h = head;
    memset(img, 0, sizeof(*img));
    img->data = head;
    img->size = size;
    if (head_len > size)
        return fail(err, "the head is longer than the image");
    if (check_header(h, head_len, err))
        return -1;
    const struct elf32_phdr *ph = (const void *)((const uint8_t *)head + h->phoff);
    int is_pv = 0;
    for (unsigned int i = 0; i < h->phnum; i++) {
        if (ph[i].type == PT_LOAD && add_load(img, &ph[i], err))
            return -1;
        if (ph[i].type == PT_NOTE && parse_notes(img, head_len, &ph[i], &is_pv, err))
            return -1;
    }
    if (img->nr_segments == 0)
        return fail(err, "no loadable segments");
    if (!is_pv)
        return fail(err, "not a PV kernel: no \"Xen\" GUEST_OS ELF note");
    if (h->entry < img->vstart || h->entry >= img->vend)
        return fail(err, "entry point is outside the loadable segments");
    img->entry = h->entry;
    if (!img->virt_base)
        img->virt_base = img->vstart & ~0x3FFFFFu;
    if (img->virt_base > img->vstart || (img->virt_base & (PAGE_SIZE_4K - 1)))
        return fail(err, "VIRT_BASE note is above the image or not page aligned");
    return 0;
}
