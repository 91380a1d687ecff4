/*
 * fuzz_elf_prog.c - minios's checks on a user program (guests/minios/proc/
 * elf_prog.c) on arbitrary bytes.
 *
 * Any file on a minios file system can be run, so elf_prog_check() is the
 * kernel's only defence before it maps a program's segments into a new
 * process.  It runs here with the user range minios uses (USER_IMAGE_BASE to
 * USER_IMAGE_END).  An accepted program must have one to ELF_PROG_MAX_SEGS
 * segments inside the file and the user range, no two on one page, and a
 * heap start (`end`) that is page-aligned and inside the range.
 * Seeds (tests/fuzz/corpus/elf_prog/, from make_seeds.py): small static
 * two-segment programs, and a dynamic one that must be refused.
 */
#include <string.h>

#include <public/syscall.h>
#include <elf_prog.h>
#include "fuzz.h"

#define LO USER_IMAGE_BASE
#define HI USER_IMAGE_END

static void check_accepted(const struct elf_prog *p, uint32_t size)
{
    FUZZ_CHECK(p->nr_segs >= 1 && p->nr_segs <= ELF_PROG_MAX_SEGS, "segment count");
    int entry_in = 0;
    for (unsigned int i = 0; i < p->nr_segs; i++) {
        const struct elf_prog_seg *s = &p->seg[i];
        FUZZ_CHECK(s->offset <= size && s->filesz <= size - s->offset, "segment inside the file");
        FUZZ_CHECK(s->filesz <= s->memsz && s->memsz > 0, "segment sizes");
        FUZZ_CHECK(s->vaddr >= LO && s->vaddr < HI && s->memsz <= HI - s->vaddr, "user range");
        for (unsigned int j = 0; j < i; j++) {
            const struct elf_prog_seg *t = &p->seg[j];
            uint32_t s0 = s->vaddr >> 12, s1 = (s->vaddr + s->memsz - 1) >> 12;
            uint32_t t0 = t->vaddr >> 12, t1 = (t->vaddr + t->memsz - 1) >> 12;
            FUZZ_CHECK(s1 < t0 || t1 < s0, "no two segments on one page");
        }
        if (p->entry >= s->vaddr && p->entry - s->vaddr < s->memsz)
            entry_in = 1;
    }
    FUZZ_CHECK(entry_in, "entry inside a segment");
    FUZZ_CHECK(p->end % 4096 == 0 && p->end > LO && p->end <= HI, "heap start");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_prog p;
    const char *why = NULL;
    if (size > UINT32_MAX)
        return 0;
    if (elf_prog_check(data, (uint32_t)size, LO, HI, &p, &why) == 0)
        check_accepted(&p, (uint32_t)size);
    else
        FUZZ_CHECK(why && strlen(why) > 0, "a refusal says why");
    return 0;
}
