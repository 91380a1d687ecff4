/*
 * fake_domain.c - domains, the running vCPU, the xenheap, TLB flushes and
 * guest memory for the hypervisor code of the unit tests (see fake_domain.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <hv/guest_access.h>
#include <hv/irq.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/x86.h>
#include "fake_domain.h"

struct vcpu *current;
struct domain *initial_domain; /* a test sets it to its dom0 */
int fake_pirq_bind_rc;

struct fake_dom {
    struct domain d;
    struct vcpu v;
    struct shared_info *shared_info;
    unsigned int wakes;
    int listed;
};

static struct fake_dom *doms[FAKE_MAX_DOMAINS];
static unsigned int nr_doms;

static uint8_t
    *xenheap; /* XENHEAP_FRAMES pages; low 32 bits of the address = HV_VIRT_START + mfn*4K */
static unsigned int bad_frees;

#define MAX_INVLPG_RECORDS 64
static uint32_t invlpg_va[MAX_INVLPG_RECORDS];
static unsigned int nr_invlpg;

static uint8_t guest_mem[FAKE_GUEST_SIZE];

static struct fake_pirq_call last_bind, last_unbind;
static unsigned int nr_pirq_binds, nr_pirq_unbinds;

/*
 * Map the xenheap where its low 32 bits say HV_VIRT_START + XENHEAP_FIRST_MFN
 * pages: at that very address if it is free (it normally is), else 4 GiB,
 * 8 GiB, ... above it.  Under AddressSanitizer everything below 16 TiB is
 * its shadow memory or the gap it keeps unmapped, so the search goes on
 * from 32 TiB.  The mapping lives as long as the test binary.
 */
static uint64_t xenheap_high(unsigned int attempt)
{
    return attempt < 64 ? attempt : 0x2000 + (attempt - 64); /* in units of 4 GiB */
}

static void map_xenheap(void)
{
    const uint64_t low = HV_VIRT_START + (uint64_t)XENHEAP_FIRST_MFN * PAGE_SIZE;
    for (unsigned int attempt = 0; attempt < 128 && !xenheap; attempt++) {
        void *want = (void *)(uintptr_t)((xenheap_high(attempt) << 32) | low);
        void *p = mmap(want, XENHEAP_FRAMES * PAGE_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == want)
            xenheap = p;
        else if (p != MAP_FAILED)
            munmap(p, XENHEAP_FRAMES * PAGE_SIZE); /* an old kernel ignored the hint */
    }
    if (!xenheap)
        fail_msg("fake_domain: cannot map the xenheap at ...%#llx", (unsigned long long)low);
}

void fake_domain_reset(void)
{
    for (unsigned int i = 0; i < nr_doms; i++) {
        free(doms[i]->shared_info);
        free(doms[i]);
        doms[i] = NULL;
    }
    nr_doms = 0;
    current = NULL;
    initial_domain = NULL;
    fake_pirq_bind_rc = 0;
    nr_pirq_binds = nr_pirq_unbinds = 0;
    last_bind = last_unbind = (struct fake_pirq_call){0};
    map_xenheap();
    memset(xenheap, 0, XENHEAP_FRAMES * PAGE_SIZE);
    bad_frees = 0;
    nr_invlpg = 0;
    memset(guest_mem, 0, sizeof(guest_mem));
}

static struct fake_dom *fake_of(const struct domain *d)
{
    for (unsigned int i = 0; i < nr_doms; i++)
        if (&doms[i]->d == d)
            return doms[i];
    fail_msg("fake_domain: %p is not a fake domain", (const void *)d);
    return NULL;
}

struct domain *fake_domain_create(domid_t id)
{
    assert_true(nr_doms < FAKE_MAX_DOMAINS);
    struct fake_dom *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->shared_info = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    assert_non_null(f->shared_info);
    memset(f->shared_info, 0, PAGE_SIZE);
    f->d.domain_id = id;
    f->d.state = DOM_running;
    f->d.shared_info = f->shared_info;
    f->d.vcpu = &f->v;
    f->v.domain = &f->d;
    f->v.state = VCPU_runnable;
    f->listed = 1;
    doms[nr_doms++] = f;
    return &f->d;
}

void fake_domain_unlist(struct domain *d)
{
    fake_of(d)->listed = 0;
}

void fake_set_current(struct domain *d)
{
    current = d->vcpu;
}

void *fake_guest_ptr(uint32_t gaddr, size_t n)
{
    if (gaddr < FAKE_GUEST_BASE || n > FAKE_GUEST_SIZE ||
        gaddr - FAKE_GUEST_BASE > FAKE_GUEST_SIZE - n)
        fail_msg("fake_guest_ptr(%#x, %zu): outside the fake guest memory", gaddr, n);
    return guest_mem + (gaddr - FAKE_GUEST_BASE);
}

unsigned int fake_wakes(const struct vcpu *v)
{
    return fake_of(v->domain)->wakes;
}

/* Counted in the frame table, so xenheap pages a domain took over (its grant-table frames) and
 * later freed with put_page count as returned. */
