/*
 * elf_prog.c - the checks an ELF program passes before minios loads it
 * (proc.c's spawn maps what this accepts).
 *
 * A program comes from a file, so nothing in it is trusted: every offset and
 * size is checked against the file's length by subtraction, which cannot
 * overflow, and every segment against the user range [lo, hi) the same way.
 * Accepted: a static ELF32 little-endian i386 executable with one to
 * ELF_PROG_MAX_SEGS PT_LOAD segments, none sharing a page with another
 * (each page gets one set of permissions), and an entry point inside an
 * executable segment.  Refused, with a reason: anything dynamic (PT_INTERP,
 * PT_DYNAMIC), a segment larger in the file than in memory, or reaching
 * outside the file or the user range, and a program header table that is
 * not 4-byte aligned in the file (it is read in place, as structures).
 *
 * Tour 30/58 - after proc/proc.c, before proc/sched.c.
 */
#include <lib.h>
#include <elf_prog.h>

#define PAGE_MASK_4K 0xFFFu
#define PT_LOAD      1
#define PT_DYNAMIC   2
#define PT_INTERP    3
#define PF_X         1
#define PF_W         2

struct ehdr32 {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr32 {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

static int refuse(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

static const char *check_header(const struct ehdr32 *h, uint32_t size)
{
    if (memcmp(h->ident, "\177ELF", 4))
        return "not an ELF file";
    if (h->ident[4] != 1 || h->ident[5] != 1)
        return "not ELF32 little-endian";
    if (h->type != 2 || h->machine != 3)
        return "not an i386 executable";
    if (h->phentsize != sizeof(struct phdr32) || h->phnum == 0 || h->phnum > 16)
        return "bad program header table";
    if (h->phoff > size || (uint32_t)h->phnum * sizeof(struct phdr32) > size - h->phoff)
        return "program headers outside the file";
    if (h->phoff % 4) /* they are read as structures: found by tests/fuzz/fuzz_elf_prog.c */
        return "program headers not 4-byte aligned";
    return NULL;
}

static const char *check_segment(const struct phdr32 *ph, uint32_t size, uint32_t lo, uint32_t hi)
{
    if (ph->filesz > ph->memsz)
        return "segment larger in the file than in memory";
    if (ph->offset > size || ph->filesz > size - ph->offset)
        return "segment data outside the file";
    if (ph->memsz == 0)
        return "empty segment";
    if (ph->vaddr < lo || ph->vaddr >= hi || ph->memsz > hi - ph->vaddr)
        return "segment outside the user range";
    return NULL;
}

/* Do two segments touch a common page? */
static int share_page(const struct elf_prog_seg *a, const struct elf_prog_seg *b)
{
    uint32_t a0 = a->vaddr & ~PAGE_MASK_4K, a1 = (a->vaddr + a->memsz - 1) | PAGE_MASK_4K;
    uint32_t b0 = b->vaddr & ~PAGE_MASK_4K, b1 = (b->vaddr + b->memsz - 1) | PAGE_MASK_4K;
    return a0 <= b1 && b0 <= a1;
}

static const char *add_segment(struct elf_prog *p, const struct phdr32 *ph, int *entry_ok,
                               uint32_t entry)
{
    if (p->nr_segs == ELF_PROG_MAX_SEGS)
        return "too many segments";
    struct elf_prog_seg s = {ph->vaddr, ph->memsz, ph->offset, ph->filesz, !!(ph->flags & PF_W)};
    for (unsigned int i = 0; i < p->nr_segs; i++)
        if (share_page(&s, &p->seg[i]))
            return "overlapping segments";
    p->seg[p->nr_segs++] = s;
    if ((ph->flags & PF_X) && entry >= s.vaddr && entry - s.vaddr < s.memsz)
        *entry_ok = 1;
    uint32_t end = ((s.vaddr + s.memsz - 1) | PAGE_MASK_4K) + 1;
    p->end = MAX(p->end, end);
    return NULL;
}

int elf_prog_check(const void *data, uint32_t size, uint32_t lo, uint32_t hi, struct elf_prog *p,
                   const char **why)
{
    const struct ehdr32 *h = data;
    if (size < sizeof(*h))
        return refuse(why, "too short for an ELF header");
    const char *bad = check_header(h, size);
    if (bad)
        return refuse(why, bad);
    *p = (struct elf_prog){.entry = h->entry};
    int entry_ok = 0;
    for (unsigned int i = 0; i < h->phnum; i++) {
        const struct phdr32 *ph =
            (const struct phdr32 *)((const uint8_t *)data + h->phoff + i * sizeof(*ph));
        if (ph->type == PT_INTERP || ph->type == PT_DYNAMIC)
            return refuse(why, "a dynamically linked program");
        if (ph->type != PT_LOAD)
            continue;
        if ((bad = check_segment(ph, size, lo, hi)) ||
            (bad = add_segment(p, ph, &entry_ok, h->entry)))
            return refuse(why, bad);
    }
    if (p->nr_segs == 0)
        return refuse(why, "no loadable segment");
    if (!entry_ok)
        return refuse(why, "entry point outside the executable segments");
    return 0;
}
