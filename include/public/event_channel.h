/*
 * event_channel.h - event_channel_op: the virtual interrupt lines between the
 * hypervisor and domains, and between domains.  A port is an index into the
 * two-level pending/mask bitmaps of shared_info.
 */
#ifndef PUBLIC_EVENT_CHANNEL_H
#define PUBLIC_EVENT_CHANNEL_H

#include <stdint.h>
#include "xen.h"

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_unmask           9

struct evtchn_alloc_unbound {
    domid_t dom, remote_dom; /* IN */
    evtchn_port_t port;      /* OUT */
};

struct evtchn_bind_interdomain {
    domid_t remote_dom;        /* IN */
    evtchn_port_t remote_port; /* IN */
    evtchn_port_t local_port;  /* OUT */
};

struct evtchn_bind_virq {
    uint32_t virq;      /* IN */
    uint32_t vcpu;      /* IN */
    evtchn_port_t port; /* OUT */
};

struct evtchn_bind_pirq {
    uint32_t pirq;      /* IN */
    uint32_t flags;     /* IN */
    evtchn_port_t port; /* OUT */
};

struct evtchn_close {
    evtchn_port_t port;
};

struct evtchn_send {
    evtchn_port_t port;
};

#define EVTCHNSTAT_closed      0
#define EVTCHNSTAT_unbound     1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq        3
#define EVTCHNSTAT_virq        4
#define EVTCHNSTAT_ipi         5
struct evtchn_status {
    domid_t dom;        /* IN */
    evtchn_port_t port; /* IN */
    uint32_t status;    /* OUT */
    uint32_t vcpu;      /* OUT */
    union {
        struct {
            domid_t dom;
        } unbound;
        struct {
            domid_t dom;
            evtchn_port_t port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

struct evtchn_unmask {
    evtchn_port_t port;
};

#endif
