/*
 * trace.h - the hypervisor's trace buffer (xentrace's idea, pvlab's records).
 *
 * While tracing is on, the hypervisor appends one 16-byte record for every
 * event below to a ring in its memory; when the ring is full the oldest
 * records are overwritten and counted as dropped.  dom0 controls it and reads
 * it with sysctl XEN_SYSCTL_pvlab_trace (xm-lite trace), and the host decodes
 * the dump (tools/trace/pvlab-trace.py).  Shared verbatim by the hypervisor,
 * minios and the host decoder's documentation.
 */
#ifndef PUBLIC_TRACE_H
#define PUBLIC_TRACE_H

#include <stdint.h>

/* Events, with what `data` holds.  Each one is recorded where the matching
 * struct pvlab_counters field is counted, so the two always agree.  A
 * hypercall's data is its number in the low 16 bits and the low 16 bits of
 * its first argument above them: the sub-operation of grant_table_op
 * (GNTTABOP_copy: a grant copy), event_channel_op (EVTCHNOP_send: an event
 * notification), sched_op and vcpu_op; for the others a pointer's low bits. */
#define TRC_HYPERCALL   1 /* number | arg1 << 16 (above) counters.hypercalls */
#define TRC_EXCEPTION   2 /* vector                      counters.exceptions */
#define TRC_IRQ         3 /* IRQ line (taken in a guest) counters.interrupts */
#define TRC_UPCALL      4 /* 0                           counters.upcalls */
#define TRC_CR3         5 /* page directory's mfn        counters.cr3_loads */
#define TRC_SWITCH      6 /* id of the domain switched to; `domain` is the one left */
#define TRC_BLOCK       7 /* 0: SCHEDOP_block or poll */
#define TRC_WAKE        8 /* 0                           counters.wakeups */
#define TRC_FPU         9 /* 0: #NM gave it the FPU      counters.fpu_loads */
#define TRC_NR_EVENTS   10
#define TRC_IDLE_DOMAIN 0x7FFF /* TRC_SWITCH's "domain" for the idle vCPU */

struct trace_record {
    uint64_t tsc;    /* rdtsc: under QEMU's -icount, instructions since reset */
    uint16_t event;  /* TRC_* */
    uint16_t domain; /* the domain it concerns */
    uint32_t data;
};

/* sysctl XEN_SYSCTL_pvlab_trace sub-operations */
#define PVLAB_TRACE_START 1 /* records: buffer size (0: the default); clears the buffer */
#define PVLAB_TRACE_STOP  2
#define PVLAB_TRACE_READ  3 /* copy up to `records` records from `first` into `buffer` */
#define PVLAB_TRACE_INFO  4

#define PVLAB_TRACE_DEFAULT_RECORDS 65536 /* 1 MiB */
#define PVLAB_TRACE_MAX_RECORDS     262144

struct pvlab_trace_op {
    uint32_t op;      /* IN: PVLAB_TRACE_* */
    uint32_t records; /* IN: START's size, READ's count; OUT: READ's records copied */
    uint32_t buffer;  /* IN: READ: guest pointer to records * 16 bytes */
    uint32_t _pad;
    uint64_t first;   /* IN: READ: index of the first record wanted (counted since START) */
    uint64_t written; /* OUT: records ever written since START */
    uint64_t oldest;  /* OUT: index of the oldest record still in the buffer */
    uint32_t size;    /* OUT: the buffer's size in records */
    uint32_t running; /* OUT: 1 while tracing */
};

#endif