unsigned int fake_xenheap_in_use(void)
{
    unsigned int n = 0;
    for (uint32_t i = 0; i < XENHEAP_FRAMES; i++)
        n += frame_table[XENHEAP_FIRST_MFN + i].owner != DOMID_FREE;
    return n;
}

unsigned int fake_invlpgs(void)
{
    return nr_invlpg;
}

int fake_invlpg_seen(uint32_t va)
{
    for (unsigned int i = 0; i < nr_invlpg && i < MAX_INVLPG_RECORDS; i++)
        if (invlpg_va[i] == va)
            return 1;
    return 0;
}

unsigned int fake_bad_xenheap_frees(void)
{
    return bad_frees;
}

unsigned int fake_pirq_binds(void)
{
    return nr_pirq_binds;
}

unsigned int fake_pirq_unbinds(void)
{
    return nr_pirq_unbinds;
}

struct fake_pirq_call fake_last_pirq_bind(void)
{
    return last_bind;
}

struct fake_pirq_call fake_last_pirq_unbind(void)
{
    return last_unbind;
}

/* ---------------------------------------------------------------- what the hypervisor calls */

struct domain *domain_by_id(domid_t id)
{
    for (unsigned int i = 0; i < nr_doms; i++)
        if (doms[i]->listed && doms[i]->d.domain_id == id)
            return &doms[i]->d;
    return NULL;
}

/* As hv/sched.c: a blocked (or polling) vCPU becomes runnable and stops polling. */
void vcpu_wake(struct vcpu *v)
{
    fake_of(v->domain)->wakes++;
    if (v->state != VCPU_blocked)
        return;
    v->state = VCPU_runnable;
    v->poll_nr = 0;
}

/* As hv/frame_alloc.c: the lowest run of free frames, owned by DOMID_XEN, zeroed. */
void *alloc_xenheap_pages(unsigned int nr)
{
    uint32_t run = 0;
    for (uint32_t i = 0; i < XENHEAP_FRAMES; i++) {
        run = frame_table[XENHEAP_FIRST_MFN + i].owner == DOMID_FREE ? run + 1 : 0;
        if (nr == 0 || run < nr)
            continue;
        uint32_t first = i + 1 - nr;
        for (uint32_t j = first; j <= i; j++) {
            struct page_info *pg = &frame_table[XENHEAP_FIRST_MFN + j];
            pg->owner = DOMID_XEN;
            pg->count = 1;
            pg->flags = (pg->flags & PGF_tlb_stale) | PGF_allocated;
        }
        void *p = xenheap + first * PAGE_SIZE;
        memset(p, 0, nr * PAGE_SIZE);
        return p;
    }
    return NULL;
}

void free_xenheap_pages(void *va, unsigned int nr)
{
    if (!va)
        return;
    uintptr_t off = (uintptr_t)va - (uintptr_t)xenheap;
    if ((uintptr_t)va < (uintptr_t)xenheap || off % PAGE_SIZE ||
        off / PAGE_SIZE + nr > XENHEAP_FRAMES) {
        bad_frees++;
        return;
    }
    for (uint32_t j = off / PAGE_SIZE; j < off / PAGE_SIZE + nr; j++) {
        struct page_info *pg = &frame_table[XENHEAP_FIRST_MFN + j];
        if (pg->owner != DOMID_XEN) {
            bad_frees++; /* not a xenheap page now (a domain's, or free) */
            continue;
        }
        *pg = (struct page_info){.owner = DOMID_FREE, .flags = pg->flags & PGF_tlb_stale};
    }
}

int pirq_bind(struct domain *d, uint32_t irq, uint32_t port)
{
    nr_pirq_binds++;
    last_bind = (struct fake_pirq_call){d->domain_id, irq, port};
    return fake_pirq_bind_rc;
}

void pirq_unbind(struct domain *d, uint32_t irq)
{
    nr_pirq_unbinds++;
    last_unbind = (struct fake_pirq_call){d->domain_id, irq, 0};
}

void invlpg(uint32_t va)
{
    if (nr_invlpg < MAX_INVLPG_RECORDS)
        invlpg_va[nr_invlpg] = va;
    nr_invlpg++;
}

int copy_from_guest(void *dst, uint32_t gsrc, size_t n)
{
    if (!guest_range_ok(gsrc, (uint32_t)n) || gsrc < FAKE_GUEST_BASE || n > FAKE_GUEST_SIZE ||
        gsrc - FAKE_GUEST_BASE > FAKE_GUEST_SIZE - n)
        return -XEN_EFAULT;
    memcpy(dst, guest_mem + (gsrc - FAKE_GUEST_BASE), n);
    return 0;
}

int copy_to_guest(uint32_t gdst, const void *src, size_t n)
{
    if (!guest_range_ok(gdst, (uint32_t)n) || gdst < FAKE_GUEST_BASE || n > FAKE_GUEST_SIZE ||
        gdst - FAKE_GUEST_BASE > FAKE_GUEST_SIZE - n)
        return -XEN_EFAULT;
    memcpy(guest_mem + (gdst - FAKE_GUEST_BASE), src, n);
    return 0;
}
