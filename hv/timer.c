/*
 * timer.c - the guests' timers: what each timer tick of hv/time.c fires.
 *
 * A vCPU has a one-shot timer it sets with set_timer_op (a deadline in system
 * time, 0 to cancel) and a periodic one (every 10 ms from its creation, until
 * it changes or stops it with vcpu_op); both raise VIRQ_TIMER when due.  A vCPU blocked in
 * SCHEDOP_poll with a deadline (hv/sched_op.c) is woken when the deadline passes.  The checks run
 * at each PIT tick, so a timer fires up to one tick (1/HZ) late, never early.
 *
 * The vCPUs with a deadline armed sit in a binary min-heap keyed by the
 * earliest of their deadlines (timer_due), so a tick looks at the top of the
 * heap and at nothing else unless something is due: with a thousand domUs
 * each asleep on its own timer, a visit to every vCPU at every tick (1,000 a
 * second) was 3 % of the machine (issue 15).  Whoever changes a deadline, or
 * a vCPU's state, calls timer_update(); a key may be earlier than the vCPU's
 * real next deadline (a poll that ended, a state that changed), never later,
 * so the tick that finds it due just computes it again.  The heap is an array
 * in the hypervisor's heap, grown with the vCPUs (timer_reserve(), at domain
 * creation, which fails cleanly when memory is out).
 *
 * Tour 16/37 - after hv/sched_policy.c, before hv/initial_domain.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/time.h>

static struct vcpu **heap; /* heap[0] is due first; a vCPU knows its place (timer_slot - 1) */
static uint32_t heap_len, heap_cap, heap_pages;

long do_set_timer_op(uint32_t lo, uint32_t hi)
{
    current->timer_deadline = ((uint64_t)hi << 32) | lo;
    timer_update(current);
    return 0;
}

/* The heap's array becomes `pages` pages (0: none); -XEN_ENOMEM leaves it as it was. */
static int heap_resize(uint32_t pages)
{
    struct vcpu **array = pages ? alloc_xenheap_pages(pages) : NULL;
    if (pages && !array)
        return -XEN_ENOMEM;
    for (uint32_t i = 0; i < heap_len; i++)
        array[i] = heap[i];
    free_xenheap_pages(heap, heap_pages);
    heap = array;
    heap_pages = pages;
    heap_cap = pages * PAGE_SIZE / sizeof(*heap);
    return 0;
}

/* Room for `vcpus`: the array doubles when they do not fit, halves when a quarter would, and
 * goes with the last vCPU, so the hypervisor keeps no page for vCPUs that are gone. */
int timer_reserve(uint32_t vcpus)
{
    uint32_t pages = heap_pages ? heap_pages : 1;
    if (vcpus > heap_cap) {
        while (pages * PAGE_SIZE / sizeof(*heap) < vcpus)
            pages *= 2;
        return heap_resize(pages);
    }
    if (!vcpus)
        return heap_resize(0);
    if (heap_pages > 1 && vcpus <= heap_cap / 4)
        heap_resize(heap_pages / 2); /* if that fails, the bigger one stays */
    return 0;
}

/* The earliest deadline v has armed, 0 if none (a vCPU that is down has none). */
static uint64_t earliest(const struct vcpu *v)
{
    uint64_t due = 0;
    if (v->state == VCPU_down)
        return 0;
    if (v->timer_deadline)
        due = v->timer_deadline;
    if (v->periodic_period && (!due || v->periodic_next < due))
        due = v->periodic_next ? v->periodic_next : 1;
    if (v->state == VCPU_blocked && v->poll_nr && v->poll_deadline &&
        (!due || v->poll_deadline < due))
        due = v->poll_deadline;
    return due;
}

static void put(uint32_t i, struct vcpu *v)
{
    heap[i] = v;
    v->timer_slot = i + 1;
}

/* Move the entry at i up or down until the heap is ordered again. */
static void sift(uint32_t i)
{
    struct vcpu *v = heap[i];
    while (i > 0 && heap[(i - 1) / 2]->timer_due > v->timer_due) {
        put(i, heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= heap_len)
            break;
        if (c + 1 < heap_len && heap[c + 1]->timer_due < heap[c]->timer_due)
            c++;
        if (heap[c]->timer_due >= v->timer_due)
            break;
        put(i, heap[c]);
        i = c;
    }
    put(i, v);
}

static void heap_remove(struct vcpu *v)
{
    uint32_t i = v->timer_slot - 1;
    struct vcpu *last = heap[--heap_len];
    v->timer_slot = 0;
    if (last != v) {
        put(i, last);
        sift(i);
    }
}

void timer_update(struct vcpu *v)
{
    v->timer_due = earliest(v);
    if (v->timer_slot && !v->timer_due)
        heap_remove(v);
    else if (v->timer_slot)
        sift(v->timer_slot - 1);
    else if (v->timer_due) {
        BUG_ON(heap_len >= heap_cap); /* timer_reserve() made room for every vCPU */
        put(heap_len++, v);
        sift(heap_len - 1);
    }
}

void timer_forget(struct vcpu *v)
{
    if (v->timer_slot)
        heap_remove(v);
}

/* v's deadlines that are due at `now`: fire them. */
static void fire_due(struct vcpu *v, uint64_t now)
{
    if (v->timer_deadline && now >= v->timer_deadline) {
        v->timer_deadline = 0;
        send_guest_virq(v, VIRQ_TIMER);
    }
    if (v->periodic_period && now >= v->periodic_next) {
        v->periodic_next += v->periodic_period; /* stay on the grid: no drift */
        if (v->periodic_next <= now)
            v->periodic_next = now + v->periodic_period; /* we were late: skip ahead */
        send_guest_virq(v, VIRQ_TIMER);
    }
    if (v->state == VCPU_blocked && v->poll_nr && v->poll_deadline && now >= v->poll_deadline)
        vcpu_wake(v);
}

/* From the timer interrupt: fire due timers, time out polls. */
void fire_timers(uint64_t now)
{
    while (heap_len && heap[0]->timer_due <= now) {
        struct vcpu *v = heap[0];
        fire_due(v, now);
        timer_update(v); /* its next deadline is later than now, or it has none */
    }
}
