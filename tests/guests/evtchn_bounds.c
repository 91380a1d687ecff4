/*
 * evtchn_bounds - event-channel operations at and past every bound, as the
 * privileged domain (the class of XSA-77, XSA-342 and the port-number bugs):
 * ports 1024 and up, port 0, virqs past NR_VIRQS, vCPUs that do not exist,
 * binding to a domain that does not exist, a loopback to one's own port,
 * closing or unmasking what is not there, unknown sub-commands.  Each gets an
 * error, and a real port still works after all of them.
 */
#include "xtf.h"
#include <public/errno.h>

const char test_title[] =
    "event-channel ports, virqs and domains past every bound are refused (XSA-77/342 class)";

static long op(int cmd, void *arg)
{
    return HYPERVISOR_event_channel_op(cmd, arg);
}

void test_main(void)
{
    static const uint32_t bad_ports[] = {1024, 1025, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF};
    for (unsigned int i = 0; i < ARRAY_SIZE(bad_ports); i++) {
        struct evtchn_send s = {bad_ports[i]};
        struct evtchn_close c = {bad_ports[i]};
        struct evtchn_unmask u = {bad_ports[i]};
        struct evtchn_status st = {.dom = DOMID_SELF, .port = bad_ports[i]};
        expect_refused(op(EVTCHNOP_send, &s), "send on a port past 1023");
        expect_refused(op(EVTCHNOP_close, &c), "close of a port past 1023");
        expect_refused(op(EVTCHNOP_unmask, &u), "unmask of a port past 1023");
        expect_refused(op(EVTCHNOP_status, &st), "status of a port past 1023");
    }
    struct evtchn_close c0 = {0};
    expect_refused(op(EVTCHNOP_close, &c0), "closing port 0");
    struct evtchn_bind_virq v = {.virq = NR_VIRQS, .vcpu = 0};
    expect_refused(op(EVTCHNOP_bind_virq, &v), "binding virq NR_VIRQS");
    v = (struct evtchn_bind_virq){.virq = 0xFFFFFFFF};
    expect_refused(op(EVTCHNOP_bind_virq, &v), "binding virq 0xFFFFFFFF");
    v = (struct evtchn_bind_virq){.virq = VIRQ_TIMER, .vcpu = 1};
    expect_refused(op(EVTCHNOP_bind_virq, &v), "binding a virq to vCPU 1 of a 1-vCPU domain");
    /* (An unbound port may name a domain that does not exist yet, as in Xen: dom0 sets
     * up channels for a domain it is about to create.) */
    struct evtchn_bind_interdomain b = {.remote_dom = 0x7000, .remote_port = 1};
    expect_refused(op(EVTCHNOP_bind_interdomain, &b), "binding to a domain that does not exist");
    struct evtchn_status st = {.dom = 0x7000, .port = 1};
    expect_refused(op(EVTCHNOP_status, &st), "status of a port of a domain that does not exist");
    expect_rc(op(77, &st), -XEN_ENOSYS, "an unknown event-channel sub-command");

    /* A port of our own, unbound and offered to ourselves: binding it to itself is refused. */
    struct evtchn_alloc_unbound mine = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
    expect_rc(op(EVTCHNOP_alloc_unbound, &mine), 0, "allocating an unbound port");
    b = (struct evtchn_bind_interdomain){.remote_dom = DOMID_SELF, .remote_port = mine.port};
    long rc = op(EVTCHNOP_bind_interdomain, &b);
    if (rc == 0) { /* a loopback channel, as Xen allows: it must work both ways */
        struct evtchn_send s = {b.local_port};
        expect_rc(op(EVTCHNOP_send, &s), 0, "sending on a loopback channel");
        struct evtchn_close c = {b.local_port};
        expect_rc(op(EVTCHNOP_close, &c), 0, "closing one end of the loopback");
    }
    struct evtchn_close cm = {mine.port};
    expect_rc(op(EVTCHNOP_close, &cm), 0, "closing our own port");
    expect_refused(op(EVTCHNOP_close, &cm), "closing it twice");
}
