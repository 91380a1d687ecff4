/*
 * trace.h - record an event in the trace buffer (hv/trace.c).  When tracing
 * is off, trace() costs one load and one not-taken branch.
 */
#ifndef HV_TRACE_H
#define HV_TRACE_H

#include <stdint.h>
#include <public/trace.h>

struct pvlab_trace_op;
extern int trace_on;
void trace_record(uint16_t event, uint16_t domain, uint32_t data);
long trace_control(struct pvlab_trace_op *op);

static inline void trace(uint16_t event, uint16_t domain, uint32_t data)
{
    if (__builtin_expect(trace_on, 0))
        trace_record(event, domain, data);
}

#endif
