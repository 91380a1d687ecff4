/*
 * mm.c - minios's memory: finishing the page tables, and a page allocator.
 *
 * The domain builder mapped only the kernel and the bootstrap area (plus some
 * room).  mm_init() maps the rest of our pseudo-physical memory at
 * VIRT_BASE + pfn*4K the way any PV kernel must: it fills a fresh L1 table
 * while it is still an ordinary writable page, remaps that page read-only
 * (update_va_mapping), then asks the hypervisor to hook it into the page
 * directory (mmu_update), which validates all 1024 entries.  After that the
 * L1 belongs to the hypervisor's rules: any change goes through mmu_update.
 * Natively the same code runs through the operations table (machine.h),
 * whose entries write the entries themselves: pseudo-physical page p is
 * then physical page p + 256 (the kernel is loaded at 1 MiB), so the same
 * p2m array translates.
 *
 * Tour 17/58 - after events.c, before table.c.
 */
#include <os.h>
#include <page_runs.h>

#define MAX_PAGES (1u << 18)                 /* 1 GiB */
static uint32_t page_bitmap[MAX_PAGES / 32]; /* 1 = free */
/* Bit w: page_bitmap[w] has a free page.  The searches jump over words in use through it, so
 * that finding room above a thousand domains' consoles costs a few steps (issue 15). */
#define GROUP_PAGES (32 * 32)
static uint32_t group_bitmap[MAX_PAGES / GROUP_PAGES];
uint32_t loaded_base_mfn, loaded_kernel_sp; /* see set_base_ptr() in os.h */
static uint32_t first_free, nr_free;
static uint32_t lowest_free; /* no page below it is free: the allocators' searches start here */
/* run_floor[k]: no run of k or more free pages starts below it (k from 2 to RUN_FLOORS; a run
 * of more is also one of RUN_FLOORS, so larger searches start at run_floor[RUN_FLOORS]).
 * alloc_pages(n) starts its search there, past the shorter runs that a thousand domains'
 * allocations leave below: a search for a console's log or a kernel stack (4 pages) from the
 * lowest pair of free pages passed them all, about 8 instructions a domain (issue 15). */
#define RUN_FLOORS 4
static uint32_t run_floor[RUN_FLOORS + 1];

/* Where the boot code stopped using memory: the rest goes to the allocator. */
uint32_t boot_first_free_pfn;

uint32_t first_free_pfn(void)
{
    if (boot_first_free_pfn)
        return boot_first_free_pfn; /* set by the native start of day */
    /* After the page tables the builder put the boot stack, console and xenstore pages. */
    return virt_to_pfn((void *)start_info.pt_base) + start_info.nr_pt_frames + 3;
}

static uint32_t pte(uint32_t mfn, uint32_t flags)
{
    return (mfn << PAGE_SHIFT) | flags;
}

int set_pde(uint32_t l2_mfn, uint32_t va, uint32_t val)
{
    return machine.set_pde((l2_mfn << PAGE_SHIFT) + (va >> 22) * 4, val);
}

/* Map pfns [base, base+1024) ∩ [.., nr_pages) using the free page at l1_pfn as their L1. */
static void map_4mb(uint32_t base, uint32_t l1_pfn)
{
    uint32_t *l1 = pfn_to_virt(l1_pfn);
    memset(l1, 0, PAGE_SIZE);
    for (uint32_t i = 0; i < 1024 && base + i < start_info.nr_pages; i++)
        l1[i] =
            pte(phys_to_machine[base + i], _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);
    uint32_t l1_mfn = phys_to_machine[l1_pfn];
    if (map_frame_at((uint32_t)l1, l1_mfn, _PAGE_PRESENT | _PAGE_ACCESSED))
        crash("cannot make a new L1 read-only");
    uint32_t va = VIRT_BASE + (base << PAGE_SHIFT);
    if (set_pde(kernel_base_mfn(), va, pte(l1_mfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)))
        crash("the hypervisor refused a new L1 table");
}

/* Does one of pages [pfn, pfn+n) hold part of the boot module (start_info.mod_start, a
 * virtual address)? */
static int in_boot_module(uint32_t pfn, uint32_t n)
{
    uint32_t va = VIRT_BASE + (pfn << PAGE_SHIFT);
    return start_info.mod_len && va + n * PAGE_SIZE > start_info.mod_start &&
           va < start_info.mod_start + start_info.mod_len;
}

static inline __attribute__((always_inline)) void mark_free(uint32_t p)
{
    page_bitmap[p / 32] |= 1u << (p % 32);
    group_bitmap[p / GROUP_PAGES] |= 1u << (p / 32 % 32);
}

static inline __attribute__((always_inline)) void mark_used(uint32_t p)
{
    page_bitmap[p / 32] &= ~(1u << (p % 32));
    if (!page_bitmap[p / 32])
        group_bitmap[p / GROUP_PAGES] &= ~(1u << (p / 32 % 32));
}

/* The bitmap and its summary as page_runs.h searches them; words past the pages never free. */
static struct page_runs runs = {page_bitmap, group_bitmap, 0};

/* Pages [from, to) go to the allocator, a bitmap word (32 pages) at a time where it can:
 * natively the boot archive may lie above the boot's pages, and stays out. */
static void free_range(uint32_t from, uint32_t to)
{
    for (uint32_t p = from; p < to;) {
        if (p % 32 == 0 && p + 32 <= to && !in_boot_module(p, 32)) {
            page_bitmap[p / 32] = ~0u;
            group_bitmap[p / GROUP_PAGES] |= 1u << (p / 32 % 32);
            nr_free += 32;
            p += 32;
            continue;
        }
        if (!in_boot_module(p, 1)) {
            mark_free(p);
            nr_free++;
        }
        p++;
    }
}

