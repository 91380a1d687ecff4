/*
 * event.h - event channels: how the hypervisor and domains interrupt each other.
 */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include <stdint.h>
#include <hv/domain.h>

int evtchn_init(struct domain *d);
void evtchn_destroy(struct domain *d);
void evtchn_set_pending(struct domain *d, uint32_t port);
void send_guest_virq(struct vcpu *v, unsigned int virq);
void send_global_virq(unsigned int virq); /* to dom0 */
int evtchn_poll_ready(struct vcpu *v);
int evtchn_alloc_unbound_for(struct domain *d, domid_t remote);
long do_event_channel_op(uint32_t cmd, uint32_t arg);

#endif
