/*
 * fuzz_elf.c - the hypervisor's ELF loader (hv/elf.c) on arbitrary bytes.
 *
 * elf_parse() reads a guest kernel image that dom0 (or the boot loader)
 * hands the domain builder; xm-lite runs it too before asking for a domain.
 * It must refuse anything malformed with a message and never read outside the
 * image.  When it accepts an image, what it describes must hold: every
 * segment's file bytes lie inside the image, no segment is larger in the file
 * than in memory or reaches the hypervisor's range, the entry point lies in
 * the loaded extent, and VIRT_BASE is page-aligned and at or below it.
 * Seeds (tests/fuzz/corpus/elf/, from make_seeds.py): small PV kernels with
 * GUEST_OS and VIRT_BASE notes, and a few that fail one check each.
 */
#include <string.h>

#include <public/arch-x86_32.h>
#include <hv/elf.h>
#include "fuzz.h"

static void check_accepted(const struct elf_image *img, uint32_t size)
{
    FUZZ_CHECK(img->nr_segments >= 1 && img->nr_segments <= ELF_MAX_SEGMENTS, "segment count");
    for (unsigned int i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];
        FUZZ_CHECK(s->offset <= size && s->filesz <= size - s->offset, "segment inside the file");
        FUZZ_CHECK(s->filesz <= s->memsz, "file size within memory size");
        FUZZ_CHECK(s->vaddr + s->memsz >= s->vaddr, "segment does not wrap");
        FUZZ_CHECK(s->vaddr + s->memsz <= HYPERVISOR_VIRT_START, "segment below the hypervisor");
        FUZZ_CHECK(s->vaddr >= img->vstart && s->vaddr + s->memsz <= img->vend, "extent");
    }
    FUZZ_CHECK(img->entry >= img->vstart && img->entry < img->vend, "entry inside the image");
    FUZZ_CHECK(img->virt_base <= img->vstart && img->virt_base % 4096 == 0, "VIRT_BASE");
    FUZZ_CHECK(memchr(img->guest_os, 0, sizeof(img->guest_os)) != NULL, "GUEST_OS terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_image img;
    const char *err = NULL;
    if (size > UINT32_MAX)
        return 0;
    if (elf_parse(data, (uint32_t)size, &img, &err) == 0)
        check_accepted(&img, (uint32_t)size);
    else
        FUZZ_CHECK(err && strlen(err) > 0, "a refusal says why");
    return 0;
}