static int mapped(uint32_t pfn)
{
    const uint32_t *l2 = (const uint32_t *)start_info.pt_base;
    return (l2[(VIRT_BASE + (pfn << PAGE_SHIFT)) >> 22] & _PAGE_PRESENT) != 0;
}

void mm_init(void)
{
    loaded_base_mfn = kernel_base_mfn(); /* what the builder (or the native boot) loaded */
    uint32_t next = first_free_pfn();
    uint32_t pfn = 0;
    while (pfn < start_info.nr_pages && mapped(pfn))
        pfn += 1024;
    for (; pfn < start_info.nr_pages; pfn += 1024)
        map_4mb(pfn, next++); /* these L1 pages stay in use */
    first_free = lowest_free = next;
    runs.words = (MIN(start_info.nr_pages, MAX_PAGES) + 31) / 32;
    free_range(next, MIN(start_info.nr_pages, MAX_PAGES));
    printf("minios: %u pages, %u free after page tables (first free pfn %u)\n", start_info.nr_pages,
           nr_free, first_free);
}

/* The lowest free page: the first free bit at or above lowest_free, a bitmap word at a time.
 * page_run_find(&runs, lowest_free, 1) gives the same page, but its run logic made the 32 MiB
 * create 3,746 instructions longer (1,553,213 -> 1,556,959), so the one-page case stays here. */
void *alloc_page(void)
{
    uint32_t w = lowest_free / 32;
    uint32_t free = w < runs.words ? page_bitmap[w] & (~0u << (lowest_free % 32)) : 0;
    if (!free) {
        if ((w = page_runs_next_word(&runs, w)) >= runs.words)
            return NULL;
        free = page_bitmap[w];
    }
    uint32_t p = w * 32 + (uint32_t)__builtin_ctz(free);
    mark_used(p);
    nr_free--;
    lowest_free = p + 1;
    void *va = pfn_to_virt(p);
    memset(va, 0, PAGE_SIZE);
    return va;
}

/* `n` pages contiguous in our address space (and in pseudo-physical memory), the first such run
 * from run_floor[n], found a word at a time (page_runs.h).  One page is alloc_page()'s, which moves
 * lowest_free past it. */
void *alloc_pages(uint32_t n)
{
    if (n == 1)
        return alloc_page();
    uint32_t k = MIN(n, RUN_FLOORS);
    int32_t first = page_run_find(&runs, MAX(lowest_free, run_floor[k]), n);
    if (first < 0)
        return NULL;
    uint32_t p = (uint32_t)first + n - 1; /* the run's last page */
    for (uint32_t q = (uint32_t)first; q <= p; q++)
        mark_used(q);
    nr_free -= n;
    /* No run of n or more started below this one, and none now starts inside it. */
    for (uint32_t j = k; n <= RUN_FLOORS && j <= RUN_FLOORS; j++)
        run_floor[j] = MAX(run_floor[j], p + 1);
    void *va = pfn_to_virt((uint32_t)first);
    memset(va, 0, n * PAGE_SIZE);
    return va;
}

/* Our pseudo-physical page number for a machine frame of ours (a search of the p2m). */
int mfn_to_pfn(uint32_t mfn)
{
    for (uint32_t p = 0; p < start_info.nr_pages; p++)
        if (phys_to_machine[p] == mfn)
            return (int)p;
    return -1;
}

static int page_free(uint32_t p)
{
    return (page_bitmap[p / 32] >> (p % 32)) & 1;
}

/* Page p was just freed.  A run of k pages that did not exist before holds p; the lowest such
 * starts at x, the later of the free run's start and p + 1 - k, if the run reaches x + k - 1.
 * Any other run of k was there before, at or above run_floor[k].  Looking RUN_FLOORS - 1 pages
 * either side is enough. */
static void lower_run_floors(uint32_t p)
{
    uint32_t below = 0, above = 0, k = 2;
    while (k <= RUN_FLOORS && run_floor[k] + k <= p + 1)
        k++; /* a new run of k starts after p - k: at or above run_floor[k] */
    if (k > RUN_FLOORS)
        return; /* the usual case: p lies well above every floor */
    uint32_t b = p % 32;
    if (b >= RUN_FLOORS - 1 && b + RUN_FLOORS <= 32) { /* p's neighbours are in its word */
        uint32_t near = page_bitmap[p / 32] >> (b + 1 - RUN_FLOORS); /* p is bit RUN_FLOORS - 1 */
        while (below < RUN_FLOORS - 1 && (near >> (RUN_FLOORS - 2 - below)) & 1)
            below++;
        while (above < RUN_FLOORS - 1 && (near >> (RUN_FLOORS + above)) & 1)
            above++;
    } else {
        while (below < RUN_FLOORS - 1 && below < p && page_free(p - below - 1))
            below++;
        while (above < RUN_FLOORS - 1 && p + above + 1 < MAX_PAGES && page_free(p + above + 1))
            above++;
    }
    for (; k <= RUN_FLOORS; k++) {
        uint32_t x = MAX(p - below, p + 1 < k ? 0 : p + 1 - k);
        if (x + k - 1 <= p + above)
            run_floor[k] = MIN(run_floor[k], x);
    }
}

void free_page(void *va)
{
    uint32_t p = virt_to_pfn(va);
    mark_free(p);
    nr_free++;
    if (p < lowest_free)
        lowest_free = p;
    lower_run_floors(p);
}

uint32_t free_pages(void)
{
    return nr_free;
}

uint32_t kernel_base_mfn(void)
{
    return virt_to_mfn((void *)start_info.pt_base);
}
