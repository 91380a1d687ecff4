/*
 * elf.h - what the domain builder needs to know about a guest kernel image,
 * and the parser that checks it (hv/elf.c).
 */
#ifndef HV_ELF_H
#define HV_ELF_H

#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

struct elf_segment {
    uint32_t vaddr, memsz, offset, filesz;
};

struct elf_image {
    const uint8_t *data;
    uint32_t size;
    uint32_t entry;
    uint32_t vstart, vend; /* virtual extent of all loadable segments */
    uint32_t virt_base;    /* where the guest wants pseudo-physical page 0 */
    unsigned int nr_segments;
    struct elf_segment seg[ELF_MAX_SEGMENTS];
    char guest_os[32];
};

/* Returns 0, or -1 with *err saying why the image is not a loadable PV kernel. */
int elf_parse(const void *data, uint32_t size, struct elf_image *img, const char **err);
/* The same from the image's first head_len bytes only (the file is `size` bytes): its headers
 * and notes must lie in the head; img->data is the head, so segment bytes past it are not
 * readable through img. */
int elf_parse_head(const void *head, uint32_t head_len, uint32_t size, struct elf_image *img,
                   const char **err);
/* How many of the image's first bytes elf_parse_head() reads, from what the first head_len of
 * them say (call again with that many until the answer stops growing); at most `size`. */
uint32_t elf_head_len(const void *head, uint32_t head_len, uint32_t size);

#endif
