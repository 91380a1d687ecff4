/*
 * domu_evtchn - event channels refuse what makes no sense and survive abuse:
 * sending on port 0, on a closed port or past the end; closing a closed
 * port; binding a port nobody offered us; allocating 2000 ports (the
 * table holds 1024); and a flood of 100000 events at dom0.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] =
    "event-channel abuse (bad ports, 2000 ports, a flood) is contained (XSA-77/342 class)";

static long send(uint32_t port)
{
    struct evtchn_send op = {port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

void test_main(void)
{
    static const uint32_t bad[] = {0, 1000, 1023, 1024, 4096, 0x7FFFFFFF, 0xFFFFFFFF};
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        char what[40];
        snprintf(what, sizeof(what), "send on port %u", bad[i]);
        expect_rc(send(bad[i]), -XEN_EINVAL, what);
    }
    struct evtchn_close cl = {1000};
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl), -XEN_EINVAL,
              "closing a closed port");
    struct evtchn_bind_virq bv = {.virq = 500};
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL, "VIRQ 500");
    struct evtchn_bind_interdomain bi = {.remote_dom = 0, .remote_port = 1};
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL,
              "binding a dom0 port not offered to us");
    bi.remote_dom = 0x7000;
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), -XEN_ESRCH,
              "binding a port of a domain that does not exist");

    static uint32_t ports[2000];
    uint32_t got = 0, full = 0;
    for (int i = 0; i < 2000; i++) {
        struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = 0};
        long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
        if (rc == 0)
            ports[got++] = op.port;
        else if (rc == -XEN_ENOSPC)
            full++;
        else
            xtf_failure("alloc_unbound returned %ld", rc);
    }
    if (got > 1023 || got < 900 || got + full != 2000)
        xtf_failure("2000 allocations: %u ports, %u refusals", got, full);
    expect_rc(send(ports[0]), 0, "send on an unbound port (dropped, as in Xen)");
    for (uint32_t i = 0; i < got; i++) {
        struct evtchn_close c = {ports[i]};
        if (HYPERVISOR_event_channel_op(EVTCHNOP_close, &c))
            xtf_failure("closing port %u failed", ports[i]);
    }
    struct evtchn_alloc_unbound again = {.dom = DOMID_SELF, .remote_dom = 0};
    expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &again), 0,
              "allocating a port after closing them all");
    /* The flood: our console channel, 100000 times. */
    for (int i = 0; i < 100000; i++)
        send(start_info.console.domU.evtchn);
    printf("XTF: sent 100000 events to dom0\n");
}
