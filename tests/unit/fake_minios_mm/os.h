/*
 * fake_minios_mm/os.h - the little of minios's os.h that guests/minios/mm.c
 * needs, for its allocator's host test (test_minios_alloc.c, which compiles
 * mm.c itself): the start_info fields it reads, and pseudo-physical pages
 * that are a buffer of the host's.  The page-table half of mm.c (mm_init(),
 * map_4mb()) is compiled but never called, so its machine hooks are stubs.
 */
#ifndef FAKE_MINIOS_MM_OS_H
#define FAKE_MINIOS_MM_OS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PAGE_SHIFT     12
#define PAGE_SIZE      (1u << PAGE_SHIFT)
#define VIRT_BASE      0u
#define _PAGE_PRESENT  0x001u
#define _PAGE_RW       0x002u
#define _PAGE_ACCESSED 0x020u
#define _PAGE_DIRTY    0x040u
#define MIN(a, b)      ((a) < (b) ? (a) : (b))
#define MAX(a, b)      ((a) > (b) ? (a) : (b))

struct fake_start_info {
    uint32_t nr_pages;
    uintptr_t pt_base;
    uint32_t nr_pt_frames;
    uint32_t mod_start, mod_len;
};
extern struct fake_start_info start_info;
extern uint32_t *phys_to_machine;

struct fake_machine {
    int (*set_pde)(uint32_t maddr, uint32_t val);
};
extern struct fake_machine machine;

extern unsigned char *fake_pages; /* pseudo-physical page p is fake_pages + p * PAGE_SIZE */

static inline void *pfn_to_virt(uint32_t pfn)
{
    return fake_pages + (size_t)pfn * PAGE_SIZE;
}

static inline uint32_t virt_to_pfn(void *va)
{
    return (uint32_t)(((unsigned char *)va - fake_pages) / PAGE_SIZE);
}

static inline uint32_t virt_to_mfn(void *va)
{
    (void)va;
    return 0;
}

/* mm.c's own, declared as os.h does */
uint32_t kernel_base_mfn(void);
uint32_t first_free_pfn(void);
void *alloc_page(void);
void *alloc_pages(uint32_t n);
void free_page(void *va);
uint32_t free_pages(void);

int map_frame_at(uint32_t va, uint32_t mfn, uint32_t flags);
void crash(const char *fmt, ...) __attribute__((noreturn));

#endif
