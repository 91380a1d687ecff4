/*
 * elf_prog.h - checking a user program before minios loads it
 * (proc/elf_prog.c).  Pure logic, tested on the host by
 * tests/unit/test_elf_prog.c.
 */
#ifndef MINIOS_ELF_PROG_H
#define MINIOS_ELF_PROG_H

#include <stdint.h>

#define ELF_PROG_MAX_SEGS 4

struct elf_prog_seg {
    uint32_t vaddr, memsz, offset, filesz;
    int writable;
};

struct elf_prog {
    uint32_t entry;
    uint32_t end; /* page-aligned end of the highest segment: where the heap begins */
    unsigned int nr_segs;
    struct elf_prog_seg seg[ELF_PROG_MAX_SEGS];
};

/*
 * Check that `data` is a static ELF32 i386 executable whose loadable
 * segments lie inside [lo, hi), do not share a page, and come from inside
 * the file.  Returns 0 and fills *p, or -1 with *why saying what is wrong.
 */
int elf_prog_check(const void *data, uint32_t size, uint32_t lo, uint32_t hi, struct elf_prog *p,
                   const char **why);

#endif
