/*
 * fake_domain.h - just enough of the hypervisor around hv/event_channel.c and
 * hv/grant_table.c for them to run on the host.
 *
 * Those files reach the rest of the hypervisor through a few calls: find a
 * domain (domain_by_id, initial_domain), the running vCPU (current), wake a
 * vCPU (vcpu_wake), a TLB flush (invlpg), guest memory (copy_from_guest /
 * copy_to_guest) and physical interrupt lines (pirq_bind / pirq_unbind).
 * fake_domain.c provides each of them and records what it was asked, so a
 * test can create domains, make one of them `current`, issue a hypercall
 * exactly as the guest would (its argument written into guest memory) and
 * check both the answer and the side effects.
 *
 * It runs on the fake machine of fake_machine.c, whose frame table it shares:
 *
 *   - The xenheap is XENHEAP_FRAMES frames from XENHEAP_FIRST_MFN on, handed
 *     to the real allocator (hv/frame_alloc.c) at each reset; the other
 *     frames are the test's, to give_frame().  The hypervisor turns a
 *     xenheap pointer into a frame number with va_to_mfn(), which the fake
 *     machine provides over its own memory (fake_machine.c), so the code
 *     under test finds the frame-table entry of the page it was given, as on
 *     the real machine.  Frees are checked on the way (see
 *     __wrap_free_xenheap_pages).
 *   - Guest memory is FAKE_GUEST_SIZE bytes at guest addresses from
 *     FAKE_GUEST_BASE on, common to all domains (the hypervisor code under
 *     test never asks whose it is).  A copy outside it, or one that
 *     guest_range_ok refuses, fails with -XEN_EFAULT.
 *
 * This header is also forced (-include) into the hypervisor files under
 * test, since include/hv/guest_access.h declares the guest copies only for
 * the real machine.
 */
#ifndef FAKE_DOMAIN_H
#define FAKE_DOMAIN_H

#include <stddef.h>
#include <stdint.h>
#include <hv/domain.h>

#define XENHEAP_FIRST_MFN 128u
#define XENHEAP_FRAMES    128u

#define FAKE_GUEST_BASE 0x00100000u
#define FAKE_GUEST_SIZE 0x00010000u

#define FAKE_MAX_DOMAINS 8

/* Forget every domain, empty the xenheap and guest memory, clear every record.  Call after
 * fake_machine_reset(). */
void fake_domain_reset(void);

/*
 * A domain as domain_create leaves it before its event channels and grant
 * table exist: a vCPU (runnable), a zeroed shared_info, findable by
 * domain_by_id.  The test calls evtchn_init / grant_table_init itself.
 */
struct domain *fake_domain_create(domid_t id);

/* domain_destroy's first step: from now on domain_by_id cannot find it. */
void fake_domain_unlist(struct domain *d);

/* Make d's vCPU the one running (the caller of the next hypercall). */
void fake_set_current(struct domain *d);

/* A host pointer to guest memory [gaddr, gaddr + n), which must lie in the fake guest area. */
void *fake_guest_ptr(uint32_t gaddr, size_t n);

/* What the code under test did. */
unsigned int fake_wakes(const struct vcpu *v); /* vcpu_wake calls for v */
unsigned int fake_xenheap_in_use(void);        /* xenheap frames the frame table says are taken */
unsigned int fake_invlpgs(void);               /* invlpg calls */
int fake_invlpg_seen(uint32_t va);             /* invlpg ran for this address */
unsigned int fake_bad_xenheap_frees(void);     /* frees of pages the fake never handed out */

/* physdev.c's pirq_bind / pirq_unbind, recorded; pirq_bind answers fake_pirq_bind_rc. */
struct fake_pirq_call {
    domid_t dom;
    uint32_t irq, port;
};
extern int fake_pirq_bind_rc; /* 0 after fake_domain_reset */
unsigned int fake_pirq_binds(void);
unsigned int fake_pirq_unbinds(void);
struct fake_pirq_call fake_last_pirq_bind(void);
struct fake_pirq_call fake_last_pirq_unbind(void);

/* Provided for the code under test. */
int copy_from_guest(void *dst, uint32_t gsrc, size_t n);
int copy_to_guest(uint32_t gdst, const void *src, size_t n);

#endif
