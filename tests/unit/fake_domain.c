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
#include <cmocka.h>

#include <hv/guest_access.h>
#include <hv/irq.h>
#include <hv/mm.h>
#include "fake_machine.h"
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
};

static struct fake_dom *doms[FAKE_MAX_DOMAINS];
static unsigned int nr_doms;

/* hv/domain.c's directory by id, which domain_by_id() (include/hv/domain.h) reads inline: the
 * listed fake domains, a calloc()ed page of it per range of ids used. */
struct domain **domid_dir[DOMID_DIR_PAGES];

static void dir_set(domid_t id, struct domain *d)
{
    if (id >= DOMID_FIRST_RESERVED)
        return;
    struct domain ***page = &domid_dir[id / DOMIDS_PER_PAGE];
    if (!*page)
        assert_non_null(*page = calloc(DOMIDS_PER_PAGE, sizeof(struct domain *)));
    (*page)[id % DOMIDS_PER_PAGE] = d;
}

static unsigned int bad_frees;

#define MAX_INVLPG_RECORDS 64
static uint32_t invlpg_va[MAX_INVLPG_RECORDS];
static unsigned int nr_invlpg;

static uint8_t guest_mem[FAKE_GUEST_SIZE];

static struct fake_pirq_call last_bind, last_unbind;
static unsigned int nr_pirq_binds, nr_pirq_unbinds;

void fake_domain_reset(void)
{
    for (unsigned int i = 0; i < nr_doms; i++) {
        free(doms[i]->shared_info);
        free(doms[i]);
        doms[i] = NULL;
    }
    nr_doms = 0;
    for (unsigned int i = 0; i < DOMID_DIR_PAGES; i++) {
        free(domid_dir[i]);
        domid_dir[i] = NULL;
    }
    fake_machine_domains(domain_by_id); /* frames given to a domain join its list */
    current = NULL;
    initial_domain = NULL;
    fake_pirq_bind_rc = 0;
    nr_pirq_binds = nr_pirq_unbinds = 0;
    last_bind = last_unbind = (struct fake_pirq_call){0};
    /* The real allocator (hv/frame_alloc.c) over the fake's frame table: only the
     * xenheap's frames are free; the others are the test's to give_frame(). */
    page_alloc_init();
    page_alloc_add_range(XENHEAP_FIRST_MFN, XENHEAP_FRAMES);
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
    page_list_init(&f->d.page_list);
    f->d.state = DOM_running;
    f->d.shared_info = f->shared_info;
    f->d.vcpu = &f->v;
    f->v.domain = &f->d;
    f->v.state = VCPU_runnable;
    dir_set(id, &f->d);
    doms[nr_doms++] = f;
    return &f->d;
}

void fake_domain_unlist(struct domain *d)
{
    if (domain_by_id(d->domain_id) == d)
        dir_set(d->domain_id, NULL);
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
    for (uint32_t mfn = 0; mfn < max_page; mfn++) {
        const struct page_info *pg = &frame_table[mfn];
        n += pg->owner == DOMID_XEN || (pg->owner != DOMID_FREE && (pg->flags & PGF_xenheap));
    }
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

/* Fake domains are never in hv/domain.c's tally (d->tallied is 0): their hv_pages change alone,
 * as hv/domain.c's function does for a domain not listed. */
void domain_tally_hv_pages(struct domain *d, int nr)
{
    d->hv_pages += nr;
}

/* As hv/sched.c: a blocked (or polling) vCPU becomes runnable and stops polling (vcpu_wake(),
 * inline in include/hv/sched.h, calls this only for a blocked one). */
void vcpu_wake_blocked(struct vcpu *v)
{
    fake_of(v->domain)->wakes++;
    v->state = VCPU_runnable;
    v->poll_nr = 0;
}

/*
 * The allocator is the real hv/frame_alloc.c; the test binaries are linked
 * with --wrap=free_xenheap_pages, so each free by the code under test is
 * checked here first: it must name whole pages the heap handed out and still
 * owns.  A bad one is counted (fake_bad_xenheap_frees) and not passed on.
 */
void __real_free_xenheap_pages(void *va, unsigned int nr);
void __wrap_free_xenheap_pages(void *va, unsigned int nr)
{
    if (!va)
        return;
    uint32_t first = va_to_mfn(va);
    if ((uintptr_t)va % PAGE_SIZE || first + nr > max_page) {
        bad_frees++;
        return;
    }
    for (uint32_t mfn = first; mfn < first + nr; mfn++)
        if (frame_table[mfn].owner != DOMID_XEN) {
            bad_frees++; /* not a xenheap page now (a domain's, or free) */
            return;
        }
    __real_free_xenheap_pages(va, nr);
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
