/*
 * trace.c - the hypervisor's trace buffer: what happened, in order, with the
 * time (xentrace's idea).
 *
 * The counters in struct pvlab_counters say how often each thing happened;
 * the trace says when and in what order: a hypercall, the exception it
 * caused, the switch to another domain, the CR3 load that came with it.  Each
 * event is recorded at exactly the place its counter is counted, so a decoded
 * trace and the counters agree (tests/trace_tests.py checks it).
 *
 * START also notes every domain's counters, and STOP prints what each counted
 * meanwhile, one "(XEN) trace:" line per domain, for the decoder to set
 * beside the records.
 *
 * The buffer is a ring of 16-byte records in xenheap pages, allocated when
 * dom0 starts tracing and kept until the next start.  Records are numbered
 * from the start; when the ring is full a new record overwrites the oldest,
 * and a reader learns how many were lost from the gap between what it asked
 * for and the oldest record still there.  Off, it costs nothing on the entry
 * path: hypercalls, exceptions and interrupts are recorded by a second entry
 * handler swapped in while the trace runs (arch/x86/traps.c), and a switch and
 * its CR3 load by a second way of loading page tables (hv/sched.c:
 * sched_trace()); the scheduler's other events (blocks, wakes, upcalls) cost
 * one load and one branch each (include/hv/trace.h).
 *
 * Tour 36/37 - after hv/domctl.c, before arch/x86/power.c.
 */
#include <lib.h>
#include <public/errno.h>
#include <public/trace.h>
#include <hv/arch.h>
#include <hv/config.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/trace.h>
#include <hv/x86.h>

/* Named for the host too: the lab reads the ring from a paused machine's memory by these
 * symbols (lab/trace_window.py), so they are not plain `ring` and `written`. */
int trace_on;
static struct trace_record *trace_ring;
static uint32_t trace_size, trace_pages; /* records, and the pages holding them */
static uint64_t trace_written;           /* records ever written since the start */

void trace_record(uint16_t event, uint16_t domain, uint32_t data)
{
    struct trace_record *r = &trace_ring[trace_written++ % trace_size];
    r->tsc = rdtsc();
    r->event = event;
    r->domain = domain;
    r->data = data;
}

/* What each domain's counters say happened since START, printed at STOP. */
static void print_counter_deltas(void)
{
    for (struct domain *d = domain_list; d; d = d->next) {
        const struct pvlab_counters *c = &d->counters, *b = &d->trace_base;
        printk("(XEN) trace: domain %u: hypercalls %u exceptions %u interrupts %u upcalls %u "
               "cr3_loads %u wakeups %u fpu_loads %u\n",
               d->domain_id, (uint32_t)(c->hypercalls - b->hypercalls),
               (uint32_t)(c->exceptions - b->exceptions), (uint32_t)(c->interrupts - b->interrupts),
               (uint32_t)(c->upcalls - b->upcalls), (uint32_t)(c->cr3_loads - b->cr3_loads),
               (uint32_t)(c->wakeups - b->wakeups), (uint32_t)(c->fpu_loads - b->fpu_loads));
    }
}

/* The flag the scheduler's events test, and the pointers swapped for the entries and switches. */
static void set_trace(int on)
{
    trace_on = on;
    entry_trace(on);
    sched_trace(on);
}

static long trace_start(uint32_t records)
{
    if (records == 0)
        records = PVLAB_TRACE_DEFAULT_RECORDS;
    if (records > PVLAB_TRACE_MAX_RECORDS)
        return -XEN_EINVAL;
    set_trace(0);
    if (trace_ring)
        free_xenheap_pages(trace_ring, trace_pages);
    trace_pages = ROUNDUP(records * sizeof(struct trace_record), PAGE_SIZE) / PAGE_SIZE;
    trace_ring = alloc_xenheap_pages(trace_pages);
    if (!trace_ring) {
        trace_pages = 0;
        return -XEN_ENOMEM;
    }
    trace_size = records;
    trace_written = 0;
    for (struct domain *d = domain_list; d; d = d->next)
        d->trace_base = d->counters;
    set_trace(1);
    return 0;
}

static uint64_t oldest(void)
{
    return trace_written > trace_size ? trace_written - trace_size : 0;
}

/* Copy records [first, first + n) that are still in the ring to the guest. */
static long trace_read(struct pvlab_trace_op *op)
{
    if (!trace_ring)
        return -XEN_ENOENT;
    uint64_t first = op->first < oldest() ? oldest() : op->first;
    uint32_t n = 0;
    for (; n < op->records && first + n < trace_written; n++) {
        const struct trace_record *r = &trace_ring[(first + n) % trace_size];
        if (copy_to_guest(op->buffer + n * sizeof(*r), r, sizeof(*r)))
            return -XEN_EFAULT;
    }
    op->first = first;
    op->records = n;
    return 0;
}

/* sysctl XEN_SYSCTL_pvlab_trace, for the privileged domain. */
long trace_control(struct pvlab_trace_op *op)
{
    long rc = 0;
    switch (op->op) {
    case PVLAB_TRACE_START:
        rc = trace_start(op->records);
        break;
    case PVLAB_TRACE_STOP:
        if (trace_on)
            print_counter_deltas();
        set_trace(0);
        break;
    case PVLAB_TRACE_READ:
        if (op->records > 4096)
            return -XEN_EINVAL; /* a bounded copy per call */
        rc = trace_read(op);
        break;
    case PVLAB_TRACE_INFO:
        break;
    default:
        return -XEN_EINVAL;
    }
    op->written = trace_written;
    op->oldest = oldest();
    op->size = trace_size;
    op->running = (uint32_t)trace_on;
    return rc;
}
