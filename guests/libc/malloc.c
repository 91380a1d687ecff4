/*
 * malloc.c - a first-fit allocator over brk.  Each block has a header with
 * its size and whether it is free; free() marks it and merges it with the
 * free block after it; malloc() takes the first free block that fits,
 * splitting it, or grows the heap with sbrk().  Small, not fast: enough for
 * the shell and the tests.
 */
#include <ulib.h>

struct block {
    uint32_t size; /* bytes after the header */
    uint32_t free;
    struct block *next;
    uint32_t pad;
};

static struct block *head, *tail;

/* Keep n bytes in b; the rest, if worth it, becomes a free block. */
static void split(struct block *b, uint32_t n)
{
    if (b->size < n + sizeof(struct block) + 16)
        return;
    struct block *rest = (struct block *)((uint8_t *)(b + 1) + n);
    *rest = (struct block){b->size - n - sizeof(struct block), 1, b->next, 0};
    if (tail == b)
        tail = rest;
    b->size = n, b->next = rest;
}

/* n bytes, 16-aligned, or NULL when brk cannot grow. */
void *malloc(size_t n)
{
    n = ROUNDUP(n ? n : 1, 16);
    for (struct block *b = head; b; b = b->next)
        if (b->free && b->size >= n) {
            split(b, n);
            b->free = 0;
            return b + 1;
        }
    struct block *b = sbrk((int32_t)(n + sizeof(struct block)));
    if (b == (void *)-1)
        return NULL;
    *b = (struct block){(uint32_t)n, 0, NULL, 0};
    if (tail)
        tail->next = b;
    else
        head = b;
    tail = b;
    return b + 1;
}

/* Mark p's block free and merge it with free blocks after it. */
void free(void *p)
{
    if (!p)
        return;
    struct block *b = (struct block *)p - 1;
    b->free = 1;
    while (b->next && b->next->free && (uint8_t *)(b + 1) + b->size == (uint8_t *)b->next) {
        if (tail == b->next)
            tail = b;
        b->size += sizeof(struct block) + b->next->size;
        b->next = b->next->next;
    }
}
