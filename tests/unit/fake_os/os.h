/*
 * fake_os/os.h - the little of minios's os.h that guests/minios/table.c
 * needs, for its host test (test_table.c): the page size and a page
 * allocator, which the test provides over the host's heap and can make fail.
 */
#ifndef FAKE_OS_H
#define FAKE_OS_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096u

void *alloc_pages(uint32_t n); /* zeroed and contiguous; NULL when out of memory */
void free_page(void *va);

#endif
