/*
 * xm_trace.c - `xm-lite trace start [RECORDS] | stop | dump`: the
 * hypervisor's trace buffer (xentrace's job), through sysctl; dump prints
 * one "T" line a record for tools/trace/pvlab-trace.py.
 */
#include "xm.h"

static long trace_op(struct pvlab_trace_op *t)
{
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_pvlab_trace,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.trace = *t;
    long rc = xm_sysctl(&op);
    *t = op.u.trace;
    return rc;
}

/* Print every record still in the buffer, one "T" line each, for tools/trace/pvlab-trace.py. */
static int trace_dump(void)
{
    static struct trace_record recs[256];
    struct pvlab_trace_op t = {.op = PVLAB_TRACE_INFO};
    if (trace_op(&t) || t.size == 0)
        return printf("xm-lite: trace: nothing traced yet ('xm-lite trace start')\n"), -1;
    printf("trace: dump: %u records written, %u dropped (the oldest), buffer of %u\n",
           (uint32_t)t.written, (uint32_t)t.oldest, t.size);
    for (uint64_t next = t.oldest;;) {
        t = (struct pvlab_trace_op){
            .op = PVLAB_TRACE_READ, .records = 256, .buffer = (uint32_t)recs, .first = next};
        if (trace_op(&t) || t.records == 0)
            break;
        for (uint32_t i = 0; i < t.records; i++)
            printf("T %08x%08x %u %u %x\n", (uint32_t)(recs[i].tsc >> 32), (uint32_t)recs[i].tsc,
                   recs[i].event, recs[i].domain, recs[i].data);
        next = t.first + t.records;
    }
    printf("trace: end\n");
    return 0;
}

/* xm-lite trace start [RECORDS] | stop | dump: the hypervisor's trace buffer (xentrace). */
int cmd_trace(int argc, char **argv)
{
    const char *sub = argc > 2 ? argv[2] : "";
    struct pvlab_trace_op t = {0};
    if (!strcmp(sub, "start")) {
        t.op = PVLAB_TRACE_START;
        t.records = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
    } else if (!strcmp(sub, "stop")) {
        t.op = PVLAB_TRACE_STOP;
    } else if (!strcmp(sub, "dump")) {
        return trace_dump();
    } else {
        return printf("usage: xm-lite trace start [RECORDS] | stop | dump\n"), -1;
    }
    long rc = trace_op(&t);
    if (rc)
        return printf("xm-lite: trace %s: error %ld\n", sub, rc), -1;
    printf("trace: %s, buffer of %u records, %u written\n", t.running ? "running" : "stopped",
           t.size, (uint32_t)t.written);
    return 0;
}
